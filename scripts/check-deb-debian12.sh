#!/bin/bash
# The package on a fresh Debian 12: debootstrap a minimal bookworm into a folder, enter it in a
# mount namespace of its own (pivot_root, not chroot: the kernel refuses user namespaces inside
# a chroot, and the ordinary user's capture needs one), install man-db and Xvfb as a desktop
# would have them, and run scripts/check-deb-install.sh there: apt-get install the .deb, the
# menu data, the window from the menu command, `--run sockets` and packets as an ordinary
# user, `man socketlab`, and apt-get remove leaving nothing. Slow (downloads Debian): not in CI.
# Usage: scripts/check-deb-debian12.sh DEB [FOLDER]   (FOLDER is kept for the next run)
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "run as root (debootstrap)"; exit 2; }
deb=$(realpath "$1")
dir=${2:-/tmp/socketlab-deb12/root}
here=$(cd "$(dirname "$0")" && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap
if [ ! -x "$dir/usr/bin/apt-get" ]; then
    debootstrap --variant=minbase bookworm "$dir" "$mirror"
fi
if [ -e "$dir/usr/bin/socketlab" ] || [ -e "$dir/var/lib/dpkg/info/socketlab.list" ]; then
    echo "$dir already has socketlab installed: not fresh (remove the folder)"
    exit 2
fi
mkdir -p "$dir/check"
cp "$deb" "$here/check-deb-install.sh" "$dir/check/"
cp /etc/resolv.conf "$dir/etc/resolv.conf"

# In a new mount and PID namespace: bind the folder, pivot into it, give it /proc, /dev, /tmp.
unshare --mount --pid --fork --propagation private /bin/bash -euo pipefail -c '
dir=$1; deb=$2
mount --bind "$dir" "$dir"
mount --rbind /dev "$dir/dev"
mount -t tmpfs tmpfs "$dir/tmp"
mount -t sysfs sysfs "$dir/sys"
mkdir -p "$dir/.old"
cd "$dir"
pivot_root . .old
mount -t proc proc /proc
umount -l /.old
rmdir /.old
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q man-db xvfb xauth >/dev/null
echo "== fresh Debian $(cat /etc/debian_version): checking $deb"
/check/check-deb-install.sh "/check/$deb"
' check "$dir" "$(basename "$deb")"
