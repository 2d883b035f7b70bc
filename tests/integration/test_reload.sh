#!/bin/bash
# SIGHUP applies the keys that shape the SIP stack without a restart:
# sip_listen, sip_transports, credentials, the registrar URI and TLS. The
# stack is rebuilt (daemon_reset_stack): the binding moves (same instance
# and reg-id, so the core replaces it), pushes keep flowing, and a push
# waiting for its app while the stack is rebuilt still gets its verdict.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

RAW=$(dirname "$0")/tools/rawclient.py

binding_count() {
	local n
	n=$(it_bindings pra | grep -c '^sip:')
	echo "bindings: $n, wanted $1"
	[ "$n" -eq "$1" ]
}

binding_has() {
	it_bindings pra | grep -qF -- "$1" || { it_bindings pra; return 1; }
}

# push TAG: one MESSAGE for mms.ua through the core; its final status.
push() {
	it_sipp "$1" message_uac.xml -m 1 -s pra -set ac "$(ac mms.ua)" \
		-set ctype text/plain -set body "push $1"
	it_sipp_status "$1"
}

# set_key KEY VALUE: change one line of the running configuration.
set_key() {
	sed -i "/^$1 /d" "$CONF"
	echo "$1 $2" >>"$CONF"
}

hup() {
	kill -HUP "$SP_PID"
}

it_init reload
it_certs
it_kamailio_start kam || { it_fail "kamailio started"; it_done; exit 1; }

CONF=$IT_DIR/d.conf
sp_conf "$CONF" udp "app mms.ua"
port1=$(sed -n 's/^sip_listen 127.0.0.1://p' "$CONF")
sp_start d "$CONF" || { it_fail "daemon started"; it_done; exit 1; }
it_check "registered over udp on port $port1" sp_registered d
it_check "binding names port $port1" it_wait_binding pra "127.0.0.1:$port1" 5
instance=$(cat "$IT_DIR/state/instance")

export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock
python3 "$RAW" --socket "$SIPPUSH_SOCKET" --mode slowack --delay 4 mms.ua \
	>"$IT_DIR/app.out" 2>&1 &
it_track $!
it_check "app subscribed" it_wait_log "$IT_DIR/app.out" "subscribed" 5

it_check "push before the reload: 200" test "$(push before)" = 200

# A push is waiting for its app (4 s) when the listen address changes.
it_sipp_bg inflight message_uac.xml -m 1 -s pra -set ac "$(ac mms.ua)" \
	-set ctype text/plain -set body "in flight"
inflight=$IT_SIPP_PID
it_check "in-flight push reached the app" it_wait_log "$IT_DIR/app.out" "push " 5 2
it_check "... and is not answered yet" test "$(grep -c '^acked' "$IT_DIR/app.out")" -eq 1
n0=$(grep -c '^push ' "$IT_DIR/app.out")
port2=$(it_free_port)
set_key sip_listen "127.0.0.1:$port2"
hup
it_check "SIGHUP: the stack is rebuilt, no restart asked for" \
	it_wait_log "$IT_DIR/d.log" "rebuilding the SIP stack" 5
it_check "no 'after a restart' for sip_listen" \
	bash -c "! grep -q 'sip_listen.*after a restart' '$IT_DIR/d.log'"
it_check "the binding moved to port $port2" \
	it_wait_binding pra "127.0.0.1:$port2" 10
it_check "one binding: the core replaced it (same instance, reg-id)" binding_count 1
it_check "same instance" binding_has "$instance"
wait "$inflight"
it_check "the push in flight during the reload got its verdict: 200" \
	test "$(it_sipp_status inflight)" = 200
it_check "the app answered it after the reload" \
	test "$(grep -c '^acked' "$IT_DIR/app.out")" -eq 2
it_check "delivered once" test "$n0" -eq "$(grep -c '^push ' "$IT_DIR/app.out")"
it_check "push after the move: 200" test "$(push after)" = 200
it_check "session mode rebuilt with the stack" \
	it_wait_log "$IT_DIR/d.log" "session mode rebuilt" 5
"$SP_CLI" send --msrp --proxy "sip:127.0.0.1:$KAM_SIP_PORT;transport=tcp" \
	--to sip:pra@sippush.test --app mms.ua --data "by MSRP after the move" \
	>"$IT_DIR/msrp.send" 2>&1
it_check "an MSRP push after the move: delivered" \
	grep -q "^200" "$IT_DIR/msrp.send"

# sip_transports and the registrar's transport: udp -> tcp
set_key sip_transports tcp
set_key sip_registrar "sip:127.0.0.1:$KAM_SIP_PORT;transport=tcp"
hup
it_check "transports: binding now a TCP flow" \
	it_wait_binding pra ";transport=tcp;ob" 10
it_check "transports: still one binding" binding_count 1
it_check "push over the TCP flow: 200" test "$(push tcp)" = 200

# credentials: a wrong password is used at once, the right one again too
set_key sip_auth_pass wrong
hup
it_check "credentials: the wrong password is rejected" \
	it_wait_log "$IT_DIR/d.log" "credentials rejected" 10
set_key sip_auth_pass secret
hup
it_check "credentials: registered again with the right one" \
	it_wait_log "$IT_DIR/d.log" "reg: registered" 10
it_check "push with the new credentials: 200" test "$(push creds)" = 200

# TLS: files and transport change on SIGHUP
set_key sip_transports tls
set_key sip_registrar "sip:127.0.0.1:$KAM_TLS_PORT;transport=tls"
set_key tls_ca_file "$IT_PKI/rogue-ca.pem"
hup
it_check "TLS: the new CA file is used at once" \
	it_wait_log "$IT_DIR/d.log" "against $IT_PKI/rogue-ca.pem" 10
it_check "TLS: ... and the core's certificate does not fit it" \
	it_wait_log "$IT_DIR/d.log" "registration failed: 0" 10
set_key tls_ca_file "$IT_PKI/ca.pem"
hup
it_check "TLS: with the right CA the binding is a TLS flow" \
	it_wait_binding pra ";transport=tls;ob" 15
it_check "TLS: still one binding" binding_count 1
it_check "push over TLS: 200" test "$(push tls)" = 200

# what cannot be redone live says so
set_key ipc_socket "$IT_DIR/other.sock"
hup
it_check "ipc_socket: logged as needing a restart" \
	it_wait_log "$IT_DIR/d.log" "ipc_socket changed; that takes effect after a restart" 5

sp_stop
it_check "SIGTERM removed the binding" it_wait_no_binding pra 3
it_done
