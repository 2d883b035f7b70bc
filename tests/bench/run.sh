#!/bin/bash
# Benchmarks of sippushd against baselines measured in the same run.
#
#   tests/bench/run.sh full     (make bench)        at most 10 minutes
#   tests/bench/run.sh quick    (make bench-quick)  at most 1 minute
#
# Both modes run the same steps with different counts and print the same
# table: figure, sippushd, baseline (named in the cell), ratio, target.
# A number never fails the run: only a broken harness does (a daemon that
# does not start or register, a tool that does not build, ...). Every
# process is started here and stopped by pid (tests/integration/lib.sh).
#
# What is measured and how: BENCHMARKS.md. Environment: B (build dir,
# default build), IT_KEEP=1 keeps the run directory, BENCH_GATE=0 turns
# off waiting for a quiet machine, BENCH_ONLY="throughput latency msrp
# idle scale burst instr sizes netlife" runs only those sections.
set -u

MODE=${1:-full}
case $MODE in
quick | full) ;;
*)
	echo "usage: $0 quick|full" >&2
	exit 2
	;;
esac

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$BENCH_DIR/../integration/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../integration/sippushd.sh
. "$BENCH_DIR/../integration/sippushd.sh"
# shellcheck source-path=SCRIPTDIR source=../integration/netns.sh
. "$BENCH_DIR/../integration/netns.sh"
# shellcheck source-path=SCRIPTDIR source=netlife.sh
. "$BENCH_DIR/netlife.sh"
cd "$IT_TOP" || exit 1

# --- parameters ----------------------------------------------------------------
# SCALE_APPS: one ID per app, as many as the daemon advertises (ADV_IDS_MAX in
# src/daemon/ipchooks.c, 128 since 592659d: the 129th SUBSCRIBE gets ERR 429)
BUF=4194304                     # every SIP UDP socket buffer (sipp -buff_size, udp_rcvbuf)
if [ "$MODE" = full ]; then
	TP_START=10000 TP_SECS=2 TP_PROBES=10 TP_MAX=100000
	LAT_N=10000 LAT_RATE=1000
	MSRP_MB=${BENCH_MSRP_MB:-1024} MSRP_PROF_MB=64
	IDLE_S=60
	SCALE_APPS=128 SCALE_N=1000000
	BURST_N=100000 BURST_S=5 BURST_WAIT=40
	GATE_MAX_MS=8000 GATE_BUDGET_MS=60000
	TP_BUDGET_S=300 SCALE_MAX_S=75
	NL_N=20 NL_RESTARTS=5 NL_IDLE_S=90
	INSTR_N=1000 INSTR_RATE=250 INSTR_IDLE=2 INSTR_LIBRES="2.0.1 3.16.0 4.10.0"
else
	TP_START=2000 TP_SECS=1 TP_PROBES=1 TP_MAX=2000
	LAT_N=500 LAT_RATE=1000
	MSRP_MB=${BENCH_MSRP_MB:-16} MSRP_PROF_MB=16
	IDLE_S=6
	SCALE_APPS=128 SCALE_N=5000
	BURST_N=5000 BURST_S=1 BURST_WAIT=4
	GATE_MAX_MS=0 GATE_BUDGET_MS=0
	TP_BUDGET_S=60 SCALE_MAX_S=10
	NL_N=3 NL_RESTARTS=1 NL_IDLE_S=10
	INSTR_N=100 INSTR_RATE=100 INSTR_IDLE=1 INSTR_LIBRES=
fi
[ "${BENCH_GATE:-1}" = 0 ] && GATE_BUDGET_MS=0
NCPU=$(nproc)
HZ=$(getconf CLK_TCK)
BT=$SP_BUILD/bench              # benchmark tools
SIPPUSH_CLI=$SP_BUILD/sippush
APP=bench.ua
T_START=$(it__now_ms)

blog() {
	printf '# [bench %5.1fs] %s\n' "$(( $(it__now_ms) - T_START ))e-3" "$*" >&2
}

die() {
	blog "HARNESS FAILURE: $*"
	exit 1
}

# --- the tools -----------------------------------------------------------------
# Built with the Makefile's warning flags; ackapp links the static client
# library, relibre links libre.
build_tools() {
	local cc=${CC:-cc} w t src
	w="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -O2 -g"
	mkdir -p "$BT" || return 1
	for t in ackapp latsend relay rawtcp relibre; do
		src=$BENCH_DIR/$t.c
		if [ -x "$BT/$t" ] && [ "$BT/$t" -nt "$src" ] &&
			{ [ $t != ackapp ] || [ "$BT/$t" -nt "$SP_BUILD/libsippush.a" ]; }; then
			continue
		fi
		case $t in
		ackapp)
			# shellcheck disable=SC2086
			$cc $w -Iinclude -o "$BT/$t" "$src" "$SP_BUILD/libsippush.a" ;;
		relibre)
			build_relibre "$BT/$t" "" ;;
		*)
			# shellcheck disable=SC2086
			$cc $w -o "$BT/$t" "$src" ;;
		esac || return 1
	done
}

# build_relibre OUT [PREFIX]: the bare libre baseline, on Debian's libre
# or on the one installed in PREFIX (with an rpath to it)
build_relibre() {
	local pc=${2:+$2/lib/pkgconfig} rp=${2:+-Wl,-rpath,$2/lib}
	# shellcheck disable=SC2046 # pkg-config's flags are words
	${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		-Wmissing-prototypes -O2 -g $(PKG_CONFIG_PATH=$pc pkg-config --cflags libre) \
		-DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -DRELEASE -DUSE_OPENSSL -DHAVE_INET6 \
		-o "$1" "$BENCH_DIR/relibre.c" $(PKG_CONFIG_PATH=$pc pkg-config --libs libre) ${rp:+"$rp"}
}

# --- /proc readings --------------------------------------------------------------
# kb PID FIELD: a /proc/PID/status value in kB (VmRSS, VmHWM, RssAnon), or 0
kb() {
	awk -v f="$2:" '$1 == f { print $2; found = 1 } END { if (!found) print 0 }' \
		"/proc/$1/status" 2>/dev/null || echo 0
}

# cpu_ticks PID...: utime+stime of the processes (all their threads)
cpu_ticks() {
	local p s=0 f
	for p in "$@"; do
		f=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null) || f=0
		s=$((s + ${f:-0}))
	done
	echo "$s"
}

