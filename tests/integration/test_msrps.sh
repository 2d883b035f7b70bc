#!/bin/bash
# Session-mode push over MSRP over TLS (TCP/TLS/MSRP, msrps:) through a real
# Kamailio: both connection directions with good certificates (1 MiB
# byte-exact), plain msrp: beside it on its own listener (both directions,
# each record's Transport what was used), an untrusted daemon certificate
# refused by the sender, a sender certificate for the wrong host refused by
# the daemon, and tls_verify no accepting it with a warning.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

# msend NAME ARGS...: `sippush send --msrp --tls` through the core; output
# in $IT_DIR/NAME.send, exit status returned.
msend() {
	local name=$1
	shift
	"$SP_CLI" send --msrp --tls --proxy "sip:127.0.0.1:$KAM_SIP_PORT;transport=tcp" \
		--to sip:pra@sippush.test --app mms.ua --type application/octet-stream \
		--timeout 10 "$@" >"$IT_DIR/$name.send" 2>&1
}

# no_body DIR: nothing was delivered into DIR.
no_body() {
	local n
	n=$(find "$1" -name '*.body' | wc -l)
	echo "$n bodies in $1"
	[ "$n" -eq 0 ]
}

# daemon NAME CERT [LINE...]: (re)start the daemon with tls_cert_file
# $IT_PKI/CERT-full.pem (cert + key), verifying peers against ca.pem.
daemon() {
	local name=$1 cert=$2
	shift 2
	[ -z "$SP_PID" ] || sp_stop
	SP_PID=
	sp_conf "$IT_DIR/$name.conf" tcp "app mms.ua" \
		"tls_cert_file $IT_PKI/$cert-full.pem" "tls_ca_file $IT_PKI/ca.pem" \
		"msrp_connect_timeout 5" "msrp_idle_timeout 5" "$@"
	sp_start "$name" "$IT_DIR/$name.conf" && sp_registered "$name"
}

it_init msrps
it_certs || { it_fail "test certificates made"; it_done; exit 1; }
# libre wants certificate and key in one PEM file
for c in kam wrong rogue; do
	cat "$IT_PKI/$c.pem" "$IT_PKI/$c.key" >"$IT_PKI/$c-full.pem"
done
it_kamailio_start kam || { it_fail "kamailio started"; it_done; exit 1; }
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock
head -c 1048576 /dev/urandom >"$IT_DIR/1m"

if ! daemon d kam; then
	it_fail "daemon registered"
	it_done
	exit 1
fi

# --- good certificates, both directions ----------------------------------------
# actpass: the daemon answers active and dials msrps://127.0.0.1 (IP SAN)
mkdir -p "$IT_DIR/out-act"
listen l-act --count 1 --dir "$IT_DIR/out-act" mms.ua
msend s-act --setup actpass --cert "$IT_PKI/kam-full.pem" --ca "$IT_PKI/ca.pem" \
	--file "$IT_DIR/1m"
rc=$?
it_check "msrps, daemon dials (actpass) -> delivered (exit $rc)" test "$rc" -eq 0
wait_listen "$LPID"
it_check "... 1 MiB byte-exact" same_sha "$IT_DIR/1m" "$IT_DIR/out-act"
it_check "... the daemon dialled out over TLS" grep -q "connected out; binding" "$IT_DIR/d.log"
it_check "... and handed to the app as msrps" grep -qx "Transport: msrps" "$IT_DIR"/out-act/*.meta

# active: we dial, the daemon presents kam.pem, we verify it with --ca
mkdir -p "$IT_DIR/out-pas"
listen l-pas --count 1 --dir "$IT_DIR/out-pas" mms.ua
msend s-pas --setup active --ca "$IT_PKI/ca.pem" --file "$IT_DIR/1m"
rc=$?
it_check "msrps, sender dials (active) -> delivered (exit $rc)" test "$rc" -eq 0
wait_listen "$LPID"
it_check "... 1 MiB byte-exact" same_sha "$IT_DIR/1m" "$IT_DIR/out-pas"
it_check "... no 'not verified' warning with --ca" bash -c "! grep -q 'NOT verified' '$IT_DIR/s-pas.send'"
it_check "... and handed to the app as msrps" grep -qx "Transport: msrps" "$IT_DIR"/out-pas/*.meta

# --- plain msrp: with tls_cert_file set, on the plain listener -------------------
# The answer names the listener of the offer's transport: a plain sender
# that dials us used to meet a TLS handshake there and fail.
for setup in active actpass; do
	mkdir -p "$IT_DIR/out-plain-$setup"
	listen "l-plain-$setup" --count 1 --dir "$IT_DIR/out-plain-$setup" mms.ua
	"$SP_CLI" send --msrp --proxy "sip:127.0.0.1:$KAM_SIP_PORT;transport=tcp" \
		--to sip:pra@sippush.test --app mms.ua --type application/octet-stream \
		--timeout 10 --setup "$setup" --file "$IT_DIR/1m" >"$IT_DIR/s-plain-$setup.send" 2>&1
	rc=$?
	it_check "msrp (plain) beside msrps, setup $setup -> delivered (exit $rc)" test "$rc" -eq 0
	wait_listen "$LPID"
	it_check "... 1 MiB byte-exact" same_sha "$IT_DIR/1m" "$IT_DIR/out-plain-$setup"
	it_check "... handed to the app as msrp" grep -qx "Transport: msrp" "$IT_DIR"/out-plain-$setup/*.meta
done
it_check "two listeners: msrp and msrps on their own ports" grep -q "MSRP on .*, msrps on " "$IT_DIR/d.log"

# an msrps session named on the plain listener: the downgrade is refused
plain=$(sed -n 's/.*MSRP on \([0-9.]*:[0-9]*\), msrps on .*/\1/p' "$IT_DIR/d.log" | tail -n 1)
mkdir -p "$IT_DIR/out-down"
listen l-down --dir "$IT_DIR/out-down" mms.ua
python3 "$(dirname "$0")/tools/rawmsrp.py" --sip "$(sed -n 's/^sip_listen //p' "$IT_DIR/d.conf")" \
	--scheme msrps --dial "$plain" --timeout 5 "send,m1,1-5/5,\$,PLAIN" eof >"$IT_DIR/down.send" 2>&1
