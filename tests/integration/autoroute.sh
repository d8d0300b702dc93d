#!/bin/bash
# Routing by the file (issue 18): `routing: static` computes every node's routes, so a ring with
# hosts on a bridge passes an all-pairs ping with no route written, and a link removed reroutes;
# `template:` fills FRR and BIRD configs (OSPF ring of 6, a 2-spine/4-leaf BGP fabric, a BIRD
# OSPF ring, a BIRD BGP chain), which converge and carry traffic. The big fabrics written
# compactly are topologies/ospf-ring100.yaml and bgp-clos4x16.yaml (run by labs.sh).
. "$(dirname "$0")/lib.sh"

# --- routing: static: a ring of plain routers, hosts on a bridge, IPv4 and IPv6 ---
cat >"$WORK/static.yaml" <<'EOF'
name: autoroute
prefix: ""
routing: static
nodes:
  sw1: {kind: bridge}
  h1: {interfaces: {e0: [10.1.0.10/24, "2001:db8:1::10/64"]}}
  h2: {interfaces: {e0: [10.1.0.11/24, "2001:db8:1::11/64"]}}
  r1: {kind: router, interfaces: {e0: [10.1.0.1/24, "2001:db8:1::1/64"], a: [10.0.12.1/30, "2001:db8:12::1/64"], b: [10.0.41.2/30, "2001:db8:41::2/64"]}}
  r2: {kind: router, interfaces: {a: [10.0.23.1/30, "2001:db8:23::1/64"], b: [10.0.12.2/30, "2001:db8:12::2/64"], lo: 10.255.0.2/32}}
  r3: {kind: router, interfaces: {a: [10.0.34.1/30, "2001:db8:34::1/64"], b: [10.0.23.2/30, "2001:db8:23::2/64"], e0: [10.3.0.1/24, "2001:db8:3::1/64"]}}
  r4: {kind: router, interfaces: {a: [10.0.41.1/30, "2001:db8:41::1/64"], b: [10.0.34.2/30, "2001:db8:34::2/64"]}}
  h3: {interfaces: {e0: [10.3.0.10/24, "2001:db8:3::10/64"]}}
links:
  - [h1:e0, sw1:p1]
  - [h2:e0, sw1:p2]
  - [r1:e0, sw1:p3]
  - [r1:a, r2:b]
  - [r2:a, r3:b]
  - [r3:a, r4:b]
  - [r4:a, r1:b]
  - [r3:e0, h3:e0]
tests:
  - ping: {from: h1, to: 10.3.0.10}
  - ping: {from: h1, to: "2001:db8:3::10"}
  - ping: {from: h3, to: 10.255.0.2}
  - route: {node: h1, to: default, via: 10.1.0.1}
  - route: {node: r1, to: 10.3.0.0/24, via: 10.0.12.2}
EOF
expect_rc 1 "before up, diff lists the computed routes" n diff "$WORK/static.yaml"
contains "... a host's default route" "+ route h1: default via 10.1.0.1" "$WORK/out"
contains "... a router's route to a prefix two hops away" "+ route r1: 10.3.0.0/24 via 10.0.12.2" "$WORK/out"
expect_rc 0 "routing: static: up, and its checks pass" n up --test "$WORK/static.yaml"
expect_rc 0 "every node reaches every address (no route written by hand)" n test --all-pairs "$WORK/static.yaml"
contains "... none dropped" "0% dropped" "$WORK/out"
# Routes nstopo makes carry protocol 77 (named "nstopo" only where rt_protos.d has its entry).
r77() { in_ns "$1" ip "${@:2}" proto 77 | sed 's/ *$//'; }
same "h1 has one route per family: the default" "default via 10.1.0.1 dev e0" \
	"$(r77 h1 -4 route show)"
same "... IPv6 too" "default via 2001:db8:1::1 dev e0 metric 1024 pref medium" \
	"$(r77 h1 -6 route show)"
same "r1 has a route to every prefix it is not on (4 of 7)" 4 "$(r77 r1 -4 route show | wc -l)"
expect_rc 0 "diff is clean: the computed routes are what the kernel has" n diff "$WORK/static.yaml"
# The link r1-r2 goes: r1 reaches r3's LAN the other way round, in one up.
sed -i '/- \[r1:a, r2:b\]/d; s/a: \[10.0.12.1\/30, "2001:db8:12::1\/64"\], //; s/ b: \[10.0.12.2\/30, "2001:db8:12::2\/64"\],//; s/via: 10.0.12.2/via: 10.0.41.1/' "$WORK/static.yaml"
expect_rc 0 "without r1-r2, up reroutes and the checks pass" n up --test "$WORK/static.yaml"
same "r1 now reaches r3's LAN through r4" "10.3.0.0/24 via 10.0.41.1 dev b" \
	"$(r77 r1 route show 10.3.0.0/24)"
