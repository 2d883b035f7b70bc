#!/bin/bash
# Integrity under hostile input (issue 12), end to end through a real
# Kamailio and straight at the daemon: UDP MESSAGEs past libre's 8 KiB
# read arrive byte-exact or are refused (never cut behind a 200);
# Content-Length is enforced on UDP; each malformed request of the issue
# gets 400 with its reason (or no answer where it has no Via); a junk
# flood is dropped before libre's parser, logged rate-limited, and a
# genuine push in the same run is still delivered.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

BAD=$(dirname "$0")/tools/badsip.py

# libre >= 2.1 answers "400 Bad Request" itself, before any listener, to
# a request without To, From, CSeq, Call-ID or a Via branch (3.x also
# without Max-Forwards) or whose CSeq method is not the request's
# (have_essential_fields() in its sip/transp.c, re#119/#146): refused all
# the same, but with libre's reason, and our intake never counts it.
libre_ver=$("$SP_DAEMON" -V | sed -n 's/.*(libre \([0-9.]*\)).*/\1/p')
libre_num=$(echo "$libre_ver" | awk -F. '{ print $1 * 10000 + $2 * 100 + $3 }')
ours=0

# bad CASE WANT [badsip args]: CASE straight at the daemon gets WANT
# (a status line prefix, or NONE / CLOSED); each answer with our reason
# counts in $ours, which intake_sipcheck_refused must equal.
bad() {
	local case=$1 want=$2 got
	shift 2
	got=$(python3 "$BAD" 127.0.0.1 "$SP_PORT" "$case" "$@")
	echo "$case: got '$got', wanted '$want' (libre $libre_ver)"
	case $got in
	"$want"*)
		case $want in "SIP/2.0 400"*) ours=$((ours + 1)) ;; esac
		return 0 ;;
	esac
	bad_libre_may_refuse "$case" && [ "${libre_num:-0}" -ge 20100 ] &&
		[ "$got" = "SIP/2.0 400 Bad Request" ]
}

# the cases libre >= 2.1 may refuse before us (see above)
bad_libre_may_refuse() {
	case $1 in no-to | no-from | no-callid | no-cseq | no-maxfwd | cseq-method) return 0 ;;
	no-via) return 0 ;; # over TCP libre answers it; over UDP nobody can
	esac
	return 1
}

# direct TAG FILE: pushsend.py straight at the daemon (no proxy)
direct() {
	python3 "$SP_TOP/tests/integration/tools/pushsend.py" \
		--proxy "127.0.0.1:$SP_PORT" --app mms.ua --file "$2" \
		--timeout 10 --out "$IT_DIR/$1.resp" >"$IT_DIR/$1.status" 2>&1
}

it_init integrity
it_certs
it_kamailio_start kam || { it_fail "kamailio started"; it_done; exit 1; }
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock

sp_conf "$IT_DIR/d.conf" udp "app mms.ua"
SP_PORT=$(sed -n 's/^sip_listen 127.0.0.1:\([0-9]*\)$/\1/p' "$IT_DIR/d.conf")
if ! sp_start d "$IT_DIR/d.conf" || ! sp_registered d; then
	it_fail "daemon registered"
	it_done
	exit 1
fi
it_check "the UDP socket reads 64 KiB datagrams" wait_status udp_grown 1 5

# --- UDP past 8 KiB: whole or refused -----------------------------------------
head -c 20000 /dev/urandom >"$IT_DIR/b20k.bin"
head -c 33000 /dev/urandom >"$IT_DIR/b33k.bin"
head -c 60000 /dev/urandom >"$IT_DIR/b60k.bin"

mkdir -p "$IT_DIR/got1" "$IT_DIR/got2"
listen l1 --count 1 --dir "$IT_DIR/got1" mms.ua
psend k20 mms.ua "$IT_DIR/b20k.bin" --timeout 10
it_check "20,000 bytes via Kamailio/UDP -> 200" psend_is k20 200
wait_listen "$LPID"
it_check "... delivered byte-exact" same_sha "$IT_DIR/b20k.bin" "$IT_DIR/got1"
psend k33 mms.ua "$IT_DIR/b33k.bin" --timeout 10
it_check "33,000 bytes via Kamailio/UDP -> 413" psend_is k33 413
psend k60 mms.ua "$IT_DIR/b60k.bin" --timeout 10
it_check "60,000 bytes via Kamailio/UDP -> 413" psend_is k60 413

