#!/bin/bash
# Changes made by hand with ip and sysctl are reported by diff and repaired by up; routes of
# routing daemons and link-local addresses are not the lab's and are left alone.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip_feature "needs jq"

lab=$(dirname "$0")/labs/chain.yaml
expect_rc 0 "up chain" n up "$lab"

# drift CMD... / expect lines: make the change, check diff's lines, repair, check clean.
drift() {
	local what=$1
	shift
	"$@" >/dev/null 2>&1 || { not_ok "$what: the hand change itself failed"; return; }
	expect_rc 1 "$what: diff reports it" n diff "$lab"
	cp "$WORK/out" "$WORK/drift"
	while IFS= read -r line; do
		[ -n "$line" ] && contains "$what: diff says '$line'" "$line" "$WORK/drift"
	done <"$WORK/expect"
	expect_rc 0 "$what: up repairs it" n up "$lab"
	expect_rc 0 "$what: diff is clean again" n diff "$lab"
}

printf '%s\n' "+ link r1:eth1 <-> r2:eth0" "+ address r1:eth1 10.1.12.1/24" \
	"+ address r2:eth0 10.1.12.2/24" "+ route r1: 10.1.2.0/24 via 10.1.12.2" >"$WORK/expect"
drift "a veth deleted" ip -n r1 link del eth1
check "traffic flows again through the recreated link" n exec h1 ping -c1 -W2 10.1.2.10

printf '%s\n' "- address h1:eth0 10.1.1.99/24" >"$WORK/expect"
drift "an address added" ip -n h1 addr add 10.1.1.99/24 dev eth0

printf '%s\n' "+ address h2:eth0 10.1.2.10/24" "+ route h2: default via 10.1.2.1" >"$WORK/expect"
drift "an address removed" ip -n h2 addr del 10.1.2.10/24 dev eth0

printf '%s\n' "~ route r1: 10.1.2.0/24 via 10.1.12.3 -> 10.1.2.0/24 via 10.1.12.2 (made by hand)" >"$WORK/expect"
drift "a route changed" ip -n r1 route replace 10.1.2.0/24 via 10.1.12.3

printf '%s\n' "- route h1: 10.9.0.0/16 via 10.1.1.1" >"$WORK/expect"
drift "a route added" ip -n h1 route add 10.9.0.0/16 via 10.1.1.1

printf '%s\n' "~ sysctl r1: net.ipv4.ip_forward 0 -> 1" >"$WORK/expect"
drift "forwarding switched off" ip netns exec r1 sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward'

printf '%s\n' "~ r1:eth0 down -> up" >"$WORK/expect"
drift "an interface set down" ip -n r1 link set eth0 down

printf '%s\n' "~ r2:eth1 mtu 1300 -> 1500" >"$WORK/expect"
drift "an mtu changed" ip -n r2 link set eth1 mtu 1300

printf '%s\n' "+ node h2" "+ link r2:eth1 <-> h2:eth0" "+ address h2:eth0 10.1.2.10/24" >"$WORK/expect"
drift "a namespace deleted" ip netns del h2
check "h2 answers again" n exec h1 ping -c1 -W2 10.1.2.10

printf '%s\n' "+ address host:chain-up0 10.200.0.1/30" >"$WORK/expect"
drift "a host-side address removed" ip addr del 10.200.0.1/30 dev chain-up0

# Not the lab's: a daemon's route, and a route of the host's own.
ip -n r1 route add 10.77.0.0/16 via 10.1.12.2 proto bird
ip -n r1 route add 10.78.0.0/16 via 10.1.12.2 proto zebra
ip route add 10.79.0.0/16 via 10.200.0.2 proto static
expect_rc 0 "routes of daemons and of the host are not drift" n diff "$lab"
expect_rc 0 "up" n up "$lab"
same "up leaves the daemon routes" "2" "$(ip -n r1 -j route show | jq '[.[] | select(.dst=="10.77.0.0/16" or .dst=="10.78.0.0/16")] | length')"
expect_rc 0 "down" n down "$lab"
check "nothing left" wait_until 2000 nothing_left
finish
