/* deliver.c: hands a push to its subscribers, waits for the owner's verdict, reports every verdict once. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "push.h"
#include "quota.h"
#include "ipc.h"
#include "router.h"
#include "deliver.h"

#define DEBUG_MODULE "deliver"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * A push is "accepted" towards the sender only when its owner ACKs: that
 * is the moment the 200 (or the MSRP success REPORT) may go out, so an
 * acknowledged push is one the app holds. Every other ending (NACK,
 * timeout, owner gone, owner's queue full) is a failure status the
 * sender can act on; nothing is acknowledged that was not delivered.
 * Monitors get the same record but their ACK/NACK is not asked for.
 *
 * Every verdict goes one way: to the observers the daemon registered
 * (deliver_observe(): IMDN, an app launcher, a store, counters), then to
 * the intake that asked (its doneh answers the sender). The intake's own
 * refusals, given before any app saw the push, reach the same observers
 * through deliver_report(). So each push is reported exactly once.
 */

struct observer {
	deliver_verdict_h *h;
	void *arg;
};

struct delivery {
	struct le he;
	uint64_t id;
	struct push push;        /* the intake's; it keeps what this points to */
	struct ipc_client *owner;
	struct tmr tmr;
	deliver_verdict_h *doneh;
	void *arg;
	struct delivery **dlp;
	struct deliver *d;
};

/*
 * One sender may not fill max_pending: sender_rate pushes per second per
 * sender identity, a burst of twice that. With the defaults (20/s, ack
 * within ack_timeout 5 s) one sender holds at most 20 * 5 + 40 = 140 of
 * the 256 pending pushes. The table is bounded (quota.c): identities
 * beyond it are refused too, not remembered.
 */
enum { RATE_KEYS = 256 };

struct deliver {
	struct hash *ht;
	const struct config *cfg;   /* ack_timeout, max_pending */
	struct observer obsv[DELIVER_OBSERVERS_MAX];
	size_t obsc;
	uint64_t next_id;
	uint32_t pending;
	uint64_t acked;
	uint64_t nacked;
	uint64_t timeouts;
	uint64_t lost;         /* owner disconnected or was dropped */
	struct quota *rate;    /* pushes per second per sender */
	uint64_t rate_refused;
};


static void delivery_destructor(void *arg)
{
	struct delivery *dl = arg;

	tmr_cancel(&dl->tmr);
	if (dl->he.list) {
		hash_unlink(&dl->he);
		--dl->d->pending;
	}
	if (dl->dlp)
		*dl->dlp = NULL;
}


static void destructor(void *arg)
{
	struct deliver *d = arg;

	hash_flush(d->ht);
	mem_deref(d->ht);
	mem_deref(d->rate);
	mem_deref((void *)d->cfg);
}


/**
 * @param dp   Pointer to allocated delivery state
 * @param cfg  Configuration (ack_timeout, max_pending); referenced
 */
int deliver_alloc(struct deliver **dp, const struct config *cfg)
{
	struct deliver *d;
	int err;

	if (!dp || !cfg)
		return EINVAL;

	d = mem_zalloc(sizeof(*d), destructor);
	if (!d)
		return ENOMEM;

	/* ids start at a random point so that an app reconnecting after a
	 * daemon restart cannot ACK a new push by an old id */
	d->next_id = ((uint64_t)rand_u32() << 16) + 1;

	err = quota_alloc(&d->rate, &(struct quota_conf){RATE_KEYS, {0}, 0, 0});
	if (!err) {
		deliver_set_config(d, cfg);
		err = hash_alloc(&d->ht, 256);
	}
	if (err)
		mem_deref(d);
	else
		*dp = d;

	return err;
}


/** Use a reloaded configuration; pushes already waiting keep their timer. */
void deliver_set_config(struct deliver *d, const struct config *cfg)
{
	struct quota_conf qc;

	if (!d || !cfg)
		return;

	mem_deref((void *)d->cfg);
	d->cfg = mem_ref((void *)cfg);

	memset(&qc, 0, sizeof(qc));
	qc.keys_max = RATE_KEYS;
	qc.rate     = cfg->sender_rate;
	qc.burst    = 2 * cfg->sender_rate;
	quota_set_conf(d->rate, &qc);
}


/**
 * May this sender push now (sender_rate)? Counts the push if so.
 *
 * @param sender  The sender's identity (NULL: the anonymous one)
 *
 * @return true, or false: answer 503 with Retry-After
 */
bool deliver_rate_ok(struct deliver *d, const char *sender)
{
	if (!d)
		return false;

	if (!quota_rate(d->rate, sender ? sender : "", tmr_jiffies(), NULL))
		return true;

	++d->rate_refused;
	return false;
}


/**
 * Be told every verdict (the status the sender hears for each push),
 * before the intake answers; at most DELIVER_OBSERVERS_MAX observers.
 *
 * @return 0, EINVAL, ENOSPC
 */
