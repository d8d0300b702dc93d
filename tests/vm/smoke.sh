#!/bin/bash
# Runs in the VM (tests/vm/run, Debian's stock kernel): the modules this machine's kernel lacks
# load, a small lab comes up in the sandbox of integration/lib.sh, its nodes reach each other,
# diff is clean, and down leaves nothing.
. "$(dirname "$0")/../integration/lib.sh"
command -v jq >/dev/null || skip_feature "needs jq"

for m in sch_netem 8021q dummy; do
	modprobe "$m" 2>/dev/null || skip_feature "needs the $m module (run through tests/vm/run)"
	ok "modprobe $m"
done
check "a netem qdisc can be made" sh -c 'ip link add nst-smoke type dummy &&
	tc qdisc add dev nst-smoke root netem delay 10ms && ip link del nst-smoke'

cat >"$WORK/smoke.yaml" <<'YAML'
name: smoke
prefix: ""
nodes:
  h1:
    interfaces: {eth0: 10.60.1.10/24}
    routes: [default via 10.60.1.1]
  r1:
    kind: router
    interfaces:
      eth0: 10.60.1.1/24
      eth1: 10.60.2.1/24
  h2:
    interfaces: {eth0: 10.60.2.10/24}
    routes: [default via 10.60.2.1]
links:
  - [h1:eth0, r1:eth0]
  - [r1:eth1, h2:eth0]
YAML
lab=$WORK/smoke.yaml
expect_rc 0 "up" n up "$lab"
same "namespaces" "h1 h2 r1" "$(ip netns list | awk '{print $1}' | sort | tr '\n' ' ' | sed 's/ $//')"
check "h1 pings h2 across r1" n exec h1 ping -c1 -W2 10.60.2.10
check "h2 pings h1 (ip netns exec)" in_ns h2 ping -c1 -W2 10.60.1.10
expect_rc 0 "diff is clean after up" n diff "$lab"
expect_rc 0 "down" n down "$lab"
check "down leaves nothing" wait_until 2000 nothing_left
finish
