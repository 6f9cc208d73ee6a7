#!/bin/sh
# Installs what is missing, builds SocketLab, and opens it. Extra arguments go to socketlab.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" --target socketlab -j"$(nproc)"
exec "$root/build/socketlab" "$@"
