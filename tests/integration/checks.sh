#!/bin/bash
# nstopo test (issue 6): each check kind passing and failing with a reason that says what was
# expected and found, TAP and JUnit reports (validated), up --test, within:, --all-pairs, and
# the exit codes. Issue 14, item 10: an exec check's long output is read to its end (1500 and
# 100000 lines, 10 runs of 10), and with no thread to be had (strace makes clone3 fail) the checks
# run on the main thread with the same results and it goes back to its own namespace each time.
. "$(dirname "$0")/lib.sh"
for p in xmllint jq; do command -v $p >/dev/null || skip_feature "needs $p"; done

cp "$SRC/tests/integration/labs/checks.yaml" "$WORK/checks.yaml"
lab=$WORK/checks.yaml
expect_rc 3 "test on a lab that is not up: a system error" n test "$lab"
contains "... saying so" "is not running" "$WORK/out"

expect_rc 0 "up --test: up, then every check passes" n up --test --junit "$WORK/j.xml" "$lab"
same "TAP: the plan line" "1..8" "$(grep -E '^1\.\.' "$WORK/out")"
same "TAP: eight ok lines" 8 "$(grep -cE '^ok [0-9]+ - ' "$WORK/out")"
contains "TAP: a named check shows its name" "ok 8 - h1 has its address" "$WORK/out"
check "JUnit: well-formed XML" xmllint --noout "$WORK/j.xml"
same "JUnit: counts" "8 0" "$(xmllint --xpath 'concat(//testsuite/@tests, " ", //testsuite/@failures)' "$WORK/j.xml")"
check "tcp: the check's own listener is gone afterwards" \
	sh -c "! ip netns exec h2 ss -Htln | grep -q ':8080'"

# Break things by hand; each check says what it expected and what it found.
ip -n h1 route del default
ip -n r1 link del eth1
sed -i 's/output: h2/output: not-this-host/' "$lab"
expect_rc 1 "with a route withdrawn, a link deleted and a wrong output: exit 1" \
	n test --junit "$WORK/j2.xml" "$lab"
cp "$WORK/out" "$WORK/tap"
contains "ping fails, naming the expected reply" "not ok 1 - ping h1 -> h2" "$WORK/tap"
contains "... and what was found" "# expected an echo reply from 10.50.2.10 within the deadline; found:" "$WORK/tap"
contains "expect: fail still passes" "ok 2 - ping h1 -> 203.0.113.1 (expect fail)" "$WORK/tap"
contains "tcp fails" "not ok 3 - tcp h1 -> h2:8080" "$WORK/tap"
contains "... naming the connection" "# expected a connection to 10.50.2.10 port 8080 within the deadline; found: connection failed" "$WORK/tap"
contains "route fails when withdrawn" "not ok 5 - route h1: default via 10.50.1.1" "$WORK/tap"
contains "... no route" "found: no route to default" "$WORK/tap"
contains "route fails when its link is gone" "not ok 6 - route r1: 10.50.2.0/24 dev eth1" "$WORK/tap"
contains "exec output fails" "not ok 7 - exec h2: hostname" "$WORK/tap"
contains "... naming the output it wanted and what it got" "the output has no 'not-this-host'; it ends with: h2" "$WORK/tap"
contains "exec regex still passes" "ok 8 - h1 has its address" "$WORK/tap"
same "JUnit: counts with failures" "8 5" "$(xmllint --xpath 'concat(//testsuite/@tests, " ", //testsuite/@failures)' "$WORK/j2.xml")"
same "JUnit: one failure element per failed check" 5 "$(xmllint --xpath 'count(//testcase/failure)' "$WORK/j2.xml")"

