#!/bin/bash
# Sysctls are opened through a private procfs instance, renewed every 64 namespaces (through
# /proc a lookup costs time proportional to the number of namespaces), or through /proc where
# fsopen is refused. Both ways: every router of a 70-router chain forwards and has the file's
# sysctl, diff reads them back as in sync, and drift made by hand is seen and repaired.
. "$(dirname "$0")/lib.sh"
[ -n "${NSTOPO_NO_FSOPEN:-}" ] && [ -f "$NSTOPO_NO_FSOPEN" ] || skip "needs the no_fsopen shim (built with the tests)"

routers=70
lab=$WORK/chain.yaml
{
	echo "name: sysctls"
	echo "nodes:"
	for ((i = 1; i <= routers; i++)); do
		echo "  r$i:"
		echo "    kind: router"
		echo "    sysctl: { net.ipv4.conf.all.rp_filter: 2 }"
	done
	echo "links:"
	for ((i = 1; i < routers; i++)); do echo "  - [r$i:e, r$((i + 1)):w]"; done
} >"$lab"

# values KEY: the key's value in every router, one line, as read from outside nstopo.
values() {
	local i
	for ((i = 1; i <= routers; i++)); do in_ns "sysctls-r$i" cat "/proc/sys/${1//.//}"; done | sort | uniq -c |
		awk '{printf "%s%s x%s", (NR > 1 ? " " : ""), $2, $1}'
}

# In a build with AddressSanitizer (-DNSTOPO_SANITIZE=ON, gcc) the sanitizer runtime must come
# first in the library list, or ASan refuses to start: it is preloaded ahead of the shim.
asan_rt=$(ldd "$NSTOPO" 2>/dev/null | awk '$1 ~ /^libasan\.so/ { print $3 }')
[ -n "$asan_rt" ] && echo "note: ASan build: $asan_rt is preloaded ahead of the no_fsopen shim"

for way in private-procfs proc; do
	preload=
	[ "$way" = proc ] && preload="${asan_rt:+$asan_rt }$NSTOPO_NO_FSOPEN"
	nw() { LD_PRELOAD=$preload NO_FSOPEN_CALLED=$WORK/refused "$NSTOPO" "$@"; }
	expect_rc 0 "$way: up" nw up "$lab"
	same "$way: every router forwards IPv4" "1 x$routers" "$(values net.ipv4.ip_forward)"
	same "$way: every router forwards IPv6" "1 x$routers" "$(values net.ipv6.conf.all.forwarding)"
	same "$way: every router has the file's sysctl" "2 x$routers" "$(values net.ipv4.conf.all.rp_filter)"
	expect_rc 0 "$way: diff reads them back in sync" nw diff "$lab"
	in_ns sysctls-r70 sysctl -qw net.ipv4.conf.all.rp_filter=0
	expect_rc 1 "$way: diff sees a sysctl changed by hand" nw diff "$lab"
	contains "$way: and names it" "~ sysctl r70: net.ipv4.conf.all.rp_filter 0 -> 2" "$WORK/out"
	expect_rc 0 "$way: up repairs it" nw up "$lab"
	same "$way: repaired" "2" "$(in_ns sysctls-r70 cat /proc/sys/net/ipv4/conf/all/rp_filter)"
	expect_rc 0 "$way: down" nw down "$lab"
	check "$way: nothing left" wait_until 2000 nothing_left
	if [ "$way" = proc ]; then
		check "proc: fsopen was refused (the shim took effect)" test -e "$WORK/refused"
	else
		check "private-procfs: fsopen was not refused" test ! -e "$WORK/refused"
	fi
done
finish
