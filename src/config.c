/* config.c: reads and checks sippushd.conf ("key value" lines, # comments). */
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <ctype.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "appid.h"

#define DEBUG_MODULE "config"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include <re_dbg.h>

/*
 * The format is libre's conf format (what baresip uses), but parsed here
 * line by line so that every error names file, line and key. libre's
 * conf_get() cannot say where a value came from.
 */

enum {
	CONFIG_FILE_MAX = 64 * 1024,
	VALUE_MAX       = 1024,
	APPS_MAX        = 64,
};

/* Every key the file may hold; the index is the bit in parse.seen. */
enum ckey {
	CK_SIP_AOR, CK_SIP_REGISTRAR, CK_SIP_AUTH_USER, CK_SIP_AUTH_PASS,
	CK_SIP_LISTEN, CK_SIP_TRANSPORTS, CK_SIP_EXPIRES, CK_SIP_KEEPALIVE,
	CK_SIP_INSTANCE, CK_STATE_DIR, CK_IPC_SOCKET, CK_APP,
	CK_TLS_CA_FILE, CK_TLS_CERT_FILE, CK_TLS_VERIFY, CK_TLS_HOST,
	CK_MAX_MESSAGE_SIZE, CK_ACK_TIMEOUT, CK_UDP_RCVBUF,
	CK_RETRY_AFTER, CK_MAX_PENDING, CK_ROUTE_CTYPE, CK_APP_SENDER,
	CK_MSRP_LISTEN, CK_MSRP_MAX_SIZE, CK_MSRP_CONNECT_TIMEOUT,
	CK_MSRP_IDLE_TIMEOUT,
	CK_MSRP_RELAY,
	CK_MSRP_RELAY_USER,
	CK_MSRP_RELAY_PASS,
	CK_USER,
	CK_COUNT
};

static const char *const keyname[CK_COUNT] = {
	"sip_aor", "sip_registrar", "sip_auth_user", "sip_auth_pass",
	"sip_listen", "sip_transports", "sip_expires", "sip_keepalive",
	"sip_instance", "state_dir", "ipc_socket", "app",
	"tls_ca_file", "tls_cert_file", "tls_verify", "tls_host",
	"max_message_size", "ack_timeout", "udp_rcvbuf",
	"retry_after", "max_pending", "route_ctype", "app_sender",
	"msrp_listen", "msrp_max_size", "msrp_connect_timeout",
	"msrp_idle_timeout",
	"msrp_relay", "msrp_relay_user", "msrp_relay_pass",
	"user",
};

/* keys that may be given more than once */
static bool multi_key(int idx)
{
	return idx == CK_APP || idx == CK_ROUTE_CTYPE || idx == CK_APP_SENDER;
}

struct parse {
	struct config *cfg;
	const char *name;
	unsigned line;
	char *err;
	size_t errsz;
	uint64_t seen;      /* bit per key index: duplicates are errors */
};


/* libre's mem_realloc() does not take NULL: grow an array by one. */
static void *grow(void *arr, size_t n, size_t esz)
{
	void *p;

	if (!arr)
		return mem_zalloc(esz, NULL);

	p = mem_realloc(arr, (n + 1) * esz);
	return p;
}


static int conf_key_index(const struct pl *k)
{
	for (int i = 0; i < CK_COUNT; i++)
		if (!pl_strcmp(k, keyname[i]))
			return i;

	return -1;
}


static void destructor(void *arg)
{
	struct config *cfg = arg;

	mem_deref(cfg->path);
	mem_deref(cfg->sip_aor);
	mem_deref(cfg->sip_registrar);
	mem_deref(cfg->sip_auth_user);
	mem_deref(cfg->sip_auth_pass);
	mem_deref(cfg->sip_listen);
	mem_deref(cfg->sip_instance);
	mem_deref(cfg->state_dir);
	mem_deref(cfg->ipc_socket);
	mem_deref(cfg->apps);
	mem_deref(cfg->tls_ca_file);
	mem_deref(cfg->tls_cert_file);
	mem_deref(cfg->tls_host);
	mem_deref(cfg->msrp_listen);
	mem_deref(cfg->msrp_relay);
	mem_deref(cfg->msrp_relay_user);
	mem_deref(cfg->msrp_relay_pass);
	mem_deref(cfg->routes);
	mem_deref(cfg->senders);
	mem_deref(cfg->user);
}


