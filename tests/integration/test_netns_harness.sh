#!/bin/bash
# Self-test of the network-namespace harness (netns.sh): the device, NAT and
# core namespaces, masquerade and its short UDP conntrack timeout, dnsmasq's
# NAPTR/SRV/A/AAAA records, STUN on Kamailio's SIP port, and sippushd
# registering from the device namespace through the NAT and receiving a
# push. The control: with no keep-alive, once the NAT binding has expired
# a push no longer reaches the device, although Kamailio still holds the
# binding (what the UDP keep-alive of test_netlife.sh must prevent).
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"
# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$(dirname "$0")/netns.sh"

PROBE=$(dirname "$0")/tools/netprobe.py

# probe NS ARGS...: netprobe.py inside NS.
probe() {
	local ns=$1
	shift
	ns_exec "$ns" python3 "$PROBE" "$@"
}

# out_has TEXT CMD...: CMD succeeds and prints a line containing TEXT.
out_has() {
	local want=$1 out
	shift
	out=$("$@") || { echo "failed: $*"; echo "$out"; return 1; }
	echo "$out"
	grep -qF -- "$want" <<<"$out"
}

# exit_is CODE CMD...: CMD exits with exactly CODE.
exit_is() {
	local want=$1 rc
	shift
	"$@"
	rc=$?
	echo "exit $rc, wanted $want"
	[ "$rc" -eq "$want" ]
}

# push_to NAME APP TEXT: one MESSAGE from the core namespace through
# Kamailio (sippush send, UDP); prints its final status line.
push_to() {
	ns_exec "$NS_CORE" "$SP_CLI" send --proxy "sip:$NS_CORE4:5060" \
		--to "sip:pra@$NS_DOMAIN" --app "$2" --data "$3" --timeout 20 \
		>"$IT_DIR/send-$1.out" 2>&1
	cat "$IT_DIR/send-$1.out"
}

it_init netns_harness
ns_require_root
if ! ns_init; then
	it_fail "namespaces built"
	it_done
	exit 1
fi
it_pass "three namespaces, veth pairs, NAT rules built ($NS_TAG)"

it_check "device reaches the core over IPv4 through the NAT" \
	ns_exec "$NS_DEV" ping -c 1 -W 2 "$NS_CORE4"
it_check "device reaches the core over IPv6 (routed)" \
	ns_exec "$NS_DEV" ping -6 -c 1 -W 2 "$NS_CORE6"
it_check "core cannot reach the device's private IPv4 address" \
	bash -c "! ip netns exec $NS_CORE ping -c 1 -W 1 $NS_DEV4"
it_check "NAT conntrack UDP timeouts are ${NS_UDP_TIMEOUT} s in its namespace" \
	out_has "= $NS_UDP_TIMEOUT" ns_exec "$NS_NAT" sysctl net.netfilter.nf_conntrack_udp_timeout_stream
it_check "the host's conntrack UDP timeout is untouched (per-namespace)" \
	bash -c "[ \"\$(sysctl -n net.netfilter.nf_conntrack_udp_timeout 2>/dev/null || echo 30)\" != $NS_UDP_TIMEOUT ] || [ $NS_UDP_TIMEOUT = 30 ]"

if ! ns_dns_start; then
	it_fail "dnsmasq started"
	it_done
	exit 1
fi
it_check "DNS: NAPTR for $NS_DOMAIN (SIP+D2U first)" \
	out_has "NAPTR 10 10 S SIP+D2U _sip._udp.$NS_DOMAIN" probe "$NS_DEV" dns "$NS_CORE4" "$NS_DOMAIN" NAPTR
it_check "DNS: SRV _sip._udp.$NS_DOMAIN -> sip.$NS_DOMAIN:5060" \
	out_has "5060 sip.$NS_DOMAIN" probe "$NS_DEV" dns "$NS_CORE4" "_sip._udp.$NS_DOMAIN" SRV
