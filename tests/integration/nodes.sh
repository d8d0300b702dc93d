#!/bin/bash
# Nodes as light containers (issue 9): each node's hostname, private /run and /tmp, the lab's
# /etc/hosts, files laid over the host's (inline, from a file, from a directory, a directory
# made for the node), exec: lines, reconcile of edited files, and nothing left on the host.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip_feature "needs jq"

cp -r "$SRC/tests/integration/labs/nodes.yaml" "$SRC/tests/integration/labs/nodes" "$WORK/"
lab=$WORK/nodes.yaml
host_name=$(hostname)
host_motd=$(md5sum </etc/motd)
expect_rc 0 "up" n up "$lab"
expect_rc 0 "diff is clean after up" n diff "$lab"

same "hostname: as the file says" alpha "$(n exec a hostname)"
same "hostname: the node's name by default" b "$(n exec b hostname)"
same "the host's hostname is unchanged" "$host_name" "$(hostname)"
same "/etc/hosts names every node" "10.30.0.2" "$(n exec a getent hosts b | awk '{print $1}')"
check "a node reaches another by name" n exec a ping -c1 -W2 b
same "/tmp is the node's own" "alpha" "$(n exec a cat /tmp/who)"
same "... each node's" "b" "$(n exec b cat /tmp/who)"
check "... not the host's" test ! -e /tmp/who
same "/run is the node's own" "ran" "$(n exec a cat /run/exec.log)"
check "... not the host's" test ! -e /run/exec.log
if getent passwd frr >/dev/null; then
	same "/run/frr exists, owned by frr" "frr:frr" "$(n exec a stat -c %U:%G /run/frr)"
fi
if getent passwd bird >/dev/null; then
	same "/run/bird exists, owned by bird" "bird:bird" "$(n exec a stat -c %U:%G /run/bird)"
fi

same "inline file over the host's" "hello from a" "$(n exec a cat /etc/motd)"
same "... the host's own is untouched" "$host_motd" "$(md5sum </etc/motd)"
same "a file where the host has none" "made in the node only" "$(n exec a cat /etc/nstopo-test-new/x.conf)"
check "... and the host still has none" test ! -e /etc/nstopo-test-new
same "a directory made for the node, owner and mode" "nobody 750" \
	"$(n exec a stat -c '%U %a' /var/lib/nstopo-test)"
check "... not on the host" test ! -e /var/lib/nstopo-test
same "from: a file" "from a file" "$(n exec a cat /etc/nstopo-test-from)"
same "from: a directory" "one two" "$(n exec a sh -c 'echo $(cat /etc/nstopo-test-dir/1.conf /etc/nstopo-test-dir/sub/2.conf)')"
same "b sees the host's /etc/motd" "$host_motd" "$(n exec b md5sum </etc/motd)"
same "background: running, tagged with its lab and node" "1" \
	"$(pgrep -f 'sleep 1000' | while read -r p; do tr '\0' '\n' </proc/$p/environ; done | grep -c '^NSTOPO_NODE=a$')"
check "background: its output is in the lab's log" grep -q "background started" /run/nstopo/nodes/log/a.2.log

# Reconcile: a file edited in the node, then in the lab file.
n exec a sh -c 'echo edited by hand > /etc/motd'
expect_rc 1 "an edit inside the node is drift" n diff "$lab"
contains "... diff names the file" "~ file a:/etc/motd differs from the lab file" "$WORK/out"
old_sleep=$(pgrep -f 'sleep 1000')
b_before=$(n exec b stat -c %Y /tmp/who)
expect_rc 0 "up puts the file back" n up "$lab"
same "... with the lab's content" "hello from a" "$(n exec a cat /etc/motd)"
check "... and a's exec: lines ran again (their old processes ended)" \
	wait_until 2000 sh -c "[ -n \"\$(pgrep -f 'sleep 1000')\" ] && [ \"\$(pgrep -f 'sleep 1000')\" != $old_sleep ]"
same "... b, whose files did not change, was not touched" "$b_before" "$(n exec b stat -c %Y /tmp/who)"
sed -i 's/from a file/changed in the lab/' "$WORK/nodes/from.txt"
expect_rc 1 "a changed source is drift" n diff "$lab"
contains "... diff names it" "~ file a:/etc/nstopo-test-from differs" "$WORK/out"
expect_rc 0 "up applies it" n up "$lab"
same "... the node sees the new content" "changed in the lab" "$(n exec a cat /etc/nstopo-test-from)"
sed -i '/nstopo-test-from/d' "$lab"
expect_rc 0 "a file dropped from the lab file" n up "$lab"
check "... is no longer laid over the node" n exec a test ! -e /etc/nstopo-test-from
expect_rc 0 "diff is clean" n diff "$lab"

# Hostnames: changed by hand inside a node, or in the lab file.
n exec b hostname changed-by-hand
expect_rc 1 "a hostname changed by hand is drift" n diff "$lab"
contains "... diff says so" "~ node b: hostname changed-by-hand -> b" "$WORK/out"
expect_rc 0 "up puts it back" n up "$lab"
same "... b is b again" b "$(n exec b hostname)"
sed -i 's/hostname: alpha/hostname: alpha-2/' "$lab"
expect_rc 0 "a hostname changed in the file" n up "$lab"
same "... is applied" alpha-2 "$(n exec a hostname)"
same "... and the host's is still its own" "$host_name" "$(hostname)"

# An exec: line that fails: node, command, status and output.
cat >"$WORK/bad.yaml" <<'BAD'
name: badexec
nodes:
  x:
    exec:
      - [sh, -c, "echo something went wrong; exit 3"]
BAD
expect_rc 3 "a failing exec: line fails up" n up "$WORK/bad.yaml"
contains "... naming the node" "nstopo: x:" "$WORK/out"
contains "... the command and its status" "sh exited with status 3" "$WORK/out"
contains "... and the end of its output" "something went wrong" "$WORK/out"
contains "... and where it is in the file" "bad.yaml:5:" "$WORK/out"
expect_rc 0 "down the failed lab" n down --lab badexec

expect_rc 0 "down" n down "$lab"
check "down ends every process of the nodes" test -z "$(pgrep -f 'sleep 1000')"
check "down leaves no namespace, mount or host end" wait_until 2000 nothing_left
check "down leaves no node mount" sh -c "! grep -q /run/nstopo/ /proc/self/mountinfo"
check "down leaves no run directory" test ! -e /run/nstopo/nodes
finish
