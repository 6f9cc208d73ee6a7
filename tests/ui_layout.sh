#!/bin/sh
# ui_layout.sh SOCKETLAB LESSONS_DIR OUT_DIR
# The window at 1366x768 and 1920x1080, at 1x, 2x and 3x text, drawn for real under Xvfb:
# where the toolbar's buttons and the actor columns landed (--ui-dump) must hold up. Every
# toolbar button lies whole inside the window; the acting actor's column is shown in full and
# some of it is in view; with more actors than fit, the others are folded; in presenter mode
# at 3x the step and the acting column are both on screen. Exit 77 (skipped) without Xvfb.
set -eu
socketlab=$1 lessons=$2 out=$3
if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "xvfb-run not installed: layout test skipped"
    exit 77
fi
mkdir -p "$out"
export XDG_CONFIG_HOME="$out/config" XDG_DATA_HOME="$out/data"
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
status=0

# check DUMP WHAT [folded] [presenter]
check() {
    python3 - "$@" <<'PY' || status=1
import json, sys
path, what = sys.argv[1], sys.argv[2]
want_folded = "folded" in sys.argv[3:]
presenter = "presenter" in sys.argv[3:]
d = json.load(open(path))
W, H = d["width"], d["height"]
problems = []
def whole(item):
    r, s = item["rect"], item["shown"]
    inside = r[0] >= 0 and r[1] >= 0 and r[2] <= W and r[3] <= H
    return inside and all(abs(a - b) < 1.0 for a, b in zip(r, s))
def area(item):
    s = item["shown"]
    return max(0, s[2] - s[0]) * max(0, s[3] - s[1])
items = d["items"]
toolbar = [i for i in items if i["name"].startswith("toolbar:")]
if not presenter and len(toolbar) < 5:
    problems.append("only %d toolbar items were drawn" % len(toolbar))
for i in toolbar:
    if not whole(i):
        problems.append("%s is cut or outside the window: %s shown %s" % (i["name"], i["rect"], i["shown"]))
acting = [i for i in items if i["name"].startswith("actor:") and i["name"].endswith(":acting")]
if len(acting) != 1:
    problems.append("%d acting actor columns" % len(acting))
else:
    a = acting[0]
    if ":full" not in a["name"]:
        problems.append("the acting actor is folded: " + a["name"])
    if area(a) < (d["text_scale"] * 13) ** 2 * 20:
        problems.append("the acting actor's column is out of view: %s shown %s" % (a["rect"], a["shown"]))
if want_folded and not any(i["name"].endswith(":folded") for i in items):
    problems.append("more actors than fit, but none is folded")
if presenter:
    step = [i for i in items if i["name"] == "presenter:step"]
    if not step or not whole(step[0]):
        problems.append("presenter mode's 'Step N of M' is not whole on screen")
for p in problems:
    print("FAIL %s: %s" % (what, p))
print("%s: %s" % (what, "ok" if not problems else "%d problem(s)" % len(problems)))
sys.exit(1 if problems else 0)
PY
}

# shot NAME LESSON SIZE SCALE [extra socketlab args]
shot() {
    name=$1 lesson=$2 size=$3 scale=$4
    shift 4
    rm -f "$out/$name.json"
    xvfb-run -a -s "-screen 0 2000x1200x24" \
        "$socketlab" --lessons "$lessons" --screenshot "$out/$name.png" --ui-dump "$out/$name.json" \
        --lesson "$lesson" --size "$size" --font-scale "$scale" "$@" >/dev/null
}

for size in 1366x768 1920x1080; do
    for scale in 1 2 3; do
        shot "tcp-echo-$size-${scale}x" tcp-echo "$size" "$scale"
        check "$out/tcp-echo-$size-${scale}x.json" "tcp-echo at $size ${scale}x"
    done
done
shot many-clients-1366x768-1x many-clients 1366x768 1
check "$out/many-clients-1366x768-1x.json" "many-clients at 1366x768 1x" folded
for size in 1366x768 1920x1080; do
    shot "presenter-$size-3x" tcp-echo "$size" 3 --presenter
    check "$out/presenter-$size-3x.json" "presenter mode at $size 3x" presenter
done
exit $status
