/* keys.c: every configuration key, one row each, with the shapes its values must have (repeatable lines: lines.c). */
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "mediatype.h"
#include "acl.h"
#include "config.h"
#include "config_priv.h"
#include "trust.h"

#define DEBUG_MODULE "config"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Adding a key: one row in keys[] below, one field in struct config
 * (config.h), and the key in README.md's table, doc/man/sippushd.conf.5
 * and doc/sippushd.conf.sample (test_config_keys fails otherwise).
 *
 *   a string        STR(field), .set = config_set_str[, .check = a shape]
 *   a yes/no        VAL(field), .set = config_set_bool, .def = "no"
 *   a number        VAL(field), .set = config_set_num, .min, .max
 *                   [, .shift = 20: given in MiB, kept in bytes]
 *   one of words    VAL(field) (unsigned), .set = config_set_enum,
 *                   .words = (const char *const []){"allow", "deny",
 *                   NULL}: the index of the word is the value
 *   a repeatable    LIST(array, count), .set = config_set_list,
 *   line            .elem = reads one line into one element (a struct
 *                   of fixed-size fields, zeroed; in lines.c), .max =
 *                   most lines;
 *                   config_words() splits "APP COUNT BYTES" or "APP
 *                   COMMAND..." (rest of line), config_app() and
 *                   config_u32() read the parts. elem_str keeps a line
 *                   as a string (char field[N]) after .check.
 *
 * .features: CF_TLS, CF_MSRP, CF_MSRP_RELAY, CF_XML: the key is refused (same
 * words from -t and at start) when the build leaves the feature out.
 * .reload: CONFIG_RELOAD_NOW / _STACK / _RESTART: what SIGHUP does with
 * a changed value (daemon/reset.c). Parsing, defaults, -t, equality, reload
 * classification and freeing all follow from the row.
 */

#define STR(f)  .kind = CK_STR, .off = offsetof(struct config, f)
#define VAL(f)  .kind = CK_VAL, .off = offsetof(struct config, f), \
		.size = sizeof(((struct config *)0)->f)
#define LIST(f, n) .kind = CK_LIST, .off = offsetof(struct config, f), \
		.coff = offsetof(struct config, n), \
		.size = sizeof(*((struct config *)0)->f)

#define NOW     CONFIG_RELOAD_NOW
#define STACK   CONFIG_RELOAD_STACK
#define RESTART CONFIG_RELOAD_RESTART


/* --- shapes of values ------------------------------------------------------ */

/* a sip: or sips: URI (with a user part if need_user) */
int config_sip_uri(struct parse *ps, const char *key, const struct pl *v,
		   bool need_user)
{
	struct uri uri;

	if (uri_decode(&uri, v))
		return config_fail(ps, key, "'%r' is not a SIP URI", v);

	if (pl_strcasecmp(&uri.scheme, "sip") &&
	    pl_strcasecmp(&uri.scheme, "sips"))
		return config_fail(ps, key, "'%r' is not a sip: or sips: URI",
				   v);

	if (need_user && !pl_isset(&uri.user))
		return config_fail(ps, key, "'%r' has no user part", v);

	return 0;
}


static int check_aor(struct parse *ps, const struct ckey *k,
		     const struct pl *v)
{
	return config_sip_uri(ps, k->name, v, true);
}


static int check_sip_uri(struct parse *ps, const struct ckey *k,
			 const struct pl *v)
{
	return config_sip_uri(ps, k->name, v, false);
}


static int check_path(struct parse *ps, const struct ckey *k,
		      const struct pl *v)
{
	if (v->p[0] != '/')
		return config_fail(ps, k->name, "'%r' is not an absolute path",
				   v);

	/* .max: a UNIX socket address has room for 107 */
	if (k->max && v->l > k->max)
		return config_fail(ps, k->name, "path longer than a UNIX "
				   "socket address allows (%u)",
				   (unsigned)k->max);

	return 0;
}


