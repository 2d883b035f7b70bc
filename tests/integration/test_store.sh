#!/bin/bash
# The store for apps that are away (app_store) end to end through a real
# Kamailio, with an independent sender (tools/pushsend.py, from RFC
# 3428): 202 for a stored push, 503 when full (a proxy relays 500), the
# pushes handed over in order and byte-exact when the app subscribes,
# deleted after the ACKs; SIGKILL of the daemon with three stored: all
# three delivered once after the restart; expiry; nostore; MSRP content
# stored as its spool file; app_store with app_exec.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

# send TAG APP FILE [args]; status_is TAG CODE (sippushd.sh)
send() { psend "$@"; }
status_is() { psend_is "$@"; }

# stored_lines TAG...: the records in got/ carry the Call-ID of each
# request (its response echoes it) and one 24-hex Push-Key each, all
# different (different bodies).
stored_lines() {
	local t ci
	for t in "$@"; do
		ci=$(sed -n 's/^Call-ID: //p' "$IT_DIR/$t.resp" | tr -d '\r')
		grep -qxF "Call-ID: $ci" "$IT_DIR"/got/*.meta ||
			{ echo "no record with Call-ID: $ci"; return 1; }
	done
	grep -hE '^Push-Key: [0-9a-f]{24}$' "$IT_DIR"/got/*.meta | sort -u | wc -l |
		grep -qx "$#" || return 1
	# no P-Asserted-Identity on the test core's MESSAGEs
	grep -l '^Sender-Asserted: no$' "$IT_DIR"/got/*.meta | wc -l | grep -qx "$#"
}

# stored_files: records in the store directory (not their body files).
stored_files() {
	find "$IT_DIR/store" -maxdepth 1 -name '*.push' | wc -l
}

# wait_stored N: the daemon's STATUS says stored=N (5 s at most).
wait_stored() {
	local i
	for i in $(seq 50); do
		[ "$("$SP_CLI" status 2>/dev/null | sed -n 's/^stored=//p')" = "$1" ] && return 0
		sleep 0.1
	done
	"$SP_CLI" status | grep '^stored'
	return 1
}

# same_file A B: byte-exact.
same_file() {
	cmp "$1" "$2"
}

it_init store
it_certs
it_kamailio_start kam || { it_fail "kamailio started"; it_done; exit 1; }
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock
mkdir -p "$IT_DIR/got" "$IT_DIR/got2" "$IT_DIR/got3" "$IT_DIR/got4" "$IT_DIR/got5"

# emn.ua's app, started on demand: takes one push into got6
cat >"$IT_DIR/agent.sh" <<EOF
#!/bin/sh
echo \$\$ >>"$IT_DIR/agent.pids"
exec "$SP_CLI" listen --count 1 --dir "$IT_DIR/got6" "\$SIPPUSH_APP" >"$IT_DIR/agent.out" 2>&1
EOF
chmod 755 "$IT_DIR/agent.sh"
mkdir -p "$IT_DIR/got6"

for i in 1 2 3 4; do
	head -c $((1000 * i + 37)) /dev/urandom >"$IT_DIR/body$i"
done
printf 'nul\0and\r\n\r\nPUSH\nId: 9\n\0' >"$IT_DIR/body2"

sp_conf "$IT_DIR/d.conf" udp \
	"store_dir $IT_DIR/store" \
	"app_store mms.ua 3 100000" \
	"app_store ulp.ua 10 1500" \
	"app_store wml.ua 5 2000000" \
	"app_store emn.ua 5 100000" "app_exec emn.ua $IT_DIR/agent.sh" \
	"ack_timeout 2000" "retry_after 7"
if ! sp_start d "$IT_DIR/d.conf" || ! sp_registered d; then
	it_fail "daemon registered"
	it_done
	exit 1
fi

it_check "no store directory before a push is stored (no flash write)" \
	test ! -e "$IT_DIR/store"

# --- stored: 202 for each, in the store ------------------------------------
send s1 mms.ua "$IT_DIR/body1"
it_check "no app connected, app_store -> 202" status_is s1 202
it_check "202 says stored" grep -q "202 Accepted (Stored For Push Application)" "$IT_DIR/s1.resp"
send s2 mms.ua "$IT_DIR/body2"
send s3 mms.ua "$IT_DIR/body3"
it_check "second -> 202" status_is s2 202
it_check "third -> 202" status_is s3 202
it_check "three records in store_dir" test "$(stored_files)" = 3
it_check "STATUS: stored=3" wait_stored 3

# --- full: 503 (the core relays 500) -------------------------------------------
send s4 mms.ua "$IT_DIR/body4"
it_check "over the app's count -> 503 from the daemon" \
	it_wait_log "$IT_DIR/d.log" ": 503 Push Store Full" 2
it_check "... which the core relays as 500" status_is s4 500
it_check "the full store is logged" \
	grep -q "x-wap-application:mms.ua: store full (3 pushes): refused" "$IT_DIR/d.log"
send b1 ulp.ua "$IT_DIR/body1"
it_check "within the byte bound -> 202" status_is b1 202
send b2 ulp.ua "$IT_DIR/body1"
it_check "over the app's byte bound -> 503" \
	it_wait_log "$IT_DIR/d.log" ": 503 Push Store Full" 2
it_check "nothing partial was left" test "$(find "$IT_DIR/store" -name '*.tmp' | wc -l)" = 0

# --- SIGKILL with three stored: all three after the restart, once ------------
kill -KILL "$SP_PID"
wait "$SP_PID" 2>/dev/null
it__untrack "$SP_PID"
if ! sp_start d2 "$IT_DIR/d.conf" || ! sp_registered d2; then
	it_fail "daemon restarted"
	it_done
	exit 1
fi
it_check "the restarted daemon kept them" \
	grep -q "4 push records kept" "$IT_DIR/d2.log"

"$SP_CLI" listen --count 3 --json --dir "$IT_DIR/got" mms.ua \
	>"$IT_DIR/l1.out" 2>"$IT_DIR/l1.err" &
LPID=$!
it_track "$LPID"
it_check "the app subscribes and gets the three" wait_listen "$LPID"
it_check "in arrival order, byte-exact" bash -c "
	ids=\$(python3 -c 'import json,sys; print(\" \".join(str(json.loads(l)[\"id\"]) for l in open(sys.argv[1])))' '$IT_DIR/l1.out')
	set -- \$ids
	[ \$# = 3 ] && cmp '$IT_DIR/body1' '$IT_DIR/got/'\$1.body && cmp '$IT_DIR/body2' '$IT_DIR/got/'\$2.body && cmp '$IT_DIR/body3' '$IT_DIR/got/'\$3.body"
it_check "each says stored, with its arrival time" python3 -c "
import json, sys, time
objs = [json.loads(l) for l in open('$IT_DIR/l1.out')]
arr = [float(o['arrived']) for o in objs]
assert all(o['stored'] is True for o in objs), objs
assert arr == sorted(arr) and time.time() - 600 < arr[0] <= time.time(), arr
assert all(o['verdict'] == 'ack' for o in objs)
"
it_check "the meta file says Stored: yes" \
	bash -c "grep -l '^Stored: yes' '$IT_DIR'/got/*.meta | wc -l | grep -qx 3"
it_check "each stored record has its request's Call-ID and a Push-Key, as a live one" \
	stored_lines s1 s2 s3
it_check "after the ACKs: mms.ua's records are gone" \
	bash -c "for i in \$(seq 50); do '$SP_CLI' status | grep -q '^store=x-wap-application:mms.ua pushes=0 ' && exit 0; sleep 0.1; done; exit 1"

# once: a second restart hands nothing over again
sp_stop
if ! sp_start d3 "$IT_DIR/d.conf" || ! sp_registered d3; then
	it_fail "daemon restarted again"
	it_done
	exit 1
fi
"$SP_CLI" listen --dir "$IT_DIR/got2" mms.ua >"$IT_DIR/l2.out" 2>"$IT_DIR/l2.err" &
LPID=$!
it_track "$LPID"
it_wait_log "$IT_DIR/l2.err" "subscribed to" 5
sleep 1
it_check "delivered once: nothing again after another restart" \
	test ! -s "$IT_DIR/l2.out"

# --- with an owner connected, pushes go to it as before (200) ---------------
send live mms.ua "$IT_DIR/body4"
it_check "owner connected -> 200, not stored" status_is live 200
it_stop "$LPID"

# --- expiry: dropped with a log line, never delivered --------------------------
send e1 wml.ua "$IT_DIR/body1" --expires 1
it_check "a push with Expires: 1 is stored -> 202" status_is e1 202
send e2 wml.ua "$IT_DIR/body2" --expires 3600
it_check "and one with Expires: 3600 -> 202" status_is e2 202
it_check "the expired one is dropped with a log line" \
	it_wait_log "$IT_DIR/d3.log" "for x-wap-application:wml.ua expired at" 5
"$SP_CLI" listen --count 1 --dir "$IT_DIR/got3" wml.ua >"$IT_DIR/l3.out" 2>&1
it_check "the app gets only the one still valid" \
	bash -c "[ \$(ls '$IT_DIR'/got3/*.body | wc -l) = 1 ] && cmp '$IT_DIR/body2' '$IT_DIR'/got3/*.body"

# --- nostore: that owner gets live pushes only -----------------------------------
send n1 wml.ua "$IT_DIR/body3"
it_check "stored for later -> 202" status_is n1 202
"$SP_CLI" listen --nostore --dir "$IT_DIR/got4" wml.ua >"$IT_DIR/l4.out" 2>"$IT_DIR/l4.err" &
LPID=$!
it_track "$LPID"
it_wait_log "$IT_DIR/l4.err" "subscribed to" 5
send n2 wml.ua "$IT_DIR/body4"
it_check "a nostore owner takes the live push -> 200" status_is n2 200
it_check "... and was not handed the stored one" \
	bash -c "[ \$(grep -c '^push ' '$IT_DIR/l4.out') = 1 ] && cmp '$IT_DIR/body4' '$IT_DIR'/got4/*.body"
it_stop "$LPID"
it_check "the stored one is still there" \
	bash -c "'$SP_CLI' status | grep -q '^store=x-wap-application:wml.ua pushes=1 '"

# --- session mode: the spool file goes into the store ------------------------------
head -c 1048576 /dev/urandom >"$IT_DIR/big.bin"
"$SP_CLI" send --msrp --proxy "sip:127.0.0.1:$KAM_SIP_PORT;transport=tcp" \
	--to sip:pra@sippush.test --app wml.ua --type application/octet-stream \
	--file "$IT_DIR/big.bin" --timeout 20 >"$IT_DIR/msrp.out" 2>&1
rc=$?
it_check "MSRP push for an absent app -> Success REPORT (exit $rc)" test "$rc" = 0
it_check "its content is a body file in the store" \
	test "$(find "$IT_DIR/store" -name '*.push.body' -size 1024k | wc -l)" = 1
it_check "no spool file left behind" \
	test "$(find "$IT_DIR/spool" -type f 2>/dev/null | wc -l)" = 0
"$SP_CLI" listen --count 2 --dir "$IT_DIR/got5" wml.ua >"$IT_DIR/l5.out" 2>&1
it_check "the app gets the stored MESSAGE and the MSRP content, in order" \
	bash -c "set -- \$(sed -n 's/^push \([0-9]*\) .*/\1/p' '$IT_DIR/l5.out'); [ \$# = 2 ] && cmp '$IT_DIR/body3' '$IT_DIR/got5/'\$1.body && cmp '$IT_DIR/big.bin' '$IT_DIR/got5/'\$2.body"
it_check "the MSRP one came as transport msrp, stored" \
	grep -q "type=application/octet-stream len=1048576 .* stored=yes" "$IT_DIR/l5.out"
it_check "only ulp.ua's push is left in the store" wait_stored 1

# --- app_store and app_exec: stored at once, the app started takes it ---------
send x1 emn.ua "$IT_DIR/body2"
it_check "app_store + app_exec: 202 at once" status_is x1 202
it_check "... and the app started" \
	it_wait_log "$IT_DIR/d3.log" "x-wap-application:emn.ua: started $IT_DIR/agent.sh" 5
it_check "... gets the stored push when it subscribes" \
	bash -c "for i in \$(seq 50); do ls '$IT_DIR'/got6/*.meta >/dev/null 2>&1 && break; sleep 0.1; done; cmp '$IT_DIR/body2' '$IT_DIR'/got6/*.body"
[ -f "$IT_DIR/agent.pids" ] && while read -r p; do it_track "$p"; done <"$IT_DIR/agent.pids"
it_check "... and after its ACK the store has only ulp.ua's again" wait_stored 1

sp_stop
it_done