# ctxt PID: voluntary context switches of all its threads: a thread
# switches voluntarily each time it goes back to sleep, so this counts
# wake-ups (involuntary ones are preemptions by the rest of the run)
ctxt() {
	cat /proc/"$1"/task/*/status 2>/dev/null |
		awk '/^voluntary_ctxt_switches:/ { s += $2 } END { print s + 0 }'
}

# majflt PID: major page faults so far (a fault that reads from disk is a
# voluntary switch too: pages the kernel took back while other sections
# wrote GiBs, not a wake-up of the daemon's own)
majflt() {
	awk '{ print $12 }' /proc/"$1"/stat 2>/dev/null || echo 0
}

# idle_ticks: the machine's idle+iowait ticks
idle_ticks() {
	awk '$1 == "cpu" { print $5 + $6; exit }' /proc/stat
}

# child_ms: CPU ms used by reaped children of this shell so far (bash times)
child_ms() {
	times | awk 'NR == 2 {
		split($1, u, /[ms]/); split($2, s, /[ms]/)
		printf "%d\n", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }'
}

# now_s: wall clock with microseconds
now_s() {
	echo "$EPOCHREALTIME"
}

# busy_cores MS: how many cores the machine kept busy over the next MS ms
busy_cores() {
	local i0 i1 t0 t1
	i0=$(idle_ticks)
	t0=$(now_s)
	sleep "$(awk -v m="$1" 'BEGIN { print m / 1000 }')"
	i1=$(idle_ticks)
	t1=$(now_s)
	awk -v n="$NCPU" -v di=$((i1 - i0)) -v hz="$HZ" -v t0="$t0" -v t1="$t1" \
		'BEGIN { b = n - di / hz / (t1 - t0); if (b < 0) b = 0; printf "%.2f\n", b }'
}

# gate: wait (bounded, per call and per run) for a quiet machine, < 0.3
# cores busy over half a second, so that co-tenants do not set our numbers
GATE_SPENT=0
gate() {
	local t0 waited=0 b
	[ "$GATE_SPENT" -lt "$GATE_BUDGET_MS" ] || return 0
	t0=$(it__now_ms)
	while :; do
		b=$(busy_cores 500)
		awk -v b="$b" 'BEGIN { exit !(b < 0.3) }' && break
		waited=$(($(it__now_ms) - t0))
		[ "$waited" -lt "$GATE_MAX_MS" ] || break
		[ $((GATE_SPENT + waited)) -lt "$GATE_BUDGET_MS" ] || break
	done
	GATE_SPENT=$((GATE_SPENT + $(it__now_ms) - t0))
}

# --- results -------------------------------------------------------------------
ROWS=
# row FIGURE SIPPUSHD BASELINE RATIO TARGET
row() {
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$ROWS"
}

# ratio A B [DIGITS]: A/B, or "n/a"
ratio() {
	awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN {
		if (a == "" || b == "" || a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"
		else printf "%.*f\n", d, a / b }'
}

# fmt_int N: thousands separated by a thin space-free comma
fmt_int() {
	awk -v n="$1" 'BEGIN { if (n !~ /^-?[0-9.]+$/) { print n; exit }
		s = sprintf("%d", n + 0.5); o = ""
		while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
		print s o }'
}

# mib KB: kB as MiB with one decimal
mib() {
	awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'
}

# met COND: "yes" or "NO" from an awk condition over nothing; quick mode
# judges nothing (its counts are too small to mean anything)
met() {
	if [ "$MODE" = quick ]; then
		echo "-"
	elif [[ $1 == *n/a* ]]; then
		echo "n/a"      # no figure: awk would compare the string
	elif awk "BEGIN { exit !($1) }"; then
		echo yes
	else
		echo NO
	fi
}

# fsync_cost: "US MBPS": one 4 KiB pwrite+fdatasync (mean of 50, in us),
# and 64 MiB written then fsync'ed (MB/s), in the run directory, on the
# file system the daemon's spool and the MSRP baseline write to
fsync_cost() {
	python3 - "$IT_DIR/fsync.tmp" <<'EOF' 2>/dev/null || echo "? ?"
import os, sys, time
p = sys.argv[1]
fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
b = b"x" * 4096
t = time.perf_counter()
for i in range(50):
    os.pwrite(fd, b, i * 4096)
    os.fdatasync(fd)
small = (time.perf_counter() - t) / 50 * 1e6
m = b"y" * (1 << 20)
t = time.perf_counter()
for i in range(64):
    os.pwrite(fd, m, i << 20)
os.fsync(fd)
big = 64 * 1048576 / 1e6 / (time.perf_counter() - t)
os.close(fd)
os.unlink(p)
print("%.0f %.0f" % (small, big))
EOF
}

# machine_header: which machine, how loaded, how fast its fsync is (a
# disk-bound raw TCP+fsync baseline hides the daemon's own MSRP cost)
MACHINE_LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
machine_header() {
	local us mbps cls
	read -r us mbps <<<"$FSYNC_COST"
	cls="fast fsync: the MSRP baseline is bound by the copy, not the disk"
	awk -v m="$mbps" 'BEGIN { exit !(m != "?" && m < 1000) }' &&
		cls="slow fsync: the MSRP baseline is disk-bound"
	echo "machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores, kernel $(uname -r);" \
		"libre $(pkg-config --modversion libre), $(sipp -v 2>/dev/null | sed -n 's/^ *\(SIPp v[0-9.]*\).*/\1/p' | head -n 1)," \
		"Kamailio $(kamailio -v 2>/dev/null | sed -n 's/^version: kamailio \([0-9.]*\).*/\1/p')${BARESIP_VER:+, baresip $BARESIP_VER}"
	echo "load average: $MACHINE_LOAD0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (other users of the machine: prefer the ratios)"
	echo "fsync: 4 KiB write+fdatasync ${us} us, 64 MiB write+fsync ${mbps} MB/s ($cls)"
}

print_table() {
	local out=$1
	{
		echo "sippushd benchmarks, $MODE mode, $(date -u +%Y-%m-%dT%H:%MZ)"
		machine_header
		awk -F'\t' '
			{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } n = NR }
			END {
				h[1] = "figure"; h[2] = "sippushd"; h[3] = "baseline (same run)"; h[4] = "ratio"; h[5] = "target: met?"
				for (i = 1; i <= 5; i++) if (length(h[i]) > w[i]) w[i] = length(h[i])
				line = ""
				for (i = 1; i <= 5; i++) line = line sprintf("%-*s%s", w[i], h[i], i < 5 ? " | " : "\n")
				printf "%s", line
				line = ""
				for (i = 1; i <= 5; i++) { s = ""; for (j = 0; j < w[i]; j++) s = s "-"; line = line s (i < 5 ? "-+-" : "\n") }
				printf "%s", line
				for (r = 1; r <= n; r++) {
					line = ""
					for (i = 1; i <= 5; i++) line = line sprintf("%-*s%s", w[i], c[r, i], i < 5 ? " | " : "\n")
					printf "%s", line
				}
			}' "$ROWS"
	} | tee "$out"
}

# --- processes -------------------------------------------------------------------
# bench_conf FILE NAME USER REGISTRAR-TRANSPORT [LINE...]: a daemon config;
# defaults for everything that is not about where things are
bench_conf() {
	local f=$1 name=$2 user=$3 tp=$4 pw reg port
	shift 4
	case $user in pra) pw=secret ;; *) pw=secret2 ;; esac
	case $tp in
	tls) reg="sip:127.0.0.1:$KAM_TLS_PORT;transport=tls" ;;
	*) reg="sip:127.0.0.1:$KAM_SIP_PORT;transport=$tp" ;;
	esac
	port=$(it_free_port) || return 1
	{
		echo "sip_aor sip:$user@sippush.test"
		echo "sip_registrar $reg"
		echo "sip_auth_user $user"
		echo "sip_auth_pass $pw"
		echo "sip_listen 127.0.0.1:$port"
		echo "state_dir $IT_DIR/state-$name"
		echo "spool_dir $IT_DIR/spool-$name"
		echo "ipc_socket $IT_DIR/$name.sock"
		# the load is one sender: throughput, not sender_rate
		echo "sender_rate 0"
		if [ "$tp" = tls ]; then
			echo "sip_transports udp,tcp,tls"
			echo "tls_ca_file $IT_PKI/ca.pem"
		fi
		local l
		for l in "$@"; do echo "$l"; done
	} >"$f"
}

# conf_port FILE: the SIP port of a config written by bench_conf
conf_port() {
	sed -n 's/^sip_listen 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$1"
}

# daemon_start NAME CONF: sippushd at its default log level (no -v: the
# per-push debug lines stay off), waits until registered; sets DPID
daemon_start() {
	local name=$1 conf=$2
	"$SP_DAEMON" -c "$conf" >"$IT_DIR/$name.log" 2>&1 </dev/null &
	DPID=$!
	it_track "$DPID"
	it_wait_log "$IT_DIR/$name.log" "reg: registered" 15 ||
		die "sippushd $name did not register (see $IT_DIR/$name.log)"
}

# daemon_stop PID: SIGTERM (it un-registers), then by pid
daemon_stop() {
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 60); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	it_stop "$1"
}

# app_start NAME SOCKET ARGS...: the acking app (pipelined ACKs, -P: see
# ackapp.c) waits for "ready"; sets APID
app_start() {
	local name=$1 sock=$2
	shift 2
	"$BT/ackapp" -P -S "$sock" "$@" >"$IT_DIR/$name.out" 2>"$IT_DIR/$name.err" </dev/null &
	APID=$!
	it_track "$APID"
	it_wait_log "$IT_DIR/$name.out" "ready" 90 || die "ackapp $name did not subscribe: $(cat "$IT_DIR/$name.err")"
}

# app_stop PID NAME: SIGTERM; its last lines are the counters
app_stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	it__untrack "$1"
}

# app_field NAME KEY: KEY=value from the app's last report
app_field() {
	tr ' ' '\n' <"$IT_DIR/$1.out" | sed -n "s/^$2=//p" | tail -n 1
}

# why_failed LOG: the daemon's answers other than 200, counted ("503 x12")
why_failed() {
	sed -n 's/.*pager: MESSAGE [^ ]* from [^ ]*: \([0-9][0-9][0-9]\) .*/\1/p' "$1" |
		sort | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }'
}

