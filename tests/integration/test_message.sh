#!/bin/bash
# Pager-mode push end to end through a real Kamailio: sipp (an independent
# sender) or `sippush send` -> core -> sippushd -> local apps over the
# socket. Covers every row of doc/responses.md, byte-exact bodies, routing
# between apps, dynamic advertising, slow and dying clients, UDP
# retransmissions.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

RAW=$(dirname "$0")/tools/rawclient.py

# push TAG AC CTYPE BODY [HDRS] [sipp args...]: one MESSAGE via sipp.
push() {
	local tag=$1 a=$2 ct=$3 body=$4 hdrs=${5:-}
	shift 5 2>/dev/null || shift $#
	it_sipp "$tag" message_uac.xml -m 1 -s pra -set ac "$a" -set ctype "$ct" \
		-set body "$body" -set hdrs "$hdrs" "$@"
}

# status_is TAG CODE: the final status sipp saw for TAG.
status_is() {
	local got
	got=$(it_sipp_status "$1") || { echo "no final status for $1"; return 1; }
	echo "got $got, wanted $2"
	[ "$got" = "$2" ]
}

# reply_has TAG TEXT: the final response to TAG contains TEXT.
reply_has() {
	tr -d '\r' <"$IT_DIR/sipp-$1.msg.log" | grep -qF -- "$2" ||
		{ echo "no '$2' in the reply"; return 1; }
}

# raw NAME MODE APP [FILTER]: a misbehaving app (tools/rawclient.py).
raw() {
	local name=$1
	shift
	python3 "$RAW" --socket "$SIPPUSH_SOCKET" --mode "$@" >"$IT_DIR/$name.out" 2>&1 &
	LPID=$!
	it_track "$LPID"
	it_wait_log "$IT_DIR/$name.out" "subscribed" 5
}

# pushes_seen NAME N: listener NAME printed exactly N push lines.
pushes_seen() {
	local n
	n=$(grep -c '^push ' "$IT_DIR/$1.out")
	echo "$1 saw $n pushes, wanted $2"
	[ "$n" -eq "$2" ]
}

it_init message
it_certs
it_kamailio_start kam || { it_fail "kamailio started"; it_done; exit 1; }
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock

sp_conf "$IT_DIR/d.conf" udp \
	"app mms.ua" "app ulp.ua" "app emn.ua" \
	"route_ctype application/vnd.omaloc-supl-init ulp.ua" \
	"app_sender emn.ua sip:allowed@sippush.test" \
	"max_message_size 2000" "ack_timeout 1500" "retry_after 17" \
	"max_pending 2"
if ! sp_start d "$IT_DIR/d.conf" || ! sp_registered d; then
	it_fail "daemon registered"
	it_done
	exit 1
fi

# --- 200: the owner ACKs ---------------------------------------------------
listen ack --count 1 mms.ua
push ok "$(ac mms.ua)" text/plain hello
it_check "ACK -> 200" status_is ok 200
it_check "200 carries no body" reply_has ok "Content-Length: 0"
wait "$LPID"
it_check "the app printed the push" grep -q 'app=x-wap-application:mms.ua type=text/plain len=5 sender=sip:sipp@sippush.test' "$IT_DIR/ack.out"

# --- NACK: passed through, or mapped to 603 ---------------------------------
listen nack --count 1 --nack 486 mms.ua
push nack "$(ac mms.ua)" text/plain hello
it_check "NACK 486 -> 486" status_is nack 486
wait "$LPID"
listen nack401 --count 1 --nack 401 mms.ua
push nack401 "$(ac mms.ua)" text/plain hello
it_check "NACK 401 (a proxy code) -> 603" status_is nack401 603
wait "$LPID"

# --- 480: served, nobody listening -------------------------------------------
push none "$(ac mms.ua)" text/plain hello
it_check "no subscriber -> 480" status_is none 480
it_check "480 carries Retry-After" reply_has none "Retry-After: 17"

# --- 404: not served / no application ID --------------------------------------
push notserved "$(ac wml.ua)" text/plain hello
it_check "app not served -> 404" status_is notserved 404
it_check "404 says not served" reply_has notserved "404 Push Application Not Served"
push noid "" text/plain hello
it_check "no application ID -> 404" status_is noid 404
it_check "404 says no ID" reply_has noid "404 No Push Application ID"

# --- 400: malformed -----------------------------------------------------------
push badid "$(ac 'bad/id')" text/plain hello
it_check "malformed app ID -> 400" status_is badid 400
push noctype "$(ac mms.ua)" "" hello
it_check "no Content-Type -> 400" status_is noctype 400

