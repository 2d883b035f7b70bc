#!/bin/bash
# Runs every integration test (tests/integration/test_*.sh) against a real
# Kamailio and sipp, and prints one total "N passed, N failed" line.
# IT_ONLY="test_message test_msrp" runs only those (a name that matches no
# script fails the run, so a renamed test cannot silently drop out).
set -u
here=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0 scripts_failed=0

scripts=("$here"/test_*.sh)
if [ -n "${IT_ONLY:-}" ]; then
	scripts=()
	for name in $IT_ONLY; do
		if [ ! -f "$here/$name.sh" ]; then
			echo "$name: no such integration test (IT_ONLY)"
			scripts_failed=$((scripts_failed + 1))
			continue
		fi
		scripts+=("$here/$name.sh")
	done
fi

for t in "${scripts[@]}"; do
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
