/* router.c: the routing table and the one record of subscriptions: who receives a push for an application ID. */
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "appset.h"
#include "mediatype.h"
#include "router.h"

#define DEBUG_MODULE "router"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * The rule for several subscribers of one application ID: one owner at a
 * time, whose ACK or NACK decides what the sender hears, plus up to
 * ROUTE_MONITORS_MAX read-only monitors that get a copy and whose answers
 * do not count. A second owner is refused (EBUSY) rather than silently
 * replacing the first: two apps racing for one ID is a device
 * misconfiguration that should be seen, not load-balanced.
 *
 * Every subscription holds a reference on the ID in the appset, so the
 * first subscriber of a new ID gets it advertised and the last one to
 * leave withdraws it (static "app" lines stay pinned).
 *
 * This is the only record of subscriptions: each one is linked both
 * under its application ID (for lookups) and under its subscriber (for
 * the per-subscriber limit and for "unsubscribe all" when an app goes),
 * so neither walk is longer than its own list.
 */

enum {
	HASH_BUCKETS = 256,
	HANDLE_BUCKETS = 64,
	FILTER_MAX   = 127,
};

struct rentry;
struct rhandle;

struct sub {
	struct le le;                  /* in rentry monitors (owner: none) */
	struct le hle;                 /* in rhandle subs */
	struct rentry *e;
	struct rhandle *h;
	bool monitor;
	bool unwrap;                   /* message/cpim: the inner content */
	char filter[FILTER_MAX + 1];   /* "" = everything */
	char enc[ROUTE_ENCODINGS_MAX + 1]; /* codings it takes, "a,b" */
};

struct rentry {
	struct le he;
	char appid[APPID_SIZE];
	struct sub *owner;
	struct list monitors;
};

/* One subscriber (an IPC client) and what it subscribed to */
struct rhandle {
	struct le he;
	void *handle;
	struct list subs;
};

struct router {
	struct hash *ht;        /* struct rentry by application ID */
	struct hash *hh;        /* struct rhandle by handle */
	struct appset *apps;
	size_t subc;
	uint32_t per_handle;    /* subscriptions one subscriber may hold */
};


static void entry_destructor(void *arg)
{
	struct rentry *e = arg;

	hash_unlink(&e->he);
}


static void handle_destructor(void *arg)
{
	struct rhandle *h = arg;

	hash_unlink(&h->he);
}


static void sub_destructor(void *arg)
{
	struct sub *s = arg;

	list_unlink(&s->le);
	list_unlink(&s->hle);
}


static bool flush_apply(struct le *le, void *arg)
{
	struct rhandle *h = le->data;
	(void)arg;

	/* subscriptions first: they point at their entries */
	while (!list_isempty(&h->subs)) {
		struct sub *s = list_head(&h->subs)->data;

		if (s->e->owner == s)
			s->e->owner = NULL;
		mem_deref(s);
	}

	return false;
}


static void router_destructor(void *arg)
{
	struct router *r = arg;

	(void)hash_apply(r->hh, flush_apply, NULL);
	hash_flush(r->hh);
	hash_flush(r->ht);
	mem_deref(r->hh);
	mem_deref(r->ht);
	mem_deref(r->apps);
}


/**
 * @param rp          Pointer to allocated router
 * @param apps        Advertised application IDs (referenced)
 * @param per_handle  Subscriptions one subscriber may hold (EMLINK above)
 */
int router_alloc(struct router **rp, struct appset *apps,
		 uint32_t per_handle)
{
	struct router *r;
	int err;

	if (!rp || !apps || !per_handle)
		return EINVAL;

	r = mem_zalloc(sizeof(*r), router_destructor);
	if (!r)
		return ENOMEM;

	r->apps = mem_ref(apps);
	r->per_handle = per_handle;
	err  = hash_alloc(&r->ht, HASH_BUCKETS);
	err |= hash_alloc(&r->hh, HANDLE_BUCKETS);

	if (err)
		mem_deref(r);
	else
		*rp = r;

	return err ? ENOMEM : 0;
}


static bool entry_cmp(struct le *le, void *arg)
{
	const struct rentry *e = le->data;

	return 0 == strcmp(e->appid, arg);
}


static struct rentry *find(const struct router *r, const char *appid)
{
	struct le *le = hash_lookup(r->ht, hash_joaat_str(appid), entry_cmp,
				    (void *)appid);

	return le ? le->data : NULL;
}


static uint32_t handle_key(const void *handle)
{
	return hash_fast((const char *)&handle, sizeof(handle));
}


