#!/bin/bash
# Debian packages end to end: copy the tree to a temp dir with
# packaging/debian as debian/, dpkg-buildpackage -us -uc -b, lintian,
# apt-get install of the three .debs, then the packaged daemon with a
# packaged-style configuration (/etc/sippushd.conf, /run/sippushd,
# /var/lib/sippushd) against the test Kamailio:
#   1. as the system user, as systemd runs it (runuser -u sippushd);
#   2. started as root with "user sippushd" (privilege drop);
#   3. through the SysV init script (/etc/init.d/sippushd);
# both must register, run as sippushd and let a member of group sippushd
# use the socket. Then the packages are purged. Run as root on Debian 12.
#
#   tests/ci/build-deb.sh                  (DEB_BUILD_OPTIONS=nocheck:
#                                            the unit suites run elsewhere)
#   DEB_BUILD_OPTIONS= tests/ci/build-deb.sh   (also make unit in the build)
#   DEB_KEEP=1 ...                         keep the build dir and packages
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-nocheck}
export DEBIAN_FRONTEND=noninteractive

[ "$(id -u)" = 0 ] || { echo "build-deb.sh: run as root (apt-get install, runuser)" >&2; exit 1; }

if dpkg-query -W -f='${Status}' sippushd 2>/dev/null | grep -q "ok installed"; then
	# left by an earlier run of this script that was killed: ours to purge
	if grep -q "written by tests/ci/build-deb.sh" /etc/sippushd.conf 2>/dev/null; then
		apt-get purge -y -q sippushd libsippush0 libsippush-dev >/dev/null 2>&1
	else
		echo "build-deb.sh: sippushd is installed already; not touching it" >&2
		exit 1
	fi
fi

need="dpkg-dev debhelper fakeroot lintian build-essential pkg-config
libre-dev libssl-dev libcunit1-dev kamailio openssl python3 procps"
missing=
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086 # a list of names
	apt-get install -y -q --no-install-recommends $missing >/dev/null || exit 1
fi

# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$top/tests/integration/lib.sh"
it_init build-deb

work=$(mktemp -d /tmp/sippushd-deb.XXXXXX)
installed=0
finish() {
	if [ "$installed" = 1 ]; then
		apt-get purge -y -q sippushd libsippush0 libsippush-dev >/dev/null 2>&1
	fi
	if [ "${DEB_KEEP:-0}" = 1 ]; then
		echo "# kept: $work"
	else
		rm -rf -- "$work"
	fi
}

t0=$(date +%s)
src=$work/sippushd-0.1.0
mkdir -p "$src"
tar -C "$top" --exclude=./build --exclude=./.git --exclude=./.config \
	--exclude=./.config.old -cf - . | tar -C "$src" -xf -
# -L: debian/sippushd.service and .init link into packaging/
cp -rL "$top/packaging/debian" "$src/debian"

