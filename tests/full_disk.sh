#!/bin/bash
# Saving on a full disk (issue 14): the old progress file stays whole, the learner is told "No
# space left on device", and no temporary file is left behind.
#
# Usage: full_disk.sh SOCKETLAB_TESTS
# Runs the FullDisk tests of SOCKETLAB_TESTS on a real 1 MiB tmpfs, mounted in a private mount
# namespace so the host's mounts are never touched: as root, and as uid 65534 (nobody) in a
# user namespace of its own (unshare --user --map-root-user), which needs no privilege. Not root:
# that ordinary-user run only. Exits 77 (skipped, for ctest) when neither can mount here; with
# CI=true, 1.
set -u
tests=$1

skip() {
    if [ "${CI:-}" = "true" ]; then
        echo "FAIL (CI=true, so saving on a full disk must be tested): $*"
        exit 1
    fi
    echo "skipped: $*"
    exit 77
}

command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"

work=$(mktemp -d /tmp/socketlab-full-disk.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
# The build tree may not be readable by the other user (e.g. under /root): run a copy.
cp "$tests" "$work/socketlab_tests" || exit 1
mkdir "$work/disk"
chmod 755 "$work" "$work/socketlab_tests" "$work/disk"

# In the new mount namespace: the tmpfs, then the tests on it. The mount ends with the namespace.
in_tmpfs='mount -t tmpfs -o size=1m socketlab-full-disk "$0" || exit 1
SOCKETLAB_TEST_FULL_DISK_DIR=$0 exec "$1" --gtest_filter="FullDisk.*" --gtest_color=no'

status=0
ran=0
# Runs the tests with the command before it ("$@"), and checks that they ran rather than skipped.
run_tests() {
    local label=$1
    shift
    echo "== $label: the FullDisk tests on a 1 MiB tmpfs"
    "$@" sh -c "$in_tmpfs" "$work/disk" "$work/socketlab_tests" 2>&1 | tee "$work/run.log"
    local rc=${PIPESTATUS[0]}
    ran=$((ran + 1))
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: the FullDisk tests failed $label (exit $rc)"
        status=1
    elif grep -q '^\[  SKIPPED \]' "$work/run.log" || ! grep -q '^\[  PASSED  \] [1-9]' "$work/run.log"; then
        echo "FAIL: the FullDisk tests did not run $label"
        status=1
    fi
}

as_user=()
if [ "$(id -u)" -eq 0 ]; then
    run_tests "as root" unshare --mount --propagation private
    command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all
        env -i PATH=/usr/bin:/bin HOME="$work")
fi
user_ns=(unshare --user --map-root-user --mount --propagation private)
if out=$("${as_user[@]}" "${user_ns[@]}" true 2>&1); then
    run_tests "as uid $("${as_user[@]}" id -u), in a user namespace" "${as_user[@]}" "${user_ns[@]}"
elif [ "$ran" -eq 0 ]; then
    skip "not root, and this user cannot create a user namespace here ($out)"
else
    echo "note: uid 65534 cannot create a user namespace here ($out); tested as root only"
fi

[ "$status" -eq 0 ] && echo "OK: saving on a full disk ($ran runs)"
exit "$status"