# No thread can be made (clone3 fails with EAGAIN, as at a limit of tasks): the same results,
# checks run one after the other on the main thread, which ends in its own namespace (the last
# setns names the sandbox's), not in the last check's node. Only nstopo itself is traced: the
# programs it forks make their own.
if command -v strace >/dev/null; then
	expect_rc 1 "without threads: the same exit" strace -qq -y -o "$WORK/trace" -e trace=clone3,setns \
		-e inject=clone3:error=EAGAIN "$NSTOPO" test "$lab"
	same "... and the same results, check by check" "$(grep -E '^(not )?ok ' "$WORK/tap")" \
		"$(grep -E '^(not )?ok ' "$WORK/out")"
	check "... no thread was made" grep -q 'clone3(.*= -1 EAGAIN' "$WORK/trace"
	same "... and the main thread went home" "$(readlink /proc/self/ns/net)" \
		"$(grep -o '^setns([0-9]*<[^>]*>' "$WORK/trace" | tail -1 | sed 's/.*<//; s/>$//')"
fi

# within: a route that appears a second later passes; one that never does fails at the deadline.
expect_rc 0 "up repairs the lab" n up "$SRC/tests/integration/labs/checks.yaml"
cat >"$WORK/within.yaml" <<'W'
name: checks
prefix: ""
nodes:
  h1: {interfaces: {eth0: 10.50.1.10/24}, routes: [default via 10.50.1.1]}
  r1: {kind: router, interfaces: {eth0: 10.50.1.1/24, eth1: 10.50.2.1/24}}
  h2: {interfaces: {eth0: 10.50.2.10/24}, routes: [default via 10.50.2.1]}
links: [[h1:eth0, r1:eth0], [r1:eth1, h2:eth0]]
tests:
  - route: {node: h1, to: 10.99.0.0/16, via: 10.50.1.1}
    within: 5s
  - route: {node: h1, to: 10.98.0.0/16}
    within: 1500ms
W
(sleep 1; ip -n h1 route add 10.99.0.0/16 via 10.50.1.1) &
start=$(date +%s%N)
expect_rc 1 "within: one check waits for its route, one never gets it" n test "$WORK/within.yaml"
elapsed=$((($(date +%s%N) - start) / 1000000))
wait
contains "within: the route that appeared passes" "ok 1 - route h1: 10.99.0.0/16 via 10.50.1.1" "$WORK/out"
contains "within: the one that never came fails" "not ok 2 - route h1: 10.98.0.0/16" "$WORK/out"
check "within: checks ran concurrently (${elapsed} ms < 4500)" test "$elapsed" -lt 4500
ip -n h1 route del 10.99.0.0/16

expect_rc 0 "--all-pairs: every node reaches every other" n test --all-pairs "$lab"
contains "--all-pairs: a matrix row" "h1 -> r1 h2" "$WORK/out"
contains "--all-pairs: the count" "0% dropped (8/8 received)" "$WORK/out"
ip -n h2 link set eth0 down
expect_rc 1 "--all-pairs: a node cut off" n test --all-pairs "$lab"
contains "--all-pairs: its column shows X" "h1 -> r1 X" "$WORK/out"

# An exec check's output is read to its end: the process's last writes and its exit come
# together, and the tail (where `output:` is looked for) is what was lost.
sed '/^tests:/,$d' "$SRC/tests/integration/labs/checks.yaml" >"$WORK/long.yaml"
cat >>"$WORK/long.yaml" <<'L'
tests:
  - exec: {node: h1, cmd: [seq, "1500"]}
    output: "1500"
  - exec: {node: h2, cmd: [seq, "100000"]}
    output_regex: "99999\n100000\n?$"
L
passed=0
for i in $(seq 10); do
	n test "$WORK/long.yaml" >"$WORK/out" 2>&1 && passed=$((passed + 1))
done
same "1500 and 100000 lines of output: 10 runs of 10 pass" 10 "$passed"

printf 'name: checks\nnodes: {h1: {}}\ntests:\n  - ping: {from: nosuch, to: h1}\n' >"$WORK/bad.yaml"
expect_rc 2 "a check naming an unknown node is bad input" n test "$WORK/bad.yaml"
contains "... with its position" "bad.yaml:4:18: error: unknown node 'nosuch'" "$WORK/out"
expect_rc 0 "down" n down --lab checks
finish