# --- sipp --------------------------------------------------------------------------
# sipp_stat FILE: "succ failed retrans start end" from the last -trace_stat row
sipp_stat() {
	awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ last = $0 }
		END {
			if (last == "") { print "0 0 0 0 0"; exit }
			split(last, v, ";")
			n = split(v[col["StartTime"]], s, "\t"); n2 = split(v[col["CurrentTime"]], e, "\t")
			print v[col["SuccessfulCall(C)"]] + 0, v[col["FailedCall(C)"]] + 0,
				v[col["Retransmissions(C)"]] + 0, s[n], e[n2]
		}' "$1" 2>/dev/null || echo "0 0 0 0 0"
}

# sipp_send TAG TARGET TRANSPORT USER RATE COUNT INF: one bounded sipp UAC
# run of the bench MESSAGE scenario; sets S_SUCC S_FAIL S_RETR S_ACH
# (achieved rate) S_SECS S_CHILD_MS (sipp's own CPU)
sipp_send() {
	local tag=$1 target=$2 tr=$3 user=$4 rate=$5 n=$6 inf=$7 f rc c0 c1 secs
	f=$IT_DIR/sipp-$tag.csv
	rm -f "$f"
	secs=$(((n + rate - 1) / rate))
	c0=$(child_ms)
	timeout -k 2 $((secs * 3 + 30)) sipp "$target" -sf "$BENCH_DIR/sipp/message.xml" \
		-inf "$inf" -s "$user" -t "$tr" -i 127.0.0.1 -p 0 -nostdin \
		-r "$rate" -m "$n" -l 30000 -recv_timeout 2000 -timeout $((secs * 2 + 20))s \
		-max_socket 100 -buff_size "$BUF" -trace_stat -stf "$f" -fd 1 \
		>/dev/null 2>"$IT_DIR/sipp-$tag.err" </dev/null
	rc=$?
	c1=$(child_ms)
	S_CHILD_MS=$((c1 - c0))
	read -r S_SUCC S_FAIL S_RETR S_T0 S_T1 <<<"$(sipp_stat "$f")"
	S_SECS=$(awk -v a="$S_T0" -v b="$S_T1" 'BEGIN { d = b - a; printf "%.3f\n", (d > 0 ? d : 0) }')
	S_ACH=$(awk -v s="$S_SUCC" -v d="$S_SECS" 'BEGIN { printf "%d\n", (d > 0 ? s / d : 0) }')
	# not one call either way: sipp itself did not run
	[ $((S_SUCC + S_FAIL)) -gt 0 ] ||
		die "sipp ($tag) made no calls: $(head -n 3 "$IT_DIR/sipp-$tag.err")"
	return $rc
}

# uas_start TRANSPORT PORT: the sipp UAS baseline; sets UPID
uas_start() {
	sipp -sf "$BENCH_DIR/sipp/uas.xml" -t "$1" -i 127.0.0.1 -p "$2" -nostdin \
		-max_socket 100 -buff_size "$BUF" >/dev/null 2>"$IT_DIR/uas-$2.err" </dev/null &
	UPID=$!
	it_track "$UPID"
	sleep 0.3
	kill -0 "$UPID" 2>/dev/null || die "sipp UAS on $2 did not start: $(cat "$IT_DIR/uas-$2.err")"
}

# baresip_start PORT: baresip (Debian) as a receiving UA on UDP+TCP; sets BPID
baresip_start() {
	local d=$IT_DIR/baresip
	mkdir -p "$d"
	cat >"$d/config" <<EOF
poll_method		epoll
sip_listen		127.0.0.1:$1
module_path		/usr/lib/baresip/modules
module			account.so
module			menu.so
audio_player		none
audio_source		none
audio_alert		none
EOF
	echo '<sip:bob@127.0.0.1>;regint=0' >"$d/accounts"
	: >"$d/contacts"
	baresip -f "$d" >"$IT_DIR/baresip.log" 2>&1 </dev/null &
	BPID=$!
	it_track "$BPID"
	it_wait_log "$IT_DIR/baresip.log" "baresip is ready" 10 || die "baresip did not start"
}

# --- 1. throughput ------------------------------------------------------------------
# tp_probe TAG TARGET TR USER RATE PIDS...: one run at RATE for TP_SECS s;
# sets P_CLEAN (1/0), P_OTHERS (cores used by co-tenants meanwhile),
# P_CPU_US (responder CPU per MESSAGE: PIDS)
tp_probe() {
	local tag=$1 target=$2 tr=$3 user=$4 rate=$5 n rc c0 c1 d0 d1 i0 i1 w0 w1
	shift 5
	n=$((rate * TP_SECS))
	gate
	c0=$(cpu_ticks "$@")
	d0=$(cpu_ticks "$1")
	i0=$(idle_ticks)
	w0=$(now_s)
	sipp_send "$tag-$rate" "$target" "$tr" "$user" "$rate" "$n" "$APPS1"
	rc=$?
	w1=$(now_s)
	i1=$(idle_ticks)
	c1=$(cpu_ticks "$@")
	d1=$(cpu_ticks "$1")
	P_CLEAN=0
	if [ $rc = 0 ] && [ "$S_FAIL" = 0 ] && [ "$S_RETR" = 0 ] && [ "$S_SUCC" = "$n" ] &&
		[ "$S_ACH" -ge $((rate * 9 / 10)) ]; then
		P_CLEAN=1
	fi
	P_CPU_US=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v s="$S_SUCC" 'BEGIN { printf "%.1f\n", (s ? c / hz * 1e6 / s : 0) }')
	P_CPU1_US=$(awk -v c=$((d1 - d0)) -v hz="$HZ" -v s="$S_SUCC" 'BEGIN { printf "%.1f\n", (s ? c / hz * 1e6 / s : 0) }')
	P_OTHERS=$(awk -v n="$NCPU" -v di=$((i1 - i0)) -v hz="$HZ" -v a="$w0" -v b="$w1" \
		-v ours=$(((c1 - c0) * 1000 / HZ + S_CHILD_MS)) \
		'BEGIN { w = b - a; o = n - di / hz / w - ours / 1000 / w; printf "%.2f\n", (o < 0 ? 0 : o) }')
	blog "  $tag $rate/s: ok=$S_SUCC failed=$S_FAIL retrans=$S_RETR achieved=$S_ACH/s clean=$P_CLEAN responder=${P_CPU_US}us/msg others=${P_OTHERS}cores"
}

# tp_search TAG TARGET TR USER PIDS...: highest clean rate (doubling, then
# bisection; a failure while co-tenants used > 0.3 core is retried once);
# sets T_RATE (target), T_ACH (achieved), T_CPU (us/msg), T_OTHERS (max)
tp_search() {
	local tag=$1 target=$2 tr=$3 user=$4 r lo=0 hi=0 n=0 retried=0
	shift 4
	r=$TP_START
	T_RATE=0 T_ACH=0 T_CPU='' T_CPU1='' T_OTHERS=0
	while [ $n -lt "$TP_PROBES" ]; do
		# the whole section stays within TP_BUDGET_S (6 searches): a noisy
		# machine shortens the search, it does not stretch the run
		if [ $n -gt 0 ] && [ $(($(it__now_ms) - TP_T0)) -gt $((TP_BUDGET_S * 1000 * TP_DONE_SEARCHES / 6 + TP_BUDGET_S * 1000 / 6)) ]; then
			blog "  (search cut short: the throughput section is over its time budget)"
			break
		fi
		tp_probe "$tag" "$target" "$tr" "$user" "$r" "$@"
		n=$((n + 1))
		T_OTHERS=$(awk -v a="$T_OTHERS" -v b="$P_OTHERS" 'BEGIN { print ((b > a) ? b : a) }')
		if [ "$P_CLEAN" = 1 ]; then
			lo=$r T_RATE=$r T_ACH=$S_ACH T_CPU=$P_CPU_US T_CPU1=$P_CPU1_US retried=0
		elif [ $retried = 0 ] && awk -v o="$P_OTHERS" 'BEGIN { exit !(o > 0.3) }'; then
			retried=1
			continue
		else
			hi=$r retried=0
		fi
		if [ $hi = 0 ]; then
			[ "$r" -ge "$TP_MAX" ] && break
			r=$((r * 2))
			[ "$r" -gt "$TP_MAX" ] && r=$TP_MAX
		elif [ $lo = 0 ]; then
			r=$((hi / 2 / 500 * 500))
			[ "$r" -ge 500 ] || break
		else
			[ $((hi - lo)) -gt $((lo / 10 > 1000 ? lo / 10 : 1000)) ] || break
			r=$(((lo + hi) / 2 / 500 * 500))
		fi
	done
}

