/* publish.c: publishes our push capabilities to the core's presence server (RFC 3903 PUBLISH, PIDF). */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "backoff.h"
#include "route.h"
#include "uac.h"
#include "publish.h"

#define DEBUG_MODULE "publish"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * RFC 3903 §4: the first PUBLISH carries the document and gets an
 * entity tag; a refresh carries only SIP-If-Match and Expires; a changed
 * document goes with SIP-If-Match too. A 412 means the server forgot the
 * tag: start over with the full document. Like the reg-event
 * subscription, a core that does not take PUBLISH for presence (489,
 * 404, 405, 501, 403) is asked once per start and never again.
 * publish_remove() ends the publication (§4.5: Expires: 0 with the tag).
 *
 * The route set is read at every request: when it changed (a new
 * Service-Route, another outbound proxy) the next PUBLISH goes in a new
 * dialog on the new route; the entity tag stays ours (§4.1: it names
 * the publication, not the dialog).
 */

enum {
	EXPIRES_DFL = 3600,
	RETRY_BASE  = 30000,
	RETRY_MAX   = 3600000,
	ETAG_MAX    = 128,
	MAX_412     = 1,
	MAX_423     = 2,
	MAX_AUTH    = 1,
	REFRESH_PCT = 90,
};

struct publish {
	struct sip *sip;
	struct sip_dialog *dlg;
	struct sip_auth *auth;
	struct sip_request *req;
	struct tmr tmr;
	char *aor;
	struct route_set *routes;   /* shared with the daemon (route.c) */
	struct uac_cred *cred;
	char *rkey;                 /* the route set the dialog was made on */
	publish_done_h *doneh;      /* publish_remove() answered */
	void *done_arg;
	char etag[ETAG_MAX + 1];
	uint32_t expires;
	uint32_t retry_base;
	uint32_t retry_max;
	uint32_t failc;
	uint32_t c412, c423, authc;
	uint32_t sent;
	bool full;                 /* the request out carries the document */
	bool again;                /* publish_now() while one was out */
	bool removing;             /* Expires: 0 out, nothing more after */
	enum publish_state state;
	publish_body_h *bodyh;
	void *arg;
};


static int send_publish(struct publish *p, bool full);


const char *publish_state_name(enum publish_state st)
{
	switch (st) {
	case PUBLISH_IDLE:        return "idle";
	case PUBLISH_SENDING:     return "sending";
	case PUBLISH_PUBLISHED:   return "published";
	case PUBLISH_RETRYING:    return "retrying";
	case PUBLISH_UNSUPPORTED: return "unsupported";
	default:                  return "?";
	}
}


static void set_state(struct publish *p, enum publish_state st)
{
	if (p->state == st)
		return;

	p->state = st;
	DEBUG_INFO("capabilities %s\n", publish_state_name(st));
}


static void destructor(void *arg)
{
	struct publish *p = arg;

	tmr_cancel(&p->tmr);
	mem_deref(p->req);
	mem_deref(p->dlg);
	mem_deref(p->auth);
	mem_deref(p->aor);
	mem_deref(p->routes);
	mem_deref(p->cred);
	mem_deref(p->rkey);
	mem_deref(p->sip);
}


static void tmr_handler(void *arg)
{
	struct publish *p = arg;
	int err;

	/* a refresh when we hold a tag, else the whole document */
	err = send_publish(p, p->etag[0] == '\0');
	if (err) {
		++p->failc;
		DEBUG_WARNING("cannot PUBLISH: %m\n", err);
		set_state(p, PUBLISH_RETRYING);
		tmr_start(&p->tmr, backoff_delay(p->failc, p->retry_base,
						 p->retry_max, rand_u16()),
			  tmr_handler, p);
	}
}



/* The answer to our Expires: 0: the publication is gone either way
 * (a failure leaves it to expire on the server) */
static void removed(struct publish *p, uint16_t scode)
{
	publish_done_h *h = p->doneh;

	p->doneh = NULL;
	p->etag[0] = '\0';
	set_state(p, PUBLISH_IDLE);

	if (scode >= 200 && scode < 300)
		DEBUG_INFO("publication removed\n");
	else
		DEBUG_NOTICE("publication not removed (%u); it expires on "
			     "the server\n", scode);

	if (h)
		h(p->done_arg);
}


