#!/bin/bash
# `make` then `make install PREFIX=/usr` (as distributions do): what is
# installed names the install-time paths, not the build-time default
# /usr/local, and an app builds against the installed library with it.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
passed=0
failed=0
check() {
	if "${@:2}" >"$tmp/out" 2>&1; then
		passed=$((passed + 1)); echo "ok - $1"
	else
		failed=$((failed + 1)); echo "not ok - $1"; sed 's/^/#   /' "$tmp/out"
	fi
}
b=build/install-check
make -s -j2 B=$b >/dev/null
make -s B=$b install PREFIX=/usr DESTDIR="$tmp/root" >/dev/null
pc=$tmp/root/usr/lib/pkgconfig/sippush.pc
check "sippush.pc installed" test -s "$pc"
check "sippush.pc: prefix=/usr" grep -qx "prefix=/usr" "$pc"
check "sippush.pc: libdir=/usr/lib" grep -qx "libdir=/usr/lib" "$pc"
check "sippush.pc: no /usr/local" sh -c "! grep -q /usr/local '$pc'"
make -s B=$b install PREFIX=/opt/sp LIBDIR=/opt/sp/lib64 DESTDIR="$tmp/opt" >/dev/null
check "LIBDIR given at install time: libdir=/opt/sp/lib64" \
	grep -qx "libdir=/opt/sp/lib64" "$tmp/opt/opt/sp/lib64/pkgconfig/sippush.pc"
# an app, built with the installed .pc (sysroot-relocated)
awk '/^```c$/ {on=1; next} /^```$/ {on=0} on' doc/ipc.md >"$tmp/app.c"
check "an app builds with pkg-config --cflags --libs sippush" sh -c "
	cc -std=c11 -D_GNU_SOURCE -o '$tmp/app' '$tmp/app.c' \$(PKG_CONFIG_SYSROOT_DIR='$tmp/root' \
	PKG_CONFIG_LIBDIR='$tmp/root/usr/lib/pkgconfig' pkg-config --cflags --libs --static sippush)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
