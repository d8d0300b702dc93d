#!/bin/bash
# Editing the file: diff shows exactly the edits, up applies only them (links left alone keep
# their ifindex), and diff is clean afterwards.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip_feature "needs jq"

lab=$WORK/chain.yaml
cp "$(dirname "$0")/labs/chain.yaml" "$lab"
expect_rc 0 "up chain" n up "$lab"
check "h1 reaches h2" n exec h1 ping -c1 -W2 10.1.2.10
check "the host reaches h1 through its own end" ping -c1 -W2 10.1.1.10
same "host route to the lab has nstopo's protocol" "10.200.0.2 77" \
	"$(ip -N -j route show 10.1.0.0/16 | jq -r '.[0] | "\(.gateway) \(.protocol)"')"

idx_r1_eth0=$(ip -n r1 -j link show eth0 | jq '.[0].ifindex')
idx_h2_eth0=$(ip -n h2 -j link show eth0 | jq '.[0].ifindex')

# The edits: a new node and link, a removed link, a changed address, a changed route, an mtu.
sed -i \
	-e 's|eth1: {addresses: \[10.1.2.1/24\], mtu: 1500}|eth1: {addresses: [10.1.2.1/24], mtu: 1400}\n      eth2: 10.1.3.1/24|' \
	-e 's|h1:\n    interfaces: {eth0: 10.1.1.10/24}|&|' \
	-e 's|interfaces: {eth0: 10.1.1.10/24}|interfaces: {eth0: 10.1.1.11/24}|' \
	-e 's|routes: \[10.1.2.0/24 via 10.1.12.2\]|routes: [10.1.2.0/23 via 10.1.12.2]|' \
	-e 's|  - \[r1:up0, host:chain-up0\]|  - [r2:eth2, h3:eth0]|' \
	-e 's|  host:|  h3:\n    interfaces: {eth0: 10.1.3.10/24}\n    routes: [default via 10.1.3.1]\n  gone:|' \
	"$lab"
# Without its link the host part must go entirely (up0 and the host's addresses and routes).
sed -i -e '/  gone:/,/routes: \[10.1.0.0\/16 via 10.200.0.2\]/d' -e 's|      up0: 10.200.0.2/30||' "$lab"
expect_rc 0 "the edited file is valid" n validate "$lab"

expect_rc 1 "diff sees the edits" n diff "$lab"
cat > "$WORK/want" <<'WANT'
+ node h3
- link r1:up0 <-> host:chain-up0
+ link r2:eth2 <-> h3:eth0
~ r2:eth1 mtu 1500 -> 1400
+ address h1:eth0 10.1.1.11/24
+ address r2:eth2 10.1.3.1/24
+ address h3:eth0 10.1.3.10/24
+ route r1: 10.1.2.0/23 via 10.1.12.2
+ route h3: default via 10.1.3.1
- route r1: 10.1.2.0/24 via 10.1.12.2
- address h1:eth0 10.1.1.10/24
~ file /etc/hosts of every node (/run/nstopo/chain/hosts)
WANT
sort "$WORK/want" >"$WORK/want.sorted"
sort "$WORK/out" >"$WORK/got.sorted"
if diff -u "$WORK/want.sorted" "$WORK/got.sorted" >"$WORK/dd"; then ok "diff lists exactly the edits"; else
	not_ok "diff lists exactly the edits"; sed 's/^/    /' "$WORK/dd"; fi
expect_rc 1 "diff --json" n diff --json "$lab"
same "diff --json counts the same changes" "12" "$(jq .count "$WORK/out")"

expect_rc 0 "up applies them" n up "$lab"
contains "up says what it changed" "12 changes" "$WORK/out"
expect_rc 0 "diff is clean afterwards" n diff "$lab"
same "untouched link keeps its ifindex (r1:eth0)" "$idx_r1_eth0" "$(ip -n r1 -j link show eth0 | jq '.[0].ifindex')"
same "untouched link keeps its ifindex (h2:eth0)" "$idx_h2_eth0" "$(ip -n h2 -j link show eth0 | jq '.[0].ifindex')"
same "mtu changed" "1400" "$(ip -n r2 -j link show eth1 | jq '.[0].mtu')"
same "host end is gone" "" "$(ip -j link show | jq -r '.[] | select(.ifname=="chain-up0") | .ifname')"
same "host route is gone" "[]" "$(ip -j route show 10.1.0.0/16)"
check "h3 reaches h2 through r2" n exec h3 ping -c1 -W2 10.1.2.10
check "h1 reaches h3 through r1 and r2 (new route)" n exec h1 ping -c1 -W2 10.1.3.10

expect_rc 0 "down" n down "$lab"
check "nothing left" wait_until 2000 nothing_left
finish
