/* pushstore.c: pushes for apps that are away (app_store): kept durably, 202 to the sender, handed over when the app next subscribes. */
#include <string.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "push.h"
#include "pushmeta.h"
#include "router.h"
#include "deliver.h"
#include "store.h"
#include "pushstore.h"

#define DEBUG_MODULE "pushstore"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * A push for an app with an app_store line that finds no owner is
 * written to the store (store.c: one file, synced, renamed, directory
 * synced) before pushstore_put() returns; only then does the intake
 * answer 202 Accepted (RFC 3428 §7: taken, not delivered yet). A push
 * answered 202 is on disk: a SIGKILL or a power cut after that does not
 * lose it.
 *
 * When an owner subscribes (without nostore) the app's stored pushes
 * are handed to it one at a time, oldest first, each as a normal
 * delivery with "Stored: yes" and its arrival time; an ACK deletes it,
 * so does a NACK (the app has seen it and said no; the sender was
 * answered long ago). No ACK in time, or the app gone: it stays for the
 * next subscription. A push whose Expires has passed is dropped with a
 * log line, at start, before each hand-over and on a timer.
 *
 * The store's key is the app ID; its meta holds the record lines the
 * app needs again (Content-Type, Sender, Transport).
 */

enum {
	RETRY_MS = 1000,    /* delivery table full: try the hand-over again */
	ARRIVED_SIZE = 32,
};

struct pushstore {
	struct store *st;          /* NULL until a push is stored, unless
				    * store_dir exists at start */
	char *dir;
	struct list drains;        /* struct drain */
	const struct config *cfg;
	struct router *router;
	struct deliver *dlv;
	struct tmr tmr_expire;
	uint64_t stored;
	uint64_t handed;           /* ACKed after a hand-over */
	uint64_t refused;          /* NACKed after a hand-over */
	uint64_t full;
	uint64_t errors;
};

/* The hand-over of one app's stored pushes, one at a time */
struct drain {
	struct le le;
	struct pushstore *ps;
	char app[APPID_SIZE];
	struct store_rec *rec;     /* the one being delivered (referenced) */
	struct delivery *dl;
	struct tmr tmr;
	struct push push;
	struct mbuf *meta;
	struct mbuf *body;
	int fd;
	char ctype[256];
	char sender[512];
	char transport[32];
	char arrived[ARRIVED_SIZE];
	struct pushmeta pm;        /* the record lines it came with */
	const char *asserted;      /* its Sender-Asserted, or NULL */
};


static void step(struct drain *dr);


static void drain_clear(struct drain *dr)
{
	deliver_cancel(dr->dl);
	dr->dl   = NULL;
	dr->rec  = mem_deref(dr->rec);
	dr->meta = mem_deref(dr->meta);
	dr->body = mem_deref(dr->body);
	if (dr->fd >= 0)
		(void)close(dr->fd);
	dr->fd = -1;
}


static void drain_destructor(void *arg)
{
	struct drain *dr = arg;

	tmr_cancel(&dr->tmr);
	list_unlink(&dr->le);
	drain_clear(dr);
}


static void destructor(void *arg)
{
	struct pushstore *ps = arg;

	tmr_cancel(&ps->tmr_expire);
	list_flush(&ps->drains);
	mem_deref(ps->st);
	mem_deref(ps->dir);
	mem_deref(ps->router);
	mem_deref(ps->dlv);
	mem_deref((void *)ps->cfg);
}


static void expire_handler(void *arg);


/* Drop what has expired; arm the timer for the next one. */
static void expire(struct pushstore *ps)
{
	uint64_t now = (uint64_t)time(NULL), next = 0;

	(void)store_expire(ps->st, now, &next);

	tmr_cancel(&ps->tmr_expire);
	if (next) {
		uint64_t s = next > now ? next - now : 1;

		/* a timer a day away at most; it looks again then */
		tmr_start(&ps->tmr_expire, (s > 86400 ? 86400 : s) * 1000,
			  expire_handler, ps);
	}
}


static void expire_handler(void *arg)
{
	expire(arg);
}


static const struct config_store *bounds_of(const struct pushstore *ps,
					    const char *app)
{
	for (size_t i = 0; ps && app && i < ps->cfg->storec; i++)
		if (!strcmp(ps->cfg->stores[i].appid, app))
			return &ps->cfg->stores[i];

	return NULL;
}


/**
 * @param psp     Pointer to allocated push store
 * @param cfg     Configuration (app_store, store_dir, state_dir);
 *                referenced
 * @param router  Routing table, for the hand-over
 * @param dlv     Delivery, for the hand-over
 */
static int dir_of(char **dirp, const struct config *cfg)
{
	if (cfg->store_dir)
		return str_dup(dirp, cfg->store_dir);

	return re_sdprintf(dirp, "%s/store", cfg->state_dir);
}


