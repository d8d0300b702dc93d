#!/bin/bash
# A lab larger than the descriptor limit (issue 14, item 14): with a hard RLIMIT_NOFILE of 256
# (`ulimit -n` sets the hard limit too, so raising the soft one cannot help), a 300-router chain
# comes up, diffs clean, passes 599 checks and goes down; before, `up` failed at node ~122 with
# "Too many open files". A limit below what nstopo needs at all fails before anything is made.
. "$(dirname "$0")/lib.sh"

bash "$SRC/tests/bench/gen.sh" chain 300 yaml >"$WORK/chain.yaml"
# Checks in every node, more than the limit's descriptors: each opens its namespaces only while
# it runs. None sends packets: the kernel's neighbour table is one for the whole machine
# (gc_thresh3, often 1024), and pings between 300 routers would fill it for every other test
# running meanwhile (tcp checks, with the target's namespace, are in checks.sh).
{
	echo "tests:"
	for i in $(seq 300); do
		printf '  - exec: {node: r%d, cmd: [hostname]}\n    output: r%d\n' $i $i
		[ $i -lt 300 ] && printf '  - route: {node: r%d, to: 10.255.0.0/16}\n' $i
	done
} >>"$WORK/chain.yaml"
lab=$WORK/chain.yaml
limited() { (ulimit -Sn 256 && ulimit -Hn 256 && "$NSTOPO" "$@"); }
expect_rc 0 "up of 300 nodes under a hard limit of 256 descriptors" limited up "$lab"
expect_rc 0 "diff is clean under the same limit" limited diff "$lab"
expect_rc 0 "up again: nothing to change" limited up "$lab"
contains "... saying so" "up to date" "$WORK/out"
same "300 namespaces" 300 "$(ip netns list | wc -l)"
expect_rc 0 "test: 599 checks under the same limit" limited test "$lab"
same "... all passed" "# 599 passed, 0 failed" "$(tail -1 "$WORK/out")"
expect_rc 0 "down under the same limit" limited down "$lab"
check "nothing is left" no_namespaces

limited_to() { (ulimit -Sn "$1" && ulimit -Hn "$1" && shift && "$NSTOPO" "$@"); }
expect_rc 3 "a hard limit of 100 descriptors: up fails" limited_to 100 up "$lab"
contains "... naming the limit and the fix" "the limit on open files is 100, nstopo needs at least 128: raise it" "$WORK/out"
check "... before anything was made" no_namespaces
finish
