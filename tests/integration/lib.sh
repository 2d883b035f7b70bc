# shellcheck shell=bash
#
# Integration-test helpers for sippushd. Source it from a test script that
# runs with `set -u`, then: it_init NAME; it_certs; it_kamailio_start; ...;
# it_done. Every process started here (or passed to it_track) is killed by
# pid / own process group when the script exits, also on failure or Ctrl-C
# (it_init owns the EXIT/INT/TERM traps; do not replace them).
#
# Functions (details above each one):
#   it_init NAME, it_track PID, it_stop PID, it_free_port, it_certs,
#   it_kamailio_start [CERT], it_kamailio_stop, it_ul_dump, it_bindings USER,
#   it_wait_binding USER PATTERN TIMEOUT_S, it_wait_no_binding USER TIMEOUT_S,
#   it_kam_events, it_wait_log FILE PATTERN TIMEOUT_S [COUNT],
#   it_sipp TAG SCENARIO [ARGS], it_sipp_bg TAG SCENARIO [ARGS],
#   it_sipp_status TAG, it_sipp_logged TAG,
#   it_pass MSG, it_fail MSG, it_check DESC CMD..., it_done,
#   it_on_exit FUNC
#
# Environment exported by it_init / it_certs:
#   IT_DIR        run directory (removed on success unless IT_KEEP=1)
#   KAM_SIP_PORT  Kamailio UDP+TCP port on 127.0.0.1
#   KAM_TLS_PORT  Kamailio TLS port on 127.0.0.1
#   KAM_CTL       kamcmd socket, unix:$IT_DIR/kamailio_ctl
#   IT_PKI        $IT_DIR/pki: ca, kam, wrong, rogue (+ rogue-ca) .pem/.key
# Also set: IT_KAM_PID, IT_SIPP_PID (last it_sipp_bg).
# Tunables: IT_KEEP=1 keep $IT_DIR; IT_SIPP_TIMEOUT seconds per sipp run
# (default 10); IT_SIPP_REMOTE sipp target (default Kamailio UDP, "" = none);
# IT_KAM_DEFINES cfg switches for Kamailio (-A), e.g. "WITH_REGEVENT" for the
# reg-event/presence server of tests/kamailio/kamailio.cfg.in.

IT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_TOP=$(cd "$IT_LIB_DIR/../.." && pwd)
IT_KAM_TEMPLATE=$IT_TOP/tests/kamailio/kamailio.cfg.in
IT_SIPP_DIR=$IT_LIB_DIR/sipp
IT_PASSED=0
IT_FAILED=0
IT_PIDS=()
IT_EXIT_HOOKS=()
IT_KAM_PID=
IT_KAM_DEFINES=${IT_KAM_DEFINES:-}
IT_NAME=
IT_DIR=

