#!/bin/bash
# Registration against a real Kamailio core: auth over UDP/TCP/TLS, the
# feature tags in the binding, backoff on a wrong password, flow recovery,
# a connection reset under a REGISTER in flight, un-REGISTER on SIGTERM,
# TLS verification, OPTIONS, bad configuration.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

# binding_has TEXT: the (single) binding of pra carries TEXT.
binding_has() {
	it_bindings pra | grep -qF -- "$1" || { it_bindings pra; return 1; }
}

# binding_count N: pra has exactly N bindings.
binding_count() {
	local n
	n=$(it_bindings pra | grep -c '^sip:')
	echo "bindings: $n, wanted $1"
	[ "$n" -eq "$1" ]
}

# count_in FILE TEXT: number of lines of FILE containing TEXT.
count_in() {
	grep -cF -- "$2" "$1" 2>/dev/null || true
}

it_init register
it_certs
it_kamailio_start kam || { it_fail "kamailio started"; it_done; exit 1; }

# tls verifies the core by its IP SAN; tlsname by DNS SAN, with SNI
for tp in udp tcp tls tlsname; do
	case $tp in
	tlsname) sp_conf "$IT_DIR/$tp.conf" tls "app x-wap-application:mms.ua" "app 0x10" "tls_host sippush.test" ;;
	*) sp_conf "$IT_DIR/$tp.conf" "$tp" "app x-wap-application:mms.ua" "app 0x10" ;;
	esac
	if ! sp_start "$tp" "$IT_DIR/$tp.conf"; then
		it_fail "$tp: daemon started"
		continue
	fi
	it_check "$tp: registered with digest auth" sp_registered "$tp"
	it_check "$tp: binding carries both app IDs as one feature tag" \
		binding_has '+g.oma.pusheventapp="mms.ua,ulp.ua"'
	it_check "$tp: binding carries +sip.instance and reg-id" \
		binding_has 'reg-id=1'
	if [ "$tp" != udp ]; then
		it_check "$tp: Contact URI has ;ob on a connection flow" \
			binding_has ";transport=${tp%name};ob>"
	fi
	it_sipp "opt-$tp" options_uac.xml -m 1 -s pra
	it_check "$tp: OPTIONS through the core answered 200" \
		test "$(it_sipp_status "opt-$tp")" = 200
	it_check "$tp: OPTIONS answer carries the feature tags" \
		grep -q 'CONTACT.*+g.oma.pusheventapp="mms.ua,ulp.ua"' "$IT_DIR/sipp-opt-$tp.log"
	it_check "$tp: OPTIONS Allow: MESSAGE and, with session mode, INVITE/BYE" \
		grep -q '^Allow: INVITE, ACK, BYE, CANCEL, MESSAGE, OPTIONS' "$IT_DIR/sipp-opt-$tp.msg.log"
	it_check "$tp: OPTIONS claims no Accept-Encoding (MESSAGE does not check it)" \
		test "$(grep -ci '^Accept-Encoding' "$IT_DIR/sipp-opt-$tp.msg.log")" -eq 0
	sp_stop
	it_check "$tp: SIGTERM removed the binding" it_wait_no_binding pra 3
	it_check "$tp: un-REGISTER logged" grep -q "unregistered (200" "$IT_DIR/$tp.log"
done

# Same instance across restarts (kept in state_dir), one binding only.
inst1=$(cat "$IT_DIR/state/instance")
sp_conf "$IT_DIR/re.conf" tcp "app mms.ua"
sp_start re "$IT_DIR/re.conf" && sp_registered re
it_check "instance ID kept in state_dir across restarts" \
	test "$inst1" = "$(cat "$IT_DIR/state/instance")"

# SIGHUP with a changed app set: same binding updated in place.
sp_conf "$IT_DIR/re2.conf" tcp "app mms.ua" "app emn.ua"
# keep the listen port and instance: only the app lines differ
grep -v '^app' "$IT_DIR/re.conf" >"$IT_DIR/re.conf.new"
echo "app mms.ua" >>"$IT_DIR/re.conf.new"
echo "app emn.ua" >>"$IT_DIR/re.conf.new"
mv "$IT_DIR/re.conf.new" "$IT_DIR/re.conf"
kill -HUP "$SP_PID"
it_check "SIGHUP: new app set advertised" \
	it_wait_binding pra '+g.oma.pusheventapp="emn.ua,mms.ua"' 5
it_check "SIGHUP: binding updated in place (still one)" binding_count 1

# A broken file on SIGHUP keeps the running configuration.
echo "bogus_key 1" >>"$IT_DIR/re.conf"
kill -HUP "$SP_PID"
it_check "SIGHUP with a bad file: kept running, error logged" \
	it_wait_log "$IT_DIR/re.log" "reload failed" 5
