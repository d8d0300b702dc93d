#!/bin/bash
# Routing labs with the host's own FRR and BIRD (issue 9): daemons of two nodes never share
# sockets, pid files or config; hostnames are the nodes'; the host's own hostname, /etc and /run
# are unchanged; a config edited in the lab file changes what the daemon does and touches no
# other node; down leaves no daemon, namespace, mount or file.
. "$(dirname "$0")/lib.sh"
[ -x /usr/lib/frr/zebra ] || skip_feature "needs FRR (apt-get install frr)"
command -v bird >/dev/null || skip_feature "needs BIRD 2 (apt-get install bird2)"

# A missing daemon is named before anything changes (the sandbox's own mounts hide it).
touch "$WORK/not-installed"
mount --bind "$WORK/not-installed" /usr/lib/frr/zebra
expect_rc 3 "FRR missing: up refuses" n up "$TOPOS/ospf-triangle.yaml"
contains "... naming the package" "kind frr needs /usr/lib/frr/zebra, which is not installed (Debian: apt-get install frr)" "$WORK/out"
same "... and nothing was made" "" "$(ip netns list)"
umount /usr/lib/frr/zebra
bird_bin=$(command -v bird)
mount --bind "$WORK/not-installed" "$bird_bin"
expect_rc 3 "BIRD missing: up refuses" n up "$TOPOS/ebgp-bird.yaml"
contains "... naming the package" "apt-get install bird2" "$WORK/out"
umount "$bird_bin"

host_name=$(hostname)
host_etc=$(ls -la /etc/frr /etc/bird 2>/dev/null | md5sum)
host_run=$(ls -a /run | md5sum)

# --- FRR: ospf-triangle ---
lab=$TOPOS/ospf-triangle.yaml
expect_rc 0 "ospf-triangle: up, and its checks pass" n up --test "$lab"
same "hostname inside r2 is r2" r2 "$(n exec r2 hostname)"
same "vtysh answers with no warning (stderr empty)" "" "$(n exec r1 vtysh -c 'show version' 2>&1 >/dev/null)"
p1=$(n exec r1 cat /run/frr/zebra.pid)
p2=$(n exec r2 cat /run/frr/zebra.pid)
check "two nodes' zebra pid files differ ($p1, $p2)" test -n "$p1" -a -n "$p2" -a "$p1" != "$p2"
v1=$(n exec r1 stat -c %d:%i /run/frr/zebra.vty)
v2=$(n exec r2 stat -c %d:%i /run/frr/zebra.vty)
check "r1's vty socket is not r2's ($v1, $v2)" test -n "$v1" -a "$v1" != "$v2"
same "each node sees its own config" "ospf router-id 2.2.2.2" \
	"$(n exec r2 grep -o 'ospf router-id 2.2.2.2' /etc/frr/frr.conf)"
check "the host's /etc/frr and /etc/bird are unchanged" test "$host_etc" = "$(ls -la /etc/frr /etc/bird 2>/dev/null | md5sum)"
check "the host's /run is unchanged (but for nstopo's own directory)" \
	test "$host_run" = "$(ls -a /run | grep -v '^nstopo$' | md5sum)" -o "$host_run" = "$(ls -a /run | md5sum)"
same "the host's hostname is unchanged" "$host_name" "$(hostname)"
expect_rc 0 "diff is clean with daemons running (their routes are not the lab's)" n diff "$lab"
same "... and prints nothing" "" "$(cat "$WORK/out")"

# A daemon that dies is drift; up restarts that node's daemons only.
zebra_r2=$(n exec r2 cat /run/frr/zebra.pid)
kill "$(n exec r1 cat /run/frr/ospfd.pid)"
check "ospfd of r1 has gone" wait_until 3000 sh -c "! $NSTOPO exec r1 test -e /proc/\$($NSTOPO exec r1 cat /run/frr/ospfd.pid 2>/dev/null || echo 0)/comm 2>/dev/null"
expect_rc 1 "a daemon not running is reported" n diff "$lab"
contains "... by name" "ospfd is not running" "$WORK/out"
expect_rc 0 "up restarts r1's daemons" n up --test "$lab"
same "... and leaves r2's alone" "$zebra_r2" "$(n exec r2 cat /run/frr/zebra.pid)"

