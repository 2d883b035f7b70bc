#!/bin/bash
# reg-event (RFC 3680) against a real Kamailio reg-event server (presence,
# presence_reginfo, pua_reginfo; kamailio.cfg.in with WITH_REGEVENT): the
# subscription through the core, a "deactivated" binding registered again
# within 1 s, a shortened expiry, "rejected" stopping the registration,
# and a core without the package asked only once.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

TOOLS=$(dirname "$0")/tools

# reginfo RSTATE CSTATE EVENT [ATTRS]: a document about our contact,
# published to the core's presence server as the registrar would.
reginfo() {
	printf '<?xml version="1.0"?>\n<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full">\n<registration aor="sip:pra@sippush.test" id="r1" state="%s">\n<contact id="c1" state="%s" event="%s"%s><uri>%s</uri></contact>\n</registration>\n</reginfo>\n' \
		"$1" "$2" "$3" "${4:-}" "$CONTACT" >"$IT_DIR/reginfo.xml"
	python3 "$TOOLS/sippublish.py" 127.0.0.1 "$KAM_SIP_PORT" \
		sip:pra@sippush.test reg application/reginfo+xml "$IT_DIR/reginfo.xml"
}

# reg_times: the Kamailio times (s.us) of the 200s to pra's REGISTERs.
reg_times() {
	it_kam_events | sed -n 's/^IT REG 200 to=sip:pra@.* t=\([0-9.]*\)$/\1/p'
}

# register_within T0 S: a REGISTER of ours was answered in (T0, T0+S].
register_within() {
	local t0=$1 s=$2 t
	for t in $(reg_times); do
		if awk -v t="$t" -v a="$t0" -v s="$s" 'BEGIN { exit !(t > a && t <= a + s) }'; then
			echo "REGISTER at $t, $(awk -v t="$t" -v a="$t0" 'BEGIN { printf "%.3f", t - a }') s after $t0"
			return 0
		fi
	done
	echo "no REGISTER within $s s after $t0; times:"; reg_times
	return 1
}

# count_in FILE TEXT: number of lines of FILE containing TEXT.
count_in() {
	grep -cF -- "$2" "$1" 2>/dev/null || true
}

# same_count A B: two counts are equal (shown on failure).
same_count() {
	echo "before $1, after $2"
	[ "$1" -eq "$2" ]
}

it_init regevent
it_certs

IT_KAM_DEFINES="WITH_REGEVENT"
if ! it_kamailio_start kam; then
	it_fail "kamailio with the reg-event server started"
	it_done
	exit 1
fi
it_pass "kamailio with the reg-event server started"

sp_conf "$IT_DIR/d.conf" udp "reg_event yes"
it_check "daemon started" sp_start d "$IT_DIR/d.conf"
it_check "registered" sp_registered d 10
it_check "subscribed: the first NOTIFY came" \
	it_wait_log "$IT_DIR/d.log" "reg-event subscription active" 10
it_check "the SUBSCRIBE for Event: reg reached the core's presence server" \
	grep -q "IT PRESENCE SUBSCRIBE sip:pra@sippush.test event=reg" "$IT_DIR/kamailio.log"
it_check "the registrar's own document says our contact is active" \
	it_wait_log "$IT_DIR/d.log" "our contact active" 5

CONTACT=$(it_kam_events | sed -n 's/^IT REG 200 to=sip:pra@.* contact=<\([^>]*\)>.*/\1/p' | tail -1)
it_check "our Contact known ($CONTACT)" test -n "$CONTACT"

# last_publish_time: when the core took our test PUBLISH (Expires 3600;
# pua_reginfo's own say 3601): the NOTIFY leaves right after it.
last_publish_time() {
	it_kam_events | sed -n 's/^IT PRESENCE PUBLISH .* expires=3600 .* t=\([0-9.]*\)$/\1/p' | tail -1
}

# --- deactivated: register again at once ---------------------------------
it_check "PUBLISH of 'terminated, deactivated' accepted" reginfo terminated terminated deactivated
it_check "the daemon read it" \
	it_wait_log "$IT_DIR/d.log" "event deactivated -> re-register" 5
t0=$(last_publish_time)
it_check "REGISTER within 1 s of the NOTIFY" register_within "$t0" 1
it_check "the binding is there again" it_wait_binding pra "$CONTACT" 5

# --- shortened: the refresh moves earlier ----------------------------------
it_check "PUBLISH of 'active, shortened, 20 s' accepted" \
	reginfo active active shortened ' expires="20"'
it_check "refresh moved to 90 % of 20 s" \
	it_wait_log "$IT_DIR/d.log" "binding ends in 20 s by the core's word; refresh in 18000 ms" 5

# --- rejected: stop, with a state line, and no more REGISTERs --------------
it_check "PUBLISH of 'terminated, rejected' accepted" reginfo terminated terminated rejected
it_check "registration stopped, logged with the reason" \
	it_wait_log "$IT_DIR/d.log" "registration stopped: terminated rejected" 5
n1=$(reg_times | wc -l)
sleep 3
n2=$(reg_times | wc -l)
it_check "no REGISTER after the stop (3 s)" same_count "$n1" "$n2"
it_check "the daemon still runs" kill -0 "$SP_PID"
sp_stop

# --- a core without reg-event: asked once ---------------------------------
IT_KAM_DEFINES=""
if ! it_kamailio_start kam; then
	it_fail "kamailio without the reg-event server started"
	it_done
	exit 1
fi
sp_conf "$IT_DIR/e.conf" udp "reg_event yes"
it_check "daemon started against a core without reg-event" sp_start e "$IT_DIR/e.conf"
it_check "registered" sp_registered e 10
it_check "the refusal is logged once" \
	it_wait_log "$IT_DIR/e.log" "reg-event not offered by the core" 10
sleep 3
# (the core relays it to the AOR's binding, i.e. back to us: 501)
it_check "exactly one SUBSCRIBE left the daemon" \
	test "$(it_kam_events | grep -c '^IT RELAY SUBSCRIBE ')" -eq 1
it_check "and it is not asked again" \
	test "$(count_in "$IT_DIR/e.log" "reg-event not offered")" -eq 1
it_check "the registration is unaffected" \
	it_wait_binding pra "sip:pra@" 5
sp_stop

it_done