static bool handle_cmp(struct le *le, void *arg)
{
	const struct rhandle *h = le->data;

	return h->handle == arg;
}


static struct rhandle *find_handle(const struct router *r,
				   const void *handle)
{
	struct le *le = hash_lookup(r->hh, handle_key(handle), handle_cmp,
				    (void *)handle);

	return le ? le->data : NULL;
}


static struct sub *find_sub(const struct rhandle *h, const char *appid)
{
	for (struct le *le = list_head(&h->subs); le; le = le->next) {
		struct sub *s = le->data;

		if (!strcmp(s->e->appid, appid))
			return s;
	}

	return NULL;
}


/* "" , "*" and "* / *" (no blanks) mean everything, stored as "" */
static bool filter_all(const char *f)
{
	return !f || !*f || !strcmp(f, "*") || !strcmp(f, "*/*");
}


static void drop_sub(struct router *r, struct sub *s)
{
	struct rentry *e = s->e;
	struct rhandle *h = s->h;

	if (e->owner == s)
		e->owner = NULL;

	mem_deref(s);
	--r->subc;
	appset_unref(r->apps, e->appid);

	if (!e->owner && list_isempty(&e->monitors))
		mem_deref(e);
	if (list_isempty(&h->subs))
		mem_deref(h);
}


static bool coding_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		strchr("-.!%*_+`'~", c);
}


/* "gzip,BR" -> "gzip,br": tokens (RFC 3261 §25.1), lower-case, a comma
 * between, none empty; identity is always taken and not listed */
static int encodings_norm(char *out, size_t sz, const char *in)
{
	size_t n = 0;
	bool start = true;

	out[0] = '\0';
	if (!in || !*in)
		return 0;

	for (; *in; in++) {
		char c = (char)tolower((unsigned char)*in);

		if (c == ',') {
			if (start)
				return EINVAL;
			start = true;
		}
		else if (coding_char(c)) {
			start = false;
		}
		else {
			return EINVAL;
		}

		if (n + 1 >= sz)
			return EINVAL;
		out[n++] = c;
	}

	out[n] = '\0';
	return start ? EINVAL : 0;
}


/* Is coding (a token) in the list "a,b"? */
static bool coding_in(const char *list, const char *coding, size_t len)
{
	for (const char *p = list; *p; ) {
		size_t l = strcspn(p, ",");

		if (l == len && !strncasecmp(p, coding, len))
			return true;
		p += l + (p[l] == ',');
	}

	return false;
}


/* Does a subscriber with codings list take every coding of enc (", ")? */
static bool codings_ok(const char *list, const char *enc)
{
	if (!enc)
		return true;

	for (const char *p = enc; *p; ) {
		size_t l;

		while (*p == ',' || *p == ' ')
			++p;
		l = strcspn(p, ", ");
		if (l && !coding_in(list, p, l))
			return false;
		p += l;
	}

	return true;
}


/**
 * Add a subscription.
 *
 * @param r        Router
 * @param handle   The subscriber (opaque: an IPC client)
 * @param appid    Canonical application ID
 * @param filter   Content-type filter, NULL or "" for all
 * @param monitor  Read-only copy instead of owner
 *
 * @return 0, EALREADY (handle has this ID), EMLINK (handle has its
 *         per_handle subscriptions), EBUSY (owner taken), ENOSPC
 *         (monitors full), EINVAL (bad filter)
 */
int router_subscribe(struct router *r, void *handle, const char *appid,
		     const char *filter, bool monitor)
{
	return router_subscribe_ex(r, handle, appid, filter, monitor, NULL);
}


/**
 * Add a subscription with options: message/cpim pushes unwrapped, and
 * the content-codings the subscriber decodes itself.
 *
 * @param opts  NULL: none (as router_subscribe())
 *
 * @return as router_subscribe(); EINVAL also for a bad encodings list
 */