expect_rc 0 "diff is clean after the reroute" n diff "$WORK/static.yaml"
expect_rc 0 "all pairs still reach each other" n test --all-pairs "$WORK/static.yaml"
expect_rc 0 "down" n down "$WORK/static.yaml"
check "nothing is left" wait_until 3000 nothing_left

if [ ! -x /usr/lib/frr/zebra ] || ! command -v bird >/dev/null; then
	skip_feature "the FRR and BIRD parts need FRR and BIRD 2 (apt-get install frr bird2)"
fi

# --- template: frr-ospf: a ring of 6, hosts on r1 and r4 with static default routes ---
{
	printf 'name: ospf-ring6\nprefix: ""\nrouting: static\nnodes:\n'
	for i in 1 2 3 4 5 6; do
		p=$(( i == 1 ? 6 : i - 1 ))
		printf '  r%d: {kind: frr, template: frr-ospf, interfaces: {n: 10.0.%d.1/30, p: 10.0.%d.2/30, lo: 10.255.0.%d/32' "$i" "$i" "$p" "$i"
		case $i in 1) printf ', h: 10.1.0.1/24' ;; 4) printf ', h: 10.4.0.1/24' ;; esac
		printf '}}\n'
	done
	printf '  h1: {interfaces: {e0: 10.1.0.10/24}}\n  h4: {interfaces: {e0: 10.4.0.10/24}}\nlinks:\n'
	for i in 1 2 3 4 5 6; do printf '  - [r%d:n, r%d:p]\n' "$i" $(( i % 6 + 1 )); done
	printf '  - [r1:h, h1:e0]\n  - [r4:h, h4:e0]\n'
	printf 'tests:\n'
	for i in 2 3 4 5 6; do printf '  - route: {node: r1, to: 10.255.0.%d/32}\n    within: 60s\n' "$i"; done
	printf '  - ping: {from: h1, to: h4}\n    within: 60s\n'
} >"$WORK/ospf.yaml"
expect_rc 0 "frr-ospf ring of 6: up, converged, h1 reaches h4" n up --test "$WORK/ospf.yaml"
check "r1's frr.conf came from the template" n exec r1 grep -qx ' network 10.255.0.1/32 area 0' /etc/frr/frr.conf
check "ospfd runs (implied by the template)" n exec r1 test -S /run/frr/ospfd.vty
routes=$(n exec r1 vtysh -c 'show ip route json')
same "r1 has every other loopback from OSPF, installed" "10.255.0.2/32 10.255.0.3/32 10.255.0.4/32 10.255.0.5/32 10.255.0.6/32" \
	"$(jq -r '[to_entries[] | select(.key | startswith("10.255.")) | select(.value[] | .protocol == "ospf" and .installed == true) | .key] | unique | join(" ")' <<<"$routes")"
ecmp() {
	n exec r1 vtysh -c 'show ip route 10.4.0.0/24 json' |
		jq -e '[."10.4.0.0/24"[] | select(.protocol == "ospf") | .nexthops[] | select(.active == true)] | length == 2'
}
check "... and h4's LAN, two ways round at equal cost (ECMP)" wait_until 10000 ecmp
same "h1 has only its computed default route" "default via 10.1.0.1 dev e0" "$(r77 h1 route show)"
same "r1 has no static route (FRR routes itself)" "" "$(r77 r1 route show)"
expect_rc 0 "diff is clean" n diff "$WORK/ospf.yaml"
expect_rc 0 "down" n down "$WORK/ospf.yaml"

# --- template: frr-bgp: 2 spines, 4 leaves (eBGP, one AS each leaf), a host on each leaf ---
{
	printf 'name: bgp-fabric\nprefix: ""\nrouting: static\nnodes:\n'
	for s in 1 2; do
		printf '  s%d: {kind: frr, template: frr-bgp, asn: 65000, interfaces: {lo: 10.255.0.%d/32' "$s" "$s"
		for l in 1 2 3 4; do printf ', l%d: 10.0.%d%d.0/31' "$l" "$s" "$l"; done
		printf '}}\n'
	done
	for l in 1 2 3 4; do
		printf '  l%d: {kind: frr, template: frr-bgp, asn: %d, interfaces: {lo: 10.255.1.%d/32, h: 10.%d.0.1/24' "$l" $((65000 + l)) "$l" $((l + 10))
		for s in 1 2; do printf ', s%d: 10.0.%d%d.1/31' "$s" "$s" "$l"; done
		printf '}}\n  h%d: {interfaces: {e0: 10.%d.0.10/24}}\n' "$l" $((l + 10))
	done
	printf 'links:\n'
	for s in 1 2; do for l in 1 2 3 4; do
		printf '  - [s%d:l%d, l%d:s%d]\n' "$s" "$l" "$l" "$s"
	done; done
	for l in 1 2 3 4; do printf '  - [l%d:h, h%d:e0]\n' "$l" "$l"; done
	printf 'tests:\n  - ping: {from: h1, to: h4}\n    within: 60s\n  - ping: {from: h2, to: h3}\n    within: 60s\n'
} >"$WORK/bgp.yaml"
expect_rc 0 "frr-bgp fabric: up, converged, hosts reach each other" n up --test "$WORK/bgp.yaml"
sum=$(n exec s1 vtysh -c 'show bgp summary json')
same "s1 has 4 established eBGP sessions" 4 \
	"$(jq '[.ipv4Unicast.peers[] | select(.state == "Established")] | length' <<<"$sum")"
