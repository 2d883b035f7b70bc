#!/bin/bash
# On-demand activation (app_exec) end to end through a real Kamailio: a
# push for an app that is not running starts it and reaches it (the
# sender gets 200); a command that never subscribes gives 480 after
# activation_timeout; one that dies at once backs off instead of forking
# per push; drop-ins in exec_dir; session mode (MSRP) too.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=sippushd.sh
. "$(dirname "$0")/sippushd.sh"

# push TAG APP BODY: one MESSAGE via sipp, the independent sender.
push() {
	it_sipp "$1" message_uac.xml -m 1 -s pra -set ac "$(ac "$2")" \
		-set ctype text/plain -set body "$3" -set hdrs ""
}

status_is() {
	local got
	got=$(it_sipp_status "$1") || { echo "no final status for $1"; return 1; }
	echo "got $got, wanted $2"
	[ "$got" = "$2" ]
}

# track_pids FILE: stop at exit whatever the commands wrote into FILE.
track_pids() {
	local p
	[ -f "$1" ] || return 0
	while read -r p; do
		[ -n "$p" ] && it_track "$p"
	done <"$1"
}

# status_val KEY: the value of KEY=VALUE in `sippush status`.
status_val() {
	"$SP_CLI" status | sed -n "s/^$1=//p" | head -n 1
}

# exec_line APP: the STATUS line of APP's command.
exec_line() {
	"$SP_CLI" status | grep "^exec=$1 "
}

# exec_has APP TEXT [TIMEOUT_S]: APP's STATUS line contains TEXT (waits).
exec_has() {
	local i
	for i in $(seq $((${3:-2} * 10))); do
		exec_line "$1" | grep -qF -- "$2" && return 0
		sleep 0.1
	done
	echo "after $i tries: $(exec_line "$1")"
	return 1
}

it_init activation
it_certs
it_kamailio_start kam || { it_fail "kamailio started"; it_done; exit 1; }
export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock
# the daemon's environment: none of it may reach the commands
export SIPPUSH_IT_SECRET=leak

mkdir -p "$IT_DIR/got" "$IT_DIR/got2" "$IT_DIR/exec.d"

# The app: records what it was given, then takes one push like any app.
cat >"$IT_DIR/agent.sh" <<EOF
#!/bin/sh
echo \$\$ >>"$IT_DIR/agent.pids"
env | sort >"$IT_DIR/agent.env"
echo "pgid=\$(cut -d' ' -f5 /proc/\$\$/stat) pid=\$\$ uid=\$(id -u)" >"$IT_DIR/agent.ids"
exec "$SP_CLI" listen --count 1 --dir "\$1" "\$SIPPUSH_APP" >>"$IT_DIR/agent.out" 2>>"$IT_DIR/agent.err"
EOF
# A command that starts but never subscribes.
cat >"$IT_DIR/sleeper.sh" <<EOF
#!/bin/sh
echo \$\$ >>"$IT_DIR/sleeper.pids"
exec sleep 30
EOF
chmod 755 "$IT_DIR/agent.sh" "$IT_DIR/sleeper.sh"

# mms.ua's command comes as a package would ship it: a drop-in.
echo "app_exec mms.ua $IT_DIR/agent.sh $IT_DIR/got" >"$IT_DIR/exec.d/mms-agent.conf"
chmod 644 "$IT_DIR/exec.d/mms-agent.conf"

sp_conf "$IT_DIR/d.conf" udp \
	"exec_dir $IT_DIR/exec.d" "app mms.ua" \
	"app_exec ulp.ua $IT_DIR/sleeper.sh" \
	"app_exec emn.ua /bin/false" \
	"app_exec wml.ua $IT_DIR/agent.sh $IT_DIR/got2" \
	"activation_timeout 1500" "ack_timeout 3000" "retry_after 9"
if ! sp_start d "$IT_DIR/d.conf" || ! sp_registered d; then
	it_fail "daemon registered"
	it_done
	exit 1
fi
daemon_uid=$(id -u)

# --- no app running: it is started and gets the push -> 200 -----------------
it_check "the apps with a command are advertised without running" \
	it_wait_binding pra 'pusheventapp="emn.ua,mms.ua,ulp.ua,wml.ua"' 10
push started mms.ua hello-activation
it_check "app started by the push, ACKed -> 200" status_is started 200
track_pids "$IT_DIR/agent.pids"
it_check "the push reached the started app byte-exact" \
	bash -c "[ \"\$(cat '$IT_DIR'/got/*.body)\" = hello-activation ]"
it_check "SIPPUSH_APP is the app's canonical ID" \
	grep -qx "SIPPUSH_APP=x-wap-application:mms.ua" "$IT_DIR/agent.env"
it_check "SIPPUSH_SOCKET is the daemon's socket" \
	grep -qx "SIPPUSH_SOCKET=$IT_DIR/sippushd.sock" "$IT_DIR/agent.env"
