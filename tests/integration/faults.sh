#!/bin/bash
# The fault sweep (issue 14): `up` runs under strace with one system call made to fail (EPERM) or
# to kill its caller (KILL) at one call index, for each of sendmsg, sendto, mount, setns, unshare
# and clone, over a campus-like lab (6 nodes, a bridge, routes, NAT, a background exec: line) and
# a routing lab (FRR daemons and exec:). At each point:
#   - an error makes `up` fail loudly (non-zero and an "nstopo: ..." message) or is survived
#     (exit 0 and `diff` clean);
#   - `down --lab` then exits 0 and leaves no namespace (nor its name), interface, mount under
#     /run/netns or /run/nstopo, process, cgroup or run directory;
#   - the same fault again, then a plain `up`: `diff` is clean (and `down --lab` leaves nothing).
# Then kill -9 during `down`, at points spread over its run: the next `down --lab` leaves nothing.
# By default (and in CI) every k-th index is tried, k a third of the calls (the first and last
# always), about 2 minutes in all; NSTOPO_FAULTS_ALL=1 tries every index (about 10 minutes).
# Faults come from outside: the product has no test hooks.
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || skip_feature "needs strace"
command -v jq >/dev/null || skip_feature "needs jq"

cat >"$WORK/campus.yaml" <<'EOF'
name: campus
nodes:
  pc1:
    interfaces: {eth0: 192.168.1.10/24}
    routes: [default via 192.168.1.1]
    exec:
      - {cmd: [sleep, "1000"], background: true}
  pc2:
    interfaces: {eth0: 192.168.1.11/24}
    routes: [default via 192.168.1.1]
  lan:
    kind: bridge
  home:
    kind: router
    interfaces:
      lan: 192.168.1.1/24
      wan: 203.0.113.2/30
    routes: [default via 203.0.113.1]
    nat:
      - masquerade: {out: wan}
  isp:
    kind: router
    interfaces:
      cust: 203.0.113.1/30
      core: 198.51.100.1/24
  server:
    interfaces: {eth0: 198.51.100.10/24}
    routes: [default via 198.51.100.1]
    files:
      /etc/motd: "campus server\n"
links:
  - [pc1:eth0, lan:p1]
  - [pc2:eth0, lan:p2]
  - [home:lan, lan:p3]
  - [home:wan, isp:cust]
  - [isp:core, server:eth0]
EOF

cat >"$WORK/routing.yaml" <<'EOF'
name: routing
nodes:
  r1:
    kind: frr
    daemons: [ospfd]
    interfaces: {e12: 10.0.12.1/30, lo: 1.1.1.1/32}
    config: |
      router ospf
       network 10.0.0.0/16 area 0
    exec:
      - [sh, -c, "echo r1 > /tmp/who"]
  r2:
    kind: frr
    daemons: [ospfd]
    interfaces: {e21: 10.0.12.2/30, lo: 2.2.2.2/32}
    config: |
      router ospf
       network 10.0.0.0/16 area 0
links:
  - [r1:e12, r2:e21]
EOF

SYSCALLS="sendmsg sendto mount setns unshare clone"
# -b execve: a daemon or exec: program started by nstopo is let go at its exec (strace -f would
# otherwise wait for it), the steps before its exec are still traced.
trace() { strace -f -qq -b execve -o /dev/null "$@"; }

cg=
[ -n "${NSTOPO_TEST_CGROUP:-}" ] && cg=$(cgroup2_mount)

# Everything a lab may leave, said in one line when something is left ("" when nothing).
left_of() {
	local lab=$1 what=
	[ -n "$(ls -A /run/netns)" ] && what+="names: $(ls -A /run/netns | tr '\n' ' ');"
	grep -qE ' /run/(netns|nstopo)/' /proc/self/mountinfo &&
		what+="mounts: $(grep -oE ' /run/(netns|nstopo)/[^ ]*' /proc/self/mountinfo | tr '\n' ' ');"
	local ifs
	ifs=$(ip -j link show | jq -r '.[] | select(.ifalias // "" | startswith("nstopo:")) | .ifname')
	[ -n "$ifs" ] && what+="interfaces: $ifs;"
	[ -e "/run/nstopo/$lab" ] && what+="run directory;"
	local p
	p=$(grep -l "NSTOPO_LAB=$lab" /proc/[0-9]*/environ 2>/dev/null | tr '\n' ' ')
	[ -n "$p" ] && what+="processes: $p;"
	[ -n "$cg" ] && [ -e "$cg/nstopo/$lab" ] && what+="cgroup nstopo/$lab;"
	echo "$what"
}
nothing_of() { [ -z "$(left_of "$1")" ]; }

