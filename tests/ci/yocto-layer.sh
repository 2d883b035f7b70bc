#!/bin/bash
# What can be checked of the Yocto layer without bitbake (which refuses
# root and is not in Debian; doc/yocto.md says what was run by hand).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
layer=$top/packaging/yocto/meta-sippushd
bb=$layer/recipes-connectivity/sippushd/sippushd_0.1.0.bb
passed=0
failed=0
check() {
	if "${@:2}" >/tmp/yocto-check.$$ 2>&1; then
		passed=$((passed + 1)); echo "ok - $1"
	else
		failed=$((failed + 1)); echo "not ok - $1"; sed 's/^/#   /' /tmp/yocto-check.$$
	fi
	rm -f /tmp/yocto-check.$$
}
check "recipe present" test -f "$bb"
check "no AUTOREV (the parse stops without network)" sh -c "! grep -rn AUTOREV '$layer'"
check "UNPACKDIR is only read, never set" sh -c "! grep -rnE '^[[:space:]]*UNPACKDIR[[:space:]]*[?:+.]*=' '$layer'"
for r in scarthgap walnascar whinlatter wrynose; do
	check "LAYERSERIES_COMPAT has $r" grep -qE "^LAYERSERIES_COMPAT_sippushd = \".*\\b$r\\b" "$layer/conf/layer.conf"
done
for w in tls msrp relay xml; do
	check "PACKAGECONFIG[$w]" grep -q "^PACKAGECONFIG\\[$w\\]" "$bb"
done
# every file:// entry names a file or directory of the project
files_exist() {
	local f bad=0
	while IFS= read -r f; do
		[ -e "$top/$f" ] || { echo "missing: $f"; bad=1; }
	done < <(sed -n 's|.*file://\([^;[:space:]]*\).*|\1|p' "$bb")
	return $bad
}
check "every file:// entry of SRC_URI exists" files_exist
check "LIC_FILES_CHKSUM matches LICENSE" sh -c "grep -q \"md5=\$(md5sum '$top/LICENSE' | cut -d' ' -f1)\" '$bb'"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
