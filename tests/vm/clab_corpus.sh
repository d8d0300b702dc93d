#!/bin/bash
# Runs in the VM (tests/vm/run, Debian's stock kernel): the containerlab corpus labs that need
# what this machine's kernel lacks. gobgp-mrt-injection (with an empty stand-in for its MRT file)
# makes dummy loopbacks by exec: BIRD r2 and r3 peer and learn each other's lo0; enterprise-vpn-
# migration builds GRE tunnels by exec: they exist and OSPF runs over them.
. "$(dirname "$0")/../integration/lib.sh"
CORPUS=${NSTOPO_CLAB_CORPUS:-/work/shared/clab-corpus}
[ -d "$CORPUS" ] || skip_feature "no containerlab corpus at $CORPUS"
command -v bird >/dev/null && command -v birdc >/dev/null || skip_feature "needs BIRD 2"
for m in dummy ip_gre; do
	modprobe "$m" 2>/dev/null || skip_feature "needs the $m module (run through tests/vm/run)"
done
retry() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || { "$@"; return; }
		sleep 1
	done
}
cp -r "$CORPUS/gobgp-mrt-injection" "$WORK/g"
: >"$WORK/g/route-views-ams-ix-1-20241101.mrt"
lab=$WORK/g/gobgp-mrt-injection-lab.clab.yml
expect_rc 0 "gobgp: up (its dummy lo0 lines work in this kernel)" n up "$lab"
check "gobgp: r3 has its dummy lo0" n exec r3 ip link show lo0
check "gobgp: BIRD r2-r3 Established" retry 120 sh -c "'$NSTOPO' exec r3 birdc show protocols | grep -q Established"
check "gobgp: r3 learnt r2's loopback" retry 60 sh -c "'$NSTOPO' exec r3 ip route show 10.255.255.2 | grep -q bird"
expect_rc 0 "gobgp: diff reports nothing" n diff "$lab"
expect_rc 0 "gobgp: down" n down "$lab"
check "gobgp: nothing left" nothing_left

if [ -x /usr/lib/frr/zebra ]; then
	cp -r "$CORPUS/enterprise-vpn-migration" "$WORK/e"
	lab=$WORK/e/topology.clab.yml
	# apk, nginx, dnsmasq lines fail without their images (reported, up goes on: exit 1)
	expect_rc 1 "enterprise: up" n up "$lab"
	check "enterprise: router-a1's GRE tunnel exists" n exec router-a1 ip link show gre1
	check "enterprise: OSPF on router-a1 reaches Full" retry 240 sh -c \
		"'$NSTOPO' exec router-a1 vtysh -c 'show ip ospf neighbor' | grep -q Full"
	expect_rc 0 "enterprise: down" n down "$lab"
	check "enterprise: nothing left" nothing_left
fi
finish
