#!/bin/bash
# The nft room (src/nft.c) against a real kernel, through tests/integration/nft_probe: a NAT table
# written and read back, every kind of hand edit made with the nft CLI, refusals, the uplink table.
#
#   sandbox netns (empty ruleset)
#   ├── table inet nstopo: prerouting (dnat x2), postrouting (masquerade, snat, masquerade6)
#   └── table inet up0:    postrouting (masquerade from ve-a, ve-b out eth9)
. "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || skip_feature "needs nft (to edit rules by hand and list them)"
command -v jq >/dev/null || skip_feature "needs jq"
nft list tables >/dev/null 2>&1 || skip_feature "no nf_tables in this kernel"
PROBE=${NSTOPO_NFT_PROBE:-$(dirname "$NSTOPO")/tests/nft_probe}
if [ ! -x "$PROBE" ]; then
	not_ok "the probe is built ($PROBE)"
	finish
fi

T=nstopo
p() { "$PROBE" "$@"; }

# What `nft_probe set` writes, as `nft list table` prints it (nftables' dumps/ idea).
cat >"$WORK/table.nft" <<'EOF'
table inet nstopo {
	comment "nstopo:lab:gw"
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		meta nfproto ipv4 iifname "wan" tcp dport 8080 dnat ip to 192.168.1.10:80 comment "dnat {in: wan, proto: tcp, port: 8080, to: 192.168.1.10:80}"
		meta nfproto ipv6 iifname "wan" udp dport 5353 dnat ip6 to [fd00:1::10]:53 comment "dnat {in: wan, proto: udp, port: 5353, to: [fd00:1::10]:53}"
	}

	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		meta nfproto ipv4 oifname "wan" masquerade comment "masquerade {out: wan}"
		oifname "wan" ip saddr 192.168.1.0/24 snat ip to 203.0.113.9 comment "snat {out: wan, from: 192.168.1.0/24, to: 203.0.113.9}"
		oifname "wan" ip6 saddr fd00:1::/64 masquerade comment "masquerade {out: wan, from: fd00:1::/64}"
	}
}
EOF
# What nftw_nat_get reports for it: texts chain by chain, each chain in order.
cat >"$WORK/get.txt" <<'EOF'
exists 1
intact 1
userdata nstopo:lab:gw
text dnat {in: wan, proto: tcp, port: 8080, to: 192.168.1.10:80}
text dnat {in: wan, proto: udp, port: 5353, to: [fd00:1::10]:53}
text masquerade {out: wan}
text snat {out: wan, from: 192.168.1.0/24, to: 203.0.113.9}
text masquerade {out: wan, from: fd00:1::/64}
EOF

intact() { p get $T | sed -n 's/^intact //p'; }
# rule CHAIN N: the N-th rule (from 0) of CHAIN, as nft prints it with `# handle H` at the end.
rule() {
	nft -a list chain inet $T "$1" | grep -E '# handle [0-9]+$' | grep -vE '^[[:space:]]*chain ' |
		sed -n "$(($2 + 1))p" | sed 's/^[[:space:]]*//'
}
handle() { local l; l=$(rule "$1" "$2"); echo "${l##*# handle }"; }
body() { local l; l=$(rule "$1" "$2"); echo "${l% # handle *}"; }

# Every rule of CHAIN into a file of `add rule` lines, so a chain can be remade around them.
save_chain() {
	local i=0 b
	: >"$WORK/rules.nft"
	while b=$(body "$1" $i) && [ -n "$b" ]; do
		echo "add rule inet $T $1 $b" >>"$WORK/rules.nft"
		i=$((i + 1))
	done
}
remake_chain() { # CHAIN SPEC: the same rules in a chain made anew with SPEC
	save_chain "$1"
	nft flush chain inet $T "$1" && nft delete chain inet $T "$1" &&
		nft add chain inet $T "$1" "$2" && nft -f "$WORK/rules.nft"
}
swap_first_last() { # CHAIN: the first rule moves to the end, unchanged
	local h b
	h=$(handle "$1" 0) b=$(body "$1" 0)
	nft delete rule inet $T "$1" handle "$h" && echo "add rule inet $T $1 $b" >"$WORK/one.nft" &&
		nft -f "$WORK/one.nft"
}
replace_rule() { # CHAIN N FROM TO: the rule rewritten with FROM replaced by TO, comment kept
	local h b
	h=$(handle "$1" "$2") b=$(body "$1" "$2")
	echo "replace rule inet $T $1 handle $h ${b/$3/$4}" >"$WORK/one.nft" && nft -f "$WORK/one.nft"
}