# it__now_ms: prints a monotonic-enough wall clock in milliseconds.
it__now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((10#$t / 1000))
}

# it__log: diagnostic line on stderr, prefixed so it stands out from TAP.
it__log() {
	echo "# [$IT_NAME] $*" >&2
}

# it__alive PID: true while PID (or, for a group leader, its group) exists.
it__alive() {
	kill -0 "$1" 2>/dev/null || kill -0 -- "-$1" 2>/dev/null
}

# it__kill PID: TERM the pid (its process group if it leads one), wait up to
# 5 s, then KILL. Never matches processes by name.
it__kill() {
	local pid=$1 grp=0 deadline
	[ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ] && grp=1
	if [ $grp = 1 ]; then kill -TERM -- "-$pid" 2>/dev/null; else kill -TERM "$pid" 2>/dev/null; fi
	deadline=$(($(it__now_ms) + 5000))
	while it__alive "$pid" && [ "$(it__now_ms)" -lt "$deadline" ]; do
		sleep 0.05
	done
	if it__alive "$pid"; then
		it__log "pid $pid ignored SIGTERM, sending SIGKILL"
		kill -KILL -- "-$pid" 2>/dev/null
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# it__untrack PID: forget PID (already stopped).
it__untrack() {
	local p keep=()
	for p in "${IT_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	IT_PIDS=("${keep[@]}")
}

# it__cleanup: EXIT trap; stops tracked pids, shows log tails on failure.
it__cleanup() {
	local rc=$? p f
	trap - EXIT INT TERM
	# We may be inside a redirected it_check: report on the real stderr.
	[ -z "${IT_STDERR:-}" ] || exec 2>&"$IT_STDERR"
	for p in "${IT_PIDS[@]}"; do
		it__kill "$p"
	done
	IT_PIDS=()
	for p in "${IT_EXIT_HOOKS[@]}"; do
		"$p"
	done
	IT_EXIT_HOOKS=()
	if [ "$rc" -ne 0 ] || [ "$IT_FAILED" -ne 0 ]; then
		if [ -n "$IT_DIR" ] && [ -d "$IT_DIR" ]; then
			for f in "$IT_DIR"/*.log; do
				[ -s "$f" ] || continue
				echo "# ---- tail of $f ----" >&2
				tail -n 25 "$f" | awk '{ print "#   " $0 }' >&2
			done
			echo "# run dir kept: $IT_DIR" >&2
		fi
	elif [ -n "$IT_DIR" ] && [ "${IT_KEEP:-0}" != 1 ]; then
		rm -rf -- "$IT_DIR"
	elif [ -n "$IT_DIR" ]; then
		echo "# run dir kept: $IT_DIR" >&2
	fi
	exit "$rc"
}

# it_free_port: prints a port free for both UDP and TCP on 127.0.0.1, taken
# below the kernel's ephemeral range so outgoing sockets cannot steal it.
it_free_port() {
	python3 - <<'EOF'
import random, socket
for _ in range(200):
    p = random.randint(20000, 29999)
    socks = []
    try:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind)
            socks.append(s)
            s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(p)
    break
else:
    raise SystemExit("no free port")
EOF
}

# it__pick_kam_ports: (re)chooses and exports two distinct Kamailio ports.
it__pick_kam_ports() {
	KAM_SIP_PORT=$(it_free_port) || return 1
	KAM_TLS_PORT=$KAM_SIP_PORT
	while [ "$KAM_TLS_PORT" = "$KAM_SIP_PORT" ]; do
		KAM_TLS_PORT=$(it_free_port) || return 1
	done
	export KAM_SIP_PORT KAM_TLS_PORT
}

# it_init NAME: creates $IT_DIR, installs the cleanup trap, picks ports.
it_init() {
	IT_NAME=${1:?it_init NAME}
	IT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/it-$IT_NAME.XXXXXX") || exit 1
	export IT_DIR
	exec {IT_STDERR}>&2
	trap it__cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	it__pick_kam_ports || exit 1
	KAM_CTL=unix:$IT_DIR/kamailio_ctl
	export KAM_CTL
	it__log "run dir $IT_DIR, kamailio sip port $KAM_SIP_PORT, tls port $KAM_TLS_PORT"
}

# it_track PID: kill PID (or its process group if it leads one) at exit.
it_track() {
	IT_PIDS+=("${1:?it_track PID}")
}

# it_on_exit FUNC: calls FUNC at exit, after every tracked process was
# stopped (e.g. to delete network namespaces the test made).
it_on_exit() {
	IT_EXIT_HOOKS+=("${1:?it_on_exit FUNC}")
}

# it_stop PID: stops a tracked process now (TERM, then KILL after 5 s).
it_stop() {
	it__kill "${1:?it_stop PID}"
	it__untrack "$1"
}

# it__leaf NAME CA SANS: P-256 key + cert NAME.pem signed by CA (basename).
it__leaf() {
	local name=$1 ca=$2 san=$3 cn=$4
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$name.key" -subj "/CN=$cn" -out "$name.csr" 2>/dev/null || return 1
	printf '%s\n' "basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth,clientAuth" \
		"subjectAltName=$san" >"$name.ext"
	openssl x509 -req -sha256 -days 2 -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" \
		-set_serial "0x$(openssl rand -hex 8)" -extfile "$name.ext" -out "$name.pem" 2>/dev/null
}

# it__ca NAME CN: self-signed P-256 CA NAME.pem/NAME.key.
it__ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 2 \
		-keyout "$1.key" -out "$1.pem" -subj "/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# it_certs: test PKI in $IT_DIR/pki: ca, kam (good server), wrong (bad host), rogue (untrusted CA).
it_certs() {
	IT_PKI=$IT_DIR/pki
	export IT_PKI
	mkdir -p "$IT_PKI" || return 1
	if ! (
		cd "$IT_PKI" || exit 1
		it__ca ca "sippush test CA" &&
			it__leaf kam ca "DNS:sippush.test,DNS:localhost,IP:127.0.0.1" sippush.test &&
			it__leaf wrong ca "DNS:wrong.example" wrong.example &&
			it__ca rogue-ca "rogue test CA" &&
			it__leaf rogue rogue-ca "DNS:sippush.test,DNS:localhost,IP:127.0.0.1" sippush.test &&
			rm -f ./*.csr ./*.ext
	); then
		it__log "it_certs: openssl failed"
		return 1
	fi
}

# it__sip_ping PORT: true if Kamailio answers an OPTIONS on UDP 127.0.0.1:PORT.
it__sip_ping() {
	python3 - "$1" <<'EOF'
import socket, sys, os
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
lport = s.getsockname()[1]
tag = "%d%d" % (os.getpid(), lport)
msg = ("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n"
       "Via: SIP/2.0/UDP 127.0.0.1:%d;rport;branch=z9hG4bK-ping%s\r\n"
       "Max-Forwards: 2\r\nFrom: <sip:ping@127.0.0.1>;tag=%s\r\n"
       "To: <sip:127.0.0.1:%d>\r\nCall-ID: ping-%s\r\nCSeq: 1 OPTIONS\r\n"
       "Content-Length: 0\r\n\r\n") % (port, lport, tag, tag, port, tag)
s.settimeout(0.3)
s.sendto(msg.encode(), ("127.0.0.1", port))
try:
    data = s.recv(4096)
except OSError:
    sys.exit(1)
sys.exit(0 if data.startswith(b"SIP/2.0 200") else 1)
EOF
}

# it_kamailio_start [CERT]: (re)starts Kamailio with server cert
# $IT_PKI/CERT.pem (default kam), log in $IT_DIR/kamailio.log; waits (<=10 s)
# until ctl and UDP answer. Retries with new ports if one was taken.
it_kamailio_start() {
	local cert=${1:-kam} try rc
	it_kamailio_stop
	for try in 1 2 3; do
		it__kamailio_start1 "$cert"
		rc=$?
		[ $rc = 2 ] || return $rc
		it__log "kamailio could not bind (try $try), picking new ports"
		it__pick_kam_ports || return 1
	done
	return 1
}

# it__kamailio_start1 CERT: one start attempt; returns 2 on a port clash.
it__kamailio_start1() {
	local cert=$1 log=$IT_DIR/kamailio.log pid deadline from def defs=()
	if [ ! -s "$IT_DIR/pki/$cert.pem" ]; then
		it__log "it_kamailio_start: no $IT_DIR/pki/$cert.pem (run it_certs first)"
		return 1
	fi
	cat >"$IT_DIR/tls.cfg" <<EOF
# Generated by lib.sh: server side for the daemon, client side unused.
[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = $IT_DIR/pki/$cert.pem
private_key = $IT_DIR/pki/$cert.key

[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
EOF
	sed -e "s|@SIP_PORT@|$KAM_SIP_PORT|g" -e "s|@TLS_PORT@|$KAM_TLS_PORT|g" \
		-e "s|@RUNDIR@|$IT_DIR|g" -e "s|@TLS_CFG@|$IT_DIR/tls.cfg|g" \
		"$IT_KAM_TEMPLATE" >"$IT_DIR/kamailio.cfg" || return 1
	# IT_KAM_DEFINES: "WITH_X ..." switches on #!ifdef parts of the cfg
	for def in $IT_KAM_DEFINES; do
		defs+=(-A "$def")
	done
	if [[ " $IT_KAM_DEFINES " == *" WITH_REGEVENT "* ]]; then
		mkdir -p "$IT_DIR/dbtext" &&
			cp /usr/share/kamailio/dbtext/kamailio/{version,presentity,active_watchers,watchers,xcap,pua} \
				"$IT_DIR/dbtext/" || return 1
	fi
	echo "# ---- kamailio start $(date +%T.%N) ----" >>"$log"
	from=$(wc -l <"$log")
	# setsid: own process group, so cleanup reaches every Kamailio child.
	setsid kamailio -f "$IT_DIR/kamailio.cfg" "${defs[@]}" -DD -E -m 32 -M 8 \
		-P "$IT_DIR/kamailio.pid" -Y "$IT_DIR" -w "$IT_DIR" >>"$log" 2>&1 </dev/null &
	pid=$!
	it_track "$pid"
	IT_KAM_PID=$pid
	deadline=$(($(it__now_ms) + 10000))
	while :; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			it__untrack "$pid"
			IT_KAM_PID=
			if tail -n "+$from" "$log" | grep -q "Address already in use"; then
				return 2
			fi
			it__log "kamailio exited during startup; log:"
			sed 's/^/#   /' "$log" >&2
			return 1
		fi
		if [ -S "$IT_DIR/kamailio_ctl" ] &&
			kamcmd -s "$KAM_CTL" core.uptime >/dev/null 2>&1 &&
			it__sip_ping "$KAM_SIP_PORT"; then
			return 0
		fi
		if [ "$(it__now_ms)" -ge "$deadline" ]; then
			it__log "kamailio not ready after 10 s; log:"
			sed 's/^/#   /' "$log" >&2
			return 1
		fi
		sleep 0.05
	done
}

# it_kamailio_stop: stops the running Kamailio (all its processes).
it_kamailio_stop() {
	[ -n "$IT_KAM_PID" ] || return 0
	it__kill "$IT_KAM_PID"
	it__untrack "$IT_KAM_PID"
	IT_KAM_PID=
	rm -f "$IT_DIR/kamailio_ctl" "$IT_DIR/kamailio_rpc.fifo"
}

# it_ul_dump: prints Kamailio's registration table (kamcmd ul.dump).
it_ul_dump() {
	kamcmd -s "$KAM_CTL" ul.dump
}

# it_bindings USER: one line per live binding of AOR USER: "ADDRESS
# expires=N received=R socket=S instance=I reg-id=N contact=HEADER", where
# HEADER is the full Contact header (with feature tags) last registered.
it_bindings() {
	local user=${1:?it_bindings USER} line addr hdr
	kamcmd -s "$KAM_CTL" ul.lookup location "$user" 2>/dev/null | awk '
		function val() { sub(/^[ \t]*[A-Za-z-]+: /, ""); return $0 }
		/^[ \t]*Contact: [{]/ { inc = 1; a = e = r = s = i = g = ""; next }
		!inc { next }
		/^[ \t]*Address: / { a = val() }
		/^[ \t]*Expires: / { e = val() }
		/^[ \t]*Received: / { r = val() }
		/^[ \t]*Socket: / { s = val() }
		/^[ \t]*Instance: / { i = val() }
		/^[ \t]*Reg-Id: / { g = val() }
		/^[ \t]*[}]/ {
			printf "%s expires=%s received=%s socket=%s instance=%s reg-id=%s\n", a, e, r, s, i, g
			inc = 0
		}' | while IFS= read -r line; do
		addr=${line%% *}
		hdr=$(kamcmd -s "$KAM_CTL" htable.get ct "$user|$addr" 2>/dev/null |
			sed -n 's/^[[:space:]]*value: //p')
		printf '%s contact=%s\n' "$line" "$hdr"
	done
}

# it_wait_binding USER PATTERN TIMEOUT_S: waits until a line of
# it_bindings USER contains the fixed string PATTERN (e.g.
# +g.oma.pusheventapp, transport=TLS, reg-id=1).
it_wait_binding() {
	local user=${1:?user} pat=${2?pattern} deadline
	deadline=$(($(it__now_ms) + ${3:?timeout} * 1000))
	while :; do
		it_bindings "$user" | grep -qF -- "$pat" && return 0
		[ "$(it__now_ms)" -lt "$deadline" ] || break
		sleep 0.1
	done
	it__log "no binding of '$user' matching '$pat' within ${3}s; now:"
	it_bindings "$user" | sed 's/^/#   /' >&2
	return 1
}

# it_wait_no_binding USER TIMEOUT_S: waits until USER has no binding left.
it_wait_no_binding() {
	local user=${1:?user} deadline
	deadline=$(($(it__now_ms) + ${2:?timeout} * 1000))
	while :; do
		[ -z "$(it_bindings "$user")" ] && return 0
		[ "$(it__now_ms)" -lt "$deadline" ] || break
		sleep 0.1
	done
	it__log "'$user' still registered after ${2}s:"
	it_bindings "$user" | sed 's/^/#   /' >&2
	return 1
}

# it_kam_events: prints Kamailio's "IT ..." event lines (REG, RELAY, FWD,
# REPLY, 404), each ending in t=<epoch.usec>.
it_kam_events() {
	sed -n 's/.*<script>: \(IT .*\)/\1/p' "$IT_DIR/kamailio.log"
}

# it_wait_log FILE PATTERN TIMEOUT_S [COUNT]: waits until FILE has at least
# COUNT (default 1) lines containing the fixed string PATTERN.
it_wait_log() {
	local f=${1:?file} pat=${2?pattern} n=${4:-1} deadline
	deadline=$(($(it__now_ms) + ${3:?timeout} * 1000))
	while :; do
		[ "$(grep -cF -- "$pat" "$f" 2>/dev/null)" -ge "$n" ] 2>/dev/null && return 0
		[ "$(it__now_ms)" -lt "$deadline" ] || break
		sleep 0.05
	done
	it__log "$f: fewer than $n lines with '$pat' after ${3}s"
	return 1
}

# it__sipp_cmd TAG SCENARIO ARGS...: fills IT_SIPP_ARGV with the sipp command.
it__sipp_cmd() {
	local tag=$1 sf=$2 t=${IT_SIPP_TIMEOUT:-10}
	shift 2
	case $sf in */*) ;; *) sf=$IT_SIPP_DIR/$sf ;; esac
	local base=$IT_DIR/sipp-$tag
	rm -f "$base".*
	IT_SIPP_ARGV=(timeout -k 2 $((t + 5)) sipp -sf "$sf" -i 127.0.0.1 -nostdin
		-timeout "$t" -recv_timeout $((t * 1000))
		-trace_msg -message_file "$base.msg.log"
		-trace_err -error_file "$base.err.log"
		-trace_logs -log_file "$base.log"
		-trace_screen -screen_file "$base.screen"
		"$@")
	local remote=${IT_SIPP_REMOTE-127.0.0.1:${KAM_SIP_PORT:-5060}}
	[ -z "$remote" ] || IT_SIPP_ARGV+=("$remote")
}

