/* imdnsend.c: sends IMDN notifications (RFC 5438) as MESSAGEs through the core, kept on disk and retried until answered. */
#include <string.h>
#include <time.h>
#include <re.h>
#include "autoconf.h"
#include "backoff.h"
#include "cpim.h"
#include "route.h"
#include "uac.h"
#include "store.h"
#include "imdnsend.h"

#define DEBUG_MODULE "imdnsend"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * One notification is in flight at a time, in the order they were
 * queued: they are few (one or two per push that asks), and one at a
 * time bounds what the core sees from us after an outage.
 *
 * A notification is written to the store only when its first attempt
 * fails (or the daemon stops before the answer): the usual case, answered
 * at once, costs no flash write. What is in the store is sent again
 * after a restart, with the same back-off, until max_age.
 */

enum {
	MAX_DFL     = 256,
	AGE_DFL     = 86400,
	RETRY_BASE  = 2000,
	RETRY_MAX   = 600000,
	MAX_AUTH    = 1,
	KEY_LEN     = 4,
};

static const char key[] = "imdn";

struct notif {
	struct le le;
	struct store_rec *rec;    /* set once stored (referenced) */
	char *to;
	struct mbuf *body;        /* the CPIM wrapper */
	uint64_t queued;          /* Unix time, s */
	char what[96];            /* for log lines */
};

struct imdnsend {
	struct sip *sip;
	struct store *st;
	struct list q;
	struct tmr tmr;
	struct notif *cur;        /* in flight */
	struct sip_dialog *dlg;
	struct sip_request *req;
	struct sip_auth *auth;
	char *aor;
	struct route_set *routes;   /* shared with the daemon (route.c) */
	struct uac_cred *cred;
	uint32_t max;
	uint32_t max_age;
	uint32_t retry_base;
	uint32_t retry_max;
	uint32_t failc;           /* of the head of the queue */
	uint32_t authc;
	uint32_t sent;
	uint32_t dropped;
	bool closing;
};


static void kick(struct imdnsend *is);


static void notif_destructor(void *arg)
{
	struct notif *n = arg;

	list_unlink(&n->le);
	mem_deref(n->rec);
	mem_deref(n->to);
	mem_deref(n->body);
}


static int persist(struct imdnsend *is, struct notif *n)
{
	struct store_item it;
	struct store_rec *rec = NULL;
	char meta[600];
	int len, err;

	if (n->rec || !is->st)
		return 0;

	len = re_snprintf(meta, sizeof(meta), "To: %s\r\nWhat: %s\r\n",
			  n->to, n->what);
	if (len < 0)
		return EOVERFLOW;

	memset(&it, 0, sizeof(it));
	it.key     = key;
	it.expires = n->queued + is->max_age;
	it.meta    = meta;
	it.metalen = (size_t)len;
	it.body    = n->body->buf;
	it.len     = n->body->end;

	err = store_put(is->st, &it, NULL, &rec);
	if (err) {
		DEBUG_WARNING("%s: cannot keep it on disk: %m\n", n->what,
			      err);
		return err;
	}

	n->rec = mem_ref(rec);
	return 0;
}


static void finish(struct imdnsend *is, struct notif *n, bool sent)
{
	if (sent)
		++is->sent;
	else
		++is->dropped;

	if (n->rec)
		store_del(n->rec);
	is->cur = NULL;
	is->failc = 0;
	mem_deref(n);
}


static bool retryable(uint16_t scode)
{
	switch (scode) {
	case 0:      /* no answer, transport error */
	case 408:
	case 480:
	case 500:
	case 503:
	case 504:
		return true;
	default:
		return false;
	}
}


static void tmr_handler(void *arg)
{
	kick(arg);
}


static void retry_later(struct imdnsend *is, struct notif *n,
			uint16_t scode, const char *reason)
{
	uint64_t delay, now = (uint64_t)time(NULL);

	is->cur = NULL;
	++is->failc;

	if (now >= n->queued + is->max_age) {
		DEBUG_WARNING("%s: not delivered after %u s (last: %u %s); "
			      "dropped\n", n->what, is->max_age, scode,
			      reason);
		is->failc = 0;
		finish(is, n, false);
		kick(is);
		return;
	}

	(void)persist(is, n);

	delay = backoff_delay(is->failc, is->retry_base, is->retry_max,
			      rand_u16());
	DEBUG_NOTICE("%s: %u %s; again in %llu ms\n", n->what, scode, reason,
		     delay);
	tmr_start(&is->tmr, delay, tmr_handler, is);
}