# --- 403: sender not allowed for emn.ua -------------------------------------
listen emn --count 1 emn.ua
push forbidden "$(ac emn.ua)" text/plain hello
it_check "sender not authorised -> 403" status_is forbidden 403
it_check "the app did not get it" pushes_seen emn 0

# --- 413: too large -----------------------------------------------------------
big=$(head -c 2500 /dev/zero | tr '\0' 'x')
push big "$(ac emn.ua)" text/plain "$big"
it_check "body over max_message_size -> 413" status_is big 413
kill "$LPID" 2>/dev/null; wait "$LPID" 2>/dev/null

# --- 410: expired ---------------------------------------------------------------
listen exp --count 1 mms.ua
push expired "$(ac mms.ua)" text/plain hello "Expires: 0"
it_check "Expires: 0 -> 410" status_is expired 410
it_check "expired push not delivered" pushes_seen exp 0
kill "$LPID" 2>/dev/null; wait "$LPID" 2>/dev/null

# --- 415: outside the owner's filter ---------------------------------------------
listen filt --count 1 --filter text/plain mms.ua
push ctype "$(ac mms.ua)" application/xml "<a/>"
it_check "type outside the filter -> 415" status_is ctype 415
it_check "415 carries Accept with the filter" reply_has ctype "Accept: text/plain"
push ctype-ok "$(ac mms.ua)" "text/plain;charset=utf-8" "ok"
it_check "type inside the filter (with parameters) -> 200" status_is ctype-ok 200
wait "$LPID"

# --- other ways to name the app ------------------------------------------------
listen xwap --count 1 mms.ua
push xwap "" text/plain hello "X-Wap-Application-Id: 0x04"
it_check "X-Wap-Application-Id: 0x04 routes to mms.ua -> 200" status_is xwap 200
wait "$LPID"
listen route --count 1 ulp.ua
push route "" application/vnd.omaloc-supl-init supl
it_check "route_ctype routes a SUPL INIT to ulp.ua -> 200" status_is route 200
wait "$LPID"

# --- 408: no ACK in time ----------------------------------------------------------
raw noack noack mms.ua
push noack "$(ac mms.ua)" text/plain hello
it_check "no ACK within ack_timeout -> 408" status_is noack 408
it_check "the app did get the push" grep -q '^push ' "$IT_DIR/noack.out"

# --- 503: too many pending (max_pending 2, the noack app holds them) -----------
"$SP_CLI" send --proxy "sip:127.0.0.1:$KAM_SIP_PORT" --to sip:pra@sippush.test \
	--app mms.ua --data one >"$IT_DIR/p1.out" 2>&1 &
it_track $!
"$SP_CLI" send --proxy "sip:127.0.0.1:$KAM_SIP_PORT" --to sip:pra@sippush.test \
	--app mms.ua --data two >"$IT_DIR/p2.out" 2>&1 &
it_track $!
wait_status pending 2 5
push full "$(ac mms.ua)" text/plain three
# RFC 3261 §16.7 makes a proxy turn a 503 from downstream into 500, so
# the sender behind the core sees 500; the daemon's own answer is 503.
it_check "over max_pending -> 503 from the daemon" \
	it_wait_log "$IT_DIR/d.log" ": 503 Too Many Pending Pushes" 2
it_check "... which the core relays as 500" status_is full 500

# --- the app dies before answering: the sender sees a failure, not 200 -----------
wait_status pending 0 5
"$SP_CLI" send --proxy "sip:127.0.0.1:$KAM_SIP_PORT" --to sip:pra@sippush.test \
	--app mms.ua --data doomed >"$IT_DIR/doomed.out" 2>&1 &
spid=$!
it_track "$spid"
wait_status pending 1 5
kill -KILL "$LPID"
rc=0
wait "$spid" || rc=$?
it_check "client killed mid-delivery -> sender fails (exit $rc)" test "$rc" = 1
it_check "... with 480" grep -q "^480 Push Application Went Away" "$IT_DIR/doomed.out"

# --- binary body byte-exact, two apps each get only their own ---------------------
mkdir -p "$IT_DIR/mms" "$IT_DIR/ulp"
listen two-mms --count 1 --dir "$IT_DIR/mms" mms.ua
mpid=$LPID
listen two-ulp --count 1 --dir "$IT_DIR/ulp" ulp.ua
upid=$LPID
head -c 1500 /dev/urandom >"$IT_DIR/bin"
printf 'a\0b\r\n\0' >>"$IT_DIR/bin"
"$SP_CLI" send --proxy "sip:127.0.0.1:$KAM_SIP_PORT;transport=tcp" --to sip:pra@sippush.test \
	--app x-wap-application:mms.ua --type application/vnd.wap.mms-message \
	--file "$IT_DIR/bin" >"$IT_DIR/bin.out" 2>&1
