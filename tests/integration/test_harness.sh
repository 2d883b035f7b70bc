#!/bin/bash
# Self-test of the integration harness (no sippushd needed): Kamailio as
# registrar/proxy with digest auth and TLS, the sipp scenarios, the helpers.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# status_is TAG CODE...: the final status of sipp run TAG is one of CODE...
status_is() {
	local tag=$1 got c
	shift
	got=$(it_sipp_status "$tag") || { echo "no final status for $tag"; return 1; }
	for c in "$@"; do
		[ "$got" = "$c" ] && return 0
	done
	echo "final status of $tag: $got, wanted: $*"
	return 1
}

# dump_has STRING: ul.dump output contains STRING.
dump_has() {
	it_ul_dump | grep -qF -- "$1"
}

# cert_rejected ARGS...: openssl verify ARGS fails.
cert_rejected() {
	! openssl verify "$@"
}

# tls_verifies: Kamailio's TLS port presents a cert valid for sippush.test.
tls_verifies() {
	timeout 5 openssl s_client -connect "127.0.0.1:$KAM_TLS_PORT" -CAfile "$IT_PKI/ca.pem" \
		-verify_hostname sippush.test -verify_return_error </dev/null 2>&1 |
		grep "Verify return code: 0 (ok)"
}

# uas_stateless N: the sipp UAS received exactly N copies of the MESSAGE
# marked X-IT-Stateless. Only those: Kamailio's tm retransmits the first,
# statefully relayed MESSAGE to a UAS slow to answer (4 MESSAGEs instead
# of 3 on a loaded CI machine), which is not what this checks.
uas_stateless() {
	local n
	n=$(grep -c '^X-IT-Stateless: 1' "$IT_DIR/sipp-uas.msg.log")
	echo "UAS got $n stateless copies, wanted $1"
	[ "$n" -eq "$1" ]
}

it_init harness

it_check "test PKI created" it_certs
it_check "ca verifies kam.pem for sippush.test" \
	openssl verify -CAfile "$IT_PKI/ca.pem" -verify_hostname sippush.test "$IT_PKI/kam.pem"
it_check "wrong.pem fails the sippush.test host check" \
	cert_rejected -CAfile "$IT_PKI/ca.pem" -verify_hostname sippush.test "$IT_PKI/wrong.pem"
it_check "rogue.pem is not trusted by ca.pem" \
	cert_rejected -CAfile "$IT_PKI/ca.pem" "$IT_PKI/rogue.pem"

if ! it_kamailio_start kam; then
	it_fail "kamailio started"
	it_done
	exit 1
fi
it_pass "kamailio started (sip $KAM_SIP_PORT, tls $KAM_TLS_PORT)"

it_sipp reg_ok register_uac.xml -m 1 -s pra -au pra -ap secret
it_check "REGISTER pra with digest auth over UDP -> 200" status_is reg_ok 200
it_check "binding of pra visible" it_wait_binding pra 'sip:' 5
it_check "ul.dump lists the pra AOR" dump_has "AoR: pra"

it_sipp reg_bad register_uac.xml -m 1 -s pra -au pra -ap wrong
it_check "REGISTER pra with a wrong password -> 401/403" status_is reg_bad 401 403
it_check "Kamailio logged the rejected credentials" \
	it_wait_log "$IT_DIR/kamailio.log" "IT REG 401 au=pra rc=-2 " 2

it_sipp opt_404 options_uac.xml -m 1 -s nobody
it_check "OPTIONS to an unregistered user -> 404" status_is opt_404 404

it_check "TLS handshake verifies against ca.pem for sippush.test" tls_verifies

# Proxy path: a sipp UAS registered as pra2 (with feature tags) receives
# MESSAGEs relayed by Kamailio.
uport=$(it_free_port)
it_sipp reg_pra2 register_uac.xml -m 1 -s pra2 -au pra2 -ap secret2 -p "$uport" \
	-set cparams ';+sip.instance="<urn:uuid:00000000-0000-0000-0000-000000000001>";reg-id=1;+g.oma.pusheventapp="ua-profile"'
it_check "REGISTER pra2 with feature tags -> 200" status_is reg_pra2 200
it_check "pra2 binding shows +g.oma.pusheventapp" \
	it_wait_binding pra2 '+g.oma.pusheventapp="ua-profile"' 5
IT_SIPP_REMOTE='' it_sipp_bg uas uas_200.xml -p "$uport" -m 3
ac='*;+g.oma.pusheventapp="ua-profile";require;explicit'
it_sipp msg message_uac.xml -m 1 -s pra2 -set ac "$ac" -set ctype text/plain -set body hello
it_check "MESSAGE to pra2 relayed and answered 200" status_is msg 200
it_check "Accept-Contact reached the UA untouched" \
	grep -qF "ac=$ac" "$IT_DIR/sipp-uas.log"
it_sipp msg_nf message_uac.xml -m 1 -s nobody -set body x
it_check "MESSAGE to an unregistered user -> 404" status_is msg_nf 404
it_sipp retrans message_retrans_uac.xml -m 1 -nr -s pra2 -set hdrs 'X-IT-Stateless: 1'
it_check "duplicated MESSAGE -> 200" status_is retrans 200
it_check "both copies reached the UA (stateless relay)" uas_stateless 2
it_stop "$IT_SIPP_PID"

it_sipp unreg register_uac.xml -m 1 -s pra2 -au pra2 -ap secret2 -p "$uport" -set expires 0
it_check "un-REGISTER pra2 -> 200" status_is unreg 200
it_check "pra2 binding gone" it_wait_no_binding pra2 5

it_done