it_check "nothing of the daemon's environment reached it" \
	bash -c "! grep -q 'SIPPUSH_IT_SECRET\|^HOME=\|^IT_DIR=' '$IT_DIR/agent.env'"
it_check "its own process group, the daemon's user" \
	bash -c "read -r g p u <'$IT_DIR/agent.ids'; [ \"\${g#pgid=}\" = \"\${p#pid=}\" ] && [ \"\${u#uid=}\" = $daemon_uid ]"
it_check "the daemon logged the start" \
	it_wait_log "$IT_DIR/d.log" "x-wap-application:mms.ua: started $IT_DIR/agent.sh" 5
it_check "STATUS counts the activation" \
	exec_has x-wap-application:mms.ua "starts=1 failures=0"
# the agent exits after its push (exit 0): reaped, nothing left
it_check "the command was reaped when it ended" \
	it_wait_log "$IT_DIR/d.log" "x-wap-application:mms.ua: pid" 5
it_check "STATUS: not running any more" \
	exec_has x-wap-application:mms.ua "running=no"

# --- again: a second activation, the same way --------------------------------
push again mms.ua second
it_check "the next push starts it again -> 200" status_is again 200
track_pids "$IT_DIR/agent.pids"

# --- a command that never subscribes: 480 after activation_timeout -----------
t0=$(it__now_ms)
push never ulp.ua never-taken
t1=$(it__now_ms)
track_pids "$IT_DIR/sleeper.pids"
it_check "no subscription -> 480" status_is never 480
it_check "480 came after activation_timeout, not at once ($((t1 - t0)) ms)" \
	test $((t1 - t0)) -ge 1400
it_check "the timeout is logged" \
	it_wait_log "$IT_DIR/d.log" "no subscription within 1500 ms" 2
it_check "STATUS counts a failure" \
	exec_has x-oma-application:ulp.ua "running=yes starts=1 failures=1"
it_check "STATUS counts the timeout" test "$(status_val activation_timeouts)" = 1

# while it runs, more pushes wait for the same instance: one process only
push never2 ulp.ua never-taken-2 &
p1=$!
push never3 ulp.ua never-taken-3 &
p2=$!
wait "$p1" "$p2"
track_pids "$IT_DIR/sleeper.pids"
it_check "another push -> 480" status_is never2 480
it_check "... and another -> 480" status_is never3 480
it_check "... and still one instance of the command" \
	test "$(wc -l <"$IT_DIR/sleeper.pids")" = 1
sleeper=$(head -n 1 "$IT_DIR/sleeper.pids")
kill "$sleeper" 2>/dev/null

# --- a command that fails at once: back-off, no fork storm ----------------------
codes=""
for i in 1 2 3 4 5 6 7 8; do
	push crash$i emn.ua "crash $i"
	codes="$codes $(it_sipp_status crash$i)"
done
echo "# crash-loop answers:$codes"
it_check "8 pushes for a crashing command -> 480 each" \
	test "$codes" = " 480 480 480 480 480 480 480 480"
line=$(exec_line x-wap-application:emn.ua)
echo "# $line"
starts=$(echo "$line" | sed -n 's/.* starts=\([0-9]*\) .*/\1/p')
fails=$(echo "$line" | sed -n 's/.* failures=\([0-9]*\) .*/\1/p')
it_check "... started $starts times, not 8 (back-off)" \
	test "$starts" -ge 1 -a "$starts" -le 4
it_check "... each start a failure" test "$starts" = "$fails"
it_check "the back-off is logged" \
	it_wait_log "$IT_DIR/d.log" "x-wap-application:emn.ua: pid" 2
it_check "... with the next start time" \
	grep -q "x-wap-application:emn.ua: .*next start in" "$IT_DIR/d.log"

# --- session mode: the INVITE finds nobody, the app is started -----------------
head -c 300000 /dev/urandom >"$IT_DIR/big.bin"
"$SP_CLI" send --msrp --proxy "sip:127.0.0.1:$KAM_SIP_PORT;transport=tcp" \
	--to sip:pra@sippush.test --app wml.ua --type application/octet-stream \
	--file "$IT_DIR/big.bin" --timeout 20 >"$IT_DIR/msrp.out" 2>&1
rc=$?
track_pids "$IT_DIR/agent.pids"
it_check "MSRP push to a sleeping app -> success (exit $rc)" test "$rc" = 0
it_check "... delivered byte-exact to the started app" same_sha "$IT_DIR/big.bin" "$IT_DIR/got2"

# --- a reload that removes the command: 480 again ------------------------------
rm -f "$IT_DIR/exec.d/mms-agent.conf"
kill -HUP "$SP_PID"
it_check "reloaded" it_wait_log "$IT_DIR/d.log" "configuration reloaded" 5
push gone mms.ua after-reload
it_check "without its app_exec line -> 480 at once" status_is gone 480

sp_stop
it_done
