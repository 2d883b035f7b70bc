/* msrprelay.c: the MSRP relay client (RFC 4976): AUTH to our relay, keep its Use-Path. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "msrp.h"
#include "backoff.h"
#include "msrpsess.h"
#include "msrprelay.h"

#define DEBUG_MODULE "msrprelay"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * One connection to the relay, shared by every relay session (src/msrpsess/
 * owns its framing). On it: AUTH without credentials, the 401's Digest
 * challenge answered with Authorization (RFC 4976 §5.1, digest-uri = the
 * relay URI of the To-Path), and the 200's Use-Path and Expires. The
 * Use-Path then goes in front of our URI in every a=path we answer.
 *
 * Before Expires runs out the whole exchange is done again on the same
 * connection (a fresh nonce each time: stale ones need no special case).
 * Any failure drops the connection, and with it the relay sessions, and
 * tries again after a growing delay. Each state change is logged once.
 */

enum {
	AUTH_TIMEOUT_MS = 10000,   /* connect + AUTH round trips */
	RETRY_BASE_MS   = 1000,
	RETRY_MAX_MS    = 60000,
	EXPIRES_MIN     = 3,       /* s; below that refreshing would spin */
};

enum rstate {
	R_IDLE,          /* waiting to (re)connect */
	R_CONNECTING,
	R_CHALLENGE,     /* AUTH without credentials sent */
	R_AUTH,          /* AUTH with Authorization sent */
	R_READY,
};

struct msrprelay {
	struct msrpsock *ms;
	struct msrplink *link;
	struct tmr tmr;
	char *uri;                 /* To-Path of our AUTH, with ";tcp" */
	char *user;
	char *pass;
	char from[MSRP_PATH_MAX + 1];
	char tid[MSRP_TID_MAX + 1];
	char use_path[MSRP_PATH_MAX + 1];
	enum rstate st;
	uint32_t failc;
	uint32_t nc;               /* digest nonce count */
	bool up;                   /* last logged state */
	bool down_logged;
};


static void relay_connect(void *arg);


static void destructor(void *arg)
{
	struct msrprelay *r = arg;

	tmr_cancel(&r->tmr);
	(void)msrpsock_set_relay(r->ms, NULL, NULL);
	mem_deref(r->link);
	mem_deref(r->uri);
	mem_deref(r->user);
	mem_deref(r->pass);
}


static void relay_fail(struct msrprelay *r, int err, const char *why)
{
	uint64_t delay;

	tmr_cancel(&r->tmr);
	(void)msrpsock_set_relay(r->ms, NULL, NULL);
	r->link = mem_deref(r->link);
	r->st = R_IDLE;

	delay = backoff_delay(++r->failc, RETRY_BASE_MS, RETRY_MAX_MS,
			      rand_u16());

	/* once per change of state, not once per retry */
	if (r->up || !r->down_logged) {
		DEBUG_WARNING("relay %s unusable: %s (%m); retrying\n",
			      r->uri, why, err);
		r->down_logged = true;
	}
	else {
		DEBUG_INFO("relay %s: %s (%m); next try in %llu ms\n", r->uri,
			   why, err, delay);
	}
	r->up = false;

	tmr_start(&r->tmr, delay, relay_connect, r);
}


static void auth_timeout(void *arg)
{
	struct msrprelay *r = arg;

	relay_fail(r, ETIMEDOUT, "no answer to AUTH");
}


static int md5_hex(char *hex, const uint8_t *md)
{
	return re_snprintf(hex, MD5_STR_SIZE, "%w", md, (size_t)MD5_SIZE) < 0 ?
		ENOMEM : 0;
}