# tp_cell: "N/s" text for the last search (">=" when the highest rate
# tried was clean: the limit lies above what was asked for)
tp_cell() {
	if [ "$T_RATE" = 0 ]; then
		echo "none clean (from $TP_START/s)"
	elif [ "$T_RATE" -ge "$TP_MAX" ]; then
		echo ">=$(fmt_int "$T_ACH")/s"
	else
		echo "$(fmt_int "$T_ACH")/s"
	fi
}

bench_throughput() {
	local tr name dport uport bport ds us bs dcpu dcpu1 ucpu noise
	dport=$(conf_port "$IT_DIR/d.conf")
	TP_T0=$(it__now_ms) TP_DONE_SEARCHES=0
	for tr in u1 t1; do
		name=UDP
		[ $tr = t1 ] && name=TCP
		blog "throughput over $name: sippushd (direct, app ACKs each push)"
		local from why
		from=$(wc -l <"$IT_DIR/d.log")
		tp_search "d-$tr" "127.0.0.1:$dport" $tr pra "$DPID" "$APID"
		tail -n +$((from + 1)) "$IT_DIR/d.log" >"$IT_DIR/d-$tr.log"
		why=$(why_failed "$IT_DIR/d-$tr.log")
		TP_DONE_SEARCHES=$((TP_DONE_SEARCHES + 1))
		ds=$T_ACH dcpu=$T_CPU dcpu1=$T_CPU1 noise=$T_OTHERS
		local dcell
		dcell=$(tp_cell)
		blog "throughput over $name: sipp UAS (answers 200 at once)"
		uport=$(it_free_port)
		uas_start $tr "$uport"
		tp_search "uas-$tr" "127.0.0.1:$uport" $tr pra "$UPID"
		TP_DONE_SEARCHES=$((TP_DONE_SEARCHES + 1))
		us=$T_ACH ucpu=$T_CPU
		noise=$(awk -v a="$noise" -v b="$T_OTHERS" 'BEGIN { print ((b > a) ? b : a) }')
		local ucell
		ucell=$(tp_cell)
		it_stop "$UPID"
		if [ -n "$BPID" ]; then
			blog "throughput over $name: baresip"
			bport=$BARESIP_PORT
			tp_search "bs-$tr" "127.0.0.1:$bport" $tr bob "$BPID"
			TP_DONE_SEARCHES=$((TP_DONE_SEARCHES + 1))
			bs=$T_ACH
			row "MESSAGE/s $name, highest clean rate" "$dcell" "$ucell sipp UAS; $(tp_cell) baresip" \
				"$(ratio "$ds" "$us") UAS; $(ratio "$ds" "$bs") baresip" \
				">=0.80 UAS: $(met "$(ratio "$ds" "$us") >= 0.8"), >baresip: $(met "$ds > $bs")"
		else
			row "MESSAGE/s $name, highest clean rate" "$dcell" "$ucell sipp UAS; baresip: $BARESIP_WHY" \
				"$(ratio "$ds" "$us") UAS" ">=0.80 UAS: $(met "$(ratio "$ds" "$us") >= 0.8")"
		fi
		row "  CPU us/MESSAGE $name at that rate" "${dcpu:-n/a} (daemon ${dcpu1:-?} + app)" "${ucpu:-n/a} (sipp UAS)" \
			"$(ratio "${dcpu:-}" "${ucpu:-}")" "co-tenants used up to $noise cores"
		row "  sippushd's own refusals in the faster runs" "${why:-none}" "" "" ""
		[ $tr = u1 ] && TP_UDP_BEST=$ds
	done
}

# --- 2. latency ----------------------------------------------------------------------
# lat_fields FILE: "p50 p99 max" from a "latency n=... p50_us=..." line
lat_fields() {
	sed -n 's/^latency n=\([0-9]*\) p50_us=\([0-9.]*\) p99_us=\([0-9.]*\) max_us=\([0-9.]*\).*/\1 \2 \3 \4/p' "$1" | tail -n 1
}

bench_latency() {
	local dport rport n dn d50 d99 dmax bn b50 b99 bmax sp fp dsent bsent
	dport=$(conf_port "$IT_DIR/d.conf")
	blog "latency: $LAT_N pushes at $LAT_RATE/s, sender -> sippushd -> app"
	app_stop "$APID"
	app_start app-lat "$IT_DIR/d.sock" -L "$APP"
	gate
	"$BT/latsend" -d "127.0.0.1:$dport" -n "$LAT_N" -r "$LAT_RATE" -a "$APP" -u pra \
		>"$IT_DIR/latsend-d.out" 2>&1
	app_stop "$APID"
	read -r dn d50 d99 dmax <<<"$(lat_fields "$IT_DIR/app-lat.out")"
	dsent=$(cat "$IT_DIR/latsend-d.out")
	blog "  sippushd: n=${dn:-0} p50=${d50:-?} p99=${d99:-?} max=${dmax:-?} us; sender: $dsent"
	app_start app "$IT_DIR/d.sock" "$APP"

	blog "latency: the same through a plain UDP -> UNIX-socket relay"
	rport=$(it_free_port)
	"$BT/relay" sink "$IT_DIR/relay.sock" >"$IT_DIR/relay-sink.out" 2>&1 </dev/null &
	sp=$!
	it_track $sp
	it_wait_log "$IT_DIR/relay-sink.out" ready 5 || die "relay sink did not start"
	"$BT/relay" fwd "$rport" "$IT_DIR/relay.sock" >"$IT_DIR/relay-fwd.out" 2>&1 </dev/null &
	fp=$!
	it_track $fp
	it_wait_log "$IT_DIR/relay-fwd.out" ready 5 || die "relay did not start"
	gate
	"$BT/latsend" -d "127.0.0.1:$rport" -n "$LAT_N" -r "$LAT_RATE" -a "$APP" -u pra \
		>"$IT_DIR/latsend-r.out" 2>&1
	kill -TERM $sp $fp 2>/dev/null
	wait $sp $fp 2>/dev/null
	it__untrack $sp
	it__untrack $fp
	read -r bn b50 b99 bmax <<<"$(lat_fields "$IT_DIR/relay-sink.out")"
	bsent=$(cat "$IT_DIR/latsend-r.out")
	blog "  relay: n=${bn:-0} p50=${b50:-?} p99=${b99:-?} max=${bmax:-?} us; sender: $bsent"
	n="$(fmt_int "$LAT_N") at $LAT_RATE/s"
	row "latency p50, MESSAGE sent -> app has it ($n)" "${d50:-n/a} us" "${b50:-n/a} us UDP+UNIX relay" "$(ratio "${d50:-}" "${b50:-}" 1)" ""
	row "latency p99" "${d99:-n/a} us" "${b99:-n/a} us relay" "$(ratio "${d99:-}" "${b99:-}" 1)" \
		"<1000 us: $(met "${d99:-1e9} < 1000")"
	row "latency max" "${dmax:-n/a} us" "${bmax:-n/a} us relay" "$(ratio "${dmax:-}" "${bmax:-}" 1)" ""
	[ "${dn:-0}" = "$LAT_N" ] || row "  (pushes timed: $dn of $LAT_N; sender: $dsent)" "" "" "" ""
}

