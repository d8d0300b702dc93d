#!/bin/bash
# clab.sh - a containerlab topology written for nstopo (tests/clab/features.clab.yml) with every
# mapped feature: env expansion, inheritance, magic names, binds, profiles, exec semantics, cmd,
# typed links, the management network, forwarding, ownership of exec-made state, naming.
. "$(dirname "$0")/lib.sh"

[ -x /usr/lib/frr/zebra ] && command -v vtysh >/dev/null || skip_feature "needs FRR (/usr/lib/frr, vtysh)"
command -v jq >/dev/null || skip_feature "needs jq"
cp -r "$SRC/tests/clab" "$WORK/clab"
F=$WORK/clab/features.clab.yml
export NSTOPO_T_ASN=65010
# retry SECONDS CMD...: CMD until it holds, once a second (each try may itself take a second).
retry() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || { "$@"; return; }
		sleep 1
	done
}

expect_rc 0 "validate: a containerlab file is recognised by its name" n validate "$F"
contains "an FRR daemon the host lacks is skipped with a warning" "features.clab.yml:28:11: warning: node r1: FRR daemon pim6d is enabled but not installed" "$WORK/out"
contains "an unknown image is named in a warning" "image 'some/unknown-image:1' has no profile" "$WORK/out"
cp "$F" "$WORK/clab/noname.yml"
expect_rc 0 "... and by its top-level topology: key" n validate "$WORK/clab/noname.yml"

expect_rc 1 "up goes on past failing exec lines and says so in its status" n up "$F"
contains "the summary counts them" "lab feat: 2 exec lines failed" "$WORK/out"
contains "a failing line is reported" "h1: exec 'false' failed (going on)" "$WORK/out"
contains "a line past its timeout is reported" "exec 'sleep 30' failed (going on): sleep timed out after 10s" "$WORK/out"
check "lines after the failures ran" n exec h1 test -e /tmp/after-failures

# naming: prefix: t gives t-feat-NODE, as containerlab's
check "namespace named PREFIX-LAB-NODE" ip netns pid t-feat-r1
check "exec takes the node's name as written" n exec r2 true

# inheritance node -> group -> kind -> defaults; env expansion; labels
same "env from the node, \$\$ as \$, CLAB_INTFS" "node 2" "$(n exec r1 cat /tmp/level)"
check "the node's programs get the merged env" sh -c "'$NSTOPO' convert '$F' 2>/dev/null | grep -q 'LEVEL: group'"
same "\${VAR:=default} takes the caller's value" 65010 "$(n exec r2 cat /tmp/asn)"

# binds: __clabNodeName__ in sources, files and directories, relative to the file
same "a file bind is seen in the node" "$(cat "$WORK/clab/features/r1/frr.conf")" "$(n exec r1 cat /etc/frr/frr.conf)"
same "a directory bind is seen in the node" "$(cat "$WORK/clab/features/r2/daemons")" "$(n exec r2 cat /etc/frr/daemons)"

# FRR profile: bgpd from the daemons file, frr.conf loaded, vtysh reaches the node's daemons
check "BGP between the two FRR nodes is Established" retry 30 sh -c \
	"'$NSTOPO' exec r1 vtysh -c 'show bgp summary json' | jq -e '.ipv4Unicast.peers[\"10.0.12.2\"].state == \"Established\"'"
check "r2 learnt r1's host subnet" retry 20 sh -c "'$NSTOPO' exec r2 vtysh -c 'show ip route 10.0.1.0/24' | grep -q bgp"
check "h1 reaches r2 through r1 (forwarding on in linux nodes)" retry 10 n exec h1 ping -c 1 -W 1 10.0.12.2
check "zebra and staticd run besides bgpd; vtysh reaches the node's own" sh -c \
	"'$NSTOPO' exec r1 vtysh -c 'show daemons' | grep -q 'zebra.*bgpd.*staticd\\|zebra.*staticd.*bgpd'"
check "pim6d (not installed here) is not started" sh -c "! '$NSTOPO' exec r1 vtysh -c 'show daemons' | grep -q pim6d"