/* RFC 2617 digest over method "AUTH" and the relay URI (RFC 4976 §5.1) */
static int authz_make(struct msrprelay *r, const char *www, char *out,
		      size_t sz)
{
	struct httpauth_digest_chall ch;
	char ha1[MD5_STR_SIZE], ha2[MD5_STR_SIZE], resp[MD5_STR_SIZE];
	char cnonce[17];
	uint8_t md[MD5_SIZE];
	struct pl v;
	bool qop;
	int err;

	pl_set_str(&v, www);
	err = httpauth_digest_challenge_decode(&ch, &v);
	if (err)
		return EBADMSG;

	/* only MD5 (the RFC 2617 default) is done here */
	if (pl_isset(&ch.algorithm) && pl_strcasecmp(&ch.algorithm, "MD5"))
		return ENOTSUP;

	qop = pl_isset(&ch.qop) && re_regex(ch.qop.p, ch.qop.l,
					    "auth[^-]*", NULL) == 0;

	err  = md5_printf(md, "%s:%r:%s", r->user, &ch.realm, r->pass);
	err |= md5_hex(ha1, md);
	err |= md5_printf(md, "AUTH:%s", r->uri);
	err |= md5_hex(ha2, md);
	if (err)
		return ENOMEM;

	(void)re_snprintf(cnonce, sizeof(cnonce), "%016llx", rand_u64());
	++r->nc;

	if (qop)
		err = md5_printf(md, "%s:%r:%08x:%s:auth:%s", ha1, &ch.nonce,
				 r->nc, cnonce, ha2);
	else
		err = md5_printf(md, "%s:%r:%s", ha1, &ch.nonce, ha2);
	err |= md5_hex(resp, md);
	if (err)
		return ENOMEM;

	if (re_snprintf(out, sz, "Digest username=\"%s\", realm=\"%r\", "
			"nonce=\"%r\", uri=\"%s\", response=\"%s\", "
			"algorithm=MD5%s%r%s",
			r->user, &ch.realm, &ch.nonce, r->uri, resp,
			pl_isset(&ch.opaque) ? ", opaque=\"" : "",
			&ch.opaque, pl_isset(&ch.opaque) ? "\"" : "") < 0)
		return ENOMEM;

	if (qop) {
		size_t n = strlen(out);

		if (re_snprintf(out + n, sz - n, ", qop=auth, nc=%08x, "
				"cnonce=\"%s\"", r->nc, cnonce) < 0)
			return ENOMEM;
	}

	return 0;
}


static int auth_send(struct msrprelay *r, const char *authz)
{
	struct mbuf *mb;
	int err;

	mb = mbuf_alloc(1024);
	if (!mb)
		return ENOMEM;

	msrp_tid_make(r->tid, sizeof(r->tid));
	err = msrp_auth_encode(mb, r->tid, r->uri, r->from, authz, 0);
	if (!err)
		err = msrplink_send(r->link, mb);

	mem_deref(mb);

	if (!err) {
		r->st = authz ? R_AUTH : R_CHALLENGE;
		tmr_start(&r->tmr, AUTH_TIMEOUT_MS, auth_timeout, r);
	}

	return err;
}


static void refresh(void *arg)
{
	struct msrprelay *r = arg;
	int err;

	err = auth_send(r, NULL);
	if (err)
		relay_fail(r, err, "cannot send AUTH refresh");
}


static void ready(struct msrprelay *r, const struct msrp_msg *msg)
{
	uint32_t expires = msg->has_expires ? msg->expires : 0;
	bool changed;
	int err;

	if (!msg->use_path[0] || !msrp_path_valid(msg->use_path)) {
		relay_fail(r, EPROTO, "200 to AUTH without a usable Use-Path");
		return;
	}
	if (expires < EXPIRES_MIN) {
		relay_fail(r, EPROTO, "200 to AUTH without a usable Expires");
		return;
	}

	err = msrpsock_set_relay(r->ms, r->link, msg->use_path);
	if (err) {
		relay_fail(r, err, "out of memory");
		return;
	}

	changed = strcmp(r->use_path, msg->use_path) != 0;
	str_ncpy(r->use_path, msg->use_path, sizeof(r->use_path));

	if (!r->up || changed) {
		DEBUG_NOTICE("relay %s ready: Use-Path %s, expires %u s\n",
			     r->uri, r->use_path, expires);
	}
	else {
		DEBUG_INFO("relay %s: AUTH refreshed, expires %u s\n", r->uri,
			   expires);
	}

	r->up = true;
	r->down_logged = false;
	r->failc = 0;
	r->st = R_READY;

	/* at two thirds: a lost or slow refresh still has time */
	tmr_start(&r->tmr, (uint64_t)expires * 1000 * 2 / 3, refresh, r);
}