it_check "binary push over TCP -> 200" grep -q "^200" "$IT_DIR/bin.out"
"$SP_CLI" send --proxy "sip:127.0.0.1:$KAM_SIP_PORT" --to sip:pra@sippush.test \
	--app 16 --type text/plain --data for-ulp >"$IT_DIR/ulp.out" 2>&1
it_check "push to ulp.ua by OMNA number -> 200" grep -q "^200" "$IT_DIR/ulp.out"
wait "$mpid" "$upid"
it_check "binary body arrived byte-exact" cmp "$IT_DIR/bin" "$IT_DIR"/mms/*.body
it_check "mms app got only mms" grep -qx "App-Id: x-wap-application:mms.ua" "$IT_DIR"/mms/*.meta
it_check "mms app got exactly one" test "$(find "$IT_DIR/mms" -name '*.body' | wc -l)" -eq 1
it_check "ulp app got only its own" grep -qx "for-ulp" "$IT_DIR"/ulp/*.body

# --- the record carries the request's metadata byte-exact (doc/ipc.md 6) -------------
mkdir -p "$IT_DIR/meta"
listen metal --count 1 --dir "$IT_DIR/meta" mms.ua
"$SP_CLI" send --proxy "sip:127.0.0.1:$KAM_SIP_PORT" --to sip:pra@sippush.test \
	--app mms.ua --type text/plain --data meta \
	--header 'Date: Sat, 13 Nov 2010 23:29:00 GMT' \
	--header 'X-Wap-Initiator-URI: http://psa.sippush.test/news?id=1&x=%41' \
	--header 'Content-Location: http://psa.sippush.test/p/42;v=1' \
	--header 'Push-Flag: 3' >"$IT_DIR/meta.out" 2>&1
it_check "push with metadata -> 200" grep -q "^200" "$IT_DIR/meta.out"
wait "$LPID"
for line in 'Date: Sat, 13 Nov 2010 23:29:00 GMT' \
	'X-Wap-Initiator-URI: http://psa.sippush.test/news?id=1&x=%41' \
	'Content-Location: http://psa.sippush.test/p/42;v=1' 'Push-Flag: 3'; do
	it_check "record line byte-exact: ${line%%:*}" grep -qxF "$line" "$IT_DIR"/meta/*.meta
done
it_check "record carries the Call-ID and a 24-hex Push-Key" \
	bash -c "grep -qE '^Call-ID: .+' $IT_DIR/meta/*.meta && grep -qE '^Push-Key: [0-9a-f]{24}\$' $IT_DIR/meta/*.meta"
"$SP_CLI" send --proxy "sip:127.0.0.1:$KAM_SIP_PORT" --to sip:pra@sippush.test \
	--app mms.ua --type text/plain --data meta --header 'Push-Flag: 999' \
	>"$IT_DIR/badflag.out" 2>&1
it_check "Push-Flag out of range -> 400 Bad Push-Flag" grep -q "^400 Bad Push-Flag" "$IT_DIR/badflag.out"
it_check "... with a log line" grep -q "400 Bad Push-Flag" "$IT_DIR/d.log"

# --- Content-Encoding: 415 + Accept-Encoding unless the owner takes it ----------------
listen enc1 --count 1 mms.ua
enc1pid=$LPID
push gz "$(ac mms.ua)" text/plain gzipped "Content-Encoding: gzip"
it_check "gzip to an owner that did not name it -> 415" status_is gz 415
it_check "415 carries Accept-Encoding: identity" reply_has gz "Accept-Encoding: identity"
it_check "... and says why" reply_has gz "415 Unsupported Content-Encoding"
kill "$enc1pid" 2>/dev/null
wait "$enc1pid" 2>/dev/null
mkdir -p "$IT_DIR/enc"
listen enc2 --count 1 --encoding gzip,br --dir "$IT_DIR/enc" mms.ua
enc2pid=$LPID
push df "$(ac mms.ua)" text/plain deflated "Content-Encoding: deflate"
it_check "deflate to an owner with --encoding gzip,br -> 415" status_is df 415
it_check "... with its codings in Accept-Encoding" reply_has df "Accept-Encoding: identity, gzip,br"
push gz2 "$(ac mms.ua)" text/plain gzipped "Content-Encoding: gzip"
it_check "gzip to that owner -> 200" status_is gz2 200
wait "$enc2pid"
it_check "the record says Content-Encoding: gzip" grep -qx "Content-Encoding: gzip" "$IT_DIR"/enc/*.meta
it_check "the body came as sent" grep -qx "gzipped" "$IT_DIR"/enc/*.body

# --- OPTIONS Accept follows the connected apps' filters -------------------------------
it_sipp opt0 options_uac.xml -m 1 -s pra
it_check "OPTIONS with no app connected: Accept: */*" \
	grep -q '^Accept: \*/\*' "$IT_DIR/sipp-opt0.msg.log"