/* libre's sa_decode() keeps the low 16 bits of any number and stops at
 * the first non-digit, so the port is checked here: 0..65535, digits. */
static bool port_ok(const struct pl *v)
{
	const char *colon = pl_strrchr(v, ':');
	const char *end = v->p + v->l;
	uint32_t port = 0;

	if (!colon || colon + 1 == end || end - colon > 6)
		return false;

	for (const char *p = colon + 1; p < end; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		port = port * 10 + (uint32_t)(*p - '0');
	}

	return port <= 65535;
}


static int check_listen(struct parse *ps, const struct ckey *k,
			const struct pl *v)
{
	struct sa sa;

	if (!port_ok(v) || sa_decode(&sa, v->p, v->l))
		return config_fail(ps, k->name, "'%r' is not address:port "
				   "(%s)", v, k->hint);

	return 0;
}


static int check_instance(struct parse *ps, const struct ckey *k,
			  const struct pl *v)
{
	/* urn:uuid: + 8-4-4-4-12 hex digits (RFC 4122 string form) */
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (v->l != 9 + sizeof(shape) - 1 || strncasecmp(v->p, "urn:uuid:", 9))
		goto bad;

	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		char c = v->p[9 + i];

		if (shape[i] == '-' ? c != '-' : !isxdigit((unsigned char)c))
			goto bad;
	}

	return 0;

 bad:
	return config_fail(ps, k->name, "'%r' is not a urn:uuid:"
			   "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", v);
}


/* An http(s) URL that goes inside a quoted feature-tag value and an
 * x-wap-profile header as it is: no space, quote, <, > or backslash */
static int check_uaprof(struct parse *ps, const struct ckey *k,
			const struct pl *v)
{
	if (v->l > 255)
		return config_fail(ps, k->name, "longer than 255 bytes");

	if (!(v->l > 7 && !strncasecmp(v->p, "http://", 7)) &&
	    !(v->l > 8 && !strncasecmp(v->p, "https://", 8)))
		return config_fail(ps, k->name, "'%r' is not an http:// or "
				   "https:// URL", v);

	for (size_t i = 0; i < v->l; i++) {
		char c = v->p[i];

		if (c <= 0x20 || c > 0x7e || strchr("\"<>\\", c))
			return config_fail(ps, k->name, "'%r': no spaces, "
					   "quotes, <, > or backslashes", v);
	}

	return 0;
}


/* DNS name (letters, digits, '-', '.') or an IP literal */
static int check_host(struct parse *ps, const struct ckey *k,
		      const struct pl *v)
{
	struct sa sa;

	if (v->l <= 253 && !sa_set(&sa, v, 0))
		return 0;

	for (size_t i = 0; i < v->l; i++) {
		char c = v->p[i];

		if (!isalnum((unsigned char)c) && c != '-' && c != '.')
			goto bad;
	}

	if (v->l > 0 && v->l <= 253)
		return 0;

 bad:
	return config_fail(ps, k->name, "'%r' is not a host name or IP "
			   "address", v);
}


/* "msrp[s]://IP:port", optionally with ";tcp"; an IP literal because
 * the relay client does no DNS */
static int check_relay(struct parse *ps, const struct ckey *k,
		       const struct pl *v)
{
	struct pl hp;
	struct sa sa;
	size_t skip = 0;

	if (v->l > 7 && !strncasecmp(v->p, "msrp://", 7))
		skip = 7;
	else if (v->l > 8 && !strncasecmp(v->p, "msrps://", 8))
		skip = 8;

	hp.p = v->p + skip;
	hp.l = v->l - skip;
	if (hp.l > 4 && !strncasecmp(hp.p + hp.l - 4, ";tcp", 4))
		hp.l -= 4;

	if (!skip || !port_ok(&hp) || sa_decode(&sa, hp.p, hp.l) ||
	    !sa_port(&sa))
		return config_fail(ps, k->name, "'%r' is not msrp[s]://IP:port "
				   "(e.g. msrps://192.0.2.1:2855)", v);

	return 0;
}


