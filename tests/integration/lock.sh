#!/bin/bash
# Two runs on one lab never interleave: the second fails at once with a clear message.
. "$(dirname "$0")/lib.sh"
command -v flock >/dev/null || skip_feature "needs flock (util-linux)"

lab=$(dirname "$0")/labs/chain.yaml
mkdir -p /run/nstopo
# flock holds the lab's lock while nstopo runs: exactly the situation of two runs at once.
expect_rc 3 "up while another run holds the lab" flock /run/nstopo/chain.lock "$NSTOPO" up "$lab"
contains "the message says the lab is busy" "lab chain is busy" "$WORK/out"
same "nothing was made" "" "$(ip netns list)"
expect_rc 3 "down while another run holds the lab" flock /run/nstopo/chain.lock "$NSTOPO" down --lab chain
expect_rc 0 "another lab is not blocked" flock /run/nstopo/chain.lock "$NSTOPO" up "$SRC/topologies/quickstart.yaml"
expect_rc 0 "down quickstart" n down --lab quickstart
expect_rc 0 "once free, up works" n up "$lab"
expect_rc 0 "down" n down "$lab"
finish
