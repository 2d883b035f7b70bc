/* pager.c: pager-mode push: a SIP MESSAGE in, checked, routed, delivered, answered. */
#include <string.h>
#include <time.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "appid.h"
#include "appset.h"
#include "admit.h"
#include "absent.h"
#include "dedup.h"
#include "push.h"
#include "router.h"
#include "deliver.h"
#include "pushreq.h"
#include "pushmeta.h"
#include "sipreply.h"
#include "pager.h"

#define DEBUG_MODULE "pager"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * One direction: MESSAGE in -> checks -> authorize -> route -> deliver
 * -> the owner's verdict -> one final response. What the sender sees for
 * each outcome is the table in doc/responses.md.
 *
 * Replies are stateless (sipreply.c: what libre's sip_reply sends) and
 * retransmissions are caught by dedup.c, because libre's server
 * transactions cost ~4.6 KB each for 32 s. While a push waits for its app, a retransmission gets 100 Trying
 * (RFC 3261 §17.2.2); after the verdict, the same final status again.
 */

enum {
	DEDUP_TTL_MS = 32000,   /* 64*T1: how long a UAC retransmits */
	DEDUP_MAX    = 65536,
};

struct pager {
	struct sip_lsnr *lsnr;
	struct sip *sip;
	struct dedup *dd;
	const struct config *cfg;
	struct router *router;
	struct appset *apps;
	struct deliver *dlv;
	pager_dialog_h *dialogh;
	void *arg;
	struct absent *ab;       /* apps that are away; NULL: 480 */
	uint64_t received;
	uint64_t retrans;
	uint64_t rejected;
	uint64_t stored;         /* answered 202 */
	struct list pending;     /* struct pmsg, for shutdown */
};

/* A MESSAGE taken in: the push it carries, kept until its verdict */
struct pmsg {
	struct le le;
	struct pager *pg;
	const struct sip_msg *msg;
	struct dedup_entry *de;
	struct delivery *dl;
	struct activation *act;              /* held for its app to start */
	struct admit ad;                     /* app, sender, route */
	char ctype[PUSHREQ_CTYPE_MAX + 1];
	struct pushmeta meta;                /* the push's fields point here */
	struct route_query q;                /* what the filters look at */
	struct push push;
};


static void pmsg_destructor(void *arg)
{
	struct pmsg *pm = arg;

	list_unlink(&pm->le);
	deliver_cancel(pm->dl);
	activate_cancel(pm->act);
	mem_deref((void *)pm->msg);
}


static void destructor(void *arg)
{
	struct pager *pg = arg;

	mem_deref(pg->lsnr);
	list_flush(&pg->pending);
	mem_deref(pg->dd);
	mem_deref(pg->router);
	mem_deref(pg->apps);
	mem_deref(pg->dlv);
	mem_deref(pg->ab);
	mem_deref((void *)pg->cfg);
}


/* The final answer, with the header fields each status needs. */
static void reply(struct pager *pg, const struct sip_msg *msg,
		  uint16_t scode, const char *reason, const char *accept,
		  const char *accept_enc)
{
	struct admit_reply ar = {scode, pg->cfg->retry_after, accept,
				 accept_enc};
	char *extra = NULL;
	int err;

	err = re_sdprintf(&extra, "%H", admit_reply_hdrs, &ar);
	if (!err)
		err = sipreply_send(pg->sip, msg, scode, reason,
				    SIPREPLY_SOFTWARE, extra);
	mem_deref(extra);

	if (err)
		DEBUG_WARNING("cannot answer %u to %J: %m\n", scode,
			      &msg->src, err);
}


static void verdict(struct pager *pg, const struct sip_msg *msg,
		    struct dedup_entry *de, uint16_t scode,
		    const char *reason, const char *accept,
		    const char *accept_enc)
{
	if (scode == 202) {
		++pg->stored;
	}
	else if (scode >= 300) {
		++pg->rejected;
		DEBUG_NOTICE("MESSAGE %r from %J: %u %s\n", &msg->callid,
			     &msg->src, scode, reason);
	}

	reply(pg, msg, scode, reason, accept, accept_enc);
	dedup_finish(pg->dd, de, scode, reason);
}


static void done_handler(const struct push *p, uint16_t scode,
			 const char *reason, void *arg)
{
	struct pmsg *pm = arg;
	(void)p;

	pm->dl = NULL;
	verdict(pm->pg, pm->msg, pm->de, scode, reason, NULL, NULL);
	mem_deref(pm);
}


/* Hand pm's push to the owner admit_check() found: 0 when the delivery
 * started (done_handler gives the verdict), else the status now. */
static uint16_t start_delivery(struct pager *pg, struct pmsg *pm,
			       const char **reason)
{
	struct push *push = &pm->push;
	uint16_t scode = 0;
	int err;

	if (deliver_full(pg->dlv)) {
		*reason = "Too Many Pending Pushes";
		return 503;
	}

	if (!deliver_rate_ok(pg->dlv, push->sender)) {
		*reason = "Too Many Pushes From This Sender";
		return 503;
	}

	list_append(&pg->pending, &pm->le, pm);

	/* the owner may be lost inside deliver_push(): then the verdict,
	 * and with it the end of pm, came already */
	mem_ref(pm);
	err = deliver_push(pg->dlv, &pm->ad.rt, push, done_handler, pm,
			   &pm->dl);
	if (err) {
		list_unlink(&pm->le);
		*reason = err == EMSGSIZE ? "Push Content Too Large" :
			"Push Application Not Reachable";
		scode = err == EMSGSIZE ? 413 : 480;
	}
	else {
		/* per push: debug, not info (a line per push is a write(2)
		 * per push at the default level; -v shows it) */
		DEBUG_PRINTF("push %llu: MESSAGE from %s for %s (%s, %zu "
			     "bytes)\n", push->id, pm->ad.sender, pm->ad.app,
			     pm->ctype, push->len);
	}
	mem_deref(pm);

	return scode;
}


/* The held push's app subscribed (ready), or did not in time. */
static void held_handler(bool ready, void *arg)
{
	struct pmsg *pm = arg;
	struct pager *pg = pm->pg;
	const char *reason = "Push Application Not Running", *accept = NULL;
	const char *accept_enc = NULL;
	uint16_t scode = 480;

	pm->act = NULL;
	list_unlink(&pm->le);

	if (ready) {
		switch (router_query(pg->router, pm->ad.app, &pm->q,
				     &pm->ad.rt)) {

		case ROUTE_OK:
			scode = start_delivery(pg, pm, &reason);
			break;

		case ROUTE_ENCODING:
			scode  = 415;
			reason = "Unsupported Content-Encoding";
			accept_enc = pm->ad.rt.encodings;
			break;

		case ROUTE_CTYPE:
			scode  = 415;
			reason = "Unsupported Push Content Type";
			accept = pm->ad.rt.filter;
			break;

		default:
			break;
		}
	}

	if (scode) {
		deliver_report(pg->dlv, &pm->push, scode, reason);
		verdict(pg, pm->msg, pm->de, scode, reason, accept,
			accept_enc);
		mem_deref(pm);
	}
}


/* Served, but no owner: store it (202), hold it while the app starts,
 * or 480 (absent.c decides). 0: held. */
static uint16_t absent(struct pager *pg, struct pmsg *pm,
		       const char **reason, const char **accept)
{
	uint16_t scode;

	*accept = NULL;

	switch (absent_way(pg->ab, pm->ad.app)) {

	case ABSENT_STORE:
		return absent_store(pg->ab, &pm->push,
				    pushreq_expiry(pm->msg, time(NULL)), NULL,
				    reason);

	case ABSENT_HOLD:
		list_append(&pg->pending, &pm->le, pm);
		scode = absent_hold(pg->ab, pm->ad.app, held_handler, pm,
				    &pm->act, reason);
		if (scode)
			list_unlink(&pm->le);
		return scode;

	default:
		*reason = pm->ad.reason;
		return 480;
	}
}


/* Everything up to handing over, filling pm->push as it goes: returns 0
 * when a delivery started, otherwise the status to answer with. */
static uint16_t process(struct pager *pg, struct pmsg *pm,
			const char **reason, const char **accept)
{
	const struct sip_msg *msg = pm->msg;
	const struct config *cfg = pg->cfg;
	struct push *push = &pm->push;
	uint16_t scode;
	size_t len = mbuf_get_left(msg->mb);
	int err;

	push->transport = pushreq_transport(msg);
	push->body      = mbuf_buf(msg->mb);
	push->len       = len;

	/* A push is a MESSAGE outside any dialog. Inside a push session
	 * (INVITE) the content comes over MSRP, and the dialog has no use
	 * for a MESSAGE: refused, and said why. Any other dialog is not
	 * ours (RFC 3261 §12.2.2). */
	if (pl_isset(&msg->to.tag)) {
		if (pg->dialogh && pg->dialogh(msg, pg->arg)) {
			*reason = "MESSAGE Not Taken Inside A Push Session";
			return 403;
		}
		*reason = "Push MESSAGE Must Be Out Of Dialog";
		return 481;
	}

	if (len > cfg->max_message_size) {
		*reason = "Push Content Too Large";
		return 413;
	}

	if (!len) {
		*reason = "Empty Push";
		return 400;
	}

	err = pushreq_ctype(msg, pm->ctype, sizeof(pm->ctype));
	if (err) {
		*reason = err == ENOENT ? "Missing Content-Type" :
			"Bad Content-Type";
		return 400;
	}
	push->ctype = pm->ctype;

	if (pushreq_expired(msg, time(NULL))) {
		*reason = "Push Expired";
		return 410;
	}

	scode = pushmeta_read(&pm->meta, msg, pm->ctype, push->body, len,
			      reason);
	if (scode)
		return scode;

	pm->q.ctype    = pm->ctype;
	pm->q.inner    = pm->meta.is_cpim ? pm->meta.inner_ctype : NULL;
	pm->q.encoding = pm->meta.encoding[0] ? pm->meta.encoding : NULL;

	scode = admit_check(&pm->ad, msg, cfg, pg->apps, pg->router, &pm->q);
	if (pm->ad.app[0])
		push->appid = pm->ad.app;
	if (pm->ad.sender[0])
		push->sender = pm->ad.sender;
	push->sender_asserted = pm->ad.asserted ? "yes" : "no";

	/* on a refusal too: an observer owes the sender an IMDN for it */
	pushmeta_apply(&pm->meta, push);
	if (scode && pm->ad.no_owner)
		return absent(pg, pm, reason, accept);
	if (scode) {
		*reason = pm->ad.reason;
		*accept = pm->ad.accept;
		return scode;
	}

	return start_delivery(pg, pm, reason);
}


static bool request_handler(const struct sip_msg *msg, void *arg)
{
	struct pager *pg = arg;
	struct dedup_entry *de;
	struct pmsg *pm;
	const char *reason = NULL, *accept = NULL;
	uint16_t scode;

	if (pl_strcmp(&msg->met, "MESSAGE"))
		return false;

	switch (dedup_check(pg->dd, msg, &de, &scode, &reason)) {

	case DEDUP_PENDING:
		++pg->retrans;
		(void)sipreply_send(pg->sip, msg, 100, "Trying",
				    SIPREPLY_SOFTWARE, NULL);
		return true;

	case DEDUP_DONE:
		++pg->retrans;
		reply(pg, msg, scode, reason, NULL, NULL);
		return true;

	case DEDUP_NEW:
	default:
		break;
	}

	++pg->received;

	pm = mem_zalloc(sizeof(*pm), pmsg_destructor);
	if (!pm) {
		verdict(pg, msg, de, 500, "Out Of Memory", NULL, NULL);
		return true;
	}

	pm->pg  = pg;
	pm->msg = mem_ref((void *)msg);
	pm->de  = de;

	scode = process(pg, pm, &reason, &accept);
	if (scode) {
		/* observers first, as for a verdict from the app */
		deliver_report(pg->dlv, &pm->push, scode, reason);
		verdict(pg, msg, de, scode, reason, accept,
			pm->ad.accept_enc);
		mem_deref(pm);
	}

	return true;
}


/**
 * Start taking MESSAGE requests.
 *
 * @param pgp     Pointer to allocated pager
 * @param sip     SIP stack
 * @param cfg     Configuration; referenced until pager_set_config()
 * @param router  Routing table
 * @param apps    Advertised application IDs
 * @param dlv     Delivery to local apps
 * @param dialogh Tells an in-dialog MESSAGE of a push session (optional)
 * @param arg     Its argument
 */
int pager_alloc(struct pager **pgp, struct sip *sip,
		const struct config *cfg, struct router *router,
		struct appset *apps, struct deliver *dlv,
		pager_dialog_h *dialogh, void *arg)
{
	struct pager *pg;
	int err;

	if (!pgp || !sip || !cfg || !router || !apps || !dlv)
		return EINVAL;

	pg = mem_zalloc(sizeof(*pg), destructor);
	if (!pg)
		return ENOMEM;

	list_init(&pg->pending);
	pg->sip    = sip;
	pg->cfg    = mem_ref((void *)cfg);
	pg->router = mem_ref(router);
	pg->apps   = mem_ref(apps);
	pg->dlv    = mem_ref(dlv);
	pg->dialogh = dialogh;
	pg->arg     = arg;

	err = dedup_alloc(&pg->dd, DEDUP_TTL_MS, DEDUP_MAX);
	if (err)
		goto out;

	err = sip_listen(&pg->lsnr, sip, true, request_handler, pg);

 out:
	if (err)
		mem_deref(pg);
	else
		*pgp = pg;

	return err;
}


/** What to do with pushes for apps that are away (NULL: 480). */
void pager_set_absent(struct pager *pg, struct absent *ab)
{
	if (!pg)
		return;

	mem_deref(pg->ab);
	pg->ab = mem_ref(ab);
}


/** Use a reloaded configuration from now on. */
void pager_set_config(struct pager *pg, const struct config *cfg)
{
	if (!pg || !cfg)
		return;

	mem_deref((void *)pg->cfg);
	pg->cfg = mem_ref((void *)cfg);
}


int pager_status(struct re_printf *pf, const struct pager *pg)
{
	if (!pg)
		return 0;

	return re_hprintf(pf, "messages=%llu\nretransmissions=%llu\n"
			  "rejected=%llu\nmessages_stored=%llu\n",
			  pg->received, pg->retrans, pg->rejected,
			  pg->stored);
}