int router_subscribe_ex(struct router *r, void *handle, const char *appid,
			const char *filter, bool monitor,
			const struct router_opts *opts)
{
	char enc[ROUTE_ENCODINGS_MAX + 1];
	struct rentry *e = NULL;
	struct rhandle *h;
	struct sub *s = NULL;
	int err;

	if (!r || !handle || !appid || strlen(appid) > APPID_MAX)
		return EINVAL;

	if (!filter_all(filter) &&
	    (strlen(filter) > FILTER_MAX ||
	     !mediatype_valid(filter, strlen(filter), MEDIATYPE_WILDCARD)))
		return EINVAL;

	if (encodings_norm(enc, sizeof(enc), opts ? opts->encodings : NULL))
		return EINVAL;

	h = find_handle(r, handle);
	if (h && find_sub(h, appid))
		return EALREADY;
	if (h && list_count(&h->subs) >= r->per_handle)
		return EMLINK;

	e = find(r, appid);
	if (e && !monitor && e->owner)
		return EBUSY;
	if (e && monitor && list_count(&e->monitors) >= ROUTE_MONITORS_MAX)
		return ENOSPC;

	err = appset_ref(r->apps, appid);
	if (err)
		return err;

	s = mem_zalloc(sizeof(*s), sub_destructor);
	if (!s)
		goto nomem;

	if (!e) {
		e = mem_zalloc(sizeof(*e), entry_destructor);
		if (!e)
			goto nomem;
		strcpy(e->appid, appid);
		hash_append(r->ht, hash_joaat_str(appid), &e->he, e);
	}

	if (!h) {
		h = mem_zalloc(sizeof(*h), handle_destructor);
		if (!h)
			goto nomem;
		h->handle = handle;
		hash_append(r->hh, handle_key(handle), &h->he, h);
	}

	s->e = e;
	s->h = h;
	s->monitor = monitor;
	s->unwrap  = opts && opts->unwrap;
	str_ncpy(s->enc, enc, sizeof(s->enc));
	if (!filter_all(filter))
		str_ncpy(s->filter, filter, sizeof(s->filter));

	if (monitor)
		list_append(&e->monitors, &s->le, s);
	else
		e->owner = s;
	list_append(&h->subs, &s->hle, s);

	++r->subc;
	DEBUG_INFO("%s subscribed to %s%s%s%s%s%s\n",
		   monitor ? "monitor" : "owner", appid,
		   s->filter[0] ? " filter " : "", s->filter,
		   s->unwrap ? " unwrap" : "", s->enc[0] ? " encoding=" : "",
		   s->enc);

	return 0;

 nomem:
	mem_deref(s);
	if (e && !e->owner && list_isempty(&e->monitors))
		mem_deref(e);
	appset_unref(r->apps, appid);
	return ENOMEM;
}


/**
 * Remove one subscription of handle, or all of them (appid NULL).
 *
 * @return 0, ENOENT (nothing to remove)
 */
int router_unsubscribe(struct router *r, void *handle, const char *appid)
{
	struct rhandle *h;
	struct sub *s;

	if (!r || !handle)
		return EINVAL;

	h = find_handle(r, handle);
	if (!h)
		return ENOENT;

	if (appid) {
		s = find_sub(h, appid);
		if (!s)
			return ENOENT;
		drop_sub(r, s);
		return 0;
	}

	/* the last drop frees h: count first, do not look at it after */
	for (uint32_t n = list_count(&h->subs); n; n--)
		drop_sub(r, list_ledata(list_head(&h->subs)));

	return 0;
}


/**
 * Is handle subscribed to appid, and as a monitor?
 */
bool router_subscribed(const struct router *r, const void *handle,
		       const char *appid, bool *monitor)
{
	const struct rhandle *h = r && handle && appid ?
		find_handle(r, handle) : NULL;
	const struct sub *s = h ? find_sub(h, appid) : NULL;

	if (s && monitor)
		*monitor = s->monitor;

	return s != NULL;
}


/**
 * Find who gets a push.
 *
 * @param r      Router
 * @param appid  Canonical application ID
 * @param ctype  Content type of the push ("type/subtype[;params]"), or
 *               NULL when it is not known yet (filters not applied)
 * @param rt     Filled with owner and matching monitors on ROUTE_OK, and
 *               the owner's filter on ROUTE_CTYPE
 */
enum route_result router_lookup(const struct router *r, const char *appid,
				const char *ctype, struct route *rt)
{
	const struct route_query q = {ctype, NULL, NULL};

	return router_query(r, appid, &q, rt);
}


/* Does subscription s take the push? Its filter sees the inner type of
 * a CPIM push if it unwraps, the type as sent otherwise. */
static bool takes(const struct sub *s, const struct route_query *q)
{
	const char *type = s->unwrap && q->inner ? q->inner : q->ctype;

	if (!codings_ok(s->enc, q->encoding))
		return false;

	/* no type yet (an INVITE): the filter is checked per message */
	return !type || mediatype_match(s->filter, type);
}


/**
 * Find who gets a push, by everything the filters look at: the type,
 * the inner type of a message/cpim push, the content-codings.
 *
 * @param r      Router
 * @param appid  Canonical application ID
 * @param q      The push
 * @param rt     Filled with owner and matching monitors (each with its
 *               unwrap wish) on ROUTE_OK, the owner's filter on
 *               ROUTE_CTYPE, its codings on ROUTE_ENCODING
 */
