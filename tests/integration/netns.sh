# shellcheck shell=bash
#
# Network-namespace test network for sippushd; source after lib.sh (and
# sippushd.sh), after it_init. Three namespaces, unique per run:
#
#   device (NS_DEV)          NAT (NS_NAT)                  core (NS_CORE)
#   wan0 10.77.1.2/24  ---  lan0 10.77.1.1/24
#        fd77:1::2/64       fd77:1::1/64
#                           wan0 192.0.2.1/24       ---  eth0 192.0.2.10/24 (+ .11, .12)
#                                fd77:2::1/64                 fd77:2::10/64 (+ ::11-::13)
#   wan1 10.77.3.2/24  ---  lan1 10.77.3.1/24   (second uplink: down until ns_dev_addr_up wan1)
#        fd77:3::2/64       fd77:3::1/64
#
# The NAT namespace masquerades IPv4 from the device towards the core
# (nftables) with a short UDP conntrack timeout (NS_UDP_TIMEOUT, default 10 s,
# both the unreplied and the stream value: they are per namespace), and
# routes IPv6 unchanged. The core cannot reach the device's private IPv4
# addresses: pushes reach it only through a live NAT binding. The core
# namespace runs dnsmasq (ns_dns_start: NAPTR/SRV/A/AAAA for NS_DOMAIN) and
# one or more Kamailio instances (ns_kamailio_start).
#
# Needs root (CAP_NET_ADMIN). Not root: a loud SKIP line, and the test counts
# as failed unless IT_ALLOW_SKIP=1 (CI runs as root: it must never skip).
# Every namespace is deleted by the EXIT trap (it_on_exit), after lib.sh has
# stopped the processes started here (all tracked by pid).
#
# Functions:
#   ns_require_root, ns_init [noaddr], ns_exec NS CMD..., ns_dev_ip CMD...,
#   ns_dev_addr_up [IF], ns_dev_addr_down [IF], ns_dns_start [OPTION...],
#   ns_resolv_conf FILE [SERVER...], ns_sip_ping NS ADDR PORT,
#   ns_kamailio_start NAME TEMPLATE ADDR4 ADDR6 [DEFINE...], ns_kam_ctl NAME,
#   ns_kamailio_stop NAME, ns_kam_events NAME, ns_conntrack_udp,
#   ns_wait_reg USER SRC TIMEOUT_S, ns_reg200_ms T0_MS TEXT TIMEOUT_S,
#   ns_push NAME TEXT [SEND_ARG...], ns_status_has TEXT

NS_TAG=$(printf 'sp%05d%04x' "$$" "$RANDOM")
NS_DEV=$NS_TAG-dev
NS_NAT=$NS_TAG-nat
NS_CORE=$NS_TAG-core
NS_UDP_TIMEOUT=${NS_UDP_TIMEOUT:-10}
NS_DOMAIN=core.test
NS_DEV4=10.77.1.2 NS_DEV6=fd77:1::2
NS_DEV4B=10.77.3.2 NS_DEV6B=fd77:3::2
NS_GW4=10.77.1.1 NS_GW6=fd77:1::1
NS_GW4B=10.77.3.1 NS_GW6B=fd77:3::1
NS_PUB4=192.0.2.1 NS_PUB6=fd77:2::1
NS_CORE4=192.0.2.10 NS_CORE6=fd77:2::10
# extra core addresses for a second and a third Kamailio (edge proxies),
# and the one of the IPv6-only registrar name (v6.core.test)
NS_CORE4B=192.0.2.11 NS_CORE6B=fd77:2::11
NS_CORE4C=192.0.2.12 NS_CORE6C=fd77:2::13
NS_CORE6V=fd77:2::12
NS_MADE=()
declare -A NS_KAM_PID=()

