#!/bin/bash
# Every process of a node ends at `down`, wherever it moved (issue 13, item 5): into a network
# namespace of its own (unshare -n), into the host's (nsenter -t 1 -n, with a clean environment,
# so no NSTOPO_* tags), into a session of its own after a double fork, or started by `nstopo
# exec`. With cgroup v2 each node's processes are in nstopo/LAB/NODE/ROLE; without it (cgroup2
# unmounted in the sandbox) they are found by the node's net, mount and UTS namespaces. Also:
# reconcile ends a removed node's processes and changed exec: lines (even without their
# NSTOPO_* tags), never `nstopo exec`; down --lab and up end what a former run left in the
# lab's cgroups; down run from inside a node's cgroup does not kill itself.
. "$(dirname "$0")/../integration/lib.sh"

lab=$WORK/procs.yaml
cat >"$lab" <<'LAB'
name: procs
prefix: ""
nodes:
  r1:
    interfaces: {lo: 10.31.255.1/32}
    exec:
      - {cmd: "unshare -n sleep 1003", background: true}
      - {cmd: "env -i nsenter -t 1 -n sleep 1004", background: true}
      - [sh, -c, "setsid sh -c 'sleep 1006 & exit 0' </dev/null >/dev/null 2>&1; exit 0"]
  r2:
    interfaces: {lo: 10.31.255.2/32}
    exec:
      - {cmd: "unshare -n sleep 1007", background: true}
LAB

# pids of the processes whose command line is exactly "sleep N" (zombies have none).
pids_of() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" = "sleep $1 " ] && echo "${p#/proc/}"
	done
}
running() { [ -n "$(pids_of "$1")" ]; }
gone() { [ -z "$(pids_of "$1")" ]; }
# Processes (not zombies) whose namespace of kind $1 has inode $2.
in_ns_ino() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/$1" 2>/dev/null)" = "$1:[$2]" ] && [ -n "$(tr -d '\0' <"$p/cmdline" 2>/dev/null)" ] &&
			echo "${p#/proc/}"
	done
}
ns_ino() { readlink "/proc/$1/ns/$2" | tr -dc 0-9; }

# round WHAT CGROUP2-MOUNT: up, the processes moved away, reconcile, down; all gone.
round() {
	local what=$1 cg=$2
	expect_rc 0 "$what: up" n up "$lab"
	n exec r1 sleep 1005 &
	local exec_pid=$!
	for s in 1003 1004 1005 1006 1007; do
		check "$what: sleep $s runs" wait_until 3000 running $s
	done
	local p3 p4 r1
	p3=$(pids_of 1003)
	p4=$(pids_of 1004)
	r1=$(pids_of 1005)
	check "$what: sleep 1003 left the node's network namespace" \
		test "$(ns_ino "$p3" net)" != "$(ns_ino "$r1" net)"
	same "$what: sleep 1004 is in the sandbox's network namespace" "$(ns_ino 1 net)" "$(ns_ino "$p4" net)"
	check "$what: sleep 1004 carries no NSTOPO_ tag" sh -c "! grep -qa NSTOPO_ /proc/$p4/environ"
	if [ -n "$cg" ]; then
		for s in 1003 1004 1006; do
			same "$what: sleep $s is in the cgroup of r1's exec: lines" "0::/nstopo/procs/r1/exec" \
				"$(grep '^0::' /proc/"$(pids_of $s)"/cgroup)"
		done
		same "$what: sleep 1005 is in the cgroup of r1's \`nstopo exec\`" "0::/nstopo/procs/r1/user" \
			"$(grep '^0::' /proc/"$r1"/cgroup)"
		check "$what: the cgroups are root's, 0755" test "$(stat -c '%u %a' "$cg/nstopo" "$cg/nstopo/procs" \
			"$cg/nstopo/procs/r1" "$cg/nstopo/procs/r1/exec" | sort -u)" = "0 755"
	fi
	local mnt uts
	mnt=$(ns_ino "$r1" mnt)
	uts=$(ns_ino "$r1" uts)

	# Reconcile: r2 removed from the file ends its processes; r1's exec: lines start again,
	# and the user's `nstopo exec` is left alone.
	sed -n '/^  r2:/q; p' "$lab" | sed 's/sleep 1004/sleep 1008/' >"$WORK/r1only.yaml"
	expect_rc 0 "$what: up without r2" n up "$WORK/r1only.yaml"
	check "$what: r2's process ended with it" gone 1007
	# Without cgroups, reconcile finds exec: processes by their NSTOPO_* tags only, and sleep
	# 1004 has none (env -i): it runs until down.
	[ -n "$cg" ] && check "$what: r1's changed exec: lines ended the old ones, tags or not" gone 1004
	check "$what: ... and started the new ones" wait_until 3000 running 1008
	same "$what: \`nstopo exec\` is not ended by reconcile" "$r1" "$(pids_of 1005)"

	expect_rc 0 "$what: down" n down --lab procs
	for s in 1003 1004 1005 1006 1008; do
		check "$what: down ended sleep $s" gone $s
	done
	kill -9 "$exec_pid" 2>/dev/null
	wait "$exec_pid" 2>/dev/null
	same "$what: no process is in r1's mount namespace" "" "$(in_ns_ino mnt "$mnt")"
	same "$what: no process is in r1's UTS namespace" "" "$(in_ns_ino uts "$uts")"
	check "$what: no mount of the node is left" sh -c "! grep -q /run/nstopo/ /proc/self/mountinfo"
	check "$what: nothing else is left" wait_until 2000 nothing_left
	if [ -n "$cg" ]; then
		check "$what: no nstopo cgroup is left" test ! -e "$cg/nstopo"
	fi
}

