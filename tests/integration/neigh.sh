#!/bin/bash
# neigh.sh - the kernel's neighbour (ARP/ND) tables are global: `up` warns when a lab may need
# more entries than the host keeps, `sysctl:` under the host raises gc_thresh* (and `down` puts
# them back), `test --all-pairs` names table overflows, pings only the families a node has,
# and prints JSON.
# The neighbour sysctls and /proc/net/stat/arp_cache exist only in the initial network
# namespace, so the 50-host lab is run from there (nsenter through fd 9, opened before the
# sandbox is made); its namespaces and mounts are still the sandbox's, and it makes nothing in
# the initial namespace but the raised values, which the test restores in a trap. Values are
# never set below the kernel's default (1024): other tests share them.
[ -n "${NSTOPO_SANDBOXED:-}" ] || exec 9</proc/self/ns/net
. "$(dirname "$0")/../integration/lib.sh"
command -v jq >/dev/null || skip_feature "needs jq"
command -v nsenter >/dev/null || skip_feature "needs nsenter (util-linux)"
[ -e /proc/self/fd/9 ] || skip_feature "no handle on the initial network namespace"

root() { nsenter --net=/proc/self/fd/9 "$@"; }
rn() { root "$NSTOPO" "$@"; }
key4=/proc/sys/net/ipv4/neigh/default
root test -e $key4/gc_thresh3 || skip_feature "the neighbour sysctls are not visible (not the initial namespace?)"
orig3=$(root cat $key4/gc_thresh3)
orig2=$(root cat $key4/gc_thresh2)
restore() {
	root sh -c "echo $orig2 >$key4/gc_thresh2; echo $orig3 >$key4/gc_thresh3"
	rm -rf "$WORK"
}
trap restore EXIT
# A host configured with a big table would hide the overflow: the test runs at the default.
[ "$orig3" -gt 1024 ] && root sh -c "echo 1024 >$key4/gc_thresh3"
[ "$orig2" -gt 1024 ] && root sh -c "echo 1024 >$key4/gc_thresh2"
at3=$(root cat $key4/gc_thresh3)

# ---- all-pairs: families, the "-" cell, JSON (in the sandbox) ----
cat >"$WORK/fam.yaml" <<'YAML'
name: fam
prefix: ""
nodes:
  sw: {kind: bridge}
  h1: {interfaces: {eth0: 10.9.0.1/24}}
  h2: {interfaces: {eth0: [10.9.0.2/24, "fd09::2/64"]}}
  h3: {interfaces: {eth0: [10.9.0.3/24, "fd09::3/64"]}}
  h4: {interfaces: {eth0: "fd09::4/64"}}
links:
  - [h1:eth0, sw:p1]
  - [h2:eth0, sw:p2]
  - [h3:eth0, sw:p3]
  - [h4:eth0, sw:p4]
YAML
check "up: the family lab" n up "$WORK/fam.yaml"
# IPv6 addresses wait for duplicate address detection before they answer.
wait_until 5000 sh -c "! ip netns exec h4 ip -6 addr show tentative | grep -q fd09"
wait_until 5000 sh -c "! ip netns exec h2 ip -6 addr show tentative | grep -q fd09"
wait_until 5000 sh -c "! ip netns exec h3 ip -6 addr show tentative | grep -q fd09"
expect_rc 0 "--all-pairs: a v4-only host is not counted as reaching nobody" n test --all-pairs "$WORK/fam.yaml"
contains "--all-pairs: h1 reaches every IPv4 node, and h4 (IPv6 only) is not tried" "h1 -> h2 h3 -" "$WORK/out"
contains "--all-pairs: h4 reaches the IPv6 nodes" "h4 -> - h2 h3" "$WORK/out"
contains "--all-pairs: only pings of a shared family" "0% dropped (12/12 received)" "$WORK/out"
n test --all-pairs --json "$WORK/fam.yaml" >"$WORK/json" 2>"$WORK/err"
same "--all-pairs --json: valid JSON, the nodes and every ping" "h1 h2 h3 h4 12 12 12" \
	"$(jq -r '"\(.nodes | join(" ")) \(.sent) \(.received) \(.pairs | length)"' "$WORK/json")"
same "--all-pairs --json: one object per ping" "true" \
	"$(jq -r '[.pairs[] | select(.from == "h1" and .to == "h2" and .address == "10.9.0.2")] | .[0].ok' "$WORK/json")"
same "--all-pairs --json: no overflow counters in the sandbox's namespace" null \
	"$(jq -r '.neighbour_table_overflows' "$WORK/json")"
expect_rc 0 "--json without --all-pairs: the file's checks as JSON (it has none)" n test --json "$WORK/fam.yaml"
same "... one document, its checks empty" 0 "$(jq '.checks | length' "$WORK/out")"
check "down: the family lab" n down "$WORK/fam.yaml"