# ns_require_root: returns 0 as root; otherwise prints a SKIP line and
# exits (1, or 0 with IT_ALLOW_SKIP=1 and a summary line that says so).
ns_require_root() {
	[ "$(id -u)" = 0 ] && return 0
	echo "# SKIP [$IT_NAME]: network-namespace tests need root (CAP_NET_ADMIN)" >&2
	if [ "${IT_ALLOW_SKIP:-0}" = 1 ]; then
		echo "# SKIP [$IT_NAME]: allowed by IT_ALLOW_SKIP=1: NOTHING WAS TESTED" >&2
		echo "0 passed, 0 failed"
		exit 0
	fi
	echo "# SKIP [$IT_NAME]: this counts as a FAILURE unless IT_ALLOW_SKIP=1" >&2
	it_fail "$IT_NAME: skipped, not root (set IT_ALLOW_SKIP=1 to allow)"
	it_done
	exit 1
}

# ns_exec NS CMD...: run CMD inside namespace NS.
ns_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# ns_dev_ip ARGS...: `ip ARGS` inside the device namespace.
ns_dev_ip() {
	ip -n "$NS_DEV" "$@"
}

# ns__cleanup: deletes this run's namespaces (processes were stopped first).
ns__cleanup() {
	local ns
	for ns in "${NS_MADE[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	NS_MADE=()
}

# ns__add NS: creates namespace NS with loopback up.
ns__add() {
	ip netns add "$1" || return 1
	NS_MADE+=("$1")
	ip -n "$1" link set lo up
}

# ns__sysctl NS KEY=VALUE...: sysctl inside NS, quiet.
ns__sysctl() {
	local ns=$1
	shift
	ns_exec "$ns" sysctl -q -w "$@" >/dev/null
}

# ns__v6quiet NS IF: no DAD wait, no router solicitations, no autoconf on IF
# (test addresses are static and usable at once).
ns__v6quiet() {
	ns__sysctl "$1" "net.ipv6.conf.$2.accept_dad=0" "net.ipv6.conf.$2.accept_ra=0" \
		"net.ipv6.conf.$2.router_solicitations=0" "net.ipv6.conf.$2.autoconf=0"
}

# shellcheck disable=SC2120 # the argument is optional
# ns_init [noaddr]: builds the three namespaces. With "noaddr" the device's
# wan0 is up but has no address and no route (ns_dev_addr_up adds them).
ns_init() {
	local noaddr=${1:-}
	it_on_exit ns__cleanup
	ns__add "$NS_DEV" && ns__add "$NS_NAT" && ns__add "$NS_CORE" || return 1

	# device <-> NAT, twice (the second uplink stays down), NAT <-> core
	ip -n "$NS_DEV" link add wan0 type veth peer name lan0 netns "$NS_NAT" &&
		ip -n "$NS_DEV" link add wan1 type veth peer name lan1 netns "$NS_NAT" &&
		ip -n "$NS_NAT" link add wan0 type veth peer name eth0 netns "$NS_CORE" || return 1
	local ns ifc
	for ns in "$NS_DEV" "$NS_NAT" "$NS_CORE"; do
		ns__v6quiet "$ns" default
		ns__v6quiet "$ns" all
		for ifc in $(ip -n "$ns" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
			[ "$ifc" = lo ] || ns__v6quiet "$ns" "$ifc"
		done
	done

	ip -n "$NS_NAT" addr add "$NS_GW4/24" dev lan0 &&
		ip -n "$NS_NAT" addr add "$NS_GW6/64" dev lan0 nodad &&
		ip -n "$NS_NAT" addr add "$NS_GW4B/24" dev lan1 &&
		ip -n "$NS_NAT" addr add "$NS_GW6B/64" dev lan1 nodad &&
		ip -n "$NS_NAT" addr add "$NS_PUB4/24" dev wan0 &&
		ip -n "$NS_NAT" addr add "$NS_PUB6/64" dev wan0 nodad &&
		ip -n "$NS_NAT" link set lan0 up && ip -n "$NS_NAT" link set lan1 up &&
		ip -n "$NS_NAT" link set wan0 up || return 1
	ns__sysctl "$NS_NAT" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1

	local a
	for a in "$NS_CORE4" "$NS_CORE4B" "$NS_CORE4C"; do
		ip -n "$NS_CORE" addr add "$a/24" dev eth0 || return 1
	done
	for a in "$NS_CORE6" "$NS_CORE6B" "$NS_CORE6C" "$NS_CORE6V"; do
		ip -n "$NS_CORE" addr add "$a/64" dev eth0 nodad || return 1
	done
	ip -n "$NS_CORE" link set eth0 up &&
		ip -n "$NS_CORE" -6 route add fd77:1::/64 via "$NS_PUB6" &&
		ip -n "$NS_CORE" -6 route add fd77:3::/64 via "$NS_PUB6" || return 1

	# The NAT: masquerade IPv4 leaving towards the core; the core's
	# replies come back through conntrack, nothing else gets in.
	ns_exec "$NS_NAT" nft -f - <<'EOF' || return 1
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" masquerade
	}
}
table ip filter {
	chain forwarding {
		type filter hook forward priority filter; policy drop;
		iifname { "lan0", "lan1" } oifname "wan0" accept
		iifname "wan0" ct state established,related accept
	}
}
EOF
	# Conntrack timeouts are per namespace (the nft rules above loaded the
	# module, so the keys exist here now).
	ns__sysctl "$NS_NAT" "net.netfilter.nf_conntrack_udp_timeout=$NS_UDP_TIMEOUT" \
		"net.netfilter.nf_conntrack_udp_timeout_stream=$NS_UDP_TIMEOUT" || return 1

	ip -n "$NS_DEV" link set wan0 up || return 1
	[ "$noaddr" = noaddr ] || ns_dev_addr_up wan0
}