# --- 3. MSRP -------------------------------------------------------------------------
# msrp_send FILE TAG ARGS...: one push of FILE through `sippush send --msrp`
# (extra ARGS: --setup, --tls ...); sets M_RC, M_MBPS (10^6 bytes over the
# time from start to exit, i.e. to the Success REPORT after the app's ACK),
# M_WHY (the sender's last line when it failed)
msrp_send() {
	local f=$1 tag=$2 t0 t1 c0 c1
	shift 2
	M_MBPS='' M_WHY='' M_CPU=''
	# each run starts with nothing dirty: the writeback of the one before
	# (or of the file just made) would be charged to this one
	sync
	c0=$(awk '{ print $14 + $15 }' "/proc/$DPID/stat" 2>/dev/null)
	t0=$(now_s)
	"$SIPPUSH_CLI" send --msrp --proxy "sip:127.0.0.1:$KAM_SIP_PORT" --to "${SIPPUSH_TO:-sip:pra@sippush.test}" \
		--app "$APP" --type application/octet-stream --file "$f" --timeout 60 \
		"$@" >"$IT_DIR/msrp-$tag.out" 2>&1 </dev/null
	M_RC=$?
	t1=$(now_s)
	c1=$(awk '{ print $14 + $15 }' "/proc/$DPID/stat" 2>/dev/null)
	# the daemon's CPU seconds for the push (INVITE, MSRP, delivery)
	[ -n "$c0" ] && [ -n "$c1" ] &&
		M_CPU=$(awk -v d=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f\n", d / hz }')
	M_SECS=$(awk -v a="$t0" -v c="$t1" 'BEGIN { print c - a }')
	if [ $M_RC = 0 ]; then
		M_MBPS=$(awk -v b="$(stat -c %s "$f")" -v d="$M_SECS" 'BEGIN { printf "%.0f\n", b / 1e6 / d }')
	else
		M_WHY=$(tr -d '\r' <"$IT_DIR/msrp-$tag.out" | grep -v '^$' | tail -n 1 | cut -c1-60)
		M_WHY="n/a (send --msrp exit $M_RC: ${M_WHY:-no output})"
	fi
	blog "  $tag: rc=$M_RC ${M_MBPS:+$M_MBPS MB/s}${M_WHY}"
}

# msrp_row FIGURE RAW TARGET-PREFIX: the row of the last msrp_send
msrp_row() {
	if [ "$M_RC" = 0 ]; then
		row "$1" "$M_MBPS MB/s" "${2:-n/a} MB/s raw TCP+fsync" "$(ratio "$M_MBPS" "${2:-}")" \
			"$3: $(met "$(ratio "$M_MBPS" "${2:-}") >= ${3#>=}")${4:-}"
	else
		row "$1" "$M_WHY" "${2:-n/a} MB/s raw TCP+fsync" "n/a" "$3: n/a"
	fi
}

# strace_total FILE: the syscall count on strace -c's "total" line
strace_total() {
	awk '$NF == "total" { print ($4 ~ /^[0-9]+$/) ? $4 : $3 }' "$1" 2>/dev/null | tail -n 1
}

# raw_tcp FILE [STRACE-OUT]: the baseline (rawtcp recv under strace -c -f
# with STRACE-OUT); sets RAW (MB/s)
raw_tcp() {
	local rport rp
	rport=$(it_free_port)
	if [ -n "${2:-}" ]; then
		strace -c -f -o "$2" "$BT/rawtcp" recv "$rport" "$IT_DIR/state-m/raw.out" \
			>"$IT_DIR/rawtcp-recv.out" 2>&1 </dev/null &
	else
		"$BT/rawtcp" recv "$rport" "$IT_DIR/state-m/raw.out" >"$IT_DIR/rawtcp-recv.out" 2>&1 </dev/null &
	fi
	rp=$!
	it_track $rp
	it_wait_log "$IT_DIR/rawtcp-recv.out" ready 5 || die "rawtcp recv did not start"
	sync
	gate
	"$BT/rawtcp" send "$rport" "$1" >"$IT_DIR/rawtcp-send.out" 2>&1 </dev/null
	wait $rp 2>/dev/null
	it__untrack $rp
	RAW=$(sed -n 's/.*MBps=\([0-9.]*\).*/\1/p' "$IT_DIR/rawtcp-send.out")
	RAW_CPU=$(sed -n 's/^cpu_s=//p' "$IT_DIR/rawtcp-recv.out")
	RAW=${RAW%.*}
	rm -f "$IT_DIR/state-m/raw.out"
}

# msrps_run FILE RAW: the push over msrps (sender dials, verifies the
# daemon's kam.pem) to a second daemon that has a certificate; libre
# wants certificate and key in one file
msrps_run() {
	local cert=$IT_PKI/kam-full.pem pid=$DPID apid=$APID
	cat "$IT_PKI/kam.pem" "$IT_PKI/kam.key" >"$cert" || die "certificate"
	bench_conf "$IT_DIR/mt.conf" mt pra2 udp "app $APP" "msrp_max_size 4096" \
		"spool_max_size 4096" "tls_cert_file $cert" "tls_ca_file $IT_PKI/ca.pem" || die "config"
	daemon_start mt "$IT_DIR/mt.conf"
	app_start app-msrps "$IT_DIR/mt.sock" "$APP"
	gate
	SIPPUSH_TO=sip:pra2@sippush.test msrp_send "$1" msrps --tls --ca "$IT_PKI/ca.pem" --setup active
	msrp_row "  same over msrps (TLS), sender dials" "$2" ">=0.50" "; the baseline has no TLS"
	app_stop "$APID"
	daemon_stop "$DPID"
	DPID=$pid APID=$apid
}

bench_msrp() {
	local f=$IT_DIR/msrp.bin fp=$IT_DIR/msrp-prof.bin rss0 hwm grow raw note='' sp d ds rs mib cpu_dials
	blog "MSRP: one $MSRP_MB MiB push through sippush send --msrp"
	dd if=/dev/zero of="$f" bs=1M count="$MSRP_MB" conv=fsync status=none || die "cannot write $f"
	echo 5 >"/proc/$DPID/clear_refs" 2>/dev/null   # restart VmHWM from here
	rss0=$(kb "$DPID" VmRSS)
	gate
	# the offer as sippush send makes it (a=setup:actpass: the daemon
	# dials); should that fail at once, again with the sender dialing
	msrp_send "$f" actpass
	if [ "$M_RC" != 0 ] && awk -v d="$M_SECS" 'BEGIN { exit !(d < 5) }'; then
		note="; default a=setup failed (${M_WHY#n/a }), --setup active used"
		msrp_send "$f" active --setup active
	fi
	cpu_dials=$M_CPU
	hwm=$(kb "$DPID" VmHWM)
	grow=$((hwm - rss0))
	blog "  RSS $rss0 kB -> peak $hwm kB"

	blog "MSRP baseline: the same file over one raw TCP connection into a file"
	raw_tcp "$f"
	raw=$RAW
	blog "  raw TCP: ${raw:-?} MB/s"
	msrp_row "MSRP $(fmt_int "$MSRP_MB") MiB push, MB/s (send -> app ACK), daemon dials" "$raw" ">=0.80" "$note"
	if [ "$M_RC" = 0 ]; then
		row "  sippushd peak RSS (VmHWM) during the push" "$(mib "$hwm") (+$(mib "$grow"))" "$(mib "$rss0") before it" \
			"$(ratio "$hwm" "$rss0")" "growth <4 MiB: $(met "$grow < 4096")"
	fi

	# the sender dials (a=setup:active: the daemon accepts), then msrps
	gate
	msrp_send "$f" setup-active --setup active
	msrp_row "  same, sender dials (a=setup:active)" "$raw" ">=0.80"
	# load-independent: CPU time for the same GiB, daemon against the raw
	# receiver (recv, pwrite, fsync; its own getrusage)
	row "  daemon CPU s for the push (daemon dials; sender dials)" \
		"${cpu_dials:-?} s; ${M_CPU:-?} s" "${RAW_CPU:-?} s raw receiver" \
		"$(ratio "${cpu_dials:-}" "${RAW_CPU:-}"); $(ratio "${M_CPU:-}" "${RAW_CPU:-}")" ""
	msrps_run "$f" "$raw"

	# load-independent: the daemon's system calls for a push (strace -c
	# -f attached for it), against the raw receiver's under strace too
	mib=$MSRP_PROF_MB
	if command -v strace >/dev/null; then
		dd if=/dev/zero of="$fp" bs=1M count="$mib" status=none || die "cannot write $fp"
		for sp in actpass active; do
			strace -c -f -p "$DPID" -o "$IT_DIR/strace-msrp-$sp.txt" 2>/dev/null &
			d=$!
			it_track $d
			sleep 0.5
			msrp_send "$fp" "strace-$sp" --setup "$sp"
			kill -INT $d 2>/dev/null
			wait $d 2>/dev/null
			it__untrack $d
		done
		raw_tcp "$fp" "$IT_DIR/strace-raw.txt"
		rs=$(strace_total "$IT_DIR/strace-raw.txt")
		for sp in actpass active; do
			ds=$(strace_total "$IT_DIR/strace-msrp-$sp.txt")
			row "  daemon syscalls per MiB ($mib MiB push under strace -c, $sp)" \
				"$(awk -v n="${ds:-0}" -v m="$mib" 'BEGIN { printf "%.1f\n", n / m }')" \
				"$(awk -v n="${rs:-0}" -v m="$mib" 'BEGIN { printf "%.1f\n", n / m }') raw recv" \
				"$(ratio "${ds:-}" "${rs:-}")" ""
		done
		blog "  syscalls: daemon $(sed -n '3,8p' "$IT_DIR/strace-msrp-active.txt" | awk '{ printf "%s=%s ", $NF, $4 }')"
		rm -f "$fp"
	else
		row "  daemon syscalls per MiB" "n/a (no strace)" "" "" ""
	fi
	rm -f "$f"
}

# --- 4. footprint -----------------------------------------------------------------------
# idle_begin: the TLS-registered idle daemon and the bare libre baseline;
# RSS after registration, then the wake-up window starts (ends in idle_end)
idle_begin() {
	blog "footprint: sippushd registered over TLS (default keep-alive), bare libre stack"
	bench_conf "$IT_DIR/f.conf" f pra2 tls || die "config"
	daemon_start f "$IT_DIR/f.conf"
	FPID=$DPID
	"$BT/relibre" >"$IT_DIR/relibre.out" 2>&1 </dev/null &
	LPID=$!
	it_track $LPID
	it_wait_log "$IT_DIR/relibre.out" ready 5 || die "relibre did not start"
	sleep 1
	F_RSS=$(kb $FPID VmRSS) F_ANON=$(kb $FPID RssAnon)
	L_RSS=$(kb $LPID VmRSS) L_ANON=$(kb $LPID RssAnon)
	F_C0=$(ctxt $FPID) L_C0=$(ctxt $LPID)
	F_M0=$(majflt $FPID) L_M0=$(majflt $LPID)
	IDLE_T0=$(it__now_ms)
}

idle_end() {
	local left fc lc fw lw fm lm
	left=$((IDLE_T0 + IDLE_S * 1000 - $(it__now_ms)))
	[ $left -le 0 ] || sleep "$(awk -v l=$left 'BEGIN { print l / 1000 }')"
	fc=$(ctxt "$FPID") lc=$(ctxt "$LPID")
	fm=$(($(majflt "$FPID") - F_M0)) lm=$(($(majflt "$LPID") - L_M0))
	fw=$(awk -v d=$((fc - F_C0)) -v s="$IDLE_S" 'BEGIN { printf "%.1f\n", d * 60 / s }')
	lw=$(awk -v d=$((lc - L_C0)) -v s="$IDLE_S" 'BEGIN { printf "%.1f\n", d * 60 / s }')
	blog "  idle: sippushd $((fc - F_C0)) wake-ups in ${IDLE_S}s ($fm major faults), bare libre $((lc - L_C0)) ($lm)"
	row "idle RSS after TLS registration" "$(mib "$F_RSS")" "$(mib "$L_RSS") bare libre SIP stack" "$(ratio "$F_RSS" "$L_RSS")" ""
	row "idle RssAnon after TLS registration" "$(mib "$F_ANON")" "$(mib "$L_ANON") bare libre" "$(ratio "$F_ANON" "$L_ANON")" \
		"<=1.0 MiB: $(met "$F_ANON <= 1024")"
	row "idle wake-ups per minute (voluntary ctxt switches, ${IDLE_S}s)" "$fw ($fm major faults)" "$lw bare libre ($lm)" "n/a" \
		"<=2 (keep-alive 120 s): $(met "$fw <= 2")"
	daemon_stop "$FPID"
	it_stop "$LPID"
}

# sizes_start: build every board defconfig, each in build/bench-NAME, in
# the background (its own process group, so cleanup reaches the compilers)
SIZES_PID=''
sizes_start() {
	[ -z "$SIZES_PID" ] || return 0
	# shellcheck disable=SC2016 # the inner script expands its own $f, $1
	setsid bash -c '
		for f in board/*_defconfig; do
			name=${f##*/}
			name=${name%_defconfig}
			make -s B="build/bench-$name" KCONFIG_CONFIG="$f" all \
				>"$1/make-$name.log" 2>&1 || echo "$name" >>"$1/make-failed"
		done' sizes "$IT_DIR" </dev/null &
	SIZES_PID=$!
	it_track "$SIZES_PID"
}

sizes_rows() {
	local f name d s l base
	want sizes && sizes_start
	wait "$SIZES_PID"
	it__untrack "$SIZES_PID"
	base=$(command -v baresip)
	if [ -n "$base" ]; then
		strip -o "$IT_DIR/baresip.stripped" "$base" 2>/dev/null
		base=$(stat -c %s "$IT_DIR/baresip.stripped" 2>/dev/null)
	fi
	for f in board/*_defconfig; do
		name=${f##*/}
		name=${name%_defconfig}
		d=build/bench-$name
		if grep -qx "$name" "$IT_DIR/make-failed" 2>/dev/null || [ ! -x "$d/sippushd" ]; then
			die "board $name did not build: $(tail -n 5 "$IT_DIR/make-$name.log")"
		fi
		if ! strip -o "$IT_DIR/sz-d" "$d/sippushd" || ! strip -o "$IT_DIR/sz-l" "$d/libsippush.so.0"; then
			die "strip failed for $name"
		fi
		s=$(stat -c %s "$IT_DIR/sz-d")
		l=$(stat -c %s "$IT_DIR/sz-l")
		row "stripped size, $name board: sippushd; libsippush.so" \
			"$(fmt_int "$s") B; $(fmt_int "$l") B" "${base:+$(fmt_int "$base") B baresip 1.0.0 (Debian)}" \
			"$(ratio "$s" "${base:-}")" ""
	done
}

