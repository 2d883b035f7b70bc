#!/bin/bash
# The OpenWrt procd init script without OpenWrt: packaging/openwrt/
# sippushd/files/sippushd.init runs with stand-ins for the UCI shell
# functions (config_load, config_list_foreach, uci_validate_section) and
# for procd: a small supervisor here keeps the instance the script
# describes running and, on a reload, does what procd does with the new
# description: restart the daemon if the instance data changed, send the
# reload signal if only the checksum of its "file" changed, else nothing.
#
# The checks are on the running daemon (the real build/sippushd), read
# through its socket with `sippush status`:
#   - start: the UCI options reach the daemon (its apps, its port);
#   - an app added in UCI + reload: same process, SIGHUP, app advertised;
#   - sip_listen changed + reload: a new process on the new port;
#   - an invalid option + reload: refused, the running daemon untouched;
#   - option interface: its device becomes sip_interface (the daemon
#     reports it), procd is asked to reload on that interface's events,
#     and the interface losing or changing its device restarts the daemon;
#   - spool_dir in RAM reaches the daemon's file and the directory is made;
#   - a disabled service starts nothing.
# shellcheck disable=SC2034,SC2317 # variables and functions for the sourced script
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
files=$top/packaging/openwrt/sippushd/files
B=${B:-$top/build}
daemon=${SIPPUSHD:-$B/sippushd}
cli=$B/sippush
if [ ! -x "$daemon" ] || [ ! -x "$cli" ]; then
	echo "openwrt-init: build first (make)" >&2
	exit 1
fi

tmp=$(mktemp -d /tmp/sippush-owrt.XXXXXX)
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null
	[ -z "$pid" ] || wait "$pid" 2>/dev/null
	rm -rf -- "$tmp"
}
trap cleanup EXIT

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

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
port1=$(free_port)
port2=$(free_port)
while [ "$port2" = "$port1" ]; do port2=$(free_port); done

# UCI as an integrator sets it: the packaged file, enabled, paths in $tmp,
# a registrar that does not answer (the daemon keeps retrying), a port
sed -e "s|option enabled '0'|option enabled '1'|" \
	-e "s|#list route_ctype|list route_ctype|" \
	-e "s|#list app_sender|list app_sender|" \
	-e "s|#option sip_expires|option sip_expires|" \
	-e "s|option sip_registrar .*|option sip_registrar 'sip:127.0.0.1:9;transport=udp'|" \
	-e "s|#option sip_listen .*|option sip_listen '127.0.0.1:$port1'|" \
	-e "s|#option sip_transports .*|option sip_transports 'udp'|" \
	-e "s|/etc/sippushd'|$tmp/state'|" \
	-e "s|/var/run/sippushd/|$tmp/run/|" \
	"$files/sippushd.config" >"$tmp/uci"
sed -i "/#option msrp_listen/a\\	option msrp_listen '127.0.0.1:0'" "$tmp/uci"

# --- procd, in small --------------------------------------------------------
# The script's instance description goes to $tmp/inst.new; apply() turns
# it into a running daemon. "file" entries are compared by content.
apply() {
	local cmd
	# what procd compares: every parameter, the file by its checksum
	: >"$tmp/inst.cmp"
	while IFS= read -r l; do
		case $l in
		"file "*) echo "filesum $(md5sum <"${l#file }" | cut -d' ' -f1)" ;;
		*) echo "$l" ;;
		esac
	done <"$tmp/inst.new" >"$tmp/inst.cmp"
	cmd=$(sed -n 's/^command //p' "$tmp/inst.new")
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		if ! diff -q <(grep -v '^filesum ' "$tmp/inst.cur") \
			<(grep -v '^filesum ' "$tmp/inst.cmp") >/dev/null; then
			echo "restart" >>"$tmp/procd.log"
			kill "$pid"
			wait "$pid" 2>/dev/null
			pid=
		elif ! diff -q "$tmp/inst.cur" "$tmp/inst.cmp" >/dev/null; then
			echo "signal HUP" >>"$tmp/procd.log"
			kill -HUP "$pid"
		else
			echo "unchanged" >>"$tmp/procd.log"
		fi
	fi
	if [ -z "$pid" ]; then
		# the env parameter, as procd sets it; -s swapped for stderr
		# here so a failure can be seen
		# shellcheck disable=SC2046,SC2086 # the command line as procd splits it
		env $(sed -n 's/^env //p' "$tmp/inst.new") \
			${cmd/ -s / } 2>>"$tmp/daemon.log" &
		pid=$!
		echo "start $pid" >>"$tmp/procd.log"
	fi
	mv "$tmp/inst.cmp" "$tmp/inst.cur"
}