static void resp_handler(const struct msrp_msg *msg, void *arg)
{
	struct msrprelay *r = arg;
	char authz[1024];
	int err;

	if (strcmp(msg->tid, r->tid) ||
	    (r->st != R_CHALLENGE && r->st != R_AUTH))
		return;   /* not the answer to our AUTH */

	tmr_cancel(&r->tmr);

	switch (msg->scode) {

	case 200:
		ready(r, msg);
		return;

	case 401:
		if (r->st == R_AUTH && !strstr(msg->www_auth, "stale=true") &&
		    !strstr(msg->www_auth, "stale=TRUE")) {
			relay_fail(r, EACCES, "credentials refused");
			return;
		}
		if (!r->user || !r->pass) {
			relay_fail(r, EACCES, "401 and no msrp_relay_user or "
				   "sip_auth_user");
			return;
		}
		if (!msg->www_auth[0]) {
			relay_fail(r, EPROTO, "401 without WWW-Authenticate");
			return;
		}
		err = authz_make(r, msg->www_auth, authz, sizeof(authz));
		if (!err)
			err = auth_send(r, authz);
		if (err)
			relay_fail(r, err, "cannot answer the challenge");
		return;

	default:
		DEBUG_INFO("relay %s: AUTH answered %u %s\n", r->uri,
			   msg->scode, msg->comment);
		relay_fail(r, EPROTO, "AUTH refused");
		return;
	}
}


static void estab_handler(void *arg)
{
	struct msrprelay *r = arg;
	int err;

	DEBUG_INFO("relay %s: connected; AUTH\n", r->uri);

	err = auth_send(r, NULL);
	if (err)
		relay_fail(r, err, "cannot send AUTH");
}


static void close_handler(int err, void *arg)
{
	struct msrprelay *r = arg;

	relay_fail(r, err, "connection lost");
}


static void relay_connect(void *arg)
{
	struct msrprelay *r = arg;
	uint8_t rnd[9];
	int err;

	/* a fresh session-id per connection: the From-Path identifies us to
	 * the relay, not to any peer */
	rand_bytes(rnd, sizeof(rnd));
	(void)re_snprintf(r->from, sizeof(r->from), "%s://%J/%w;tcp",
			  strncasecmp(r->uri, "msrps:", 6) ? "msrp" : "msrps",
			  msrpsock_laddr(r->ms), rnd, sizeof(rnd));
	r->nc = 0;

	err = msrplink_connect(&r->link, r->ms, r->uri, estab_handler,
			       resp_handler, close_handler, r);
	if (err) {
		relay_fail(r, err, "cannot connect");
		return;
	}

	r->st = R_CONNECTING;
	tmr_start(&r->tmr, AUTH_TIMEOUT_MS, auth_timeout, r);
}


/**
 * Start the relay client: connect and AUTH now, keep it up from then on.
 * Until the relay has answered 200 no session can go through it
 * (msrpsock_relay_path() is NULL).
 */
int msrprelay_alloc(struct msrprelay **rp, struct msrpsock *ms,
		    const struct msrprelay_conf *conf)
{
	struct msrprelay *r;
	size_t n;
	int err;

	if (!rp || !ms || !conf || !conf->uri)
		return EINVAL;

	r = mem_zalloc(sizeof(*r), destructor);
	if (!r)
		return ENOMEM;

	tmr_init(&r->tmr);
	r->ms = ms;

	/* RFC 4975 URIs carry the transport: the relay's has no session */
	n = strlen(conf->uri);
	if (n > 4 && !strcasecmp(conf->uri + n - 4, ";tcp"))
		err = str_dup(&r->uri, conf->uri);
	else
		err = re_sdprintf(&r->uri, "%s;tcp", conf->uri);
	if (conf->user)
		err |= str_dup(&r->user, conf->user);
	if (conf->pass)
		err |= str_dup(&r->pass, conf->pass);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	if (!msrp_uri_valid(r->uri)) {
		DEBUG_WARNING("msrp_relay %s is not an MSRP URI\n", r->uri);
		err = EINVAL;
		goto out;
	}

	relay_connect(r);

 out:
	if (err)
		mem_deref(r);
	else
		*rp = r;

	return err;
}
