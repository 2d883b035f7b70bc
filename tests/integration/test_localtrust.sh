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

it_init localtrust
it_certs
it_kamailio_start kam || { it_fail "kamailio started"; it_done; exit 1; }
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock

sp_conf "$IT_DIR/d.conf" udp "app mms.ua" "app ulp.ua"
if ! sp_start d "$IT_DIR/d.conf" || ! sp_registered d; then
	it_fail "daemon registered"
	it_done
	exit 1
fi
D1=$SP_PID

# --- a second daemon on the same state_dir -------------------------------
# A transfer in progress has its spool file in state_dir/spool; the second
# daemon used to remove it as a crash leftover before failing on the socket.
mkdir -p "$IT_DIR/state/spool"
head -c 65536 /dev/urandom >"$IT_DIR/state/spool/msrp-inprogress"
sum=$(sha256sum <"$IT_DIR/state/spool/msrp-inprogress")
# its own SIP port (so it gets as far as it can), the same state_dir and socket
sed "s/^sip_listen .*/sip_listen 127.0.0.1:$(it_free_port)/" "$IT_DIR/d.conf" >"$IT_DIR/d2.conf"
"$SP_DAEMON" -v -c "$IT_DIR/d2.conf" >"$IT_DIR/d2.log" 2>&1
rc=$?
it_check "the second daemon exits with 1" test "$rc" -eq 1
it_check "it says who holds state_dir" \
	grep -q "is in use by another sippushd (pid $D1)" "$IT_DIR/d2.log"
it_check "the spool file in use is untouched" \
	test "$(sha256sum <"$IT_DIR/state/spool/msrp-inprogress" 2>/dev/null)" = "$sum"
it_check "the socket is still the first daemon's" test -S "$SIPPUSH_SOCKET"
it_check "the first daemon still delivers" genuine after2nd mms.ua
rm -f "$IT_DIR/state/spool/msrp-inprogress"

sp_stop "$D1"
it_done