static int fail(struct parse *ps, const char *key, const char *fmt, ...)
{
	char msg[VALUE_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	(void)re_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (ps->line)
		(void)re_snprintf(ps->err, ps->errsz, "%s:%u: %s: %s",
				  ps->name, ps->line, key, msg);
	else
		(void)re_snprintf(ps->err, ps->errsz, "%s: %s: %s",
				  ps->name, key, msg);

	return EINVAL;
}


static bool printable(const struct pl *v)
{
	for (size_t i = 0; i < v->l; i++)
		if (!isprint((unsigned char)v->p[i]))
			return false;

	return true;
}


static int set_str(struct parse *ps, const char *key, char **dst,
		   const struct pl *v)
{
	(void)ps;
	(void)key;
	mem_deref(*dst);
	*dst = NULL;
	return pl_strdup(dst, v);
}


static int get_u32(struct parse *ps, const char *key, uint32_t *dst,
		   const struct pl *v, uint32_t min, uint32_t max)
{
	uint64_t n = 0;

	if (v->l > 10)
		return fail(ps, key, "'%r' is out of range (%u..%u)", v,
			    min, max);

	for (size_t i = 0; i < v->l; i++) {
		if (!isdigit((unsigned char)v->p[i]))
			return fail(ps, key, "'%r' is not a number", v);
		n = n * 10 + (uint64_t)(v->p[i] - '0');
	}

	if (n < min || n > max)
		return fail(ps, key, "%r is out of range (%u..%u)", v, min,
			    max);

	*dst = (uint32_t)n;
	return 0;
}


static int check_sip_uri(struct parse *ps, const char *key,
			 const struct pl *v, bool need_user)
{
	struct uri uri;

	if (uri_decode(&uri, v))
		return fail(ps, key, "'%r' is not a SIP URI", v);

	if (pl_strcasecmp(&uri.scheme, "sip") &&
	    pl_strcasecmp(&uri.scheme, "sips"))
		return fail(ps, key, "'%r' is not a sip: or sips: URI", v);

	if (need_user && !pl_isset(&uri.user))
		return fail(ps, key, "'%r' has no user part", v);

	return 0;
}


static int parse_transports(struct parse *ps, const char *key,
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
			return fail(ps, key, "unknown transport '%r' "
				    "(use udp, tcp, tls)", &tok);

		pl_advance(&rest, (size_t)(tok.p + tok.l - rest.p));
		while (rest.l && (*rest.p == ',' || *rest.p == ' ' ||
				  *rest.p == '\t'))
			pl_advance(&rest, 1);
	}

	if (!tp)
		return fail(ps, key, "no transport given");

	if ((tp & CFG_TP_TLS) && !CONFIG_TLS)
		return fail(ps, key, "tls is not built in (CONFIG_TLS)");

	ps->cfg->transports = tp;
	return 0;
}


static int check_instance(struct parse *ps, const char *key,
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
	return fail(ps, key, "'%r' is not a urn:uuid:"
		    "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", v);
}


static int norm_app(struct parse *ps, const char *key, const struct pl *v,
		    char *id);


static int add_app(struct parse *ps, const char *key, const struct pl *v)
{
	struct config *cfg = ps->cfg;
	char id[APPID_SIZE];
	void *p;
	int err;

	err = norm_app(ps, key, v, id);
	if (err)
		return err;

	for (size_t i = 0; i < cfg->appc; i++)
		if (!strcmp(cfg->apps[i], id))
			return fail(ps, key, "application ID '%s' given twice",
				    id);

	if (cfg->appc >= APPS_MAX)
		return fail(ps, key, "more than %u app lines",
			    APPS_MAX);

	p = grow(cfg->apps, cfg->appc, sizeof(*cfg->apps));
	if (!p)
		return ENOMEM;

	cfg->apps = p;
	memcpy(cfg->apps[cfg->appc++], id, sizeof(id));
	return 0;
}


/* Split "FIRST REST": both non-empty, REST without further blanks. */
static int two_words(struct parse *ps, const char *key, const struct pl *v,
		     struct pl *a, struct pl *b, const char *what)
{
	if (re_regex(v->p, v->l, "[^ \t]+[ \t]+[^ \t]+", a, NULL, b) ||
	    (size_t)(b->p + b->l - v->p) != v->l)
		return fail(ps, key, "expected %s", what);

	return 0;
}