# --- 5. scale ----------------------------------------------------------------------------
bench_scale() {
	local port rss0 anon0 rss1 anon1 hwm1 rate ok cbytes acked i accepted last n1 s1 f1 r1 rssm
	blog "scale: $SCALE_APPS apps, one app ID each; daemon registers over TCP"
	bench_conf "$IT_DIR/s.conf" s pra tcp "udp_rcvbuf $BUF" || die "config"
	daemon_start s "$IT_DIR/s.conf"
	SPID=$DPID
	port=$(conf_port "$IT_DIR/s.conf")
	{
		echo SEQUENTIAL
		for ((i = 0; i < SCALE_APPS; i++)); do printf 'bench%04d.ua\n' "$i"; done
	} >"$IT_DIR/apps-scale.csv"
	app_start app-scale "$IT_DIR/s.sock" -N "$SCALE_APPS" -f 'bench%04d.ua'
	SCALE_APID=$APID
	# the re-REGISTER with every ID in the Contact
	# (Kamailio's "IT REG 200 ... contact=..." line for it)
	accepted=no
	last="bench$(printf %04d $((SCALE_APPS - 1))).ua"
	for _ in $(seq 100); do
		if grep "IT REG 200 to=sip:pra@" "$IT_DIR/kamailio.log" | grep -qF "$last"; then
			accepted=yes
			break
		fi
		sleep 0.1
	done
	cbytes=$(grep "IT REG 200 to=sip:pra@" "$IT_DIR/kamailio.log" | grep -F "$last" | tail -n 1 |
		sed 's/.* contact=//; s/ t=[0-9.]*$//' | awk '{ print length($0) }')
	cbytes=${cbytes:-0}
	blog "  Kamailio holds the $SCALE_APPS-ID binding: $accepted (Contact $cbytes bytes)"
	[ $accepted = yes ] || blog "  daemon log: $(grep -i 'reg' "$IT_DIR/s.log" | tail -n 3)"
	sleep 1
	rss0=$(kb $SPID VmRSS) anon0=$(kb $SPID RssAnon)
	# 60 % of the clean UDP rate found above (10000/s without one), at
	# most 16000/s: a rate the daemon sustains, so memory is what varies
	rate=$(((${TP_UDP_BEST:-16700} * 6 / 10) / 1000 * 1000))
	[ "$rate" -ge 2000 ] || rate=2000
	[ "$rate" -le 16000 ] || rate=16000
	[ "$MODE" = quick ] && rate=5000
	# a slow machine sends fewer, in at most SCALE_MAX_S seconds
	[ $((rate * SCALE_MAX_S)) -ge "$SCALE_N" ] || SCALE_N=$((rate * SCALE_MAX_S))
	blog "  $(fmt_int "$SCALE_N") pushes at $rate/s over UDP, round robin over the IDs (20 %, then 80 %)"
	n1=$((SCALE_N / 5))
	sipp_send scale1 127.0.0.1:"$port" u1 pra "$rate" "$n1" "$IT_DIR/apps-scale.csv"
	s1=$S_SUCC f1=$S_FAIL r1=$S_RETR
	rssm=$(kb $SPID VmRSS)
	sipp_send scale2 127.0.0.1:"$port" u1 pra "$rate" $((SCALE_N - n1)) "$IT_DIR/apps-scale.csv"
	S_SUCC=$((S_SUCC + s1)) S_FAIL=$((S_FAIL + f1)) S_RETR=$((S_RETR + r1))
	sleep 1
	rss1=$(kb $SPID VmRSS) anon1=$(kb $SPID RssAnon) hwm1=$(kb $SPID VmHWM)
	kill -USR1 "$SCALE_APID"
	sleep 0.2
	acked=$(app_field app-scale acked)
	blog "  ok=$S_SUCC failed=$S_FAIL retrans=$S_RETR acked=$acked RSS $rss0 -> $rssm (20 %) -> $rss1 kB (peak $hwm1)"
	[ "$S_FAIL" = 0 ] || blog "  the daemon answered: $(why_failed "$IT_DIR/s.log")"
	ok="$(fmt_int "$S_SUCC") ok, $(fmt_int "$S_FAIL") failed"
	row "scale: RSS after $(fmt_int "$SCALE_N") pushes to $SCALE_APPS apps ($ok)" "$(mib "$rss1") (peak $(mib "$hwm1"))" \
		"$(mib "$rss0") before the pushes" "$(ratio "$rss1" "$rss0")" ""
	row "  RSS after 100 % of the pushes vs after 20 %" "$(mib "$rss1")" "$(mib "$rssm") after $(fmt_int "$n1")" \
		"$(ratio "$rss1" "$rssm")" "flat (<=1.05): $(met "$(ratio "$rss1" "$rssm") <= 1.05")"
	row "  RssAnon before -> after; Kamailio took the $cbytes-byte Contact" "$(mib "$anon1")" "$(mib "$anon0") before" \
		"$(ratio "$anon1" "$anon0")" "accepted: $accepted"
	app_stop "$SCALE_APID"
	daemon_stop "$SPID"
}

