#!/bin/bash
# The handset's network lifecycle on a real network stack (netns.sh): the
# daemon starts with no address and no DNS, stays up and registers once an
# address, a route and a resolv.conf appear; an address change (DHCP renew),
# an interface down/up and a move to another uplink each end with the one
# binding in Kamailio moved to the new address (same +sip.instance/reg-id)
# and a push delivered; behind the NAT with a 10 s UDP timeout, the STUN
# keep-alive keeps a push 60 s after registration deliverable; a dead core
# is noticed by the keep-alive and registered with again when it is back.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"
# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$(dirname "$0")/netns.sh"

# one_binding ADDR: pra has exactly one binding, its Contact on ADDR.
one_binding() {
	local b n
	b=$(it_bindings pra)
	echo "$b"
	n=$(grep -c '^sip:' <<<"$b")
	[ "$n" -eq 1 ] && grep -qF "sip:pra@$1:" <<<"$b"
}

# wait_one_binding ADDR TIMEOUT_S
wait_one_binding() {
	local deadline=$(($(it__now_ms) + $2 * 1000))
	while ! one_binding "$1" >/dev/null; do
		[ "$(it__now_ms)" -lt "$deadline" ] || { one_binding "$1"; return 1; }
		sleep 0.1
	done
}

# wait_status TEXT TIMEOUT_S
wait_status() {
	local deadline=$(($(it__now_ms) + $2 * 1000))
	while ! ns_status_has "$1" >/dev/null 2>&1; do
		[ "$(it__now_ms)" -lt "$deadline" ] || { ns_status_has "$1"; return 1; }
		sleep 0.1
	done
}

it_init netlife
ns_require_root
if ! ns_init noaddr || ! ns_dns_start ||
	! ns_kamailio_start core core.cfg.in "$NS_CORE4" "$NS_CORE6"; then
	it_fail "test network built"
	it_done
	exit 1
fi
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock
SP_EXEC=(ip netns exec "$NS_DEV")

# --- boot before the network --------------------------------------------------
# The registrar by name (NAPTR/SRV/A), no address, no route, no resolv.conf.
RESOLV=$IT_DIR/resolv.conf
cat >"$IT_DIR/d.conf" <<EOF
sip_aor sip:pra@$NS_DOMAIN
sip_registrar sip:$NS_DOMAIN
sip_auth_user pra
sip_auth_pass secret
sip_transports udp,tcp
sip_expires 600
sip_keepalive_udp 4
resolv_conf $RESOLV
state_dir $IT_DIR/state
spool_dir $IT_DIR/spool
ipc_socket $SIPPUSH_SOCKET
ack_timeout 30000
app mms.ua
EOF
if ! sp_start d "$IT_DIR/d.conf"; then
	it_fail "daemon started without a network"
	it_done
	exit 1
fi
sleep 2
it_check "no network: still running after 2 s" kill -0 "$SP_PID"
it_check "no network: one log line says it waits" \
	test "$(grep -c 'waiting for a network' "$IT_DIR/d.log")" -eq 1
it_check "no network: status says network=down" ns_status_has "network=down"
it_check "no network: nothing registered" it_wait_no_binding pra 1

t0=$(it__now_ms)
ns_dev_addr_up wan0
ns_resolv_conf "$RESOLV"
it_check "address + route + DNS appeared: registered (5 s bound)" \
	wait_one_binding "$NS_DEV4" 5
ms=$(ns_reg200_ms "$t0" "src=udp:$NS_PUB4:" 5)
it__log "boot: address up -> REGISTER 200 in ${ms:-?} ms"
it_check "status shows the local address" wait_status "local_ipv4=$NS_DEV4" 3
it_check "status shows the flow" ns_status_has "flow1=udp $NS_DEV4"
it_check "status shows the reflexive (NAT) address" \
	wait_status "reflexive_address=$NS_PUB4:" 5
it_check "push delivered after boot" ns_push p-boot "after boot"

# --- address change (DHCP renew with a new address) ---------------------------
inst=$(cat "$IT_DIR/state/instance")
chal0=$(it_kam_events | grep -c 'IT REG CHALLENGE')
t0=$(it__now_ms)
ns_dev_ip addr del "$NS_DEV4/24" dev wan0
ns_dev_ip addr add 10.77.1.3/24 dev wan0
ns_dev_ip route replace default via "$NS_GW4" dev wan0
it_check "address changed: the one binding moved to the new address" \
	wait_one_binding 10.77.1.3 5
ms=$(ns_reg200_ms "$t0" "src=udp:$NS_PUB4:" 5)
it__log "address change -> REGISTER 200 in ${ms:-?} ms"
it_check "same +sip.instance and reg-id" \
	bash -c "kamcmd -s $KAM_CTL ul.lookup location pra | grep -q 'Reg-Id: 1' &&
		kamcmd -s $KAM_CTL ul.lookup location pra | grep -qF '$inst'"