routes=$(n exec l1 vtysh -c 'show ip route json')
same "l1 reaches h4's LAN through both spines (ECMP)" 2 \
	"$(jq '[."10.14.0.0/24"[] | select(.protocol == "bgp") | .nexthops[] | select(.active == true)] | length' <<<"$routes")"
expect_rc 0 "down" n down "$WORK/bgp.yaml"

# --- template: bird-ospf: a ring of 4 BIRD routers ---
{
	printf 'name: bird-ring\nprefix: ""\nrouting: static\nnodes:\n'
	for i in 1 2 3 4; do
		p=$(( i == 1 ? 4 : i - 1 ))
		printf '  r%d: {kind: bird, template: bird-ospf, interfaces: {n: 10.0.%d.1/30, p: 10.0.%d.2/30, lo: 10.255.0.%d/32' "$i" "$i" "$p" "$i"
		case $i in 1) printf ', h: 10.1.0.1/24' ;; 3) printf ', h: 10.3.0.1/24' ;; esac
		printf '}}\n'
	done
	printf '  h1: {interfaces: {e0: 10.1.0.10/24}}\n  h3: {interfaces: {e0: 10.3.0.10/24}}\nlinks:\n'
	for i in 1 2 3 4; do printf '  - [r%d:n, r%d:p]\n' "$i" $(( i % 4 + 1 )); done
	printf '  - [r1:h, h1:e0]\n  - [r3:h, h3:e0]\n'
	printf 'tests:\n  - ping: {from: h1, to: h3}\n    within: 60s\n  - ping: {from: r1, to: 10.255.0.3}\n    within: 60s\n'
} >"$WORK/bird.yaml"
expect_rc 0 "bird-ospf ring of 4: up, converged, h1 reaches h3" n up --test "$WORK/bird.yaml"
n exec r1 birdc show route 10.255.0.3/32 >"$WORK/bird-route"
contains "r1's BIRD has r3's loopback from OSPF" "[ospf1 " "$WORK/bird-route"
expect_rc 0 "diff is clean" n diff "$WORK/bird.yaml"
expect_rc 0 "down" n down "$WORK/bird.yaml"
# --- template: bird-bgp: three ASes in a chain, a host at each end ---
cat >"$WORK/birdbgp.yaml" <<'EOF'
name: bird-bgp
prefix: ""
routing: static
nodes:
  r1: {kind: bird, template: bird-bgp, asn: 65001, interfaces: {e0: 10.0.12.1/30, h: 10.1.0.1/24}}
  r2: {kind: bird, template: bird-bgp, asn: 65002, interfaces: {w: 10.0.12.2/30, e: 10.0.23.1/30, lo: 10.255.0.2/32}}
  r3: {kind: bird, template: bird-bgp, asn: 65003, interfaces: {w0: 10.0.23.2/30, h: 10.3.0.1/24}}
  h1: {interfaces: {e0: 10.1.0.10/24}}
  h3: {interfaces: {e0: 10.3.0.10/24}}
links: [[r1:e0, r2:w], [r2:e, r3:w0], [r1:h, h1:e0], [r3:h, h3:e0]]
tests:
  - ping: {from: h1, to: h3}
    within: 60s
  - route: {node: r1, to: 10.255.0.2/32, via: 10.0.12.2}
    within: 60s
EOF
expect_rc 0 "bird-bgp chain of 3 ASes: up, converged, h1 reaches h3" n up --test "$WORK/birdbgp.yaml"
n exec r2 birdc show protocols >"$WORK/bird-protos"
same "r2 has two BGP sessions, both established" 2 "$(grep -c 'BGP .* up .*Established' "$WORK/bird-protos")"
expect_rc 0 "diff is clean" n diff "$WORK/birdbgp.yaml"
expect_rc 0 "down" n down "$WORK/birdbgp.yaml"
check "no daemon is left" test -z "$(pgrep -f /usr/lib/frr/)$(pgrep -x bird)"
check "nothing is left" wait_until 3000 nothing_left
finish
