#!/bin/bash
# `make demo`: one full push round trip on this machine, step by step.
# Kamailio (the SIP/IP core) on loopback, sippushd registered with it, a
# demo app subscribed with `sippush listen`, a push sent with
# `sippush send` through the core, the delivered bytes shown. Everything
# it starts is stopped at the end.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

pkgs="build-essential pkg-config libre-dev libssl-dev libexpat1-dev libcunit1-dev kamailio kamailio-tls-modules sip-tester openssl python3"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing packages:$missing"
		echo "run as root:  apt-get update && apt-get install -y$missing"
		exit 1
	fi
	step "installing:$missing"
	# shellcheck disable=SC2086 # a list of package names
	apt-get update -q && apt-get install -y -q --no-install-recommends $missing || exit 1
fi

step "building (make)"
make -s all || exit 1

# shellcheck source-path=SCRIPTDIR source=integration/lib.sh
. "$top/tests/integration/lib.sh"
# shellcheck source-path=SCRIPTDIR source=integration/sippushd.sh
. "$top/tests/integration/sippushd.sh"
it_init demo >/dev/null 2>&1
it_certs >/dev/null

step "starting Kamailio as the SIP/IP core on 127.0.0.1:$KAM_SIP_PORT (user pra / secret)"
it_kamailio_start kam >/dev/null || { echo "kamailio did not start"; exit 1; }

step "starting sippushd (config: $IT_DIR/sippushd.conf)"
sp_conf "$IT_DIR/sippushd.conf" tcp "app x-wap-application:mms.ua"
sed 's/^/    /' "$IT_DIR/sippushd.conf"
sp_start sippushd "$IT_DIR/sippushd.conf" || exit 1
sp_registered sippushd || { cat "$IT_DIR/sippushd.log"; exit 1; }
echo "registered; the core's binding for pra:"
it_bindings pra | sed 's/.* contact=/    Contact: /'

export SIPPUSH_SOCKET=$IT_DIR/sippushd.sock
mkdir -p "$IT_DIR/inbox"
step "a demo app subscribes: sippush listen --count 1 --dir inbox mms.ua"
"$SP_CLI" listen --count 1 --dir "$IT_DIR/inbox" mms.ua >"$IT_DIR/app.out" 2>"$IT_DIR/app.err" &
app=$!
it_track "$app"
it_wait_log "$IT_DIR/app.err" "subscribed to" 5 && cat "$IT_DIR/app.err"

step "the Push Sender Agent sends a push through the core: sippush send"
"$SP_CLI" send --proxy "sip:127.0.0.1:$KAM_SIP_PORT;transport=tcp" \
	--to sip:pra@sippush.test --app mms.ua --type text/plain \
	--data "Hello from the Push Sender Agent" | sed 's/^/    sender got: /'

wait "$app"
step "what the app received"
sed 's/^/    /' "$IT_DIR/app.out"
for m in "$IT_DIR"/inbox/*.meta; do sed 's/^/    /' "$m"; done
printf '    body: '
cat "$IT_DIR"/inbox/*.body
echo

step "daemon status (sippush status)"
"$SP_CLI" status | sed 's/^/    /'

step "stopping sippushd (it removes its binding) and Kamailio"
sp_stop
it_kamailio_stop
echo "done."