static int norm_app(struct parse *ps, const char *key, const struct pl *v,
		    char *id)
{
	switch (appid_normalise(id, APPID_SIZE, v)) {
	case 0:
		return 0;
	case EOVERFLOW:
		return fail(ps, key, "application ID '%r' is longer than %u",
			    v, APPID_MAX);
	case ENOENT:
		return fail(ps, key, "numeric application ID '%r' is not in "
			    "the OMNA registry", v);
	default:
		return fail(ps, key, "'%r' is not an application ID "
			    "(x-wap-application:NAME, NAME, or an OMNA code)",
			    v);
	}
}


/* "type/subtype", RFC 6838 restricted-name characters on both sides */
static bool media_type_ok(const struct pl *ct)
{
	const char *slash = pl_strchr(ct, '/');

	if (!slash || slash == ct->p || slash == ct->p + ct->l - 1)
		return false;

	for (size_t i = 0; i < ct->l; i++) {
		char c = ct->p[i];

		if (ct->p + i == slash)
			continue;
		if (!isalnum((unsigned char)c) && !strchr("!#$&^_.+-", c))
			return false;
	}

	return true;
}


static int add_route(struct parse *ps, const char *key, const struct pl *v)
{
	struct config *cfg = ps->cfg;
	struct config_route rt;
	struct pl ct, app;
	void *p;
	int err;

	err = two_words(ps, key, v, &ct, &app, "CONTENT-TYPE APP-ID");
	if (err)
		return err;

	if (ct.l >= sizeof(rt.ctype) || !media_type_ok(&ct))
		return fail(ps, key, "'%r' is not a type/subtype", &ct);

	memset(&rt, 0, sizeof(rt));
	(void)pl_strcpy(&ct, rt.ctype, sizeof(rt.ctype));
	for (char *c = rt.ctype; *c; c++)
		*c = (char)tolower((unsigned char)*c);

	err = norm_app(ps, key, &app, rt.appid);
	if (err)
		return err;

	for (size_t i = 0; i < cfg->routec; i++)
		if (!strcmp(cfg->routes[i].ctype, rt.ctype))
			return fail(ps, key, "content type %s routed twice",
				    rt.ctype);

	if (cfg->routec >= APPS_MAX)
		return fail(ps, key, "more than %u route_ctype lines",
			    APPS_MAX);

	p = grow(cfg->routes, cfg->routec, sizeof(rt));
	if (!p)
		return ENOMEM;
	cfg->routes = p;
	cfg->routes[cfg->routec++] = rt;
	return 0;
}


static int add_sender(struct parse *ps, const char *key, const struct pl *v)
{
	struct config *cfg = ps->cfg;
	struct config_sender sd;
	struct pl app, pat;
	void *p;
	int err;

	err = two_words(ps, key, v, &app, &pat, "APP-ID SENDER "
			"(sip:user@host, *@host or *)");
	if (err)
		return err;

	memset(&sd, 0, sizeof(sd));
	err = norm_app(ps, key, &app, sd.appid);
	if (err)
		return err;

	if (pat.l >= sizeof(sd.pattern))
		return fail(ps, key, "sender pattern longer than %zu",
			    sizeof(sd.pattern) - 1);

	if (pl_strcmp(&pat, "*") && !(pat.l > 2 && !strncmp(pat.p, "*@", 2))) {
		err = check_sip_uri(ps, key, &pat, false);
		if (err)
			return err;
	}

	(void)pl_strcpy(&pat, sd.pattern, sizeof(sd.pattern));

	if (cfg->senderc >= 4 * APPS_MAX)
		return fail(ps, key, "more than %u app_sender lines",
			    4 * APPS_MAX);

	p = grow(cfg->senders, cfg->senderc, sizeof(sd));
	if (!p)
		return ENOMEM;
	cfg->senders = p;
	cfg->senders[cfg->senderc++] = sd;
	return 0;
}


static int get_bool(struct parse *ps, const char *key, bool *dst,
		    const struct pl *v)
{
	if (!pl_strcasecmp(v, "yes") || !pl_strcasecmp(v, "true") ||
	    !pl_strcmp(v, "1"))
		*dst = true;
	else if (!pl_strcasecmp(v, "no") || !pl_strcasecmp(v, "false") ||
		 !pl_strcmp(v, "0"))
		*dst = false;
	else
		return fail(ps, key, "'%r' is not yes or no", v);

	return 0;
}


