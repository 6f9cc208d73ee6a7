#!/bin/sh
# gui_smoke.sh SOCKETLAB PNG_CHECK LESSONS_DIR LESSON_ID OUT_DIR
# Opens the real window under Xvfb at 1x and 2x text size, runs the lesson to the end,
# saves screenshots and checks they are not blank. Exit 77 (skipped) without Xvfb.
set -eu
socketlab=$1 png_check=$2 lessons=$3 id=$4 out=$5
if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "xvfb-run not installed: GUI smoke test skipped"
    exit 77
fi
mkdir -p "$out"
export XDG_CONFIG_HOME="$out/config" XDG_DATA_HOME="$out/data"
# Mesa's software renderer allocates in ways LeakSanitizer reports as leaks; they are not ours.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
for scale in 1 2; do
    png="$out/$id-${scale}x.png"
    rm -f "$png"
    xvfb-run -a -s "-screen 0 1600x1000x24" \
        "$socketlab" --lessons "$lessons" --screenshot "$png" --lesson "$id" \
        --size 1400x900 --font-scale "$scale"
    "$png_check" "$png" 1400 900
done