/* The store itself; made (a directory write) only when needed. */
static int open_store(struct pushstore *ps)
{
	int err;

	if (ps->st)
		return 0;

	err = store_alloc(&ps->st, ps->dir, "push", PUSHSTORE_MAX);
	if (err) {
		DEBUG_WARNING("store_dir %s: %m\n", ps->dir, err);
		return err;
	}

	expire(ps);
	return 0;
}


int pushstore_alloc(struct pushstore **psp, const struct config *cfg,
		    struct router *router, struct deliver *dlv)
{
	struct pushstore *ps;
	int err;

	if (!psp || !cfg || !router || !dlv)
		return EINVAL;

	ps = mem_zalloc(sizeof(*ps), destructor);
	if (!ps)
		return ENOMEM;

	list_init(&ps->drains);
	tmr_init(&ps->tmr_expire);
	ps->cfg    = mem_ref((void *)cfg);
	ps->router = mem_ref(router);
	ps->dlv    = mem_ref(dlv);

	err = dir_of(&ps->dir, cfg);
	if (err)
		goto out;

	/* a store from an earlier run is opened (and scanned) now, with or
	 * without app_store lines: what it holds was answered 202. None
	 * there: it is made by the first push stored (as the daemon's user,
	 * after privileges are dropped), so a device that never stores
	 * never writes. */
	if (access(ps->dir, F_OK) == 0)
		err = open_store(ps);

 out:
	if (err)
		mem_deref(ps);
	else
		*psp = ps;

	return err;
}


/**
 * A reloaded configuration (bounds, store_dir). A new directory is used
 * from now on; what the old one holds stays there, untouched (it was
 * answered 202), until store_dir names it again.
 */
void pushstore_set_config(struct pushstore *ps, const struct config *cfg)
{
	char *dir = NULL;

	if (!ps || !cfg)
		return;

	mem_deref((void *)ps->cfg);
	ps->cfg = mem_ref((void *)cfg);

	if (dir_of(&dir, cfg) || !strcmp(dir, ps->dir)) {
		mem_deref(dir);
		return;
	}

	if (store_total(ps->st))
		DEBUG_WARNING("store_dir is now %s: the %u pushes stored in "
			      "%s stay there until store_dir names it "
			      "again\n", dir, store_total(ps->st), ps->dir);

	/* hand-overs under way end; their pushes stay where they are */
	list_flush(&ps->drains);
	ps->st = mem_deref(ps->st);
	mem_deref(ps->dir);
	ps->dir = dir;

	if (access(ps->dir, F_OK) == 0)
		(void)open_store(ps);
}


/** Does app keep its pushes while away (app_store)? */
bool pushstore_has(const struct pushstore *ps, const char *app)
{
	return bounds_of(ps, app) != NULL;
}


/* One "Name: value\n" of the meta; no LF may hide in a value. */
static int meta_line(struct mbuf *mb, const char *name, const char *v)
{
	if (!v)
		v = "";
	if (strpbrk(v, "\r\n"))
		return EINVAL;

	return mbuf_printf(mb, "%s: %s\n", name, v);
}


/**
 * Store a push durably; the sender may be told 202 when this returns 0.
 *
 * @param ps         Push store
 * @param p          The push (appid, ctype, sender, transport; body and
 *                   len, or len and body_file)
 * @param expires    Unix time (s) after which it is dropped; 0: never
 * @param body_file  A complete file of p->len bytes (an MSRP spool),
 *                   renamed into the store; NULL: p->body
 *
 * @return 0; ENOSPC the app's store (or the whole) is full: 503; ENOENT
 *         no app_store for the app; EINVAL; an I/O errno: 500
 */
