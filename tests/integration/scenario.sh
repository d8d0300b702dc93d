#!/bin/bash
# Scenario tests (issue 15): `do:` steps in tests: act on the running lab between the checks,
# as barriers. On the OSPF triangle, r1 reaches 3.3.3.3 over e13; with that link pulled, OSPF
# reroutes through r2; with it back, the direct path returns. The run leaves the lab as the file
# has it, pass or fail; TAP and JUnit list the steps.
. "$(dirname "$0")/lib.sh"
[ -x /usr/lib/frr/zebra ] || skip_feature "needs FRR (apt-get install frr)"

lab=$WORK/triangle.yaml
# The example lab with its own tests replaced by the scenario.
sed '/^tests:/,$d' "$TOPOS/ospf-triangle.yaml" >"$lab"
cat >>"$lab" <<'YAML'
tests:
  - route: {node: r1, to: 3.3.3.3/32, via: 10.0.13.2}
    within: 30s
  - ping: {from: r1, to: 3.3.3.3}
    within: 30s
  - do: {link: r1:e13, state: down}
  - route: {node: r1, to: 3.3.3.3/32, via: 10.0.12.2}
    within: 30s
  - ping: {from: r1, to: 3.3.3.3}
    within: 30s
  - do: {link: r1:e13, state: up}
    name: the cable goes back in
  - route: {node: r1, to: 3.3.3.3/32, via: 10.0.13.2}
    within: 15s
  - do: {link: r1:e13, state: down}
YAML
expect_rc 0 "validate the scenario" n validate "$lab"
expect_rc 0 "up" n up "$lab"
expect_rc 0 "the scenario passes: reroute on the pulled link, back when it returns" \
	n test --junit "$WORK/junit.xml" "$lab"
cp "$WORK/out" "$WORK/tap"
contains "TAP lists the step" "ok 3 - do: link r1:e13 down" "$WORK/tap"
contains "TAP lists a named step" "ok 6 - the cable goes back in" "$WORK/tap"
contains "TAP: the rerouted route" "ok 4 - route r1: 3.3.3.3/32 via 10.0.12.2" "$WORK/tap"
contains "JUnit lists the step" 'name="do: link r1:e13 down"' "$WORK/junit.xml"
# The last step left e13 down; the run put it back.
expect_rc 0 "the lab is as the file has it after the run (diff clean)" n diff "$lab"
in_link_up() { ip -n ospf-triangle-r1 -o link show e13 2>/dev/null | grep -q LOWER_UP || n exec r1 ip -o link show e13 | grep -q LOWER_UP; }
check "r1:e13 has its carrier again" in_link_up

# A failing run restores too: a check that cannot pass after the link is pulled.
fail=$WORK/fail.yaml
sed '/^tests:/,$d' "$TOPOS/ospf-triangle.yaml" >"$fail"
cat >>"$fail" <<'YAML'
tests:
  - do: {link: r2:e23, state: down}
  - route: {node: r2, to: 3.3.3.3/32, via: 10.0.23.2}
YAML
expect_rc 1 "a scenario whose check fails exits 1" n test "$fail"
contains "... and says which" "not ok 2 - route r2: 3.3.3.3/32 via 10.0.23.2" "$WORK/out"
expect_rc 0 "... and the lab is back as the file has it" n diff "$lab"

expect_rc 0 "down" n down "$lab"
check "nothing left" nothing_left
finish
