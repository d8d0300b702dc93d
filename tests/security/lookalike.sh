#!/bin/bash
# Issue 13 item 6: objects that only look like a lab's (a table with the lab's name, markers of
# the wrong shape, a trailing ':' or space, a marker naming another node) are never modified or
# deleted by `down` or `up`; `up` refuses when it needs such a name (exit 3). The lab's own
# objects still go. Each look-alike is made by hand with ip/nft and checked with ip -j / nft -j.
. "$(dirname "$0")/../integration/lib.sh"
for p in nft jq; do command -v $p >/dev/null || skip_feature "needs $p"; done

# alias_of [-n NS] IF: the interface's alias as the kernel has it, quoted (spaces show).
alias_of() { ip "${@:1:$#-1}" -j link show dev "${!#}" | jq -c '.[0].ifalias'; }
# table_comment [NS] NAME: the comment of table inet NAME, quoted, or "none" ("nft -j" of
# nftables 1.0.6 leaves table comments out, so read the text form).
table_comment() {
	local out
	out=$(if [ $# = 2 ]; then ip netns exec "$1" nft list table inet "$2"; else nft list table inet "$1"; fi) || return 1
	sed -n 's/^\tcomment //p' <<<"$out" | grep . || echo none
}
netns_names() { ip netns list | awk '{print $1}' | sort | tr '\n' ' ' | sed 's/ $//'; }

# --- look-alikes made by hand ---
# Namespaces whose lo carries a marker of the wrong shape, or one naming another node.
lookalike_ns() { # NAME ALIAS
	ip netns add "$1" && ip -n "$1" link set lo up && ip -n "$1" link set lo alias "$2"
}
lookalike_ns sp 'nstopo:a:sp '          # trailing space
lookalike_ns colon 'nstopo:a:colon:'    # trailing separator
lookalike_ns ab 'nstopo:a-b:ab:'        # trailing separator, lab a-b
lookalike_ns x 'nstopo:a:y'             # names node y, in namespace x
lookalike_ns hostns 'nstopo:a:host'     # the root's name is no node
lookalike_ns three 'nstopo:a:three:lo'  # an interface's shape on lo
ns_before=$(netns_names)
# Host interfaces: veth ends with markers that are not a host-side end's (5 fields, node host).
lookalike_veth() { # NAME ALIAS
	ip link add "$1" type veth peer name "p$1" && ip link set "$1" alias "$2"
}
lookalike_veth a-up1 'nstopo:a:host:a-up1'              # 3 fields on a host interface
lookalike_veth a-up2 'nstopo:a:host:a-up2:r1:up0:'      # trailing separator
lookalike_veth a-up3 'nstopo:a:host:a-up3:r1:up0 '      # trailing space
lookalike_veth a-up4 'nstopo:a:host:other:r1:up0'       # names another interface
lookalike_veth a-up5 'nstopo:a:hostx:a-up5:r1:up0'      # names another node
lookalike_veth a-up6 'nstopo:a:host:a-up6:r1:up0:x'     # 6 fields
lookalike_veth a-up7 'nstopo:a:host:a-up7:r1'           # 4 fields
if ip link add a-br type bridge 2>/dev/null; then
	ip link set a-br alias 'nstopo:a:host:a-br:r1:up0' # a veth end's marker on a bridge
	have_bridge=1
else
	have_bridge=
fi
host_ifs="a-up1 a-up2 a-up3 a-up4 a-up5 a-up6 a-up7 ${have_bridge:+a-br}"
declare -A want_alias
for i in $host_ifs; do want_alias[$i]=$(alias_of "$i"); done
# Tables named like a lab's uplink table, without the lab's marker.
nft add table inet nstopo_a
nft add table inet nstopo_b '{ comment "nstopo:a uplink ip_forward_before=0"; }'
nft add table inet nstopo_c '{ comment "nstopo uplink by hand"; }'

host_ifs_intact() {
	local i ok=0
	for i in $host_ifs; do
		[ "$(alias_of "$i")" = "${want_alias[$i]}" ] || { echo "$i: $(alias_of "$i")"; ok=1; }
	done
	return $ok
}
lookalike_a=1 # while the hand-made nstopo_a is there
tables_intact() {
	{ [ -z "$lookalike_a" ] || [ "$(table_comment nstopo_a)" = none ]; } &&
		[ "$(table_comment nstopo_b)" = '"nstopo:a uplink ip_forward_before=0"' ] &&
		[ "$(table_comment nstopo_c)" = '"nstopo uplink by hand"' ]
}
all_intact() { # WHAT
	same "$1: every look-alike namespace is there" "$ns_before" \
		"$(netns_names | tr ' ' '\n' | grep -Fxf <(tr ' ' '\n' <<<"$ns_before") | tr '\n' ' ' | sed 's/ $//')"
	same "$1: their lo markers are unchanged" \
		'"nstopo:a:sp " "nstopo:a:colon:" "nstopo:a-b:ab:" "nstopo:a:y" "nstopo:a:host" "nstopo:a:three:lo"' \
		"$(for s in sp colon ab x hostns three; do alias_of -n $s lo; done | tr '\n' ' ' | sed 's/ $//')"
	check "$1: every look-alike host interface is there, marker unchanged" host_ifs_intact
	check "$1: the look-alike tables are there, comments unchanged" tables_intact
}

# --- down of labs that never ran ---
expect_rc 0 "down --lab a of a lab that never ran" n down --lab a
contains "... finds nothing of lab a" "lab a is not running: nothing to remove" "$WORK/out"
expect_rc 0 "down --lab a-b" n down --lab a-b
contains "... finds nothing of lab a-b" "lab a-b is not running: nothing to remove" "$WORK/out"
expect_rc 0 "down --lab b (a table nstopo_b marked for lab a)" n down --lab b
expect_rc 0 "down --lab c (a table nstopo_c with another comment)" n down --lab c
all_intact "after down"

# --- a real lab a beside them: up, a second up, down ---
ip netns add outside
ip link add upl0 type veth peer name wan0 netns outside
ip addr add 192.0.2.1/24 dev upl0
ip link set upl0 up
sysctl -qw net.ipv4.ip_forward=0
cat >"$WORK/a.yaml" <<'LAB'
name: a
prefix: ""
nodes:
  r1:
    kind: router
    interfaces: {up0: 10.220.0.2/30, eth0: 10.220.1.1/24}
    routes: [default via 10.220.0.1]
  h1:
    interfaces: {eth0: 10.220.1.10/24}
    routes: [default via 10.220.1.1]
  host:
    interfaces: {a-up0: 10.220.0.1/30}
links:
  - [r1:up0, host:a-up0]
  - [r1:eth0, h1:eth0]
uplink: {host_interface: upl0, masquerade: true, forwarding: true}
LAB
sed -e 's/^name: a$/name: a-b/' -e 's/a-up0/ab-up0/' -e 's/^uplink:.*//' -e 's/^  \(r1\|h1\):/  b\1:/' \
	-e 's/\[r1:/[br1:/' -e 's/\[h1:/[bh1:/' -e 's/ r1:/ br1:/' -e 's/ h1:/ bh1:/' "$WORK/a.yaml" >"$WORK/ab.yaml"

expect_rc 3 "up refuses to replace a table inet nstopo_a it did not make" n up "$WORK/a.yaml"
contains "... and names it" "table inet nstopo_a exists and is not this lab's" "$WORK/out"
contains "... at the file's uplink" "a.yaml:" "$WORK/out"
same "... nothing was created" "$ns_before outside" "$(netns_names | sed 's/ outside//; s/$/ outside/')"
expect_rc 3 "diff reports it too" n diff "$WORK/a.yaml"
all_intact "after the refused up"
nft delete table inet nstopo_a
lookalike_a=

lookalike_ns h1 'nstopo:a:h1 '
expect_rc 3 "up refuses a namespace h1 whose lo marker has a trailing space" n up "$WORK/a.yaml"
contains "... and names it" "network namespace h1 exists and is not this lab's" "$WORK/out"
same "... its marker is unchanged" '"nstopo:a:h1 "' "$(alias_of -n h1 lo)"
ip netns del h1
lookalike_ns h1 'nstopo:a:r1'
expect_rc 3 "up refuses a namespace h1 marked as node r1" n up "$WORK/a.yaml"
same "... its marker is unchanged" '"nstopo:a:r1"' "$(alias_of -n h1 lo)"
ip netns del h1
ip link add a-up0 type veth peer name pa-up0
ip link set a-up0 alias 'nstopo:a:host:a-up0'
expect_rc 3 "up refuses a host interface a-up0 with a 3-field marker" n up "$WORK/a.yaml"
contains "... and names it" "interface a-up0 exists and is not this lab's" "$WORK/out"
same "... its marker is unchanged" '"nstopo:a:host:a-up0"' "$(alias_of a-up0)"
ip link set a-up0 alias 'nstopo:a:host:a-up0:r1:up0 '
expect_rc 3 "up refuses a host interface a-up0 whose marker has a trailing space" n up "$WORK/a.yaml"
ip link del a-up0

expect_rc 0 "up of lab a" n up "$WORK/a.yaml"
same "... the uplink table carries the lab's marker" '"nstopo:a uplink ip_forward_before=0"' \
	"$(table_comment nstopo_a)"
same "... the host-side end carries a veth end's marker" '"nstopo:a:host:a-up0:r1:up0"' "$(alias_of a-up0)"
expect_rc 0 "... diff is clean" n diff "$WORK/a.yaml"
all_intact "after up"
expect_rc 0 "up of lab a-b" n up "$WORK/ab.yaml"
all_intact "after up of lab a-b"
expect_rc 0 "down of lab a-b" n down --lab a-b

# Inside a node of the lab: hand-made interfaces with malformed markers stay.
in_ns r1 ip link add fake0 type veth peer name fake1
in_ns r1 ip link set fake0 alias 'nstopo:a:r1:fake0:'
in_ns r1 ip link set fake1 alias 'nstopo:a:r1:fake1'
in_ns r1 ip link add fake2 type veth peer name fake3
in_ns r1 ip link set fake2 alias 'nstopo:a:h1:fake2:h1:fake3'
in_ns r1 ip link set fake3 alias 'nstopo:a:r1:fake3:h1:fake2 '
node_ifs() { ip -n r1 -j link show | jq -r '[.[] | select(.ifname | startswith("fake")) | "\(.ifname)=\(.ifalias)"] | sort | join(",")'; }
want_node_ifs='fake0=nstopo:a:r1:fake0:,fake1=nstopo:a:r1:fake1,fake2=nstopo:a:h1:fake2:h1:fake3,fake3=nstopo:a:r1:fake3:h1:fake2 '
expect_rc 0 "up again with look-alike interfaces in node r1" n up "$WORK/a.yaml"
same "... they are all there, markers unchanged" "$want_node_ifs" "$(node_ifs)"
expect_rc 0 "... diff is clean (they are not the lab's)" n diff "$WORK/a.yaml"
# The file now wants an interface of a look-alike's name: refused, not taken over.
sed 's/eth0: 10.220.1.1\/24}/eth0: 10.220.1.1\/24, fake0: 10.220.2.1\/24}/; s/^links:$/links:\n  - [r1:fake0, h1:fake0]/' \
	"$WORK/a.yaml" | sed 's/{eth0: 10.220.1.10\/24}/{eth0: 10.220.1.10\/24, fake0: 10.220.2.10\/24}/' >"$WORK/a2.yaml"
expect_rc 3 "up refuses when the file wants fake0 of node r1" n up "$WORK/a2.yaml"
contains "... and names it" "r1: interface fake0 exists and is not this lab's" "$WORK/out"
same "... they are all there, markers unchanged" "$want_node_ifs" "$(node_ifs)"

# A node's NAT table made by hand: left alone, refused when the file wants the table.
in_ns r1 nft add table inet nstopo
sed 's/^    routes: \[default via 10.220.0.1\]$/&\n    nat: [{masquerade: {out: up0}}]/' "$WORK/a.yaml" >"$WORK/anat.yaml"
expect_rc 0 "up with a hand-made table inet nstopo in r1 (the file has no nat)" n up "$WORK/a.yaml"
same "... the table is left alone" none "$(table_comment r1 nstopo)"
expect_rc 3 "up refuses to replace it when the file has nat for r1" n up "$WORK/anat.yaml"
contains "... and names it" "r1: nftables table inet nstopo exists and is not this lab's" "$WORK/out"
same "... the table is still empty" 0 "$(in_ns r1 nft -j list table inet nstopo | jq '[.nftables[] | select(.chain)] | length')"
in_ns r1 nft delete table inet nstopo
expect_rc 0 "up with nat once the hand-made table is gone" n up "$WORK/anat.yaml"
same "... the node's table carries the lab's marker" '"nstopo:a:r1 nat"' "$(table_comment r1 nstopo)"
expect_rc 0 "... diff is clean" n diff "$WORK/anat.yaml"
expect_rc 0 "up without nat removes the lab's own table" n up "$WORK/a.yaml"
same "... gone" "" "$(in_ns r1 nft list tables)"

same "forwarding is on while lab a is up" 1 "$(cat /proc/sys/net/ipv4/ip_forward)"
expect_rc 0 "down --lab a" n down --lab a
contains "... it removes the lab" "lab a is down" "$WORK/out"
check "... the lab's namespaces go" wait_until 2000 sh -c '! ip netns list | grep -qE "^(r1|h1)( |$)"'
check "... its host-side end goes" sh -c '! ip link show a-up0 2>/dev/null'
check "... its uplink table goes" sh -c '! nft list table inet nstopo_a 2>/dev/null'
same "... forwarding is put back" 0 "$(cat /proc/sys/net/ipv4/ip_forward)"
all_intact "after down of the real lab"

# --- an uplink table from the older comment format ("nstopo uplink ...", no lab) ---
sysctl -qw net.ipv4.ip_forward=1
nft add table inet nstopo_a '{ comment "nstopo uplink ip_forward_before=0"; }'
expect_rc 0 "down --lab a with an older-format uplink table" n down --lab a
check "... removes it (nstopo wrote that comment)" sh -c '! nft list table inet nstopo_a 2>/dev/null'
same "... and puts forwarding back" 0 "$(cat /proc/sys/net/ipv4/ip_forward)"
sysctl -qw net.ipv4.ip_forward=1
nft add table inet nstopo_a '{ comment "nstopo uplink ip_forward_before=0"; }'
expect_rc 0 "up over an older-format uplink table" n up "$WORK/a.yaml"
same "... rewrites it with the lab's marker, keeping the saved value" \
	'"nstopo:a uplink ip_forward_before=0"' "$(table_comment nstopo_a)"
expect_rc 0 "down --lab a" n down --lab a
same "... forwarding is put back" 0 "$(cat /proc/sys/net/ipv4/ip_forward)"
all_intact "at the end"
finish