# The calls of each kind a clean `up` makes.
count_calls() {
	local file=$1 lab=$2
	strace -f -qq -b execve -c -o "$WORK/count" -e trace=${SYSCALLS// /,} "$NSTOPO" up "$file" \
		>/dev/null 2>&1 || true
	"$NSTOPO" down --lab "$lab" >/dev/null 2>&1
}

# The step between indexes tried: every one with NSTOPO_FAULTS_ALL=1, a sample otherwise.
step_for() {
	local total=$1
	if [ "${NSTOPO_FAULTS_ALL:-}" = 1 ]; then
		echo 1
	else
		echo $(((total + 2) / 3 > 0 ? (total + 2) / 3 : 1))
	fi
}

POINTS=0
FAILS=0
fail_at() {
	FAILS=$((FAILS + 1))
	not_ok "$*"
}

# One point: the fault, down --lab, the fault again, plain up, diff, down --lab.
point() {
	local file=$1 lab=$2 sys=$3 fault=$4 i=$5 what="$2: $3:$4 at $5"
	POINTS=$((POINTS + 1))
	trace -e trace="$sys" -e inject="$sys:$fault:when=$i" "$NSTOPO" up "$file" >"$WORK/first" 2>&1
	local rc=$?
	if [ $rc = 0 ]; then
		"$NSTOPO" diff "$file" >"$WORK/diff" 2>&1 ||
			{ fail_at "$what: up exited 0 but diff is not clean"; sed 's/^/    /' "$WORK/diff" | head; }
	elif [ "$fault" = error=EPERM ] && ! grep -q '^nstopo' "$WORK/first"; then
		fail_at "$what: up exited $rc without a message"
		sed 's/^/    /' "$WORK/first" | head
	fi
	"$NSTOPO" down --lab "$lab" >"$WORK/down" 2>&1 ||
		{ fail_at "$what: down --lab exited $?"; sed 's/^/    /' "$WORK/down" | head; }
	if ! wait_until 3000 nothing_of "$lab"; then
		fail_at "$what: down --lab left $(left_of "$lab")"
		sed 's/^/    /' "$WORK/first" | head -5
		"$NSTOPO" down --lab "$lab" >/dev/null 2>&1
		wait_until 3000 nothing_of "$lab" || { not_ok "cannot clean up after $what"; finish; }
	fi
	trace -e trace="$sys" -e inject="$sys:$fault:when=$i" "$NSTOPO" up "$file" >"$WORK/first" 2>&1
	if ! "$NSTOPO" up "$file" >"$WORK/second" 2>&1 || ! "$NSTOPO" diff "$file" >"$WORK/diff" 2>&1; then
		fail_at "$what: a plain up after the fault does not converge"
		sed 's/^/    /' "$WORK/first" "$WORK/second" "$WORK/diff" | head -20
	fi
	"$NSTOPO" down --lab "$lab" >"$WORK/down" 2>&1 ||
		{ fail_at "$what: down --lab after converging exited $?"; sed 's/^/    /' "$WORK/down" | head; }
	if ! wait_until 3000 nothing_of "$lab"; then
		fail_at "$what: down --lab after converging left $(left_of "$lab")"
		"$NSTOPO" down --lab "$lab" >/dev/null 2>&1
		wait_until 3000 nothing_of "$lab" || { not_ok "cannot clean up after $what"; finish; }
	fi
}

sweep() {
	local file=$1 lab=$2
	count_calls "$file" "$lab"
	check "$lab: nothing is left after counting" nothing_of "$lab"
	for sys in $SYSCALLS; do
		local total step before=$FAILS points=$POINTS
		total=$(awk -v s="$sys" '$NF == s {print $4}' "$WORK/count")
		total=${total:-0}
		[ "$total" -gt 0 ] || { echo "# $lab: up makes no $sys call"; continue; }
		step=$(step_for "$total")
		for fault in error=EPERM signal=KILL; do
			# The last index is always tried: it is the one nearest to done.
			for ((i = 1; i <= total; i += step)); do
				point "$file" "$lab" "$sys" "$fault" "$i"
			done
			((i - step != total)) && point "$file" "$lab" "$sys" "$fault" "$total"
		done
		[ $FAILS = "$before" ] &&
			ok "$lab: $sys ($total calls, every ${step}th, $((POINTS - points)) points): up fails loudly or converges, down leaves nothing"
	done
}

sweep "$WORK/campus.yaml" campus
if command -v /usr/lib/frr/zebra >/dev/null; then
	sweep "$WORK/routing.yaml" routing
else
	echo "# no FRR here: the routing lab is left out"
fi

# kill -9 during down, at calls spread over its run (umount2 and unlink of names, the store).
expect_rc 0 "campus comes up for the kills during down" n up "$WORK/campus.yaml"
strace -f -qq -c -o "$WORK/dcount" -e trace=umount2,unlink,unlinkat,sendmsg "$NSTOPO" down --lab campus \
	>/dev/null 2>&1
bad=0
for sys in umount2 unlink unlinkat sendmsg; do
	total=$(awk -v s="$sys" '$NF == s {print $4}' "$WORK/dcount")
	total=${total:-0}
	step=$(step_for "$total")
	for ((i = 1; i <= total; i += step)); do
		POINTS=$((POINTS + 1))
		"$NSTOPO" up "$WORK/campus.yaml" >/dev/null 2>&1 || { bad=1; not_ok "down: up before the kill at $sys $i"; }
		trace -e trace="$sys" -e inject="$sys:signal=KILL:when=$i" "$NSTOPO" down --lab campus >/dev/null 2>&1
		"$NSTOPO" down --lab campus >"$WORK/down" 2>&1 ||
			{ bad=1; not_ok "down killed at $sys $i: the next down exited $?"; sed 's/^/    /' "$WORK/down"; }
		if ! wait_until 3000 nothing_of campus; then
			bad=1
			not_ok "down killed at $sys $i: the next down left $(left_of campus)"
			"$NSTOPO" down --lab campus >/dev/null 2>&1
		fi
	done
done
[ $bad = 0 ] && ok "kill -9 during down (umount2, unlink, unlinkat, sendmsg): the next down --lab leaves nothing"
echo "# $POINTS fault points, $FAILS failed"
finish
