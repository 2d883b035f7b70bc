#!/bin/bash
# Cross builds with Debian's cross toolchains and multiarch -dev packages,
# unit suites under qemu-user, and stripped sizes per architecture and
# board (the table in doc/sizes.md). Run as root on Debian 12 (it adds the
# foreign architectures and installs what is missing).
#
#   tests/ci/cross.sh                      arm64, armhf and mipsel
#   CROSS_ARCHES="arm64" tests/ci/cross.sh
#   SIZES_OUT=doc/sizes.md tests/ci/cross.sh   also update the table there
#
# For arch A with GNU triplet T, each build is
#   make CROSS_COMPILE=T- B=build/cross-A[-BOARD] \
#        PKG_CONFIG="env PKG_CONFIG_LIBDIR=/usr/lib/T/pkgconfig:/usr/share/pkgconfig pkg-config" \
#        KCONFIG_CONFIG=board/BOARD_defconfig
# and each unit suite runs under qemu-user through binfmt_misc (suites
# fork and exec themselves, which only binfmt can follow). A binfmt entry
# or mount made here is removed at the end.
#
# mipsel's libraries come from a sysroot, not from multiarch: Debian 12's
# security archive has no mipsel, so libc6:mipsel and friends lag the
# host's amd64 versions and "Multi-Arch: same" forbids installing them
# side by side. The mipsel .debs are unpacked into
# /var/cache/sippushd-ci/sysroot-mipsel instead (gcc and libc headers come
# from the cross toolchain), and qemu finds the loader there through
# QEMU_LD_PREFIX.
#
# Nothing is skipped quietly: an architecture whose packages cannot be
# installed is a failure, unless the archive itself cannot be reached, and
# then a banner says so. A suite must run more than 0 tests.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
export DEBIAN_FRONTEND=noninteractive
arches=${CROSS_ARCHES:-arm64 armhf mipsel}
cache=${SIPPUSHD_CI_CACHE:-/var/cache/sippushd-ci}
boards="host openwrt yocto tiny"
t0=$(date +%s)

[ "$(id -u)" = 0 ] || { echo "cross.sh: run as root (dpkg --add-architecture, apt-get)" >&2; exit 1; }

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "not ok - $*"; }
log() { echo "# [cross $(date +%T)] $*"; }

triplet() {
	case $1 in
	arm64) echo aarch64-linux-gnu ;;
	armhf) echo arm-linux-gnueabihf ;;
	mipsel) echo mipsel-linux-gnu ;;
	amd64) echo x86_64-linux-gnu ;;
	*) return 1 ;;
	esac
}
qemu_of() {
	case $1 in
	arm64) echo qemu-aarch64-static ;;
	armhf) echo qemu-arm-static ;;
	mipsel) echo qemu-mipsel-static ;;
	esac
}
# what file(1) says about an ELF file of that architecture
elf_of() {
	case $1 in
	arm64) echo aarch64 ;;
	armhf) echo "32-bit.*ARM" ;;
	mipsel) echo "32-bit LSB.*MIPS" ;;
	esac
}
# packages unpacked into the mipsel sysroot (libraries and headers)
sysroot_debs="libc6 libgcc-s1 libatomic1 libre0 libre-dev libssl3 libssl-dev zlib1g libcunit1 libcunit1-dev libexpat1 libexpat1-dev"

banner() {
	echo "#"
	echo "# ################################################################"
	echo "# ## $*"
	echo "# ################################################################"
	echo "#"
}

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
}

# apt_failed LOG: why an apt step failed, in a word: "unreachable" when
# the archive could not be reached or served a broken index (nothing this
# project can fix), "missing" otherwise (a package that is not there).
apt_failed() {
	if grep -qE '^(Err|E|W):.*(Could not resolve|Temporary failure|Could not connect|Connection failed|Failed to fetch|Hash Sum mismatch|File has unexpected size|Unable to connect|timed out)' "$1"; then
		echo unreachable
	else
		echo missing
	fi
}

