#!/bin/bash
# The tracer as an ordinary user: ptrace of its own child, pidfd_getfd for the socket directory,
# no CAP_NET_BIND_SERVICE (a bind of port 60 fails EACCES), and the program inside the lesson's
# private user + network namespace (socketlab-net-helper's).
#
# Usage: trace_as_user.sh SOCKETLAB_TESTS NET_HELPER FIXTURE_DIR [SOCKETLAB LESSONS_DIR]
# Runs the Trace* and ProgramStep* tests of SOCKETLAB_TESTS as uid 65534 (nobody) with no
# capabilities; with SOCKETLAB: also urllib traced against `socketlab --serve http`, and the
# lessons that run programs (in the lesson's private namespace, where port 60 is EACCES). Needs
# root to become that user: exits 77 (skipped, for ctest) otherwise; with CI=true, exits 1.
set -u
tests=$1
helper=$2
fixtures=$3
socketlab=${4:-}
lessons=${5:-}

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
    ${CI:+CI="$CI"} "$work/socketlab_tests" --gtest_filter='Trace*:ProgramStep*' --gtest_color=no
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "FAIL: the Trace tests failed as uid $uid (exit $rc)"
    exit 1
fi
[ -n "$socketlab" ] || { echo "OK: the tracer as an ordinary user"; exit 0; }

cp "$socketlab" "$work/socketlab" && cp -r "$lessons" "$work/lessons" && chmod -R a+rX "$work" ||
    exit 1
run_user() {
    "${as_user[@]}" env -i PATH=/usr/bin:/bin HOME="$work" \
        SOCKETLAB_NET_HELPER="$work/socketlab-net-helper" ${CI:+CI="$CI"} "$@"
}
# urllib, traced, against SocketLab's own HTTP server: socket, connect, the GET, the answer.
run_user "$work/socketlab" --serve http >"$work/serve.out" 2>&1 &
server=$!
port=""
for _ in $(seq 100); do  # waits for the server's first line, at most 10 s
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/serve.out")
    [ -n "$port" ] && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$port" ]; then
    kill "$server" 2>/dev/null
    echo "FAIL: socketlab --serve http did not start: $(cat "$work/serve.out")"
    exit 1
fi
run_user "$work/socketlab" --trace --json -- /usr/bin/python3 -c \
    "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/').status)" \
    >"$work/trace.json"
rc=$?
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
/usr/bin/python3 - "$work/trace.json" "$port" <<'PY' || exit 1
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
calls = [e for e in events if e.get("kind") == "call"]
def sent(prefix):
    return any(bytes.fromhex(e.get("bytes_hex", "")).startswith(prefix) and e.get("direction") == "sent" for e in calls)
def received(prefix):
    return any(bytes.fromhex(e.get("bytes_hex", "")).startswith(prefix) and e.get("direction") == "received" for e in calls)
problems = []
if not any(e["call"] == "socket" for e in calls): problems.append("no socket call")
if not any(e["call"] == "connect" and e.get("ret") == 0 and e.get("args", "").endswith(":" + sys.argv[2]) for e in calls):
    problems.append("no connect to the server")
if not sent(b"GET / HTTP/1.1\r\n"): problems.append("no GET request sent")
if not received(b"HTTP/1.1 200 OK\r\n"): problems.append("no response received")
for p in problems: print("FAIL (urllib traced as an ordinary user):", p)
sys.exit(1 if problems else 0)
PY
[ "$rc" -eq 0 ] || { echo "FAIL: the traced urllib program exited $rc"; exit 1; }
echo "OK: urllib traced as an ordinary user against socketlab --serve http"

for lesson in the-tutorial-program python-high-level; do
    run_user "$work/socketlab" --lessons "$work/lessons" --run "$lesson" --allow-programs \
        ${CI:+--require-capture} >"$work/$lesson.out" 2>&1 ||
        { cat "$work/$lesson.out" | tail -20; echo "FAIL: $lesson as uid $uid"; exit 1; }
    tail -1 "$work/$lesson.out"
done
echo "OK: the tracer as an ordinary user"
