#!/bin/bash
# Objects with a lab's names that the lab did not make are refused and never touched; two labs
# live side by side.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip_feature "needs jq"

lab=$(dirname "$0")/labs/chain.yaml
ip netns add r1
ip -n r1 link set lo up
expect_rc 3 "up refuses a foreign namespace named like a node" n up "$lab"
contains "the error names the namespace" "network namespace r1 exists and is not this lab's" "$WORK/out"
contains "the error points into the file" "chain.yaml:" "$WORK/out"
same "nothing was created" "r1" "$(ip netns list | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')"
expect_rc 3 "diff refuses it too" n diff "$lab"
expect_rc 0 "down leaves it alone" n down --lab chain
same "the foreign namespace survives" "r1" "$(ip netns list | awk '{print $1}')"
ip netns del r1

ip link add chain-up0 type veth peer name other0
expect_rc 3 "up refuses a foreign host interface named like a host-side end" n up "$lab"
contains "the error names the interface" "interface chain-up0 exists and is not this lab's" "$WORK/out"
check "the foreign host interface survives" ip link show chain-up0
same "no namespace was made" "" "$(ip netns list)"
ip link del chain-up0

# Two labs at once; a second lab with the same node names and `prefix: ""` needs a prefix of its own.
sed -e 's/^name: chain/name: other/' -e 's/chain-up0/other-up0/' -e 's/10.200.0/10.201.0/g' \
	-e 's|10.1.0.0/16|10.2.0.0/16|' "$lab" >"$WORK/other.yaml"
expect_rc 0 "up chain" n up "$lab"
expect_rc 3 "a second lab with the same namespace names is refused" n up "$WORK/other.yaml"
contains "the error names the lab that owns it" "belongs to node h1 of lab chain" "$WORK/out"
sed -i "s/^prefix: \"\"/prefix: o-/" "$WORK/other.yaml"
expect_rc 0 "with a prefix it comes up beside the first" n up "$WORK/other.yaml"
check "its namespaces carry the prefix" ip netns exec o-h1 true
check "o-h1 reaches o-h2" n exec --lab other h1 ping -c1 -W2 10.1.2.10
expect_rc 125 "exec of a node two labs have needs --lab" n exec h1 true
contains "it names both labs" "chain other" "$WORK/out"
expect_rc 0 "down chain" n down --lab chain
expect_rc 0 "other is untouched" n diff "$WORK/other.yaml"
expect_rc 0 "down other" n down "$WORK/other.yaml"
check "nothing left" wait_until 2000 nothing_left
finish
