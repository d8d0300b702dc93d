#!/bin/bash
# NAT through nftables (issue 5): the example labs with real traffic (a listener that reports its
# peer's address), the node's table as nft sees it, hand edits found by diff and repaired by up,
# and the host uplink's table and forwarding, put back exactly at down.
. "$(dirname "$0")/lib.sh"
for p in socat nft jq; do command -v $p >/dev/null || skip_feature "needs $p"; done

# peer_seen SERVER PORT CLIENT ADDR: the address SERVER's listener sees a connection come from.
peer_seen() {
	local server=$1 port=$2 client=$3 addr=$4
	in_ns "$server" timeout 5 socat -T3 "TCP-LISTEN:$port,reuseaddr" SYSTEM:'echo $SOCAT_PEERADDR' &
	local pid=$!
	wait_until 2000 sh -c "ip netns exec $server ss -Htln 'sport = :$port' | grep -q LISTEN"
	in_ns "$client" socat -T3 - "TCP:$addr:$port,connect-timeout=3" </dev/null 2>&1
	wait $pid 2>/dev/null
}

# --- home-nat: masquerade (topologies/ use the default names, LAB-NODE) ---
lab=$TOPOS/home-nat.yaml
expect_rc 0 "home-nat: up" n up "$lab"
same "home-nat: the server sees the router's WAN address, not pc1's" 203.0.113.2 \
	"$(peer_seen home-nat-server 7000 home-nat-pc1 198.51.100.10)"
same "home-nat: pc2 too" 203.0.113.2 "$(peer_seen home-nat-server 7001 home-nat-pc2 198.51.100.10)"
expect_rc 1 "home-nat: the server cannot reach into the LAN" n exec server ping -c1 -W1 192.168.1.10
in_ns home-nat-home nft -j list ruleset >"$WORK/rs"
same "home-nat: nft in the node shows exactly the lab's table" "inet nstopo" \
	"$(jq -r '[.nftables[] | select(.table) | "\(.table.family) \(.table.name)"] | join(",")' "$WORK/rs")"
same "home-nat: the rule carries its text from the file" "masquerade out wan" \
	"$(jq -r '.nftables[] | select(.rule) | .rule.comment' "$WORK/rs")"
expect_rc 0 "home-nat: diff is clean after up" n diff "$lab"

# Hand edits: flushed, deleted, emptied, a rule added by hand.
hand_edit() {
	local what=$1 expect=$2
	shift 2
	"$@" || { not_ok "$what: the hand edit itself failed"; return; }
	expect_rc 1 "$what: diff reports it" n diff "$lab"
	contains "$what: diff says '$expect'" "$expect" "$WORK/out"
	expect_rc 0 "$what: up repairs it" n up "$lab"
	expect_rc 0 "$what: diff is clean again" n diff "$lab"
	same "$what: traffic is masqueraded again" 203.0.113.2 "$(peer_seen home-nat-server 7002 home-nat-pc1 198.51.100.10)"
}
hand_edit "chain flushed" "+ nat home: masquerade out wan" in_ns home-nat-home nft flush chain inet nstopo postrouting
hand_edit "table deleted" "+ nat home: masquerade out wan" in_ns home-nat-home nft delete table inet nstopo
hand_edit "rule added" "- nat home: (handle" \
	in_ns home-nat-home nft add rule inet nstopo postrouting ip saddr 10.0.0.0/8 masquerade
hand_edit "rule body edited, same comment" "~ nat home: table nstopo differs" \
	sh -c 'ip netns exec home-nat-home nft flush chain inet nstopo postrouting &&
	       ip netns exec home-nat-home nft add rule inet nstopo postrouting oifname "lan" masquerade comment \"masquerade out wan\"'
# The lab's own checks see a NAT rule removed by hand (issue 6).
expect_rc 0 "home-nat: its tests pass" n test "$lab"
in_ns home-nat-home nft flush chain inet nstopo postrouting
expect_rc 1 "home-nat: with the masquerade rule removed its tests fail" n test "$lab"
contains "... the ping from the LAN names what it expected" \
	"# expected an echo reply from 198.51.100.10; found:" "$WORK/out"
expect_rc 0 "home-nat: up repairs it" n up "$lab"
expect_rc 0 "home-nat: its tests pass again" n test "$lab"
in_ns home-nat-home nft add table ip mine
expect_rc 0 "a table of someone else's in the node is not the lab's" n diff "$lab"
in_ns home-nat-home nft delete table ip mine
expect_rc 0 "home-nat: down" n down "$lab"
check "home-nat: down leaves nothing" wait_until 2000 nothing_left

