#!/bin/bash
# clab_corpus.sh - the ten public containerlab labs of the corpus (never copied into the project):
# each one up from its own file, what it is meant to show (routing sessions and routes through
# `nstopo exec`, pings), `diff` quiet, down with nothing left; then `convert` of it comes up the same.
. "$(dirname "$0")/lib.sh"

CORPUS=${NSTOPO_CLAB_CORPUS:-/work/shared/clab-corpus}
[ -d "$CORPUS" ] || skip_feature "no containerlab corpus at $CORPUS (see docs/containerlab.md)"
command -v jq >/dev/null || skip_feature "needs jq"
HAVE_FRR=0
[ -x /usr/lib/frr/zebra ] && command -v vtysh >/dev/null && HAVE_FRR=1
HAVE_BIRD=0
command -v bird >/dev/null && command -v birdc >/dev/null && HAVE_BIRD=1

# A scratch copy, so that the converted files can sit beside the originals (their from: paths
# are relative); the corpus itself is only read.
cp -r "$CORPUS" "$WORK/c"
C=$WORK/c

# retry SECONDS CMD...: CMD until it holds, once a second (each try may itself take a second).
retry() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || { "$@"; return; }
		sleep 1
	done
}
vt() { n exec "$1" vtysh -c "$2"; }
# ping_ok NODE ADDRESS: one of three echoes answered (the first may wait for ARP).
ping_ok() { n exec "$1" ping -c 3 -i 0.2 -W 1 "$2" 2>&1 | grep -q ' 0% packet loss\| [12] received'; }
bgp_established() { vt "$1" "show bgp summary json" | jq -e "[.ipv4Unicast.peers[] | select(.state == \"Established\")] | length >= $2" >/dev/null; }
has_route() { vt "$1" "show ip route $2 json" | jq -e "has(\"$2\")" >/dev/null; }

# up_lab FILE WHAT: up, then the lab's own checks (a function named by WHAT), diff, down.
up_lab() {
	local file=$1 what=$2 want_rc=${3:-0}
	expect_rc "$want_rc" "$what: up ${file#$C/}" n up "$file"
	[ "$want_rc" = 0 ] || [ "$want_rc" = 1 ] || return
	cp "$WORK/out" "$WORK/up.out"
	"check_$what"
	expect_rc 0 "$what: diff reports nothing (exec/daemon addresses and routes are the lab's own)" n diff "$file"
	expect_rc 0 "$what: a second up changes nothing" n up "$file"
	contains "$what: second up" "nothing to change" "$WORK/out"
	expect_rc 0 "$what: down" n down "$file"
	check "$what: nothing left" nothing_left
}

# corpus LAB FILE WHAT [UP_RC]: the file itself, then its conversion.
corpus() {
	echo "# $(date +%T) $1"
	local dir=$C/$1 file=$C/$1/$2 what=$3 want_rc=${4:-0}
	up_lab "$file" "$what" "$want_rc"
	expect_rc 0 "$what: convert" n convert "$file"
	cp "$WORK/out" "$dir/converted.yml.out"
	n convert "$file" >"$dir/converted.yml" 2>/dev/null
	expect_rc 0 "$what: the converted file validates" n validate "$dir/converted.yml"
	up_lab "$dir/converted.yml" "$what" "$want_rc"
}

check_netns() {
	check "netns: host1 reaches host2" ping_ok host1 10.0.3.20
	check "netns: host1 reaches host3" ping_ok host1 10.0.2.10
	check "netns: host2 reaches host3" ping_ok host2 10.0.2.10
	check "netns: namespaces named like containerlab's containers" ip netns pid clab-netns-basics-router
	check "netns: node names in /etc/hosts" n exec host1 ping -c 1 -W 1 router
}

check_frr01() {
	check "frr01: OSPF full on router1 with both neighbours" \
		retry 60 sh -c "'$NSTOPO' exec router1 vtysh -c 'show ip ospf neighbor' | grep -c Full/ | grep -qx 2"
	check "frr01: router1 learnt PC3's subnet by OSPF" \
		retry 30 sh -c "'$NSTOPO' exec router1 vtysh -c 'show ip route 192.168.13.0/24' | grep -q ospf"
	check "frr01: PC1 reaches PC3" retry 20 ping_ok PC1 192.168.13.2
	check "frr01: PC2 reaches PC3" retry 20 ping_ok PC2 192.168.13.2
	check "frr01: PC3 reaches PC1" retry 20 ping_ok PC3 192.168.11.2
}

check_fdc() {
	check "fdc: leaf01 has both unnumbered eBGP sessions up" retry 60 bgp_established leaf01 2
	check "fdc: leaf03 has both sessions up" retry 30 bgp_established leaf03 2
	check "fdc: leaf01 learnt 192.168.31.0/24" retry 30 has_route leaf01 192.168.31.0/24
	check "fdc: host11 reaches host32" retry 20 ping_ok host11 192.168.32.2
	check "fdc: host22 reaches host12" ping_ok host22 192.168.12.2
	check "fdc: mgmt-ipv4 honoured" sh -c "'$NSTOPO' exec spine01 ip -4 addr show eth0 | grep -q 172.20.20.11/24"
}

check_ebgp() {
	check "ebgp: r2 has both eBGP sessions up" retry 60 bgp_established r2 2
	check "ebgp: r1 learnt 192.168.3.0/24 (AS300)" retry 30 has_route r1 192.168.3.0/24
	check "ebgp: r4 learnt 192.168.2.0/24 (AS200)" retry 30 has_route r4 192.168.2.0/24
	check "ebgp: r3 learnt 192.168.1.0/24" retry 30 has_route r3 192.168.1.0/24
}

