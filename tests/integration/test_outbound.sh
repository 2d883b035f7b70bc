#!/bin/bash
# An outbound proxy in front of the registrar (netns.sh, edge.cfg.in): the
# REGISTER goes through the proxy with the home domain as Request-URI, the
# registrar's Path brings pushes back through it, its Service-Route and
# P-Associated-URI are kept and shown; the GRUU it hands out is our
# Contact in the INVITE 200 (and in-dialog requests reach us through it);
# two proxies named: two flows, reg-id 1 and 2, pushes over either.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"
# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$(dirname "$0")/netns.sh"

# events NAME PATTERN: Kamailio NAME logged a line containing PATTERN.
events() {
	ns_kam_events "$1" | grep -F -- "$2" || { ns_kam_events "$1" | tail -n 5; return 1; }
}

# bindings_with N TEXT: pra has N bindings, each containing TEXT.
bindings_with() {
	local b
	b=$(it_bindings pra)
	echo "$b"
	[ "$(grep -c '^sip:' <<<"$b")" -eq "$1" ] &&
		[ "$(grep -cF -- "$2" <<<"$b")" -eq "$1" ]
}

it_init outbound
ns_require_root
if ! ns_init || ! ns_dns_start ||
	! ns_kamailio_start core core.cfg.in "$NS_CORE4" "$NS_CORE6" WITH_SERVICE_ROUTE ||
	! ns_kamailio_start edge edge.cfg.in "$NS_CORE4B" "$NS_CORE6B"; then
	it_fail "test network built"
	it_done
	exit 1
fi
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock
SP_EXEC=(ip netns exec "$NS_DEV")
RESOLV=$IT_DIR/resolv.conf
ns_resolv_conf "$RESOLV"

conf() {
	cat <<EOF
sip_aor sip:pra@$NS_DOMAIN
sip_registrar sip:$NS_DOMAIN
sip_auth_user pra
sip_auth_pass secret
sip_transports udp,tcp
sip_expires 600
resolv_conf $RESOLV
state_dir $IT_DIR/state
spool_dir $IT_DIR/spool
ipc_socket $SIPPUSH_SOCKET
app mms.ua
EOF
	local l
	for l in "$@"; do echo "$l"; done
}

# --- one outbound proxy, by name ------------------------------------------------
conf "sip_outbound_proxy sip:edge.$NS_DOMAIN" "reg_event yes" >"$IT_DIR/d.conf"
if ! sp_start d "$IT_DIR/d.conf" || ! sp_registered d; then
	it_fail "registered through the outbound proxy"
	it_done
	exit 1
fi
it_pass "registered through the outbound proxy"
it_check "the REGISTER went to the proxy, Request-URI the home domain" \
	events edge "IT EDGE REGISTER sip:$NS_DOMAIN from udp:$NS_PUB4:"
it_check "the registrar got it from the proxy with a Path" \
	events core "IT REG 200 to=sip:pra@$NS_DOMAIN src=udp:$NS_CORE4B:5060 expires=600 path=<sip:$NS_CORE4B;lr;received="
it_check "status: Service-Route kept" \
	ns_status_has "service_route=<sip:orig@$NS_CORE4B:5060;lr>"
it_check "status: Path kept" ns_status_has "path=<sip:$NS_CORE4B;lr;received="
it_check "status: P-Associated-URIs kept" \
	ns_status_has "associated_uris=<sip:pra@$NS_DOMAIN>,<tel:+15550100>"
it_check "status: the public GRUU" ns_status_has "pub_gruu=sip:pra@$NS_DOMAIN;gr=urn:uuid:"
# RFC 3608: our own requests after the 200 (the reg-event SUBSCRIBE) carry
# the outbound proxy, then the Service-Route, as their Route set
it_check "status: route set is the proxy, then the Service-Route" \
	ns_status_has "route_set=<sip:edge.$NS_DOMAIN>,<sip:orig@$NS_CORE4B:5060>"
it_check "our SUBSCRIBE went to the proxy first" \
	events edge "IT EDGE SUBSCRIBE sip:pra@$NS_DOMAIN from udp:$NS_PUB4:"