it_check "DNS: AAAA sip.$NS_DOMAIN over IPv6" \
	out_has "AAAA $NS_CORE6" probe "$NS_DEV" dns "$NS_CORE6" "sip.$NS_DOMAIN" AAAA
it_check "DNS: v6.$NS_DOMAIN has no A record (an empty answer)" \
	exit_is 1 probe "$NS_DEV" dns "$NS_CORE4" "v6.$NS_DOMAIN" A
it_check "DNS: v6.$NS_DOMAIN has an AAAA record" \
	out_has "AAAA $NS_CORE6V" probe "$NS_DEV" dns "$NS_CORE4" "v6.$NS_DOMAIN" AAAA

if ! ns_kamailio_start core core.cfg.in "$NS_CORE4" "$NS_CORE6"; then
	it_fail "kamailio started in the core namespace"
	it_done
	exit 1
fi
it_pass "kamailio answers OPTIONS on $NS_CORE4 and [$NS_CORE6]"
it_check "STUN on Kamailio's SIP port shows the NAT's public address" \
	out_has "$NS_PUB4:" probe "$NS_DEV" stun "$NS_CORE4" 5060
it_check "STUN over IPv6 shows the device's own address (no NAT66)" \
	out_has "[$NS_DEV6]:" probe "$NS_DEV" stun "$NS_CORE6" 5060

# Today's daemon, with an IP registrar: registers through the NAT.
SP_EXEC=(ip netns exec "$NS_DEV")
sp_conf "$IT_DIR/d.conf" udp "app mms.ua"
sed -i -e "s|^sip_registrar .*|sip_registrar sip:$NS_CORE4:5060;transport=udp|" \
	-e "s|^sip_aor .*|sip_aor sip:pra@$NS_DOMAIN|" \
	-e "s|^sip_listen .*|sip_listen $NS_DEV4:5060|" \
	-e "s|^sip_expires .*|sip_expires 600|" "$IT_DIR/d.conf"
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock
if ! sp_start d "$IT_DIR/d.conf" || ! sp_registered d; then
	it_fail "daemon registered from the device namespace"
	it_done
	exit 1
fi
it_pass "daemon registered from the device namespace"
it_check "Kamailio saw the REGISTER from the NAT's public address" \
	ns_wait_reg pra "udp:$NS_PUB4:" 5
it_check "binding's received address is the NAT's" \
	it_wait_binding pra "received=sip:$NS_PUB4:" 5
it_check "the NAT holds a UDP conntrack entry for the flow" \
	out_has "dport=5060" ns_conntrack_udp
t_reg=$(it__now_ms)

mkdir -p "$IT_DIR/l1"
listen l1 --count 1 --dir "$IT_DIR/l1" mms.ua
it_check "push through the NAT while its binding lives: 200" \
	out_has "200" push_to p1 mms.ua "first"
it_check "the app got the push" wait_listen "$LPID"
it_check "push body delivered byte-exact" grep -qx "first" "$IT_DIR"/l1/*.body

# Control: let the NAT binding expire (no keep-alive today); Kamailio
# still holds the binding, but the push dies at the NAT.
wait_s=$((NS_UDP_TIMEOUT + 4))
it__log "waiting ${wait_s}s for the NAT's UDP binding to expire"
sleep "$wait_s"
it_check "conntrack entry for the flow expired after ${NS_UDP_TIMEOUT} s" \
	bash -c "! ip netns exec $NS_NAT conntrack -L -p udp 2>/dev/null | grep -q 'dport=5060'"
it_check "Kamailio still holds the binding" it_wait_binding pra "received=sip:$NS_PUB4:" 1
listen l2 --count 1 mms.ua
out=$(push_to p2 mms.ua "second")
it_check "control: push after the NAT timeout fails ($out)" \
	bash -c "! grep -q '^200' '$IT_DIR/send-p2.out'"
it_check "control: the app got nothing" bash -c "! grep -q second '$IT_DIR/l2.out'"
it__log "registration to failed push: $(($(it__now_ms) - t_reg)) ms"

it_done
