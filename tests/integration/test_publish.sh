#!/bin/bash
# PUBLISH of our push capabilities (publish yes) to a real Kamailio presence
# server (presence, presence_xml; kamailio.cfg.in with WITH_REGEVENT): the
# presentity holds our PIDF with the advertised application IDs once we are
# registered, it changes when an app subscribes to a new ID (and names the
# app's filter), and it is removed (Expires: 0) when the daemon stops. What
# the server holds is read as a watcher reads it (tools/sipfetch.py).
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

TOOLS=$(dirname "$0")/tools
AOR=sip:pra@sippush.test

# fetch NAME: what the presence server tells a watcher about pra now, in
# $IT_DIR/NAME.pidf.
fetch() {
	python3 "$TOOLS/sipfetch.py" 127.0.0.1 "$KAM_SIP_PORT" "$AOR" presence \
		application/pidf+xml >"$IT_DIR/$1.pidf"
}

# holds NAME ID...: a fetch shows a service-id element for every ID.
holds() {
	local name=$1 id
	shift
	fetch "$name" || return 1
	for id in "$@"; do
		grep -q "service-id>$id</" "$IT_DIR/$name.pidf" || {
			echo "no service-id $id in:"; cat "$IT_DIR/$name.pidf"
			return 1
		}
	done
}

# lacks NAME ID: a fetch (done by holds) does not name ID.
lacks() {
	! grep -q "service-id>$2</" "$IT_DIR/$1.pidf"
}

# wait_holds NAME TIMEOUT_S ID...: holds, retried until the timeout.
wait_holds() {
	local name=$1 t=$2 i
	shift 2
	for i in $(seq $((t * 4))); do
		holds "$name" "$@" >/dev/null 2>&1 && return 0
		[ "$i" -lt $((t * 4)) ] && sleep 0.25
	done
	holds "$name" "$@"
}

# wait_lacks NAME TIMEOUT_S ID KEEP: a fetch no longer names ID, still KEEP.
wait_lacks() {
	local i
	for i in $(seq $(($2 * 4))); do
		if fetch "$1" && lacks "$1" "$3" &&
			grep -q "service-id>$4</" "$IT_DIR/$1.pidf"; then
			return 0
		fi
		sleep 0.25
	done
	cat "$IT_DIR/$1.pidf"
	return 1
}

# no_service NAME: a fetch shows no service at all.
no_service() {
	fetch "$1" || return 1
	cat "$IT_DIR/$1.pidf"
	! grep -q "service-id" "$IT_DIR/$1.pidf"
}

# has_open_contact NAME: open tuples carrying our contact.
has_open_contact() {
	grep -q "<basic>open</basic>" "$IT_DIR/$1.pidf" &&
		grep -q "<contact>sip:pra@127.0.0.1" "$IT_DIR/$1.pidf"
}

# publishes: the core's log lines of our PUBLISHes (Event: presence).
publishes() {
	it_kam_events | grep "^IT PRESENCE PUBLISH $AOR event=presence"
}

it_init publish
it_certs
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock

IT_KAM_DEFINES="WITH_REGEVENT"
if ! it_kamailio_start kam; then
	it_fail "kamailio with the presence server started"
	it_done
	exit 1
fi
it_pass "kamailio with the presence server started"

it_check "before the daemon: the presentity holds no service" no_service none

sp_conf "$IT_DIR/d.conf" udp "publish yes" "app mms.ua" \
	"app emn.ua"
it_check "daemon started" sp_start d "$IT_DIR/d.conf"
it_check "registered" sp_registered d 10
it_check "capabilities published (logged)" \
	it_wait_log "$IT_DIR/d.log" "capabilities published" 10
it_check "the PUBLISH reached the core's presence server" \
	grep -q "IT PRESENCE PUBLISH $AOR event=presence expires=3600" "$IT_DIR/kamailio.log"
it_check "the presentity holds our PIDF with both app IDs (canonical)" \
	wait_holds first 5 x-wap-application:mms.ua x-wap-application:emn.ua
it_check "each service is an open tuple with our contact" has_open_contact first
it_check "status says published" status_key publish published
n1=$(publishes | wc -l)

# --- an app subscribes to a new ID: published again, with its filter -------
it_check "an app subscribed to a new ID" \
	listen app1 --filter "text/plain" ulp.ua
it_check "the presentity now holds the new app ID too" \
	wait_holds second 5 x-oma-application:ulp.ua x-wap-application:mms.ua \
		x-wap-application:emn.ua
it_check "its service names the app's filter" \
	grep -q "<op:description>text/plain</op:description>" "$IT_DIR/second.pidf"
n2=$(publishes | wc -l)
it_check "one more PUBLISH for the change ($n1 -> $n2)" test "$n2" -eq $((n1 + 1))

# --- the app goes: the ID is withdrawn from the presentity -----------------
kill -TERM "$LPID" 2>/dev/null
wait "$LPID" 2>/dev/null
it_check "the withdrawn ID is gone from the presentity, the others stay" \
	wait_lacks third 5 x-oma-application:ulp.ua x-wap-application:mms.ua

# --- shutdown: the publication is removed ---------------------------------
sp_stop
it_check "the daemon removed its publication (Expires: 0)" \
	grep -q "IT PRESENCE PUBLISH $AOR event=presence expires=0 " "$IT_DIR/kamailio.log"
it_check "logged" grep -q "publication removed" "$IT_DIR/d.log"
it_check "the presentity holds no service of ours any more" no_service gone

it_done
