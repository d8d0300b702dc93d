#!/bin/bash
# A fork that fails (a full pid table, a cgroup's pids.max): at each of nstopo's forks in turn,
# `up` (nodes, files, exec: lines, background programs) fails loudly with exit 3 and a message,
# `test` reports the exec check it could not run, neither leaks (a sanitizer build checks: no
# ptrace here, so LeakSanitizer runs), and `down --lab` then removes everything. The fork is
# refused by an LD_PRELOAD shim.
. "$(dirname "$0")/lib.sh"
[ -n "${NSTOPO_NO_FORK:-}" ] && [ -f "$NSTOPO_NO_FORK" ] || skip "needs the no_fork shim (built with the tests)"

# In a build with AddressSanitizer the sanitizer runtime must come first in the library list.
asan_rt=$(ldd "$NSTOPO" 2>/dev/null | awk '$1 ~ /^libasan\.so/ { print $3 }')
[ -n "$asan_rt" ] && echo "note: ASan build: $asan_rt is preloaded ahead of the no_fork shim"
preload="${asan_rt:+$asan_rt }$NSTOPO_NO_FORK"

# nf N CMD...: nstopo with its Nth fork refused.
nf() {
	local at=$1
	shift
	rm -f "$WORK/refused"
	LD_PRELOAD=$preload NO_FORK_AT=$at NO_FORK_CALLED=$WORK/refused "$NSTOPO" "$@"
}

# sweep WHAT LAB CMD WANT: CMD of nstopo at each fork index, until a run has fewer forks; a
# refused fork makes it exit WANT.
sweep() {
	local what=$1 lab=$2 cmd=$3 want=$4 name at rc
	name=$(sed -n 's/^name: //p' "$lab")
	for ((at = 1; at <= 40; at++)); do
		[ "$cmd" = test ] && n up "$lab" >/dev/null 2>&1
		nf $at "$cmd" "$lab" >"$WORK/out" 2>&1
		rc=$?
		if [ ! -e "$WORK/refused" ]; then
			same "$what: ran to the end with fork #$at never reached" 0 "$rc"
		elif [ "$rc" = "$want" ] && grep -q "Resource temporarily unavailable" "$WORK/out"; then
			ok "$what: fork #$at refused: exit $rc, $(grep -m1 "Resource temporarily" "$WORK/out")"
		else
			not_ok "$what: fork #$at refused: exit $rc, expected $want and the reason"
			sed 's/^/    /' "$WORK/out" | head -10
		fi
		expect_rc 0 "$what: fork #$at: down --lab $name" n down --lab "$name"
		check "$what: fork #$at: nothing left" wait_until 2000 nothing_left
		[ -e "$WORK/refused" ] || break
	done
	((at <= 40)) || not_ok "$what: still refusing forks after 40"
}

sweep up "$(dirname "$0")/labs/nodes.yaml" up 3
# An exec check forks (in the check pool's threads, all of the first process); no traffic
# checks here, whose timing is not this test's subject. A check that cannot run fails: exit 1.
cat >"$WORK/checks.yaml" <<'LAB'
name: forkchecks
nodes:
  h1: {interfaces: {eth0: 10.51.0.1/24}}
  h2: {interfaces: {eth0: 10.51.0.2/24}}
links:
  - [h1:eth0, h2:eth0]
tests:
  - exec: {node: h1, cmd: [hostname]}
    output: h1
  - exec: {node: h2, cmd: [hostname]}
    output: h2
LAB
sweep test "$WORK/checks.yaml" test 1
finish