static void response_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct publish *p = arg;
	const struct sip_hdr *h;
	uint16_t scode = msg ? msg->scode : 0;
	uint32_t granted;
	uint64_t delay;

	if (msg && scode < 200)
		return;

	p->req = mem_deref(p->req);

	if (p->removing) {
		if ((scode == 401 || scode == 407) && p->cred &&
		    p->authc < MAX_AUTH &&
		    !sip_auth_authenticate(p->auth, msg)) {
			++p->authc;
			if (!send_publish(p, false))
				return;
		}
		removed(p, scode);
		return;
	}

	if (scode >= 200 && scode < 300) {
		h = sip_msg_hdr(msg, SIP_HDR_SIP_ETAG);
		if (h && h->val.l && h->val.l <= ETAG_MAX)
			(void)pl_strcpy(&h->val, p->etag, sizeof(p->etag));
		else
			p->etag[0] = '\0';

		granted = pl_isset(&msg->expires) ? pl_u32(&msg->expires) :
			p->expires;
		if (!granted)
			granted = p->expires;

		p->failc = p->c412 = p->c423 = 0;
		set_state(p, PUBLISH_PUBLISHED);

		if (p->again) {
			p->again = false;
			(void)publish_now(p);
			return;
		}

		tmr_start(&p->tmr, (uint64_t)granted * 10 * REFRESH_PCT,
			  tmr_handler, p);
		return;
	}

	switch (scode) {

	case 401:
	case 407:
		if (p->cred && p->authc < MAX_AUTH &&
		    !sip_auth_authenticate(p->auth, msg)) {
			++p->authc;
			if (!send_publish(p, p->full))
				return;
		}
		break;

	case 412:
		/* the server lost our entity: publish it whole again */
		p->etag[0] = '\0';
		if (p->c412++ < MAX_412 && !send_publish(p, true))
			return;
		break;

	case 423:
		h = sip_msg_hdr(msg, SIP_HDR_MIN_EXPIRES);
		if (h && pl_u32(&h->val) && p->c423++ < MAX_423) {
			p->expires = pl_u32(&h->val);
			if (!send_publish(p, p->full))
				return;
		}
		break;

	default:
		if (msg && uac_not_offered(scode)) {
			DEBUG_NOTICE("PUBLISH not taken by the core (%u %r); "
				     "not publishing again\n", scode,
				     &msg->reason);
			set_state(p, PUBLISH_UNSUPPORTED);
			return;
		}
		break;
	}

	++p->failc;
	delay = backoff_delay(p->failc, p->retry_base, p->retry_max,
			      rand_u16());
	if (msg)
		DEBUG_NOTICE("PUBLISH failed (%u %r); again in %llu ms\n",
			     scode, &msg->reason, delay);
	else
		DEBUG_NOTICE("PUBLISH failed (%m); again in %llu ms\n", err,
			     delay);

	/* after a failure the state of our entity is unknown */
	p->etag[0] = '\0';
	set_state(p, PUBLISH_RETRYING);
	tmr_start(&p->tmr, delay, tmr_handler, p);
}


/* The dialog (Call-ID, CSeq, Route) of our PUBLISHes, made again when
 * the route set is not the one it was made on. */
static int dialog_update(struct publish *p)
{
	char *rkey = NULL;
	int err;

	err = re_sdprintf(&rkey, "%H", route_set_print, p->routes);
	if (err)
		return err;

	if (p->dlg && p->rkey && !strcmp(p->rkey, rkey)) {
		mem_deref(rkey);
		return 0;
	}

	p->dlg = mem_deref(p->dlg);
	err = sip_dialog_alloc(&p->dlg, p->aor, p->aor, NULL, p->aor,
			       route_set_v(p->routes),
			       route_set_count(p->routes));
	if (err) {
		mem_deref(rkey);
		return err;
	}

	mem_deref(p->rkey);
	p->rkey = rkey;

	return 0;
}


static int send_publish(struct publish *p, bool full)
{
	struct mbuf *mb = NULL;
	int err;

	err = dialog_update(p);
	if (err)
		return err;

	if (full) {
		mb = mbuf_alloc(1024);
		if (!mb)
			return ENOMEM;
		err = p->bodyh ? p->bodyh(mb, p->arg) : EINVAL;
		if (err)
			goto out;
	}

	p->full = full;
	err = sip_drequestf(&p->req, p->sip, true, "PUBLISH", p->dlg, 0,
			    p->auth, NULL, response_handler, p,
			    "Event: presence\r\n"
			    "Expires: %u\r\n"
			    "%s%s%s"
			    "%s"
			    "Content-Length: %zu\r\n"
			    "\r\n"
			    "%b",
			    p->removing ? 0 : p->expires,
			    p->etag[0] ? "SIP-If-Match: " : "", p->etag,
			    p->etag[0] ? "\r\n" : "",
			    full ? "Content-Type: application/pidf+xml\r\n" :
			    "",
			    mb ? mb->end : (size_t)0,
			    mb ? mb->buf : NULL, mb ? mb->end : (size_t)0);
	if (!err && p->removing) {
		++p->sent;
	}
	else if (!err) {
		++p->sent;
		set_state(p, p->state == PUBLISH_PUBLISHED ?
			  PUBLISH_PUBLISHED : PUBLISH_SENDING);
	}

 out:
	mem_deref(mb);
	return err;
}



