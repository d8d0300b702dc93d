#!/bin/bash
# The runner itself, on the host: COMMAND's output and exit status come out of the guest, a
# skip (77) inside stays a skip, and the guest sees the caller's working directory and
# environment. Skips when the VM cannot start (the runner says why).
set -u
run=$(dirname "$0")/run
FAILED=0
ok() { echo "ok - $*"; }
not_ok() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT

export NSTOPO_VM_SELFTEST="a b  'c'"
cd "$(dirname "$0")" || exit 1
"$run" -- sh -c 'echo "out $(pwd) $NSTOPO_VM_SELFTEST"; echo err >&2; uname -r; exit 3' >"$out" 2>&1
rc=$?
if [ "$rc" = 77 ]; then
	cat "$out"
	exit 77
fi
[ "$rc" = 3 ] && ok "a failing command's status comes out" || not_ok "a failing command's status comes out (exit $rc, expected 3)"
grep -qxF "out $PWD $NSTOPO_VM_SELFTEST" "$out" && ok "stdout, in the caller's directory and environment" ||
	not_ok "stdout, in the caller's directory and environment"
grep -qx err "$out" && ok "stderr" || not_ok "stderr"
[ "$(sed -n 3p "$out")" != "$(uname -r)" ] && ok "the guest runs its own kernel" || not_ok "the guest runs its own kernel"
[ "$FAILED" = 0 ] || sed 's/^/    /' "$out"

"$run" sh -c 'echo skipping; exit 77' >"$out" 2>&1
rc=$?
[ "$rc" = 77 ] && grep -qx skipping "$out" && ok "a skip (77) inside comes out as 77" ||
	not_ok "a skip (77) inside comes out as 77 (exit $rc)"

"$run" >"$out" 2>&1
rc=$?
[ "$rc" = 2 ] && ok "no command: a usage error" || not_ok "no command: a usage error (exit $rc)"
[ "$FAILED" = 0 ]
