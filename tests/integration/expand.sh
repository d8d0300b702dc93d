#!/bin/bash
# The compact file (issue 18): defaults, groups, ranges, link patterns, automatic interface names
# and address pools. `expand` prints a plain file that validates and is the same lab: `up` of the
# compact file, then `diff` of the expanded one is clean; what the kernel has is what expand says.
. "$(dirname "$0")/lib.sh"

cat >"$WORK/lab.yaml" <<'LAB'
name: compact
prefix: ""
defaults:
  node: {kind: router}
  link: {mtu: 9000}
  test: {within: 2s}
groups:
  edge: {sysctl: {net.ipv4.conf.all.rp_filter: 0}}
addressing:
  p2p: [10.0.0.0/24, "fd00::/48"]
  lan: 10.100.0.0/24
  loopback: 10.255.0.0/24
nodes:
  r[1-4]: {group: edge}
  sw: {kind: bridge}
  h[1-3]:
    kind: host
    exec: ["sh -c 'echo {n} > /tmp/index'"]
links:
  - {ring: "r[1-4]"}
  - {star: {center: sw, leaves: ["h[1-3]", r1]}}
tests:
  - ping: {from: r1, to: 10.0.0.1}
  - ping: {from: r4, to: "fd00:0:0:3::2"}
  - ping: {from: h1, to: 10.100.0.3}
  - ping: {from: "h[1-3]", to: "10.100.0.{n%3+1}"}
    name: "h{n} pings h{n%3+1}"
LAB

expect_rc 0 "the compact file validates" n validate "$WORK/lab.yaml"
n expand "$WORK/lab.yaml" >"$WORK/expanded.yaml" 2>"$WORK/err"
same "expand prints the plain file" "0:" "$?:$(cat "$WORK/err")"
expect_rc 0 "the expanded file validates" n validate "$WORK/expanded.yaml"
n expand "$WORK/expanded.yaml" >"$WORK/twice.yaml"
check "expand of the expanded file is the same file" cmp "$WORK/expanded.yaml" "$WORK/twice.yaml"
contains "interfaces are named after the peer" "endpoints: ['r1:r2', 'r2:r1']" "$WORK/expanded.yaml"
n graph "$WORK/lab.yaml" >"$WORK/dot"
contains "graph shows the groups" 'label="r1\n(router)\n[edge]' "$WORK/dot"

expect_rc 0 "up of the compact file, and its checks pass" n up --test "$WORK/lab.yaml"
expect_rc 0 "list" n list
contains "list shows the groups" "node r1           running  groups: edge" "$WORK/out"
expect_rc 0 "exec --group runs on the group's nodes (from the file)" n exec --group edge -f "$WORK/lab.yaml" hostname
same "... each line prefixed, r1 to r4 only" "r1: r1 r2: r2 r3: r3 r4: r4" "$(tr '\n' ' ' <"$WORK/out" | sed 's/ $//')"
expect_rc 0 "exec --group of the running lab (from its record)" n exec --group edge --lab compact hostname
same "... the same nodes" "r1: r1 r2: r2 r3: r3 r4: r4" "$(tr '\n' ' ' <"$WORK/out" | sed 's/ $//')"
expect_rc 125 "exec --group of no node" n exec --group nosuch --lab compact hostname
contains "... says so" "no running node of lab compact is in group nosuch" "$WORK/out"
same "list --json too" '["edge"] []' "$(n list --json | jq -c '.labs[0].nodes[] | select(.name == "r1" or .name == "h1") | .groups' | tr '\n' ' ' | sed 's/ $//')"
expect_rc 0 "diff of the expanded file is clean: the same lab" n diff "$WORK/expanded.yaml"
same "... and prints nothing" "" "$(cat "$WORK/out")"
same "r1:r2 has the first /31 and its IPv6 /64" "10.0.0.0/31 fd00::1/64" \
	"$(in_ns r1 ip -j addr show dev r2 | jq -r '[.[0].addr_info[] | select(.scope == "global") | "\(.local)/\(.prefixlen)"] | join(" ")')"
same "the link default mtu is on the made links" 9000 "$(in_ns r3 ip -j link show dev r4 | jq -r '.[0].mtu')"
same "routers have loopbacks from the pool" "10.255.0.1/32" \
	"$(in_ns r1 ip -j addr show dev lo | jq -r '[.[0].addr_info[] | select(.local | startswith("10.255")) | "\(.local)/\(.prefixlen)"] | join(" ")')"
same "hosts get LAN addresses in link order" "10.100.0.2/24" \
	"$(in_ns h2 ip -j addr show dev sw | jq -r '[.[0].addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"] | join(" ")')"
same "{n} in exec lines" 3 "$(n exec h3 cat /tmp/index)"
same "the group's sysctl" 0 "$(in_ns r2 sysctl -n net.ipv4.conf.all.rp_filter)"
expect_rc 0 "up of the expanded file changes nothing" n up "$WORK/expanded.yaml"
contains "... and says so" "nothing to change" "$WORK/out"

# A link added at the end renumbers nothing.
sed 's|^tests:|  - [r1, r3]\ntests:|' "$WORK/lab.yaml" >"$WORK/more.yaml"
n expand "$WORK/more.yaml" >"$WORK/more.expanded.yaml"
expect_rc 1 "a link added at the end: diff" n diff "$WORK/more.yaml"
contains "... adds the link" "+ link r1:r3 <-> r3:r1" "$WORK/out"
check "... and changes no address: only additions (and /etc/hosts, which lists them)" \
	sh -c "! grep -v '^+ \|^~ file /etc/hosts ' '$WORK/out'"
expect_rc 0 "... up" n up "$WORK/more.yaml"
expect_rc 0 "down" n down "$WORK/more.yaml"
check "nothing left" wait_until 2000 nothing_left

# The benchmark's compact files are the labs gen.sh writes out in full.
bench=$(dirname "$0")/../bench
for shape in chain star; do
	sed 's/@N@/12/g; s/@N1@/11/g' "$bench/$shape.yaml" >"$WORK/$shape.yaml"
	"$bench/gen.sh" $shape 12 yaml >"$WORK/$shape.gen.yaml"
	expect_rc 0 "bench $shape: up of gen.sh's file" n up "$WORK/$shape.gen.yaml"
	expect_rc 0 "... diff of the compact file is clean" n diff "$WORK/$shape.yaml"
	expect_rc 0 "... down" n down "$WORK/$shape.yaml"
done
check "nothing left" wait_until 2000 nothing_left
finish