/**
 * Prepare publishing; nothing is sent before publish_now().
 *
 * @param pp     Pointer to allocated publisher
 * @param sip    SIP stack
 * @param conf   AOR, route, credentials, timers
 * @param bodyh  Writes the PIDF document (called for every full PUBLISH)
 * @param arg    Handler argument
 *
 * @return 0 if success, otherwise errorcode
 */
int publish_alloc(struct publish **pp, struct sip *sip,
		  const struct publish_conf *conf, publish_body_h *bodyh,
		  void *arg)
{
	struct publish *p;
	int err = 0;

	if (!pp || !sip || !conf || !conf->aor || !conf->registrar || !bodyh)
		return EINVAL;

	p = mem_zalloc(sizeof(*p), destructor);
	if (!p)
		return ENOMEM;

	tmr_init(&p->tmr);
	p->sip        = mem_ref(sip);
	p->expires    = conf->expires ? conf->expires : EXPIRES_DFL;
	p->retry_base = conf->retry_base ? conf->retry_base : RETRY_BASE;
	p->retry_max  = conf->retry_max ? conf->retry_max : RETRY_MAX;
	p->bodyh      = bodyh;
	p->arg        = arg;

	if (conf->routes)
		p->routes = mem_ref(conf->routes);
	else
		err = route_set_alloc(&p->routes, conf->registrar, NULL);
	if (err)
		goto out;

	err  = str_dup(&p->aor, conf->aor);
	err |= uac_cred_alloc(&p->cred, conf->auth_user,
			      conf->auth_pass);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	err = sip_auth_alloc(&p->auth, uac_auth_handler, p->cred, false);

 out:
	if (err)
		mem_deref(p);
	else
		*pp = p;

	return err;
}


/**
 * Publish the document now (registered, or the capabilities changed).
 *
 * @return 0 if success (or nothing to do), otherwise errorcode
 */
int publish_now(struct publish *p)
{
	int err;

	if (!p)
		return EINVAL;

	if (p->state == PUBLISH_UNSUPPORTED || p->removing)
		return 0;

	if (p->req) {
		p->again = true;
		return 0;
	}

	tmr_cancel(&p->tmr);
	p->authc = p->c412 = p->c423 = 0;
	sip_auth_reset(p->auth);

	err = send_publish(p, true);
	if (err) {
		++p->failc;
		set_state(p, PUBLISH_RETRYING);
		tmr_start(&p->tmr, backoff_delay(p->failc, p->retry_base,
						 p->retry_max, rand_u16()),
			  tmr_handler, p);
	}

	return err;
}


enum publish_state publish_state(const struct publish *p)
{
	return p ? p->state : PUBLISH_IDLE;
}


uint32_t publish_sent(const struct publish *p)
{
	return p ? p->sent : 0;
}


/**
 * Follow another route set (the registration's, made again).
 *
 * @param p       Publisher
 * @param routes  Route set (route.c); the next PUBLISH goes on it
 */
void publish_set_routes(struct publish *p, struct route_set *routes)
{
	if (!p || !routes || routes == p->routes)
		return;

	mem_deref(p->routes);
	p->routes = mem_ref(routes);
}


/**
 * End the publication (RFC 3903 §4.5: Expires: 0 with our entity tag),
 * e.g. at shutdown; nothing is published after it.
 *
 * @param p      Publisher
 * @param doneh  Called once when it is answered (or failed)
 * @param arg    Handler argument
 *
 * @return 0 if the removal is out (doneh will be called), ENOENT if
 *         nothing is published, otherwise errorcode
 */
int publish_remove(struct publish *p, publish_done_h *doneh, void *arg)
{
	int err;

	if (!p)
		return EINVAL;

	if (p->removing)
		return EALREADY;

	tmr_cancel(&p->tmr);
	p->again = false;

	/* a PUBLISH still out may be the one that gets the tag: cut it
	 * off; without a tag the server's copy simply expires */
	p->req = mem_deref(p->req);
	if (!p->etag[0]) {
		set_state(p, PUBLISH_IDLE);
		p->removing = true;
		return ENOENT;
	}

	p->removing = true;
	p->authc    = 0;
	sip_auth_reset(p->auth);
	p->doneh    = doneh;
	p->done_arg = arg;

	err = send_publish(p, false);
	if (err) {
		p->doneh = NULL;
		set_state(p, PUBLISH_IDLE);
	}

	return err;
}
