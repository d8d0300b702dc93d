#!/bin/bash
# `nstopo list` and the JSON of every command (issue 17): each node's state (running, missing
# after `ip netns del`, foreign when someone else's namespace has its name), links up, down or
# missing, the file a lab came from and its age; `diff` names a lost link once; every --json
# document parses (jq), and the up/down JSON is the plan applied.
. "$(dirname "$0")/lib.sh"
# jq -e on an empty input exits 0 (jq 1.6): each document is checked to be one first.
js() { jq -e "$@" "$WORK/o" && [ -s "$WORK/o" ] && jq -e . "$WORK/o" >/dev/null; }

cat >"$WORK/lab.yaml" <<'YAML'
name: jlab
prefix: ""
nodes:
  h1: { interfaces: { eth0: { addresses: [10.0.1.10/24] } }, routes: [{ to: default, via: 10.0.1.1 }] }
  h2: { interfaces: { eth0: { addresses: [10.0.2.10/24] } }, routes: [{ to: default, via: 10.0.2.1 }] }
  r1:
    kind: router
    interfaces: { eth0: { addresses: [10.0.1.1/24] }, eth1: { addresses: [10.0.2.1/24] } }
links:
  - [h1:eth0, r1:eth0]
  - [h2:eth0, r1:eth1]
tests:
  - ping: { from: h1, to: h2 }
YAML

expect_rc 0 "up --json" n up --json "$WORK/lab.yaml"
cp "$WORK/out" "$WORK/o"
check "... is one JSON document" js '.lab == "jlab" and .result == "up" and .count > 0 and (.changes | length) == .count'
check "... listing the nodes made" js '[.changes[] | select(.object == "node") | .node] | sort == ["h1","h2","r1"]'
expect_rc 0 "up -j again" n up -j "$WORK/lab.yaml"
cp "$WORK/out" "$WORK/o"
check "... says up to date with no changes" js '.result == "up to date" and .count == 0 and .changes == []'

expect_rc 0 "list" n list
cp "$WORK/out" "$WORK/o"
contains "... names the lab and its file" "jlab  from $WORK/lab.yaml, up " "$WORK/o"
check "... every node running" grep -Eq '^  node h2 +running' "$WORK/o"
contains "... links up" "link h2:eth0 <-> r1:eth1  up" "$WORK/o"
expect_rc 0 "list --json" n list --json
cp "$WORK/out" "$WORK/o"
check "... parses, nodes running, links up" js '.labs[0].name == "jlab" and ([.labs[0].nodes[].state] | unique) == ["running"] and ([.labs[0].links[].state] | unique) == ["up"] and .labs[0].age_seconds >= 0'
check "... with the file" js --arg f "$WORK/lab.yaml" '.labs[0].file == $f'

expect_rc 0 "test --json" n test --json "$WORK/lab.yaml"
cp "$WORK/out" "$WORK/o"
check "... parses, one check passed" js '.passed == 1 and .failed == 0 and .checks[0].pass'
expect_rc 0 "test --all-pairs -j" n test --all-pairs -j "$WORK/lab.yaml"
cp "$WORK/out" "$WORK/o"
check "... parses" js '.sent > 0 and .sent == .received and (.nodes | length) == 3'

ip -n h1 link set eth0 down
expect_rc 0 "list after a link was set down" n list -j
cp "$WORK/out" "$WORK/o"
check "... says that link is down" js '[.labs[0].links[] | select(.a == "h1:eth0") | .state] == ["down"]'
ip -n h1 link set eth0 up

# A process still in h2 keeps the namespace (and r1:eth1's peer) alive after its name is gone, as
# a shell left in it would: r1:eth1 is then an end on no link, in the way of the new link too.
ip netns exec h2 sleep 60 &
holder=$!
wait_until 2000 sh -c "ip netns pids h2 | grep -q ."
ip netns del h2
expect_rc 0 "list after ip netns del h2" n list
cp "$WORK/out" "$WORK/o"
check "... says h2 missing" grep -Eq '^  node h2 +missing' "$WORK/o"
contains "... and its link missing" "link h2:eth0 <-> r1:eth1  missing" "$WORK/o"
expect_rc 1 "diff after ip netns del h2" n diff "$WORK/lab.yaml"
cp "$WORK/out" "$WORK/o"
same "... names the lost link once" 1 "$(grep -c '^- link r1:eth1$' "$WORK/o")"
expect_rc 1 "diff --json" n diff --json "$WORK/lab.yaml"
cp "$WORK/out" "$WORK/o"
check "... parses" js '.lab == "jlab" and .count == (.changes | length) and .count > 0'

kill $holder
wait $holder 2>/dev/null
ip netns add h2
expect_rc 0 "list with someone else's h2" n list -j
cp "$WORK/out" "$WORK/o"
check "... says h2 foreign" js '[.labs[0].nodes[] | select(.name == "h2") | .state] == ["foreign"]'
ip netns del h2

expect_rc 0 "down --json" n down --json "$WORK/lab.yaml"
cp "$WORK/out" "$WORK/o"
check "... is the plan applied" js '.result == "down" and .count > 0 and ([.changes[].op] | unique) == ["-"]'
expect_rc 0 "list when nothing runs" n list --json
cp "$WORK/out" "$WORK/o"
check "... has no labs" js '.labs == []'
expect_rc 0 "down again --json" n down -j --lab jlab
cp "$WORK/out" "$WORK/o"
check "... says not running" js '.result == "not running" and .count == 0'
check "nothing left" nothing_left

# Daemons: running while they run, stopped once one is gone.
if command -v bird >/dev/null; then
	expect_rc 0 "up a lab of BIRD nodes" n up --no-wait "$TOPOS/ebgp-bird.yaml"
	expect_rc 0 "list -j" n list -j
	cp "$WORK/out" "$WORK/o"
	check "... r1's bird running" js '[.labs[0].nodes[] | select(.name == "r1") | .daemons[] | select(.name == "bird") | .state] == ["running"]'
	bird_r1=$(pgrep -f 'bird -c' | while read -r p; do tr '\0' '\n' </proc/$p/environ | grep -qx NSTOPO_NODE=r1 && echo $p; done)
	kill $bird_r1
	wait_until 3000 sh -c "! kill -0 $bird_r1"
	expect_rc 0 "list after r1's bird was killed" n list
	cp "$WORK/out" "$WORK/o"
	check "... says it stopped, the others running" grep -Eq '^  node r1 +running  daemons: bird stopped$' "$WORK/o"
	check "... r2's still running" grep -Eq '^  node r2 +running  daemons: bird running$' "$WORK/o"
	expect_rc 0 "down" n down --lab ebgp-bird
else
	echo "# no BIRD here: daemon states not checked"
fi
finish