int pushstore_put(struct pushstore *ps, const struct push *p,
		  uint64_t expires, const char *body_file)
{
	const struct config_store *cs;
	struct store_bounds b;
	struct store_item it;
	struct mbuf *meta;
	int err;

	if (!ps || !p || !p->appid)
		return EINVAL;

	cs = bounds_of(ps, p->appid);
	if (!cs)
		return ENOENT;

	err = open_store(ps);
	if (err)
		return err == ENOSPC ? EIO : err;

	/* expired ones make room first */
	expire(ps);

	meta = mbuf_alloc(256);
	if (!meta)
		return ENOMEM;

	err  = meta_line(meta, "Content-Type", p->ctype);
	err |= meta_line(meta, "Sender", p->sender);
	err |= meta_line(meta, "Transport", p->transport);
	/* the record it is handed over with is the one it came with */
	if (p->sender_asserted)
		err |= meta_line(meta, "Sender-Asserted", p->sender_asserted);
	err |= pushmeta_print(meta, p);
	if (err) {
		err = err == EINVAL ? EINVAL : ENOMEM;
		goto out;
	}

	memset(&it, 0, sizeof(it));
	it.key       = p->appid;
	it.expires   = expires;
	it.meta      = (const char *)meta->buf;
	it.metalen   = meta->end;
	it.body      = body_file ? NULL : p->body;
	it.len       = p->len;
	it.body_file = body_file;

	b.count = cs->count;
	b.bytes = cs->bytes;

	err = store_put(ps->st, &it, &b, NULL);
	if (err == ENOSPC && store_count(ps->st, p->appid) >= cs->count)
		DEBUG_NOTICE("%s: store full (%u pushes): refused\n",
			     p->appid, cs->count);
	else if (err == ENOSPC)
		DEBUG_NOTICE("%s: store full (%llu of %u bytes, or %u pushes "
			     "in all): refused\n", p->appid,
			     (unsigned long long)store_bytes(ps->st,
							      p->appid),
			     cs->bytes, PUSHSTORE_MAX);
	else if (err)
		DEBUG_WARNING("%s: cannot store a push: %m\n", p->appid, err);

	if (err == ENOSPC)
		++ps->full;
	else if (err)
		++ps->errors;
	else
		++ps->stored;

	if (!err && expires)
		expire(ps);

 out:
	mem_deref(meta);
	return err;
}


/* Take the meta lines apart into dr's strings. */
static int meta_parse(struct drain *dr)
{
	struct pl v;
	const char *s = (const char *)dr->meta->buf;
	size_t n = dr->meta->end;

	if (re_regex(s, n, "Content-Type: [^\n]+\n", &v) ||
	    pl_strcpy(&v, dr->ctype, sizeof(dr->ctype)))
		return EBADMSG;
	if (re_regex(s, n, "Sender: [^\n]*\n", &v) ||
	    (v.l && pl_strcpy(&v, dr->sender, sizeof(dr->sender))))
		return EBADMSG;
	if (!v.l)
		dr->sender[0] = '\0';
	if (re_regex(s, n, "Transport: [^\n]+\n", &v) ||
	    pl_strcpy(&v, dr->transport, sizeof(dr->transport)))
		return EBADMSG;

	dr->asserted = NULL;
	if (!re_regex(s, n, "Sender-Asserted: [a-z]+\n", &v))
		dr->asserted = !pl_strcmp(&v, "yes") ? "yes" : "no";

	/* the metadata lines, and a CPIM wrapper read again for the apps
	 * that unwrap it (a spool file, MSRP's, is not CPIM-read) */
	pushmeta_parse(&dr->pm, s, n);
	if (dr->body)
		(void)pushmeta_cpim(&dr->pm, dr->ctype, dr->body->buf,
				    dr->body->end);

	return 0;
}


static void stop(struct drain *dr, const char *why)
{
	if (why)
		DEBUG_INFO("%s: hand-over of stored pushes stops: %s (%u "
			   "left)\n", dr->app, why,
			   store_count(dr->ps->st, dr->app));
	mem_deref(dr);
}


static void retry_handler(void *arg)
{
	step(arg);
}


static void delivered(const struct push *p, uint16_t scode,
		      const char *reason, void *arg)
{
	struct drain *dr = arg;
	struct pushstore *ps = dr->ps;
	struct store_rec *rec = dr->rec;
	(void)p;

	dr->dl = NULL;

	if (scode == 408 || scode == 480 || scode == 503) {
		/* not taken: stays for the next subscription */
		stop(dr, reason);
		return;
	}

	if (scode < 300) {
		++ps->handed;
		DEBUG_PRINTF("%s: stored push %016llx taken\n", dr->app,
			     (unsigned long long)store_rec_seq(rec));
	}
	else {
		++ps->refused;
		DEBUG_NOTICE("%s: stored push %016llx refused by the app "
			     "(%u %s): dropped\n", dr->app,
			     (unsigned long long)store_rec_seq(rec), scode,
			     reason);
	}

	store_del(rec);
	drain_clear(dr);
	step(dr);
}


/* Hand over the next stored push of dr->app, if there is one and an
 * owner to take it. */
