/* router.c: the routing table: who receives a push for an application ID. */
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "appset.h"
#include "router.h"

#define DEBUG_MODULE "router"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include <re_dbg.h>

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
 */

enum {
	HASH_BUCKETS = 256,
	FILTER_MAX   = 127,
};

struct sub {
	struct le le;
	void *handle;
	char filter[FILTER_MAX + 1];   /* "" = everything */
};

struct rentry {
	struct le he;
	char appid[APPID_SIZE];
	struct sub *owner;
	struct list monitors;
	struct router *r;
};

struct router {
	struct hash *ht;
	struct appset *apps;
	size_t subc;
};


static void entry_destructor(void *arg)
{
	struct rentry *e = arg;

	hash_unlink(&e->he);
	mem_deref(e->owner);
	list_flush(&e->monitors);
}


static void router_destructor(void *arg)
{
	struct router *r = arg;

	hash_flush(r->ht);
	mem_deref(r->ht);
	mem_deref(r->apps);
}


int router_alloc(struct router **rp, struct appset *apps)
{
	struct router *r;
	int err;

	if (!rp || !apps)
		return EINVAL;

	r = mem_zalloc(sizeof(*r), router_destructor);
	if (!r)
		return ENOMEM;

	r->apps = mem_ref(apps);
	err = hash_alloc(&r->ht, HASH_BUCKETS);

	if (err)
		mem_deref(r);
	else
		*rp = r;

	return err;
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


/* "type/subtype" without parameters, compared case-insensitively */
static size_t media_len(const char *ct)
{
	size_t n = strcspn(ct, "; \t");

	return n;
}


/**
 * Does a content type pass a filter? Filters are "*", "type/any" (written
 * with a star) or
 * "type/subtype"; an empty filter passes everything.
 */
bool router_ctype_match(const char *filter, const char *ctype)
{
	const char *slash;
	size_t fl, cl;

	if (!filter || !*filter || !strcmp(filter, "*") ||
	    !strcmp(filter, "*/*"))
		return true;

	if (!ctype)
		return false;

	fl = strlen(filter);
	cl = media_len(ctype);

	slash = strchr(filter, '/');
	if (slash && !strcmp(slash, "/*")) {
		size_t tl = (size_t)(slash - filter) + 1;   /* "type/" */

		return cl > tl && !strncasecmp(filter, ctype, tl);
	}

	return fl == cl && !strncasecmp(filter, ctype, fl);
}


static bool filter_valid(const char *f)
{
	const char *slash = strchr(f, '/');
	size_t n = strlen(f);

	if (!n || n > FILTER_MAX)
		return false;
	if (!strcmp(f, "*"))
		return true;
	if (!slash || slash == f || !slash[1] || strchr(slash + 1, '/'))
		return false;

	/* RFC 7230 tchar, as the IPC grammar has them (doc/ipc.md) */
	for (const char *p = f; *p; p++) {
		if (p == slash)
			continue;
		if (!(isalnum((unsigned char)*p) ||
		      strchr("!#$%&'*+-.^_`|~", *p)))
			return false;
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
 * @return 0, EBUSY (owner taken), EALREADY, ENOSPC (monitors full),
 *         EINVAL (bad filter)
 */
int router_subscribe(struct router *r, void *handle, const char *appid,
		     const char *filter, bool monitor)
{
	struct rentry *e;
	struct sub *s;
	bool fresh = false;
	int err;

	if (!r || !handle || !appid || strlen(appid) > APPID_MAX)
		return EINVAL;

	if (filter && *filter && !filter_valid(filter))
		return EINVAL;

	e = find(r, appid);
	if (!e) {
		e = mem_zalloc(sizeof(*e), entry_destructor);
		if (!e)
			return ENOMEM;
		strcpy(e->appid, appid);
		e->r = r;
		hash_append(r->ht, hash_joaat_str(appid), &e->he, e);
		fresh = true;
	}

	if (e->owner && e->owner->handle == handle)
		return EALREADY;
	for (struct le *le = list_head(&e->monitors); le; le = le->next)
		if (((struct sub *)le->data)->handle == handle)
			return EALREADY;

	if (!monitor && e->owner)
		return EBUSY;
	if (monitor && list_count(&e->monitors) >= ROUTE_MONITORS_MAX)
		return ENOSPC;

	s = mem_zalloc(sizeof(*s), NULL);
	if (!s) {
		err = ENOMEM;
		goto out;
	}
	s->handle = handle;
	if (filter && strcmp(filter, "*") && strcmp(filter, "*/*"))
		str_ncpy(s->filter, filter, sizeof(s->filter));

	err = appset_ref(r->apps, appid);
	if (err) {
		mem_deref(s);
		goto out;
	}

	if (monitor)
		list_append(&e->monitors, &s->le, s);
	else
		e->owner = s;

	++r->subc;
	DEBUG_INFO("%s subscribed to %s%s%s\n", monitor ? "monitor" : "owner",
		   appid, s->filter[0] ? " filter " : "", s->filter);

 out:
	if (err && fresh)
		mem_deref(e);

	return err;
}


static void drop_sub(struct router *r, struct rentry *e, struct sub *s)
{
	if (e->owner == s)
		e->owner = NULL;
	else
		list_unlink(&s->le);

	mem_deref(s);
	--r->subc;
	appset_unref(r->apps, e->appid);
}


static void unsub_entry(struct router *r, struct rentry *e, void *handle)
{
	if (e->owner && e->owner->handle == handle)
		drop_sub(r, e, e->owner);

	for (struct le *le = list_head(&e->monitors); le; ) {
		struct sub *s = le->data;

		le = le->next;
		if (s->handle == handle)
			drop_sub(r, e, s);
	}

	if (!e->owner && list_isempty(&e->monitors))
		mem_deref(e);
}


struct unsub_arg {
	struct router *r;
	void *handle;
};


static bool unsub_apply(struct le *le, void *arg)
{
	struct unsub_arg *ua = arg;

	unsub_entry(ua->r, le->data, ua->handle);
	return false;
}


/**
 * Remove one subscription of handle, or all of them (appid NULL).
 */
void router_unsubscribe(struct router *r, void *handle, const char *appid)
{
	struct unsub_arg ua = {r, handle};

	if (!r || !handle)
		return;

	if (appid) {
		struct rentry *e = find(r, appid);

		if (e)
			unsub_entry(r, e, handle);
		return;
	}

	/* hash_apply tolerates unlinking the current element: it takes
	 * le->next before calling us */
	(void)hash_apply(r->ht, unsub_apply, &ua);
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
	const struct rentry *e;

	if (!r || !appid || !rt)
		return ROUTE_NOT_SERVED;

	memset(rt, 0, sizeof(*rt));

	if (!appset_contains(r->apps, appid))
		return ROUTE_NOT_SERVED;

	e = find(r, appid);
	if (!e || !e->owner)
		return ROUTE_NO_SUBSCRIBER;

	/* no type yet (an INVITE): the filter is checked per message */
	if (ctype && !router_ctype_match(e->owner->filter, ctype)) {
		rt->filter = e->owner->filter;
		return ROUTE_CTYPE;
	}

	rt->owner  = e->owner->handle;
	rt->filter = e->owner->filter[0] ? e->owner->filter : NULL;

	for (struct le *le = list_head(&e->monitors); le; le = le->next) {
		const struct sub *s = le->data;

		if (rt->monitorc < ROUTE_MONITORS_MAX &&
		    (!ctype || router_ctype_match(s->filter, ctype)))
			rt->monitorv[rt->monitorc++] = s->handle;
	}

	return ROUTE_OK;
}


size_t router_count(const struct router *r)
{
	return r ? r->subc : 0;
}


static bool print_apply(struct le *le, void *arg)
{
	const struct rentry *e = le->data;
	struct re_printf *pf = arg;

	return 0 != re_hprintf(pf, "route=%s owner=%s monitors=%u\n",
			       e->appid, e->owner ? "yes" : "no",
			       list_count(&e->monitors));
}


/** One "route ..." line per application ID with subscribers. */
int router_print(struct re_printf *pf, const struct router *r)
{
	if (!r)
		return 0;

	return hash_apply(r->ht, print_apply, pf) ? ENOMEM : 0;
}
