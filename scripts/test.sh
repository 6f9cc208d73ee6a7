#!/bin/sh
# Installs what is missing, builds SocketLab and its tests, and runs every test with ctest.
# Usage: scripts/test.sh [--sanitize]   (--sanitize: AddressSanitizer + UBSan, in build-asan/)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" --test
build="$root/build"
flags="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOCKETLAB_BUILD_TESTS=ON"
if [ "${1:-}" = "--sanitize" ]; then
    build="$root/build-asan"
    flags="-DCMAKE_BUILD_TYPE=Debug -DSOCKETLAB_SANITIZE=ON -DSOCKETLAB_BUILD_TESTS=ON"
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fi
cmake -S "$root" -B "$build" $flags >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure -j"$(nproc)" --timeout 300
