/* imdnpush.c: turns a push's imdn request and the app's verdict (and later DISPOSED reports) into IMDN notifications. */
#include <string.h>
#include <time.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "imdn.h"
#include "imdnsend.h"
#include "imdnpush.h"

#define DEBUG_MODULE "imdnpush"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * RFC 5438 §5: the sender lists which notifications it wants. Delivery
 * is known at the app's verdict: positive-delivery for a 2xx, negative-
 * delivery (with our code and phrase) for a refusal. Display and
 * processing come later, when the app says so with DISPOSED: until then
 * the push is remembered here, in memory, bounded by count and age (the
 * oldest goes first, logged). Push Ids restart with the daemon, so a
 * DISPOSED after a restart finds nothing (ENOENT) — the notification is
 * then not sent; delivery notifications are not affected (imdnsend.c
 * keeps those on disk).
 */

enum {
	MAX_DFL = 256,
	AGE_DFL = 86400,
};

struct entry {
	struct le le;
	uint64_t id;
	uint64_t since;              /* Unix time, s */
	unsigned dispo;              /* what is still owed */
	char app[APPID_SIZE];
	char sender[IMDN_URI_MAX + 1];
	char msgid[IMDN_ID_MAX + 1];
	char datetime[IMDN_DATE_MAX + 1];
};

struct imdnpush {
	struct imdnsend *is;
	struct list entries;         /* oldest first */
	uint32_t max;
	uint32_t max_age;
};


static void destructor(void *arg)
{
	struct imdnpush *ip = arg;

	list_flush(&ip->entries);
	mem_deref(ip->is);
}


static void entry_destructor(void *arg)
{
	struct entry *e = arg;

	list_unlink(&e->le);
}


/**
 * @param ipp      Pointer to allocated object
 * @param is       The sender the notifications go to
 * @param max      Pushes remembered for a later DISPOSED (0: 256)
 * @param max_age  s they are remembered (0: one day)
 */
int imdnpush_alloc(struct imdnpush **ipp, struct imdnsend *is,
		   uint32_t max, uint32_t max_age)
{
	struct imdnpush *ip;

	if (!ipp || !is)
		return EINVAL;

	ip = mem_zalloc(sizeof(*ip), destructor);
	if (!ip)
		return ENOMEM;

	list_init(&ip->entries);
	ip->is      = mem_ref(is);
	ip->max     = max ? max : MAX_DFL;
	ip->max_age = max_age ? max_age : AGE_DFL;

	*ipp = ip;
	return 0;
}


static void expire(struct imdnpush *ip, uint64_t now)
{
	struct entry *e;

	while ((e = list_ledata(list_head(&ip->entries))) &&
	       now >= e->since + ip->max_age) {
		DEBUG_INFO("push %llu: no DISPOSED within %u s; forgotten\n",
			   (unsigned long long)e->id, ip->max_age);
		mem_deref(e);
	}
}


static struct entry *find(const struct imdnpush *ip, uint64_t id)
{
	struct le *le;

	for (le = list_head(&ip->entries); le; le = le->next) {
		struct entry *e = le->data;

		if (e->id == id)
			return e;
	}

	return NULL;
}


static int notify(struct imdnpush *ip, const char *to, const char *msgid,
		const char *datetime, enum imdn_kind kind,
		enum imdn_status st, uint16_t code, const char *reason)
{
	struct imdnsend_req rq;
	int err;

	memset(&rq, 0, sizeof(rq));
	rq.to       = to;
	rq.msgid    = msgid;
	rq.datetime = datetime && datetime[0] ? datetime : NULL;
	rq.kind     = kind;
	rq.status   = st;
	rq.code     = code;
	rq.reason   = reason;

	err = imdnsend_queue(ip->is, &rq);
	if (err == EINVAL && rq.datetime) {
		/* the sender's DateTime may not be RFC 3339: use ours */
		rq.datetime = NULL;
		err = imdnsend_queue(ip->is, &rq);
	}
	if (err)
		DEBUG_WARNING("IMDN %s for %s to %s not sent: %m\n",
			      imdn_status_name(st), msgid, to, err);

	return err;
}


/**
 * The app's verdict on a push: send what the sender asked for, and
 * remember the push when it may still want display/processing.
 *
 * @param ip      Object
 * @param p       The push (NULL fields: it asked for nothing)
 * @param scode   Final answer given to the sender (2xx: delivered)
 * @param reason  Its phrase
 *
 * @return 0 if nothing was asked or what was asked is under way;
 *         EBADMSG for an unusable request (bad Message-ID or list, logged)
 */
