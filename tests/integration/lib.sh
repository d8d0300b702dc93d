# lib.sh - sourced by every integration test. The test re-runs itself inside a throwaway sandbox
# (its own mount, network and pid namespaces, private tmpfs on /run/netns, /run/nstopo and
# /etc/netns), so the lab's `host` is the sandbox and nothing survives the test, pass or fail.
# Helpers print one line per check; `finish` exits non-zero when any check failed.

set -u
NSTOPO=${NSTOPO_BIN:?NSTOPO_BIN must name the nstopo binary}
SRC=${NSTOPO_SOURCE_DIR:?NSTOPO_SOURCE_DIR must name the source tree}
TOPOS=$SRC/topologies

skip() {
	if [ "${CI:-}" = true ] && [ "${NSTOPO_SKIP_IS_OK:-}" != 1 ]; then
		echo "FAIL (a skip is a failure under CI=true): $*"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

# A skip for a missing kernel feature or program is a skip even in CI: the reason is printed.
skip_feature() {
	echo "SKIP: $*"
	exit 77
}

# The cgroup v2 hierarchy's mount point, empty when there is none.
# The file system type is the field after the "-" that ends the optional fields.
cgroup2_mount() {
	awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
		/proc/self/mountinfo
}

if [ -z "${NSTOPO_SANDBOXED:-}" ]; then
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	command -v unshare >/dev/null || skip "needs unshare (util-linux)"
	command -v ip >/dev/null || skip "needs ip (iproute2)"
	mkdir -p /run/netns /run/nstopo /etc/netns
	export NSTOPO_SANDBOXED=1
	# The sandbox gets a cgroup of its own and a cgroup namespace rooted there, with cgroup2
	# mounted again inside: the nodes' cgroups nstopo makes (nstopo/LAB/NODE) are the test's,
	# and two tests running the same lab at once never meet.
	cg_mnt=$(cgroup2_mount)
	cg_dir=
	cg_home=
	if [ -n "$cg_mnt" ] && mkdir "$cg_mnt/nstopo-test-$$" 2>/dev/null; then
		cg_dir=$cg_mnt/nstopo-test-$$
		cg_home=$cg_mnt$(sed -n 's/^0:://p' /proc/self/cgroup)
		echo $$ >"$cg_dir/cgroup.procs" || cg_dir=
	fi
	export NSTOPO_TEST_CGROUP=${cg_dir:+$cg_mnt}
	unshare --mount --net --pid --fork --mount-proc --propagation private ${cg_dir:+--cgroup} bash -c '
		mount -t tmpfs nstopo-test /run/netns &&
		mount -t tmpfs nstopo-test /run/nstopo &&
		mount -t tmpfs nstopo-test /etc/netns &&
		if [ -n "$NSTOPO_TEST_CGROUP" ]; then
			umount -l "$NSTOPO_TEST_CGROUP" &&
			mount -t cgroup2 nstopo-cgroup "$NSTOPO_TEST_CGROUP"
		fi &&
		exec bash "$0" "$@"' "$0" "$@"
	rc=$?
	if [ -n "$cg_dir" ]; then
		echo $$ >"$cg_home/cgroup.procs" 2>/dev/null || echo $$ >"$cg_mnt/cgroup.procs"
		[ -e "$cg_dir/cgroup.kill" ] && echo 1 >"$cg_dir/cgroup.kill"
		# Leaf first: what the lab left (a failing test) goes with the test's own cgroup.
		for _ in $(seq 100); do
			find "$cg_dir" -depth -type d -exec rmdir {} + 2>/dev/null
			[ -d "$cg_dir" ] || break
			sleep 0.05
		done
	fi
	exit $rc
fi
ip link set lo up
WORK=$(mktemp -d /tmp/nstopo-test.XXXXXX)
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

FAILED=0
PASSED=0

ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
not_ok() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }

# check DESCRIPTION CMD...: passes when CMD exits 0.
check() {
	local what=$1
	shift
	if "$@" >"$WORK/out" 2>&1; then
		ok "$what"
	else
		not_ok "$what (exit $?)"
		sed 's/^/    /' "$WORK/out" | head -20
	fi
}

# expect_rc N DESCRIPTION CMD...: passes when CMD exits N; its output is left in $WORK/out.
expect_rc() {
	local want=$1 what=$2
	shift 2
	"$@" >"$WORK/out" 2>&1
	local rc=$?
	if [ "$rc" = "$want" ]; then
		ok "$what"
	else
		not_ok "$what (exit $rc, expected $want)"
		sed 's/^/    /' "$WORK/out" | head -20
	fi
}

# same DESCRIPTION EXPECTED ACTUAL
same() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "    expected: $2"
		echo "    actual:   $3"
	fi
}

# contains DESCRIPTION NEEDLE FILE
contains() {
	if grep -qF -- "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1 (no '$2')"
		sed 's/^/    /' "$3" | head -20
	fi
}

finish() {
	echo "# $PASSED passed, $FAILED failed"
	[ "$FAILED" = 0 ]
	exit $?
}

# Polls cond (a command) every 10 ms until it holds or ms milliseconds pass.
wait_until() {
	local ms=$1
	shift
	local i
	for ((i = 0; i < ms / 10; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.01
	done
	"$@"
}

no_namespaces() { [ -z "$(ip netns list)" ]; }
# Nothing a lab made is left: no namespace name, no bind mount of one, no host-side end.
nothing_left() {
	no_namespaces && ! grep -q ' /run/netns/' /proc/self/mountinfo &&
		[ -z "$(ip -j link show | jq -r '.[] | select(.ifalias // "" | startswith("nstopo:")) | .ifname')" ]
}

n() { "$NSTOPO" "$@"; }

# as_user CMD...: run as a scratch unprivileged user (no name needed, no groups).
SCRATCH_UID=4242
as_user() { setpriv --reuid=$SCRATCH_UID --regid=$SCRATCH_UID --clear-groups "$@"; }

# scratch_etc: a private copy of /etc laid over /etc in the sandbox, so a test may plant
# symlinks and files there; the machine's own /etc is never changed.
scratch_etc() {
	mkdir -p "$WORK/etc"
	cp -a /etc/. "$WORK/etc/" 2>/dev/null
	mount --bind "$WORK/etc" /etc
}
# in NODE CMD...: run in a node's namespace from outside nstopo (to check what it did).
in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}