# run_init ACTION: the init script in a subshell with the stand-ins; the
# instance description it gives is applied here afterwards
run_init() {
	rm -f "$tmp/inst.new"
	(
		uci_opt() { # OPTION -> the value of "option OPTION 'value'"
			sed -n "s/^[[:space:]]*option $1 '\\(.*\\)'\$/\\1/p" "$tmp/uci"
		}
		uci_list() { # OPTION -> one value of "list OPTION 'value'" a line
			sed -n "s/^[[:space:]]*list $1 '\\(.*\\)'\$/\\1/p" "$tmp/uci"
		}
		config_load() { :; }
		config_get() { # VAR SECTION OPTION
			eval "$1=\$(uci_opt \"\$3\")"
		}
		# netifd's view: the device of logical interface $2, from $tmp/netdev
		network_get_device() {
			local d
			d=$(sed -n "s/^$2 //p" "$tmp/netdev" 2>/dev/null)
			[ -n "$d" ] || return 1
			eval "$1=\$d"
		}
		config_list_foreach() { # SECTION OPTION FUNCTION ARGS...
			local opt=$2 fn=$3 v
			shift 3
			uci_list "$opt" | while IFS= read -r v; do "$fn" "$v" "$@"; done
		}
		# validate_data's types, those the script uses
		valid() { # TYPE VALUE
			local t=$1 v=$2 lo hi
			case $t in
			bool) case $v in 0|1|yes|no|on|off|true|false) return 0 ;; esac; return 1 ;;
			uinteger) case $v in ''|*[!0-9]*) return 1 ;; esac ;;
			range*)
				case $v in ''|*[!0-9]*) return 1 ;; esac
				lo=${t#range(}; lo=${lo%,*}; hi=${t#*,}; hi=${hi%)}
				[ "$v" -ge "$lo" ] && [ "$v" -le "$hi" ] ;;
			*) return 0 ;;
			esac
		}
		uci_validate_section() { # PACKAGE TYPE SECTION SPEC...
			local spec name type def v bad=0
			shift 3
			for spec in "$@"; do
				name=${spec%%:*}; type=${spec#*:}; def=
				case $type in *:*) def=${type#*:}; type=${type%%:*} ;; esac
				case $type in
				list*) v=$(uci_list "$name" | tr '\n' ' '); v=${v% } ;;
				*) v=$(uci_opt "$name")
				   [ -n "$v" ] && ! valid "$type" "$v" && {
					echo "invalid $name '$v'" >>"$tmp/validate.log"; bad=1; } ;;
				esac
				eval "$name=\${v:-\$def}"
			done
			return $bad
		}
		procd_open_instance() { : >"$tmp/inst.new"; }
		procd_set_param() { echo "$*" >>"$tmp/inst.new"; }
		procd_close_instance() { :; }
		procd_add_reload_trigger() { echo "trigger $*" >>"$tmp/triggers"; }
		procd_add_reload_interface_trigger() { echo "interface trigger $*" >>"$tmp/triggers"; }
		procd_add_validation() { echo "validation $*" >>"$tmp/triggers"; }
		logger() { echo "logger $*" >>"$tmp/logger.log"; }
		chown() { :; }
		chgrp() { :; }
		start() { start_service; }

		# shellcheck source-path=SCRIPTDIR source=../../packaging/openwrt/sippushd/files/sippushd.init
		. "$files/sippushd.init"
		CONF=$tmp/sippushd.conf
		PROG=$daemon
		case $1 in
		start) start_service ;;
		reload) reload_service ;;
		triggers) service_triggers ;;
		esac
	)
	[ -s "$tmp/inst.new" ] && apply
	return 0
}

