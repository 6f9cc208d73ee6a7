#!/bin/sh
# Installs the Debian 12 packages SocketLab needs, if any are missing.
# Usage: scripts/install-deps.sh [--test]   (--test adds what the tests need: Xvfb)
set -eu
packages="build-essential cmake pkg-config python3-glad libimgui-dev libglfw3-dev libmd4c-dev
  nlohmann-json3-dev libstb-dev libcli11-dev libgtest-dev libpcap-dev libbenchmark-dev libfontconfig-dev fonts-dejavu-core
  libgl1-mesa-dri libglx-mesa0"
if [ "${1:-}" = "--test" ]; then
    packages="$packages xvfb xauth"
fi
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "Installing:$missing"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y $missing
