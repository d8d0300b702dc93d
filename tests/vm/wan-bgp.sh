#!/bin/bash
# The example WAN lab (topologies/wan-bgp.yaml) in a kernel with sch_netem: its delayed, lossy
# primary and slow backup come up, BGP prefers the primary, and its scenario (the primary's cable
# pulled and put back, then one direction losing everything) passes; afterwards the lab is as the
# file has it.
. "$(dirname "$0")/../integration/lib.sh"
[ -x /usr/lib/frr/zebra ] || skip_feature "needs FRR (apt-get install frr)"
unshare -n tc qdisc add dev lo root netem delay 1ms 2>/dev/null || skip_feature "the kernel has no sch_netem"

lab=$TOPOS/wan-bgp.yaml
expect_rc 0 "up --test: the scenario passes" n up --test "$lab"
cp "$WORK/out" "$WORK/tap"
contains "TAP: the cable pulled" "ok 3 - the primary's cable is pulled" "$WORK/tap"
contains "TAP: BGP moved to the backup" "ok 4 - r1 moves to the backup" "$WORK/tap"
contains "TAP: the hold timer noticed the one-way loss" "ok 9 - BGP's hold timer moves r1 to the backup" "$WORK/tap"
expect_rc 0 "diff is clean after the scenario (the links put back)" n diff "$lab"
same "tc: r2:wan1 loses no 100% any more" "" "$(n exec r2 tc qdisc show dev wan1 | grep 'loss 100%')"
expect_rc 0 "down" n down "$lab"
check "nothing left" nothing_left
finish