/* An account or group name as useradd(8) and groupadd(8) take it:
 * [a-z_][a-z0-9_-]{0,31} */
static int check_user(struct parse *ps, const struct ckey *k,
		      const struct pl *v)
{
	bool ok = v->l <= 32 &&
		(islower((unsigned char)v->p[0]) || v->p[0] == '_');

	for (size_t i = 1; ok && i < v->l; i++) {
		char c = v->p[i];

		ok = islower((unsigned char)c) || isdigit((unsigned char)c) ||
			c == '_' || c == '-';
	}

	return ok ? 0 : config_fail(ps, k->name, "'%r' is not a %s name "
				    "([a-z_][a-z0-9_-], at most 32)", v,
				    strcmp(k->name, "user") ? "group" : "user");
}


static int set_transports(struct parse *ps, const struct ckey *k,
			  const struct pl *v)
{
	struct pl rest = *v, tok;
	unsigned tp = 0;

	while (rest.l) {
		if (re_regex(rest.p, rest.l, "[ \t]*[^, \t]+[ \t,]*", NULL,
			     &tok, NULL))
			break;

		if (!pl_strcasecmp(&tok, "udp"))
			tp |= CFG_TP_UDP;
		else if (!pl_strcasecmp(&tok, "tcp"))
			tp |= CFG_TP_TCP;
		else if (!pl_strcasecmp(&tok, "tls"))
			tp |= CFG_TP_TLS;
		else
			return config_fail(ps, k->name, "unknown transport "
					   "'%r' (use udp, tcp, tls)", &tok);

		pl_advance(&rest, (size_t)(tok.p + tok.l - rest.p));
		while (rest.l && (*rest.p == ',' || *rest.p == ' ' ||
				  *rest.p == '\t'))
			pl_advance(&rest, 1);
	}

	if (!tp)
		return config_fail(ps, k->name, "no transport given");

	if ((tp & CFG_TP_TLS) && !CONFIG_TLS)
		return config_fail(ps, k->name, "tls is not built in "
				   "(CONFIG_TLS)");

	ps->cfg->transports = tp;
	return 0;
}


/* --- the table ----------------------------------------------------------- */