it_check "... then along the Service-Route (its next Route entry)" \
	events edge "IT EDGE SUBSCRIBE sip:pra@$NS_DOMAIN from udp:$NS_CORE4B:5060 route=<sip:orig@$NS_CORE4B:5060;lr>"
it_check "a push comes back through the proxy (Path)" ns_push p1 "via the edge"
it_check "the proxy relayed the push" events edge "IT EDGE MESSAGE sip:pra@"

# --- GRUU as the Contact of the INVITE 200 --------------------------------------
it_check "session-mode push delivered (in-dialog requests reach the GRUU)" \
	ns_push p-msrp "over msrp" --msrp
it_check "the INVITE 200's Contact is our public GRUU" \
	events core "IT REPLY 200 OK INVITE"
it_check "... with gr=" bash -c "ip netns exec true 2>/dev/null; grep -F 'IT REPLY 200 OK INVITE' '$IT_DIR/kam-core.log' | grep -qF ';gr=urn:uuid:'"
sp_stop
it_check "SIGTERM removed the binding" it_wait_no_binding pra 3

# --- two proxies: two flows, reg-id 1 and 2 --------------------------------------
ns_kamailio_start edge2 edge.cfg.in "$NS_CORE4C" "$NS_CORE6C" || it_fail "second edge started"
conf "sip_outbound_proxy sip:$NS_CORE4B:5060" "sip_outbound_proxy sip:$NS_CORE4C:5060" >"$IT_DIR/d2.conf"
sp_start d2 "$IT_DIR/d2.conf"
it_check "two flows: two bindings, reg-id 1 and 2" \
	bash -c "for i in \$(seq 50); do n=\$(kamcmd -s $KAM_CTL ul.lookup location pra 2>/dev/null | grep -c 'Reg-Id: [12]'); [ \"\$n\" -eq 2 ] && exit 0; sleep 0.1; done; exit 1"
it_check "both flows in status" bash -c "'$SP_CLI' status | grep -q '^flow1=' && '$SP_CLI' status | grep -q '^flow2='"
it_check "a push arrives with two flows registered" ns_push p2 "two flows"
ns_kamailio_stop edge
it_check "first proxy gone: a push still arrives over the second flow" \
	ns_push p3 "second flow"
sp_stop

# --- two flows: reload to another identity, then shutdown: every binding
# removed, each un-REGISTER answered -------------------------------------------
ns_kamailio_start edge edge.cfg.in "$NS_CORE4B" "$NS_CORE6B" || it_fail "first edge back"
# flow 1's binding outlived the stop above (its edge was down): clear it
kamcmd -s "$KAM_CTL" ul.rm location pra >/dev/null 2>&1
# two_flows USER: USER has two bindings, reg-id 1 and 2 (10 s bound)
two_flows() {
	local i n
	for i in $(seq 100); do
		n=$(kamcmd -s "$KAM_CTL" ul.lookup location "$1" 2>/dev/null | grep -c 'Reg-Id: [12]')
		[ "$n" -eq 2 ] && return 0
		sleep 0.1
	done
	return 1
}
cp "$IT_DIR/d2.conf" "$IT_DIR/d3.conf"
sp_start d3 "$IT_DIR/d3.conf"
it_check "two flows again" two_flows pra
# a reload to another identity: both old flows' bindings go first
sed -i -e 's/^sip_aor sip:pra@/sip_aor sip:pra2@/' -e 's/^sip_auth_user pra$/sip_auth_user pra2/' \
	-e 's/^sip_auth_pass secret$/sip_auth_pass secret2/' "$IT_DIR/d3.conf"
kill -HUP "$SP_PID"
it_check "reload to another identity: both old flows un-REGISTERed" it_wait_no_binding pra 5
it_check "... and the new identity registered two flows" two_flows pra2
sp_stop
it_check "SIGTERM removed both flows' bindings" it_wait_no_binding pra2 3
it_check "... each un-REGISTER answered before the stack closed" \
	bash -c "[ \$(grep -c 'reg: unregistered (200' '$IT_DIR/d3.log') -eq 4 ] || { grep 'reg:' '$IT_DIR/d3.log'; exit 1; }"

it_done
