#!/bin/bash
# Run unit suites UNIT_JOBS at a time (default 2), each one's output
# printed whole when it ends, in the order given; exit 1 if any failed.
#
#   tests/unit/run.sh [--wrap "valgrind ..."] SUITE...
#
# Most suites wait on timers (keep-alive, backoff, ack timeouts): run one
# after another they left a core idle for most of `make unit`.
# shellcheck disable=SC2016 # xargs' inner script expands its own
set -u
wrap=''
if [ "${1:-}" = --wrap ]; then
	wrap=$2
	shift 2
fi
jobs=${UNIT_JOBS:-2}
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT

i=0
for t in "$@"; do
	i=$((i + 1))
	echo "$i $t"
done | xargs -P "$jobs" -L 1 sh -c '
	wrap=$1 out=$2 n=$3 t=$4
	# shellcheck disable=SC2086 # wrap is a command line
	if $wrap "$t" >"$out/$n.log" 2>&1; then echo ok >"$out/$n.rc"; else echo fail >"$out/$n.rc"; fi
' run "$wrap" "$out" >/dev/null 2>&1 &
pid=$!

# print each suite's output in order, as soon as it and those before it ended
fail=0
i=0
for t in "$@"; do
	i=$((i + 1))
	while [ ! -e "$out/$i.rc" ]; do
		kill -0 "$pid" 2>/dev/null || [ -e "$out/$i.rc" ] || break
		sleep 0.1
	done
	echo "== $wrap${wrap:+ }$t"
	cat "$out/$i.log" 2>/dev/null
	[ "$(cat "$out/$i.rc" 2>/dev/null)" = ok ] || { fail=1; echo "FAILED: $t"; }
done
wait "$pid"
exit $fail
