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
exec ctest --output-on-failure -j"$(nproc)" "$@"