# it_sipp TAG SCENARIO [SIPP_ARGS...]: runs sipp in the foreground (default
# -m 1 is up to the caller), remote = Kamailio unless IT_SIPP_REMOTE is set
# ("" for none); logs go to $IT_DIR/sipp-TAG.*; returns sipp's exit code.
it_sipp() {
	it__sipp_cmd "$@"
	"${IT_SIPP_ARGV[@]}" >"$IT_DIR/sipp-${1}.out" 2>&1 </dev/null
}

# it_sipp_bg TAG SCENARIO [SIPP_ARGS...]: like it_sipp but in the background
# (e.g. a UAS); sets IT_SIPP_PID and tracks it.
it_sipp_bg() {
	it__sipp_cmd "$@"
	"${IT_SIPP_ARGV[@]}" >"$IT_DIR/sipp-${1}.out" 2>&1 </dev/null &
	IT_SIPP_PID=$!
	it_track "$IT_SIPP_PID"
}

# it_sipp_status TAG: prints the final status code of sipp run TAG (the
# scenario's "FINAL_STATUS n" log line, else the last >=200 response seen).
it_sipp_status() {
	local base=$IT_DIR/sipp-${1:?tag} code
	code=$(sed -n 's/.*FINAL_STATUS \([0-9][0-9][0-9]\).*/\1/p' "$base.log" 2>/dev/null | tail -n 1)
	if [ -z "$code" ]; then
		code=$(sed -n 's/^SIP\/2\.0 \([2-6][0-9][0-9]\) .*/\1/p' "$base.msg.log" 2>/dev/null |
			tr -d '\r' | tail -n 1)
	fi
	[ -n "$code" ] || return 1
	echo "$code"
}

# it_sipp_logged TAG: prints the scenario's <log> lines of sipp run TAG.
it_sipp_logged() {
	cat "$IT_DIR/sipp-${1:?tag}.log" 2>/dev/null
}

# it_pass MSG: records a passed check.
it_pass() {
	IT_PASSED=$((IT_PASSED + 1))
	echo "ok - $*"
}

# it_fail MSG: records a failed check.
it_fail() {
	IT_FAILED=$((IT_FAILED + 1))
	echo "not ok - $*"
}

# it_check DESC CMD...: runs CMD (output kept, shown on failure) and records pass/fail.
it_check() {
	local desc=${1:?desc} out
	shift
	out=$IT_DIR/check-$((IT_PASSED + IT_FAILED + 1)).out
	if "$@" >"$out" 2>&1; then
		it_pass "$desc"
	else
		it_fail "$desc"
		sed 's/^/#   /' "$out"
	fi
}

# it_done: prints "N passed, N failed"; non-zero if anything failed.
it_done() {
	echo "$IT_PASSED passed, $IT_FAILED failed"
	[ "$IT_FAILED" -eq 0 ]
}
