#!/bin/bash
# Builds the Debian package the way Debian builds packages (dpkg-buildflags: hardening, no
# tests or benchmarks, stripped binaries) with `cpack -G DEB`, then checks it: its file list,
# its declared dependencies (dpkg-shlibdeps plus the fonts and OpenGL), and lintian.
# Usage: scripts/package.sh [--install-check]
#   --install-check  also (as root) apt-get install the .deb on this machine, run it from its
#                    menu entry's command as an ordinary user with packets, apt-get remove it
#                    and check that nothing of it is left.
# Prints the .deb's path last. The build folder is build-deb/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-deb"
"$root/scripts/install-deps.sh" --package

cd "$root"  # -ffile-prefix-map in dpkg-buildflags maps the current folder away
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cppflags=$(dpkg-buildflags --get CPPFLAGS)
CFLAGS="$(dpkg-buildflags --get CFLAGS) $cppflags" \
CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS) $cppflags" \
LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" \
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=None -DSOCKETLAB_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"${JOBS:-$(nproc)}"
rm -f "$build"/socketlab_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/socketlab_*.deb)
status=0
fail() {
    echo "FAIL: $*"
    status=1
}

# 1. The file list: what must be there, and nothing outside the places it belongs.
files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
for f in /usr/bin/socketlab /usr/libexec/socketlab/socketlab-net-helper \
    /usr/share/socketlab/lessons/sockets.md /usr/share/socketlab/lessons/tcp-handshake.md \
    /usr/share/socketlab/assets/icon.png /usr/share/applications/socketlab.desktop \
    /usr/share/man/man1/socketlab.1.gz /usr/share/bash-completion/completions/socketlab \
    /usr/share/doc/socketlab/copyright /usr/share/doc/socketlab/changelog.Debian.gz \
    /usr/share/icons/hicolor/{16x16,22x22,24x24,32x32,48x48,64x64,128x128,256x256}/apps/socketlab.png; do
    grep -qxF "$f" <<<"$files" || fail "the package lacks $f"
done
grep -qE '^/usr/share/metainfo/[a-z0-9.]+\.metainfo\.xml$' <<<"$files" || fail "no AppStream metainfo"
lessons=$(ls "$root"/lessons/*.md | wc -l)
packaged=$(grep -c '^/usr/share/socketlab/lessons/.*\.md$' <<<"$files")
[ "$packaged" -eq "$lessons" ] || fail "$packaged lesson files packaged, $lessons in lessons/"
unexpected=$(grep -vE '^/(usr/?|usr/(bin|libexec|share)/?|usr/bin/socketlab|usr/libexec/socketlab(/socketlab-net-helper)?/?|usr/share/(socketlab|applications|metainfo|doc|doc/socketlab|man|man/man1|bash-completion|bash-completion/completions|icons|icons/hicolor)(/.*)?)$' <<<"$files" || true)
[ -z "$unexpected" ] || fail "unexpected files in the package: $unexpected"
grep -qiE 'test|bench|\.a$|\.h$' <<<"$(grep -v '^/usr/share/socketlab/lessons/' <<<"$files")" &&
    fail "test, benchmark or build files in the package: $(grep -iE 'test|bench|\.a$|\.h$' <<<"$files")"

# 2. The declared dependencies: computed from the binaries, plus the fonts and OpenGL.
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for d in libc6 libstdc++6 libglfw3 libpcap0.8 libmd4c0 fonts-dejavu-core libgl1; do
    tr ',' '\n' <<<"$depends" | awk '{print $1}' | grep -qxF "$d" || fail "Depends lacks $d"
done
grep -qE 'gtest|gmock|benchmark|xvfb|-dev( |,|$)' <<<"$depends" && fail "Depends has build or test tools: $depends"
[ "$(dpkg-deb -f "$deb" Package)" = socketlab ] || fail "the package is not called socketlab"
[ "$(dpkg-deb -f "$deb" Section)" = education ] || fail "the section is not education"

# 3. lintian. Tags that are false alarms for a package built outside the Debian archive:
#    initial-upload-closes-no-bugs (no ITP bug to close).
lintian_out=$(lintian --tag-display-limit 0 --suppress-tags initial-upload-closes-no-bugs \
    "$deb" 2>&1 || true)
if [ -n "$lintian_out" ]; then
    echo "$lintian_out"
    grep -qE '^[EW]: ' <<<"$lintian_out" && fail "lintian reports errors or warnings"
fi

# 4. On this machine, as a user would (root only: it installs and removes a package).
if [ "${1:-}" = "--install-check" ]; then
    "$root/scripts/check-deb-install.sh" "$deb" || fail "the install check failed"
fi

[ "$status" -eq 0 ] || exit "$status"
echo "package ok: $deb"
