#!/bin/bash
# IMDN (RFC 5438) end to end through a real Kamailio: a push sender agent
# (tools/imdnpsa.py, registered as pra2) sends a message/cpim push asking
# for notifications; the app ACKs or NACKs (and reports DISPOSED); the
# daemon's notifications come back through the core, each document valid
# against tests/xml/imdn.xsd; a notification the core could not take yet
# survives a daemon restart and is sent afterwards.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

TOOLS=$(dirname "$0")/tools
XSD=$(cd "$(dirname "$0")/../xml" && pwd)/imdn.xsd

# psa NAME ARGS...: run the PSA, output in $IT_DIR/NAME.out, files in
# $IT_DIR/NAME/.
psa() {
	local name=$1
	shift
	mkdir -p "$IT_DIR/$name"
	python3 "$TOOLS/imdnpsa.py" --port "$KAM_SIP_PORT" --out "$IT_DIR/$name" \
		"$@" >"$IT_DIR/$name.out" 2>&1
}

# valid NAME N: notification N of PSA run NAME validates against the schema.
valid() {
	xmllint --noout --schema "$XSD" "$IT_DIR/$1/imdn-$2.xml"
}

# reply_is COMMAND PREFIX: a fresh connection (owning nothing) sends
# COMMAND after HELLO; the daemon's reply starts with PREFIX.
reply_is() {
	local got
	got=$(python3 - "$SIPPUSH_SOCKET" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.send(b"HELLO 1")
s.recv(512)
s.send(sys.argv[2].encode())
print(s.recv(512).decode())
PY
)
	echo "reply: $got"
	case $got in "$2"*) return 0 ;; esac
	return 1
}

it_init imdn
it_certs
it_kamailio_start kam || { it_fail "kamailio started"; it_done; exit 1; }
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock

sp_conf "$IT_DIR/d.conf" udp "app mms.ua" "ack_timeout 3000"
if ! sp_start d "$IT_DIR/d.conf" || ! sp_registered d; then
	it_fail "daemon registered"
	it_done
	exit 1
fi

# --- positive-delivery after the app's ACK -----------------------------------
mkdir -p "$IT_DIR/app1"
listen app1 --count 1 --dir "$IT_DIR/app1" mms.ua
psa pos --msgid Hr1BCcvD --dispo "positive-delivery, negative-delivery"
wait_listen "$LPID"
it_check "CPIM push ACKed -> 200" grep -q "^STATUS 200" "$IT_DIR/pos.out"
it_check "positive-delivery reached the sender with its Message-ID" \
	grep -q "^IMDN 1 delivered Hr1BCcvD message/cpim" "$IT_DIR/pos.out"
it_check "the document is schema-valid (imdn.xsd)" valid pos 1
it_check "... a delivery-notification" grep -q "<delivery-notification>" "$IT_DIR/pos/imdn-1.xml"
it_check "the record carried Imdn-Message-ID" grep -qx "Imdn-Message-ID: Hr1BCcvD" "$IT_DIR"/app1/*.meta
it_check "... and Imdn-Disposition-Notification" \
	grep -qx "Imdn-Disposition-Notification: positive-delivery, negative-delivery" "$IT_DIR"/app1/*.meta

# --- SUBSCRIBE unwrap: the inner content, the CPIM headers as record lines ---------
mkdir -p "$IT_DIR/unw" "$IT_DIR/mon"
listen unw --count 1 --unwrap --dir "$IT_DIR/unw" mms.ua
unwpid=$LPID
listen mon --count 1 --monitor --dir "$IT_DIR/mon" mms.ua
monpid=$LPID
psa unwrap --msgid Unwrap0001 --dispo "positive-delivery" --data "inner text"
wait_listen "$unwpid"
wait_listen "$monpid"
it_check "unwrapped push ACKed -> 200" grep -q "^STATUS 200" "$IT_DIR/unwrap.out"
it_check "unwrap: the app got the inner content" grep -qx "inner text" "$IT_DIR"/unw/*.body
it_check "unwrap: ... with the inner type" grep -qx "Content-Type: text/plain" "$IT_DIR"/unw/*.meta
it_check "unwrap: ... and CPIM-From" grep -qx "CPIM-From: sip:pra2@sippush.test" "$IT_DIR"/unw/*.meta
it_check "unwrap: ... and CPIM-DateTime" grep -qx "CPIM-DateTime: 2024-05-01T10:00:00Z" "$IT_DIR"/unw/*.meta
it_check "a monitor without unwrap got the wrapper whole" grep -qx "Content-Type: message/cpim" "$IT_DIR"/mon/*.meta
it_check "... whose body is the CPIM wrapper" grep -q "^imdn.Message-ID: Unwrap0001" "$IT_DIR"/mon/*.body

# --- negative-delivery after a NACK, with the code ------------------------------
listen app2 --count 1 --nack 486 mms.ua
psa neg --msgid Neg0000001 --dispo "positive-delivery, negative-delivery"
wait_listen "$LPID"
it_check "CPIM push NACKed 486 -> 486" grep -q "^STATUS 486" "$IT_DIR/neg.out"
it_check "negative-delivery (failed) reached the sender" \
	grep -q "^IMDN 1 failed Neg0000001 message/cpim" "$IT_DIR/neg.out"
it_check "the document is schema-valid" valid neg 1

# --- only what was asked: no negative-delivery unless asked ---------------------
listen app3 --count 1 --nack 486 mms.ua
psa noneg --msgid NoNeg00001 --dispo "positive-delivery" --expect 1 --timeout 3
wait_listen "$LPID"
it_check "NACKed push whose sender asked positive only: no IMDN" \
	bash -c "grep -q '^STATUS 486' '$IT_DIR/noneg.out' && ! grep -q '^IMDN' '$IT_DIR/noneg.out'"

# --- display: sent when the app reports DISPOSED displayed ------------------------
listen app4 --count 1 --disposed displayed mms.ua
psa disp --msgid Disp000001 --dispo "positive-delivery, display" --expect 2
wait_listen "$LPID"
it_check "delivered and displayed: two notifications" \
	bash -c "grep -q '^IMDN 1 delivered Disp000001' '$IT_DIR/disp.out' && grep -q '^IMDN 2 displayed Disp000001' '$IT_DIR/disp.out'"
it_check "the display document is schema-valid" valid disp 2
it_check "... a display-notification" grep -q "<display-notification>" "$IT_DIR/disp/imdn-2.xml"

# --- DISPOSED: only the owner, only what was asked, only once ---------------------
listen app5 --count 1 mms.ua
psa proc --msgid Proc000001 --dispo "positive-delivery, processing" --expect 1
wait_listen "$LPID"
pid5=$(sed -n 's/^push \([0-9]*\) .*/\1/p' "$IT_DIR/app5.out" | head -n 1)
it_check "push id seen by the app" test -n "$pid5"
it_check "DISPOSED from a connection that does not own the app -> 403" \
	reply_is "DISPOSED $pid5 processed" "ERR 403"