# --- cgnat: double NAT ---
lab=$TOPOS/cgnat.yaml
expect_rc 0 "cgnat: up" n up "$lab"
same "cgnat: the server sees the carrier NAT's address" 203.0.113.2 \
	"$(peer_seen cgnat-server 7000 cgnat-pc 198.51.100.10)"
same "cgnat: the carrier NAT sees the home router's address" 100.64.0.2 \
	"$(peer_seen cgnat-cgn 7001 cgnat-pc 100.64.0.1)"
expect_rc 0 "cgnat: down" n down "$lab"

# --- port-forward: dnat ---
lab=$TOPOS/port-forward.yaml
expect_rc 0 "port-forward: up" n up "$lab"
# The lab's own exec: line runs a socat stand-in for a web server on web:80, in the background:
# it may not listen yet when up returns.
wait_until 3000 sh -c "ip netns exec port-forward-web ss -Htln 'sport = :80' | grep -q LISTEN"
same "port-forward: WAN:8080 reaches the LAN host's listener on port 80" "hello from web" \
	"$(in_ns port-forward-client socat -T3 - TCP:203.0.113.2:8080,connect-timeout=3 </dev/null 2>&1)"
in_ns port-forward-gw nft -j list ruleset >"$WORK/rs"
same "port-forward: dnat in prerouting, masquerade in postrouting" \
	"prerouting:dnat in wan tcp dport 8080 to 192.168.1.10:80,postrouting:masquerade out wan" \
	"$(jq -r '[.nftables[] | select(.rule) | "\(.rule.chain):\(.rule.comment)"] | join(",")' "$WORK/rs")"
# A rule removed from the file goes from the kernel; the table goes with the last `nat:`.
sed '/masquerade: {out: wan}/d' "$lab" >"$WORK/pf.yaml"
expect_rc 1 "port-forward: diff of a file without the masquerade" n diff "$WORK/pf.yaml"
contains "port-forward: the rule is to go" "- nat gw: masquerade out wan" "$WORK/out"
expect_rc 0 "port-forward: up without it" n up "$WORK/pf.yaml"
same "port-forward: only the dnat is left" "dnat in wan tcp dport 8080 to 192.168.1.10:80" \
	"$(in_ns port-forward-gw nft -j list ruleset | jq -r '.nftables[] | select(.rule) | .rule.comment')"
sed '/nat:/,/masquerade/d' "$lab" >"$WORK/pf2.yaml"
expect_rc 0 "port-forward: up with no nat at all" n up "$WORK/pf2.yaml"
same "port-forward: the table is gone" "" "$(in_ns port-forward-gw nft list tables)"
expect_rc 0 "port-forward: down" n down --lab port-forward

# --- IPv6: masquerade and a port forward for ip6 ---
cat >"$WORK/v6.yaml" <<'V6'
name: nat-v6
prefix: ""
nodes:
  pc:
    interfaces: {eth0: "fd00:1::10/64"}
    routes: ["::/0 via fd00:1::1"]
  gw:
    kind: router
    interfaces: {lan: "fd00:1::1/64", wan: "2001:db8:9::2/64"}
    nat:
      - masquerade: {out: wan, from: "fd00:1::/64"}
      - dnat: {in: wan, proto: tcp, port: 8080, to: "[fd00:1::10]:80"}
  server:
    interfaces: {eth0: "2001:db8:9::10/64"}
links:
  - [pc:eth0, gw:lan]
  - [gw:wan, server:eth0]
V6
expect_rc 0 "IPv6 NAT lab: up" n up "$WORK/v6.yaml"
in_ns server timeout 5 socat TCP6-LISTEN:7000,reuseaddr SYSTEM:'echo $SOCAT_PEERADDR' &
wait_until 2000 sh -c "ip netns exec server ss -Htln 'sport = :7000' | grep -q LISTEN"
same "IPv6: the server sees the router's WAN address" "[2001:0db8:0009:0000:0000:0000:0000:0002]" \
	"$(in_ns pc timeout 5 socat -T3 - 'TCP6:[2001:db8:9::10]:7000,connect-timeout=3' </dev/null 2>&1)"
wait
in_ns pc timeout 5 socat TCP6-LISTEN:80,reuseaddr SYSTEM:'echo v6 web' &
wait_until 2000 sh -c "ip netns exec pc ss -Htln 'sport = :80' | grep -q LISTEN"
same "IPv6: [WAN]:8080 reaches the LAN host's port 80" "v6 web" \
	"$(in_ns server timeout 5 socat -T3 - 'TCP6:[2001:db8:9::2]:8080,connect-timeout=3' </dev/null 2>&1)"
