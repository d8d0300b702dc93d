#!/bin/bash
# Day-to-day command line: default namespace names LAB-NODE, --name to run one file twice at
# once, exec's options after the node and `--`, one string through /bin/sh -c, exec on several
# nodes with prefixed lines, capture with real traffic, progress on a terminal only, Ctrl-C
# during up, and the timeout of an exec: line (30 s of the run).
. "$(dirname "$0")/lib.sh"

cat >"$WORK/two.yaml" <<'YAML'
name: two
nodes:
  h1: {interfaces: {eth0: 10.9.0.1/24}}
  h2: {interfaces: {eth0: 10.9.0.2/24}}
links:
  - [h1:eth0, h2:eth0]
YAML
lab=$WORK/two.yaml

# --- default names, and --name ------------------------------------------------------------------
expect_rc 0 "up (no prefix: key)" n up "$lab"
same "namespaces are LAB-NODE" "two-h1 two-h2" "$(ip netns list | awk '{print $1}' | sort | tr '\n' ' ' | sed 's/ $//')"
expect_rc 0 "the same file again as lab copy (--name)" n up --name copy "$lab"
same "its namespaces follow the name" "copy-h1 copy-h2 two-h1 two-h2" \
	"$(ip netns list | awk '{print $1}' | sort | tr '\n' ' ' | sed 's/ $//')"
contains "up says the lab's name" "lab copy is up" "$WORK/out"
check "both labs carry traffic on the same addresses" n exec --lab copy h1 ping -c1 -W2 10.9.0.2
check "the first one too" n exec --lab two h1 ping -c1 -W2 10.9.0.2
expect_rc 0 "diff --name is clean" n diff --name copy "$lab"
expect_rc 0 "diff of the first is clean" n diff "$lab"
expect_rc 0 "--name before the command" n --name copy diff "$lab"
expect_rc 125 "exec h1 is ambiguous across the two labs" n exec h1 true
contains "it names both labs" "choose one with --lab NAME" "$WORK/out"
expect_rc 0 "exec -f FILE --name picks the copy" n exec --name copy -f "$lab" h1 true
expect_rc 2 "an invalid --name" n up --name 'Bad_Name' "$lab"
contains "it says so" "--name: invalid lab name 'Bad_Name'" "$WORK/out"
expect_rc 0 "list shows both" n list
contains "list: copy" "copy  from" "$WORK/out"
expect_rc 0 "down --name copy" n down --name copy "$lab"
same "only the copy is gone" "two-h1 two-h2" "$(ip netns list | awk '{print $1}' | sort | tr '\n' ' ' | sed 's/ $//')"

# --- migration: a lab up under bare names moves to LAB-NODE with one up of the file without prefix
printf 'name: mig\nprefix: ""\nnodes:\n  m1: {interfaces: {eth0: 10.7.0.1/24}}\n  m2: {interfaces: {eth0: 10.7.0.2/24}}\nlinks:\n  - [m1:eth0, m2:eth0]\n' >"$WORK/mig.yaml"
expect_rc 0 "up with prefix: \"\" (bare names)" n up "$WORK/mig.yaml"
check "m1 is a bare name" test -e /run/netns/m1
sed -i '/^prefix/d' "$WORK/mig.yaml"
expect_rc 0 "up of the file without prefix: moves it" n up "$WORK/mig.yaml"
check "m1 is now mig-m1" test -e /run/netns/mig-m1 -a ! -e /run/netns/m1
expect_rc 0 "diff clean after the move" n diff "$WORK/mig.yaml"
check "the moved lab carries traffic" n exec m1 ping -c1 -W2 10.7.0.2
expect_rc 0 "down mig" n down "$WORK/mig.yaml"

# --- test prints each TAP line as its check ends, not all at the end ------------------------------
cat >"$WORK/tap.yaml" <<'YAML'
name: tap
nodes:
  h1: {interfaces: {eth0: 10.8.0.1/24}}
  h2: {interfaces: {eth0: 10.8.0.2/24}}
links:
  - [h1:eth0, h2:eth0]
tests:
  - ping: {from: h1, to: h2}
  - exec: {node: h1, cmd: "sleep 2"}
YAML
expect_rc 0 "up tap" n up "$WORK/tap.yaml"
n test "$WORK/tap.yaml" | while IFS= read -r line; do echo "$(date +%s%N | cut -c1-13) $line"; done >"$WORK/tap.out"
t1=$(awk '$2 == "ok" && $3 == 1 { print $1 }' "$WORK/tap.out")
t2=$(awk '$2 == "ok" && $3 == 2 { print $1 }' "$WORK/tap.out")
check "ok 1 came a second or more before ok 2 (not held back)" test -n "$t1" -a -n "$t2" -a "$((t2 - t1))" -ge 1000
expect_rc 0 "down tap" n down "$WORK/tap.yaml"

