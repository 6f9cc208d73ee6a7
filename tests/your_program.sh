#!/bin/sh
# your_program.sh SOCKETLAB OUT_DIR
# The window's "Your program" panel, for real under Xvfb: a lesson whose server listens, and a
# client of the learner's own, run traced (--program FILE --run-program, as the Run button
# does). The client's process gets its own actor column beside the server's (--ui-dump); the
# kept-open server's outside clients make one roster. Exit 77 (skipped) without Xvfb.
set -eu
socketlab=$1 out=$2
if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "xvfb-run not installed: test skipped"
    exit 77
fi
rm -rf "$out" && mkdir -p "$out/lessons"
export XDG_CONFIG_HOME="$out/config" XDG_DATA_HOME="$out/data"
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
cat > "$out/lessons/listening.md" <<'MD'
---
id: listening
title: A server that listens
order: 1
try-server: tcp-echo
---
# A server that listens

```steps
server: socket AF_INET SOCK_STREAM
  caption: A socket.
server: bind 127.0.0.1:0
  caption: An address the kernel chooses.
server: listen 5
  caption: It listens; the learner's client connects.
```
MD
cat > "$out/my_client.py" <<'PY'
import socket, sys
host, port = sys.argv[1].rsplit(':', 1)
s = socket.create_connection((host, int(port)))
s.sendall(b'hello from my client')
s.close()
print('sent')
PY
xvfb-run -a -s "-screen 0 1400x900x24" "$socketlab" --lessons "$out/lessons" --lesson listening \
    --screenshot "$out/your-program.png" --size 1366x768 --ui-dump "$out/dump.json" \
    --program "$out/my_client.py" --run-program
python3 - "$out/dump.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
names = [i["name"] for i in d["items"] if i["name"].startswith("actor:")]
clients = [n for n in names if n.startswith("actor:my_client.py[")]
servers = [n for n in names if n.startswith("actor:server:")]
print("actor columns:", names)
if not clients or not servers:
    print("FAIL: expected the server's column and my_client.py's beside it")
    sys.exit(1)
print("ok")
PY

# Outside clients of the kept-open server: one roster, a line each, not a column each.
cat > "$out/five_clients.py" <<'PY'
import socket, sys
host, port = sys.argv[1].rsplit(':', 1)
for i in range(5):
    s = socket.create_connection((host, int(port)))
    s.sendall(b'client %d\n' % i)
    s.recv(100)
    s.close()
PY
xvfb-run -a -s "-screen 0 2000x1200x24" "$socketlab" --lessons "$out/lessons" --lesson listening \
    --screenshot "$out/roster.png" --size 1920x1080 --ui-dump "$out/roster.json" \
    --program "$out/five_clients.py" --run-program --keep-server-open
python3 - "$out/roster.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
names = [i["name"] for i in d["items"]]
columns = [n for n in names if n.startswith("actor:outside-")]
if "roster:outside:5" not in names or columns:
    print("FAIL: expected a roster of 5 outside clients and no column of their own:", names)
    sys.exit(1)
print("roster ok")
PY
