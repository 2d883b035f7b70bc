#!/bin/bash
# Shell apps: `sippush listen --exec CMD` through a real Kamailio with an
# independent sender (tools/pushsend.py): the body on stdin or in
# SIPPUSH_BODY, SIPPUSH_* metadata, exit codes mapped to NACKs (sysexits
# and --nack-code), a timeout that kills the handler, --json lines that
# come only once the files are on disk, --reconnect across a daemon
# restart, and `status --json`.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

# send TAG APP FILE [TYPE]: pushsend.py (sippushd.sh's psend)
send() {
	psend "$1" "$2" "$3" --type "${4:-application/x-test}"
}
status_is() { psend_is "$@"; }

# exit_case TAG EXIT WANT [listen args]: the handler exits EXIT, the
# sender must see WANT.
exit_case() {
	local tag=$1 code=$2 want=$3
	shift 3
	listen "l-$tag" --count 1 "$@" mms.ua --exec "$IT_DIR/handler.sh" "$code"
	send "$tag" mms.ua "$IT_DIR/b1"
	wait_listen "$LPID"
	it_check "handler exit $code -> $want" status_is "$tag" "$want"
}

it_init listen_exec
it_certs
it_kamailio_start kam || { it_fail "kamailio started"; it_done; exit 1; }
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock
mkdir -p "$IT_DIR/h" "$IT_DIR/files" "$IT_DIR/files2"

printf 'binary\0body\r\n\r\nPUSH\nId: 1\n\xff' >"$IT_DIR/b1"
# UDP through libre: datagrams above 8 KiB are cut (see the closing note)
head -c 6000 /dev/urandom >"$IT_DIR/b2"

# The handler: what it got, where the test can see it; exits with $1.
cat >"$IT_DIR/handler.sh" <<EOF
#!/bin/sh
H=$IT_DIR/h
cat >"\$H/\$SIPPUSH_ID.stdin"
env | grep '^SIPPUSH_' | sort >"\$H/\$SIPPUSH_ID.env"
if [ -n "\${SIPPUSH_BODY:-}" ]; then cp "\$SIPPUSH_BODY" "\$H/\$SIPPUSH_ID.fromfile"; fi
echo \$\$ >"\$H/last.pid"
exit "\$1"
EOF
cat >"$IT_DIR/slow.sh" <<EOF
#!/bin/sh
sleep 30 &
echo \$! >"$IT_DIR/h/slow.child"
echo \$\$ >"$IT_DIR/h/slow.pid"
wait
EOF
chmod 755 "$IT_DIR/handler.sh" "$IT_DIR/slow.sh"

sp_conf "$IT_DIR/d.conf" udp "app mms.ua" "app_store ulp.ua 5 100000" \
	"store_dir $IT_DIR/store" "ack_timeout 4000"
if ! sp_start d "$IT_DIR/d.conf" || ! sp_registered d; then
	it_fail "daemon registered"
	it_done
	exit 1
fi

# --- exit 0: ACK; the body on stdin, the metadata in the environment --------
listen ok --count 1 mms.ua --exec "$IT_DIR/handler.sh" 0
send ok mms.ua "$IT_DIR/b1"
wait_listen "$LPID"
it_check "handler exit 0 -> 200" status_is ok 200
id=$(sed -n 's/^push \([0-9]*\) .*/\1/p' "$IT_DIR/ok.out")
it_check "the body on stdin, byte-exact" cmp "$IT_DIR/b1" "$IT_DIR/h/$id.stdin"
it_check "SIPPUSH_* say what the push is" bash -c "
	e='$IT_DIR/h/$id.env'
	grep -qx 'SIPPUSH_ID=$id' \$e && grep -qx 'SIPPUSH_APP=x-wap-application:mms.ua' \$e &&
	grep -qx 'SIPPUSH_CONTENT_TYPE=application/x-test' \$e &&
	grep -qx 'SIPPUSH_SENDER=sip:pushsend@sippush.test' \$e &&
	grep -qx 'SIPPUSH_LENGTH=$(stat -c %s "$IT_DIR/b1")' \$e &&
	grep -qx 'SIPPUSH_TRANSPORT=sip-udp' \$e && grep -qx 'SIPPUSH_STORED=no' \$e &&
	grep -qx 'SIPPUSH_SOCKET=$IT_DIR/sippushd.sock' \$e && ! grep -q SIPPUSH_BODY \$e"
