#!/bin/bash
# MSRP relays (RFC 4976) end to end: a second Kamailio with the msrp module
# is the daemon's relay. The daemon AUTHs to it (digest), answers INVITEs
# with the relay's Use-Path in front of its own a=path, and a push sent with
# `sippush send --msrp` goes sender -> relay -> the daemon's one relay
# connection -> `sippush listen --dir`, byte-exact. Then the AUTH refresh
# (short Expires), the reconnect after the relay restarts, and the SIP
# credentials used when the relay has none of its own.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

RELAY_PID=
RELAY_USER=prarelay
RELAY_PASS=relaysecret
RELAY_EXPIRES=6

# relay_start: Kamailio as MSRP relay on $RELAY_PORT, log $IT_DIR/relay.log;
# waits (<= 10 s) until the port accepts.
relay_start() {
	local log=$IT_DIR/relay.log
	mkdir -p "$IT_DIR/relay"
	sed -e "s|@MSRP_PORT@|$RELAY_PORT|g" -e "s|@RUNDIR@|$IT_DIR/relay|g" \
		-e "s|@USER@|$RELAY_USER|g" -e "s|@PASS@|$RELAY_PASS|g" \
		-e "s|@EXPIRES@|$RELAY_EXPIRES|g" \
		"$IT_TOP/tests/kamailio/msrp-relay.cfg.in" >"$IT_DIR/relay.cfg" || return 1
	setsid kamailio -f "$IT_DIR/relay.cfg" -DD -E -m 32 -M 8 \
		-P "$IT_DIR/relay/kamailio.pid" -Y "$IT_DIR/relay" -w "$IT_DIR/relay" \
		>>"$log" 2>&1 </dev/null &
	RELAY_PID=$!
	it_track "$RELAY_PID"
	for _ in $(seq 200); do
		kill -0 "$RELAY_PID" 2>/dev/null || { it__log "relay exited:"; tail -n 20 "$log" >&2; return 1; }
		python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$RELAY_PORT),0.2)" \
			2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

relay_stop() {
	[ -n "$RELAY_PID" ] || return 0
	it_stop "$RELAY_PID"
	RELAY_PID=
}

# msend NAME ARGS...: `sippush send --msrp` through the SIP core. Kamailio's msrp module relays frames of
# at most 10240 body bytes: small chunks.
msend() {
	local name=$1
	shift
	"$SP_CLI" send --msrp --proxy "sip:127.0.0.1:$KAM_SIP_PORT;transport=tcp" \
		--to sip:pra@sippush.test --chunk-size 8192 "$@" >"$IT_DIR/$name.send" 2>&1
}

count() { grep -c "$2" "$1" 2>/dev/null || true; }

it_init msrp_relay
it_certs
it_kamailio_start kam || { it_fail "kamailio started"; it_done; exit 1; }
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock
RELAY_PORT=$(it_free_port)

if ! relay_start; then
	it_fail "Kamailio msrp relay started"
	it_done
	exit 1
fi
it_pass "Kamailio msrp relay started on $RELAY_PORT"

sp_conf "$IT_DIR/d.conf" tcp "app mms.ua" \
	"msrp_relay msrp://127.0.0.1:$RELAY_PORT" \
	"msrp_relay_user $RELAY_USER" "msrp_relay_pass $RELAY_PASS" \
	"msrp_connect_timeout 5" "msrp_idle_timeout 5"
if ! sp_start d "$IT_DIR/d.conf" || ! sp_registered d; then
	it_fail "daemon registered"
	it_done
	exit 1
fi

it_check "the relay challenged the daemon's AUTH" \
	it_wait_log "$IT_DIR/relay.log" "RELAY AUTH challenge" 10
it_check "the relay accepted the daemon's digest" \
	it_wait_log "$IT_DIR/relay.log" "RELAY AUTH ok user=$RELAY_USER" 10
it_check "the daemon logged the relay ready with its Use-Path" \
	it_wait_log "$IT_DIR/d.log" "relay msrp://127.0.0.1:$RELAY_PORT;tcp ready: Use-Path" 10

# --- a push through the relay -------------------------------------------------
head -c 300000 /dev/urandom >"$IT_DIR/p1"
mkdir -p "$IT_DIR/out1"
listen l1 --count 1 --dir "$IT_DIR/out1" mms.ua
msend s1 --app mms.ua --type application/octet-stream --file "$IT_DIR/p1"
rc=$?
it_check "push through the relay -> delivered (exit $rc)" test "$rc" -eq 0
wait_listen "$LPID"
it_check "push through the relay arrived byte-exact" same_sha "$IT_DIR/p1" "$IT_DIR/out1"
usepath=$(sed -n 's/.*ready: Use-Path \([^,]*\),.*/\1/p' "$IT_DIR/d.log" | tail -n 1)
it_check "the answer's a=path starts with the relay's Use-Path ($usepath)" \
	grep -qF "path $usepath msrp://127.0.0.1:" "$IT_DIR/d.log"
it_check "the relay forwarded the SENDs to the daemon's connection" \
	grep -q "RELAY relayed SEND to client" "$IT_DIR/relay.log"

# --- refresh before Expires ------------------------------------------------------
n0=$(count "$IT_DIR/relay.log" "RELAY AUTH ok")
sleep $((RELAY_EXPIRES + 1))
n1=$(count "$IT_DIR/relay.log" "RELAY AUTH ok")
it_check "the daemon re-AUTHed before Expires ($n0 -> $n1)" test "$n1" -gt "$n0"

# --- the relay goes away and comes back -----------------------------------------
n2=$(count "$IT_DIR/relay.log" "RELAY AUTH ok")
relay_stop
it_check "the daemon noticed the relay was lost" \
	it_wait_log "$IT_DIR/d.log" "unusable: connection lost" 10
msend s2 --app mms.ua --type text/plain --file "$IT_DIR/p1"
it_check "no relay: INVITE refused with 480" grep -q "480" "$IT_DIR/s2.send"
relay_start || it_fail "relay restarted"
it_check "the daemon AUTHed again after the restart" \
	it_wait_log "$IT_DIR/relay.log" "RELAY AUTH ok user=$RELAY_USER" 70 $((n2 + 1))
mkdir -p "$IT_DIR/out3"
listen l3 --count 1 --dir "$IT_DIR/out3" mms.ua
msend s3 --app mms.ua --type application/octet-stream --file "$IT_DIR/p1"
rc=$?
it_check "push after the relay restart -> delivered (exit $rc)" test "$rc" -eq 0
wait_listen "$LPID"
it_check "push after the relay restart arrived byte-exact" same_sha "$IT_DIR/p1" "$IT_DIR/out3"

# --- no msrp_relay_user: the relay gets the SIP credentials ----------------------
sp_stop
relay_stop
RELAY_USER=pra
RELAY_PASS=secret
relay_start || it_fail "relay restarted with the SIP account"
sp_conf "$IT_DIR/d2.conf" tcp "app mms.ua" \
	"msrp_relay msrp://127.0.0.1:$RELAY_PORT" \
	"msrp_connect_timeout 5" "msrp_idle_timeout 5"
sp_start d2 "$IT_DIR/d2.conf" || it_fail "daemon without relay credentials started"
it_check "no msrp_relay_user: the relay took sip_auth_user/sip_auth_pass" \
	it_wait_log "$IT_DIR/relay.log" "RELAY AUTH ok user=pra sessid=" 10
sp_stop

it_done
