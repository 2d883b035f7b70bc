#!/bin/bash
# Session-mode push end to end through a real Kamailio: `sippush send
# --msrp` (INVITE through the core, MSRP per the negotiated a=setup) ->
# sippushd -> `sippush listen --dir`. Large files byte-exact, chunks out of
# order and interleaved, size limit, cut connections, many sessions,
# connection direction both ways, the INVITE refusals.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

BIG_MB=${SIPPUSH_TEST_BIG_MB:-200}

# msend NAME ARGS...: `sippush send --msrp` through the core; output in
# $IT_DIR/NAME.send, exit status returned.
msend() {
	local name=$1
	shift
	"$SP_CLI" send --msrp --proxy "sip:127.0.0.1:$KAM_SIP_PORT;transport=tcp" \
		--to sip:pra@sippush.test "$@" >"$IT_DIR/$name.send" 2>&1
}

# spool_empty: no spool file is left in the daemon's state_dir.
spool_empty() {
	local n
	n=$(find "$IT_DIR/spool" -name 'msrp-*' 2>/dev/null | wc -l)
	echo "spool files: $n"
	[ "$n" -eq 0 ]
}

# rss_kb PID: resident set (VmHWM = peak) of PID in kB.
peak_kb() {
	sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"
}

it_init msrp
it_certs
it_kamailio_start kam || { it_fail "kamailio started"; it_done; exit 1; }
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock

sp_conf "$IT_DIR/d.conf" tcp "app mms.ua" "app ulp.ua" "msrp_max_size $((BIG_MB + 8))" \
	"msrp_connect_timeout 5" "msrp_idle_timeout 5" "max_pending 100"
if ! sp_start d "$IT_DIR/d.conf" || ! sp_registered d; then
	it_fail "daemon registered"
	it_done
	exit 1
fi
dpid=$SP_PID

# --- 1 MiB, each connection direction ----------------------------------------
head -c 1048576 /dev/urandom >"$IT_DIR/1m"
for setup in actpass active passive none; do
	mkdir -p "$IT_DIR/out-$setup"
	listen "l-$setup" --count 1 --dir "$IT_DIR/out-$setup" mms.ua
	msend "s-$setup" --app mms.ua --type application/octet-stream \
		--setup "$setup" --file "$IT_DIR/1m"
	rc=$?
	it_check "1 MiB with a=setup:$setup -> delivered (exit $rc)" test "$rc" -eq 0
	wait_listen "$LPID"
	it_check "1 MiB with a=setup:$setup arrived byte-exact" same_sha "$IT_DIR/1m" "$IT_DIR/out-$setup"
done
it_check "the daemon dialled out for actpass" grep -q "connected out; binding" "$IT_DIR/d.log"