int deliver_observe(struct deliver *d, deliver_verdict_h *h, void *arg)
{
	if (!d || !h)
		return EINVAL;

	if (d->obsc >= ARRAY_SIZE(d->obsv))
		return ENOSPC;

	d->obsv[d->obsc].h   = h;
	d->obsv[d->obsc].arg = arg;
	++d->obsc;

	return 0;
}


void deliver_unobserve(struct deliver *d, deliver_verdict_h *h, void *arg)
{
	if (!d)
		return;

	for (size_t i = 0; i < d->obsc; i++) {
		if (d->obsv[i].h != h || d->obsv[i].arg != arg)
			continue;

		memmove(&d->obsv[i], &d->obsv[i + 1],
			(d->obsc - i - 1) * sizeof(d->obsv[0]));
		--d->obsc;
		return;
	}
}


/** True when another push would exceed max_pending (answer 503). */
bool deliver_full(const struct deliver *d)
{
	return d && d->pending >= d->cfg->max_pending;
}


/**
 * A verdict the intake gave itself, before any app saw the push (e.g.
 * 404, 403, 480, 413): the observers hear of it like of any other.
 * Fields the intake did not get to (appid, ctype) may be NULL.
 */
void deliver_report(struct deliver *d, const struct push *p, uint16_t scode,
		    const char *reason)
{
	if (!d || !p)
		return;

	for (size_t i = 0; i < d->obsc; i++)
		d->obsv[i].h(p, scode, reason, d->obsv[i].arg);
}


/* End a delivery with a verdict: observers first, the intake last, after
 * we are out of every table, so it may start the next delivery. */
static void finish(struct delivery *dl, uint16_t scode, const char *reason)
{
	deliver_verdict_h *h = dl->doneh;
	struct push push = dl->push;
	struct deliver *d = dl->d;
	void *arg = dl->arg;

	dl->doneh = NULL;
	mem_deref(dl);

	deliver_report(d, &push, scode, reason);
	if (h)
		h(&push, scode, reason, arg);
}


static void timeout_handler(void *arg)
{
	struct delivery *dl = arg;

	++dl->d->timeouts;
	DEBUG_NOTICE("push %llu: no ACK within %u ms\n", dl->id,
		     dl->d->cfg->ack_timeout);
	finish(dl, 408, "Push Not Acknowledged");
}


static bool id_cmp(struct le *le, void *arg)
{
	const struct delivery *dl = le->data;

	return dl->id == *(const uint64_t *)arg;
}


static struct delivery *find(const struct deliver *d, uint64_t id)
{
	struct le *le = hash_lookup(d->ht, (uint32_t)id, id_cmp, &id);

	return le ? le->data : NULL;
}


/* What a subscriber sees: a message/cpim push unwrapped for those that
 * asked (the inner content and type; the wrapper's From, To and DateTime
 * go on CPIM-* record lines), the push as sent for the others. */
static const struct push *view(const struct push *p, bool unwrap,
			       struct push *v)
{
	if (!unwrap || !p->cpim || p->has_fd)
		return p;

	*v = *p;
	v->ctype     = p->cpim->ctype;
	v->body      = p->cpim->body;
	v->len       = p->cpim->len;
	v->unwrapped = true;

	return v;
}


/**
 * Deliver one push: send its record to the owner and the monitors, then
 * wait for the owner's ACK/NACK (at most ack_timeout).
 *
 * @param d      Delivery state
 * @param rt     Route from router_lookup() (ROUTE_OK)
 * @param p      The push; p->id is assigned here. The intake keeps what
 *               it points to valid until the verdict.
 * @param doneh  Verdict handler, called exactly once unless cancelled,
 *               after the observers
 * @param arg    Handler argument
 * @param dlp    Optional: the delivery, to cancel it (cleared when done)
 *
 * @return 0 if the verdict will come through doneh; otherwise an errno
 *         and doneh is not called
 */
int deliver_push(struct deliver *d, const struct route *rt,
		 struct push *p, deliver_verdict_h *doneh, void *arg,
		 struct delivery **dlp)
{
	struct delivery *dl;
	struct push v;
	int err;

	if (!d || !rt || !rt->owner || !p || !doneh)
		return EINVAL;

	dl = mem_zalloc(sizeof(*dl), delivery_destructor);
	if (!dl)
		return ENOMEM;

	tmr_init(&dl->tmr);
	dl->d     = d;
	dl->id    = d->next_id++;
	dl->owner = rt->owner;
	dl->doneh = doneh;
	dl->arg   = arg;
	p->id     = dl->id;
	dl->push  = *p;

	hash_append(d->ht, (uint32_t)dl->id, &dl->he, dl);
	++d->pending;