# ---- two labs raising the same key: the last one's down puts the host's value back ----
pair() { # pair NAME NET [host sysctl lines]
	echo "name: $1"
	echo "nodes:"
	[ -n "${3:-}" ] && printf '  host:\n    sysctl:\n%s\n' "$3"
	echo "  $1a: {interfaces: {eth0: 10.$2.0.1/30}}"
	echo "  $1b: {interfaces: {eth0: 10.$2.0.2/30}}"
	echo "links: [[$1a:eth0, $1b:eth0]]"
}
ask="      net.ipv4.neigh.default.gc_thresh3: 4096"
pair pa 61 "$ask" >"$WORK/pa.yaml"
pair pb 62 "$ask" >"$WORK/pb.yaml"
pair pb 62 >"$WORK/pb-plain.yaml"
expect_rc 0 "up: a lab raising gc_thresh3" rn up "$WORK/pa.yaml"
contains "up: says what it raised" "~ sysctl host: net.ipv4.neigh.default.gc_thresh3 $at3 -> 4096" "$WORK/out"
check "up: a second lab asking the same" rn up "$WORK/pb.yaml"
check "down: the first lab" rn down "$WORK/pa.yaml"
same "down: the value stays while the second lab still asks for it" 4096 "$(root cat $key4/gc_thresh3)"
expect_rc 0 "up: the second lab no longer asking for it" rn up "$WORK/pb-plain.yaml"
contains "up: puts the host's value back" "~ sysctl host: net.ipv4.neigh.default.gc_thresh3 4096 -> $at3" "$WORK/out"
same "up: the host's value is back" "$at3" "$(root cat $key4/gc_thresh3)"
check "up: the second lab asking again" rn up "$WORK/pb.yaml"
expect_rc 0 "down: the last lab" rn down "$WORK/pb.yaml"
contains "down: says what it put back" "~ sysctl host: net.ipv4.neigh.default.gc_thresh3 4096 -> $at3" "$WORK/out"
same "down: the host's value is back" "$at3" "$(root cat $key4/gc_thresh3)"

# ---- 50 hosts on one bridge: 50 * 49 = 2450 IPv4 entries at worst ----
lab() { # lab NAME [host sysctl lines]
	echo "name: $1"
	echo "nodes:"
	if [ -n "${2:-}" ]; then
		echo "  host:"
		echo "    sysctl:"
		echo "$2"
	fi
	echo "  sw: {kind: bridge}"
	for i in $(seq 1 50); do echo "  h$i: {interfaces: {eth0: 10.50.0.$i/24}}"; done
	echo "links:"
	for i in $(seq 1 50); do echo "  - [h$i:eth0, sw:p$i]"; done
}
lab big >"$WORK/big.yaml"
lab big "      net.ipv4.neigh.default.gc_thresh3: 4096
      net.ipv4.neigh.default.gc_thresh2: 2560" >"$WORK/raised.yaml"

warning="warning: this lab may need up to 2450 neighbour entries; the kernel keeps at most $at3 (net.ipv4.neigh.default.gc_thresh3): set it to at least 2450 (sysctl: under the host node)"
check "validate: the host takes the neighbour sysctls" n validate "$WORK/raised.yaml"
lab big "      net.ipv4.neigh.default.gc_thresh3: 2000" >"$WORK/short.yaml"
expect_rc 0 "validate: a size below the lab's estimate is valid" n validate "$WORK/short.yaml"
contains "validate: but warned about, from the file alone" "short.yaml:5:7: warning: this lab may need up to 2450 neighbour entries; net.ipv4.neigh.default.gc_thresh3: 2000 is fewer" "$WORK/out"
rn up "$WORK/big.yaml" >"$WORK/out" 2>"$WORK/err"
same "up: exit 0 although the table is too small" 0 $?
contains "up: warns before the overflow" "$warning" "$WORK/err"
rn test --all-pairs "$WORK/big.yaml" >"$WORK/out" 2>"$WORK/err"
same "--all-pairs without the setting: pings are lost" 1 $?
contains "--all-pairs: names the overflow" "neighbour table overflows during the run: raise net.ipv4.neigh.default.gc_thresh3" "$WORK/err"
check "down: the lab without the setting" rn down "$WORK/big.yaml"

rn up "$WORK/raised.yaml" >"$WORK/out" 2>"$WORK/err"
same "up with host sysctl: exit 0" 0 $?
same "up with host sysctl: no warning" "" "$(grep warning "$WORK/err")"
same "up: raised gc_thresh3 and gc_thresh2" "4096 2560" "$(root cat $key4/gc_thresh3) $(root cat $key4/gc_thresh2)"
expect_rc 0 "diff: clean after up" rn diff "$WORK/raised.yaml"
root sh -c "echo 2048 >$key4/gc_thresh3"
expect_rc 1 "diff: a host neighbour sysctl lower than the file asks is drift" rn diff "$WORK/raised.yaml"
contains "diff: names it" "~ sysctl host: net.ipv4.neigh.default.gc_thresh3 2048 -> 4096" "$WORK/out"
check "up: raises it again" rn up "$WORK/raised.yaml"
same "up: raised again" 4096 "$(root cat $key4/gc_thresh3)"
expect_rc 0 "--all-pairs with the setting: 0% loss" rn test --all-pairs "$WORK/raised.yaml"
contains "--all-pairs: the count" "0% dropped (2450/2450 received)" "$WORK/out"
check "down: the raised lab" rn down "$WORK/raised.yaml"
same "down: the values found before are back" "$at3 $([ "$orig2" -gt 1024 ] && echo 1024 || echo "$orig2")" \
	"$(root cat $key4/gc_thresh3) $(root cat $key4/gc_thresh2)"
check "nothing left" nothing_left
finish