static void step(struct drain *dr)
{
	struct pushstore *ps = dr->ps;
	struct store_rec *rec;
	struct route_query q;
	struct route rt;
	uint64_t ms;
	int err;

	drain_clear(dr);
	expire(ps);

	rec = store_first(ps->st, dr->app);
	while (rec) {
		err = store_read(rec, &dr->meta, &dr->body, &dr->fd);
		if (!err)
			err = meta_parse(dr);
		if (err) {
			struct store_rec *bad = rec;

			DEBUG_WARNING("%s: stored push %016llx unreadable (%m): "
				      "dropped\n", dr->app,
				      (unsigned long long)store_rec_seq(bad),
				      err);
			drain_clear(dr);
			rec = store_next(bad);
			store_del(bad);
			continue;
		}

		q.ctype    = dr->ctype;
		q.inner    = dr->pm.is_cpim ? dr->pm.cpim.ctype : NULL;
		q.encoding = dr->pm.encoding[0] ? dr->pm.encoding : NULL;

		switch (router_query(ps->router, dr->app, &q, &rt)) {

		case ROUTE_OK:
			goto found;

		case ROUTE_CTYPE:
		case ROUTE_ENCODING:
			/* this owner does not take this type: it stays for
			 * one that does; the next */
			drain_clear(dr);
			rec = store_next(rec);
			continue;

		default:
			drain_clear(dr);
			stop(dr, "no owner");
			return;
		}
	}

	stop(dr, NULL);
	return;

 found:
	if (deliver_full(ps->dlv)) {
		drain_clear(dr);
		tmr_start(&dr->tmr, RETRY_MS, retry_handler, dr);
		return;
	}

	dr->rec = mem_ref(rec);

	ms = store_rec_arrived(rec);
	(void)re_snprintf(dr->arrived, sizeof(dr->arrived), "%llu.%03llu",
			  (unsigned long long)(ms / 1000),
			  (unsigned long long)(ms % 1000));

	memset(&dr->push, 0, sizeof(dr->push));
	dr->push.appid     = dr->app;
	dr->push.ctype     = dr->ctype;
	dr->push.sender    = dr->sender[0] ? dr->sender : NULL;
	dr->push.transport = dr->transport;
	dr->push.len       = store_rec_len(rec);
	dr->push.arrived   = dr->arrived;
	dr->push.sender_asserted = dr->asserted;
	pushmeta_point(&dr->pm, &dr->push);
	dr->push.push_key  = dr->pm.key[0] ? dr->pm.key : NULL;
	if (dr->fd >= 0) {
		dr->push.has_fd = true;
		dr->push.fd     = dr->fd;
	}
	else {
		dr->push.body = dr->body ? dr->body->buf : NULL;
	}

	/* the owner may be lost inside deliver_push(): the verdict, and
	 * with it the end of dr, may come before it returns */
	mem_ref(dr);
	err = deliver_push(ps->dlv, &rt, &dr->push, delivered, dr, &dr->dl);
	if (err) {
		drain_clear(dr);
		stop(dr, "cannot hand it over");
	}
	else {
		DEBUG_INFO("%s: stored push %016llx (arrived %s) handed over "
			   "as push %llu\n", dr->app,
			   (unsigned long long)store_rec_seq(rec), dr->arrived,
			   (unsigned long long)dr->push.id);
	}
	mem_deref(dr);
}


/**
 * An owner subscribed to app and takes stored pushes: hand them over,
 * oldest first. A hand-over already under way for app goes on.
 */
void pushstore_drain(struct pushstore *ps, const char *app)
{
	struct drain *dr;

	if (!ps || !app || !ps->st || !store_count(ps->st, app))
		return;

	for (struct le *le = ps->drains.head; le; le = le->next) {
		dr = le->data;
		if (!strcmp(dr->app, app))
			return;
	}

	dr = mem_zalloc(sizeof(*dr), drain_destructor);
	if (!dr)
		return;

	dr->ps = ps;
	dr->fd = -1;
	tmr_init(&dr->tmr);
	str_ncpy(dr->app, app, sizeof(dr->app));
	list_append(&ps->drains, &dr->le, dr);

	DEBUG_INFO("%s: %u stored pushes to hand over\n", app,
		   store_count(ps->st, app));

	step(dr);
}


uint32_t pushstore_count(const struct pushstore *ps, const char *app)
{
	return ps ? store_count(ps->st, app) : 0;
}


/** STATUS lines */
int pushstore_status(struct re_printf *pf, const struct pushstore *ps)
{
	int err;

	if (!ps)
		return 0;

	err  = re_hprintf(pf, "stored=%u\nstored_total=%llu\n"
			  "stored_handed=%llu\nstored_refused=%llu\n"
			  "store_full=%llu\nstore_errors=%llu\n",
			  store_total(ps->st), (unsigned long long)ps->stored,
			  (unsigned long long)ps->handed,
			  (unsigned long long)ps->refused,
			  (unsigned long long)ps->full,
			  (unsigned long long)ps->errors);

	for (size_t i = 0; i < ps->cfg->storec; i++) {
		const struct config_store *cs = &ps->cfg->stores[i];

		err |= re_hprintf(pf, "store=%s pushes=%u bytes=%llu "
				  "max_pushes=%u max_bytes=%u\n", cs->appid,
				  store_count(ps->st, cs->appid),
				  (unsigned long long)store_bytes(ps->st,
								  cs->appid),
				  cs->count, cs->bytes);
	}

	return err;
}
