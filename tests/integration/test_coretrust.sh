#!/bin/bash
# Requests only from the core (issue 11, network side): an attacker on the
# network (tools/spoof.py, from 127.0.0.2 while the core is 127.0.0.1)
# sends MESSAGE, INVITE and OPTIONS straight to the daemon's UDP and TCP
# ports with a trusted From, a forged P-Asserted-Identity or a foreign
# Request-URI, and floods it; none is answered or delivered, the kernel
# filter takes the datagrams, and a genuine push through Kamailio in the
# same run is delivered. Then sip_trusted (CIDR) on reload, and the
# Request-URI check on requests from a trusted source.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

SPOOF=$(dirname "$0")/tools/spoof.py
MMSC=sip:mmsc@operator.test

# spoof TAG ARGS...: one attack; its one-line outcome in $IT_DIR/TAG.out
spoof() {
	local tag=$1
	shift
	python3 "$SPOOF" --dst "127.0.0.1:$PORT" "$@" >"$IT_DIR/$tag.out" 2>&1
}

# outcome TAG WANT...: the attack TAG ended in one of WANT
outcome() {
	local tag=$1 got w
	shift
	got=$(head -n1 "$IT_DIR/$tag.out")
	echo "got '$got', wanted one of: $*"
	for w in "$@"; do
		[ "$got" = "$w" ] && return 0
	done
	return 1
}

# pushes N: the app has printed exactly N pushes
pushes() {
	local n
	for _ in $(seq 40); do
		n=$(grep -c '^push ' "$IT_DIR/app.out")
		[ "$n" -ge "$1" ] && break
		sleep 0.05
	done
	echo "$n pushes, wanted $1"
	[ "$n" -eq "$1" ]
}

# genuine TAG [CODE] [pushsend args]: a push from the MMSC through the
# core is answered CODE (200)
genuine() {
	local tag=$1 code=${2:-200}
	shift 2 2>/dev/null || shift $#
	psend "$tag" mms.ua /dev/stdin --from "$MMSC" --type text/plain \
		--timeout 10 "$@" <<<"genuine $tag" && psend_is "$tag" "$code"
}

# meta N LINE: the record of the app's push N (1, 2...) has LINE
meta() {
	local f
	f=$(find "$IT_DIR/pushes" -name '*.meta' | sort -V | sed -n "$1p")
	[ -n "$f" ] || { echo "no push $1"; return 1; }
	grep -qx "$2" "$f" || { cat "$f"; return 1; }
}

# reloads N: the daemon has logged N reloads (at most 10 s)
reloads() {
	for _ in $(seq 200); do
		[ "$(grep -c 'configuration reloaded' "$IT_DIR/d.log")" -ge "$1" ] &&
			return 0
		sleep 0.05
	done
	return 1
}

it_init coretrust
it_certs
it_kamailio_start kam || { it_fail "kamailio started"; it_done; exit 1; }
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock

CONF=$IT_DIR/d.conf
sp_conf "$CONF" udp "app mms.ua" "app_sender mms.ua $MMSC"
PORT=$(sed -n 's/^sip_listen 127.0.0.1://p' "$CONF")
if ! sp_start d "$CONF" || ! sp_registered d; then
	it_fail "daemon registered"
	it_done
	exit 1
fi

it_check "default trust: the registrar's address" status_key trusted registrar
it_check "... learnt from the REGISTER" status_key registrar_addrs 127.0.0.1/32
it_check "kernel filter on the UDP socket and the TCP listener" \
	status_key sip_filter 2

mkdir -p "$IT_DIR/pushes"
"$SP_CLI" listen --dir "$IT_DIR/pushes" mms.ua >"$IT_DIR/app.out" \
	2>"$IT_DIR/app.err" &
APP=$!
it_track "$APP"
it_wait_log "$IT_DIR/app.err" "subscribed to" 5

it_check "genuine push through the core -> 200" genuine g1
it_check "... delivered as the MMSC's" grep -q "sender=$MMSC" "$IT_DIR/app.out"
it_check "... its record: Sender-Asserted: no (the From)" \
	meta 1 "Sender-Asserted: no"

# --- direct requests from a stranger -----------------------------------------
spoof udp-from --from "$MMSC"
it_check "UDP MESSAGE with the trusted From: no answer" \
	outcome udp-from "NO ANSWER"
spoof udp-pai --from sip:evil@evil.example --pai "$MMSC"
it_check "UDP MESSAGE with a forged P-Asserted-Identity: no answer" \
	outcome udp-pai "NO ANSWER"
spoof udp-ruri --ruri sip:victim@evil.example
it_check "UDP MESSAGE to sip:victim@evil.example: no answer" \
	outcome udp-ruri "NO ANSWER"
spoof udp-tel --ruri tel:+15551234
it_check "UDP MESSAGE to a tel: URI: no answer" outcome udp-tel "NO ANSWER"
spoof udp-inv --method INVITE
it_check "UDP INVITE with an a=path of its own: no answer" \
	outcome udp-inv "NO ANSWER"
spoof udp-opt --method OPTIONS
it_check "UDP OPTIONS: no answer (nothing revealed)" \
	outcome udp-opt "NO ANSWER"