# ns_dev_addr_up [IF]: gives the device's IF (wan0, or wan1) its IPv4 and
# IPv6 addresses and default routes.
ns_dev_addr_up() {
	local ifc=${1:-wan0} a4=$NS_DEV4 a6=$NS_DEV6 g4=$NS_GW4 g6=$NS_GW6
	if [ "$ifc" = wan1 ]; then
		a4=$NS_DEV4B a6=$NS_DEV6B g4=$NS_GW4B g6=$NS_GW6B
	fi
	ip -n "$NS_DEV" link set "$ifc" up &&
		ip -n "$NS_DEV" addr add "$a4/24" dev "$ifc" &&
		ip -n "$NS_DEV" addr add "$a6/64" dev "$ifc" nodad &&
		ip -n "$NS_DEV" route replace default via "$g4" dev "$ifc" &&
		ip -n "$NS_DEV" -6 route replace default via "$g6" dev "$ifc"
}

# ns_dev_addr_down [IF]: removes the device's addresses (and so its routes)
# from IF; the link stays up.
ns_dev_addr_down() {
	ip -n "$NS_DEV" addr flush dev "${1:-wan0}" scope global
}

# ns_dnsmasq_opts: the record options for NS_DOMAIN (stdout, one per line).
#   sip.core.test      A + AAAA  (the registrar, dual stack)
#   v6.core.test       AAAA only (fd77:2::12, NS_CORE6V)
#   edge.core.test     A + AAAA  (the second core address: an edge proxy)
#   core.test          NAPTR -> _sip._udp / _sip._tcp -> sip.core.test:5060
#   v6only.test        NAPTR/SRV -> v6.core.test:5060 (no A anywhere)
ns__dnsmasq_opts() {
	cat <<EOF
--host-record=sip.$NS_DOMAIN,$NS_CORE4,$NS_CORE6
--host-record=edge.$NS_DOMAIN,$NS_CORE4B,$NS_CORE6B
--host-record=v6.$NS_DOMAIN,$NS_CORE6V
--naptr-record=$NS_DOMAIN,10,10,S,SIP+D2U,,_sip._udp.$NS_DOMAIN
--naptr-record=$NS_DOMAIN,20,10,S,SIP+D2T,,_sip._tcp.$NS_DOMAIN
--srv-host=_sip._udp.$NS_DOMAIN,sip.$NS_DOMAIN,5060,10,10
--srv-host=_sip._tcp.$NS_DOMAIN,sip.$NS_DOMAIN,5060,10,10
--naptr-record=v6only.test,10,10,S,SIP+D2U,,_sip._udp.v6only.test
--srv-host=_sip._udp.v6only.test,v6.$NS_DOMAIN,5060,10,10
--srv-host=_sip._tcp.v6only.test,v6.$NS_DOMAIN,5060,10,10
EOF
}