# setup ARCH: foreign architecture, toolchain, -dev packages, qemu.
# Prints "unreachable" or "missing" and returns non-zero when that fails.
setup() {
	local a=$1 pkgs p missing='' alog
	alog=build/cross-apt-$a.log
	if [ "$a" = mipsel ]; then
		pkgs="crossbuild-essential-$a qemu-user-static"
	else
		pkgs="crossbuild-essential-$a libre-dev:$a libssl-dev:$a libcunit1-dev:$a libexpat1-dev:$a qemu-user-static"
	fi
	for p in $pkgs; do
		installed "$p" || missing="$missing $p"
	done
	: >"$alog"
	if [ -n "$missing" ] || { [ "$a" = mipsel ] && ! sysroot_ok; }; then
		log "$a: installing$missing" >&2
		if ! dpkg --print-foreign-architectures | grep -qx "$a"; then
			dpkg --add-architecture "$a"
		fi
		if ! apt-get update -q >>"$alog" 2>&1 ||
			grep -qE '^(Err|W: Failed to fetch)' "$alog"; then
			apt_failed "$alog"
			return 1
		fi
		# shellcheck disable=SC2086 # a list of names
		if [ -n "$missing" ] &&
			! apt-get install -y -q --no-install-recommends $missing >>"$alog" 2>&1; then
			apt_failed "$alog"
			return 1
		fi
	fi
	if [ "$a" = mipsel ] && ! sysroot_ok; then
		sysroot_make "$a" >>"$alog" 2>&1 || { apt_failed "$alog"; return 1; }
	fi
	return 0
}