# --- 200 MiB, memory bounded --------------------------------------------------
head -c $((BIG_MB * 1048576)) /dev/urandom >"$IT_DIR/big"
mkdir -p "$IT_DIR/out-big"
listen l-big --count 1 --dir "$IT_DIR/out-big" mms.ua
before=$(peak_kb "$dpid")
msend s-big --app mms.ua --type video/mp4 --chunk-size 65536 --file "$IT_DIR/big"
rc=$?
after=$(peak_kb "$dpid")
echo "# sippushd peak RSS: ${before} kB before, ${after} kB after the ${BIG_MB} MiB push"
it_check "${BIG_MB} MiB push -> delivered (exit $rc)" test "$rc" -eq 0
wait_listen "$LPID"
it_check "${BIG_MB} MiB arrived byte-exact (sha256)" same_sha "$IT_DIR/big" "$IT_DIR/out-big"
it_check "the spool file is gone after the ACK" spool_empty
rm -f "$IT_DIR/big" "$IT_DIR"/out-big/*.body

# --- out of order and interleaved ------------------------------------------------
head -c 300000 /dev/urandom >"$IT_DIR/a"
head -c 200000 /dev/urandom >"$IT_DIR/b"
mkdir -p "$IT_DIR/out-il"
listen l-il --count 2 --dir "$IT_DIR/out-il" mms.ua
msend s-il --app mms.ua --type application/octet-stream --chunk-size 8192 \
	--order shuffle --interleave "$IT_DIR/b" --file "$IT_DIR/a"
rc=$?
it_check "two interleaved messages, chunks shuffled -> delivered (exit $rc)" test "$rc" -eq 0
wait_listen "$LPID"
it_check "both arrived byte-exact" bash -c "
	for f in '$IT_DIR'/out-il/*.body; do sha256sum <\"\$f\"; done | sort >'$IT_DIR/il.got'
	{ sha256sum <'$IT_DIR/a'; sha256sum <'$IT_DIR/b'; } | sort >'$IT_DIR/il.want'
	cmp '$IT_DIR/il.got' '$IT_DIR/il.want'"

# --- Byte-Range total '*' until the last chunk ---------------------------------
mkdir -p "$IT_DIR/out-star"
listen l-star --count 1 --dir "$IT_DIR/out-star" mms.ua
msend s-star --app mms.ua --type text/plain --chunk-size 4096 --total-star --file "$IT_DIR/b"
it_check "Byte-Range a-b/* chunks -> delivered" test $? -eq 0
wait_listen "$LPID"
it_check "... byte-exact" same_sha "$IT_DIR/b" "$IT_DIR/out-star"

# --- the record lines a MESSAGE push has: the INVITE's Call-ID; a sender's
# retry (same content, new session) has the same Push-Key ---------------------
head -c 20000 /dev/urandom >"$IT_DIR/small"
for k in k1 k2; do
	mkdir -p "$IT_DIR/out-$k"
	listen "l-$k" --count 1 --dir "$IT_DIR/out-$k" mms.ua
	msend "s-$k" --app mms.ua --type text/plain --file "$IT_DIR/small"
	wait_listen "$LPID"
	ci=$(it_kam_events | sed -n 's/^IT [A-Z]* INVITE .* ci=\([^ ]*\) .*/\1/p' | tail -1)
	it_check "MSRP push $k: the record has the INVITE's Call-ID ($ci)" \
		grep -qxF "Call-ID: $ci" "$IT_DIR"/out-$k/*.meta
done
it_check "the retry in a new session has the same Push-Key" bash -c "
	a=\$(grep -h '^Push-Key: ' '$IT_DIR'/out-k1/*.meta); b=\$(grep -h '^Push-Key: ' '$IT_DIR'/out-k2/*.meta)
	echo \"\$a / \$b\"; [ -n \"\$a\" ] && [ \"\$a\" = \"\$b\" ]"
it_check "a content over 64 KiB without Content-Location has no Push-Key" \
	bash -c "! grep -q '^Push-Key' '$IT_DIR'/out-actpass/*.meta"

# --- the SDP answer's accept-types is the owner's filter -----------------------
mkdir -p "$IT_DIR/out-flt"
listen l-flt --count 1 --filter text/plain --dir "$IT_DIR/out-flt" mms.ua
msend s-flt-no --app mms.ua --type application/octet-stream --file "$IT_DIR/small"
it_check "an owner filtering text/plain: the answer says accept-types:text/plain" \
	grep -q "the answer's accept-types are text/plain" "$IT_DIR/s-flt-no.send"
msend s-flt-ok --app mms.ua --type text/plain --file "$IT_DIR/small"
it_check "... and a text/plain push in a session is delivered" test $? -eq 0
wait_listen "$LPID"
it_check "... byte-exact" same_sha "$IT_DIR/small" "$IT_DIR/out-flt"

# --- over msrp_max_size: 413 and a Failure REPORT, nothing delivered ----------
sp_stop
sp_conf "$IT_DIR/small.conf" tcp "app mms.ua" "msrp_max_size 1" \
	"msrp_connect_timeout 5" "msrp_idle_timeout 5"
sp_start small "$IT_DIR/small.conf" && sp_registered small
dpid=$SP_PID
head -c 1500000 /dev/urandom >"$IT_DIR/toobig"
mkdir -p "$IT_DIR/out-413"
listen l-413 --count 1 --dir "$IT_DIR/out-413" mms.ua
lpid413=$LPID
# --force: send past our a=max-size, so that the daemon's own limit acts
msend s-413 --app mms.ua --type application/octet-stream --force --file "$IT_DIR/toobig"
rc=$?
it_check "over msrp_max_size -> sender fails (exit $rc)" test "$rc" -eq 1
it_check "... with 413" grep -q "413" "$IT_DIR/s-413.send"
it_check "... and a Failure REPORT was sent" grep -q "session .* message .*: 413" "$IT_DIR/small.log"
it_check "nothing delivered" test -z "$(ls "$IT_DIR/out-413")"
it_check "no spool file left" spool_empty

# --- the sender's connection is cut mid-transfer ----------------------------------
msend s-cut --app mms.ua --type application/octet-stream --chunk-size 16384 \
	--abort-after 600000 --file "$IT_DIR/1m"
it_check "connection cut mid-transfer: sender reports failure" test $? -ne 0
it_check "... the daemon noticed" it_wait_log "$IT_DIR/small.log" "connection lost" 5
it_check "... nothing delivered" test -z "$(ls "$IT_DIR/out-413")"
it_check "... the partial file is removed" spool_empty
kill "$lpid413" 2>/dev/null

# --- INVITE refusals -----------------------------------------------------------------
# an app is subscribed, so what decides is the offer itself
listen l-inv --count 1 mms.ua
linv=$LPID
it_sipp inv-audio invite_reject_uac.xml -m 1 -t t1 -s pra -set ac "$(ac mms.ua)" \
	-set media audio -set proto RTP/AVP -set setup actpass
it_check "an offer without MSRP -> 488" test "$(it_sipp_status inv-audio)" = 488
it_sipp inv-ws invite_reject_uac.xml -m 1 -t t1 -s pra -set ac "$(ac mms.ua)" \
	-set media message -set proto TCP/WS/MSRP -set setup actpass
it_check "MSRP over an unsupported transport -> 488" test "$(it_sipp_status inv-ws)" = 488
it_stop "$linv"
it_sipp inv-404 invite_reject_uac.xml -m 1 -t t1 -s pra -set ac "$(ac wml.ua)" \
	-set media message -set proto TCP/MSRP -set setup actpass
it_check "INVITE for an app not served -> 404" test "$(it_sipp_status inv-404)" = 404
it_sipp inv-480 invite_reject_uac.xml -m 1 -t t1 -s pra -set ac "$(ac mms.ua)" \
	-set media message -set proto TCP/MSRP -set setup actpass
it_check "INVITE for an app with no subscriber -> 480" test "$(it_sipp_status inv-480)" = 480

# --- a MESSAGE inside a push session: refused, and said why ------------------------
listen l-dlg --count 1 mms.ua
ldlg=$LPID
it_sipp inv-msg invite_message_uac.xml -m 1 -t t1 -s pra -set ac "$(ac mms.ua)"
it_check "a MESSAGE inside a push-INVITE dialog -> 403" \
	test "$(it_sipp_status inv-msg)" = 403
it_check "... with the reason" \
	grep -q "403 MESSAGE Not Taken Inside A Push Session" "$IT_DIR/sipp-inv-msg.msg.log"
it_check "... the session itself was fine: BYE -> 200" \
	grep -q "BYE_STATUS 200" "$IT_DIR/sipp-inv-msg.log"
it_check "... and the app got nothing" test ! -s "$IT_DIR/l-dlg.out"
it_stop "$ldlg"
sp_stop

# --- 64 sessions at once -----------------------------------------------------------
# one sender's 64 sessions: parallelism, not sender_rate (burst 40 + 20/s let
# 61 of 64 through on a loaded CI machine)
sp_conf "$IT_DIR/many.conf" tcp "app mms.ua" "max_pending 200" "sender_rate 0" \
	"msrp_connect_timeout 20" "msrp_idle_timeout 20"
sp_start many "$IT_DIR/many.conf" && sp_registered many
mkdir -p "$IT_DIR/out-many"
listen l-many --count 64 --dir "$IT_DIR/out-many" mms.ua
head -c 100000 /dev/urandom >"$IT_DIR/small"
pids=()
for i in $(seq 64); do
	msend "s-many-$i" --app mms.ua --type application/octet-stream \
		--chunk-size 4096 --file "$IT_DIR/small" &
	pids+=($!)
	it_track "$!"
done
ok=0
for p in "${pids[@]}"; do
	wait "$p" && ok=$((ok + 1))
done
it_check "64 parallel sessions -> 64 delivered ($ok)" test "$ok" -eq 64
wait_listen "$LPID"
it_check "64 bodies stored, all byte-exact" bash -c "
	n=0; want=\$(sha256sum <'$IT_DIR/small')
	for f in '$IT_DIR'/out-many/*.body; do
		[ \"\$(sha256sum <\"\$f\")\" = \"\$want\" ] && n=\$((n + 1))
	done
	echo \$n; [ \$n -eq 64 ]"
it_check "no spool file left" spool_empty
sp_stop

it_done