wait
same "IPv6: the rules are ip6 rules" "dnat ip6 in wan tcp dport 8080 to [fd00:1::10]:80,masquerade ip6 out wan from fd00:1::/64" \
	"$(in_ns gw nft -j list ruleset | jq -r '[.nftables[] | select(.rule) | .rule.comment] | join(",")')"
expect_rc 0 "IPv6 NAT lab: diff clean" n diff "$WORK/v6.yaml"
expect_rc 0 "IPv6 NAT lab: down" n down --lab nat-v6

# --- a refusal names the node, the rule and the reason ---
if command -v strace >/dev/null; then
	lab=$TOPOS/home-nat.yaml
	expect_rc 0 "home-nat: up again" n up "$lab"
	in_ns home-nat-home nft delete table inet nstopo
	# An up that only has the table to write reads as much as a diff does, then sends the
	# table's transaction: refuse exactly that message.
	strace -f -qq -c -o "$WORK/count" -e trace=sendmsg "$NSTOPO" diff "$lab" >/dev/null 2>&1
	reads=$(awk '$NF == "sendmsg" {print $4}' "$WORK/count")
	strace -f -qq -o /dev/null -e trace=sendmsg -e inject=sendmsg:error=EPERM:when=$((reads + 1)) \
		"$NSTOPO" up "$lab" >"$WORK/out" 2>&1
	same "a refused NAT table: exit 3" 3 "$?"
	contains "a refused NAT table: the node is named" "nstopo: home:" "$WORK/out"
	contains "a refused NAT table: the reason is given" "Operation not permitted" "$WORK/out"
	contains "a refused NAT table: the file position is given" "home-nat.yaml:" "$WORK/out"
	expect_rc 0 "a refused NAT table: the next up finishes" n up "$lab"
	expect_rc 0 "a refused NAT table: diff clean" n diff "$lab"
	expect_rc 0 "down" n down --lab home-nat
fi

# --- the host uplink ---
ip netns add outside
ip link add upl0 type veth peer name wan0 netns outside
ip addr add 192.0.2.1/24 dev upl0
ip link set upl0 up
sysctl -qw net.ipv4.ip_forward=0
uplink_tables() { nft -j list tables | jq -r '[.nftables[] | select(.table) | .table.name] | join(",")'; }
expect_rc 0 "uplink: up" n up "$SRC/tests/integration/labs/uplink.yaml"
same "uplink: the lab's table in the host" nstopo_uplink_a "$(uplink_tables)"
nft -j list table inet nstopo_uplink_a >"$WORK/rs"
same "uplink: masquerade only what comes from the lab's host-side end, out of upl0" \
	"uplink upa-0 -> upl0" "$(jq -r '.nftables[] | select(.rule) | .rule.comment' "$WORK/rs")"
same "uplink: forwarding switched on" 1 "$(cat /proc/sys/net/ipv4/ip_forward)"
check "uplink: the node reaches the lab's own host-side address" n exec r1 ping -c1 -W2 10.210.0.1
expect_rc 0 "uplink: diff clean" n diff "$SRC/tests/integration/labs/uplink.yaml"
sysctl -qw net.ipv4.ip_forward=0
expect_rc 1 "uplink: forwarding switched off by hand is drift" n diff "$SRC/tests/integration/labs/uplink.yaml"
expect_rc 0 "uplink: up repairs it" n up "$SRC/tests/integration/labs/uplink.yaml"
same "uplink: forwarding on again" 1 "$(cat /proc/sys/net/ipv4/ip_forward)"
expect_rc 0 "uplink: a second lab with an uplink" n up "$SRC/tests/integration/labs/uplink-b.yaml"
expect_rc 0 "uplink: the first lab goes down" n down --lab uplink-a
same "uplink: only the second lab's table is left" nstopo_uplink_b "$(uplink_tables)"
same "uplink: forwarding stays on while a lab needs it" 1 "$(cat /proc/sys/net/ipv4/ip_forward)"
expect_rc 0 "uplink: the last lab goes down" n down "$SRC/tests/integration/labs/uplink-b.yaml"
same "uplink: no table of the labs is left" "" "$(uplink_tables)"
same "uplink: forwarding is put back as it was" 0 "$(cat /proc/sys/net/ipv4/ip_forward)"
same "uplink: the host's own interface is untouched" "192.0.2.1/24" \
	"$(ip -j addr show upl0 | jq -r '.[0].addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"')"
finish
