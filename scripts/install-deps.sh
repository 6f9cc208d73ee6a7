#!/bin/sh
# Installs the Debian 12 packages SocketLab needs, if any are missing.
# Usage: scripts/install-deps.sh [--test] [--package]
#   (none)     what building and running SocketLab needs (scripts/run.sh)
#   --test     also what the tests need: GoogleTest, Google Benchmark, Xvfb, and the tools that
#              validate the menu entry, the AppStream metainfo and the man page
#   --package  also what building and checking the .deb needs (scripts/package.sh)
set -eu
packages="build-essential cmake pkg-config python3-glad libimgui-dev libglfw3-dev libmd4c-dev
  nlohmann-json3-dev libstb-dev libcli11-dev libpcap-dev libmnl-dev libfontconfig-dev fonts-dejavu-core
  libgl1-mesa-dri libglx-mesa0"
for arg in "$@"; do
    case $arg in
        --test) packages="$packages libgtest-dev libbenchmark-dev xvfb xauth
                  desktop-file-utils appstream man-db file util-linux strace" ;;
        --package) packages="$packages dpkg-dev file lintian" ;;
        *) echo "usage: $0 [--test] [--package]" >&2; exit 2 ;;
    esac
done
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "Installing:$missing"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y $missing