it_check "re-REGISTER reused the nonce: no new challenge" \
	test "$(it_kam_events | grep -c 'IT REG CHALLENGE')" -eq "$chal0"
it_check "push delivered on the new address" ns_push p-moved "after the move"
it_check "status: last change is the address change" \
	ns_status_has "last_change=address changed"

# --- interface down and up ----------------------------------------------------
ns_dev_ip link set wan0 down
it_check "link down: status network=down" wait_status "network=down" 5
t0=$(it__now_ms)
ns_dev_ip link set wan0 up
ns_dev_ip route replace default via "$NS_GW4" dev wan0
it_check "link up: REGISTER again (5 s bound)" ns_reg200_ms "$t0" "src=udp:$NS_PUB4:" 5
it_check "link up: one binding" wait_one_binding 10.77.1.3 5
it_check "push delivered after down/up" ns_push p-updown "after down and up"

# --- another uplink (Wi-Fi to LTE), an MSRP session open on the old one -------
# The app holds the push (its handler sleeps; ack_timeout 30 s), so the
# session is in progress when its local address goes away.
mkdir -p "$IT_DIR/p-held"
"$SP_CLI" listen --count 1 --dir "$IT_DIR/p-held" mms.ua --timeout 29000 \
	--exec sh -c "touch '$IT_DIR/held'; sleep 25" \
	>"$IT_DIR/p-held.out" 2>"$IT_DIR/p-held.err" &
HPID=$!
it_track "$HPID"
it_wait_log "$IT_DIR/p-held.err" "subscribed to" 5 || it_fail "holding listener subscribed"
ns_exec "$NS_CORE" "$SP_CLI" send --proxy "sip:$NS_CORE4:5060" \
	--to "sip:pra@$NS_DOMAIN" --app mms.ua --data "held" --msrp \
	--timeout 40 >"$IT_DIR/p-held.send" 2>&1 &
SPID=$!
it_track "$SPID"
it_check "MSRP push in progress (the app holds it)" \
	bash -c "for i in \$(seq 100); do [ -e '$IT_DIR/held' ] && exit 0; sleep 0.1; done; exit 1"
t0=$(it__now_ms)
ns_dev_addr_up wan1
ns_dev_addr_down wan0
it_check "uplink moved: the binding follows to $NS_DEV4B" \
	wait_one_binding "$NS_DEV4B" 5
it_check "the MSRP session on the old address ended at once" \
	it_wait_log "$IT_DIR/d.log" "ending session: local address gone" 5
# the sender hears it (BYE, or a Failure REPORT when the old connection
# still carries one) long before its own 40 s or the app's 25 s
sender_ended() {
	local i
	for i in $(seq 100); do
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$IT_DIR/p-held.send"
	! kill -0 "$SPID" 2>/dev/null &&
		grep -qE 'REPORT 408|BYE from the receiver' "$IT_DIR/p-held.send"
}
it_check "... the sender was told (BYE or Failure REPORT) within 10 s" sender_ended
it__log "session end after the move: $(($(it__now_ms) - t0)) ms; sender: $(tail -n 1 "$IT_DIR/p-held.send")"
it_stop "$HPID"
it_check "push delivered over the other uplink" ns_push p-lte "over lte"
it_check "session-mode push over the other uplink (MSRP moved too)" \
	ns_push p-lte-msrp "msrp over lte" --msrp

# --- NAT keep-alive: a push 60 s after registration ---------------------------
it_check "keep-alive counters in status" ns_status_has "keepalive=stun 4s"
sleep 60
it_check "NAT conntrack entry still there after 60 s" \
	bash -c "ip netns exec $NS_NAT conntrack -L -p udp 2>/dev/null | grep -q 'dport=5060'"
it_check "push 60 s after registration delivered over UDP through the NAT" \
	ns_push p-60s "sixty seconds later"

# --- the core dies: the keep-alive notices; back: registered again ------------
# a new line: the uplink changes above may have logged one already
lost=$(grep -c "flow to registrar lost" "$IT_DIR/d.log")
ns_kamailio_stop core
it_check "dead core noticed by the STUN keep-alive (50 s bound)" \
	it_wait_log "$IT_DIR/d.log" "flow to registrar lost" 50 $((lost + 1))
ns_kamailio_start core core.cfg.in "$NS_CORE4" "$NS_CORE6"
it_check "core back: registered again (backoff, 40 s bound)" \
	wait_one_binding "$NS_DEV4B" 40
sp_stop
it_check "SIGTERM removed the binding" it_wait_no_binding pra 3

it_done