int imdnpush_verdict(struct imdnpush *ip, const struct imdnpush_push *p,
		     uint16_t scode, const char *reason)
{
	unsigned dispo = 0;
	struct pl pl;
	bool ok = scode >= 200 && scode < 300;
	int err = 0;

	if (!ip || !p)
		return EINVAL;

	if (!p->msgid || !p->dispo || !p->sender)
		return 0;

	pl_set_str(&pl, p->dispo);
	if (imdn_dispo_decode(&dispo, &pl)) {
		DEBUG_WARNING("push %llu: bad imdn.Disposition-Notification "
			      "'%s'; no notification\n",
			      (unsigned long long)p->id, p->dispo);
		return EBADMSG;
	}
	pl_set_str(&pl, p->msgid);
	if (imdn_id_check(&pl)) {
		DEBUG_WARNING("push %llu: bad imdn.Message-ID; no "
			      "notification\n", (unsigned long long)p->id);
		return EBADMSG;
	}

	if (ok && (dispo & IMDN_WANT_POSITIVE))
		err = notify(ip, p->sender, p->msgid, p->datetime,
			   IMDN_DELIVERY, IMDN_DELIVERED, 0, NULL);
	else if (!ok && (dispo & IMDN_WANT_NEGATIVE))
		err = notify(ip, p->sender, p->msgid, p->datetime,
			   IMDN_DELIVERY, imdn_negative_status(scode), scode,
			   reason);

	dispo &= IMDN_WANT_DISPLAY | IMDN_WANT_PROCESSING;
	if (ok && dispo && p->app) {
		struct entry *e;
		uint64_t now = (uint64_t)time(NULL);

		expire(ip, now);
		if (list_count(&ip->entries) >= ip->max) {
			e = list_ledata(list_head(&ip->entries));
			DEBUG_NOTICE("push %llu forgotten for DISPOSED: %u "
				     "remembered at most\n",
				     (unsigned long long)e->id, ip->max);
			mem_deref(e);
		}

		e = mem_zalloc(sizeof(*e), entry_destructor);
		if (!e)
			return ENOMEM;
		e->id    = p->id;
		e->since = now;
		e->dispo = dispo;
		str_ncpy(e->app, p->app, sizeof(e->app));
		str_ncpy(e->sender, p->sender, sizeof(e->sender));
		str_ncpy(e->msgid, p->msgid, sizeof(e->msgid));
		if (p->datetime)
			str_ncpy(e->datetime, p->datetime,
				 sizeof(e->datetime));
		list_append(&ip->entries, &e->le, e);
	}

	return err == ENOSPC ? 0 : err;
}


/**
 * The app a remembered push belongs to (for the owner check of DISPOSED).
 *
 * @return the canonical app ID, or NULL if the push is not remembered
 */
const char *imdnpush_app(const struct imdnpush *ip, uint64_t id)
{
	const struct entry *e = ip ? find(ip, id) : NULL;

	return e ? e->app : NULL;
}


/**
 * The app reports a push processed or displayed (DISPOSED).
 *
 * @return 0 if a notification goes out, ENOENT for a push not
 *         remembered (unknown, too old, or not asking for anything
 *         more), EALREADY if this one was not asked for or already sent
 */
int imdnpush_disposed(struct imdnpush *ip, uint64_t id,
		      enum imdnpush_what what)
{
	struct entry *e;
	unsigned bit;
	int err;

	if (!ip)
		return EINVAL;

	expire(ip, (uint64_t)time(NULL));

	e = find(ip, id);
	if (!e)
		return ENOENT;

	bit = what == IMDNPUSH_DISPLAYED ? IMDN_WANT_DISPLAY :
		IMDN_WANT_PROCESSING;
	if (!(e->dispo & bit))
		return EALREADY;

	e->dispo &= ~bit;

	if (what == IMDNPUSH_DISPLAYED)
		err = notify(ip, e->sender, e->msgid, e->datetime,
			   IMDN_DISPLAY, IMDN_DISPLAYED, 0, NULL);
	else
		err = notify(ip, e->sender, e->msgid, e->datetime,
			   IMDN_PROCESSING, IMDN_PROCESSED, 0, NULL);

	if (!e->dispo)
		mem_deref(e);

	return err;
}


uint32_t imdnpush_count(const struct imdnpush *ip)
{
	return ip ? list_count(&ip->entries) : 0;
}
