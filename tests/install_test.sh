#!/bin/bash
# An installed SocketLab is relocatable and finds nothing through the build tree:
# `cmake --install BUILD --prefix TMP/a --strip`, move TMP/a to TMP/b, and the moved
# bin/socketlab lists the lessons, runs one, and (as an ordinary user, when run as root)
# captures its packets through the moved libexec/socketlab/socketlab-net-helper.
# Also: the installed files are where GNUInstallDirs says, the man page and the bash
# completion know every option of `socketlab --help`, and the binaries do not contain the
# source or build folder's path.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR [--no-path-check]
#   --no-path-check: a Debug or sanitizer build, whose binaries name their source files
#   (assert, AddressSanitizer's globals); the path check is for builds that users run.
set -u
build=$(cd "$1" && pwd -P) || exit 1
source=$(cd "$2" && pwd -P) || exit 1
status=0
fail() {
    echo "FAIL: $*"
    status=1
}

work=$(mktemp -d /tmp/socketlab-install.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
cmake --install "$build" --prefix "$work/a" --strip >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; echo "FAIL: cmake --install"; exit 1; }
mv "$work/a" "$work/b"
prefix=$work/b
app=$prefix/bin/socketlab

# 1. Every file where it belongs.
for f in bin/socketlab libexec/socketlab/socketlab-net-helper \
    share/socketlab/lessons/sockets.md share/socketlab/lessons/README.md \
    share/socketlab/assets/icon.png share/applications/socketlab.desktop \
    share/man/man1/socketlab.1.gz share/bash-completion/completions/socketlab \
    share/doc/socketlab/copyright share/doc/socketlab/changelog.Debian.gz; do
    [ -e "$prefix/$f" ] || fail "$f is not installed"
done
ls "$prefix"/share/metainfo/*.metainfo.xml >/dev/null 2>&1 || fail "no AppStream metainfo installed"
for size in 16 22 24 32 48 64 128 256; do
    icon=$prefix/share/icons/hicolor/${size}x${size}/apps/socketlab.png
    if [ ! -f "$icon" ]; then
        fail "no ${size}x${size} icon"
    elif ! file "$icon" | grep -q "PNG image data, $size x $size,"; then
        fail "the ${size}x${size} icon is not $size x $size: $(file -b "$icon")"
    fi
done
[ -x "$app" ] || { echo "FAIL: no executable $app"; exit 1; }

# 2. No compiled-in path of the build or source tree (the stripped binaries; -ffile-prefix-map
#    is not needed because nothing should name those folders).
[ "${3:-}" = --no-path-check ] && echo "note: Debug or sanitizer build: the path check is skipped"
[ "${3:-}" = --no-path-check ] || for bin in "$app" "$prefix/libexec/socketlab/socketlab-net-helper"; do
    for tree in "$(cd "$build" && pwd -P)" "$(cd "$source" && pwd -P)"; do
        if grep -qF "$tree" "$bin"; then
            fail "$bin contains the path $tree: $(strings "$bin" | grep -F "$tree" | head -3)"
        fi
    done
done

# 3. The moved prefix works, from an unrelated working directory, with no hint in the
#    environment.
clean_env=(env -i PATH=/usr/bin:/bin HOME="$work/home" LANG=C.UTF-8)
mkdir -p "$work/home" && chmod 777 "$work/home"
cd /
list=$("${clean_env[@]}" "$app" --list-lessons 2>&1)
rc=$?
if [ "$rc" -ne 0 ]; then
    fail "moved socketlab --list-lessons exited $rc: $list"
else
    count=$(printf '%s\n' "$list" | wc -l)
    expected=$(grep -l '^id:' "$source"/lessons/*.md | grep -vc '/README.md$')
    [ "$count" -eq "$expected" ] || fail "--list-lessons printed $count lessons, expected $expected"
    printf '%s\n' "$list" | grep -q "^sockets	" || fail "--list-lessons does not list sockets"
fi
out=$("${clean_env[@]}" "$app" --run sockets 2>&1)
rc=$?
[ "$rc" -eq 0 ] || fail "moved socketlab --run sockets exited $rc: $(printf '%s\n' "$out" | tail -5)"
printf '%s\n' "$out" | grep -q "every expectation held" || fail "--run sockets: no success line"

# 4. As an ordinary user (root only): packets through the moved helper. The lesson checks its
#    packet expectations, and the JSON shows captured packets.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
    setpriv --reuid=65534 --regid=65534 --clear-groups unshare --user --net --map-root-user true \
        2>/dev/null; then
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
    json=$("${as_user[@]}" "${clean_env[@]}" "$app" --run tcp-handshake --json 2>"$work/user.err")
    rc=$?
    [ "$rc" -eq 0 ] || fail "tcp-handshake as uid 65534 exited $rc: $(tail -5 "$work/user.err")"
    packets=$(printf '%s\n' "$json" | grep -c '"kind":"packet"')
    [ "$packets" -ge 3 ] ||
        fail "tcp-handshake as uid 65534 captured $packets packets (expected the handshake)"
    "${as_user[@]}" "${clean_env[@]}" "$app" --run sockets >/dev/null 2>&1 ||
        fail "--run sockets as uid 65534 failed"
else
    echo "note: not root or no user namespaces: the ordinary-user capture was not checked"
fi

# 5. The man page and the bash completion know every option the program has.
options=$("$app" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
[ -n "$options" ] || fail "no options in --help"
man_text=$(MANWIDTH=200 LC_ALL=C.UTF-8 man -l "$prefix/share/man/man1/socketlab.1.gz" 2>/dev/null)
for o in $options; do
    printf '%s\n' "$man_text" | grep -qF -- "$o" || fail "the man page does not describe $o"
    grep -qE -- "(^|[ '])$o( |'|$)" "$prefix/share/bash-completion/completions/socketlab" ||
        fail "the bash completion does not offer $o"
done
bash -n "$prefix/share/bash-completion/completions/socketlab" || fail "the bash completion is not valid bash"

# 6. The completion works: after --run it offers the installed lessons (from the program
#    itself), after --serve the server kinds. bash-completion's helpers are stubbed.
complete_words() {
    bash -c '
_init_completion() { words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; cur=${words[cword]}; prev=${words[cword-1]}; }
_filedir() { :; }
complete() { :; }
source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
_socketlab "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf "%s\n" "${COMPREPLY[@]}"' _ "$prefix/share/bash-completion/completions/socketlab" "$@"
}
words=$(complete_words "$app" --run "")
grep -qx sockets <<<"$words" && grep -qx tcp-handshake <<<"$words" ||
    fail "completing --run does not offer the lessons: $words"
[ "$(complete_words "$app" --serve "tcp")" = tcp-echo ] || fail "completing --serve tcp"
[ "$(complete_words "$app" --allow-rem)" = --allow-remote ] || fail "completing --allow-rem"

[ "$status" -eq 0 ] && echo "ok: installed, moved, and it works from $prefix"
exit "$status"