# links: MTU 9500 by default, mtu: honoured, typed veth with its MAC, mgmt-net link
same "links have containerlab's MTU 9500" 9500 "$(n exec r1 cat /sys/class/net/eth1/mtu)"
same "a link's mtu: is honoured" 1500 "$(n exec h1 cat /sys/class/net/eth1/mtu)"
same "a typed veth end has its MAC" 02:00:00:00:12:01 "$(n exec r1 cat /sys/class/net/eth2/address)"

# the management network: eth0 per node, mgmt-ipv4, default route, /etc/hosts
check "mgmt-ipv4 is honoured" sh -c "'$NSTOPO' exec r2 ip -4 addr show eth0 | grep -q '10.99.0.50/24'"
check "eth0 has an address of mgmt: ipv6-subnet" sh -c "'$NSTOPO' exec r1 ip -6 addr show eth0 | grep -q 'fd00:99::'"
check "a default route via the gateway" sh -c "'$NSTOPO' exec h1 ip route show default | grep -q 'via 10.99.0.1'"
check "node names resolve through /etc/hosts" n exec h1 ping -c 1 -W 1 r2
check "network-mode none: no eth0" sh -c "! '$NSTOPO' exec h2 ip link show eth0"
check "a mgmt-net link reaches the management bridge" n exec h2 ip link show m0
same "hostname: honoured" second "$(n exec h2 hostname)"
same "sysctls: honoured" 0 "$(n exec h2 cat /proc/sys/net/ipv4/ip_forward)"

# ownership: what exec lines and daemons made is the lab's own
expect_rc 0 "diff reports nothing of what exec lines and zebra added" n diff "$F"
n exec r1 ip addr add 10.77.0.1/32 dev lo
n exec h1 ip route add 10.66.0.0/16 via 10.99.0.1
expect_rc 0 "an address and a route added by hand are the lab's own too" n diff "$F"
expect_rc 0 "a second up" n up "$F"
contains "changes nothing" "nothing to change" "$WORK/out"
check "and removes nothing" sh -c "'$NSTOPO' exec r1 ip addr show lo | grep -q 10.77.0.1"
n exec h1 ip link set eth1 mtu 1400
expect_rc 1 "what the file declares is still reconciled (an MTU)" n diff "$F"

# the converted file is a native lab that comes up the same
n convert "$F" >"$WORK/clab/converted.yml" 2>/dev/null
expect_rc 0 "down" n down "$F"
check "nothing left" nothing_left

# --name: a containerlab file's namespaces follow the name, as containerlab's own --name
cat >"$WORK/clab/two.clab.yml" <<'LAB'
name: two
topology:
  nodes:
    a: {kind: linux}
    b: {kind: linux}
  links:
    - endpoints: ["a:eth1", "b:eth1"]
LAB
expect_rc 0 "a small lab" n up "$WORK/clab/two.clab.yml"
expect_rc 0 "the same file again with --name copy" n up --name copy "$WORK/clab/two.clab.yml"
check "... in namespaces clab-copy-NODE" ip netns pid clab-copy-a
check "... beside clab-two-NODE" ip netns pid clab-two-a
expect_rc 0 "down --name copy" n down --name copy "$WORK/clab/two.clab.yml"
expect_rc 0 "down" n down "$WORK/clab/two.clab.yml"
check "nothing left" nothing_left
expect_rc 0 "the converted file validates" n validate "$WORK/clab/converted.yml"
expect_rc 1 "the converted file comes up (its failing exec lines too)" n up "$WORK/clab/converted.yml"
check "BGP comes up in the converted lab" retry 30 sh -c \
	"'$NSTOPO' exec r1 vtysh -c 'show bgp summary json' | jq -e '.ipv4Unicast.peers[\"10.0.12.2\"].state == \"Established\"'"
expect_rc 0 "diff of the converted lab reports nothing" n diff "$WORK/clab/converted.yml"
expect_rc 0 "down of the converted lab" n down "$WORK/clab/converted.yml"
check "nothing left" nothing_left
finish
