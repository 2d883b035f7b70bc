#!/bin/bash
# The OpenWrt procd init script without OpenWrt: packaging/openwrt/
# sippushd/files/sippushd.init runs with small stand-ins for the UCI
# (config_load, config_get, config_list_foreach) and procd (procd_*)
# shell functions; the UCI file it reads is files/sippushd.config, enabled.
# Checks that the native file it writes is one the daemon accepts
# (sippushd -t), has every option and list, and that the procd instance
# runs the daemon as sippushd with respawn and SIGHUP reloads.
# shellcheck disable=SC2034,SC2317 # variables and functions for the sourced script
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
files=$top/packaging/openwrt/sippushd/files
daemon=${SIPPUSHD:-$top/build/sippushd}
[ -x "$daemon" ] || { echo "openwrt-init: build the daemon first (make)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

passed=0
failed=0
check() {
	local desc=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		passed=$((passed + 1))
		echo "ok - $desc"
	else
		failed=$((failed + 1))
		echo "not ok - $desc"
		sed 's/^/#   /' "$tmp/out"
	fi
}

# UCI as the test sets it: the packaged defaults, enabled, two lists more
sed -e "s|option enabled '0'|option enabled '1'|" \
	-e "s|#list route_ctype|list route_ctype|" \
	-e "s|#list app_sender|list app_sender|" \
	-e "s|#option sip_expires|option sip_expires|" \
	-e "s|/etc/sippushd'|$tmp/state'|" \
	-e "s|/var/run/sippushd/|$tmp/run/|" \
	"$files/sippushd.config" >"$tmp/uci"

# the stand-ins, run in a subshell that sources the init script
(
	{
	config_load() {
		: # the file is read by config_get below
	}
	uci_value() { # OPTION -> value of "option OPTION 'value'"
		sed -n "s/^[[:space:]]*option $1 '\\(.*\\)'\$/\\1/p" "$tmp/uci"
	}
	config_get() { # VAR SECTION OPTION [DEFAULT]
		local v
		v=$(uci_value "$3")
		eval "$1=\${v:-\${4:-}}"
	}
	config_get_bool() {
		config_get "$@"
	}
	config_list_foreach() { # SECTION OPTION FUNCTION ARGS...
		local opt=$2 fn=$3 v
		shift 3
		sed -n "s/^[[:space:]]*list $opt '\\(.*\\)'\$/\\1/p" "$tmp/uci" |
			while IFS= read -r v; do "$fn" "$v" "$@"; done
	}
	procd_open_instance() { echo "open" >>"$tmp/procd"; }
	procd_set_param() { echo "$*" >>"$tmp/procd"; }
	procd_close_instance() { echo "close" >>"$tmp/procd"; }
	procd_add_reload_trigger() { echo "trigger $*" >>"$tmp/procd"; }
	logger() { echo "logger $*" >>"$tmp/procd"; }
	chown() { :; }
	chgrp() { :; }
	}
	# shellcheck source-path=SCRIPTDIR source=../../packaging/openwrt/sippushd/files/sippushd.init
	. "$files/sippushd.init"
	CONF=$tmp/sippushd.conf
	PROG=$daemon
	start_service
	service_triggers
) || { echo "not ok - start_service failed"; exit 1; }

check "native file written" test -s "$tmp/sippushd.conf"
check "sippushd -t accepts it" "$daemon" -t -c "$tmp/sippushd.conf"
for l in "sip_aor sip:device@ims.operator.example" \
	"sip_registrar sip:pcscf.operator.example;transport=tcp" \
	"sip_expires 600" "state_dir $tmp/state" "ipc_socket $tmp/run/sippushd.sock" \
	"app mms.ua" "route_ctype application/vnd.omaloc-supl-init ulp.ua" \
	"app_sender ulp.ua *@slp.operator.example"; do
	check "line '$l'" grep -qxF -- "$l" "$tmp/sippushd.conf"
done
check "no line for unset options" sh -c "! grep -q '^sip_auth' '$tmp/sippushd.conf'"
check "state dir and socket dir created" test -d "$tmp/state" -a -d "$tmp/run"
check "procd: command" grep -qxF "command $daemon -c $tmp/sippushd.conf" "$tmp/procd"
for p in "user sippushd" "group sippushd" "respawn" "reload_signal HUP" \
	"no_new_privs 1" "trigger sippushd"; do
	check "procd: $p" grep -qxF "$p" "$tmp/procd"
done

# a disabled service writes nothing and starts nothing
sed -i "s|option enabled '1'|option enabled '0'|" "$tmp/uci"
rm -f "$tmp/sippushd.conf" "$tmp/procd"
(
	config_load() { :; }
	config_get_bool() { eval "$1=$(sed -n "s/^[[:space:]]*option $3 '\\(.*\\)'\$/\\1/p" "$tmp/uci")"; }
	# shellcheck source-path=SCRIPTDIR source=../../packaging/openwrt/sippushd/files/sippushd.init
	. "$files/sippushd.init"
	CONF=$tmp/sippushd.conf
	start_service
)
check "disabled: nothing written or started" test ! -e "$tmp/sippushd.conf" -a ! -e "$tmp/procd"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