listen optl --count 1 --filter text/plain mms.ua
optpid=$LPID
it_sipp opt1 options_uac.xml -m 1 -s pra
it_check "OPTIONS with an app taking text/plain: Accept: text/plain" \
	grep -q '^Accept: text/plain' "$IT_DIR/sipp-opt1.msg.log"
listen optu --count 1 ulp.ua
optupid=$LPID
it_sipp opt2 options_uac.xml -m 1 -s pra
it_check "... and one taking anything: Accept: */*" \
	grep -q '^Accept: \*/\*' "$IT_DIR/sipp-opt2.msg.log"
kill "$optpid" "$optupid" 2>/dev/null
wait "$optpid" "$optupid" 2>/dev/null

# --- a new app ID is advertised by subscribing, then routed by the core ---------
listen dyn --count 1 fs.ua
it_check "subscribing to fs.ua re-registers with it" \
	it_wait_binding pra '+g.oma.pusheventapp="emn.ua,fs.ua,mms.ua,ulp.ua"' 5
push dyn "$(ac fs.ua)" text/plain hello
it_check "MESSAGE for the new ID arrives -> 200" status_is dyn 200
wait "$LPID"
it_check "its last subscriber gone: fs.ua withdrawn" \
	it_wait_binding pra '+g.oma.pusheventapp="emn.ua,mms.ua,ulp.ua"' 5

# --- UDP retransmission reaches the app once --------------------------------------
listen retr --count 2 mms.ua
it_sipp retr message_retrans_uac.xml -m 1 -s pra -nr -set ac "$(ac mms.ua)" \
	-set ctype text/plain -set body once -set hdrs "X-IT-Stateless: 1"
it_check "retransmitted MESSAGE answered 200" status_is retr 200
push after "$(ac mms.ua)" text/plain after
wait "$LPID"
it_check "the app saw the retransmitted push once (2 pushes in all)" pushes_seen retr 2
it_check "the daemon counted the retransmission" \
	bash -c "'$SP_CLI' status | grep -q '^retransmissions=[1-9]'"

sp_stop

# --- a client that stops reading does not hold up another app -----------------------
# (the flood is one sender: no sender_rate here)
sp_conf "$IT_DIR/slow.conf" udp "app mms.ua" "app ulp.ua" \
	"ack_timeout 20000" "max_pending 1000" "sender_rate 0"
sp_start slow "$IT_DIR/slow.conf" && sp_registered slow
raw mute mute mms.ua
mutepid=$LPID
listen fast --count 1 ulp.ua
fastpid=$LPID
body=$(head -c 1900 /dev/zero | tr '\0' 'm')
it_sipp_bg flood message_uac.xml -m 300 -r 300 -s pra -set ac "$(ac mms.ua)" \
	-set ctype text/plain -set body "$body"
it_check "the stalled client is dropped" wait_status dropped_clients 1 20
push fast "$(ac ulp.ua)" text/plain quick
it_check "the other app still gets its push -> 200" status_is fast 200
wait "$fastpid"
it_check "only the fast app is still connected" status_key clients 1
kill "$mutepid" 2>/dev/null
it_check "senders of the dropped client's pushes heard 480" \
	bash -c "grep -c '^SIP/2.0 480' '$IT_DIR/sipp-flood.msg.log' | grep -qv '^0$'"
it_stop "$IT_SIPP_PID"
sp_stop

# --- 481: a MESSAGE inside a dialog we do not have, straight to the daemon -----------
sp_conf "$IT_DIR/raw.conf" udp "app mms.ua"
sp_start raw "$IT_DIR/raw.conf" && sp_registered raw
port=$(sed -n 's/^sip_listen 127.0.0.1://p' "$IT_DIR/raw.conf")
it_check "in-dialog MESSAGE -> 481" \
	bash -c "python3 '$(dirname "$0")/tools/rawsip.py' 127.0.0.1 $port 'tag=abc' | grep -q '^SIP/2.0 481'"
sp_stop

it_done
