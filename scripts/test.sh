#!/bin/sh
# Installs what is missing, builds SocketLab and its tests, and runs every test with ctest.
# Usage: scripts/test.sh [--sanitize | --thread-sanitize]
#   --sanitize         AddressSanitizer + UBSan, in build-asan/
#   --thread-sanitize  ThreadSanitizer, in build-tsan/ (the tests that cannot run under it are
#                      listed below, each with the reason)
# With CI=true (or SOCKETLAB_WERROR=ON) in the environment, the app's warnings are errors
# (CMakeLists.txt, [Warnings]) and capture tests that cannot capture fail instead of skipping.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" --test
build="$root/build"
flags="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOCKETLAB_BUILD_TESTS=ON"
exclude=""
case "${1:-}" in
--sanitize)
    build="$root/build-asan"
    flags="-DCMAKE_BUILD_TYPE=Debug -DSOCKETLAB_SANITIZE=ON -DSOCKETLAB_BUILD_TESTS=ON"
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    ;;
--thread-sanitize)
    build="$root/build-tsan"
    flags="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOCKETLAB_SANITIZE_THREAD=ON -DSOCKETLAB_BUILD_TESTS=ON"
    # Every race is reported (then the test exits 66); second_deadlock_stack: both stacks of a
    # lock-order inversion; tests/tsan.supp: races inside Mesa's renderer (not our code).
    export TSAN_OPTIONS="second_deadlock_stack=1 suppressions=$root/tests/tsan.supp"
    # Every test runs under TSan, the GUI smoke tests and the capture-as-user run included.
    exclude=""
    ;;
"") ;;
*)
    echo "usage: $0 [--sanitize | --thread-sanitize]" >&2
    exit 2
    ;;
esac
if [ "${CI:-}" = "true" ] || [ "${SOCKETLAB_WERROR:-}" = "ON" ]; then
    flags="$flags -DSOCKETLAB_WERROR=ON"
else
    flags="$flags -DSOCKETLAB_WERROR=OFF"
fi
cmake -S "$root" -B "$build" $flags >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
if [ -n "$exclude" ]; then
    ctest --output-on-failure -j"$(nproc)" --timeout 300 -E "$exclude"
else
    ctest --output-on-failure -j"$(nproc)" --timeout 300
fi