const struct ckey config_keys[] = {
	/* registration: a change rebuilds the SIP stack */
	{"sip_aor", STR(sip_aor), .set = config_set_str,
	 .check = check_aor, .required = true, .reload = STACK},
	{"sip_registrar", STR(sip_registrar), .set = config_set_str,
	 .check = check_sip_uri, .required = true, .reload = STACK},
	{"sip_auth_user", STR(sip_auth_user), .set = config_set_str,
	 .reload = STACK},
	{"sip_auth_pass", STR(sip_auth_pass), .set = config_set_str,
	 .reload = STACK},
	{"sip_listen", STR(sip_listen), .set = config_set_str,
	 .check = check_listen, .hint = "e.g. 0.0.0.0:5060, [::1]:0",
	 .reload = STACK},
	{"sip_transports", VAL(transports), .set = set_transports,
	 .def = "udp,tcp", .reload = STACK},
	{"sip_expires", VAL(sip_expires), .set = config_set_num,
	 .min = 60, .max = 86400, .def = "600", .reload = STACK},
	{"sip_keepalive", VAL(sip_keepalive), .set = config_set_num,
	 .min = 20, .max = 840, .def = "120", .reload = STACK},
	{"sip_instance", STR(sip_instance), .set = config_set_str,
	 .check = check_instance, .reload = STACK},
	{"reg_event", VAL(reg_event), .set = config_set_bool, .def = "no",
	 .features = CF_XML, .reload = STACK},
	{"publish", VAL(publish), .set = config_set_bool, .def = "no",
	 .features = CF_XML, .reload = STACK},
	{"uaprof_url", STR(uaprof_url), .set = config_set_str,
	 .check = check_uaprof, .reload = STACK},
	/* the network: see README "Network changes" */
	{"sip_interface", STR(sip_interface), .set = config_set_str,
	 .check = config_check_ifname, .reload = STACK},
	{"sip_keepalive_udp", VAL(sip_keepalive_udp), .set = config_set_num,
	 .min = 0, .max = 840, .def = "25", .reload = STACK},
	{"sip_outbound_proxy", LIST(proxies, proxyc), .set = config_set_list,
	 .elem = config_elem_proxy, .max = 2, .reload = STACK},
	{"sip_trusted", LIST(trusted, trustedc), .set = config_set_list,
	 .elem = config_elem_trusted, .max = TRUST_NETS_MAX, .reload = STACK},
	{"resolv_conf", STR(resolv_conf), .set = config_set_str,
	 .check = check_path, .def = "/etc/resolv.conf", .reload = STACK},
	{"udp_rcvbuf", VAL(udp_rcvbuf), .set = config_set_num,
	 .min = 0, .max = 64u << 20, .def = "1048576", .reload = STACK},
	/* local side */
	{"state_dir", STR(state_dir), .set = config_set_str,
	 .check = check_path, .def = "/var/lib/sippushd", .reload = STACK},
	{"ipc_socket", STR(ipc_socket), .set = config_set_str,
	 .check = check_path, .max = 107,
	 .def = "/run/sippushd/sippushd.sock", .reload = RESTART},
	{"ipc_group", STR(ipc_group), .set = config_set_str,
	 .check = check_user, .reload = RESTART},
	{"user", STR(user), .set = config_set_str, .check = check_user,
	 .reload = RESTART},
	/* who may do what with an app ID over the socket (acl.c) */
	{"app_acl", LIST(acls, aclc), .set = config_set_list,
	 .elem = config_elem_acl, .max = ACL_RULES_MAX, .reload = NOW},
	{"acl_dir", STR(acl_dir), .set = config_set_str, .check = check_path,
	 .def = "/etc/sippushd/acl.d", .reload = NOW},
	{"acl_default", VAL(acl_default), .set = config_set_enum,
	 .words = (const char *const []){"allow", "deny", NULL},
	 .def = "allow", .reload = NOW},
	/* push applications: apply at once */
	{"app", LIST(apps, appc), .set = config_set_list, .elem = config_elem_app,
	 .max = APPS_MAX, .reload = NOW},
	{"route_ctype", LIST(routes, routec), .set = config_set_list,
	 .elem = config_elem_route, .max = APPS_MAX, .reload = NOW},
	{"app_sender", LIST(senders, senderc), .set = config_set_list,
	 .elem = config_elem_sender, .max = 4 * APPS_MAX, .reload = NOW},
	/* apps that are away: started on demand, or their pushes kept */
	{"app_exec", LIST(execs, execc), .set = config_set_list,
	 .elem = config_elem_exec, .max = APPS_MAX, .reload = NOW},
	{"exec_dir", STR(exec_dir), .set = config_set_str,
	 .check = check_path, .def = "/etc/sippushd/exec.d", .reload = NOW},
	{"activation_timeout", VAL(activation_timeout),
	 .set = config_set_num, .min = 100, .max = 30000, .def = "5000",
	 .reload = NOW},
	{"app_store", LIST(stores, storec), .set = config_set_list,
	 .elem = config_elem_store, .max = APPS_MAX, .reload = NOW},
	{"store_dir", STR(store_dir), .set = config_set_str,
	 .check = check_path, .reload = NOW},
	/* TLS to the core */
	{"tls_ca_file", STR(tls_ca_file), .set = config_set_str,
	 .check = check_path, .features = CF_TLS, .reload = STACK},
	{"tls_cert_file", STR(tls_cert_file), .set = config_set_str,
	 .check = check_path, .features = CF_TLS, .reload = STACK},
	{"tls_verify", VAL(tls_verify), .set = config_set_bool, .def = "yes",
	 .features = CF_TLS, .reload = STACK},
	{"tls_host", STR(tls_host), .set = config_set_str,
	 .check = check_host, .features = CF_TLS, .reload = STACK},
	/* delivery limits: apply at once */
	{"max_message_size", VAL(max_message_size), .set = config_set_num,
	 .min = 1, .max = 60 * 1024, .def = "32768", .reload = NOW},
	{"ack_timeout", VAL(ack_timeout), .set = config_set_num,
	 .min = 100, .max = 30000, .def = "5000", .reload = NOW},
	{"retry_after", VAL(retry_after), .set = config_set_num,
	 .min = 1, .max = 86400, .def = "30", .reload = NOW},
	{"max_pending", VAL(max_pending), .set = config_set_num,
	 .min = 1, .max = 65536, .def = "256", .reload = NOW},
	{"sender_rate", VAL(sender_rate), .set = config_set_num,
	 .min = 0, .max = 100000, .def = "20", .reload = NOW},
	{"sip_conn_max", VAL(sip_conn_max), .set = config_set_num,
	 .min = 1, .max = 65536, .def = "256", .reload = STACK},
	/* session mode */
	{"msrp_listen", STR(msrp_listen), .set = config_set_str,
	 .check = check_listen, .hint = "e.g. 0.0.0.0:2855, [::1]:0",
	 .features = CF_MSRP, .reload = STACK},
	/* in RAM: a push is written there once per chunk, up to
	 * msrp_max_size, which flash should not see */
	{"spool_dir", STR(spool_dir), .set = config_set_str,
	 .check = check_path, .def = "/run/sippushd/spool",
	 .features = CF_MSRP, .reload = STACK},
	/* an app is told the length in a size_t: 4095 MiB on 32-bit */
	{"msrp_max_size", VAL(msrp_max_size), .set = config_set_num,
	 .min = 1, .max = SIZE_MAX >> 20 < 4096 ? SIZE_MAX >> 20 : 4096,
	 .shift = 20, .def = "256",
	 .features = CF_MSRP, .reload = NOW},
	/* all messages in progress together: the spool is RAM */
	{"spool_max_size", VAL(spool_max_size), .set = config_set_num,
	 .min = 1, .max = SIZE_MAX >> 20 < 4096 ? SIZE_MAX >> 20 : 4096,
	 .shift = 20, .def = "512",
	 .features = CF_MSRP, .reload = NOW},
	{"msrp_conn_max", VAL(msrp_conn_max), .set = config_set_num,
	 .min = 1, .max = 65536, .def = "256",
	 .features = CF_MSRP, .reload = NOW},
	{"msrp_connect_timeout", VAL(msrp_connect_timeout),
	 .set = config_set_num, .min = 1, .max = 300, .def = "30",
	 .features = CF_MSRP, .reload = NOW},
	{"msrp_idle_timeout", VAL(msrp_idle_timeout), .set = config_set_num,
	 .min = 1, .max = 3600, .def = "60", .features = CF_MSRP,
	 .reload = NOW},
	{"msrp_relay", STR(msrp_relay), .set = config_set_str,
	 .check = check_relay, .features = CF_MSRP | CF_MSRP_RELAY,
	 .reload = STACK},
	{"msrp_relay_user", STR(msrp_relay_user), .set = config_set_str,
	 .features = CF_MSRP | CF_MSRP_RELAY, .reload = STACK},
	{"msrp_relay_pass", STR(msrp_relay_pass), .set = config_set_str,
	 .features = CF_MSRP | CF_MSRP_RELAY, .reload = STACK},
};

const size_t config_nkeys = ARRAY_SIZE(config_keys);