status() {
	local i
	for i in $(seq 1 50); do
		"$cli" -S "$tmp/run/sippushd.sock" status >"$tmp/status" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
status_has() { status && grep -q -- "$1" "$tmp/status"; }
listens_on() { # PORT: a UDP socket of the daemon bound to it
	ss -lunp 2>/dev/null | grep ":$1 " | grep -q "pid=$pid,"
}

# --- start ------------------------------------------------------------------
run_init start
check "native file written" test -s "$tmp/sippushd.conf"
check "sippushd -t accepts it" "$daemon" -t -c "$tmp/sippushd.conf"
for l in "sip_aor sip:device@ims.operator.example" \
	"sip_expires 600" "state_dir $tmp/state" "ipc_socket $tmp/run/sippushd.sock" \
	"app mms.ua" "route_ctype application/vnd.omaloc-supl-init ulp.ua" \
	"app_sender ulp.ua *@slp.operator.example"; do
	check "line '$l'" grep -qxF -- "$l" "$tmp/sippushd.conf"
done
check "no line for unset options" sh -c "! grep -q '^sip_auth' '$tmp/sippushd.conf'"
check "state and socket directories made" test -d "$tmp/state" -a -d "$tmp/run"
check "procd: syslog with levels (-s)" grep -qxF "command $daemon -s -c $tmp/sippushd.conf" "$tmp/inst.new"
for p in "user sippushd" "group sippushd" "respawn 3600 30 0" "reload_signal HUP" \
	"no_new_privs 1" "file $tmp/sippushd.conf"; do
	check "procd: $p" grep -qxF "$p" "$tmp/inst.new"
done
run_init triggers
check "procd: reload trigger and validation" \
	grep -qx "trigger sippushd" "$tmp/triggers" -a -n "$(grep '^validation validate_sippushd_section' "$tmp/triggers")"
check "procd: no interface trigger without option interface" sh -c "! grep -q '^interface trigger' '$tmp/triggers'"

pid1=$pid
check "the daemon runs and answers on its socket" status
check "... with the UCI app advertised" status_has "mms.ua"
check "... listening on sip_listen's port $port1" listens_on "$port1"

# --- reload with an app added: SIGHUP, same process --------------------------
check "before: no app reloadtest.ua" sh -c "! grep -q reloadtest.ua '$tmp/status'"
sed -i "/list app 'mms.ua'/a\\	list app 'reloadtest.ua'" "$tmp/uci"
run_init reload
check "reload after a new app: procd signals HUP" sh -c "tail -n 1 '$tmp/procd.log' | grep -qx 'signal HUP'"
check "... the same process" test "$pid" = "$pid1"
# eventually CMD...: CMD succeeds within 5 s
eventually() {
	local i
	for i in $(seq 1 50); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
check "... the running daemon has the new app" eventually status_has "reloadtest.ua"

# --- reload with nothing changed: nothing ------------------------------------
run_init reload
check "reload with nothing changed: procd does nothing" sh -c "tail -n 1 '$tmp/procd.log' | grep -qx unchanged"

# --- reload with sip_listen changed: restart -----------------------------------
sed -i "s|option sip_listen '127.0.0.1:$port1'|option sip_listen '127.0.0.1:$port2'|" "$tmp/uci"
run_init reload
check "reload after sip_listen changed: procd restarts" grep -qx "restart" "$tmp/procd.log"
check "... a new process" test "$pid" != "$pid1"
check "... that answers on its socket" status
check "... listening on the new port $port2" eventually listens_on "$port2"
check "... not on the old one" sh -c "! ss -lun | grep -q ':$port1 '"

# --- an invalid option: refused, the daemon untouched ---------------------------
pid2=$pid
sed -i "s|option sip_expires '600'|option sip_expires '5'|" "$tmp/uci"
: >"$tmp/validate.log"
run_init reload
check "invalid sip_expires: validation says so" grep -q "invalid sip_expires '5'" "$tmp/validate.log"
check "... logged as not started" grep -q "not started" "$tmp/logger.log"
check "... the running daemon is left alone" test "$pid" = "$pid2"
check "... and still answers" status
sed -i "s|option sip_expires '5'|option sip_expires '600'|" "$tmp/uci"

# --- spool_dir: in RAM, made, in the daemon's file ---------------------------------
check "spool_dir line in the daemon's file" grep -qxF "spool_dir $tmp/run/spool" "$tmp/sippushd.conf"
check "... the directory made" test -d "$tmp/run/spool"

# --- option interface: its device is the daemon's sip_interface -----------------
pid3=$pid
: >"$tmp/triggers"
sed -i "s|#option interface 'wan'|option interface 'wan'|" "$tmp/uci"
echo "wan lo" >"$tmp/netdev"
run_init triggers
check "interface 'wan': procd reloads on its events" grep -qx "interface trigger wan" "$tmp/triggers"
run_init reload
check "interface 'wan' with device lo: sip_interface lo in the file" grep -qxF "sip_interface lo" "$tmp/sippushd.conf"
check "... procd restarts the daemon" test "$pid" != "$pid3"
check "... which reports interface=lo" eventually status_has "^interface=lo$"
pid4=$pid
: >"$tmp/netdev"
run_init reload
check "the interface loses its device: no sip_interface line" sh -c "! grep -q '^sip_interface' '$tmp/sippushd.conf'"
check "... the daemon restarted" test "$pid" != "$pid4"
no_iface() { status && grep -q '^network=' "$tmp/status" && ! grep -q '^interface=' "$tmp/status"; }
check "... and reports no interface" eventually no_iface
pid5=$pid
run_init reload
check "an interface event that changes nothing: procd does nothing" sh -c "tail -n 1 '$tmp/procd.log' | grep -qx unchanged"
check "... the same process" test "$pid" = "$pid5"
echo "wan lo" >"$tmp/netdev"
run_init reload
check "the device is back: restarted with interface=lo" eventually status_has "^interface=lo$"

# --- stop; a disabled service writes nothing and starts nothing ---------------
kill "$pid"
wait "$pid" 2>/dev/null
pid=
sed -i "s|option enabled '1'|option enabled '0'|" "$tmp/uci"
rm -f "$tmp/sippushd.conf"
run_init start
check "disabled: nothing written or started" test ! -e "$tmp/sippushd.conf" -a -z "$pid"

# --- the script knows every daemon key, and each key's reload class -----------
# From sippushd.conf(5) RELOADING (test_config_keys checks it against the
# daemon's key table): every key but "user" (procd's) must be written,
# validated, and restart the daemon exactly when SIGHUP cannot apply it.
man_class() { # HEADING: the keys the RELOADING paragraph HEADING lists
	awk -v h="$1" '/^\.SH RELOADING/ { r = 1 } /^\.SH / && !/RELOADING/ { r = 0 }
		r && /^\.TP/ { p = 0 } r && $0 == h { p = 1; next }
		p && /^[A-Z]/ { p = 0 } p && /^\.BR? [a-z_]+/ { print $2 }' \
		"$top/doc/man/sippushd.conf.5" | sort -u
}
script_var() { # NAME: the init script's variable, one word a line
	# shellcheck disable=SC1090,SC1091 # the script under test
	(. "$files/sippushd.init" && eval "printf '%s\n' \$$1") | sort -u
}
validated() { # the names uci_validate_section is given
	sed -n "s/^[[:space:]]*'\([a-z_]*\):.*/\1/p" "$files/sippushd.init" | sort -u
}
{ man_class "At once:"; man_class "Rebuilding the SIP stack:"; man_class "After a restart only:"; } |
	grep -vx user | sort -u >"$tmp/keys.man"
{ man_class "Rebuilding the SIP stack:"; man_class "After a restart only:"; } |
	grep -vx user | sort -u >"$tmp/stack.man"
{ script_var KEYS; script_var LISTS; } | sort -u >"$tmp/keys.init"
script_var STACK_KEYS >"$tmp/stack.init"
validated >"$tmp/keys.valid"
check "RELOADING lists keys (sanity: $(wc -l <"$tmp/keys.man"))" test "$(wc -l <"$tmp/keys.man")" -gt 40
check "every daemon key is written (a new key: add it to sippushd.init KEYS or LISTS, validate_sippushd_section, and STACK_KEYS if its class is stack/restart)" diff "$tmp/keys.man" "$tmp/keys.init"
check "every written key is validated" sh -c "comm -23 '$tmp/keys.init' '$tmp/keys.valid' | grep . && exit 1 || exit 0"
check "STACK_KEYS = the stack and restart classes" diff "$tmp/stack.man" "$tmp/stack.init"

# --- the feed Makefile: release-style source ----------------------------------
feed_ok() {
	local mk=$tmp/dist/dist/openwrt/sippushd/Makefile tar want
	make -s -C "$top" B="$tmp/dist" dist >/dev/null || return 1
	tar=$tmp/dist/dist/sippushd-$(sed -n 's/^PKG_VERSION:=//p' "$mk").tar.gz
	want=$(sha256sum "$tar" | cut -d' ' -f1)
	grep -qx "PKG_HASH:=$want" "$mk" || { echo "PKG_HASH is not $want"; return 1; }
	# shellcheck disable=SC2016 # make's $(...), literally
	grep -qx 'PKG_SOURCE:=$(PKG_NAME)-$(PKG_VERSION).tar.gz' "$mk" || return 1
	! grep -n '@SIPPUSHD_' "$mk"
}
check "make dist: a feed whose PKG_HASH is the tarball's" feed_ok
check "feed: no fixed UID/GID, no placeholder maintainer" sh -c "
	grep -q '^  USERID:=sippushd:sippushd\$' '$files/../Makefile' &&
	! grep -q 'PKG_MAINTAINER' '$files/../Makefile'"
# shellcheck disable=SC2016 # make's $(1), literally
check "feed: the instance ID is kept across sysupgrade" \
	grep -q 'echo /etc/sippushd/instance > $(1)/lib/upgrade/keep.d/sippushd' "$files/../Makefile"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
