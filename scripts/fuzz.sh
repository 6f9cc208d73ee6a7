#!/bin/sh
# Fuzzes the packet decoder (app/capture/packet_decode.cpp) and the lesson parser
# (app/lesson/lesson_parser.h) with libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer,
# SECONDS in all (default 60), shared equally between the two targets. Exits non-zero if a
# fuzzer finds a crash, an out-of-bounds read, undefined behaviour, a hang or a broken
# invariant; the input that did it is saved in build-fuzz/crashes/ (replay:
# build-fuzz/packet_decode_fuzz FILE or build-fuzz/lesson_parse_fuzz FILE).
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
cmake --build "$build" --target packet_decode_fuzz lesson_parse_fuzz -j "${JOBS:-$(nproc)}"

# Each target its share of the time (CI gives 60 s in all).
share=$((seconds / 2))
[ "$share" -ge 1 ] || share=1

# The corpora persist between runs (the fuzzer adds what it finds); seeds are rewritten or
# read each time.
mkdir -p "$build/corpus" "$build/corpus-lessons" "$build/crashes"
"$build/packet_decode_fuzz" --write-seeds "$build/corpus"
"$build/packet_decode_fuzz" -max_total_time="$share" -print_final_stats=1 \
    -artifact_prefix="$build/crashes/" "$build/corpus"
echo "fuzz: packet_decode_fuzz: no crash in ${share}s"

# Seeds: the course's lessons, a second corpus folder that libFuzzer only reads. Inputs up to
# 32 KiB (the longest lesson is about 24 KiB); a parse over 10 s is a hang.
"$build/lesson_parse_fuzz" -max_total_time="$share" -print_final_stats=1 -max_len=32768 \
    -timeout=10 -artifact_prefix="$build/crashes/" "$build/corpus-lessons" "$root/lessons"
echo "fuzz: lesson_parse_fuzz: no crash in ${share}s"
