#!/bin/bash
# DNS and IPv6 on a real network stack (netns.sh): a registrar reachable
# only over IPv6, found by name (NAPTR -> SRV -> AAAA, RFC 3263), gets our
# binding from our IPv6 address and pushes reach us over IPv6; an IPv6
# literal registrar and listen address work as well; a resolv.conf that
# names a dead server is re-read when it changes and registration follows.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"
# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$(dirname "$0")/netns.sh"

# conf FILE REGISTRAR [LINE...]
conf() {
	local f=$1 reg=$2 l
	shift 2
	{
		echo "sip_aor sip:pra@$NS_DOMAIN"
		echo "sip_registrar $reg"
		echo "sip_auth_user pra"
		echo "sip_auth_pass secret"
		echo "sip_transports udp,tcp"
		echo "resolv_conf $RESOLV"
		echo "state_dir $IT_DIR/state"
		echo "spool_dir $IT_DIR/spool"
		echo "ipc_socket $SIPPUSH_SOCKET"
		echo "app mms.ua"
		for l in "$@"; do echo "$l"; done
	} >"$f"
}

it_init dns6
ns_require_root
if ! ns_init || ! ns_dns_start ||
	! ns_kamailio_start core core.cfg.in "$NS_CORE4" "$NS_CORE6"; then
	it_fail "test network built"
	it_done
	exit 1
fi
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock
SP_EXEC=(ip netns exec "$NS_DEV")
RESOLV=$IT_DIR/resolv.conf

# --- IPv6-only registrar by name ---------------------------------------------------
ns_resolv_conf "$RESOLV" "$NS_CORE6"
conf "$IT_DIR/v6.conf" "sip:v6only.test"
if sp_start v6 "$IT_DIR/v6.conf" && sp_registered v6; then
	it_pass "registered with a registrar reachable only over IPv6, by name"
else
	it_fail "registered with a registrar reachable only over IPv6, by name"
fi
# (the AAAA comes in the SRV answer's additional section)
it_check "DNS: NAPTR and SRV were asked" bash -c "
	grep -q 'query\[NAPTR\] v6only.test' '$IT_DIR/dnsmasq.log' &&
	grep -q 'query\[SRV\] _sip._udp.v6only.test' '$IT_DIR/dnsmasq.log'"
it_check "the binding came from our IPv6 address, Contact in brackets" \
	it_wait_binding pra "sip:pra@[$NS_DEV6]:" 5
it_check "push delivered over IPv6" ns_push p6 "over ipv6"
sp_stop

# --- IPv6 literals: registrar and listen address ---------------------------------
conf "$IT_DIR/lit.conf" "sip:[$NS_CORE6]:5060;transport=tcp" "sip_listen [$NS_DEV6]:0"
if sp_start lit "$IT_DIR/lit.conf" && sp_registered lit; then
	it_pass "registered with IPv6 literals (registrar, sip_listen)"
else
	it_fail "registered with IPv6 literals (registrar, sip_listen)"
fi
it_check "binding over TCP from [$NS_DEV6]" it_wait_binding pra "received=sip:[$NS_DEV6]:" 5
it_check "push delivered (IPv6 literal config)" ns_push plit "literal"
it_check "status shows the IPv6 address in brackets" \
	bash -c "'$SP_CLI' status | grep -qF 'flow1=tcp [$NS_DEV6]:'"
sp_stop

# --- resolv.conf changes: a dead server, then the real one ---------------------------
ns_resolv_conf "$RESOLV" 192.0.2.99
conf "$IT_DIR/dns.conf" "sip:$NS_DOMAIN"
sp_start dns "$IT_DIR/dns.conf"
sleep 3
it_check "a dead name server: not registered" it_wait_no_binding pra 1
t0=$(it__now_ms)
ns_resolv_conf "$RESOLV" "$NS_CORE4"
it_check "resolv.conf rewritten: re-read" it_wait_log "$IT_DIR/dns.log" "1 name server, first $NS_CORE4" 5
it_check "... and registered within 5 s" sp_registered dns 5
it__log "resolv.conf fixed -> registered in $(($(it__now_ms) - t0)) ms"
it_check "push delivered after the DNS change" ns_push pdns "after dns"
sp_stop

it_done