static int send_notif(struct imdnsend *is, struct notif *n);


static void response_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct imdnsend *is = arg;
	struct notif *n = is->cur;
	uint16_t scode = msg ? msg->scode : 0;
	char reason[64];

	if (msg && scode < 200)
		return;

	is->req = mem_deref(is->req);
	if (!n)
		return;

	if (msg)
		(void)pl_strcpy(&msg->reason, reason, sizeof(reason));
	else
		(void)re_snprintf(reason, sizeof(reason), "%m", err);

	if (scode >= 200 && scode < 300) {
		DEBUG_INFO("%s: sent (%u %s)\n", n->what, scode, reason);
		is->dlg = mem_deref(is->dlg);
		finish(is, n, true);
		kick(is);
		return;
	}

	if ((scode == 401 || scode == 407) && is->cred &&
	    is->authc < MAX_AUTH && !sip_auth_authenticate(is->auth, msg)) {
		++is->authc;
		if (!send_notif(is, n))
			return;
	}

	is->dlg = mem_deref(is->dlg);

	if (retryable(scode)) {
		retry_later(is, n, scode, reason);
		return;
	}

	DEBUG_WARNING("%s: refused by %s (%u %s); dropped\n", n->what, n->to,
		      scode, reason);
	finish(is, n, false);
	kick(is);
}


static int send_notif(struct imdnsend *is, struct notif *n)
{
	return sip_drequestf(&is->req, is->sip, true, "MESSAGE", is->dlg, 0,
			     is->auth, NULL, response_handler, is,
			     "Content-Type: message/cpim\r\n"
			     "Content-Length: %zu\r\n"
			     "\r\n"
			     "%b",
			     n->body->end, n->body->buf, n->body->end);
}


static void kick(struct imdnsend *is)
{
	struct notif *n;
	int err;

	if (is->cur || is->closing || tmr_isrunning(&is->tmr))
		return;

	n = list_ledata(list_head(&is->q));
	if (!n)
		return;

	is->cur = n;
	is->authc = 0;
	sip_auth_reset(is->auth);
	err = sip_dialog_alloc(&is->dlg, n->to, n->to, NULL, is->aor,
			       route_set_v(is->routes),
			       route_set_count(is->routes));
	if (!err)
		err = send_notif(is, n);
	if (err) {
		is->dlg = mem_deref(is->dlg);
		if (err == EINVAL) {
			DEBUG_WARNING("%s: cannot send to %s: %m; dropped\n",
				      n->what, n->to, err);
			finish(is, n, false);
			kick(is);
			return;
		}
		retry_later(is, n, 0, "cannot send");
	}
}


static void destructor(void *arg)
{
	struct imdnsend *is = arg;
	struct le *le;

	is->closing = true;
	tmr_cancel(&is->tmr);
	mem_deref(is->req);
	mem_deref(is->dlg);

	/* a clean stop keeps what was not answered yet */
	for (le = list_head(&is->q); le; le = le->next)
		(void)persist(is, le->data);

	list_flush(&is->q);
	mem_deref(is->st);
	mem_deref(is->auth);
	mem_deref(is->aor);
	mem_deref(is->routes);
	mem_deref(is->cred);
	mem_deref(is->sip);
}