# --- 6. burst --------------------------------------------------------------------------
bench_burst() {
	local port rate uport dpeak d40 upeak u40 bpid t_end dok uok drss0
	rate=$((BURST_N / BURST_S))
	blog "burst: $(fmt_int "$BURST_N") MESSAGEs at $rate/s over UDP to a fresh sippushd"
	bench_conf "$IT_DIR/b.conf" b pra udp "udp_rcvbuf $BUF" "app $APP" || die "config"
	daemon_start b "$IT_DIR/b.conf"
	bpid=$DPID
	port=$(conf_port "$IT_DIR/b.conf")
	app_start app-burst "$IT_DIR/b.sock" "$APP"
	drss0=$(kb $bpid VmRSS)
	gate
	sipp_send burst-d 127.0.0.1:"$port" u1 pra "$rate" "$BURST_N" "$APPS1"
	dok="$S_SUCC ok, $S_FAIL failed"
	dpeak=$(kb $bpid VmHWM)
	t_end=$(it__now_ms)
	blog "  sippushd: $dok, retrans=$S_RETR; RSS $drss0 kB, peak $dpeak kB"
	[ "$S_FAIL" = 0 ] || blog "  the daemon answered: $(why_failed "$IT_DIR/b.log")"

	blog "burst baseline: the same to the sipp UAS"
	uport=$(it_free_port)
	uas_start u1 "$uport"
	sipp_send burst-u 127.0.0.1:"$uport" u1 pra "$rate" "$BURST_N" "$APPS1"
	uok="$S_SUCC ok, $S_FAIL failed"
	upeak=$(kb "$UPID" VmHWM)
	blog "  sipp UAS: $uok; peak $upeak kB"

	# the wait: board builds run meanwhile (only memory is measured now)
	blog "  waiting ${BURST_WAIT}s; building every board defconfig meanwhile"
	want sizes && sizes_start
	local left=$((t_end + BURST_WAIT * 1000 - $(it__now_ms)))
	[ $left -le 0 ] || sleep "$(awk -v l=$left 'BEGIN { print l / 1000 }')"
	d40=$(kb $bpid VmRSS)
	u40=$(kb "$UPID" VmRSS)
	blog "  ${BURST_WAIT}s later: sippushd $d40 kB, sipp UAS $u40 kB"
	row "burst $(fmt_int "$BURST_N") in ${BURST_S}s UDP: peak RSS ($dok)" "$(mib "$dpeak")" "$(mib "$upeak") sipp UAS ($uok)" \
		"$(ratio "$dpeak" "$upeak")" "<64 MiB: $(met "$dpeak < 65536")"
	row "  RSS ${BURST_WAIT}s after the burst" "$(mib "$d40") (start $(mib "$drss0"))" "$(mib "$u40") sipp UAS" "$(ratio "$d40" "$u40")" ""
	it_stop "$UPID"
	app_stop "$APID"
	daemon_stop "$bpid"
}

# --- 7. instructions per push (callgrind) ------------------------------------------------
# CPU time per push depends on what else the machine runs; the number of
# instructions does not. Each responder runs under callgrind: counters
# zeroed once it is ready, INSTR_IDLE s of idle counted (sipp wakes every
# 1 ms, the daemon and libre do not), INSTR_N MESSAGEs over UDP at
# INSTR_RATE/s, dumped; per MESSAGE = (run - idle rate x run time) / N.

# cg_start TAG CMD...: CMD under callgrind (output cg-TAG.log); sets CGPID
cg_start() {
	local tag=$1
	shift
	valgrind --tool=callgrind --callgrind-out-file="$IT_DIR/cg-$tag.out" \
		"$@" >"$IT_DIR/cg-$tag.log" 2>&1 </dev/null &
	CGPID=$!
	it_track "$CGPID"
}

# cg_ir PID TAG: the instructions since the last zeroing (dumps, zeroes)
cg_ir() {
	local f
	callgrind_control -d "$1" >/dev/null 2>&1 || return 1
	f=$(for f in "$IT_DIR/cg-$2.out."*; do echo "${f##*.} $f"; done | sort -n | tail -n 1 | cut -d' ' -f2-)
	callgrind_control -z "$1" >/dev/null 2>&1
	awk '/^summary:/ { print $2; found = 1; exit } END { if (!found) print "" }' "$f" 2>/dev/null
}

# cg_measure PID TAG PORT: instructions per MESSAGE of the responder PID
# (callgrind TAG) on 127.0.0.1:PORT; sets CG_PER (empty on failure)
cg_measure() {
	local pid=$1 tag=$2 port=$3 idle run t0 t1
	CG_PER=
	# a few first: one-time costs (OpenSSL's RNG set up at the first
	# random number, libre's lazily built tables) are not per MESSAGE
	sipp_send "cg-warm-$tag" "127.0.0.1:$port" u1 pra 50 20 "$APPS1"
	callgrind_control -z "$pid" >/dev/null 2>&1 || return 1
	sleep "$INSTR_IDLE"
	idle=$(cg_ir "$pid" "$tag")
	t0=$(now_s)
	sipp_send "cg-$tag" "127.0.0.1:$port" u1 pra "$INSTR_RATE" "$INSTR_N" "$APPS1"
	t1=$(now_s)
	run=$(cg_ir "$pid" "$tag")
	if [ -z "$idle" ] || [ -z "$run" ] || [ "$S_SUCC" != "$INSTR_N" ]; then
		blog "  $tag: ok=$S_SUCC of $INSTR_N, idle=${idle:-?} run=${run:-?}: not counted"
		return 1
	fi
	CG_PER=$(awk -v i="$idle" -v r="$run" -v a="$t0" -v b="$t1" -v s="$INSTR_IDLE" -v n="$INSTR_N" \
		'BEGIN { x = (r - i / s * (b - a)) / n; if (x < 0) x = 0; printf "%.0f\n", x }')
	blog "  $tag: $CG_PER instructions per MESSAGE (idle $idle in ${INSTR_IDLE}s, run $run in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s)"
}

