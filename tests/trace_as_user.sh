#!/bin/bash
# The tracer as an ordinary user: ptrace of its own child, pidfd_getfd for the socket directory,
# no CAP_NET_BIND_SERVICE (a bind of port 60 fails EACCES), and the program inside the lesson's
# private user + network namespace (socketlab-net-helper's).
#
# Usage: trace_as_user.sh SOCKETLAB_TESTS NET_HELPER FIXTURE_DIR
# Runs the Trace* tests of SOCKETLAB_TESTS as uid 65534 (nobody) with no capabilities. Needs
# root to become that user: exits 77 (skipped, for ctest) otherwise; with CI=true, exits 1.
set -u
tests=$1
helper=$2
fixtures=$3

skip() {
    if [ "${CI:-}" = "true" ]; then
        echo "FAIL (CI=true, so the tracer must be tested as an ordinary user): $*"
        exit 1
    fi
    echo "skipped: $*"
    exit 77
}

[ "$(id -u)" -eq 0 ] || skip "run as root to test the tracer as an ordinary user"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"

uid=65534
as_user=(setpriv --reuid="$uid" --regid="$uid" --clear-groups --inh-caps=-all --bounding-set=-all)

# The build tree may not be readable by that user (e.g. under /root): run copies.
work=$(mktemp -d /tmp/socketlab-trace-as-user.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/fixtures" &&
    cp "$tests" "$work/socketlab_tests" && cp "$helper" "$work/socketlab-net-helper" &&
    cp "$fixtures"/* "$work/fixtures/" || exit 1
chmod -R a+rX "$work"

# Without user namespaces the namespace test skips (or fails with CI=true, as it should).
"${as_user[@]}" env -i PATH=/usr/bin:/bin HOME="$work" \
    SOCKETLAB_NET_HELPER="$work/socketlab-net-helper" SOCKETLAB_TRACE_FIXTURES="$work/fixtures" \
    ${CI:+CI="$CI"} "$work/socketlab_tests" --gtest_filter='Trace*' --gtest_color=no
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "FAIL: the Trace tests failed as uid $uid (exit $rc)"
    exit 1
fi
echo "OK: the tracer as an ordinary user"
