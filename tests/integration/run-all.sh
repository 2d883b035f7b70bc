#!/bin/bash
# Runs every integration test (tests/integration/test_*.sh) against a real
# Kamailio and sipp, and prints one total "N passed, N failed" line.
set -u
here=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0 scripts_failed=0

for t in "$here"/test_*.sh; do
	name=$(basename "$t" .sh)
	echo "== $name"
	out=$(mktemp)
	t0=$SECONDS
	bash "$t" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	echo "== $name: $((SECONDS - t0)) s"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
	rm -f "$out"
	if [ -z "$line" ]; then
		echo "$name: no summary line (exit $rc)"
		scripts_failed=$((scripts_failed + 1))
		continue
	fi
	p=${line%% passed*}
	f=${line#*, }
	f=${f%% failed}
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || scripts_failed=$((scripts_failed + 1))
done

echo "integration: $passed passed, $((failed + scripts_failed)) failed"
[ "$failed" -eq 0 ] && [ "$scripts_failed" -eq 0 ]
