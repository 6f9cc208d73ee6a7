#!/bin/sh
# Fuzzes the packet decoder (app/capture/packet_decode.cpp) with libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer for SECONDS (default 60). Exits non-zero if the fuzzer finds a crash,
# an out-of-bounds read, undefined behaviour or a broken invariant; the input that did it is
# saved in build-fuzz/crashes/ (replay: build-fuzz/packet_decode_fuzz FILE).
# Usage: scripts/fuzz.sh [SECONDS]
set -eu
seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"

# clang and its runtime libraries (libFuzzer, sanitizers); installed only when missing.
packages="clang libclang-rt-14-dev cmake make nlohmann-json3-dev"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "Installing:$missing"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y $missing
fi

# A project of its own (fuzz/CMakeLists.txt): needs neither ImGui nor libpcap.
CC=clang CXX=clang++ cmake -S "$root/fuzz" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" --target packet_decode_fuzz -j "${JOBS:-$(nproc)}"

# The corpus persists between runs (the fuzzer adds what it finds); seeds are rewritten each time.
mkdir -p "$build/corpus" "$build/crashes"
"$build/packet_decode_fuzz" --write-seeds "$build/corpus"
"$build/packet_decode_fuzz" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$build/crashes/" "$build/corpus"
echo "fuzz: no crash in ${seconds}s"