it_check "daemon still alive after bad reload" kill -0 "$SP_PID"

# Flow recovery: the core restarts (bindings lost); the flow drop makes
# the daemon register again at once, then with backoff until it is back.
it_kamailio_stop
it_check "flow loss noticed" it_wait_log "$IT_DIR/re.log" "flow to registrar lost" 5
it_kamailio_start kam
it_check "re-registered after the core came back" \
	it_wait_binding pra '+g.oma.pusheventapp="emn.ua,mms.ua"' 20
sp_stop

# A core that takes the connection and the REGISTER, then resets it
# unanswered (its process dying): the REGISTER ends with its connection
# and is retried with backoff, not after libre's 32 s transaction timer.
RST_PORT=$(it_free_port)
python3 "$(dirname "$0")/tools/resetcore.py" "$RST_PORT" >"$IT_DIR/rst.out" 2>&1 &
it_track $!
sp_conf "$IT_DIR/rst.conf" tcp "app mms.ua"
sed -i "s|^sip_registrar .*|sip_registrar sip:127.0.0.1:$RST_PORT;transport=tcp|" "$IT_DIR/rst.conf"
sp_start rst "$IT_DIR/rst.conf"
it_check "reset connection: the REGISTER in flight ends with it" \
	it_wait_log "$IT_DIR/rst.log" "closed with a REGISTER in flight" 10
it_check "reset connection: retried with backoff well inside 32 s" \
	it_wait_log "$IT_DIR/rst.out" "REGISTER" 12 2
it_check "reset connection: counted as a failure (retry 2 after the second)" \
	it_wait_log "$IT_DIR/rst.log" "retry 2 in" 12
sp_stop

# Wrong password: reported clearly, retried with backoff, no burst.
sp_conf "$IT_DIR/bad.conf" udp "app mms.ua"
sed -i 's/^sip_auth_pass .*/sip_auth_pass wrong/' "$IT_DIR/bad.conf"
before=$(it_kam_events | grep -c 'REG 401')
sp_start bad "$IT_DIR/bad.conf"
it_check "wrong password: failure logged once as a state change" \
	it_wait_log "$IT_DIR/bad.log" "registration failed: 401" 5
it_check "wrong password: reason names the credentials" \
	grep -q "credentials rejected" "$IT_DIR/bad.log"
it_check "wrong password: retried with backoff (second retry logged)" \
	it_wait_log "$IT_DIR/bad.log" "retry 2 in" 10
after=$(it_kam_events | grep -c 'REG 401')
it_check "wrong password: at most one credentialed REGISTER per attempt ($((after - before)) rejected)" \
	test $((after - before)) -le 4
it_check "wrong password: state change logged once, not per retry" \
	test "$(count_in "$IT_DIR/bad.log" "registration failed")" -eq 1
sp_stop

# TLS: a certificate for the wrong host, or from an unknown CA, is refused.
for cert in wrong rogue; do
	it_kamailio_stop
	it_kamailio_start "$cert"
	sp_conf "$IT_DIR/tls-$cert.conf" tls "app mms.ua" "tls_host sippush.test"
	sp_start "tls-$cert" "$IT_DIR/tls-$cert.conf"
	it_check "tls: $cert certificate refused (registration failed)" \
		it_wait_log "$IT_DIR/tls-$cert.log" "registration failed" 8
	it_check "tls: no binding with the $cert certificate" binding_count 0
	sp_stop
done

# uaprof_url: a Contact feature tag and x-wap-profile in OPTIONS.
UAPROF="http://device.sippush.test/uaprof/model-1.xml"
sp_conf "$IT_DIR/uap.conf" udp "app mms.ua" "uaprof_url $UAPROF"
sp_start uap "$IT_DIR/uap.conf" && sp_registered uap
it_check "uaprof_url: the binding carries +g.oma.uaprof" \
	binding_has "+g.oma.uaprof=\"<$UAPROF>\""
it_sipp opt-uap options_uac.xml -m 1 -s pra
it_check "uaprof_url: OPTIONS answer carries x-wap-profile" \
	grep -qF "x-wap-profile: \"$UAPROF\"" "$IT_DIR/sipp-opt-uap.msg.log"
sp_stop

# Configuration errors: exit code 2 and file:line: key: message.
printf 'sip_aor sip:pra@sippush.test\nsip_registrar sip:127.0.0.1\nsip_expires soon\n' >"$IT_DIR/broken.conf"
out=$("$SP_DAEMON" -c "$IT_DIR/broken.conf" 2>&1)
rc=$?
it_check "bad config: exit code 2" test "$rc" -eq 2
it_check "bad config: message names file, line and key ($out)" \
	test "$out" = "sippushd: $IT_DIR/broken.conf:3: sip_expires: 'soon' is not a number"

it_done
