#!/bin/bash
# Two runs on one lab never interleave: the second fails at once with a clear message. Also when
# `down` removes the lock file while a run that opened it waits to lock it (issue 14, item 7).
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

# Without strace the checks above still count: a skip only when they passed.
command -v strace >/dev/null || { [ "$FAILED" != 0 ] || skip_feature "needs strace for the lock race"; finish; }
# The race, made certain: a run opens the lock file and, delayed by strace, locks it only after
# a down has taken the lock, removed the lab and the file, and ended, and a third run (flock) has
# made a new file and holds it. The delayed run holding the old file would be a second holder.
expect_rc 0 "up for the race" n up "$lab"
strace -qq -o /dev/null -e trace=flock -e inject=flock:delay_enter=4000000:when=1 \
	"$NSTOPO" up "$lab" >"$WORK/late" 2>&1 &
late=$!
has_lock_open() { find /proc/[0-9]*/fd -lname '/run/nstopo/chain.lock*' 2>/dev/null | grep -q .; }
wait_until 3000 has_lock_open
expect_rc 0 "down meanwhile takes the lock and removes the file" n down --lab chain
check "... while the other run still waits to lock the old file" kill -0 $late
flock -o /run/nstopo/chain.lock sleep 8 &
holder=$!
wait_until 2000 test -s /proc/locks
wait $late
same "the late run finds the lab busy: the new file is the lock" 3 $?
contains "... saying so" "lab chain is busy" "$WORK/late"
same "... and made nothing" "" "$(ip netns list)"
kill $holder 2>/dev/null
wait $holder 2>/dev/null

# Many runs at once, each lock delayed a little so that the window is wide: /proc/locks (this
# sandbox's own processes only) never shows two runs holding a lock of the lab for 50 ms together
# (a run may lock a removed file for an instant before it sees so), and each run does its work
# or finds the lab busy.
holders() {
	local l
	while read -r l; do
		[[ $l == *"FLOCK  ADVISORY  WRITE"* ]] && { set -- $l; echo "$5 $6"; }
	done </proc/locks
}
monitor() {
	local h h2
	while [ ! -e "$WORK/stop" ]; do
		h=$(holders)
		[ "$(wc -l <<<"$h")" -ge 2 ] || continue
		sleep 0.05
		h2=$(holders)
		[ "$(comm -12 <(sort <<<"$h") <(sort <<<"$h2") | wc -l)" -ge 2 ] && echo "$h" >>"$WORK/double"
	done
}
monitor &
mon=$!
run_one() { # NAME DELAY_MS ARGS...
	local out=$WORK/run.$1 ms=$2
	shift 2
	strace -qq -o /dev/null --seccomp-bpf -f -e trace=flock -e inject=flock:delay_enter=${ms}000:when=1 \
		"$NSTOPO" "$@" >"$out" 2>&1
	echo "rc $?" >>"$out"
}
runs=()
for i in $(seq 20); do
	run_one up$i $((i * 37 % 300)) up "$lab" &
	runs+=($!)
	run_one down$i $((i * 53 % 300)) down --lab chain &
	runs+=($!)
	sleep 0.05
done
wait "${runs[@]}"
touch "$WORK/stop"
wait $mon
same "never two holders at once" "" "$(cat "$WORK/double" 2>/dev/null)"
bad=$(for f in "$WORK"/run.*; do
	grep -q '^rc 0$' "$f" || { grep -q '^rc 3$' "$f" && grep -q 'is busy' "$f"; } || { echo "${f##*/}:"; cat "$f"; }
done)
same "every run did its work or found the lab busy" "" "$bad"
expect_rc 0 "down after the storm" n down --lab chain
check "nothing is left" nothing_left
finish