it_check "the line says exit 0" grep -q "^push $id app=x-wap-application:mms.ua .* exit=0$" "$IT_DIR/ok.out"

# --- exit codes -> NACKs (sysexits), --nack-code ------------------------------
exit_case dataerr 65 400
exit_case tempfail 75 480
it_check "... the 480 carries Retry-After" grep -q "^Retry-After: " "$IT_DIR/tempfail.resp"
exit_case noperm 77 403
# a proxy relays 503 as 500 (RFC 3261 §16.7); the daemon's answer is 503
exit_case unavail 69 500
it_check "... the daemon answered 503" \
	grep -q "refused by app: 503 Handler Exit 69 -> 503" "$IT_DIR/d.log"
exit_case failed 3 500
exit_case mapped 3 486 --nack-code 3=486 --nack-code 65=488
exit_case mapped2 65 488 --nack-code 3=486 --nack-code 65=488
it_check "the NACK is in the line" grep -q " exit=65 nack=488$" "$IT_DIR/l-mapped2.out"
it_check "a bad --nack-code is a usage error" \
	bash -c "'$SP_CLI' listen --nack-code 3=300 mms.ua --exec /bin/true; [ \$? = 2 ]"

# --- timeout: the handler and what it started are killed, NACK 408 ------------
listen slow --count 1 --timeout 600 mms.ua --exec "$IT_DIR/slow.sh"
send slow mms.ua "$IT_DIR/b1"
wait_listen "$LPID"
# NACK 408 is a transaction code: the daemon turns it into 603
it_check "handler past --timeout -> NACK 408, which the sender hears as 603" \
	status_is slow 603
it_check "the listener says so" grep -q "still ran after 600 ms: killed" "$IT_DIR/slow.err"
child=$(cat "$IT_DIR/h/slow.child")
it_check "... and its background child was killed too" \
	bash -c "for i in \$(seq 50); do kill -0 $child 2>/dev/null || exit 0; grep -q ') Z ' /proc/$child/stat 2>/dev/null && exit 0; sleep 0.1; done; exit 1"

# --- --dir: files first, synced; SIPPUSH_BODY names the file; --json ----------------
"$SP_CLI" listen --count 2 --json --dir "$IT_DIR/files" mms.ua \
	--exec "$IT_DIR/handler.sh" 0 2>"$IT_DIR/json.err" |
	python3 -c '
import json, os, sys
n = 0
for line in sys.stdin:
    o = json.loads(line)
    # the line comes only once the files are complete
    assert os.path.getsize(o["body"]) == o["length"], o
    assert open(o["meta"]).read().startswith("Id: %d\n" % o["id"]), o
    assert o["verdict"] == "ack" and o["exit"] == 0 and o["stored"] is False, o
    print(o["id"], o["body"])
    n += 1
sys.exit(0 if n == 2 else 1)' >"$IT_DIR/json.out" 2>&1 &
JPID=$!
it_track "$JPID"
it_wait_log "$IT_DIR/json.err" "subscribed to" 5
send j1 mms.ua "$IT_DIR/b1"
send j2 mms.ua "$IT_DIR/b2"
wait "$JPID"
rc=$?
it__untrack "$JPID"
cat "$IT_DIR/json.out"
it_check "--json: one object per push, printed after its files (rc $rc)" test "$rc" = 0
it_check "both -> 200" bash -c "cut -d' ' -f2 '$IT_DIR/j1.status' '$IT_DIR/j2.status' | tr '\n' ' ' | grep -qx '200 200 '"
id2=$(sed -n '2s/ .*//p' "$IT_DIR/json.out")
it_check "the handler found SIPPUSH_BODY complete" cmp "$IT_DIR/b2" "$IT_DIR/h/$id2.fromfile"
it_check "SIPPUSH_META names the meta file" \
	grep -qx "SIPPUSH_META=$IT_DIR/files/$id2.meta" "$IT_DIR/h/$id2.env"

