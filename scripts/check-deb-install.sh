#!/bin/bash
# Installs a SocketLab .deb with apt-get on this machine, checks it as a user would, removes it
# and checks that nothing of it is left. Needs root (it installs a package).
#   - apt-get install ./socketlab_*.deb pulls in what it needs;
#   - the menu data: the desktop entry (valid, its command on PATH) and the hicolor icon;
#   - `socketlab --list-lessons` and `--run sockets` as an ordinary user (uid 65534), and a
#     lesson's packets captured through the installed helper (when user namespaces work);
#   - the menu entry's command opens the window (under Xvfb, when xvfb-run is installed);
#   - `man socketlab` finds the page and reads it without a warning (when man-db is there);
#   - apt-get remove leaves no file, no folder of its own and no dpkg record behind.
# Usage: scripts/check-deb-install.sh DEB
set -uo pipefail
deb=$(realpath "$1")
[ "$(id -u)" -eq 0 ] || { echo "check-deb-install: run as root"; exit 2; }
status=0
fail() {
    echo "FAIL: $*"
    status=1
}
apt=(env DEBIAN_FRONTEND=noninteractive apt-get -y -o DPkg::Lock::Timeout=600)
if dpkg-query -W -f='${Status}' socketlab 2>/dev/null | grep -q "ok installed"; then
    echo "check-deb-install: socketlab is already installed here; not touching it"
    exit 2
fi

"${apt[@]}" install "$deb" >/tmp/socketlab-apt-install.log 2>&1 ||
    { tail -20 /tmp/socketlab-apt-install.log; echo "FAIL: apt-get install"; exit 1; }
installed_files=$(dpkg -L socketlab)

# The menu data.
desktop=/usr/share/applications/socketlab.desktop
[ -f "$desktop" ] || fail "no $desktop"
command -v desktop-file-validate >/dev/null && { desktop-file-validate "$desktop" || fail "the desktop entry is not valid"; }
exec_cmd=$(sed -n 's/^Exec=//p' "$desktop")
icon=$(sed -n 's/^Icon=//p' "$desktop")
[ -f "/usr/share/icons/hicolor/48x48/apps/$icon.png" ] || fail "no 48x48 icon called $icon"
[ -f "/usr/share/icons/hicolor/256x256/apps/$icon.png" ] || fail "no 256x256 icon called $icon"
[ "$(command -v "${exec_cmd%% *}")" = /usr/bin/socketlab ] || fail "the menu command '$exec_cmd' is not /usr/bin/socketlab"
[ -f /usr/share/man/man1/socketlab.1.gz ] || fail "no manual page installed"
if command -v man >/dev/null; then
    [ "$(man -w socketlab 2>/dev/null)" = /usr/share/man/man1/socketlab.1.gz ] ||
        fail "man socketlab does not find the page"
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings socketlab 2>&1 >/dev/null)
    [ -z "$warnings" ] || fail "man socketlab warns: $warnings"
fi

# As an ordinary user, from a folder of its own.
home=$(mktemp -d /tmp/socketlab-user.XXXXXX)
chown 65534:65534 "$home"
as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all
         env -i PATH=/usr/bin:/bin HOME="$home" LANG=C.UTF-8)
cd "$home"
"${as_user[@]}" socketlab --list-lessons | grep -q "^sockets	" || fail "--list-lessons as a user"
"${as_user[@]}" socketlab --run sockets >"$home/run.log" 2>&1 || { tail -5 "$home/run.log"; fail "--run sockets as a user"; }
if "${as_user[@]}" unshare --user --net --map-root-user true 2>/dev/null; then
    packets=$("${as_user[@]}" socketlab --run tcp-handshake --json 2>/dev/null | grep -c '"kind":"packet"')
    [ "$packets" -ge 3 ] || fail "tcp-handshake as a user captured $packets packets"
    echo "as uid 65534: $packets packets captured through /usr/libexec/socketlab/socketlab-net-helper"
else
    echo "note: user namespaces are disabled here; packets as an ordinary user not checked"
fi
if command -v xvfb-run >/dev/null; then
    "${as_user[@]}" xvfb-run -a -s "-screen 0 1400x900x24" $exec_cmd --screenshot "$home/shot.png" \
        --lesson sockets --size 1200x800 >"$home/gui.log" 2>&1 || { tail -5 "$home/gui.log"; fail "the menu command did not open the window"; }
    [ -s "$home/shot.png" ] || fail "the window saved no screenshot"
else
    echo "note: xvfb-run not installed; the window was not opened"
fi
cd /
rm -rf "$home"

# Remove, and nothing is left.
"${apt[@]}" remove socketlab >/tmp/socketlab-apt-remove.log 2>&1 ||
    { tail -20 /tmp/socketlab-apt-remove.log; fail "apt-get remove"; }
left=""
while IFS= read -r f; do
    [ -z "$f" ] || [ "$f" = /. ] && continue
    if [ -d "$f" ]; then
        # A folder of our own must be gone; shared ones (/usr/share/man/...) stay.
        case $f in */socketlab | */socketlab/*) left="$left $f" ;; esac
    elif [ -e "$f" ] || [ -L "$f" ]; then
        left="$left $f"
    fi
done <<<"$installed_files"
[ -z "$left" ] || fail "left behind after apt-get remove:$left"
if dpkg-query -W -f='${Status}' socketlab 2>/dev/null | grep -qv "not-installed"; then
    fail "dpkg still knows socketlab: $(dpkg-query -W -f='${Status}' socketlab)"
fi
[ "$status" -eq 0 ] && echo "install check ok: installed, ran as a user, removed without a trace"
exit "$status"