listen l2 --count 1 --dir "$IT_DIR/got2" mms.ua
direct d20 "$IT_DIR/b20k.bin"
it_check "20,000 bytes straight over UDP -> 200" psend_is d20 200
wait_listen "$LPID"
it_check "... delivered byte-exact" same_sha "$IT_DIR/b20k.bin" "$IT_DIR/got2"
direct d33 "$IT_DIR/b33k.bin"
it_check "33,000 bytes straight over UDP -> 413" psend_is d33 413
direct d60 "$IT_DIR/b60k.bin"
it_check "60,000 bytes straight over UDP -> 413" psend_is d60 413

# --- Content-Length on UDP ---------------------------------------------------
it_check "UDP CL 5 with 10 body bytes -> 400" bad clen-short "SIP/2.0 400 Content-Length Mismatch"
it_check "UDP CL 20 with 10 body bytes -> 400" bad clen-long "SIP/2.0 400 Content-Length Mismatch"

# --- RFC 3261 §8.2: each malformed request ------------------------------------
it_check "well-formed, nobody listening -> 480" bad ok "SIP/2.0 480"
it_check "no Via -> no answer" bad no-via NONE
it_check "no To -> 400" bad no-to "SIP/2.0 400 Missing To"
it_check "no From -> 400" bad no-from "SIP/2.0 400 Missing From"
it_check "no Call-ID -> 400" bad no-callid "SIP/2.0 400 Missing Call-ID"
it_check "no CSeq -> 400" bad no-cseq "SIP/2.0 400 Missing CSeq"
it_check "no Max-Forwards -> 400" bad no-maxfwd "SIP/2.0 400 Missing Max-Forwards"
it_check "Max-Forwards 256 -> 400" bad maxfwd-bad "SIP/2.0 400 Bad Max-Forwards"
it_check "CSeq method mismatch -> 400" bad cseq-method "SIP/2.0 400 CSeq Method Mismatch"
it_check "CSeq -1 -> 400" bad cseq-negative "SIP/2.0 400 Bad CSeq"
it_check "CSeq 2^32 -> 400" bad cseq-huge "SIP/2.0 400 Bad CSeq Number"
it_check "NUL in a header name -> 400" bad nul-name "SIP/2.0 400 Bad Header Name"
it_check "two Content-Length -> 400" bad two-clen "SIP/2.0 400 Multiple Content-Length Headers"
it_check "TCP: no Via -> closed, no answer" bad no-via CLOSED --tcp
it_check "TCP: CSeq method mismatch -> 400" bad cseq-method "SIP/2.0 400 CSeq Method Mismatch" --tcp
it_check "TCP: Content-Length 2^32+10 -> 400" bad clen-wrap "SIP/2.0 400 Bad Content-Length" --tcp
it_check "TCP: two Content-Length -> 400" bad two-clen "SIP/2.0 400 Multiple Content-Length Headers" --tcp
it_check "the refusals answered with our reason are counted ($ours)" \
	status_key intake_sipcheck_refused "$ours"

# --- junk flood: dropped before the parser, one genuine push still through ----
mkdir -p "$IT_DIR/got3"
lines0=$(wc -l <"$IT_DIR/d.log")
listen l3 --count 5 --dir "$IT_DIR/got3" mms.ua
python3 "$BAD" 127.0.0.1 "$SP_PORT" junk --count 500 --rate 100 --size 8000 &
JPID=$!
it_track "$JPID"
for i in 1 2 3 4 5; do
	head -c 3000 /dev/urandom >"$IT_DIR/p$i.bin"
	psend fl$i mms.ua "$IT_DIR/p$i.bin" --timeout 10
	it_check "push $i during the junk flood -> 200" psend_is "fl$i" 200
	sleep 0.5
done
wait "$JPID"
wait_listen "$LPID"
it_check "5 pushes delivered during the flood" test "$(find "$IT_DIR/got3" -name '*.body' | wc -l)" -eq 5
it_check "500 junk datagrams dropped by the pre-filter" status_key udp_junk_dropped 500
lines=$(tail -n +"$((lines0 + 1))" "$IT_DIR/d.log" | grep -c "udpgrow: ")
echo "junk log lines during the flood: $lines"
it_check "500 junk datagrams logged in at most 12 lines" test "$lines" -le 12

sp_stop
it_done