written_as_expected() {
	nft list table inet $T >"$WORK/now.nft" && diff -u "$WORK/table.nft" "$WORK/now.nft"
}

# ---- set, get, and what nft sees ----
expect_rc 0 "set writes the table" p set $T nstopo:lab:gw
same "get reads it back intact, texts in order" "$(cat "$WORK/get.txt")" "$(p get $T)"
check "nft list table shows exactly the rules written" written_as_expected
nft -j list ruleset >"$WORK/rs.json"
same "nft -j: the only table is inet nstopo" "inet nstopo" \
	"$(jq -r '.nftables[] | .table? // empty | "\(.family) \(.name)"' "$WORK/rs.json")"
same "nft -j: chains with their hooks and priorities" \
	"prerouting nat prerouting -100 accept,postrouting nat postrouting 100 accept" \
	"$(jq -r '[.nftables[] | .chain? // empty | select(.table == "nstopo") |
		"\(.name) \(.type) \(.hook) \(.prio) \(.policy)"] | join(",")' "$WORK/rs.json")"
same "nft -j: every rule with its comment, in order" \
	"$(sed -n 's/^text //p' "$WORK/get.txt" | sed '1,2s/^/prerouting /; 3,$s/^/postrouting /')" \
	"$(jq -r '.nftables[] | .rule? // empty | select(.table == "nstopo") | "\(.chain) \(.comment)"' \
		"$WORK/rs.json")"