cg=$(cgroup2_mount)
if [ -n "$cg" ] && [ -n "${NSTOPO_TEST_CGROUP:-}" ]; then
	round cgroup "$cg"

	# An interrupted up leaves a node's cgroup with a process in it: down --lab ends it.
	mkdir -p "$cg/nstopo/ghost/n1"
	sh -c "echo \$\$ >$cg/nstopo/ghost/n1/cgroup.procs; exec sleep 1009" &
	ghost=$!
	check "a leftover cgroup's process runs" wait_until 3000 running 1009
	expect_rc 0 "down --lab ends the processes of a leftover cgroup" n down --lab ghost
	contains "... and says so" "lab ghost was not running: ended 1 leftover process" "$WORK/out"
	check "... sleep 1009 ended" gone 1009
	check "... and the cgroup is gone" test ! -e "$cg/nstopo"
	kill -9 "$ghost" 2>/dev/null
	wait "$ghost" 2>/dev/null

	# down run from a process in a node's cgroup (`nstopo exec`, back in the sandbox's
	# namespaces) steps out of it rather than kill itself half-way.
	# What a former r1 left in its cgroup is not taken for the new r1's: up ends it.
	mkdir -p "$cg/nstopo/procs/r1/daemon"
	sh -c "echo \$\$ >$cg/nstopo/procs/r1/daemon/cgroup.procs; exec sleep 1010" &
	former=$!
	check "a former r1's process runs" wait_until 3000 running 1010
	expect_rc 0 "up again" n up "$lab"
	check "... ended it" gone 1010
	kill -9 "$former" 2>/dev/null
	wait "$former" 2>/dev/null
	expect_rc 0 "down from inside r1's cgroup finishes" \
		n exec r1 nsenter -t 1 -m -n -u "$NSTOPO" down --lab procs
	check "... r1's processes ended" gone 1003
	check "... r2's too" gone 1007
	check "... nothing is left" wait_until 2000 nothing_left
	check "... no nstopo cgroup" test ! -e "$cg/nstopo"
else
	echo "# no cgroup v2 here: the fallback only"
fi
# Without cgroup v2: the node's namespaces find its processes.
while cg=$(cgroup2_mount) && [ -n "$cg" ]; do umount -l "$cg" || break; done
round fallback ""
finish
