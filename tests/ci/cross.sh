#!/bin/bash
# Cross builds with Debian's cross toolchains and multiarch -dev packages,
# unit suites under qemu-user, and stripped sizes per architecture and
# board (the table in doc/sizes.md). Run as root on Debian 12 (it adds the
# foreign architectures and installs what is missing).
#
#   tests/ci/cross.sh                      arm64 (+ armhf when installable)
#   CROSS_ARCHES="arm64" tests/ci/cross.sh
#   SIZES_OUT=doc/sizes.md tests/ci/cross.sh   also update the table there
#
# For arch A with GNU triplet T, each build is
#   make CROSS_COMPILE=T- B=build/cross-A[-BOARD] \
#        PKG_CONFIG="env PKG_CONFIG_LIBDIR=/usr/lib/T/pkgconfig:/usr/share/pkgconfig pkg-config" \
#        KCONFIG_CONFIG=board/BOARD_defconfig
# and each unit suite runs under qemu-user through binfmt_misc (suites
# fork and exec themselves, which only binfmt can follow; without it they
# are skipped). A binfmt entry or mount made here is removed at the end.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
export DEBIAN_FRONTEND=noninteractive
arches=${CROSS_ARCHES:-arm64 armhf}
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
	amd64) echo x86_64-linux-gnu ;;
	*) return 1 ;;
	esac
}
qemu_of() {
	case $1 in
	arm64) echo qemu-aarch64-static ;;
	armhf) echo qemu-arm-static ;;
	esac
}

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
}

# setup ARCH: foreign architecture, toolchain, -dev packages, qemu.
# Returns non-zero if the packages cannot be installed (e.g. the mirror's
# index for that architecture is broken): that arch is then skipped.
setup() {
	local a=$1 pkgs p missing=
	pkgs="crossbuild-essential-$a libre-dev:$a libssl-dev:$a libcunit1-dev:$a qemu-user-static"
	for p in $pkgs; do
		installed "$p" || missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	log "$a: installing$missing"
	local added=0
	if ! dpkg --print-foreign-architectures | grep -qx "$a"; then
		dpkg --add-architecture "$a"
		added=1
	fi
	apt-get update -q >"build/cross-apt-$a.log" 2>&1
	# shellcheck disable=SC2086 # a list of names
	if ! apt-get install -y -q --no-install-recommends $missing >>"build/cross-apt-$a.log" 2>&1; then
		grep -E '^(E|Err):' "build/cross-apt-$a.log" | head -n 5 | sed 's/^/#   /'
		# a foreign arch whose index cannot be fetched would make every
		# later apt-get update fail: take it out again
		if [ "$added" = 1 ] && ! dpkg -l | awk '{print $2}' | grep -q ":$a\$"; then
			dpkg --remove-architecture "$a"
		fi
		return 1
	fi
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
		if ! setup "$a"; then
			echo "# SKIP $a: its packages cannot be installed here (see build/cross-apt-$a.log)"
			continue
		fi
		# pkg-config reads the target's multiarch .pc files only
		make_args=(CROSS_COMPILE="$t-" PKG_CONFIG="env PKG_CONFIG_LIBDIR=/usr/lib/$t/pkgconfig:/usr/share/pkgconfig pkg-config")
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
		if [ "$a" != amd64 ] && ! file -L "$bdir/sippushd" | grep -q "ELF.*$(case $a in arm64) echo aarch64 ;; armhf) echo ARM ;; esac)"; then
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
	# (the children spin), so without binfmt_misc they are skipped.
	if ! binfmt "$a"; then
		echo "# SKIP $a unit suites: binfmt_misc not available for qemu-user"
		continue
	fi
	for x in "${tests[@]}"; do
		if timeout -k 5 300 "$x" >"$x.log" 2>&1; then
			ok "$a: $(basename "$x") under qemu-user via binfmt ($(grep -c '\.\.\.passed' "$x.log") tests passed)"
		else
			bad "$a: $(basename "$x") under qemu-user via binfmt"
			grep -E 'FAILED|^ +[0-9]+\. ' "$x.log" | head -n 20 | sed 's/^/#   /'
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
