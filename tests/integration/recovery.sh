#!/bin/bash
# Failure part-way: the kernel refuses the Nth netlink message (or nstopo is killed there), for
# every N of a whole `up`. Each time the next `up` converges (diff clean) and `down` leaves
# nothing. Faults come from outside (strace), the product has no test hooks.
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || skip_feature "needs strace"

lab=$(dirname "$0")/labs/chain.yaml
# How many sendmsg calls a whole up makes.
strace -f -qq -c -o "$WORK/count" -e trace=sendmsg "$NSTOPO" up "$lab" >/dev/null 2>&1
total=$(awk '$NF == "sendmsg" {print $4}' "$WORK/count")
expect_rc 0 "down after counting" n down "$lab"
[ -n "$total" ] && [ "$total" -gt 10 ] || { not_ok "count sendmsg calls (got '$total')"; finish; }
ok "a whole up makes $total sendmsg calls"

bad=0
for fault in error=EPERM signal=KILL; do
	for ((i = 1; i <= total; i++)); do
		strace -f -qq -o /dev/null -e trace=sendmsg -e inject=sendmsg:$fault:when=$i \
			"$NSTOPO" up "$lab" >"$WORK/first" 2>&1
		rc=$?
		case $fault:$rc in
		error*:3 | signal*:137) ;;
		*) bad=1; not_ok "$fault at $i: first up exited $rc"; sed 's/^/    /' "$WORK/first" ;;
		esac
		if [ "$fault" = error=EPERM ] && ! grep -q "Operation not permitted" "$WORK/first"; then
			bad=1; not_ok "$fault at $i: the error does not give the reason"; sed 's/^/    /' "$WORK/first"
		fi
		if ! "$NSTOPO" up "$lab" >"$WORK/second" 2>&1 || ! "$NSTOPO" diff "$lab" >"$WORK/diff" 2>&1; then
			bad=1; not_ok "$fault at $i: up does not converge"; sed 's/^/    /' "$WORK/second" "$WORK/diff"
		fi
		# Every other time, down right after the fault instead of finishing first.
		if ((i % 2)); then
			"$NSTOPO" down "$lab" >/dev/null 2>&1
		else
			strace -f -qq -o /dev/null -e trace=sendmsg -e inject=sendmsg:$fault:when=$i \
				"$NSTOPO" up "$lab" >/dev/null 2>&1
			"$NSTOPO" down "$lab" >"$WORK/down" 2>&1 || { bad=1; not_ok "$fault at $i: down failed"; }
		fi
		if ! wait_until 2000 nothing_left; then
			bad=1; not_ok "$fault at $i: down left something: $(ip netns list | tr '\n' ' ')"
		fi
	done
	[ $bad = 0 ] && ok "$fault at each of $total sendmsg calls: up converges, down leaves nothing"
done

cat >"$WORK/campus.yaml" <<'EOF'
name: campus
prefix: ""
nodes:
  pc1:
    interfaces: {eth0: 192.168.1.10/24}
    routes: [default via 192.168.1.1]
  pc2:
    interfaces: {eth0: 192.168.1.11/24}
    routes: [default via 192.168.1.1]
  lan:
    kind: bridge
  home:
    kind: router
    interfaces: {lan: 192.168.1.1/24, wan: 203.0.113.2/30}
    routes: [default via 203.0.113.1]
    nat:
      - masquerade: {out: wan}
  isp:
    kind: router
    interfaces: {cust: 203.0.113.1/30, core: 198.51.100.1/24}
  server:
    interfaces: {eth0: 198.51.100.10/24}
    routes: [default via 198.51.100.1]
links:
  - [pc1:eth0, lan:p1]
  - [pc2:eth0, lan:p2]
  - [home:lan, lan:p3]
  - [home:wan, isp:cust]
  - [isp:core, server:eth0]
EOF
campus=$WORK/campus.yaml
# Nothing of campus: no name under /run/netns (an empty one included), no mount there or in the
# lab's run directory, no run directory.
campus_gone() {
	[ -z "$(ls -A /run/netns)" ] && ! grep -qE ' /run/(netns|nstopo)/' /proc/self/mountinfo &&
		[ ! -e /run/nstopo/campus ]
}
gone_or_say() {
	wait_until 2000 campus_gone && return 0
	echo "    left: $(ls -A /run/netns | tr '\n' ' ') $(grep -oE ' /run/(netns|nstopo)/[^ ]*' /proc/self/mountinfo | tr '\n' ' ')"
	n down --lab campus >/dev/null 2>&1
	return 1
}
ns_names() { ip netns list | awk '{print $1}' | sort | tr '\n' ' ' | sed 's/ $//'; }

# 1. Killed between making a namespace and marking it (its first netlink send, or unshare):
# the name is recorded in the lab's intent first, so down --lab finds it.
for inj in sendmsg:signal=KILL:when=4 sendmsg:signal=KILL:when=1 unshare:signal=KILL:when=1 \
	unshare:signal=KILL:when=3; do
	strace -f -qq -o /dev/null -e inject=$inj "$NSTOPO" up "$campus" >/dev/null 2>&1
	expect_rc 0 "killed at $inj: down --lab exits 0" n down --lab campus
	check "killed at $inj: down --lab leaves no namespace name" gone_or_say
