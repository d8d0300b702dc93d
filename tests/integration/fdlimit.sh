#!/bin/bash
# A lab larger than the descriptor limit (issue 14, item 14): with a hard RLIMIT_NOFILE of 256
# (`ulimit -n` sets the hard limit too, so raising the soft one cannot help), a 300-router chain
# comes up, diffs clean and goes down; before, `up` failed at node ~122 with "Too many open
# files". A limit below what nstopo needs at all fails before anything is made, saying so.
. "$(dirname "$0")/lib.sh"

bash "$SRC/tests/bench/gen.sh" chain 300 yaml >"$WORK/chain.yaml"
lab=$WORK/chain.yaml
limited() { (ulimit -Sn 256 && ulimit -Hn 256 && "$NSTOPO" "$@"); }
expect_rc 0 "up of 300 nodes under a hard limit of 256 descriptors" limited up "$lab"
expect_rc 0 "diff is clean under the same limit" limited diff "$lab"
expect_rc 0 "up again: nothing to change" limited up "$lab"
contains "... saying so" "up to date" "$WORK/out"
same "300 namespaces" 300 "$(ip netns list | wc -l)"
expect_rc 0 "down under the same limit" limited down "$lab"
check "nothing is left" no_namespaces

limited_to() { (ulimit -Sn "$1" && ulimit -Hn "$1" && shift && "$NSTOPO" "$@"); }
expect_rc 3 "a hard limit of 100 descriptors: up fails" limited_to 100 up "$lab"
contains "... naming the limit and the fix" "the limit on open files is 100, nstopo needs at least 128: raise it" "$WORK/out"
check "... before anything was made" no_namespaces
finish