/* libre's sa_decode() keeps the low 16 bits of any number and stops at
 * the first non-digit, so the port is checked here: 0..65535, digits. */
static bool listen_ok(const struct pl *v)
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


/* msrp_relay: "msrp[s]://IP:port", optionally with ";tcp"; an IP literal
 * because the relay client does no DNS. */
static bool relay_ok(const struct pl *v)
{
	struct pl hp;
	struct sa sa;
	size_t skip;

	if (v->l > 7 && !strncasecmp(v->p, "msrp://", 7))
		skip = 7;
	else if (v->l > 8 && !strncasecmp(v->p, "msrps://", 8))
		skip = 8;
	else
		return false;

	hp.p = v->p + skip;
	hp.l = v->l - skip;
	if (hp.l > 4 && !strncasecmp(hp.p + hp.l - 4, ";tcp", 4))
		hp.l -= 4;

	return listen_ok(&hp) && !sa_decode(&sa, hp.p, hp.l) && sa_port(&sa);
}


/* DNS name (letters, digits, '-', '.') or an IP literal */
static bool host_ok(const struct pl *v)
{
	struct sa sa;

	if (!sa_set(&sa, v, 0))
		return true;

	for (size_t i = 0; i < v->l; i++) {
		char c = v->p[i];

		if (!isalnum((unsigned char)c) && c != '-' && c != '.')
			return false;
	}

	return v->l > 0;
}


static int check_path(struct parse *ps, const char *key, const struct pl *v)
{
	if (v->p[0] != '/')
		return fail(ps, key, "'%r' is not an absolute path", v);

	return 0;
}


/* An account name as useradd(8) takes it: [a-z_][a-z0-9_-]{0,31} */
static bool user_ok(const struct pl *v)
{
	if (v->l > 32 || !(islower((unsigned char)v->p[0]) || v->p[0] == '_'))
		return false;

	for (size_t i = 1; i < v->l; i++) {
		char c = v->p[i];

		if (!islower((unsigned char)c) && !isdigit((unsigned char)c) &&
		    c != '_' && c != '-')
			return false;
	}

	return true;
}