same "nft -j: the port forward's target" "192.168.1.10 80" \
	"$(jq -r '.nftables[] | .rule? // empty | select(.comment // "" | startswith("dnat {in: wan, proto: tcp")) |
		.expr[] | .dnat? // empty | "\(.addr) \(.port)"' "$WORK/rs.json")"
expect_rc 0 "set again (replacing the table) succeeds" p set $T nstopo:lab:gw
same "set again leaves it intact" "1" "$(intact)"

# ---- hand edits: each makes get say not intact; set repairs it ----
edit() {
	local what=$1
	shift
	if ! "$@" >"$WORK/edit" 2>&1; then
		not_ok "$what: the hand edit itself failed"
		sed 's/^/    /' "$WORK/edit" | head -10
		p set $T nstopo:lab:gw >/dev/null
		return
	fi
	same "$what: get says not intact" "0" "$(intact)"
	expect_rc 0 "$what: set repairs it" p set $T nstopo:lab:gw
	same "$what: intact again" "1" "$(intact)"
	check "$what: the table is as written again" written_as_expected
}

edit "a rule deleted" nft delete rule inet $T postrouting handle "$(handle postrouting 1)"
edit "a rule added" nft add rule inet $T postrouting oifname "lan" masquerade
edit "a rule duplicated, comment and all" \
	nft add rule inet $T postrouting meta nfproto ipv4 oifname "wan" masquerade comment '"masquerade {out: wan}"'
edit "two rules reordered" swap_first_last postrouting
edit "the table flushed" nft flush table inet $T
edit "a chain deleted" bash -c "nft flush chain inet $T prerouting && nft delete chain inet $T prerouting"
# Control for the two chain edits below: remade the same way with nothing changed, the chain
# still reads as intact (nft 1.0.6 encodes these dnat rules exactly as nft.c does), so a "not
# intact" below is the hook or priority. Should a newer nft encode them otherwise, this fails alone.
check "control: prerouting remade by nft, unchanged" remake_chain prerouting \
	'{ type nat hook prerouting priority -100; }'
same "control: prerouting remade by nft, unchanged, is intact" "1" "$(intact)"
p set $T nstopo:lab:gw >/dev/null
edit "a chain's priority changed" remake_chain prerouting '{ type nat hook prerouting priority -90; }'
edit "a chain's hook changed" remake_chain prerouting '{ type nat hook output priority -100; }'
edit "a chain's policy changed" nft chain inet $T postrouting '{ policy drop; }'
edit "a chain added" nft add chain inet $T extra
edit "the table made dormant" nft add table inet $T '{ flags dormant; }'
edit "a rule's interface replaced, comment kept" replace_rule postrouting 0 '"wan"' '"lan"'
edit "a port forward's target replaced, comment kept" replace_rule prerouting 0 '10:80 ' '10:81 '
edit "a counter put into a rule, comment kept" replace_rule postrouting 1 'snat ip' 'counter snat ip'

# ---- refusals name the rule; the transaction leaves the table as it was ----
refused() { # KIND CODE WHAT: `nft_probe bad KIND` is refused for rule 2, with errno CODE
	expect_rc 0 "$3: refused" p bad "$1" $T
	cp "$WORK/out" "$WORK/bad"
	contains "$3: the rule is named" "obj nat[2]" "$WORK/bad"
	contains "$3: the file position is kept" "loc lab.yaml:12:9" "$WORK/bad"
	contains "$3: the reason" "code $2" "$WORK/bad"
	same "$3: the table is untouched" "$(cat "$WORK/get.txt")" "$(p get $T)"
}
refused ifname 22 "an interface name of 16 characters"
contains "an interface name of 16 characters: says why" "longer than 15 characters" "$WORK/bad"
refused port 22 "dnat with a port but no protocol"
contains "dnat with a port but no protocol: quotes the rule" 'dnat {in: wan, port: 8080' "$WORK/bad"
refused text 34 "a comment the kernel finds too long (ERANGE)"
contains "a comment the kernel finds too long: the kernel's own words" "extack Attribute failed" "$WORK/bad"
contains "a comment the kernel finds too long: quotes the rule" 'msg add nat rule "xxxx' "$WORK/bad"

# ---- delete ----
expect_rc 0 "table_del removes the table" p del $T
same "nothing is left in the ruleset" "" "$(nft list ruleset)"
same "get finds no table" "exists 0" "$(p get $T | head -1)"
expect_rc 0 "table_del of a missing table is fine" p del $T

# ---- the host uplink ----
U=up0
ugets() { p uplink-get $U eth9 "$@" | sed -n 's/^intact //p'; }
expect_rc 0 "uplink set" p uplink-set $U eth9 masq ip_forward=0 ve-a ve-b
same "uplink get: intact, texts, userdata" \
	"$(printf '%s\n' "exists 1" "intact 1" "userdata ip_forward=0" "text uplink ve-a -> eth9" \
		"text uplink ve-b -> eth9")" "$(p uplink-get $U eth9 masq ve-a ve-b)"
same "uplink in nft -j: one masquerade per lab end, out eth9" "ve-a eth9,ve-b eth9" \
	"$(nft -j list ruleset | jq -r '[.nftables[] | .rule? // empty | select(.table == "up0") |
		[.expr[] | .match? // empty | select(.left.meta.key == "iifname" or .left.meta.key == "oifname") |
		.right] | join(" ")] | join(",")')"
contains "uplink table keeps the forwarding value as its comment" 'comment "ip_forward=0"' \
	<(nft list table inet $U)
same "uplink get for other lab ends: not intact" "0" "$(ugets masq ve-a ve-c)"
same "uplink get for one end fewer: not intact" "0" "$(ugets masq ve-a)"
same "uplink get without masquerade: not intact" "0" "$(ugets nomasq ve-a ve-b)"
nft delete rule inet $U postrouting handle "$(nft -a list chain inet $U postrouting |
	sed -n 's/.*"ve-b".* # handle \([0-9]*\)$/\1/p')"
same "uplink rule deleted by hand: not intact" "0" "$(ugets masq ve-a ve-b)"
expect_rc 0 "uplink set repairs it" p uplink-set $U eth9 masq ip_forward=0 ve-a ve-b
same "uplink intact again" "1" "$(ugets masq ve-a ve-b)"
expect_rc 0 "uplink set without masquerade" p uplink-set $U eth9 nomasq ip_forward=1 ve-a ve-b
same "uplink without masquerade: the chain alone, intact" \
	"$(printf '%s\n' "exists 1" "intact 1" "userdata ip_forward=1")" "$(p uplink-get $U eth9 nomasq ve-a)"
expect_rc 0 "uplink table deleted" p del $U
same "nothing is left in the ruleset at the end" "" "$(nft list ruleset)"

finish