# shellcheck disable=SC2120 # the arguments are optional
# ns_dns_start [EXTRA_OPTION...]: dnsmasq in the core namespace on
# NS_CORE4 and NS_CORE6, port 53, authoritative for the records above only
# (no upstream, no /etc/hosts). Log: $IT_DIR/dnsmasq.log.
ns_dns_start() {
	local pid opts=()
	mapfile -t opts < <(ns__dnsmasq_opts)
	ns_exec "$NS_CORE" dnsmasq --keep-in-foreground --no-daemon --conf-file=/dev/null \
		--no-resolv --no-hosts --no-poll --bind-interfaces \
		--listen-address="$NS_CORE4" --listen-address="$NS_CORE6" \
		--port=53 --user=root --pid-file="$IT_DIR/dnsmasq.pid" \
		--log-queries --log-facility=- --local-ttl=1 \
		"${opts[@]}" "$@" >"$IT_DIR/dnsmasq.log" 2>&1 </dev/null &
	pid=$!
	it_track "$pid"
	for _ in $(seq 100); do
		if ns_exec "$NS_CORE" python3 - "$NS_CORE4" <<'EOF' 2>/dev/null; then return 0; fi
import socket, struct, sys
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(p)]) + p.encode() for p in "sip.core.test".split(".")) + b"\0"
q += struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
s.sendto(q, (sys.argv[1], 53))
r = s.recv(512)
sys.exit(0 if r[:2] == b"\x12\x34" and struct.unpack(">H", r[6:8])[0] >= 1 else 1)
EOF
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	it__log "dnsmasq did not answer:"
	sed 's/^/#   /' "$IT_DIR/dnsmasq.log" >&2
	return 1
}

