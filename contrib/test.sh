#!/bin/sh
# Builds nstopo with warnings as errors and runs the whole test suite (unit and integration).
# Integration tests need root; each runs in its own throwaway namespaces (tests/README.md).
# usage: contrib/test.sh [extra ctest arguments]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${NSTOPO_BUILD_DIR:-$top/build}
cmake -S "$top" -B "$build" -DNSTOPO_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
# Most tests wait (routing timers, convergence, links coming up) more than they compute: twice
# as many as there are CPUs keep them busy (the neighbour-table test runs alone: RUN_SERIAL).
exec ctest --output-on-failure -j"$(( $(nproc) * 2 ))" "$@"
