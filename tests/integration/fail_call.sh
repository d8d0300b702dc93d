#!/bin/bash
# A call of nstopo's refused part-way: its Nth fork (a full pid table, a cgroup's pids.max), or
# sendmsg, sendto, setns, unshare, mount (the kernel, a container's policy), for N over a whole `up`
# (nodes, files, exec: lines, background programs) and `test` (exec checks). Each time nstopo fails
# loudly (up: exit 3 with the reason; test: the check it could not run fails) or survives (exit
# 0, diff clean), leaks nothing, and `down --lab` then removes everything. The refusal comes from
# an LD_PRELOAD shim, not strace: no ptrace, so in a sanitizer build LeakSanitizer checks every
# one of these failure paths. Every index: the lab is small (about 35 calls in all).
. "$(dirname "$0")/lib.sh"
[ -n "${NSTOPO_FAIL_CALL:-}" ] && [ -f "$NSTOPO_FAIL_CALL" ] || skip "needs the fail_call shim (built with the tests)"

# In a build with AddressSanitizer the sanitizer runtime must come first in the library list.
asan_rt=$(ldd "$NSTOPO" 2>/dev/null | awk '$1 ~ /^libasan\.so/ { print $3 }')
[ -n "$asan_rt" ] && echo "note: ASan build: $asan_rt is preloaded ahead of the fail_call shim"
preload="${asan_rt:+$asan_rt }$NSTOPO_FAIL_CALL"

# fc CALL N CMD...: nstopo with the Nth CALL refused.
fc() {
	local call=$1 at=$2
	shift 2
	rm -f "$WORK/refused"
	LD_PRELOAD=$preload FAIL_CALL=$call FAIL_AT=$at FAIL_CALLED=$WORK/refused \
		FAIL_COUNT=$WORK/count "$NSTOPO" "$@"
}

# sweep CALL LAB CMD WANT: CMD of nstopo with the Nth CALL refused, over the calls a whole CMD
# makes; a refusal makes it exit WANT with the reason, or it survives it (exit 0, diff clean).
sweep() {
	local call=$1 lab=$2 cmd=$3 want=$4 name at rc total reason
	name=$(sed -n 's/^name: //p' "$lab")
	reason="Operation not permitted"
	[ "$call" = fork ] && reason="Resource temporarily unavailable"
	[ "$cmd" = test ] && n up "$lab" >/dev/null 2>&1
	fc "$call" 0 "$cmd" "$lab" >"$WORK/out" 2>&1
	total=$(cat "$WORK/count" 2>/dev/null)
	n down --lab "$name" >/dev/null 2>&1
	if [ -z "$total" ] || [ "$total" = 0 ]; then
		not_ok "$cmd: no $call call counted (the shim did not take effect)"
		return
	fi
	local failed=0 survived=0 bad=0
	for ((at = 1; at <= total; at++)); do
		[ "$cmd" = test ] && n up "$lab" >/dev/null 2>&1
		fc "$call" $at "$cmd" "$lab" >"$WORK/out" 2>&1
		rc=$?
		if [ ! -e "$WORK/refused" ]; then
			bad=1; not_ok "$cmd: $call #$at of $total was never reached (exit $rc)"
		elif [ "$rc" = "$want" ] && grep -q "$reason" "$WORK/out"; then
			failed=$((failed + 1))
		elif [ "$rc" = 0 ] && n diff "$lab" >"$WORK/diff" 2>&1; then
			survived=$((survived + 1))
		elif [ "$call" = setns ] && [ "$rc" = 134 ] &&
			grep -q "return to the original .* namespace: $reason" "$WORK/out"; then
			# Going home is fatal by design (netns.c leave): a process stranded in a lab's
			# namespace would go on configuring the wrong one.
			failed=$((failed + 1))
		else
			bad=1; not_ok "$cmd: $call #$at refused: exit $rc, expected $want and '$reason', or 0 and diff clean"
			sed 's/^/    /' "$WORK/out" | head -10
		fi
		if ! n down --lab "$name" >"$WORK/down" 2>&1; then
			bad=1; not_ok "$cmd: $call #$at refused: down --lab $name failed"
			sed 's/^/    /' "$WORK/down" | head -5
		fi
		if ! wait_until 2000 nothing_left; then
			bad=1; not_ok "$cmd: $call #$at refused: down left something: $(ip netns list | tr '\n' ' ')"
		fi
	done
	[ $bad = 0 ] && ok "$cmd: $call refused at each of its $total calls:" \
		"$failed failed with the reason, $survived survived; down --lab left nothing each time"
}

nodes=$(dirname "$0")/labs/nodes.yaml
for call in ${FAIL_CALLS:-fork sendmsg sendto setns unshare mount}; do
	sweep $call "$nodes" up 3
done
# An exec check forks (in the check pool's threads, all of the first process); no traffic
# checks here, whose timing is not this test's subject. A check that cannot run fails: exit 1.
cat >"$WORK/checks.yaml" <<'LAB'
name: forkchecks
prefix: ""
nodes:
  h1: {interfaces: {eth0: 10.51.0.1/24}}
  h2: {interfaces: {eth0: 10.51.0.2/24}}
links:
  - [h1:eth0, h2:eth0]
tests:
  - exec: {node: h1, cmd: [hostname]}
    output: h1
  - exec: {node: h2, cmd: [hostname]}
    output: h2
LAB
sweep fork "$WORK/checks.yaml" test 1
finish
