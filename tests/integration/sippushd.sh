# shellcheck shell=bash
#
# Helpers to run sippushd (and its CLI) in integration tests; source after
# lib.sh and it_init. Binaries come from $B (default build/).

SP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SP_BUILD=${B:-build}
case $SP_BUILD in /*) ;; *) SP_BUILD=$SP_TOP/$SP_BUILD ;; esac
SP_DAEMON=$SP_BUILD/sippushd
# shellcheck disable=SC2034 # used by the scripts that source this
SP_CLI=$SP_BUILD/sippush
SP_PID=
LPID=
# Command prefix for the daemon, e.g. (ip netns exec NS) in netns.sh tests.
SP_EXEC=()

# sp_has CONFIG_X: the daemon under test was built with it.
sp_has() {
	grep -q "^#define $1 1\$" "$SP_BUILD/autoconf.h"
}

# sp_conf FILE TRANSPORT [LINE...]: a daemon config registering user pra
# over TRANSPORT (udp, tcp or tls) at the test Kamailio, plus extra lines.
sp_conf() {
	local f=${1:?file} tp=${2:?transport} port reg
	shift 2
	port=$(it_free_port)
	case $tp in
	tls) reg="sip:127.0.0.1:$KAM_TLS_PORT;transport=tls" ;;
	*) reg="sip:127.0.0.1:$KAM_SIP_PORT;transport=$tp" ;;
	esac
	{
		echo "sip_aor sip:pra@sippush.test"
		echo "sip_registrar $reg"
		echo "sip_auth_user pra"
		echo "sip_auth_pass secret"
		echo "sip_listen 127.0.0.1:$port"
		echo "sip_expires 60"
		echo "state_dir $IT_DIR/state"
		echo "ipc_socket $IT_DIR/sippushd.sock"
		# not the shared /run/sippushd/spool: each test its own
		! sp_has CONFIG_MSRP || echo "spool_dir $IT_DIR/spool"
		if [ "$tp" = tls ]; then
			echo "sip_transports udp,tcp,tls"
			echo "tls_ca_file $IT_PKI/ca.pem"
		else
			echo "sip_transports udp,tcp"
		fi
		local l
		for l in "$@"; do echo "$l"; done
	} >"$f"
}

# sp_start NAME CONF: start the daemon (-v, log in $IT_DIR/NAME.log) and
# wait until it runs; SP_PID is its pid. SP_EXEC prefixes the command.
sp_start() {
	local name=${1:?name} conf=${2:?conf}
	"${SP_EXEC[@]}" "$SP_DAEMON" -v -c "$conf" >"$IT_DIR/$name.log" 2>&1 &
	SP_PID=$!
	it_track "$SP_PID"
	for _ in $(seq 100); do
		grep -q "running" "$IT_DIR/$name.log" 2>/dev/null && return 0
		kill -0 "$SP_PID" 2>/dev/null || break
		sleep 0.05
	done
	it__log "sippushd did not start:"
	cat "$IT_DIR/$name.log" >&2
	return 1
}

# sp_stop [PID]: SIGTERM the daemon and wait for it (at most 5 s).
# shellcheck disable=SC2120 # PID is optional
sp_stop() {
	local pid=${1:-$SP_PID}
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	it_stop "$pid"
}

# sp_registered NAME [TIMEOUT]: the daemon logged "registered".
sp_registered() {
	it_wait_log "$IT_DIR/${1:?name}.log" "reg: registered" "${2:-10}"
}

# ac APP: the Accept-Contact a network PSA sends for APP.
ac() { echo "*;+g.oma.pusheventapp=\"$1\";require;explicit"; }

# listen NAME ARGS...: start `sippush listen`, wait until subscribed; its
# pid is LPID, its output $IT_DIR/NAME.out and .err.
listen() {
	local name=$1
	shift
	"$SP_CLI" listen "$@" >"$IT_DIR/$name.out" 2>"$IT_DIR/$name.err" &
	LPID=$!
	it_track "$LPID"
	it_wait_log "$IT_DIR/$name.err" "subscribed to" 5
}

# wait_listen PID: wait for a listener, at most 60 s (a failed push must
# not hang the test), then stop it.
wait_listen() {
	local i
	for i in $(seq 1200); do
		kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null; return 0; }
		sleep 0.05
	done
	echo "listener $1 still waiting after 60 s (i=$i)"
	it_stop "$1"
	return 1
}

# same_sha FILE DIR: DIR holds exactly one body, identical to FILE.
same_sha() {
	local got want n
	n=$(find "$2" -name '*.body' | wc -l)
	[ "$n" -eq 1 ] || { echo "$n bodies in $2"; return 1; }
	want=$(sha256sum <"$1" | cut -d' ' -f1)
	got=$(sha256sum <"$2"/*.body | cut -d' ' -f1)
	echo "sha256 $got, wanted $want"
	[ "$got" = "$want" ]
}

# status_key KEY VALUE: `sippush status` has KEY=VALUE.
status_key() {
	"$SP_CLI" status | grep -qx "$1=$2" || { "$SP_CLI" status; return 1; }
}

# wait_status KEY VALUE TIMEOUT_S: `sippush status` gets KEY=VALUE in time.
wait_status() {
	for _ in $(seq $(($3 * 20))); do
		status_key "$1" "$2" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	status_key "$1" "$2"
}

# psend TAG APP FILE [pushsend.py args...]: one MESSAGE with FILE's bytes
# from tools/pushsend.py (a sender written from RFC 3428) through the
# test Kamailio; the final status line in $IT_DIR/TAG.status, the whole
# response in $IT_DIR/TAG.resp.
psend() {
	local tag=$1 app=$2 file=$3
	shift 3
	python3 "$SP_TOP/tests/integration/tools/pushsend.py" \
		--proxy "127.0.0.1:$KAM_SIP_PORT" --app "$app" --file "$file" \
		--out "$IT_DIR/$tag.resp" "$@" >"$IT_DIR/$tag.status" 2>&1
}

# psend_is TAG CODE: the status psend TAG got.
psend_is() {
	local got
	got=$(cut -d' ' -f2 "$IT_DIR/$1.status")
	echo "got '$(cat "$IT_DIR/$1.status")', wanted $2"
	[ "$got" = "$2" ]
}
