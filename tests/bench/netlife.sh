# shellcheck shell=bash
#
# The "netlife" section of tests/bench/run.sh (sourced there): network
# changes in network namespaces (tests/integration/netns.sh), as root.
#
#   re-registration latency: from the address change (ip addr del/add,
#     route) to Kamailio's 200 to the new REGISTER (Kamailio's own
#     timestamp, same clock), NL_N times, median and max; baseline in the
#     same run: the same change followed by a restart of the daemon (what
#     a supervisor restarting on network events does), from the same
#     moment, NL_RESTARTS times, median.
#   keep-alive wake-ups: two daemons idle behind the NAT over UDP, one
#     with the STUN keep-alive (sip_keepalive_udp 25), one without (0);
#     voluntary context switches per minute over NL_IDLE_S.

# nl_conf FILE NAME KEEPALIVE: a config registering pra over UDP at the
# core namespace's Kamailio.
nl_conf() {
	cat >"$1" <<EOF
sip_aor sip:pra@$NS_DOMAIN
sip_registrar sip:$NS_CORE4:5060;transport=udp
sip_auth_user pra
sip_auth_pass secret
sip_transports udp
sip_expires 3600
sip_keepalive_udp $3
state_dir $IT_DIR/state-$2
spool_dir $IT_DIR/spool-$2
ipc_socket $IT_DIR/$2.sock
EOF
}

# nl_start NAME CONF: the daemon in the device namespace; sets DPID
nl_start() {
	ip netns exec "$NS_DEV" "$SP_DAEMON" -c "$2" >"$IT_DIR/$1.log" 2>&1 </dev/null &
	DPID=$!
	it_track "$DPID"
}

# nl_stats VALUES...: "median max" of integers
nl_stats() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "n/a n/a"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%d %d\n", m, v[NR] }'
}

bench_netlife() {
	local n=$NL_N i old new t0 ms lat=() rst=() med max rmed
	local saved_ctl=${KAM_CTL:-} kpid npid c0k c0n ck cn wk wn sent

	if [ "$(id -u)" != 0 ]; then
		row "re-registration after an address change" "n/a (needs root)" "" "" ""
		return 0
	fi
	blog "netlife: network namespaces, Kamailio in the core namespace"
	ns_init || die "network namespaces"
	ns_kamailio_start core core.cfg.in "$NS_CORE4" "$NS_CORE6" || die "Kamailio in the core namespace"

	# re-registration latency
	nl_conf "$IT_DIR/nl.conf" nl 25
	nl_start nl "$IT_DIR/nl.conf"
	it_wait_log "$IT_DIR/nl.log" "reg: registered" 15 || die "netlife daemon did not register"
	old=$NS_DEV4
	for i in $(seq "$n"); do
		new=10.77.1.$((2 + i % 2))
		sleep 0.5
		t0=$(it__now_ms)
		ns_dev_ip addr del "$old/24" dev wan0
		ns_dev_ip addr add "$new/24" dev wan0
		ns_dev_ip route replace default via "$NS_GW4" dev wan0
		ms=$(ns_reg200_ms "$t0" "contact=<sip:pra@$new:" 10) || die "no REGISTER from $new after the change ($i)"
		lat+=("$ms")
		old=$new
	done
	daemon_stop "$DPID"

	# baseline: the same change, then a restart (what a supervisor
	# that restarts on network events would do), from the same moment
	for i in $(seq "$NL_RESTARTS"); do
		new=10.77.1.$((2 + (n + i) % 2))
		sleep 0.5
		t0=$(it__now_ms)
		ns_dev_ip addr del "$old/24" dev wan0
		ns_dev_ip addr add "$new/24" dev wan0
		ns_dev_ip route replace default via "$NS_GW4" dev wan0
		nl_start nlr "$IT_DIR/nl.conf"
		ms=$(ns_reg200_ms "$t0" "contact=<sip:pra@$new:" 10) || die "restarted daemon did not register"
		rst+=("$ms")
		daemon_stop "$DPID"
		old=$new
	done

	read -r med max <<<"$(nl_stats "${lat[@]}")"
	read -r rmed _ <<<"$(nl_stats "${rst[@]}")"
	blog "  re-registration ms: ${lat[*]}; restart ms: ${rst[*]}"
	row "re-registration after an address change, median of $n (event -> 200)" "$med ms" \
		"$rmed ms change + restart (median of $NL_RESTARTS)" "$(ratio "$med" "$rmed")" ""
	row "  max of $n" "$max ms" "" "" "<1000 ms: $(met "$max < 1000")"

	# keep-alive wake-ups: with and without STUN, side by side
	nl_conf "$IT_DIR/nk.conf" nk 25
	nl_conf "$IT_DIR/nn.conf" nn 0
	nl_start nk "$IT_DIR/nk.conf"
	kpid=$DPID
	nl_start nn "$IT_DIR/nn.conf"
	npid=$DPID
	it_wait_log "$IT_DIR/nk.log" "reg: registered" 15 || die "nk did not register"
	it_wait_log "$IT_DIR/nn.log" "reg: registered" 15 || die "nn did not register"
	sleep 2
	c0k=$(ctxt "$kpid") c0n=$(ctxt "$npid")
	sleep "$NL_IDLE_S"
	ck=$(ctxt "$kpid") cn=$(ctxt "$npid")
	wk=$(awk -v d=$((ck - c0k)) -v s="$NL_IDLE_S" 'BEGIN { printf "%.1f\n", d * 60 / s }')
	wn=$(awk -v d=$((cn - c0n)) -v s="$NL_IDLE_S" 'BEGIN { printf "%.1f\n", d * 60 / s }')
	sent=$(SIPPUSH_SOCKET=$IT_DIR/nk.sock "$SIPPUSH_CLI" status 2>/dev/null |
		sed -n 's/^keepalive_sent=//p')
	blog "  wake-ups in ${NL_IDLE_S}s: STUN $((ck - c0k)), none $((cn - c0n)); STUN requests so far ${sent:-?}"
	row "idle wake-ups per minute behind NAT, UDP, STUN every 20-25 s (${NL_IDLE_S}s)" "$wk" \
		"$wn without keep-alive" "n/a" "<=6: $(met "$wk <= 6")"
	daemon_stop "$kpid"
	daemon_stop "$npid"
	ns_kamailio_stop core
	KAM_CTL=$saved_ctl
}