# --- exec's options and arguments ---------------------------------------------------------------
expect_rc 0 "exec NODE -f FILE CMD: -f after the node is nstopo's" n exec h1 -f "$lab" hostname
same "it ran hostname, not -f" "h1" "$(cat "$WORK/out")"
expect_rc 0 "exec NODE --lab NAME CMD" n exec h1 --lab two true
expect_rc 0 "-- ends nstopo's options" n exec h1 -- ls -d /
same "ls got -d" "/" "$(cat "$WORK/out")"
expect_rc 0 "the command's own -f is its own" n exec -f "$lab" h1 sh -c 'echo "$0 $1"' -f x
same "sh got -f x" "-f x" "$(cat "$WORK/out")"
expect_rc 0 "one string runs through /bin/sh -c" n exec h1 "ip -br addr show eth0 | grep -c 10.9.0.1"
same "the pipe ran in the node" "1" "$(cat "$WORK/out")"
expect_rc 3 "the string's exit status" n exec h1 'exit 3'
expect_rc 0 "exec --all, prefixed" n exec --all -f "$lab" hostname
same "one line per node, named" "h1: h1 h2: h2" "$(sort "$WORK/out" | tr '\n' ' ' | sed 's/ $//')"
expect_rc 0 "exec --all --lab" n exec --all --lab two hostname
same "the running nodes" "h1: h1 h2: h2" "$(sort "$WORK/out" | tr '\n' ' ' | sed 's/ $//')"
expect_rc 0 "exec on a list of nodes" n exec -f "$lab" h2,h1 sh -c 'echo out; echo err >&2'
same "each node's lines, nodes in the order given" "h2: out h1: out" "$(grep out "$WORK/out" | tr '\n' ' ' | sed 's/ $//')"
contains "standard error prefixed too" "h1: err" "$WORK/out"
expect_rc 4 "several nodes: a failure's status" n exec -f "$lab" h1,h2 sh -c '[ "$NSTOPO_NODE" = h1 ] || exit 4'

# --- capture -------------------------------------------------------------------------------------
if command -v tcpdump >/dev/null; then
	expect_rc 0 "capture -c 2 -w FILE icmp while pinging" bash -c "
		'$NSTOPO' capture -f '$lab' -c 2 -w '$WORK/cap.pcap' h2:eth0 icmp & cap=\$!
		for i in \$(seq 50); do '$NSTOPO' exec h1 ping -c1 -W1 10.9.0.2 >/dev/null; kill -0 \$cap 2>/dev/null || break; done
		wait \$cap"
	check "the pcap holds the echo request and reply" bash -c "tcpdump -nr '$WORK/cap.pcap' 2>/dev/null | grep -c 'ICMP echo' | grep -qx 2"
	expect_rc 0 "capture to a pipe writes pcap" bash -c "
		('$NSTOPO' capture --lab two -c 1 h1:eth0 icmp >'$WORK/pipe.pcap') & cap=\$!
		for i in \$(seq 50); do '$NSTOPO' exec h2 ping -c1 -W1 10.9.0.1 >/dev/null; kill -0 \$cap 2>/dev/null || break; done
		wait \$cap"
	check "it is a pcap" bash -c "tcpdump -nr '$WORK/pipe.pcap' 2>/dev/null | grep -q ICMP"
	expect_rc 2 "capture: NODE:IF is required" n capture h1
	expect_rc 125 "capture: an unknown node" n capture --lab two nosuch:eth0
else
	echo "# tcpdump not installed: capture not tested"
fi

# --- progress on a terminal only ----------------------------------------------------------------
cat >"$WORK/slow.yaml" <<'YAML'
name: slow
nodes:
  a: {exec: ["sleep 2.5"]}
  b: {}
YAML
expect_rc 0 "up without a terminal" n up "$WORK/slow.yaml"
check "prints no progress when stderr is no terminal" bash -c "! grep -q 'still running' '$WORK/out'"
expect_rc 0 "down" n down "$WORK/slow.yaml"
if command -v script >/dev/null; then
	TERM=xterm script -qec "'$NSTOPO' up '$WORK/slow.yaml'" /dev/null >"$WORK/tty.out" 2>&1
	contains "on a terminal: the running exec line is named" "exec a: sleep 2.5" "$WORK/tty.out"
	contains "with how long it has run" "still running" "$WORK/tty.out"
	contains "and a count" "[" "$WORK/tty.out"
	expect_rc 0 "down" n down "$WORK/slow.yaml"
fi

# --- Ctrl-C during up ---------------------------------------------------------------------------
cat >"$WORK/int.yaml" <<'YAML'
name: int
nodes:
  a: {exec: ["sleep 2"]}
  b: {exec: ["true"]}
YAML
# A background job of a script starts with SIGINT ignored: python puts the default back, as an
# interactive shell has it.
python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
	"$NSTOPO" up "$WORK/int.yaml" >"$WORK/int.out" 2>&1 &
pid=$!
wait_until 5000 test -e /run/netns/int-a
sleep 0.5
kill -INT $pid
wait $pid
same "Ctrl-C during up: exit 130" 130 $?
contains "it says it was interrupted" "interrupted (Ctrl-C)" "$WORK/int.out"
contains "what was done" "stopped after" "$WORK/int.out"
contains "and how to finish" "nstopo down --lab int" "$WORK/int.out"
check "b's exec line did not run" bash -c "! grep -q 'exec b' '$WORK/int.out'"
expect_rc 0 "up again finishes it" n up "$WORK/int.yaml"
expect_rc 0 "down --lab" n down --lab int
"$NSTOPO" up "$WORK/int.yaml" >"$WORK/int.out" 2>&1 &
pid=$!
wait_until 5000 test -e /run/netns/int-a
sleep 0.5
kill -TERM $pid
wait $pid
same "SIGTERM during up: exit 143" 143 $?
contains "it says so" "interrupted (SIGTERM)" "$WORK/int.out"
expect_rc 0 "down --lab after it" n down --lab int

# --- an exec: line that never ends: named, with the time, not ETIMEDOUT's text (takes 30 s) -----
printf 'name: hang\nnodes:\n  a: {exec: ["sleep 100"]}\n' >"$WORK/hang.yaml"
expect_rc 3 "an exec: line that hangs fails up" n up "$WORK/hang.yaml"
contains "it says it timed out after 30s" "sleep timed out after 30s" "$WORK/out"
check "not 'Connection timed out'" bash -c "! grep -q 'Connection timed out' '$WORK/out'"
expect_rc 0 "down hang" n down --lab hang

expect_rc 0 "down two" n down "$lab"
check "nothing left" nothing_left
finish