sysroot=$cache/sysroot-mipsel
sysroot_ok() {
	[ -s "$sysroot/.debs" ] && [ "$(cat "$sysroot/.debs")" = "$sysroot_debs" ]
}
# sysroot_make ARCH: the target's libraries and headers, unpacked
sysroot_make() {
	local a=$1 d dl names=()
	for d in $sysroot_debs; do
		names+=("$d:$a")
	done
	dl=$(mktemp -d)
	rm -rf "$sysroot"
	mkdir -p "$sysroot"
	(cd "$dl" && apt-get download "${names[@]}") || {
		rm -rf "$dl"
		return 1
	}
	for d in "$dl"/*.deb; do
		dpkg-deb -x "$d" "$sysroot" || { rm -rf "$dl"; return 1; }
	done
	rm -rf "$dl"
	echo "$sysroot_debs" >"$sysroot/.debs"
}

# size FILE STRIP: bytes of FILE after STRIP, printed.
size_of() {
	local tmp
	tmp=$(mktemp)
	cp "$1" "$tmp" && "$2" --strip-unneeded "$tmp" && stat -c %s "$tmp"
	rm -f "$tmp"
}

# binfmt ARCH: make the kernel run ARCH's ELF files with qemu-user
# (Debian's qemu-user-static entry, /usr/lib/binfmt.d/qemu-NAME.conf).
binfmt_mounted=0
binfmt_added=()
binfmt() {
	local name conf
	name=$(qemu_of "$1")
	name=${name%-static}
	conf=/usr/lib/binfmt.d/$name.conf
	[ -r "$conf" ] || return 1
	if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || return 1
		binfmt_mounted=1
	fi
	[ -e "/proc/sys/fs/binfmt_misc/$name" ] && return 0
	cat "$conf" >/proc/sys/fs/binfmt_misc/register 2>/dev/null || return 1
	binfmt_added+=("$name")
}
binfmt_cleanup() {
	local n
	for n in "${binfmt_added[@]}"; do
		echo -1 >"/proc/sys/fs/binfmt_misc/$n" 2>/dev/null
	done
	[ "$binfmt_mounted" = 0 ] || umount /proc/sys/fs/binfmt_misc 2>/dev/null
}
trap binfmt_cleanup EXIT

mkdir -p build
sizes=build/cross-sizes.tsv
: >"$sizes"

# the native build too, for the size table
for a in amd64 $arches; do
	t=$(triplet "$a") || { bad "$a: unknown architecture"; continue; }
	if [ "$a" != amd64 ]; then
		if ! why=$(setup "$a"); then
			grep -E '^(E|Err|W):' "build/cross-apt-$a.log" | head -n 5 | sed 's/^/#   /'
			if [ "$why" = unreachable ]; then
				banner "NOT TESTED: $a -- Debian's archive for $a cannot be reached or serves a broken index (build/cross-apt-$a.log)"
			else
				bad "$a: its cross packages cannot be installed (build/cross-apt-$a.log)"
			fi
			continue
		fi
		if [ "$a" = mipsel ]; then
			mlib=$sysroot/usr/lib/$t
			make_args=(CROSS_COMPILE="$t-"
				PKG_CONFIG="env PKG_CONFIG_SYSROOT_DIR=$sysroot PKG_CONFIG_LIBDIR=$mlib/pkgconfig pkg-config"
				CPPFLAGS="-isystem $sysroot/usr/include/$t -isystem $sysroot/usr/include"
				LDFLAGS="-L$mlib -Wl,-rpath-link,$mlib:$sysroot/lib/$t")
			export QEMU_LD_PREFIX=$sysroot
		else
			# pkg-config reads the target's multiarch .pc files only
			make_args=(CROSS_COMPILE="$t-" PKG_CONFIG="env PKG_CONFIG_LIBDIR=/usr/lib/$t/pkgconfig:/usr/share/pkgconfig pkg-config")
			unset QEMU_LD_PREFIX
		fi
		strip=$t-strip
	else
		make_args=()
		strip="strip"
	fi

	for b in $boards; do
		bdir=build/cross-$a
		[ "$b" = host ] || bdir=build/cross-$a-$b
		if make -s -j"$(nproc)" "${make_args[@]}" B="$bdir" \
			KCONFIG_CONFIG="board/${b}_defconfig" all >"$bdir.log" 2>&1; then
			ok "$a/$b: builds in $bdir"
		else
			bad "$a/$b: build failed"
			tail -n 20 "$bdir.log" | sed 's/^/#   /'
			continue
		fi
		if [ "$a" != amd64 ] && ! file -L "$bdir/sippushd" | grep -q "ELF.*$(elf_of "$a")"; then
			bad "$a/$b: $bdir/sippushd is not a $a binary"
		fi
		printf '%s\t%s\t%s\t%s\t%s\n' "$a" "$b" \
			"$(size_of "$bdir/sippushd" "$strip")" \
			"$(size_of "$bdir/libsippush.so.0" "$strip")" \
			"$(size_of "$bdir/sippush" "$strip")" >>"$sizes"
	done

	[ "$a" != amd64 ] || continue

	# unit suites of the full build, under qemu-user
	bdir=build/cross-$a
	tests=()
	for s in tests/unit/test_*.c; do
		n=$(basename "$s" .c)
		tests+=("$bdir/tests/$n")
	done
	if ! make -s -j"$(nproc)" "${make_args[@]}" B="$bdir" \
		KCONFIG_CONFIG=board/host_defconfig "${tests[@]}" >"$bdir-tests.log" 2>&1; then
		bad "$a: unit suites build"
		tail -n 20 "$bdir-tests.log" | sed 's/^/#   /'
		continue
	fi
	# Suites fork and exec themselves: qemu -L alone cannot follow that
	# (the children spin), so binfmt_misc is a must
	if ! binfmt "$a"; then
		bad "$a: binfmt_misc not available for qemu-user: unit suites not run"
		continue
	fi
	for x in "${tests[@]}"; do
		# CUnit's summary: "tests  TOTAL  RAN  PASSED  FAILED  INACTIVE"
		timeout -k 5 300 "$x" >"$x.log" 2>&1
		rc=$?
		ran=$(awk '$1 == "tests" && NF >= 5 { print $3 }' "$x.log")
		nok=$(awk '$1 == "tests" && NF >= 5 { print $4 }' "$x.log")
		if [ "$rc" = 0 ] && [ "${ran:-0}" -gt 0 ] && [ "$ran" = "$nok" ]; then
			ok "$a: $(basename "$x") under qemu-user via binfmt ($ran tests passed)"
		else
			bad "$a: $(basename "$x") under qemu-user via binfmt (exit $rc, ${ran:-0} run, ${nok:-0} passed)"
			grep -E 'FAILED|no test|^ +[0-9]+\. ' "$x.log" | head -n 20 | sed 's/^/#   /'
		fi
	done
done

# the size table (markdown)
{
	echo "| arch | board | sippushd | libsippush.so.0 | sippush |"
	echo "|---|---|---:|---:|---:|"
	while IFS=$'\t' read -r a b d l c; do
		echo "| $a | $b | $d | $l | $c |"
	done <"$sizes"
} >build/cross-sizes.md
sed 's/^/# /' build/cross-sizes.md
# SIZES_OUT=doc/sizes.md: replace the table between the markers there
if [ -n "${SIZES_OUT:-}" ]; then
	awk -v tbl=build/cross-sizes.md '
		/<!-- sizes:begin -->/ { print; while ((getline l < tbl) > 0) print l; skip = 1; next }
		/<!-- sizes:end -->/ { skip = 0 }
		!skip' "$SIZES_OUT" >"$SIZES_OUT.tmp" && mv "$SIZES_OUT.tmp" "$SIZES_OUT"
fi

echo "# cross.sh: $(($(date +%s) - t0)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