# Editing r3's config (a new loopback prefix in OSPF) changes what the peers learn.
cp "$lab" "$WORK/ospf.yaml"
sed -i 's|lo: 3.3.3.3/32|lo: [3.3.3.3/32, 3.3.3.4/32]|; s|       network 3.3.3.3/32 area 0|       network 3.3.3.3/32 area 0\n       network 3.3.3.4/32 area 0|' "$WORK/ospf.yaml"
expect_rc 1 "a changed config is reported" n diff "$WORK/ospf.yaml"
contains "... as r3's frr.conf" "~ file r3:/etc/frr/frr.conf differs from the lab file" "$WORK/out"
zebra_r1=$(n exec r1 cat /run/frr/zebra.pid)
expect_rc 0 "up applies it" n up "$WORK/ospf.yaml"
printf 'name: ospf-triangle\nnodes: {r1: {kind: frr, daemons: [ospfd]}}\ntests:\n  - route: {node: r1, to: 3.3.3.4/32}\n    within: 30s\n' >"$WORK/learn.yaml"
check "r1 learns the new prefix" n test "$WORK/learn.yaml"
same "r1's daemons were not restarted" "$zebra_r1" "$(n exec r1 cat /run/frr/zebra.pid)"
expect_rc 0 "down" n down --lab ospf-triangle
check "no FRR daemon is left" test -z "$(pgrep -f /usr/lib/frr/)"
check "nothing else is left" wait_until 3000 nothing_left
check "no node mount is left" sh -c "! grep -q /run/nstopo/ /proc/self/mountinfo"

# --- BIRD: ebgp-bird, and a reload on a config change ---
lab=$TOPOS/ebgp-bird.yaml
expect_rc 0 "ebgp-bird: up, and its checks pass" n up --test "$lab"
same "birdc answers on the node's own socket" "BIRD 2" "$(n exec r1 birdc show status | grep -o 'BIRD 2' | head -1)"
b2=$(pgrep -xf 'bird -c /etc/bird/bird.conf' | wc -l)
same "three BIRD daemons, one per node" 3 "$b2"
bird_r1=$(pgrep -f 'bird -c' | while read -r p; do tr '\0' '\n' </proc/$p/environ | grep -qx NSTOPO_NODE=r1 && echo $p; done)
cp "$lab" "$WORK/bgp.yaml"
# r3 stops exporting its loopback: r1 must lose the route; r1's BIRD is not touched.
sed -i '/router id 192.0.2.3;/,/protocol bgp r2/ s|protocol direct { ipv4; interface "\*"; }|protocol direct { ipv4; interface "e0"; }|' "$WORK/bgp.yaml"
expect_rc 0 "up with r3's config changed (BIRD reloads)" n up "$WORK/bgp.yaml"
printf 'name: ebgp-bird\nnodes: {r1: {kind: bird}}\ntests:\n  - route: {node: r1, to: 192.0.2.3/32}\n    expect: fail\n    within: 5s\n' >"$WORK/gone.yaml"
check "r1 no longer has r3's loopback" n test "$WORK/gone.yaml"
same "r1's BIRD kept running (same pid)" "$bird_r1" \
	"$(pgrep -f 'bird -c' | while read -r p; do tr '\0' '\n' </proc/$p/environ | grep -qx NSTOPO_NODE=r1 && echo $p; done)"
expect_rc 0 "down" n down --lab ebgp-bird
check "no BIRD daemon is left" test -z "$(pgrep -x bird)"
check "nothing is left" wait_until 3000 nothing_left
finish
