#!/bin/bash
# Board defconfigs: each board/NAME_defconfig is committed in expanded
# (olddefconfig) form so that OpenWrt, Yocto and bare cross builds can use it
# without Python. This checks, for every board:
#   1. Kconfiglib's olddefconfig regenerates the file byte for byte;
#   2. savedefconfig + olddefconfig gives the same file back (no option
#      depends on the order or on a stale value);
#   3. the board builds, in its own build dir:
#        make B=build/board-NAME KCONFIG_CONFIG=board/NAME_defconfig
# Needs Debian's python3-kconfiglib (in the system python3).
# CHECK_LOG_LEVELS=1 also builds the host board with LOG_LEVEL_MAX 4 and 5.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

# The python3 on PATH may be another one (pyenv) without Kconfiglib.
py=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import kconfiglib' >/dev/null 2>&1; then
		py=$p
		break
	fi
done
[ -n "$py" ] || { echo "check-defconfigs: Kconfiglib not found (apt-get install python3-kconfiglib)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "not ok - $*"; }

boards=$(cd board && ls -- *_defconfig)
for f in $boards; do
	name=${f%_defconfig}

	cp "board/$f" "$tmp/.config"
	KCONFIG_CONFIG=$tmp/.config "$py" -m olddefconfig Kconfig >/dev/null
	if cmp -s "board/$f" "$tmp/.config"; then
		ok "$name: olddefconfig regenerates board/$f unchanged"
	else
		bad "$name: olddefconfig changes board/$f:"
		diff -u "board/$f" "$tmp/.config" | sed 's/^/#   /'
	fi

	KCONFIG_CONFIG=$tmp/.config "$py" -m savedefconfig --kconfig Kconfig \
		--out "$tmp/min" >/dev/null
	cp "$tmp/min" "$tmp/.config"
	KCONFIG_CONFIG=$tmp/.config "$py" -m olddefconfig Kconfig >/dev/null
	if cmp -s "board/$f" "$tmp/.config"; then
		ok "$name: savedefconfig + olddefconfig round trip"
	else
		bad "$name: savedefconfig + olddefconfig round trip differs:"
		diff -u "board/$f" "$tmp/.config" | sed 's/^/#   /'
	fi

	if make -s -j"$(nproc)" B="build/board-$name" KCONFIG_CONFIG="board/$f" \
		>"$tmp/build-$name.log" 2>&1; then
		ok "$name: builds in build/board-$name"
	else
		bad "$name: build failed:"
		tail -n 30 "$tmp/build-$name.log" | sed 's/^/#   /'
	fi
done

# The tiny board's daemon must leave TLS out: siptls_none.c, no OpenSSL.
if [ -f build/board-tiny/obj/src/siptls_none.o ] &&
	! readelf -d build/board-tiny/sippushd | grep -q 'NEEDED.*lib\(ssl\|crypto\)'; then
	ok "tiny: sippushd built with src/siptls_none.c, without OpenSSL"
else
	bad "tiny: expected siptls_none.o and a sippushd without libssl/libcrypto"
	readelf -d build/board-tiny/sippushd | grep NEEDED | sed 's/^/#   /'
fi

# A key whose feature a board leaves out is refused by -t, with the option
# named (the same check refuses it at start).
printf 'sip_aor sip:a@b\nsip_registrar sip:b\n%s\n' "tls_verify no" >"$tmp/tls.conf"
printf 'sip_aor sip:a@b\nsip_registrar sip:b\n%s\n' "msrp_max_size 8" >"$tmp/msrp.conf"
printf 'sip_aor sip:a@b\nsip_registrar sip:b\n%s\n' "msrp_relay msrp://192.0.2.1:2855" >"$tmp/relay.conf"
for c in "tiny tls CONFIG_TLS" "tiny msrp CONFIG_MSRP" "openwrt relay CONFIG_MSRP_RELAY" "host relay -"; do
	read -r b k opt <<<"$c"
	rc=0
	out=$("build/board-$b/sippushd" -t -c "$tmp/$k.conf" 2>&1) || rc=$?
	if [ "$opt" = - ]; then
		if [ "$rc" -eq 0 ]; then ok "$b: -t takes $k keys"; else bad "$b: -t refused $k keys: $out"; fi
	elif [ "$rc" -eq 2 ] && [ "${out#*is not built in ("$opt")}" != "$out" ]; then
		ok "$b: -t refuses $k keys ($opt)"
	else
		bad "$b: -t on $k keys: exit $rc, $out"
	fi
done

# CHECK_LOG_LEVELS=1: also the levels no board uses (Kconfig allows 4..7;
# a log call that compiles away must not leave an empty if/else body or
# an unused variable behind)
if [ "${CHECK_LOG_LEVELS:-0}" = 1 ]; then
	for l in 4 5; do
		sed "s/^CONFIG_LOG_LEVEL_MAX=.*/CONFIG_LOG_LEVEL_MAX=$l/" \
			board/host_defconfig >"$tmp/level$l"
		if make -s -k -j"$(nproc)" B="build/board-level$l" \
			KCONFIG_CONFIG="$tmp/level$l" >"$tmp/build-level$l.log" 2>&1; then
			ok "host board with LOG_LEVEL_MAX=$l builds"
		else
			bad "host board with LOG_LEVEL_MAX=$l:"
			grep -E 'error' "$tmp/build-level$l.log" | sort -u | head -n 20 | sed 's/^/#   /'
		fi
	done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
