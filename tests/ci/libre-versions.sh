#!/bin/bash
# Build sippushd against each libre version beside Debian 12's 1.1.0 and
# run its unit suites and the integration tests (Kamailio, sipp) with it.
# Each libre is built once into /var/cache/sippushd-ci by tests/ci/libre.sh;
# sippushd for version V goes to build/libre-V with an rpath to it.
#
#   tests/ci/libre-versions.sh                    2.0.1 3.16.0 4.10.0
#   LIBRE_VERSIONS="4.10.0" tests/ci/libre-versions.sh
#   LIBRE_UNIT_ONLY=1 tests/ci/libre-versions.sh  skip the integration tests
#   LIBRE_FULL="2.0.1 3.16.0 4.10.0" tests/ci/libre-versions.sh  every test
#
# Every version runs every unit suite. The integration tests all run on
# LIBRE_FULL (default 3.16.0: what OpenWrt 25.12 and master ship, the next
# firmware); the other versions run LIBRE_IT_SUBSET, the tests that reach
# each libre difference in src/compat.c (SIP transports and TLS, INVITE
# sessions, MSRP's TCP reader, fd_listen users, the resolver). All of them
# everywhere cost ~530 s per version, which CI's 45-minute budget has not.
#
# Prints one "ok"/"not ok" line per step with its time, and a closing
# "N passed, N failed" line.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
versions=${LIBRE_VERSIONS:-2.0.1 3.16.0 4.10.0}
full=${LIBRE_FULL:-3.16.0}
subset=${LIBRE_IT_SUBSET:-test_message test_msrp test_msrps test_msrp_relay \
test_register test_outbound test_dns6 test_coretrust test_integrity}
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "not ok - $*"; }
log() { echo "# [libre-versions $(date +%T)] $*"; }
t00=$(date +%s)

for v in $versions; do
	t0=$(date +%s)
	if ! prefix=$(bash tests/ci/libre.sh "$v" | tail -n 1) || [ ! -d "$prefix" ]; then
		bad "libre $v: cannot be built (tests/ci/libre.sh $v)"
		continue
	fi
	ok "libre $v in $prefix ($(($(date +%s) - t0)) s)"

	b=build/libre-$v
	export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
	mk=(B="$b" LDFLAGS="-Wl,-rpath,$prefix/lib")
	got=$(pkg-config --modversion libre)
	if [ "$got" != "$v" ]; then
		bad "libre $v: pkg-config finds $got"
		continue
	fi

	t0=$(date +%s)
	if ! make -s -j2 "${mk[@]}" all >"$b.log" 2>&1; then
		bad "libre $v: build"
		tail -n 30 "$b.log" | sed 's/^/#   /'
		continue
	fi
	# the daemon really runs on this libre, not on Debian's
	if ! ldd "$b/sippushd" | grep -q "$prefix/lib/libre"; then
		bad "libre $v: $b/sippushd does not load $prefix/lib/libre*"
		ldd "$b/sippushd" | sed 's/^/#   /'
		continue
	fi
	ok "libre $v: builds in $b ($(($(date +%s) - t0)) s)"

	t0=$(date +%s)
	if make -s "${mk[@]}" unit >"$b-unit.log" 2>&1; then
		ok "libre $v: unit suites ($(grep -c 'test(s) run' "$b-unit.log") suites," \
			"$(awk '/test\(s\) run/ { n += $2 } END { print n + 0 }' "$b-unit.log") tests," \
			"$(($(date +%s) - t0)) s)"
	else
		bad "libre $v: unit suites"
		grep -E 'FAILED|no test|^ +[0-9]+\. ' "$b-unit.log" | head -n 20 | sed 's/^/#   /'
	fi

	[ "${LIBRE_UNIT_ONLY:-0}" = 1 ] && continue

	t0=$(date +%s)
	what=integration
	case " $full " in
	*" $v "*) unset IT_ONLY ;;
	*) export IT_ONLY=$subset; what="integration subset ($(echo "$subset" | wc -w) scripts)" ;;
	esac
	if make -s "${mk[@]}" integration >"$b-integration.log" 2>&1; then
		ok "libre $v: $what, $(grep -E '^integration: ' "$b-integration.log" | tail -n 1) ($(($(date +%s) - t0)) s)"
	else
		bad "libre $v: $what, $(grep -E '^integration: ' "$b-integration.log" | tail -n 1) ($(($(date +%s) - t0)) s)"
		grep -E '^(not ok|== |.*no summary line)' "$b-integration.log" | grep -B1 -E '^(not ok|.*no summary)' | head -n 30 | sed 's/^/#   /'
	fi
	unset PKG_CONFIG_PATH IT_ONLY
done

log "$(($(date +%s) - t00)) s in all"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
