#!/bin/sh
# Builds nstopo with AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer (in
# build-sanitize/, warnings as errors) and runs the whole test suite under them. Any finding in
# any process fails the run: nstopo exits 99 at the first one (tests that check exit codes see
# it), and every report is also kept in a file and printed at the end, so a finding in a process
# whose exit status no test looks at is not lost.
# usage: contrib/test-sanitize.sh [extra ctest arguments]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${NSTOPO_SANITIZE_BUILD_DIR:-$top/build-sanitize}
cmake -S "$top" -B "$build" -DNSTOPO_SANITIZE=ON -DNSTOPO_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"

# One report file per process (NAME.EXE.PID). Tests run nstopo as a scratch user too: anyone
# may write here. Two sandboxes' processes may share a pid and so a file name: one report may
# then replace the other, but a file remains, and the run fails all the same.
logs=$build/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"
chmod 1777 "$logs"

# LeakSanitizer stops the world with ptrace, which it cannot do in a process already traced: it
# dies with "LeakSanitizer has encountered a fatal error". Under strace (the fault-injection and
# descriptor-audit tests) leak detection is therefore off; AddressSanitizer and UBSan stay on,
# and the number of such runs is printed at the end.
wrap=$build/sanitize-bin
rm -rf "$wrap"
if real_strace=$(command -v strace); then
	mkdir -p "$wrap"
	cat >"$wrap/strace" <<EOF
#!/bin/sh
# Written by contrib/test-sanitize.sh: leak detection off in the traced process (see there).
echo "\$*" >>"$logs/traced-runs" 2>/dev/null || true
ASAN_OPTIONS="\${ASAN_OPTIONS:-}:detect_leaks=0" exec "$real_strace" "\$@"
EOF
	chmod 755 "$wrap/strace"
	PATH=$wrap:$PATH
	export PATH
fi

# The vm tests (tests/vm/run) see the machine read-only: the log directory is shared writable.
NSTOPO_VM_WRITABLE=$logs
export NSTOPO_VM_WRITABLE
# exitcode 99 is no code of nstopo's (0-3, 125-127) nor of a test's (0, 1, 77).
ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:exitcode=99:log_path=$logs/asan:log_exe_name=1"
LSAN_OPTIONS="suppressions=$top/contrib/lsan.supp:print_suppressions=0"
UBSAN_OPTIONS="halt_on_error=1:abort_on_error=0:print_stacktrace=1:exitcode=99:log_path=$logs/ubsan:log_exe_name=1"
export ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS

rc=0
(cd "$build" && ctest --output-on-failure -j"$(( $(nproc) * 2 ))" "$@") || rc=$?

found=$(find "$logs" -type f \( -name 'asan.*' -o -name 'ubsan.*' \) | sort)
if [ -n "$found" ]; then
	echo
	echo "sanitizer findings ($(echo "$found" | wc -l) report(s)):"
	for f in $found; do
		echo "==== $f"
		cat "$f"
	done
	echo "hint: a leak stack that stops in a library (libnl, libnftnl) built without frame pointers"
	echo "      is whole with ASAN_OPTIONS=...:fast_unwind_on_malloc=0 (slower: timing checks may fail)"
	rc=1
else
	echo "sanitizers: no finding"
fi
if [ -f "$logs/traced-runs" ]; then
	echo "note: $(wc -l <"$logs/traced-runs") run(s) under strace had leak detection off" \
		"(LeakSanitizer cannot work in a traced process); AddressSanitizer and UBSan were on"
fi
exit $rc