# ns_resolv_conf FILE [SERVER...]: writes a resolv.conf naming SERVER...
# (default: the core's dnsmasq on both address families).
ns_resolv_conf() {
	local f=${1:?file} s
	shift
	[ $# -gt 0 ] || set -- "$NS_CORE4" "$NS_CORE6"
	{
		echo "# written by netns.sh"
		for s in "$@"; do echo "nameserver $s"; done
	} >"$f.tmp" && mv "$f.tmp" "$f"
}

# ns_sip_ping NS ADDR PORT: true if a SIP server answers an OPTIONS on UDP
# ADDR:PORT, asked from inside namespace NS.
ns_sip_ping() {
	ns_exec "$1" python3 - "$2" "$3" <<'EOF'
import socket, sys, os
host, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.connect((host, port))
la, lp = s.getsockname()[:2]
lh = "[%s]" % la if fam == socket.AF_INET6 else la
rh = "[%s]" % host if fam == socket.AF_INET6 else host
tag = "%d%d" % (os.getpid(), lp)
msg = ("OPTIONS sip:%s:%d SIP/2.0\r\n"
       "Via: SIP/2.0/UDP %s:%d;rport;branch=z9hG4bK-ping%s\r\n"
       "Max-Forwards: 2\r\nFrom: <sip:ping@%s>;tag=%s\r\n"
       "To: <sip:%s:%d>\r\nCall-ID: ping-%s\r\nCSeq: 1 OPTIONS\r\n"
       "Content-Length: 0\r\n\r\n") % (rh, port, lh, lp, tag, lh, tag, rh, port, tag)
s.settimeout(0.3)
s.send(msg.encode())
try:
    data = s.recv(4096)
except OSError:
    sys.exit(1)
sys.exit(0 if data.startswith(b"SIP/2.0 200") else 1)
EOF
}

# ns_kam_ctl NAME: the kamcmd control socket of instance NAME.
ns_kam_ctl() {
	echo "unix:$IT_DIR/kam-${1:?name}.ctl"
}

# ns_kamailio_start NAME TEMPLATE ADDR4 ADDR6 [DEFINE...]: Kamailio from
# tests/kamailio/TEMPLATE in the core namespace, UDP+TCP port 5060 on ADDR4
# and [ADDR6]; @ADDR4@ @ADDR6@ @RUNDIR@ @NAME@ @DOMAIN@ @CTL@ @EDGE4@
# @CORE4@ @CORE6@ are replaced, each DEFINE is passed as `-A DEFINE`
# (#!ifdef in the template). Log $IT_DIR/kam-NAME.log. The first instance
# started also becomes lib.sh's Kamailio (KAM_CTL, it_bindings; and
# it_kam_events through a link $IT_DIR/kamailio.log, if there is none).
ns_kamailio_start() {
	local name=${1:?name} tpl=$IT_TOP/tests/kamailio/${2:?template} a4=${3:?addr4} a6=${4:?addr6}
	local log=$IT_DIR/kam-$name.log cfg=$IT_DIR/kam-$name.cfg pid d defs=()
	shift 4
	for d in "$@"; do defs+=(-A "$d"); done
	sed -e "s|@ADDR4@|$a4|g" -e "s|@ADDR6@|$a6|g" -e "s|@RUNDIR@|$IT_DIR|g" \
		-e "s|@NAME@|$name|g" -e "s|@DOMAIN@|$NS_DOMAIN|g" \
		-e "s|@CTL@|$(ns_kam_ctl "$name")|g" -e "s|@EDGE4@|$NS_CORE4B|g" \
		-e "s|@CORE4@|$NS_CORE4|g" -e "s|@CORE6@|$NS_CORE6|g" \
		"$tpl" >"$cfg" || return 1
	echo "# ---- kamailio $name start $(date +%T.%N) ----" >>"$log"
	# setsid: own process group, so cleanup reaches every Kamailio child
	setsid ip netns exec "$NS_CORE" kamailio -f "$cfg" -DD -E -m 32 -M 8 "${defs[@]}" \
		-P "$IT_DIR/kam-$name.pid" -Y "$IT_DIR" -w "$IT_DIR" >>"$log" 2>&1 </dev/null &
	pid=$!
	it_track "$pid"
	NS_KAM_PID[$name]=$pid
	if [ -z "${KAM_CTL_NS:-}" ]; then
		KAM_CTL_NS=$(ns_kam_ctl "$name")
		KAM_CTL=$KAM_CTL_NS
		export KAM_CTL
		# lib.sh's it_kam_events, unless a loopback Kamailio has it
		[ -e "$IT_DIR/kamailio.log" ] || ln -s "$log" "$IT_DIR/kamailio.log"
	fi
	for _ in $(seq 200); do
		if ! kill -0 "$pid" 2>/dev/null; then
			it__log "kamailio $name exited during startup; log:"
			sed 's/^/#   /' "$log" >&2
			return 1
		fi
		if kamcmd -s "$(ns_kam_ctl "$name")" core.uptime >/dev/null 2>&1 &&
			ns_sip_ping "$NS_CORE" "$a4" 5060 && ns_sip_ping "$NS_CORE" "$a6" 5060; then
			return 0
		fi
		sleep 0.05
	done
	it__log "kamailio $name not ready after 10 s; log:"
	sed 's/^/#   /' "$log" >&2
	return 1
}

# ns_kamailio_stop NAME: stops Kamailio instance NAME (all its processes);
# its bindings are gone (usrloc in memory only).
ns_kamailio_stop() {
	local pid=${NS_KAM_PID[${1:?name}]:-}
	[ -n "$pid" ] || return 0
	it_stop "$pid"
	unset "NS_KAM_PID[$1]"
	rm -f "$IT_DIR/kam-$1.ctl" "$IT_DIR/kam-$1.fifo"
}

# ns_conntrack_udp: the NAT's UDP conntrack entries (conntrack -L).
ns_conntrack_udp() {
	ns_exec "$NS_NAT" conntrack -L -p udp 2>/dev/null
}

# ns_kam_events NAME: the "IT ..." event lines of Kamailio instance NAME.
ns_kam_events() {
	sed -n 's/.*<script>: \(IT .*\)/\1/p' "$IT_DIR/kam-${1:?name}.log"
}

# ns_wait_reg USER SRC TIMEOUT_S: waits until Kamailio "core" logged a 200 to a
# REGISTER of USER whose source address (as Kamailio saw it) starts with
# SRC (e.g. "udp:192.0.2.1:"); prints that event line.
ns_wait_reg() {
	local user=${1:?user} src=${2:?src} deadline line
	deadline=$(($(it__now_ms) + ${3:?timeout} * 1000))
	while :; do
		line=$(ns_kam_events core | grep -F "IT REG 200 to=sip:$user@" | grep -F "src=$src" | tail -n 1)
		[ -n "$line" ] && { echo "$line"; return 0; }
		[ "$(it__now_ms)" -lt "$deadline" ] || break
		sleep 0.05
	done
	it__log "no REGISTER 200 for $user from $src within ${3}s"
	return 1
}

# ns_reg200_ms T0_MS TEXT TIMEOUT_S: prints the ms from T0_MS (it__now_ms)
# to Kamailio "core"'s first REGISTER 200 at or after it whose event line
# contains TEXT (e.g. "src=udp:192.0.2.1:" or "contact=<sip:pra@10.77.1.3:")
# (Kamailio's own timestamp, same clock).
ns_reg200_ms() {
	local t0=${1:?t0} text=${2:?text} deadline line t
	deadline=$(($(it__now_ms) + ${3:?timeout} * 1000))
	while :; do
		while IFS= read -r line; do
			t=${line##*t=}
			t=${t/./}
			t=$((10#$t / 1000))
			if [ "$t" -ge "$t0" ]; then
				echo $((t - t0))
				return 0
			fi
		done < <(ns_kam_events core | grep -F "IT REG 200 " | grep -F -- "$text")
		[ "$(it__now_ms)" -lt "$deadline" ] || return 1
		sleep 0.02
	done
}

# ns_push NAME TEXT [SEND_ARG...]: one push (sippush send, from the core
# namespace through Kamailio "core") for mms.ua reaches an app listening
# now (sippush listen --count 1 --dir), byte-exact. Needs sippushd.sh.
ns_push() {
	local name=$1 text=$2 out
	shift 2
	mkdir -p "$IT_DIR/$name"
	listen "$name" --count 1 --dir "$IT_DIR/$name" mms.ua || return 1
	out=$(ns_exec "$NS_CORE" "$SP_CLI" send --proxy "sip:$NS_CORE4:5060" \
		--to "sip:pra@$NS_DOMAIN" --app mms.ua --data "$text" --timeout 20 "$@" 2>&1)
	echo "send: $out"
	wait_listen "$LPID" || return 1
	grep -qx -- "$text" "$IT_DIR/$name"/*.body
}

# ns_status_has TEXT: `sippush status` has a line containing TEXT.
ns_status_has() {
	local st
	st=$("$SP_CLI" status) || return 1
	grep -qF -- "$1" <<<"$st" || { echo "$st"; return 1; }
}