done

# An empty name the lab did not record is someone else's (`ip netns add` half-way): left alone
# by down, and up does not take it over.
touch /run/netns/pc1 /run/netns/stranger
expect_rc 0 "down --lab with a stranger's empty names" n down --lab campus
check "down --lab leaves empty names it did not record" test -e /run/netns/pc1 -a -e /run/netns/stranger
expect_rc 3 "up refuses a name that is taken" n up "$campus"
contains "up says which" "/run/netns/pc1" "$WORK/out"
check "up leaves the stranger's empty name" test -e /run/netns/pc1
n down --lab campus >/dev/null 2>&1
rm -f /run/netns/pc1 /run/netns/stranger
check "nothing is left after the refused up" gone_or_say

# 2. A refused mount: up fails, down --lab removes everything (the kept namespaces are
# unmounted before the run directory goes), a plain up converges.
for i in 3 5 7 9 11 13 15; do
	expect_rc 3 "mount refused at $i: up fails" strace -f -qq -o /dev/null \
		-e inject=mount:error=EPERM:when=$i "$NSTOPO" up "$campus"
	expect_rc 0 "mount refused at $i: down --lab exits 0" n down --lab campus
	check "mount refused at $i: down --lab leaves nothing" gone_or_say
	strace -f -qq -o /dev/null -e inject=mount:error=EPERM:when=$i "$NSTOPO" up "$campus" >/dev/null 2>&1
	expect_rc 0 "mount refused at $i: a plain up then finishes" n up "$campus"
	expect_rc 0 "mount refused at $i: diff is clean" n diff "$campus"
	n down --lab campus >/dev/null 2>&1
done
check "nothing is left after the refused mounts" gone_or_say

# 11. The lab's prefix changes between two ups: one up moves every node (its new namespaces
# keep their hostname, files and processes), the old namespaces go.
sed "s/^prefix: \"\"/prefix: a-/" "$campus" >"$WORK/a.yaml"
sed -e "s/^prefix: \"\"/prefix: b-/" \
	-e 's/^  pc1:/&\n    exec:\n      - {cmd: [sleep, "1017"], background: true}\n    files:\n      \/etc\/motd: "pc1 motd\\n"/' \
	"$campus" >"$WORK/b.yaml"
expect_rc 0 "up with prefix a-" n up "$WORK/a.yaml"
expect_rc 0 "up with prefix b- moves the lab in one pass" n up "$WORK/b.yaml"
expect_rc 0 "diff is clean after the move" n diff "$WORK/b.yaml"
same "only the b- namespaces are left" "b-home b-isp b-lan b-pc1 b-pc2 b-server" "$(ns_names)"
expect_rc 0 "the moved node keeps its hostname" n exec --lab campus pc1 hostname
same "pc1's hostname" "pc1" "$(cat "$WORK/out")"
expect_rc 0 "the moved node keeps its files" n exec --lab campus pc1 cat /etc/motd
same "pc1's motd" "pc1 motd" "$(cat "$WORK/out")"
check "the moved node's exec: process runs" pgrep -x -f "sleep 1017"
expect_rc 0 "a second up has nothing to do" n up "$WORK/b.yaml"
contains "a second up says so" "up to date" "$WORK/out"
# Interrupted half-way through a move: both prefixes' namespaces carry the same node markers.
expect_rc 0 "back to prefix a-" n up "$WORK/a.yaml"
strace -f -qq -o /dev/null -e inject=sendmsg:signal=KILL:when=30 "$NSTOPO" up "$WORK/b.yaml" >/dev/null 2>&1
expect_rc 0 "an up after a half-done move finishes it" n up "$WORK/b.yaml"
expect_rc 0 "diff is clean after the half-done move" n diff "$WORK/b.yaml"
same "only the b- namespaces are left after the half-done move" "b-home b-isp b-lan b-pc1 b-pc2 b-server" \
	"$(ns_names)"
expect_rc 0 "back to prefix a- once more" n up "$WORK/a.yaml"
strace -f -qq -o /dev/null -e inject=sendmsg:signal=KILL:when=30 "$NSTOPO" up "$WORK/b.yaml" >/dev/null 2>&1
expect_rc 0 "down --lab after a half-done move" n down --lab campus
check "down --lab after a half-done move leaves nothing" gone_or_say
check "no exec: process is left" wait_until 3000 bash -c '! pgrep -x -f "sleep 1017"'

# 12. Killed during down (between unmounting a name and removing it, among others): the next
# down --lab removes what is left.
for inj in umount2:signal=KILL:when=3 unlink:signal=KILL:when=1 unlink:signal=KILL:when=2 \
	unlinkat:signal=KILL:when=2; do
	n up "$campus" >/dev/null 2>&1
	strace -f -qq -o /dev/null -e inject=$inj "$NSTOPO" down --lab campus >/dev/null 2>&1
	expect_rc 0 "down killed at $inj: the next down --lab exits 0" n down --lab campus
	check "down killed at $inj: the next down --lab leaves nothing" gone_or_say
done
finish