/* The records a previous run could not send, in their order. */
static void load(struct imdnsend *is)
{
	struct store_rec *r, *next;
	uint64_t now = (uint64_t)time(NULL);

	(void)store_expire(is->st, now, NULL);

	for (r = store_first(is->st, key); r; r = next) {
		struct mbuf *meta = NULL, *body = NULL;
		struct pl to, what;
		struct notif *n;

		next = store_next(r);

		if (store_read(r, &meta, &body, NULL) || !body ||
		    re_regex((char *)meta->buf, meta->end,
			     "To: [^\r]+\r\nWhat: [^\r]+\r\n", &to, &what)) {
			DEBUG_WARNING("unreadable notification %llu removed\n",
				      (unsigned long long)store_rec_seq(r));
			store_del(r);
			goto next;
		}

		n = mem_zalloc(sizeof(*n), notif_destructor);
		if (!n || pl_strdup(&n->to, &to)) {
			mem_deref(n);
			goto next;
		}
		n->body   = mem_ref(body);
		n->rec    = mem_ref(r);
		n->queued = store_rec_arrived(r) / 1000;
		(void)pl_strcpy(&what, n->what, sizeof(n->what));
		list_append(&is->q, &n->le, n);

	next:
		mem_deref(meta);
		mem_deref(body);
	}

	if (!list_isempty(&is->q))
		DEBUG_INFO("%u notification(s) from the last run to send\n",
			   list_count(&is->q));
}


/**
 * Start the sender; notifications a previous run left are sent at once.
 *
 * @param isp   Pointer to allocated sender
 * @param sip   SIP stack
 * @param conf  Identity, route, credentials, store, bounds
 *
 * @return 0 if success, otherwise errorcode
 */
int imdnsend_alloc(struct imdnsend **isp, struct sip *sip,
		   const struct imdnsend_conf *conf)
{
	struct imdnsend *is;
	int err = 0;

	if (!isp || !sip || !conf || !conf->aor || !conf->registrar ||
	    !conf->dir)
		return EINVAL;

	is = mem_zalloc(sizeof(*is), destructor);
	if (!is)
		return ENOMEM;

	tmr_init(&is->tmr);
	list_init(&is->q);
	is->sip        = mem_ref(sip);
	is->max        = conf->max ? conf->max : MAX_DFL;
	is->max_age    = conf->max_age ? conf->max_age : AGE_DFL;
	is->retry_base = conf->retry_base ? conf->retry_base : RETRY_BASE;
	is->retry_max  = conf->retry_max ? conf->retry_max : RETRY_MAX;

	if (conf->routes)
		is->routes = mem_ref(conf->routes);
	else
		err = route_set_alloc(&is->routes, conf->registrar, NULL);
	if (err)
		goto out;

	err  = str_dup(&is->aor, conf->aor);
	err |= uac_cred_alloc(&is->cred, conf->auth_user,
			      conf->auth_pass);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	err = sip_auth_alloc(&is->auth, uac_auth_handler, is->cred, false);
	if (err)
		goto out;

	err = store_alloc(&is->st, conf->dir, key, is->max);
	if (err) {
		DEBUG_WARNING("store %s: %m\n", conf->dir, err);
		goto out;
	}

	load(is);
	kick(is);

 out:
	if (err)
		mem_deref(is);
	else
		*isp = is;

	return err;
}


static void now_rfc3339(char *buf, size_t sz)
{
	time_t t = time(NULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, sz, "%Y-%m-%dT%H:%M:%SZ", &tm))
		str_ncpy(buf, "1970-01-01T00:00:00Z", sz);
}


static int build(struct notif *n, const char *aor,
		 const struct imdnsend_req *rq)
{
	struct imdn im;
	struct cpim_out o;
	struct mbuf *xml;
	char now[32], id[20];
	int err;

	memset(&im, 0, sizeof(im));
	now_rfc3339(now, sizeof(now));
	str_ncpy(im.msgid, rq->msgid, sizeof(im.msgid));
	str_ncpy(im.datetime, rq->datetime ? rq->datetime : now,
		 sizeof(im.datetime));
	str_ncpy(im.recipient, aor, sizeof(im.recipient));
	im.kind   = rq->kind;
	im.status = rq->status;
	im.code   = rq->code;
	if (rq->reason)
		str_ncpy(im.reason, rq->reason, sizeof(im.reason));

	xml = mbuf_alloc(512);
	n->body = mbuf_alloc(1024);
	if (!xml || !n->body) {
		mem_deref(xml);
		return ENOMEM;
	}

	err = mbuf_printf(xml, "%H", imdn_encode, &im);
	if (err)
		goto out;

	/* our own Message-ID for the notification (RFC 5438 §7.1.1) */
	(void)re_snprintf(id, sizeof(id), "%016llx",
			  (unsigned long long)rand_u64());

	memset(&o, 0, sizeof(o));
	o.from        = aor;
	o.to          = rq->to;
	o.datetime    = now;
	o.imdn_msgid  = id;
	o.ctype       = "message/imdn+xml";
	o.disposition = "notification";
	o.body        = xml->buf;
	o.len         = xml->end;

	err = mbuf_printf(n->body, "%H", cpim_encode, &o);

 out:
	mem_deref(xml);
	return err ? EINVAL : 0;
}


