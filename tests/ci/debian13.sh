#!/bin/bash
# Build and unit-test sippushd against libre 2.0.1: Debian 13 (trixie) in a
# debootstrap chroot from deb.debian.org. The chroot, with the build
# dependencies installed, is cached as build/cache/trixie-HASH.tar, HASH
# from the package list (first run 1 to 5 min, by the mirror's speed;
# then 15 s to 1 min for the build and the unit suites).
# Runs as root (debootstrap, chroot, mount).
#
#   tests/ci/debian13.sh            build + unit suites in trixie
#   TRIXIE_MIRROR=URL tests/ci/debian13.sh
#   TRIXIE_KEEP=1 tests/ci/debian13.sh   keep the chroot for a look
#   TRIXIE_CACHE_DIR=DIR tests/ci/debian13.sh   cache elsewhere than build/cache
#
# Every libre version difference lives in src/compat.[ch]; this is the
# check that they compile and pass there.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
mirror=${TRIXIE_MIRROR:-http://deb.debian.org/debian}
pkgs="build-essential pkg-config libre-dev libssl-dev libexpat1-dev libcunit1-dev iproute2"
# CI clones afresh each run: TRIXIE_CACHE_DIR=/var/cache/... keeps the
# chroot between runs on the same machine
cache_dir=${TRIXIE_CACHE_DIR:-$top/build/cache}
# the cache name carries the package list: a new list makes a new cache
cache=$cache_dir/trixie-$(echo "$pkgs" | md5sum | cut -c1-8).tar
root=

[ "$(id -u)" = 0 ] || { echo "debian13.sh: run as root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || {
	echo "debian13.sh: installing debootstrap"
	# a foreign architecture's index (cross.sh adds armhf, mipsel) may be
	# mid-sync on the mirror: apt-get update then exits 100 although the
	# amd64 index it needs is fine, so its error is reported, not fatal;
	# the install below fails loudly if debootstrap really cannot be had
	apt-get update -q >/dev/null ||
		echo "debian13.sh: apt-get update reported errors (above); installing anyway" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
}

log() { echo "# [debian13 $(date +%T)] $*"; }

cleanup() {
	local rc=$?
	[ -n "$root" ] || exit "$rc"
	for m in "$root/proc" "$root/dev/pts" "$root/dev"; do
		mountpoint -q "$m" && umount -l "$m"
	done
	if [ "${TRIXIE_KEEP:-0}" = 1 ]; then
		echo "# chroot kept: $root"
	else
		rm -rf --one-file-system -- "$root"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

root=$(mktemp -d /tmp/sippush-trixie.XXXXXX)
chroot_run() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

mount_fs() {
	mount --bind /dev "$root/dev"
	mount --bind /dev/pts "$root/dev/pts"
	mount -t proc proc "$root/proc"
}

if [ -s "$cache" ]; then
	log "using cached chroot $cache"
	tar -C "$root" -xf "$cache"
	mount_fs
else
	log "debootstrap trixie from $mirror (not cached yet)"
	debootstrap --variant=minbase trixie "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
		tail -n 30 "$root.debootstrap.log" >&2
		rm -f "$root.debootstrap.log"
		exit 1
	}
	rm -f "$root.debootstrap.log"
	mount_fs
	log "installing $pkgs"
	# shellcheck disable=SC2086 # word splitting of the list is wanted
	chroot_run apt-get -o APT::Sandbox::User=root install -y -q --no-install-recommends $pkgs >/dev/null
	chroot_run apt-get clean
	umount "$root/proc" "$root/dev/pts" "$root/dev"
	mkdir -p "$cache_dir"
	tar -C "$root" -cf "$cache.tmp" . && mv "$cache.tmp" "$cache"
	log "cached as $cache ($(du -h "$cache" | cut -f1))"
	mount_fs
fi

log "libre in the chroot: $(chroot_run pkg-config --modversion libre)," \
	"gcc $(chroot_run gcc -dumpversion)"

# The working tree as it is (with uncommitted changes), without build
# output, git data or a developer's .config.
mkdir -p "$root/src/sippushd"
tar -C "$top" --exclude=./build --exclude=./.git --exclude=./.config \
	--exclude=./.config.old -cf - . | tar -C "$root/src/sippushd" -xf -

log "make && make unit (host_defconfig), then the tiny board"
chroot_run sh -c 'cd /src/sippushd && make -s -j2 && make -s unit' 2>&1
chroot_run sh -c 'cd /src/sippushd && make -s -j2 B=build/tiny KCONFIG_CONFIG=board/tiny_defconfig' >/dev/null
log "libre $(chroot_run pkg-config --modversion libre): build and unit suites passed"