check_ixp() {
	check "ixp: BIRD route server has 4 BGP sessions Established" retry 60 \
		sh -c "[ \$('$NSTOPO' exec rs2 birdc show protocols | grep -c Established) -ge 4 ]"
	check "ixp: peer1's session to the route server is up" retry 30 bgp_established peer1 1
	check "ixp: FRR and BIRD on one bridge: peer1 reaches rs2" ping_ok peer1 192.168.0.4
}

check_smoke() {
	contains "smoke: the up summary counts the failing cmd/exec lines" "exec line" "$WORK/up.out"
	check "smoke: l1:eth1 is UP with mtu 2000" sh -c "'$NSTOPO' exec l1 ip -j link show eth1 | jq -e '.[0].mtu == 2000 and (.[0].flags | index(\"UP\"))'"
	check "smoke: CLAB_INTFS is set for the node's programs" sh -c "'$NSTOPO' convert '$C/linux-nodes-smoke/01-linux-nodes.clab.yml' 2>/dev/null | grep -q 'CLAB_INTFS: .3.'"
	check "smoke: l2's eth0 is 172.20.20.100" sh -c "'$NSTOPO' exec l2 ip -4 addr show eth0 | grep -q 172.20.20.100/24"
	check "smoke: typed veth keeps its MAC" sh -c "'$NSTOPO' exec l1 ip link show eth3 | grep -q 02:00:00:00:00:00"
	check "smoke: a type host link has its end in the machine's namespace" ip link show l2eth4
	check "smoke: l1 reaches l2 over the management network" ping_ok l1 172.20.20.100
}

check_clos3() {
	check "clos3: links come up without the image's routing" n exec leaf1 ip link show eth1
}

check_gobgp() {
	check "gobgp: r2 and r3 (BIRD started by exec) reach Established" retry 60 \
		sh -c "'$NSTOPO' exec r3 birdc -s /run/bird/bird.ctl show protocols | grep -q Established"
}

corpus netns-basics topology.clab.yml netns

# clos3: no profile for its image; it loads with a warning naming it and gets links only.
expect_rc 0 "clos3: validates" n validate "$C/clos3/clos3.yml"
contains "clos3: a warning names the image without a profile" "image 'sflow/clab-frr'" "$WORK/out"
n convert "$C/clos3/clos3.yml" >"$WORK/clos3.yml" 2>/dev/null
contains "clos3: \${SAMPLING:=1000} expanded" 'SAMPLING: 1000' "$WORK/clos3.yml"
corpus clos3 clos3.yml clos3

# gobgp: its MRT file is not in the corpus; containerlab fails the deploy, so does nstopo
expect_rc 2 "gobgp: the missing MRT bind source is refused" n up "$C/gobgp-mrt-injection/gobgp-mrt-injection-lab.clab.yml"
contains "gobgp: as containerlab says it" "failed to verify bind path: route-views-ams-ix-1-20241101.mrt" "$WORK/out"
contains "gobgp: at the bind's line" "gobgp-mrt-injection-lab.clab.yml:10:11: error" "$WORK/out"
check "gobgp: nothing made" nothing_left

# bridge-in-ns: a bridge inside another node's namespace is refused with its position.
expect_rc 2 "bridge-in-ns: refused" n validate "$C/bridge-in-ns/24-bridge-in-ns.clab.yaml"
contains "bridge-in-ns: says why" "24-bridge-in-ns.clab.yaml:6:21: error: network-mode container:bp1" "$WORK/out"

expect_rc 0 "smoke: validates" n validate "$C/linux-nodes-smoke/01-linux-nodes.clab.yml"
contains "smoke: a bind at the top of the filesystem is left out, with a warning" "bind onto /test.json is left out" "$WORK/out"
contains "smoke: host network mode is refused softly" "network-mode host: node l3 gets a namespace of its own" "$WORK/out"
corpus linux-nodes-smoke 01-linux-nodes.clab.yml smoke 1

if [ "$HAVE_FRR" = 1 ]; then
	corpus frr01 frr01.clab.yml frr01
	corpus fdc-bgp-frr bgp-frr.clab.yml fdc
	# its exec lines add the lo addresses frr.conf already gave (zebra ran first, as under
	# containerlab): those lines fail, are reported, and up says so in its status
	corpus bgp-ebgp-basics topology.clab.yml ebgp 1
	if [ "$HAVE_BIRD" = 1 ]; then
		corpus ixp-frr-bird ixp.clab.yml ixp
	else
		echo "SKIP: ixp-frr-bird needs BIRD 2 (bird, birdc)"
	fi
else
	echo "SKIP: frr01, fdc-bgp-frr, bgp-ebgp-basics, ixp-frr-bird need FRR (/usr/lib/frr, vtysh)"
fi

# With a stand-in for the MRT file, r2 and r3 peer (r1's gobgpd is started by hand there).
# Without dummy interfaces (this kernel) their exec lines fail and are reported; the peering
# over eth1/eth2 does not need them.
if [ "$HAVE_BIRD" = 1 ]; then
	: >"$C/gobgp-mrt-injection/route-views-ams-ix-1-20241101.mrt"
	up_lab "$C/gobgp-mrt-injection/gobgp-mrt-injection-lab.clab.yml" gobgp 1
fi
echo "SKIP: enterprise-vpn-migration: its exec lines make GRE tunnels, which this kernel lacks (the VM tier runs it)"

finish