static int set_key(struct parse *ps, const struct pl *k, const struct pl *v)
{
	struct config *cfg = ps->cfg;
	char key[32];
	int idx;
	int err;

	(void)pl_strcpy(k, key, sizeof(key));

	idx = conf_key_index(k);
	if (idx < 0)
		return fail(ps, key, "unknown key");

	if (!v->l)
		return fail(ps, key, "missing value");

	if (!printable(v))
		return fail(ps, key, "value has control characters");

	if (v->l > VALUE_MAX)
		return fail(ps, key, "value longer than %u", VALUE_MAX);

	if (!multi_key(idx)) {
		if (ps->seen & (1ull << idx))
			return fail(ps, key, "given twice");
		ps->seen |= 1ull << idx;
	}

	switch (idx) {

	case CK_SIP_AOR:
		err = check_sip_uri(ps, key, v, true);
		return err ? err : set_str(ps, key, &cfg->sip_aor, v);

	case CK_SIP_REGISTRAR:
		err = check_sip_uri(ps, key, v, false);
		return err ? err : set_str(ps, key, &cfg->sip_registrar, v);

	case CK_SIP_AUTH_USER:
		return set_str(ps, key, &cfg->sip_auth_user, v);

	case CK_SIP_AUTH_PASS:
		return set_str(ps, key, &cfg->sip_auth_pass, v);

	case CK_SIP_LISTEN: {
		struct sa sa;
		if (!listen_ok(v) || sa_decode(&sa, v->p, v->l))
			return fail(ps, key, "'%r' is not address:port "
				    "(e.g. 0.0.0.0:5060, [::1]:0)", v);
		return set_str(ps, key, &cfg->sip_listen, v);
	}

	case CK_SIP_TRANSPORTS:
		return parse_transports(ps, key, v);

	case CK_SIP_EXPIRES:
		return get_u32(ps, key, &cfg->sip_expires, v, 60, 86400);

	case CK_SIP_KEEPALIVE:
		return get_u32(ps, key, &cfg->sip_keepalive, v, 20, 840);

	case CK_SIP_INSTANCE:
		err = check_instance(ps, key, v);
		return err ? err : set_str(ps, key, &cfg->sip_instance, v);

	case CK_STATE_DIR:
		err = check_path(ps, key, v);
		return err ? err : set_str(ps, key, &cfg->state_dir, v);

	case CK_IPC_SOCKET:
		err = check_path(ps, key, v);
		if (!err && v->l >= 108)
			err = fail(ps, key, "path longer than a UNIX socket "
				   "address allows (107)");
		return err ? err : set_str(ps, key, &cfg->ipc_socket, v);

	case CK_APP:
		return add_app(ps, key, v);

	case CK_TLS_CA_FILE:
	case CK_TLS_CERT_FILE:
		if (!CONFIG_TLS)
			return fail(ps, key, "TLS is not built in (CONFIG_TLS)");
		err = check_path(ps, key, v);
		if (err)
			return err;
		return set_str(ps, key, idx == CK_TLS_CA_FILE ?
			       &cfg->tls_ca_file : &cfg->tls_cert_file, v);

	case CK_TLS_VERIFY:
		return get_bool(ps, key, &cfg->tls_verify, v);

	case CK_TLS_HOST:
		if (!CONFIG_TLS)
			return fail(ps, key, "TLS is not built in (CONFIG_TLS)");
		if (v->l > 253 || !host_ok(v))
			return fail(ps, key, "'%r' is not a host name or IP "
				    "address", v);
		return set_str(ps, key, &cfg->tls_host, v);

	case CK_MAX_MESSAGE_SIZE:
		return get_u32(ps, key, &cfg->max_message_size, v, 1,
			       60 * 1024);

	case CK_ACK_TIMEOUT:
		return get_u32(ps, key, &cfg->ack_timeout, v, 100, 30000);

	case CK_UDP_RCVBUF:
		return get_u32(ps, key, &cfg->udp_rcvbuf, v, 0, 64u << 20);

	case CK_RETRY_AFTER:
		return get_u32(ps, key, &cfg->retry_after, v, 1, 86400);

	case CK_MAX_PENDING:
		return get_u32(ps, key, &cfg->max_pending, v, 1, 65536);

	case CK_ROUTE_CTYPE:
		return add_route(ps, key, v);

	case CK_APP_SENDER:
		return add_sender(ps, key, v);

	case CK_MSRP_LISTEN: {
		struct sa sa;
		if (!listen_ok(v) || sa_decode(&sa, v->p, v->l))
			return fail(ps, key, "'%r' is not address:port "
				    "(e.g. 0.0.0.0:2855, [::1]:0)", v);
		return set_str(ps, key, &cfg->msrp_listen, v);
	}

	case CK_MSRP_MAX_SIZE: {
		/* apps get the length as a size_t: 4095 MiB on 32-bit */
		const uint32_t top = SIZE_MAX >> 20 < 4096 ?
			(uint32_t)(SIZE_MAX >> 20) : 4096;
		uint32_t mib = 0;
		err = get_u32(ps, key, &mib, v, 1, top);
		cfg->msrp_max_size = (uint64_t)mib << 20;
		return err;
	}

	case CK_MSRP_CONNECT_TIMEOUT:
		return get_u32(ps, key, &cfg->msrp_connect_timeout, v, 1, 300);

	case CK_MSRP_IDLE_TIMEOUT:
		return get_u32(ps, key, &cfg->msrp_idle_timeout, v, 1, 3600);

	case CK_MSRP_RELAY:
		if (!relay_ok(v))
			return fail(ps, key, "'%r' is not msrp[s]://IP:port "
				    "(e.g. msrps://192.0.2.1:2855)", v);
		return set_str(ps, key, &cfg->msrp_relay, v);

	case CK_MSRP_RELAY_USER:
		return set_str(ps, key, &cfg->msrp_relay_user, v);

	case CK_MSRP_RELAY_PASS:
		return set_str(ps, key, &cfg->msrp_relay_pass, v);

	case CK_USER:
		if (!user_ok(v))
			return fail(ps, key, "'%r' is not a user name "
				    "([a-z_][a-z0-9_-], at most 32)", v);
		return set_str(ps, key, &cfg->user, v);

	default:
		return fail(ps, key, "unknown key");
	}
}