enum route_result router_query(const struct router *r, const char *appid,
			       const struct route_query *q, struct route *rt)
{
	const struct rentry *e;

	if (!r || !appid || !q || !rt)
		return ROUTE_NOT_SERVED;

	memset(rt, 0, sizeof(*rt));

	if (!appset_contains(r->apps, appid))
		return ROUTE_NOT_SERVED;

	e = find(r, appid);
	if (!e || !e->owner)
		return ROUTE_NO_SUBSCRIBER;

	if (!codings_ok(e->owner->enc, q->encoding)) {
		rt->encodings = e->owner->enc;
		return ROUTE_ENCODING;
	}

	if (!takes(e->owner, q)) {
		rt->filter = e->owner->filter;
		return ROUTE_CTYPE;
	}

	rt->owner     = e->owner->h->handle;
	rt->filter    = e->owner->filter[0] ? e->owner->filter : NULL;
	rt->encodings = e->owner->enc;
	rt->unwrap    = e->owner->unwrap && q->inner;

	for (struct le *le = list_head(&e->monitors); le; le = le->next) {
		const struct sub *s = le->data;

		if (rt->monitorc < ROUTE_MONITORS_MAX && takes(s, q)) {
			rt->monitor_unwrap[rt->monitorc] = s->unwrap && q->inner;
			rt->monitorv[rt->monitorc++] = s->h->handle;
		}
	}

	return ROUTE_OK;
}


size_t router_count(const struct router *r)
{
	return r ? r->subc : 0;
}


struct print_acc {
	struct re_printf *pf;
	router_keep_h *keeph;
	void *arg;
};


static bool print_apply(struct le *le, void *arg)
{
	const struct rentry *e = le->data;
	struct print_acc *acc = arg;

	if (acc->keeph && !acc->keeph(e->appid, acc->arg))
		return false;

	return 0 != re_hprintf(acc->pf, "route=%s owner=%s monitors=%u\n",
			       e->appid, e->owner ? "yes" : "no",
			       list_count(&e->monitors));
}


struct accept_acc {
	char buf[ROUTE_ACCEPT_MAX + 1];
	size_t len;
	bool owners;
	bool all;
};


/* one owner's filter into the union: "" takes everything; a type
 * already listed is not listed again */
static bool accept_apply(struct le *le, void *arg)
{
	const struct rentry *e = le->data;
	struct accept_acc *acc = arg;
	const char *f;
	size_t fl;

	if (!e->owner)
		return false;

	acc->owners = true;
	f = e->owner->filter;
	fl = strlen(f);
	if (!fl) {
		acc->all = true;
		return true;
	}

	for (const char *p = acc->buf; *p; ) {
		size_t l = strcspn(p, ",");

		if (l == fl && !strncmp(p, f, fl))
			return false;
		p += l + (p[l] == ',');
		while (*p == ' ')
			++p;
	}

	/* past the bound the union says everything: a superset is true */
	if (acc->len + (acc->len ? 2 : 0) + fl > ROUTE_ACCEPT_MAX) {
		acc->all = true;
		return true;
	}

	if (acc->len) {
		memcpy(acc->buf + acc->len, ", ", 2);
		acc->len += 2;
	}
	memcpy(acc->buf + acc->len, f, fl);
	acc->len += fl;
	acc->buf[acc->len] = '\0';

	return false;
}


/**
 * The Accept of OPTIONS: the union of the connected owners' filters,
 * "* / *" when one takes any type, or when no owner is connected (a push
 * may still be stored or its app started, whatever its type).
 */
int router_accept_print(struct re_printf *pf, const struct router *r)
{
	struct accept_acc acc;

	memset(&acc, 0, sizeof(acc));
	if (r)
		(void)hash_apply(r->ht, accept_apply, &acc);

	return re_hprintf(pf, "%s", !acc.owners || acc.all ? "*/*" : acc.buf);
}


/** One "route ..." line per application ID with subscribers. */
int router_print(struct re_printf *pf, const struct router *r)
{
	return router_print_if(pf, r, NULL, NULL);
}


/** The route= lines of the IDs keeph keeps (NULL: all), for STATUS. */
int router_print_if(struct re_printf *pf, const struct router *r,
		    router_keep_h *keeph, void *arg)
{
	struct print_acc acc = {pf, keeph, arg};

	if (!r)
		return 0;

	return hash_apply(r->ht, print_apply, &acc) ? ENOMEM : 0;
}
