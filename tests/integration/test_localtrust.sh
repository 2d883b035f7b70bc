#!/bin/bash
# The device side of the trust boundary (issue 11) with hostile local
# clients against a real daemon and Kamailio: one daemon per state_dir,
# the per-app ACL, and bounds no local client can exhaust. Each attack is
# followed by a genuine push through the core that must still arrive.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

# genuine TAG APP: a push for APP through the core is ACKed by a listener.
genuine() {
	local tag=$1 app=$2 pid
	echo "hello $tag" >"$IT_DIR/$tag.in"
	listen "$tag" --count 1 "$app" || return 1
	pid=$LPID
	psend "$tag" "$app" "$IT_DIR/$tag.in"
	wait_listen "$pid"
	psend_is "$tag" 200
}

SAY=$(dirname "$0")/tools/ipcsay.py
RAW=$(dirname "$0")/tools/rawclient.py

IDLE=$(dirname "$0")/tools/idleclients.py
FLOOD=$(dirname "$0")/tools/subflood.py

# regs: REGISTERs Kamailio answered so far
regs() {
	it_kam_events | grep -c "^IT REG "
}

# rss: the daemon's resident set, kB
rss() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$D1/status"
}

# pusheventapp_ids: IDs in pra's registered Contact
pusheventapp_ids() {
	it_bindings pra | sed -n 's/.*+g.oma.pusheventapp="\([^"]*\)".*/\1/p' |
		head -1 | tr ',' '\n' | grep -c .
}

# as_uid UID GROUPS CMD...: tools/ipcsay.py as UID with supplementary
# GROUPS (comma list), one "CMD -> REPLY" line each on stdout.
as_uid() {
	local uid=$1 groups=$2
	shift 2
	setpriv --reuid="$uid" --regid="$uid" --groups="$groups" \
		/usr/bin/python3 "$SAY" --socket "$SIPPUSH_SOCKET" "$@"
}

# as GROUPS CMD...: as_uid as nobody.
as() {
	as_uid 65534 "$@"
}

# lacks TEXT REGEX: no line of TEXT matches REGEX
lacks() {
	echo "$1"
	! grep -Eq -- "$2" <<<"$1"
}

# root_status REGEX: root's `sippush status` has a line matching REGEX
root_status() {
	"$SP_CLI" status | grep -Eq -- "$1"
}

# said OUT CMD REPLY: OUT has the line "CMD -> REPLY..."
said() {
	echo "$1"
	grep -qxF -- "$2 -> $3" <<<"$1" || grep -q "^$2 -> $3" <<<"$1"
}

it_init localtrust
it_certs
it_kamailio_start kam || { it_fail "kamailio started"; it_done; exit 1; }
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock

# The ACL: ulp.ua for root only; mms.ua owned by group 4343; emn.ua
# monitored by group 4242 (a drop-in, as a package ships it); nothing
# else for anyone. The socket is open to group 4242 (as the daemon's
# group would be): the ACL, not the file mode, is what is tested.
mkdir -p "$IT_DIR/acl.d"
printf '%s\n' "# shipped by the emn package" \
	"app_acl emn.ua monitor,status gid:4242" >"$IT_DIR/acl.d/10-emn.conf"
chmod 0644 "$IT_DIR/acl.d/10-emn.conf"
sp_conf "$IT_DIR/d.conf" udp "app mms.ua" "app ulp.ua" "app emn.ua" \
	"app_acl ulp.ua all uid:0" "app_acl mms.ua own,send gid:4343" \
	"acl_default deny" "acl_dir $IT_DIR/acl.d" \
	"app_acl * own uid:65533 uid:65532"
if ! sp_start d "$IT_DIR/d.conf" || ! sp_registered d; then
	it_fail "daemon registered"
	it_done
	exit 1
fi
D1=$SP_PID
chmod 0711 "$IT_DIR"
chgrp 4242 "$SIPPUSH_SOCKET"

# --- the ACL: who may own, monitor, answer, see ---------------------------
out=$(as 4242 "SUBSCRIBE ulp.ua" "SUBSCRIBE ulp.ua monitor" \
	"SUBSCRIBE emn.ua" "SUBSCRIBE emn.ua monitor" "SUBSCRIBE mms.ua" \
	"SUBSCRIBE wml.ua")