static int parse_line(struct parse *ps, struct pl line)
{
	struct pl k, v;

	/* trim; skip blanks and comments */
	while (line.l && isspace((unsigned char)line.p[0]))
		pl_advance(&line, 1);
	while (line.l && isspace((unsigned char)line.p[line.l - 1]))
		--line.l;
	if (!line.l || line.p[0] == '#')
		return 0;

	k.p = line.p;
	for (k.l = 0; k.l < line.l && !isspace((unsigned char)k.p[k.l]); k.l++)
		;

	v.p = k.p + k.l;
	v.l = line.l - k.l;
	while (v.l && isspace((unsigned char)v.p[0]))
		pl_advance(&v, 1);

	/* a trailing "# comment" after the value, as libre's conf allows;
	 * "key # comment" has no value at all */
	for (size_t i = 0; i < v.l; i++) {
		if (v.p[i] == '#' && (!i || isspace((unsigned char)v.p[i - 1]))) {
			v.l = i;
			while (v.l && isspace((unsigned char)v.p[v.l - 1]))
				--v.l;
			break;
		}
	}

	if (k.l >= 32) {
		char key[32];
		(void)pl_strcpy(&k, key, sizeof(key));
		return fail(ps, key, "unknown key");
	}

	return set_key(ps, &k, &v);
}


static int check_whole(struct parse *ps)
{
	struct config *cfg = ps->cfg;
	struct uri uri;
	struct pl tp;

	ps->line = 0;

	if (!cfg->sip_aor)
		return fail(ps, "sip_aor", "required key is missing");
	if (!cfg->sip_registrar)
		return fail(ps, "sip_registrar", "required key is missing");

	if (!cfg->sip_auth_user != !cfg->sip_auth_pass)
		return fail(ps, cfg->sip_auth_user ? "sip_auth_pass" :
			    "sip_auth_user", "sip_auth_user and sip_auth_pass "
			    "go together");

	/* the registrar's transport must be one we run */
	(void)uri_decode(&uri, &(struct pl){cfg->sip_registrar,
					    strlen(cfg->sip_registrar)});
	if (!msg_param_decode(&uri.params, "transport", &tp)) {
		unsigned want = !pl_strcasecmp(&tp, "udp") ? CFG_TP_UDP :
			!pl_strcasecmp(&tp, "tcp") ? CFG_TP_TCP :
			!pl_strcasecmp(&tp, "tls") ? CFG_TP_TLS : 0;

		if (!want)
			return fail(ps, "sip_registrar", "unknown transport "
				    "'%r'", &tp);

		/* no sip_transports line: run what the registrar needs */
		if (!(ps->seen & (1ull << CK_SIP_TRANSPORTS)) &&
		    want == CFG_TP_TLS) {
			if (!CONFIG_TLS)
				return fail(ps, "sip_registrar", "transport=tls "
					    "but TLS is not built in "
					    "(CONFIG_TLS)");
			cfg->transports |= CFG_TP_TLS;
		}
		if (!(cfg->transports & want))
			return fail(ps, "sip_registrar", "transport=%r is "
				    "not in sip_transports", &tp);
	}
	else if (!pl_strcasecmp(&uri.scheme, "sips") &&
		 !(cfg->transports & CFG_TP_TLS)) {
		if (!CONFIG_TLS || (ps->seen & (1ull << CK_SIP_TRANSPORTS)))
			return fail(ps, "sip_registrar", "sips: needs tls in "
				    "sip_transports");
		cfg->transports |= CFG_TP_TLS;
	}

	if (!cfg->msrp_relay_user != !cfg->msrp_relay_pass)
		return fail(ps, cfg->msrp_relay_user ? "msrp_relay_pass" :
			    "msrp_relay_user", "msrp_relay_user and "
			    "msrp_relay_pass go together");
	if (cfg->msrp_relay_user && !cfg->msrp_relay)
		return fail(ps, "msrp_relay_user", "needs msrp_relay");

	if ((cfg->transports & CFG_TP_TLS) && cfg->tls_verify &&
	    !cfg->tls_ca_file) {
		/* verification against the system store would silently trust
		 * any public CA for the operator's core: ask for the CA */
		return fail(ps, "tls_ca_file", "required when tls is in "
			    "sip_transports and tls_verify is yes");
	}

	return 0;
}


/**
 * Parse configuration text.
 *
 * @param cfgp   Pointer to allocated configuration
 * @param name   Name used in error messages (the file name)
 * @param buf    Text
 * @param len    Length of text
 * @param err    Buffer for a one-line error "NAME:LINE: KEY: what"
 * @param errsz  Size of err
 *
 * @return 0 if success, EINVAL on a bad file, ENOMEM
 */
