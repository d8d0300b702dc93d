#!/bin/bash
# Every example lab comes up, its hosts reach each other (IPv4 and IPv6), `ip -j` shows what the
# file says, a second `up` changes nothing, and `down` leaves nothing behind.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip_feature "needs jq"

lab=$TOPOS/quickstart.yaml
expect_rc 0 "up quickstart" n up "$lab"
contains "up reports what it made" "lab quickstart is up" "$WORK/out"
same "namespaces LAB-NODE as in ip netns" "quickstart-h1 quickstart-h2 quickstart-r1 quickstart-sw1" "$(ip netns list | awk '{print $1}' | sort | tr '\n' ' ' | sed 's/ $//')"

# What the kernel holds, read from outside with ip -j.
same "h1 eth0 addresses" "10.0.1.10/24 2001:db8:1::10/64" \
	"$(ip -n quickstart-h1 -j addr show eth0 | jq -r '[.[0].addr_info[] | select(.scope=="global") | "\(.local)/\(.prefixlen)"] | join(" ")')"
same "r1 lo extra address" "1.1.1.1/32" \
	"$(ip -n quickstart-r1 -j addr show lo | jq -r '[.[0].addr_info[] | select(.family=="inet" and .local!="127.0.0.1") | "\(.local)/\(.prefixlen)"] | join(" ")')"
same "r1 eth1 mtu from the link" "9000" "$(ip -n quickstart-r1 -j link show eth1 | jq -r '.[0].mtu')"
same "sw1 ports in br0" "p1 p2" "$(ip -n quickstart-sw1 -j link show master br0 | jq -r '[.[].ifname] | sort | join(" ")')"
same "every interface up" "" "$(for ns in quickstart-h1 quickstart-h2 quickstart-r1 quickstart-sw1; do ip -n $ns -j link show | jq -r '.[] | select((.flags | index("UP")) == null) | .ifname'; done)"
same "h1 default route with nstopo's protocol" "10.0.1.1 77" \
	"$(ip -N -n quickstart-h1 -j route show default | jq -r '.[0] | "\(.gateway) \(.protocol)"')"
same "r1 forwards IPv4" "1" "$(in_ns quickstart-r1 cat /proc/sys/net/ipv4/ip_forward)"
same "r1 forwards IPv6" "1" "$(in_ns quickstart-r1 cat /proc/sys/net/ipv6/conf/all/forwarding)"
same "h1 does not forward" "0" "$(in_ns quickstart-h1 cat /proc/sys/net/ipv4/ip_forward)"
same "r1 sysctl from the file" "0" "$(in_ns quickstart-r1 cat /proc/sys/net/ipv4/conf/all/rp_filter)"
same "markers on interfaces" "nstopo:quickstart:r1:eth0:h1:eth0" "$(ip -n quickstart-r1 -j link show eth0 | jq -r '.[0].ifalias')"

check "h1 pings h2 across the router (IPv4)" n exec h1 ping -c1 -W2 10.0.2.10
check "h1 pings h2 across the router (IPv6, no DAD wait)" n exec h1 ping -6 -c1 -W2 2001:db8:2::10
check "ip netns exec works too" ip netns exec quickstart-h2 ping -c1 -W2 10.0.1.10

expect_rc 0 "diff is clean after up" n diff "$lab"
expect_rc 0 "second up" n up "$lab"
contains "second up changes nothing" "nothing to change" "$WORK/out"

expect_rc 0 "down" n down "$lab"
check "down leaves no namespace, mount or host interface" wait_until 2000 nothing_left
expect_rc 0 "down again is fine" n down "$lab"
contains "second down says so" "not running" "$WORK/out"

# Every other example lab: up, reachable, down.
for f in "$TOPOS"/*.yaml; do
	name=$(basename "$f" .yaml)
	[ "$name" = quickstart ] && continue
	grep -q '^tests:' "$f" && continue # labs with checks are run by their own tests
	expect_rc 0 "up $name" n up "$f"
	expect_rc 0 "diff $name is clean" n diff "$f"
	expect_rc 0 "down $name" n down "$f"
	check "$name leaves nothing" wait_until 2000 nothing_left
done
finish