it_check "another uid cannot own ulp.ua" said "$out" "SUBSCRIBE ulp.ua" "ERR 403"
it_check "nor monitor it" said "$out" "SUBSCRIBE ulp.ua monitor" "ERR 403"
it_check "the drop-in's group may monitor emn.ua" \
	said "$out" "SUBSCRIBE emn.ua monitor" "OK"
it_check "but not own it" said "$out" "SUBSCRIBE emn.ua" "ERR 403"
it_check "without group 4343, no mms.ua" said "$out" "SUBSCRIBE mms.ua" "ERR 403"
it_check "acl_default deny: an ID without a line" \
	said "$out" "SUBSCRIBE wml.ua" "ERR 403"
it_check "each refusal is logged with who asked" \
	grep -q "refused: pid [0-9]* uid 65534 gid 65534 groups 4242 may not own x-oma-application:ulp.ua" "$IT_DIR/d.log"
out=$(as 4242,4343 "SUBSCRIBE mms.ua")
it_check "a supplementary group (4343) may own mms.ua" \
	said "$out" "SUBSCRIBE mms.ua" "OK"

# ACK/NACK of a push that is not yours: the owner (root) holds it 3 s
python3 "$RAW" --socket "$SIPPUSH_SOCKET" --mode slowack --delay 3 ulp.ua \
	>"$IT_DIR/ulp.out" 2>&1 &
RPID=$!
it_track "$RPID"
it_wait_log "$IT_DIR/ulp.out" "subscribed" 5
echo "SUPL INIT" >"$IT_DIR/supl.in"
psend supl ulp.ua "$IT_DIR/supl.in" &
SPID=$!
it_wait_log "$IT_DIR/ulp.out" "push " 10
pid=$(sed -n 's/^push //p' "$IT_DIR/ulp.out" | head -1)
out=$(as 4242,4343 "SUBSCRIBE mms.ua" "ACK $pid" "NACK $pid 486" \
	"STATUS")
it_check "ACK of another app's push: ERR 403" said "$out" "ACK $pid" "ERR 403"
it_check "NACK of it: ERR 403" said "$out" "NACK $pid 486" "ERR 403"
wait "$SPID"
it_check "the owner's ACK still decides: 200" psend_is supl 200

# STATUS for others: no other app's ID, no counters (root owns ulp.ua
# and emn.ua meanwhile)
listen emnl --count 1 emn.ua
EPID=$LPID
out=$(as 4242,4343 --full "SUBSCRIBE mms.ua" "STATUS")
it_check "root's ulp.ua is in the whole STATUS" \
	root_status "^route=x-oma-application:ulp.ua owner=yes"
it_check "STATUS for others is partial" grep -qx "status=partial" <<<"$out"
it_check "it names the client's own app" \
	grep -q "^route=x-wap-application:mms.ua " <<<"$out"
it_check "and what the ACL lets it see" \
	grep -q "^route=x-wap-application:emn.ua " <<<"$out"
it_check "not ulp.ua" lacks "$out" "ulp.ua"
it_check "nor the counters" lacks "$out" "^(acked|pending|advertised)="
it_check "root's STATUS is whole" root_status "^acked="
it_stop "$RPID"
it_stop "$EPID"
it_check "a push to another app still arrives" genuine mms mms.ua

# --- 1,000 clients that never say HELLO ------------------------------------
# They filled the client table (and libre's fd table) for good: no app
# and no `sippush status` could connect. Now one user gets MAX_PER_UID
# (64) connections, the last 32 slots are root's and ours, and a client
# without HELLO is closed after 3 s.
(ulimit -n 4096 && setpriv --reuid=65534 --regid=65534 --groups=4242 \
	/usr/bin/python3 "$IDLE" --socket "$SIPPUSH_SOCKET" --count 1000 \
	--hold 8) >"$IT_DIR/idle.out" 2>&1 &
IPID=$!
it_track "$IPID"
it_wait_log "$IT_DIR/idle.out" "^ready" 30
it_check "1,000 idle connections were made" grep -qx "opened 1000" "$IT_DIR/idle.out"
it_check "all but 64 were refused at once (per-user bound)" \
	grep -qx "refused 936" "$IT_DIR/idle.out"
out=$(as_uid 65533 4242,4343 "SUBSCRIBE mms.ua")
it_check "meanwhile an app of another user connects" \
	said "$out" "SUBSCRIBE mms.ua" "OK"