/**
 * Queue one notification; it goes out at once if nothing is in flight.
 *
 * @param is  Sender
 * @param rq  What to say to whom
 *
 * @return 0 if queued, EINVAL for a notification that cannot be written
 *         (bad Message-ID, URI, date, status for its kind), ENOSPC when
 *         max are pending already (refused early, logged by the caller)
 */
int imdnsend_queue(struct imdnsend *is, const struct imdnsend_req *rq)
{
	struct notif *n;
	struct uri uri;
	struct pl pl;
	int err;

	if (!is || !rq || !rq->to || !rq->msgid)
		return EINVAL;

	pl_set_str(&pl, rq->to);
	if (uri_decode(&uri, &pl) || strlen(rq->to) > IMDN_URI_MAX ||
	    strpbrk(rq->to, "<>\"\r\n "))
		return EINVAL;

	n = mem_zalloc(sizeof(*n), notif_destructor);
	if (!n)
		return ENOMEM;

	n->queued = (uint64_t)time(NULL);
	(void)re_snprintf(n->what, sizeof(n->what), "IMDN %s/%s for %s",
			  imdn_kind_name(rq->kind),
			  imdn_status_name(rq->status), rq->msgid);

	err = str_dup(&n->to, rq->to);
	if (!err)
		err = build(n, is->aor, rq);
	if (!err && list_count(&is->q) >= is->max)
		err = ENOSPC;
	if (err) {
		mem_deref(n);
		return err;
	}

	list_append(&is->q, &n->le, n);
	kick(is);

	return 0;
}


/**
 * Send as another identity from now on (a reload changed sip_aor or the
 * credentials): the From and CPIM From of the notifications queued from
 * now on, and the credentials of every request, also of those already
 * queued (the old identity is no longer registered). A request in
 * flight keeps its From; its challenge is answered with the new
 * credentials.
 *
 * @return 0 if success, otherwise errorcode (the old identity stays)
 */
int imdnsend_set_identity(struct imdnsend *is, const char *aor,
			  const char *auth_user, const char *auth_pass)
{
	struct uac_cred *cred = NULL;
	struct sip_auth *auth = NULL;
	char *a = NULL;
	int err;

	if (!is || !aor)
		return EINVAL;

	err  = str_dup(&a, aor);
	err |= uac_cred_alloc(&cred, auth_user, auth_pass);
	if (!err)
		err = sip_auth_alloc(&auth, uac_auth_handler, cred, false);
	if (err) {
		mem_deref(a);
		mem_deref(cred);
		mem_deref(auth);
		return err;
	}

	/* libre reads the auth object only while it encodes a request or
	 * answers a challenge, both from here: swapping it is safe */
	mem_deref(is->aor);
	mem_deref(is->auth);
	mem_deref(is->cred);
	is->aor  = a;
	is->auth = auth;
	is->cred = cred;

	return 0;
}


/** Follow another route set from now on (a new registration's). */
void imdnsend_set_routes(struct imdnsend *is, struct route_set *routes)
{
	if (!is || !routes)
		return;

	mem_deref(is->routes);
	is->routes = mem_ref(routes);
}


uint32_t imdnsend_pending(const struct imdnsend *is)
{
	return is ? list_count(&is->q) : 0;
}


uint32_t imdnsend_sent(const struct imdnsend *is)
{
	return is ? is->sent : 0;
}


uint32_t imdnsend_dropped(const struct imdnsend *is)
{
	return is ? is->dropped : 0;
}


int imdnsend_status(struct re_printf *pf, const struct imdnsend *is)
{
	if (!is)
		return 0;

	return re_hprintf(pf, "imdn: %u pending (%u on disk), %u sent, "
			  "%u dropped\n", list_count(&is->q),
			  store_total(is->st), is->sent, is->dropped);
}
