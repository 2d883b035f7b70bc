#!/bin/bash
# systemd's readiness protocol without systemd: a Python stand-in for the
# service manager listens on $NOTIFY_SOCKET (a path, then an abstract
# name), a raw UDP socket stands in for the registrar. READY=1 must come
# only when the local socket accepts connections and the first REGISTER
# is already out; STOPPING=1 on SIGTERM. stderr lines carry "<N>" levels
# (sd-daemon(3)) that match what they say.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

it_init sdnotify

# manager NOTIFY REGPORT SOCK OUT: waits (20 s at most) for READY=1 on
# NOTIFY and writes what was true at that moment to OUT: whether the
# registrar socket on REGPORT held a REGISTER and whether SOCK accepted a
# connection; then waits for STOPPING=1 (a line "stopping").
manager() {
	python3 - "$@" <<'EOF'
import os, select, socket, sys, time
path, regport, sock, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n.bind("\0" + path[1:] if path.startswith("@") else path)
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.bind(("127.0.0.1", regport))
r.setblocking(False)
got_register = False
def reg_poll():
    global got_register
    try:
        while True:
            d = r.recv(65536)
            if d.startswith(b"REGISTER "):
                got_register = True
    except BlockingIOError:
        pass
f = open(out, "w", buffering=1)
f.write("listening\n")
deadline = time.time() + 20
ready = False
while time.time() < deadline:
    rl, _, _ = select.select([n], [], [], 0.2)
    if not rl:
        continue
    msg = n.recv(4096).decode()
    reg_poll()   # queued before READY was sent, if it was sent at all
    lines = msg.split("\n")
    if "READY=1" in lines and not ready:
        ready = True
        c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            c.connect(sock)
            conn = "yes"
        except OSError as e:
            conn = "no (%s)" % e
        c.close()
        f.write("ready register=%s connect=%s\n" % (got_register, conn))
    if "STOPPING=1" in lines:
        f.write("stopping\n")
        break
EOF
}

wait_line() { # FILE TEXT
	for _ in $(seq 200); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

for kind in path abstract; do
	regport=$(it_free_port)
	case $kind in
	path) notify=$IT_DIR/notify.sock ;;
	abstract) notify=@sippush-it-$$-$RANDOM ;;
	esac
	cat >"$IT_DIR/$kind.conf" <<EOF
sip_aor sip:pra@sippush.test
sip_registrar sip:127.0.0.1:$regport;transport=udp
sip_listen 127.0.0.1:$(it_free_port)
sip_transports udp
state_dir $IT_DIR/state
spool_dir $IT_DIR/spool
ipc_socket $IT_DIR/$kind.sock
app mms.ua
EOF
	manager "$notify" "$regport" "$IT_DIR/$kind.sock" "$IT_DIR/$kind.out" &
	mpid=$!
	it_track "$mpid"
	wait_line "$IT_DIR/$kind.out" listening || it_fail "$kind: manager up"

	NOTIFY_SOCKET=$notify "$SP_DAEMON" -c "$IT_DIR/$kind.conf" \
		>"$IT_DIR/$kind.log" 2>&1 &
	SP_PID=$!
	it_track "$SP_PID"

	it_check "$kind NOTIFY_SOCKET: READY=1 sent" wait_line "$IT_DIR/$kind.out" "^ready"
	it_check "... after the first REGISTER was out" grep -q "register=True" "$IT_DIR/$kind.out"
	it_check "... and with the app socket accepting connections" grep -q "connect=yes" "$IT_DIR/$kind.out"
	sp_stop
	it_check "... STOPPING=1 on SIGTERM" wait_line "$IT_DIR/$kind.out" "^stopping"
	it_stop "$mpid"
done

# stderr: every line "<N>sippushd LEVEL: ..." with N the level's number
check_prefixes() {
	local f=$IT_DIR/path.log bad
	[ -s "$f" ] || { echo "no log"; return 1; }
	bad=$(grep -vE '^<(0>sippushd emerg|1>sippushd alert|2>sippushd crit|3>sippushd error|4>sippushd warning|5>sippushd notice|6>sippushd info|7>sippushd debug): ' "$f")
	[ -z "$bad" ] || { echo "lines without a matching <N>:"; echo "$bad"; return 1; }
	grep -q '^<5>sippushd notice: .*running' "$f"
}
it_check "stderr: <N> level prefixes that match the level names" check_prefixes

# without NOTIFY_SOCKET nothing is sent and nothing is polled for
it_check "no NOTIFY_SOCKET: starts as before" bash -c "
	'$SP_DAEMON' -c '$IT_DIR/path.conf' >'$IT_DIR/plain.log' 2>&1 & p=\$!
	for _ in \$(seq 100); do grep -q running '$IT_DIR/plain.log' && break; sleep 0.05; done
	kill \$p; wait \$p; grep -q running '$IT_DIR/plain.log'"

it_done