it_check "and root's sippush status" root_status "^registration=registered"
it_check "and a push to another app arrives" genuine idlepush mms.ua
wait "$IPID"
it_check "the 64 without HELLO were closed by the daemon" \
	grep -qx "closed 64 of 64" "$IT_DIR/idle.out"
it_check "refusals are counted" root_status "^refused_clients=936$"
it_check "and their log lines bounded" \
	test "$(grep -c "refusing pid" "$IT_DIR/d.log")" -le 20

# --- 10,000 IDs, then the connect/SUBSCRIBE/close churn ----------------------
# 10,000 IDs over 625 connections grew the Contact until the REGISTER was
# "Message too long" and the registration was lost; connect + SUBSCRIBE a
# new ID + close sent a REGISTER each time. Now one user adds 16 IDs, the
# set stays under the UDP budget, and changes go out once a second.
r0=$(regs)
rss0=$(rss)
(ulimit -n 4096 && setpriv --reuid=65533 --regid=65533 --groups=4242 \
	/usr/bin/python3 "$FLOOD" --socket "$SIPPUSH_SOCKET" --ids 10000 \
	--per 16 --hold 6) >"$IT_DIR/flood.out" 2>&1 &
FPID=$!
it_track "$FPID"
it_wait_log "$IT_DIR/flood.out" "ready" 120
cat "$IT_DIR/flood.out"
it_check "the user got its 16 IDs" grep -qx "OK 16" "$IT_DIR/flood.out"
it_check "and no more (ERR 429 quota)" grep -q "^ERR 429 quota " "$IT_DIR/flood.out"
it_check "its 65th connection on was refused" grep -qx "refused 561" "$IT_DIR/flood.out"
it_check "the registration holds" status_key registration registered
it_check "the core has at most 3 + 16 IDs in the binding" \
	test "$(pusheventapp_ids)" -le 19
it_check "a push to another app arrives meanwhile" genuine floodpush mms.ua
wait "$FPID"
(setpriv --reuid=65532 --regid=65532 --groups=4242 \
	/usr/bin/python3 "$FLOOD" --socket "$SIPPUSH_SOCKET" --churn 5000 \
	--prefix c) >"$IT_DIR/churn.out" 2>&1
cat "$IT_DIR/churn.out"
it_check "the churn loop ran (5,000 SUBSCRIBEs taken)" \
	grep -qx "OK 5000" "$IT_DIR/churn.out"
sleep 2   # the last window's REGISTER
r1=$(regs)
echo "REGISTERs during flood and churn: $((r1 - r0)); RSS ${rss0} -> $(rss) kB"
it_check "REGISTERs bounded: fewer than one per 50 changes" \
	test $(((r1 - r0) * 50)) -lt 10000
it_check "still registered after the churn" status_key registration registered
it_check "and a push still arrives" genuine churnpush mms.ua

# --- a second daemon on the same state_dir -------------------------------
# A transfer in progress has its spool file in spool_dir; the second
# daemon used to remove it as a crash leftover before failing on the socket.
mkdir -p "$IT_DIR/spool"
head -c 65536 /dev/urandom >"$IT_DIR/spool/msrp-inprogress"
sum=$(sha256sum <"$IT_DIR/spool/msrp-inprogress")
# its own SIP port (so it gets as far as it can), the same state_dir and socket
sed "s/^sip_listen .*/sip_listen 127.0.0.1:$(it_free_port)/" "$IT_DIR/d.conf" >"$IT_DIR/d2.conf"
"$SP_DAEMON" -v -c "$IT_DIR/d2.conf" >"$IT_DIR/d2.log" 2>&1
rc=$?
it_check "the second daemon exits with 1" test "$rc" -eq 1
it_check "it says who holds state_dir" \
	grep -q "is in use by another sippushd (pid $D1)" "$IT_DIR/d2.log"
it_check "the spool file in use is untouched" \
	test "$(sha256sum <"$IT_DIR/spool/msrp-inprogress" 2>/dev/null)" = "$sum"
it_check "the socket is still the first daemon's" test -S "$SIPPUSH_SOCKET"
it_check "the first daemon still delivers" genuine after2nd mms.ua
rm -f "$IT_DIR/spool/msrp-inprogress"

sp_stop "$D1"
it_done