cat "$IT_DIR/down.send"
it_check "msrps session, SEND over plain TCP -> 481" grep -q "^SEND m1 1-5/5 -> 481" "$IT_DIR/down.send"
it_check "... and the connection closed" grep -qx "CLOSED" "$IT_DIR/down.send"
sleep 0.5
it_check "... nothing delivered" no_body "$IT_DIR/out-down"
it_stop "$LPID"

# --- the sender presents wrong.pem (DNS:wrong.example), the daemon dials 127.0.0.1
mkdir -p "$IT_DIR/out-wrong"
listen l-wrong --count 1 --dir "$IT_DIR/out-wrong" mms.ua
msend s-wrong --setup actpass --cert "$IT_PKI/wrong-full.pem" --ca "$IT_PKI/ca.pem" \
	--file "$IT_DIR/1m"
rc=$?
it_check "sender with wrong.pem -> sender fails (exit $rc)" test "$rc" -ne 0
it_check "... the daemon refused the peer's certificate" \
	it_wait_log "$IT_DIR/d.log" "certificate rejected" 5
sleep 0.5
it_check "... nothing delivered" no_body "$IT_DIR/out-wrong"
it_stop "$LPID"

# --- tls_verify no: wrong.pem is accepted, with a warning -------------------------
daemon nv kam "tls_verify no" || it_fail "daemon (tls_verify no) registered"
mkdir -p "$IT_DIR/out-nv"
listen l-nv --count 1 --dir "$IT_DIR/out-nv" mms.ua
msend s-nv --setup actpass --cert "$IT_PKI/wrong-full.pem" --ca "$IT_PKI/ca.pem" \
	--file "$IT_DIR/1m"
rc=$?
it_check "tls_verify no: wrong.pem accepted -> delivered (exit $rc)" test "$rc" -eq 0
wait_listen "$LPID"
it_check "... 1 MiB byte-exact" same_sha "$IT_DIR/1m" "$IT_DIR/out-nv"
it_check "... with the warning logged" grep -q "MSRP peer's certificate is NOT checked" "$IT_DIR/nv.log"

# --- the daemon presents rogue.pem (untrusted CA): the sender refuses ---------------
daemon rogue rogue || it_fail "daemon (rogue.pem) registered"
mkdir -p "$IT_DIR/out-rogue"
listen l-rogue --count 1 --dir "$IT_DIR/out-rogue" mms.ua
msend s-rogue --setup active --ca "$IT_PKI/ca.pem" --file "$IT_DIR/1m"
rc=$?
it_check "daemon with rogue.pem -> sender refuses (exit $rc)" test "$rc" -ne 0
it_check "... because the certificate does not verify" \
	grep -q "does not verify against --ca" "$IT_DIR/s-rogue.send"
sleep 0.5
it_check "... nothing delivered" no_body "$IT_DIR/out-rogue"
it_stop "$LPID"

# without --ca the same connection goes through, with a warning
mkdir -p "$IT_DIR/out-noca"
listen l-noca --count 1 --dir "$IT_DIR/out-noca" mms.ua
msend s-noca --setup active --file "$IT_DIR/1m"
rc=$?
it_check "no --ca: rogue.pem not checked -> delivered (exit $rc)" test "$rc" -eq 0
wait_listen "$LPID"
it_check "... with the sender's warning" grep -q "NOT verified" "$IT_DIR/s-noca.send"
sp_stop

# --- usage ------------------------------------------------------------------------
msend s-usage --setup actpass --file "$IT_DIR/1m"
rc=$?
it_check "--tls without --cert (we may be dialled) -> usage error (exit $rc)" test "$rc" -eq 2

it_done