# --- a stored push: SIPPUSH_STORED and SIPPUSH_ARRIVED --------------------------
send st ulp.ua "$IT_DIR/b1"
it_check "ulp.ua away -> 202" status_is st 202
"$SP_CLI" listen --count 1 ulp.ua --exec "$IT_DIR/handler.sh" 0 >"$IT_DIR/st.out" 2>&1
sid=$(sed -n 's/^push \([0-9]*\) .*/\1/p' "$IT_DIR/st.out")
it_check "the handler of a stored push sees SIPPUSH_STORED=yes" \
	grep -qx "SIPPUSH_STORED=yes" "$IT_DIR/h/$sid.env"
it_check "... and SIPPUSH_ARRIVED" grep -q "^SIPPUSH_ARRIVED=[0-9]*\.[0-9][0-9][0-9]$" "$IT_DIR/h/$sid.env"

# --- status --json -----------------------------------------------------------
listen keep mms.ua
"$SP_CLI" status --json >"$IT_DIR/status.json"
it_check "status --json is one JSON object with the counters" python3 -c "
import json
o = json.load(open('$IT_DIR/status.json'))
assert o['protocol'] == 1 and o['registration'] == 'registered', o
assert o['clients'] >= 1 and isinstance(o['acked'], int), o
r = o['route'] if isinstance(o['route'], list) else [o['route']]
assert any(x['name'] == 'x-wap-application:mms.ua' and x['owner'] == 'yes' for x in r), r
"
it_stop "$LPID"

# --- the handler of doc/ipc.md, as written there ----------------------------------
top=$(cd "$(dirname "$0")/../.." && pwd)
awk '/^```sh$/ {on=1; next} /^```$/ {on=0} on' "$top/doc/ipc.md" >"$IT_DIR/mms-handler"
chmod 755 "$IT_DIR/mms-handler"
it_check "doc/ipc.md's handler passes shellcheck" shellcheck -s sh "$IT_DIR/mms-handler"
mkdir -p "$IT_DIR/mms"
MMS_DIR=$IT_DIR/mms listen doc --count 3 mms.ua --exec "$IT_DIR/mms-handler"
send mms mms.ua "$IT_DIR/b2" application/vnd.wap.mms-message
it_check "the documented handler keeps an MMS -> 200" status_is mms 200
mid=$(sed -n 's/^push \([0-9]*\) .*/\1/p' "$IT_DIR/doc.out" | head -n 1)
it_check "... in its spool directory, byte-exact" cmp "$IT_DIR/b2" "$IT_DIR/mms/$mid.mms"
send notmms mms.ua "$IT_DIR/b1" text/plain
it_check "... refuses other content -> 415" status_is notmms 415
chmod 000 "$IT_DIR/mms"
rmdir "$IT_DIR/mms" 2>/dev/null; mv "$IT_DIR/mms" "$IT_DIR/mms.gone"
send nodir mms.ua "$IT_DIR/b2" application/vnd.wap.mms-message
it_check "... says later when it cannot write -> 480" status_is nodir 480
wait_listen "$LPID"

# --- --reconnect: the same listener across a daemon restart ----------------------
listen rc --reconnect --dir "$IT_DIR/files2" mms.ua --exec "$IT_DIR/handler.sh" 0
rcpid=$LPID
sp_stop
it_check "the listener notices and keeps trying" \
	it_wait_log "$IT_DIR/rc.err" "reconnecting" 5
if ! sp_start d2 "$IT_DIR/d.conf" || ! sp_registered d2; then
	it_fail "daemon restarted"
	it_done
	exit 1
fi
it_check "the listener is back" it_wait_log "$IT_DIR/rc.err" "reconnected" 10
it_check "... subscribed again" \
	bash -c "for i in \$(seq 50); do '$SP_CLI' status | grep -q '^route=x-wap-application:mms.ua owner=yes' && exit 0; sleep 0.1; done; exit 1"
send after mms.ua "$IT_DIR/b2"
it_check "a push after the restart -> 200" status_is after 200
it_check "... handled by the same listener" \
	bash -c "kill -0 $rcpid && grep -c '^push ' '$IT_DIR/rc.out' | grep -qx 1"
it_stop "$rcpid"

sp_stop
it_done