# kinstr N: "107.7k"
kinstr() {
	awk -v n="$1" 'BEGIN { if (n == "") print "n/a"; else printf "%.1fk\n", n / 1000 }'
}

# instr_libre BUILD RELIBRE TAG: the daemon of BUILD and the bare libre
# responder RELIBRE under callgrind; sets I_D and I_L (per MESSAGE)
instr_libre() {
	local build=$1 relibre=$2 tag=$3 conf port
	I_D='' I_L=''
	bench_conf "$IT_DIR/i-$tag.conf" "i-$tag" pra udp "app $APP" || die "config"
	port=$(conf_port "$IT_DIR/i-$tag.conf")
	cg_start "d-$tag" "$build/sippushd" -c "$IT_DIR/i-$tag.conf"
	local dpid=$CGPID
	if it_wait_log "$IT_DIR/cg-d-$tag.log" "reg: registered" 90; then
		app_start "app-i-$tag" "$IT_DIR/i-$tag.sock" "$APP"
		cg_measure "$dpid" "d-$tag" "$port" && I_D=$CG_PER
		app_stop "$APID"
	else
		blog "  sippushd ($tag) under callgrind did not register: $(tail -n 2 "$IT_DIR/cg-d-$tag.log")"
	fi
	daemon_stop "$dpid"
	cg_start "l-$tag" "$relibre" reply
	local lpid=$CGPID
	if it_wait_log "$IT_DIR/cg-l-$tag.log" "ready" 60; then
		port=$(sed -n 's/^ready //p' "$IT_DIR/cg-l-$tag.log")
		cg_measure "$lpid" "l-$tag" "$port" && I_L=$CG_PER
	fi
	it_stop "$lpid"
}

bench_instr() {
	local uport upid ius v prefix b tgt
	if ! command -v callgrind_control >/dev/null; then
		row "instructions per MESSAGE (callgrind)" "n/a (no valgrind)" "" "" ""
		return 0
	fi
	blog "instructions per MESSAGE under callgrind: sipp UAS, sippushd, bare libre ($INSTR_N at $INSTR_RATE/s)"
	uport=$(it_free_port)
	cg_start uas sipp -sf "$BENCH_DIR/sipp/uas.xml" -t u1 -i 127.0.0.1 -p "$uport" -nostdin -max_socket 100 -buff_size "$BUF"
	upid=$CGPID
	sleep 3
	ius=
	cg_measure "$upid" uas "$uport" && ius=$CG_PER
	it_stop "$upid"
	instr_libre "$SP_BUILD" "$BT/relibre" base
	tgt="<=1.5 UAS: $(met "$(ratio "$I_D" "$ius") <= 1.5")"
	row "instructions/MESSAGE UDP (callgrind), libre $(pkg-config --modversion libre)" "$(kinstr "$I_D")" \
		"$(kinstr "$ius") sipp UAS; $(kinstr "$I_L") bare libre sip_reply" \
		"$(ratio "$I_D" "$ius") UAS; $(ratio "$I_D" "$I_L") libre" "$tgt"
	# the same on every other libre built in the CI cache (full mode)
	for v in $INSTR_LIBRES; do
		prefix=
		for prefix in "${SIPPUSHD_CI_CACHE:-/var/cache/sippushd-ci}/libre-$v-"*/inst; do
			[ -d "$prefix" ] && break
		done
		if [ ! -d "$prefix" ]; then
			row "  libre $v" "n/a (not built: tests/ci/libre.sh $v)" "" "" ""
			continue
		fi
		b=$SP_BUILD/bench-libre-$v
		blog "  building sippushd and relibre on libre $v"
		if ! PKG_CONFIG_PATH=$prefix/lib/pkgconfig make -s -j2 B="$b" LDFLAGS="-Wl,-rpath,$prefix/lib" \
			"$b/sippushd" >"$IT_DIR/make-libre-$v.log" 2>&1 ||
			! build_relibre "$b/relibre" "$prefix"; then
			die "sippushd on libre $v does not build: $(tail -n 3 "$IT_DIR/make-libre-$v.log")"
		fi
		instr_libre "$b" "$b/relibre" "$v"
		row "  libre $v" "$(kinstr "$I_D")" "$(kinstr "$I_L") bare libre $v sip_reply" \
			"$(ratio "$I_D" "$ius") UAS; $(ratio "$I_D" "$I_L") libre" \
			"<=1.5 UAS: $(met "$(ratio "$I_D" "$ius") <= 1.5")"
	done
}

# --- main ---------------------------------------------------------------------------------
if [ ! -x "$SP_DAEMON" ] || [ ! -x "$SIPPUSH_CLI" ] || [ ! -f "$SP_BUILD/libsippush.a" ]; then
	echo "run make first (no $SP_DAEMON)" >&2
	exit 1
fi
for t in sipp kamailio kamcmd openssl python3 pkg-config strip; do
	command -v $t >/dev/null || { echo "bench needs $t" >&2; exit 1; }
done

it_init bench
# The test registrar logs every REGISTER's Contact; xlog's default 4 KiB
# buffer cannot hold the 1000-ID one, so the bench's copy gets a larger one.
sed '/^loadmodule "xlog.so"/a modparam("xlog", "buf_size", 65536)' "$IT_KAM_TEMPLATE" \
	>"$IT_DIR/kamailio-bench.cfg.in" || exit 1
IT_KAM_TEMPLATE=$IT_DIR/kamailio-bench.cfg.in
ROWS=$IT_DIR/rows.tsv
: >"$ROWS"
APPS1=$IT_DIR/apps1.csv
printf 'SEQUENTIAL\n%s\n' "$APP" >"$APPS1"
TP_UDP_BEST=
blog "$MODE mode; run dir $IT_DIR"
FSYNC_COST=$(fsync_cost)
blog "fsync cost (us per 4 KiB, MB/s for 64 MiB): $FSYNC_COST"
build_tools || die "the bench tools do not build"
it_certs || die "certificates"
it_kamailio_start kam || die "Kamailio does not start"

# want SECTION: run it? (BENCH_ONLY="throughput latency ..." picks some;
# for working on one figure, the table then has only those rows)
want() {
	[ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]
}

# the idle window runs while the rest happens (nothing talks to it)
want idle && idle_begin

BPID='' BARESIP_WHY=
if want throughput; then
	if command -v baresip >/dev/null; then
		BARESIP_VER=$(dpkg-query -W -f '${Version}' baresip-core 2>/dev/null)
		BARESIP_PORT=$(it_free_port)
		baresip_start "$BARESIP_PORT"
	else
		BARESIP_WHY="n/a (not installed: apt-get install baresip-core)"
	fi
fi

if want throughput || want latency; then
	bench_conf "$IT_DIR/d.conf" d pra udp "udp_rcvbuf $BUF" "app $APP" || die "config"
	daemon_start d "$IT_DIR/d.conf"
	DPID_D=$DPID
	app_start app "$IT_DIR/d.sock" "$APP"
	want throughput && bench_throughput
	[ -z "$BPID" ] || it_stop "$BPID"
	DPID=$DPID_D
	want latency && bench_latency
	app_stop "$APID"
	daemon_stop "$DPID_D"
fi

# a fresh daemon, so that its VmHWM is the peak of this push alone
if want msrp; then
	bench_conf "$IT_DIR/m.conf" m pra udp "app $APP" "msrp_max_size 4096" \
		"spool_max_size 4096" || die "config"
	daemon_start m "$IT_DIR/m.conf"
	app_start app-msrp "$IT_DIR/m.sock" "$APP"
	bench_msrp
	app_stop "$APID"
	daemon_stop "$DPID"
fi

want idle && idle_end
# quick: the board builds overlap the rest (numbers are smoke-level there)
[ "$MODE" = quick ] && want sizes && sizes_start
want scale && bench_scale
want burst && bench_burst
want instr && bench_instr
want sizes && sizes_rows
want netlife && bench_netlife

mkdir -p "$SP_BUILD/bench"
echo
print_table "$SP_BUILD/bench/last-$MODE.txt"
blog "done in $(( ($(it__now_ms) - T_START) / 1000 )) s; table also in $SP_BUILD/bench/last-$MODE.txt"
