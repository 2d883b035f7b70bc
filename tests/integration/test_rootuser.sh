#!/bin/bash
# Started as root with `user` and `ipc_group`, as an init system without
# User= does: the daemon makes its directories for that user (the socket's
# for the group), becomes the user, and an app of the socket group (uid
# nobody with only that group, via setpriv) subscribes and receives a
# MESSAGE push and an MSRP push through Kamailio; an app outside the
# group is refused; the socket file goes at exit. The user and the group
# are made here (names unique to the run) and removed at exit.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

it_init rootuser
if [ "$(id -u)" != 0 ]; then
	echo "# SKIP [rootuser]: starting the daemon as root needs root" >&2
	if [ "${IT_ALLOW_SKIP:-0}" = 1 ]; then
		echo "# SKIP [rootuser]: allowed by IT_ALLOW_SKIP=1: NOTHING WAS TESTED" >&2
		echo "0 passed, 0 failed"
		exit 0
	fi
	it_fail "rootuser: skipped, not root (set IT_ALLOW_SKIP=1 to allow)"
	it_done
	exit 1
fi

# the daemon's account and the apps' group; nobody is the app
duser=spd$$
agroup=spapp$$
made_user=
made_group=
drop_accounts() {
	[ -z "$made_user" ] || userdel "$duser" 2>/dev/null
	getent group "$duser" >/dev/null && groupdel "$duser" 2>/dev/null
	[ -z "$made_group" ] || groupdel "$agroup" 2>/dev/null
	return 0
}
it_on_exit drop_accounts
useradd --system --no-create-home --user-group --shell /usr/sbin/nologin "$duser" &&
	made_user=1
groupadd --system "$agroup" && made_group=1
if [ -z "$made_user" ] || [ -z "$made_group" ]; then
	it_fail "user $duser and group $agroup made"
	it_done
	exit 1
fi
agid=$(getent group "$agroup" | cut -d: -f3)
nobody=$(id -u nobody)

# app CMD...: CMD as uid nobody, group nobody, supplementary: the apps' group
app() {
	setpriv --reuid="$nobody" --regid="$(id -g nobody)" --groups="$agid" -- "$@"
}
# refused: `sippush status` as nobody without the group fails
refused() {
	! setpriv --reuid="$nobody" --regid="$(id -g nobody)" --clear-groups -- \
		"$SP_CLI" status
}

it_certs
it_kamailio_start kam || { it_fail "kamailio started"; it_done; exit 1; }

# what the daemon makes: nothing of it exists yet; the run dir must be
# reachable for the user and the app
chmod 0755 "$IT_DIR"
run=$IT_DIR/run/sippushd
state=$IT_DIR/lib/sippushd
export SIPPUSH_SOCKET=$run/sippushd.sock
sp_conf "$IT_DIR/d.conf" tcp "app mms.ua" "user $duser" "ipc_group $agroup"
sed -i -e "s|^state_dir .*|state_dir $state|" -e "s|^ipc_socket .*|ipc_socket $SIPPUSH_SOCKET|" \
	-e "s|^spool_dir .*|spool_dir $run/spool|" "$IT_DIR/d.conf"
if ! sp_start d "$IT_DIR/d.conf" || ! sp_registered d; then
	it_fail "daemon started as root, registered"
	it_done
	exit 1
fi
dpid=$SP_PID

# owner:group:mode PATH is WANT
is() {
	local got
	got=$(stat -c %U:%G:%a "$1")
	echo "$1: $got, wanted $2"
	[ "$got" = "$2" ]
}
it_check "the daemon runs as $duser" test "$(ps -o user= -p "$dpid")" = "$duser"
it_check "... and is in $agroup (not in /etc/group for it)" \
	grep -qE "^Groups:.*\\b$agid\\b" "/proc/$dpid/status"
it_check "socket directory made $duser:$agroup 0750" is "$run" "$duser:$agroup:750"
it_check "socket $duser:$agroup 0660" is "$SIPPUSH_SOCKET" "$duser:$agroup:660"
it_check "state_dir made $duser:$duser 0750" is "$state" "$duser:$duser:750"
it_check "the instance file written as $duser" test "$(stat -c %U "$state/instance")" = "$duser"
it_check "spool_dir made $duser:$duser 0700" is "$run/spool" "$duser:$duser:700"
it_check "an app of $agroup may use the socket" app "$SP_CLI" status
it_check "an app outside it may not" refused

# app_listen NAME ARGS...: `sippush listen` as the app; LPID is its pid
app_listen() {
	local name=$1
	shift
	app "$SP_CLI" listen "$@" >"$IT_DIR/$name.out" 2>"$IT_DIR/$name.err" &
	LPID=$!
	it_track "$LPID"
	it_wait_log "$IT_DIR/$name.err" "subscribed to" 5
}
mkdir -p "$IT_DIR/out-msg" "$IT_DIR/out-msrp"
chown "$nobody" "$IT_DIR/out-msg" "$IT_DIR/out-msrp"

# --- a MESSAGE push ------------------------------------------------------------
head -c 2000 /dev/urandom >"$IT_DIR/msg"
app_listen l-msg --count 1 --dir "$IT_DIR/out-msg" mms.ua
psend msg mms.ua "$IT_DIR/msg" --type application/octet-stream
it_check "MESSAGE push to the app of $agroup -> 200" psend_is msg 200
wait_listen "$LPID"
it_check "... arrived byte-exact" same_sha "$IT_DIR/msg" "$IT_DIR/out-msg"

# --- an MSRP push: spooled in the user's spool_dir -----------------------------
head -c 300000 /dev/urandom >"$IT_DIR/big"
app_listen l-msrp --count 1 --dir "$IT_DIR/out-msrp" mms.ua
"$SP_CLI" send --msrp --proxy "sip:127.0.0.1:$KAM_SIP_PORT;transport=tcp" \
	--to sip:pra@sippush.test --app mms.ua --type application/octet-stream \
	--file "$IT_DIR/big" >"$IT_DIR/msrp.send" 2>&1
rc=$?
it_check "MSRP push to the app of $agroup -> delivered (exit $rc)" test "$rc" -eq 0
wait_listen "$LPID"
it_check "... arrived byte-exact" same_sha "$IT_DIR/big" "$IT_DIR/out-msrp"
it_check "the daemon logged no 'Permission denied'" sh -c "! grep -i 'permission denied' '$IT_DIR/d.log'"

# --- exit: the socket file goes -------------------------------------------------
sp_stop "$dpid"
it_check "SIGTERM: the socket file is removed" test ! -e "$SIPPUSH_SOCKET"

# --- again, with everything there: same instance, same owners ---------------------
inst=$(cat "$state/instance")
if sp_start d2 "$IT_DIR/d.conf" && sp_registered d2; then
	it_check "restart as root: the same instance" test "$(cat "$state/instance")" = "$inst"
	it_check "... the socket $duser:$agroup 0660 again" is "$SIPPUSH_SOCKET" "$duser:$agroup:660"
	sp_stop "$SP_PID"
else
	it_fail "restart as root"
fi

it_done