int config_parse(struct config **cfgp, const char *name, const char *buf,
		 size_t len, char *err, size_t errsz)
{
	struct parse ps;
	struct config *cfg;
	const char *end = buf + len;
	int e = 0;

	if (!cfgp || !name || (!buf && len))
		return EINVAL;

	cfg = mem_zalloc(sizeof(*cfg), destructor);
	if (!cfg)
		return ENOMEM;

	/* defaults */
	cfg->transports    = CFG_TP_UDP | CFG_TP_TCP;
	cfg->sip_expires   = 600;
	cfg->sip_keepalive = 120;
	cfg->tls_verify    = true;
	cfg->max_message_size = 32 * 1024;
	cfg->ack_timeout   = 5000;
	cfg->retry_after   = 30;
	cfg->max_pending   = 256;
	cfg->udp_rcvbuf    = 1u << 20;
	cfg->msrp_max_size = 256ull << 20;
	cfg->msrp_connect_timeout = 30;
	cfg->msrp_idle_timeout    = 60;
	e  = str_dup(&cfg->state_dir, "/var/lib/sippushd");
	e |= str_dup(&cfg->ipc_socket, "/run/sippushd/sippushd.sock");
	e |= str_dup(&cfg->path, name);
	if (e) {
		e = ENOMEM;
		goto out;
	}

	if (err && errsz)
		err[0] = '\0';

	memset(&ps, 0, sizeof(ps));
	ps.cfg   = cfg;
	ps.name  = name;
	ps.err   = err;
	ps.errsz = errsz;

	for (const char *p = buf; p < end; ) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct pl line;

		line.p = p;
		line.l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		++ps.line;

		if (memchr(line.p, '\0', line.l)) {
			e = fail(&ps, "-", "NUL byte in file");
			goto out;
		}

		e = parse_line(&ps, line);
		if (e)
			goto out;

		p = nl ? nl + 1 : end;
	}

	e = check_whole(&ps);

 out:
	if (e && err && errsz && !err[0])
		(void)re_snprintf(err, errsz, "%s: %m", name, e);
	if (e)
		mem_deref(cfg);
	else
		*cfgp = cfg;

	return e;
}


/**
 * Load and check a configuration file.
 */
int config_load(struct config **cfgp, const char *path, char *err,
		size_t errsz)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int e;

	if (!cfgp || !path)
		return EINVAL;

	f = fopen(path, "r");
	if (!f) {
		e = errno;
		(void)re_snprintf(err, errsz, "%s: cannot open: %m", path, e);
		return e;
	}

	buf = mem_alloc(CONFIG_FILE_MAX + 1, NULL);
	if (!buf) {
		e = ENOMEM;
		goto out;
	}

	len = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f)) {
		e = EIO;
		(void)re_snprintf(err, errsz, "%s: read error", path);
		goto out;
	}
	if (len > CONFIG_FILE_MAX) {
		e = EFBIG;
		(void)re_snprintf(err, errsz, "%s: larger than %u bytes",
				  path, CONFIG_FILE_MAX);
		goto out;
	}

	e = config_parse(cfgp, path, buf, len, err, errsz);

 out:
	fclose(f);
	mem_deref(buf);
	return e;
}


static bool streq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}


/** True if a reload needs no new SIP stack or registration. */
bool config_sip_equal(const struct config *a, const struct config *b)
{
	return streq(a->sip_aor, b->sip_aor) &&
		streq(a->sip_registrar, b->sip_registrar) &&
		streq(a->sip_auth_user, b->sip_auth_user) &&
		streq(a->sip_auth_pass, b->sip_auth_pass) &&
		streq(a->sip_listen, b->sip_listen) &&
		a->transports == b->transports &&
		a->sip_expires == b->sip_expires &&
		a->sip_keepalive == b->sip_keepalive &&
		streq(a->sip_instance, b->sip_instance) &&
		streq(a->state_dir, b->state_dir) &&
		streq(a->tls_ca_file, b->tls_ca_file) &&
		streq(a->tls_cert_file, b->tls_cert_file) &&
		streq(a->tls_host, b->tls_host) &&
		streq(a->msrp_listen, b->msrp_listen) &&
		streq(a->msrp_relay, b->msrp_relay) &&
		streq(a->msrp_relay_user, b->msrp_relay_user) &&
		streq(a->msrp_relay_pass, b->msrp_relay_pass) &&
		a->tls_verify == b->tls_verify &&
		a->udp_rcvbuf == b->udp_rcvbuf;
}