it_check "the kernel filter took them: the intake saw none" \
	status_key intake_core_dropped 0
spoof tcp-from --tp tcp --from "$MMSC"
it_check "TCP MESSAGE with the trusted From: no connection, no answer" \
	outcome tcp-from "NO CONNECT" "CLOSED"
spoof tcp-opt --tp tcp --method OPTIONS
it_check "TCP OPTIONS: no connection, no answer" \
	outcome tcp-opt "NO CONNECT" "CLOSED"

spoof flood --from "$MMSC" --count 3000 --timeout 1
it_check "3000 forged MESSAGEs: none answered" \
	grep -qx "ANSWERS 0" "$IT_DIR/flood.out"
it_check "genuine push right after the flood -> 200" genuine g2
it_check "the app got the two genuine pushes, nothing else" pushes 2

# --- the core itself: the Request-URI must be ours ---------------------------
spoof core-victim --src 127.0.0.1 --ruri sip:victim@evil.example
it_check "from the core, sip:victim@evil.example -> 404" \
	outcome core-victim "SIP/2.0 404 Not Found"
spoof core-tel --src 127.0.0.1 --ruri tel:+15551234
it_check "from the core, tel:+15551234 -> 404" \
	outcome core-tel "SIP/2.0 404 Not Found"
spoof core-dom --src 127.0.0.1 --ruri sip:pra@evil.example
it_check "from the core, our user at another domain -> 404" \
	outcome core-dom "SIP/2.0 404 Not Found"
it_check "the intake counted the three" status_key intake_ruri_refused 3
it_check "still two pushes" pushes 2

# --- sip_trusted: a CIDR replaces the default --------------------------------
echo "sip_trusted 127.0.0.0/30" >>"$CONF"
kill -HUP "$SP_PID"
it_check "reload: sip_trusted taken" \
	it_wait_log "$IT_DIR/d.log" "kernel filter on 2 SIP socket(s): 2 " 10
it_check "status names the network" status_key trusted 127.0.0.0/30
it_check "registered again" it_wait_log "$IT_DIR/d.log" "reg: registered" 10
spoof in-net --src 127.0.0.2 --from "$MMSC" --ruri "sip:pra@127.0.0.1:$PORT"
it_check "127.0.0.2 is inside it now -> 200" \
	outcome in-net "SIP/2.0 200 OK"
spoof out-net --src 127.0.0.5 --from "$MMSC"
it_check "127.0.0.5 is not: no answer" outcome out-net "NO ANSWER"
it_check "genuine push through the core still -> 200" genuine g3
it_check "the app got those two more" pushes 4

# --- P-Asserted-Identity: the core's word ------------------------------------
it_check "push through the core with the MMSC's PAI -> 200" \
	genuine pai 200 --pai "$MMSC"
it_check "... its record: Sender-Asserted: yes" meta 5 "Sender-Asserted: yes"
it_check "... Sender is the asserted identity" meta 5 "Sender: $MMSC"
spoof pai-direct --src 127.0.0.5 --from sip:x@evil.example --pai "$MMSC"
it_check "the same PAI straight from a stranger: no answer" \
	outcome pai-direct "NO ANSWER"
sed -i "s|^app_sender mms.ua $MMSC\$|app_sender mms.ua $MMSC asserted|" \
	"$CONF"
kill -HUP "$SP_PID"
it_check "reload: app_sender ... asserted" reloads 2
it_check "the MMSC's From without an asserted identity -> 403" \
	genuine from-only 403
it_check "with the core's PAI -> 200" genuine pai2 200 --pai "$MMSC"
it_check "... Sender-Asserted: yes" meta 6 "Sender-Asserted: yes"
it_check "the app got six pushes" pushes 6

# --- sender_rate: one sender through the core cannot take it all ------------
printf 'sender_rate 2\napp_sender mms.ua *@operator.test\n' >>"$CONF"
kill -HUP "$SP_PID"
it_check "reload: sender_rate 2" reloads 3
python3 "$SPOOF" --dst "127.0.0.1:$KAM_SIP_PORT" --src 127.0.0.1 \
	--from sip:flood@operator.test --count 20 --timeout 5 \
	>"$IT_DIR/rate.out" 2>&1
# the daemon answers 503; Kamailio relays it as 500 (RFC 3261 16.7)
it_check "20 pushes at once from one sender through the core: 503s" \
	grep -Eq "^STATUS 50[03] " "$IT_DIR/rate.out"
ok=$(sed -n 's/^STATUS 200 //p' "$IT_DIR/rate.out")
it_check "... at most its burst (4) and a few more taken (got ${ok:-0})" \
	test "${ok:-0}" -ge 1 -a "${ok:-0}" -le 8
it_check "... the daemon counted them" \
	bash -c "! '$SP_CLI' status | grep -qx 'rate_refused=0'"
it_check "the MMSC's push right after -> 200" genuine g4 200 --pai "$MMSC"

it_stop "$APP"
sp_stop
it_check "no sanitizer or libre warning in the log" \
	bash -c "! grep -E 'ERROR: |runtime error|unhandeled' '$IT_DIR/d.log'"
it_done
