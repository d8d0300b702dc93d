#!/bin/bash
# clab_convert.sh - containerlab files without root: validate's warnings for the keys that mean
# nothing without containers (tests/clab/warnings.expected), and `nstopo convert`'s text for
# tests/clab/features.clab.yml: inheritance, env expansion, profiles, links, the management network.
set -u
src=${NSTOPO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${NSTOPO_BIN:-$src/build/nstopo}
[ -x "$bin" ] || { echo "SKIP: no nstopo binary at $bin (set NSTOPO_BIN)"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nstopo-clab.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; failures=$((failures + 1)); }
has() { if grep -qF -- "$2" "$tmp/out"; then ok "$1"; else bad "$1: no '$2'"; fi; }

cd "$src/tests/clab" || exit 1
"$bin" validate warnings.clab.yml >"$tmp/out" 2>"$tmp/err"
rc=$?
sed 's|^warnings.clab.yml:||' "$tmp/err" >"$tmp/got"
if [ "$rc" = 0 ] && cmp -s warnings.expected "$tmp/got"; then
	ok "validate: accepted keys warned about once each, exit 0"
else
	bad "validate warnings.clab.yml: exit $rc"
	diff warnings.expected "$tmp/got" | head -20
fi

NSTOPO_T_ASN=65077 "$bin" convert features.clab.yml >"$tmp/out" 2>"$tmp/err"
[ $? = 0 ] && ok "convert: exit 0" || bad "convert: exit $?"
has "prefix as containerlab names containers" "prefix: t-feat-"
has "exec-made state is the lab's own" "keep_unlisted: true"
has "FRR profile from binds, daemons from the daemons file" "daemons: [bgpd]  # enabled in features/r1/daemons"
has "a daemon the host lacks is noted" "# pim6d: enabled in the daemons file, not installed here: skipped"
has "magic names in bind sources" "/etc/frr/frr.conf: {from: features/r1/frr.conf}  # :ro in containerlab"
has "a directory bind, with the files kind frr would lay itself" "/etc/frr/vtysh.conf: {from: features/r2/vtysh.conf}"
has "node env wins" "LEVEL: node"
has "group env over kind and defaults" "LEVEL: group"
has "kind env over defaults" "LEVEL: kind"
has "defaults env everywhere" 'FROM_DEFAULTS: "yes"'
has "labels as CLAB_LABEL_" "CLAB_LABEL_ROLE: client"
has "\${VAR:=default} expanded from the caller" '"echo 65077 > /tmp/asn"'
has "\$\$ is a \$" '"echo $LEVEL $CLAB_INTFS > /tmp/level"'
has "exec lines may fail, with a timeout" "{cmd: [ip, addr, add, 10.0.12.1/24, dev, eth1], may_fail: true, timeout: 10s}"
has "cmd: is the long-running process" "{cmd: [sleep, 3600], background: true, may_fail: true}"
has "mgmt-ipv4 honoured, the IPv6 one given in order" "eth0: [10.99.0.50/24, fd00:99::3/64]  # management"
has "management default routes" "{to: default, via: 10.99.0.1, metric: 1}"
has "the management bridge named after mgmt.network" "interfaces: {br0: [10.99.0.1/24, fd00:99::1/64]}"
has "containerlab's MTU 9500" "{endpoints: [r1:eth1, r2:eth1], mtu: 9500}"
has "a typed veth's MAC" "eth2: {mac: 02:00:00:00:12:01}"
has "a mgmt-net link" "{endpoints: [h2:m0, fmgmt:h2m], mtu: 9500}  # to the management bridge"
has "IPv4 forwarding as under docker" "net.ipv4.ip_forward: 1  # inherited from a docker host"
has "sysctls: win" "net.ipv4.ip_forward: 0"

"$bin" convert features/r1/frr.conf >"$tmp/out" 2>&1
[ $? = 2 ] && grep -q "not a containerlab topology file" "$tmp/out" && ok "convert refuses a file that is not containerlab's" || bad "convert of a non-clab file"
"$bin" convert "$src/tests/bad/clab-02-links.clab.yaml" >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && [ ! -s "$tmp/out" ] && ok "convert of a bad file: exit 2, nothing printed" || bad "convert of a bad file"

echo "# $failures failure(s)"
[ "$failures" = 0 ]