it_check "DISPOSED for an unknown push -> 404" \
	reply_is "DISPOSED 999999 displayed" "ERR 404"
it_check "malformed DISPOSED -> 400" reply_is "DISPOSED 1 read" "ERR 400"

# --- a notification not yet sent survives a restart --------------------------------
# The PSA answers every notification 503 (the core relays 500) while the
# first daemon runs: it keeps the notification in state_dir/imdn and
# retries with back-off. With that daemon stopped and the PSA gone, a new
# PSA on the same contact takes notifications; the daemon, started
# again, sends the stored one from its store.
lport=$(it_free_port)
listen app6 --count 1 mms.ua
mkdir -p "$IT_DIR/keep1"
python3 "$TOOLS/imdnpsa.py" --port "$KAM_SIP_PORT" --out "$IT_DIR/keep1" \
	--msgid Keep000001 --dispo "positive-delivery" --lport "$lport" \
	--answer 503 --keep --expect 100 --timeout 60 >"$IT_DIR/keep1.out" 2>&1 &
kpid=$!
it_track "$kpid"
wait_listen "$LPID"
it_check "the PSA refused the first attempt (503)" \
	it_wait_log "$IT_DIR/keep1.out" "IMDN 1 delivered Keep000001" 10
it_check "the daemon will try again (back-off)" \
	it_wait_log "$IT_DIR/d.log" "Keep000001: 500 Service Unavailable; again in" 10
sp_stop
it_stop "$kpid"
it_check "the unsent notification is on disk" \
	bash -c "[ -n \"\$(find '$IT_DIR/state/imdn' -type f -name '*.imdn')\" ]"
mkdir -p "$IT_DIR/keep2"
python3 "$TOOLS/imdnpsa.py" --port "$KAM_SIP_PORT" --out "$IT_DIR/keep2" \
	--lport "$lport" --collect --expect 1 --timeout 30 >"$IT_DIR/keep2.out" 2>&1 &
kpid=$!
it_track "$kpid"
it_wait_log "$IT_DIR/keep2.out" "STATUS" 10
sp_start d2 "$IT_DIR/d.conf" && sp_registered d2
it_check "the restarted daemon loaded it" grep -q "1 notification(s) from the last run" "$IT_DIR/d2.log"
wait "$kpid"
it_check "after the restart the stored notification reached the PSA" \
	grep -q "^IMDN 1 delivered Keep000001 message/cpim" "$IT_DIR/keep2.out"
it_check "... schema-valid" valid keep2 1
it_check "... sent by the restarted daemon (200)" \
	it_wait_log "$IT_DIR/d2.log" "Keep000001: sent (200" 10
it_check "the store is empty again" \
	bash -c "[ -z \"\$(find '$IT_DIR/state/imdn' -type f -name '*.imdn')\" ]"

sp_stop
it_done