	/* copies first: a monitor's failure is its own business */
	for (size_t i = 0; i < rt->monitorc; i++) {
		if (ipc_send_push(rt->monitorv[i],
				  view(p, rt->monitor_unwrap[i], &v))) {
			DEBUG_NOTICE("push %llu: monitor %u missed it\n",
				     dl->id, ipc_client_id(rt->monitorv[i]));
		}
	}

	tmr_start(&dl->tmr, d->cfg->ack_timeout, timeout_handler, dl);

	/* the send may drop the owner and, through deliver_client_gone(),
	 * finish this delivery before it returns: hold a reference */
	mem_ref(dl);
	err = ipc_send_push(rt->owner, view(p, rt->unwrap, &v));
	if (err && dl->doneh) {
		/* still ours: nothing was handed over */
		dl->doneh = NULL;
		mem_deref(dl);
		mem_deref(dl);
		return err;
	}

	if (dl->doneh && dlp) {
		dl->dlp = dlp;
		*dlp = dl;
	}
	mem_deref(dl);

	DEBUG_PRINTF("push %llu (%s, %zu bytes) to client %u\n", p->id,
		     p->appid, p->len, ipc_client_id(rt->owner));

	/* err with doneh gone: the verdict (owner lost) was given already */
	return 0;
}


/** Forget a delivery without a verdict (the sender went away). */
void deliver_cancel(struct delivery *dl)
{
	if (!dl)
		return;

	dl->doneh = NULL;
	mem_deref(dl);
}


/** The application ID of a push waiting for its verdict, or NULL. */
const char *deliver_appid(const struct deliver *d, uint64_t id)
{
	const struct delivery *dl = d ? find(d, id) : NULL;

	return dl ? dl->push.appid : NULL;
}


int deliver_ack(struct deliver *d, struct ipc_client *c, uint64_t id)
{
	struct delivery *dl;

	if (!d)
		return EINVAL;

	dl = find(d, id);
	if (!dl)
		return ENOENT;

	if (dl->owner != c)
		return 0;   /* a monitor's ACK does not count */

	++d->acked;
	DEBUG_PRINTF("push %llu acknowledged\n", id);
	finish(dl, 200, "OK");
	return 0;
}


/**
 * Map an app's NACK code to the SIP final status the sender sees.
 *
 * 4xx/5xx/6xx pass through, except those that mean something to the
 * transaction or the proxy rather than to the push (auth challenges,
 * 408/481/487 and friends): those become 603 Decline, as does anything
 * out of range.
 */
uint16_t deliver_nack_map(uint16_t code)
{
	switch (code) {
	case 401: case 407: case 408: case 423: case 481: case 482:
	case 483: case 487: case 491: case 494:
		return 603;
	default:
		break;
	}

	return (code >= 400 && code <= 699) ? code : 603;
}


int deliver_nack(struct deliver *d, struct ipc_client *c, uint64_t id,
		 uint16_t code, const char *reason)
{
	struct delivery *dl;
	uint16_t scode;

	if (!d)
		return EINVAL;

	dl = find(d, id);
	if (!dl)
		return ENOENT;

	if (dl->owner != c)
		return 0;

	scode = deliver_nack_map(code);
	++d->nacked;
	DEBUG_INFO("push %llu refused by app: %u %s -> %u\n", id, code,
		   reason ? reason : "", scode);
	finish(dl, scode, reason && *reason ? reason : "Push Refused");
	return 0;
}


struct gone_arg {
	struct deliver *d;
	struct ipc_client *c;
	struct list done;
};


static bool gone_apply(struct le *le, void *arg)
{
	struct delivery *dl = le->data;
	struct gone_arg *ga = arg;

	if (dl->owner == ga->c) {
		/* collect first: verdict handlers may touch the hash */
		hash_unlink(&dl->he);
		--ga->d->pending;
		list_append(&ga->done, &dl->he, dl);
	}

	return false;
}


/**
 * A client disconnected or was dropped: its un-acked pushes fail now
 * (480: the app exists but is not reachable), not at the timeout.
 */
void deliver_client_gone(struct deliver *d, struct ipc_client *c)
{
	struct gone_arg ga = {d, c, LIST_INIT};
	struct le *le;

	if (!d || !c)
		return;

	(void)hash_apply(d->ht, gone_apply, &ga);

	while ((le = list_head(&ga.done))) {
		struct delivery *dl = le->data;

		list_unlink(le);
		++d->lost;
		DEBUG_NOTICE("push %llu: app went away before ACK\n", dl->id);
		finish(dl, 480, "Push Application Went Away");
	}
}


int deliver_status(struct re_printf *pf, const struct deliver *d)
{
	if (!d)
		return 0;

	return re_hprintf(pf, "pending=%u\nacked=%llu\nnacked=%llu\n"
			  "ack_timeouts=%llu\nlost=%llu\nrate_refused=%llu\n",
			  d->pending, d->acked, d->nacked, d->timeouts, d->lost,
			  d->rate_refused);
}