if (cd "$src" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	it_pass "dpkg-buildpackage -us -uc -b ($(($(date +%s) - t0)) s)"
else
	it_fail "dpkg-buildpackage -us -uc -b"
	tail -n 40 "$work/build.log" | sed 's/^/#   /'
	finish
	it_done
	exit 1
fi

debs=("$work"/sippushd_*.deb "$work"/libsippush0_*.deb "$work"/libsippush-dev_*.deb)
for d in "${debs[@]}"; do
	echo "# $(basename "$d"): $(dpkg-deb -f "$d" Installed-Size) KiB installed"
done

# lintian: errors and warnings fail; info tags are shown
lintian -i --fail-on error,warning "$work"/sippushd_*.changes >"$work/lintian.log" 2>&1
lrc=$?
sed 's/^/#   /' "$work/lintian.log" | grep -E '^#   [EWI]: ' || true
it_check "lintian: no errors or warnings" test "$lrc" = 0

it_check "apt-get install of the .debs" apt-get install -y -q "${debs[@]}"
installed=1

it_check "system user and group sippushd" getent passwd sippushd
it_check "/etc/sippushd.conf is root:sippushd 0640 (conffile)" \
	test "$(stat -c %U:%G:%a /etc/sippushd.conf)" = root:sippushd:640
it_check "man pages installed" test -s /usr/share/man/man8/sippushd.8.gz -a \
	-s /usr/share/man/man5/sippushd.conf.5.gz -a -s /usr/share/man/man1/sippush.1.gz
it_check "libsippush found with pkg-config" pkg-config --exists sippush
if command -v systemd-analyze >/dev/null; then
	it_check "systemd-analyze verify of the installed unit" \
		systemd-analyze verify /lib/systemd/system/sippushd.service
fi

# postinst may have started the packaged service (sample config) through
# the init script; the cases below start their own
/etc/init.d/sippushd stop >/dev/null 2>&1

it_certs
if ! it_kamailio_start kam; then
	it_fail "kamailio started"
	finish
	it_done
	exit 1
fi

# What systemd (RuntimeDirectory=, StateDirectory=) or the OpenWrt init
# script creates before the daemon starts.
install -d -o sippushd -g sippushd -m 0750 /run/sippushd /var/lib/sippushd

# packaged_conf [LINE...]: /etc/sippushd.conf for the test Kamailio, with
# the packaged paths (state_dir, ipc_socket defaults).
packaged_conf() {
	local l
	{
		echo "# written by tests/ci/build-deb.sh"
		echo "sip_aor sip:pra@sippush.test"
		echo "sip_registrar sip:127.0.0.1:$KAM_SIP_PORT;transport=tcp"
		echo "sip_auth_user pra"
		echo "sip_auth_pass secret"
		echo "sip_listen 127.0.0.1:$(it_free_port)"
		echo "sip_expires 60"
		echo "app mms.ua"
		for l in "$@"; do echo "$l"; done
	} >/etc/sippushd.conf
}

# gone PID: PID has exited within 10 s
gone() {
	local i
	for i in $(seq 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "pid $1 still there after 10 s ($i)"
	return 1
}

# run_case NAME CMD...: start the packaged daemon, check it, stop it.
run_case() {
	local name=$1 pid dpid
	shift
	"$@" >"$IT_DIR/$name.log" 2>&1 &
	pid=$!
	it_track "$pid"
	it_check "$name: registered with the core" it_wait_binding pra 'sip:' 10
	# runuser stays as the parent: the daemon is its child, else $pid
	dpid=$(pgrep -P "$pid" -x sippushd || echo "$pid")
	it_check "$name: daemon runs as sippushd" \
		test "$(ps -o user= -p "$dpid")" = sippushd
	it_check "$name: socket is sippushd:sippushd 0660" \
		test "$(stat -c %U:%G:%a /run/sippushd/sippushd.sock)" = sippushd:sippushd:660
	it_check "$name: a member of group sippushd may use the socket" \
		runuser -u nobody -g sippushd -- /usr/bin/sippush status
	it_check "$name: others may not" \
		sh -c '! runuser -u nobody -- /usr/bin/sippush status'
	kill -HUP "$dpid"
	it_check "$name: reloads on SIGHUP" it_wait_log "$IT_DIR/$name.log" "configuration reloaded" 5
	kill -TERM "$dpid"
	it_check "$name: SIGTERM removes the binding" it_wait_no_binding pra 5
	# the daemon itself must be gone (state_dir's lock released) before
	# the next case starts one: runuser's own SIGTERM handling kills it
	# late, and the next daemon found the lock held
	it_check "$name: ... and the daemon exits" gone "$dpid"
	it_stop "$pid"
	it_check "$name: socket removed on exit" test ! -e /run/sippushd/sippushd.sock
}

packaged_conf
run_case systemd-style runuser -u sippushd -- /usr/sbin/sippushd -c /etc/sippushd.conf

packaged_conf "user sippushd"
run_case root-with-user /usr/sbin/sippushd -c /etc/sippushd.conf
it_check "root-with-user: logged the switch" \
	grep -q "running as user sippushd" "$IT_DIR/root-with-user.log"

# 3. the SysV init script (Debian without systemd, Yocto sysvinit)
packaged_conf
rm -rf /run/sippushd
it_check "init script: start" /etc/init.d/sippushd start
it_check "init script: registered with the core" it_wait_binding pra 'sip:' 10
it_check "init script: created /run/sippushd for sippushd" \
	test "$(stat -c %U:%G:%a /run/sippushd)" = sippushd:sippushd:750
it_check "init script: status" /etc/init.d/sippushd status
it_check "init script: daemon runs as sippushd" \
	test "$(ps -o user= -p "$(cat /run/sippushd.pid)")" = sippushd
it_check "init script: reload" /etc/init.d/sippushd reload
it_check "init script: stop" /etc/init.d/sippushd stop
it_check "init script: stop removed the binding" it_wait_no_binding pra 5
it_check "init script: status after stop" sh -c '! /etc/init.d/sippushd status'

apt-get purge -y -q sippushd libsippush0 libsippush-dev >/dev/null 2>&1
installed=0
it_check "purge removed /etc/sippushd.conf and /var/lib/sippushd" \
	test ! -e /etc/sippushd.conf -a ! -e /var/lib/sippushd
rm -rf /run/sippushd

finish
echo "# build-deb.sh: $(($(date +%s) - t0)) s"
it_done
