/* test_router.c: the routing table: owners, monitors, filters, appset references. */
#include <string.h>
#include <errno.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "appset.h"
#include "router.h"
#include "unit.h"

#define MMS  "x-wap-application:mms.ua"
#define ULP  "x-oma-application:ulp.ua"
#define FOO  "x-oma-application:foo.ua"
#define BAR  "x-oma-application:bar.ua"

enum { MANY = 1000 };

static unsigned changes;
static struct appset *set;
static struct router *rtr;

/* Subscriber handles are opaque to the router: any distinct addresses. */
static char h[MANY];


static void change_handler(void *arg)
{
	CU_ASSERT_PTR_EQUAL(arg, &changes);
	++changes;
}


static void setup(void)
{
	changes = 0;
	set = NULL;
	rtr = NULL;
	CU_ASSERT(appset_alloc(&set, change_handler, &changes) == 0);
	CU_ASSERT(router_alloc(&rtr, set, MANY) == 0);
	CU_ASSERT(rtr != NULL);
}


static void teardown(void)
{
	rtr = mem_deref(rtr);
	set = mem_deref(set);
}


static int set_static(const char *const *ids, size_t n)
{
	char (*v)[APPID_SIZE];
	int err;

	v = mem_zalloc((n ? n : 1) * sizeof(*v), NULL);
	if (!v)
		return ENOMEM;

	for (size_t i = 0; i < n; i++)
		str_ncpy(v[i], ids[i], sizeof(v[i]));

	err = appset_set_static(set, (const char (*)[APPID_SIZE])v, n);
	mem_deref(v);
	return err;
}


/* A route filled with garbage, to see that router_lookup() resets it. */
static void dirty(struct route *rt)
{
	memset(rt, 0xa5, sizeof(*rt));
}


static char *print_table(void)
{
	char *s = NULL;

	CU_ASSERT_EQUAL(re_sdprintf(&s, "%H", router_print, rtr), 0);
	return s;
}


/* --- owners ---------------------------------------------------------- */

static void test_owner(void)
{
	struct route rt;

	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, NULL, false), 0);
	UNIT_ASSERT_INT(router_count(rtr), 1);
	CU_ASSERT_TRUE(appset_contains(set, MMS));
	CU_ASSERT_FALSE(appset_is_static(set, MMS));
	UNIT_ASSERT_INT(changes, 1);

	dirty(&rt);
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, "application/vnd.wap.mms-"
				      "message", &rt), ROUTE_OK);
	CU_ASSERT_PTR_EQUAL(rt.owner, &h[1]);
	UNIT_ASSERT_INT(rt.monitorc, 0);
	CU_ASSERT_PTR_NULL(rt.filter);

	/* no content type at all: an owner without a filter takes it */
	dirty(&rt);
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, NULL, &rt), ROUTE_OK);
	CU_ASSERT_PTR_EQUAL(rt.owner, &h[1]);
}


static void test_second_owner_busy(void)
{
	struct route rt;

	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, NULL, false), 0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[2], MMS, NULL, false), EBUSY);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[2], MMS, "text/plain",
					 false), EBUSY);

	/* nothing changed for the first one, no reference leaked */
	UNIT_ASSERT_INT(router_count(rtr), 1);
	UNIT_ASSERT_INT(changes, 1);
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, "text/plain", &rt), ROUTE_OK);
	CU_ASSERT_PTR_EQUAL(rt.owner, &h[1]);

	router_unsubscribe(rtr, &h[1], MMS);
	CU_ASSERT_FALSE(appset_contains(set, MMS));
	UNIT_ASSERT_INT(router_count(rtr), 0);

	/* the slot is free again */
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[2], MMS, NULL, false), 0);
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, "text/plain", &rt), ROUTE_OK);
	CU_ASSERT_PTR_EQUAL(rt.owner, &h[2]);
}


static void test_same_handle_twice(void)
{
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, NULL, false), 0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, NULL, false),
			EALREADY);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, "text/plain",
					 true), EALREADY);

	UNIT_ASSERT_INT(router_subscribe(rtr, &h[2], MMS, NULL, true), 0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[2], MMS, NULL, true),
			EALREADY);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[2], MMS, NULL, false),
			EALREADY);

	UNIT_ASSERT_INT(router_count(rtr), 2);
	UNIT_ASSERT_INT(changes, 1);

	/* still one reference each: two unsubscribes withdraw the ID */
	router_unsubscribe(rtr, &h[1], MMS);
	CU_ASSERT_TRUE(appset_contains(set, MMS));
	router_unsubscribe(rtr, &h[2], MMS);
	CU_ASSERT_FALSE(appset_contains(set, MMS));
	UNIT_ASSERT_INT(changes, 2);
	UNIT_ASSERT_INT(router_count(rtr), 0);

	/* the same handle on another ID is a different subscription */
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, NULL, false), 0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], ULP, NULL, false), 0);
	UNIT_ASSERT_INT(router_count(rtr), 2);
}


/* --- monitors -------------------------------------------------------- */

static void test_monitors(void)
{
	static const char *const filters[ROUTE_MONITORS_MAX] = {
		"text/plain", "application/*", NULL, "", "*", "*/*",
		"text/*", "image/png",
	};
	/* which of them take a text/plain push, in subscription order */
	static const bool text_plain[ROUTE_MONITORS_MAX] = {
		true, false, true, true, true, true, true, false,
	};
	static const bool app_xml[ROUTE_MONITORS_MAX] = {
		false, true, true, true, true, true, false, false,
	};
	struct route rt;
	size_t n;

	UNIT_ASSERT_INT(router_subscribe(rtr, &h[0], MMS, NULL, false), 0);

	for (size_t i = 0; i < ROUTE_MONITORS_MAX; i++)
		UNIT_ASSERT_INT(router_subscribe(rtr, &h[10 + i], MMS,
						 filters[i], true), 0);

	/* one more is refused, and leaves nothing behind */
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[99], MMS, NULL, true), ENOSPC);
	UNIT_ASSERT_INT(router_count(rtr), 1 + ROUTE_MONITORS_MAX);
	UNIT_ASSERT_INT(changes, 1);

	dirty(&rt);
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, "text/plain;charset=utf-8",
				      &rt), ROUTE_OK);
	CU_ASSERT_PTR_EQUAL(rt.owner, &h[0]);
	CU_ASSERT_PTR_NULL(rt.filter);
	n = 0;
	for (size_t i = 0; i < ROUTE_MONITORS_MAX; i++) {
		if (!text_plain[i])
			continue;
		CU_ASSERT_FATAL(n < rt.monitorc);
		CU_ASSERT_PTR_EQUAL(rt.monitorv[n], &h[10 + i]);
		++n;
	}
	UNIT_ASSERT_INT(rt.monitorc, n);

	dirty(&rt);
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, "Application/XML", &rt),
			ROUTE_OK);
	n = 0;
	for (size_t i = 0; i < ROUTE_MONITORS_MAX; i++) {
		if (!app_xml[i])
			continue;
		CU_ASSERT_FATAL(n < rt.monitorc);
		CU_ASSERT_PTR_EQUAL(rt.monitorv[n], &h[10 + i]);
		++n;
	}
	UNIT_ASSERT_INT(rt.monitorc, n);

	/* a monitor leaving makes room for another */
	router_unsubscribe(rtr, &h[10], MMS);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[99], MMS, "text/plain", true),
			0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[98], MMS, NULL, true), ENOSPC);
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, "text/plain", &rt), ROUTE_OK);
	UNIT_ASSERT_INT(rt.monitorc, 6);
	CU_ASSERT_PTR_EQUAL(rt.monitorv[rt.monitorc - 1], &h[99]);

	/* the monitor limit does not stop a new owner */
	router_unsubscribe(rtr, &h[0], MMS);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, NULL, false), 0);
	UNIT_ASSERT_INT(router_count(rtr), 1 + ROUTE_MONITORS_MAX);
}


/* A push is never handed to monitors alone. */
static void test_monitors_only(void)
{
	static const char *const ids[] = {ULP};
	struct route rt;

	/* dynamic: a monitor's subscription advertises the ID ... */
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, NULL, true), 0);
	CU_ASSERT_TRUE(appset_contains(set, MMS));
	UNIT_ASSERT_INT(changes, 1);

	/* ... but without an owner nobody takes the push */
	dirty(&rt);
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, "text/plain", &rt),
			ROUTE_NO_SUBSCRIBER);
	CU_ASSERT_PTR_NULL(rt.owner);
	UNIT_ASSERT_INT(rt.monitorc, 0);

	/* static ID with only a monitor */
	UNIT_ASSERT_INT(set_static(ids, 1), 0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[2], ULP, NULL, true), 0);
	UNIT_ASSERT_INT(router_lookup(rtr, ULP, "text/plain", &rt),
			ROUTE_NO_SUBSCRIBER);
	UNIT_ASSERT_INT(rt.monitorc, 0);
}


/* --- lookup results -------------------------------------------------- */

static void test_not_served(void)
{
	struct route rt;

	dirty(&rt);
	UNIT_ASSERT_INT(router_lookup(rtr, FOO, "text/plain", &rt),
			ROUTE_NOT_SERVED);
	CU_ASSERT_PTR_NULL(rt.owner);
	UNIT_ASSERT_INT(rt.monitorc, 0);
	CU_ASSERT_PTR_NULL(rt.filter);

	/* other IDs being served does not change that */
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, NULL, false), 0);
	UNIT_ASSERT_INT(router_lookup(rtr, FOO, "text/plain", &rt),
			ROUTE_NOT_SERVED);
	UNIT_ASSERT_INT(router_lookup(rtr, "", "text/plain", &rt),
			ROUTE_NOT_SERVED);

	/* withdrawn again: not served any more */
	router_unsubscribe(rtr, &h[1], MMS);
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, "text/plain", &rt),
			ROUTE_NOT_SERVED);
}


static void test_static_no_subscriber(void)
{
	static const char *const ids[] = {MMS, ULP};
	struct route rt;

	UNIT_ASSERT_INT(set_static(ids, 2), 0);
	UNIT_ASSERT_INT(changes, 1);

	dirty(&rt);
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, "text/plain", &rt),
			ROUTE_NO_SUBSCRIBER);
	CU_ASSERT_PTR_NULL(rt.owner);
	UNIT_ASSERT_INT(rt.monitorc, 0);
	CU_ASSERT_PTR_NULL(rt.filter);

	/* an owner comes and goes: the static ID stays advertised */
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, NULL, false), 0);
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, "text/plain", &rt), ROUTE_OK);
	UNIT_ASSERT_INT(changes, 1);
	router_unsubscribe(rtr, &h[1], NULL);
	UNIT_ASSERT_INT(changes, 1);
	CU_ASSERT_TRUE(appset_contains(set, MMS));
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, "text/plain", &rt),
			ROUTE_NO_SUBSCRIBER);
	UNIT_ASSERT_INT(router_count(rtr), 0);
}


static void test_owner_filter(void)
{
	struct route rt;

	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, "text/plain", false),
			0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[2], MMS, NULL, true), 0);

	dirty(&rt);
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, "application/xml", &rt),
			ROUTE_CTYPE);
	UNIT_ASSERT_STR(rt.filter, "text/plain");
	CU_ASSERT_PTR_NULL(rt.owner);
	UNIT_ASSERT_INT(rt.monitorc, 0);   /* monitors do not see it */

	/* no type yet (an INVITE): routed, the filter comes back for the
	 * SDP accept-types, and is applied per MSRP message */
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, NULL, &rt), ROUTE_OK);
	UNIT_ASSERT_STR(rt.filter, "text/plain");
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, "text/plainx", &rt),
			ROUTE_CTYPE);

	/* a match reports the filter too */
	dirty(&rt);
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, "TEXT/PLAIN; charset=utf-8",
				      &rt), ROUTE_OK);
	CU_ASSERT_PTR_EQUAL(rt.owner, &h[1]);
	UNIT_ASSERT_STR(rt.filter, "text/plain");
	UNIT_ASSERT_INT(rt.monitorc, 1);
	CU_ASSERT_PTR_EQUAL(rt.monitorv[0], &h[2]);

	/* "type/ *" */
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[3], ULP, "application/*",
					 false), 0);
	UNIT_ASSERT_INT(router_lookup(rtr, ULP, "application/vnd.omaloc-"
				      "supl-init", &rt), ROUTE_OK);
	UNIT_ASSERT_STR(rt.filter, "application/*");
	UNIT_ASSERT_INT(router_lookup(rtr, ULP, "text/plain", &rt),
			ROUTE_CTYPE);
	UNIT_ASSERT_STR(rt.filter, "application/*");

	/* "*" and "* / *" mean no filter */
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[4], FOO, "*", false), 0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[5], BAR, "*/*", false), 0);
	dirty(&rt);
	UNIT_ASSERT_INT(router_lookup(rtr, FOO, "x/y", &rt), ROUTE_OK);
	CU_ASSERT_PTR_NULL(rt.filter);
	dirty(&rt);
	UNIT_ASSERT_INT(router_lookup(rtr, BAR, NULL, &rt), ROUTE_OK);
	CU_ASSERT_PTR_NULL(rt.filter);
}


/* --- filters --------------------------------------------------------- */

static void test_bad_filters(void)
{
	char longf[130];
	static const char *const bad[] = {
		"text", "/plain", "text/", "a/b/c", "te xt/plain",
		"text/pl ain", "text/plain;a=b", "te\"xt/plain", "text/(x)",
		"text/a,b", "text/a@b", "text/a:b", "/",
	};
	struct route rt;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char what[120];
		int err = router_subscribe(rtr, &h[1], MMS, bad[i], false);

		(void)re_snprintf(what, sizeof(what), "filter \"%s\" refused "
				  "with EINVAL (got %d)", bad[i], err);
		CU_assertImplementation(err == EINVAL, __LINE__, what,
					__FILE__, "", CU_FALSE);

		/* refused as a monitor too */
		UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, bad[i],
						 true), EINVAL);
	}

	/* over-long: 128 characters, every one of them fine */
	memset(longf, 'b', sizeof(longf));
	memcpy(longf, "a/", 2);
	longf[128] = '\0';
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, longf, false),
			EINVAL);

	/* nothing was left behind by the refusals */
	UNIT_ASSERT_INT(router_count(rtr), 0);
	UNIT_ASSERT_INT(appset_count(set), 0);
	UNIT_ASSERT_INT(changes, 0);
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, "a/b", &rt), ROUTE_NOT_SERVED);

	/* 127 is the limit and still goes */
	longf[127] = '\0';
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, longf, false), 0);
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, longf, &rt), ROUTE_OK);
	UNIT_ASSERT_STR(rt.filter, longf);

	/* an existing entry is not disturbed by a bad filter either */
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[2], MMS, "text", true),
			EINVAL);
	UNIT_ASSERT_INT(router_count(rtr), 1);
}


/* doc/ipc.md section 3: a filter is type "/" subtype of RFC 7230 tchar
 * (the RFC 2045 token set), and the IPC server hands every such filter
 * on to router_subscribe(). */
static void test_filter_token_chars(void)
{
	static const char *const good[] = {
		"application/vnd.a+b", "a!#$&-^_.+/x", "x-y/z",
		"application/x%20y", "application/o'brien",
		"application/x`y", "application/a|b", "application/x~y",
	};
	struct route rt;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		char what[120];
		int err = router_subscribe(rtr, &h[1], MMS, good[i], false);

		(void)re_snprintf(what, sizeof(what), "filter \"%s\" "
				  "accepted (got %d)", good[i], err);
		CU_assertImplementation(err == 0, __LINE__, what, __FILE__,
					"", CU_FALSE);
		if (err)
			continue;

		UNIT_ASSERT_INT(router_lookup(rtr, MMS, good[i], &rt),
				ROUTE_OK);
		router_unsubscribe(rtr, &h[1], MMS);
	}

	UNIT_ASSERT_INT(router_count(rtr), 0);
}


/* --- unsubscribe ----------------------------------------------------- */

static void test_unsubscribe_one_vs_all(void)
{
	struct route rt;
	char *s;

	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, NULL, false), 0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], ULP, NULL, true), 0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], FOO, NULL, false), 0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[2], FOO, NULL, true), 0);
	UNIT_ASSERT_INT(router_count(rtr), 4);
	UNIT_ASSERT_INT(appset_count(set), 3);
	UNIT_ASSERT_INT(changes, 3);

	s = print_table();
	UNIT_ASSERT_CONTAINS(s, "route=" MMS " owner=yes monitors=0\n");
	UNIT_ASSERT_CONTAINS(s, "route=" ULP " owner=no monitors=1\n");
	UNIT_ASSERT_CONTAINS(s, "route=" FOO " owner=yes monitors=1\n");
	mem_deref(s);

	/* one ID: the others stay */
	router_unsubscribe(rtr, &h[1], MMS);
	UNIT_ASSERT_INT(router_count(rtr), 3);
	CU_ASSERT_FALSE(appset_contains(set, MMS));
	CU_ASSERT_TRUE(appset_contains(set, ULP));
	CU_ASSERT_TRUE(appset_contains(set, FOO));
	UNIT_ASSERT_INT(changes, 4);

	/* not subscribed there (any more): nothing happens */
	router_unsubscribe(rtr, &h[1], MMS);
	router_unsubscribe(rtr, &h[3], FOO);
	router_unsubscribe(rtr, &h[3], NULL);
	router_unsubscribe(rtr, NULL, FOO);
	router_unsubscribe(rtr, NULL, NULL);
	router_unsubscribe(NULL, &h[1], NULL);
	UNIT_ASSERT_INT(router_count(rtr), 3);
	UNIT_ASSERT_INT(changes, 4);

	/* all of h1: ULP goes (h1 was its only monitor), FOO stays for h2 */
	router_unsubscribe(rtr, &h[1], NULL);
	UNIT_ASSERT_INT(router_count(rtr), 1);
	CU_ASSERT_FALSE(appset_contains(set, ULP));
	CU_ASSERT_TRUE(appset_contains(set, FOO));
	UNIT_ASSERT_INT(changes, 5);
	UNIT_ASSERT_INT(router_lookup(rtr, FOO, "text/plain", &rt),
			ROUTE_NO_SUBSCRIBER);

	s = print_table();
	UNIT_ASSERT_STR(s, "route=" FOO " owner=no monitors=1\n");
	mem_deref(s);

	/* the last subscriber, a monitor, withdraws it */
	router_unsubscribe(rtr, &h[2], FOO);
	CU_ASSERT_FALSE(appset_contains(set, FOO));
	UNIT_ASSERT_INT(changes, 6);
	UNIT_ASSERT_INT(router_count(rtr), 0);
	UNIT_ASSERT_INT(appset_count(set), 0);
	UNIT_ASSERT_INT(router_lookup(rtr, FOO, "text/plain", &rt),
			ROUTE_NOT_SERVED);

	s = print_table();
	UNIT_ASSERT_STR(s, "");
	mem_deref(s);
}


/* The owner leaving before its monitors keeps the ID advertised. */
static void test_owner_leaves_first(void)
{
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, NULL, false), 0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[2], MMS, NULL, true), 0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[3], MMS, NULL, true), 0);
	UNIT_ASSERT_INT(changes, 1);

	router_unsubscribe(rtr, &h[1], NULL);
	CU_ASSERT_TRUE(appset_contains(set, MMS));
	router_unsubscribe(rtr, &h[3], NULL);
	CU_ASSERT_TRUE(appset_contains(set, MMS));
	UNIT_ASSERT_INT(changes, 1);
	router_unsubscribe(rtr, &h[2], MMS);
	CU_ASSERT_FALSE(appset_contains(set, MMS));
	UNIT_ASSERT_INT(changes, 2);
	UNIT_ASSERT_INT(router_count(rtr), 0);
}


static void test_thousand(void)
{
	char (*ids)[APPID_SIZE];
	struct route rt;
	unsigned ok = 0;

	ids = mem_zalloc(MANY * sizeof(*ids), NULL);
	CU_ASSERT_FATAL(ids != NULL);

	for (unsigned i = 0; i < MANY; i++) {
		(void)re_snprintf(ids[i], sizeof(ids[i]),
				  "x-oma-application:app%u.ua", i);
		if (!router_subscribe(rtr, &h[i], ids[i], NULL, i % 3 == 2))
			++ok;
	}
	UNIT_ASSERT_INT(ok, MANY);
	UNIT_ASSERT_INT(router_count(rtr), MANY);
	UNIT_ASSERT_INT(appset_count(set), MANY);
	UNIT_ASSERT_INT(changes, MANY);

	ok = 0;
	for (unsigned i = 0; i < MANY; i++) {
		enum route_result res = router_lookup(rtr, ids[i], "a/b", &rt);

		if (i % 3 == 2)
			ok += res == ROUTE_NO_SUBSCRIBER;
		else
			ok += res == ROUTE_OK && rt.owner == &h[i];
	}
	UNIT_ASSERT_INT(ok, MANY);

	/* one handle on many IDs, removed in one go: the table walk must
	 * survive entries going away under it */
	for (unsigned i = 0; i < MANY; i += 2)
		(void)router_subscribe(rtr, &h[0], ids[i], NULL, true);
	UNIT_ASSERT_INT(router_count(rtr), MANY + MANY / 2 - 1);
	router_unsubscribe(rtr, &h[0], NULL);
	UNIT_ASSERT_INT(router_count(rtr), MANY - 1);
	UNIT_ASSERT_INT(appset_count(set), MANY - 1);
	CU_ASSERT_FALSE(appset_contains(set, ids[0]));

	for (unsigned i = 1; i < MANY; i++)
		router_unsubscribe(rtr, &h[i], i % 2 ? NULL : ids[i]);

	UNIT_ASSERT_INT(router_count(rtr), 0);
	UNIT_ASSERT_INT(appset_count(set), 0);
	UNIT_ASSERT_INT(changes, 2 * MANY);
	UNIT_ASSERT_INT(router_lookup(rtr, ids[MANY - 1], "a/b", &rt),
			ROUTE_NOT_SERVED);

	mem_deref(ids);
}


/* The one record of subscriptions: what a subscriber holds, its limit,
 * and what unsubscribing finds. */
static void test_per_handle(void)
{
	struct router *r2 = NULL;
	char id[APPID_SIZE];
	bool monitor = true;

	UNIT_ASSERT_INT(router_alloc(&r2, set, 3), 0);
	CU_ASSERT_FATAL(r2 != NULL);

	UNIT_ASSERT_INT(router_subscribe(r2, &h[1], MMS, "text/plain",
					 false), 0);
	UNIT_ASSERT_INT(router_subscribe(r2, &h[1], BAR, NULL, true), 0);
	CU_ASSERT_TRUE(router_subscribed(r2, &h[1], MMS, &monitor));
	CU_ASSERT_FALSE(monitor);
	CU_ASSERT_TRUE(router_subscribed(r2, &h[1], BAR, &monitor));
	CU_ASSERT_TRUE(monitor);
	CU_ASSERT_TRUE(router_subscribed(r2, &h[1], BAR, NULL));
	CU_ASSERT_FALSE(router_subscribed(r2, &h[2], MMS, NULL));
	CU_ASSERT_FALSE(router_subscribed(r2, &h[1], FOO, NULL));
	CU_ASSERT_FALSE(router_subscribed(NULL, &h[1], MMS, NULL));
	CU_ASSERT_FALSE(router_subscribed(r2, NULL, MMS, NULL));

	/* the same ID again, as owner or monitor: EALREADY before the limit */
	UNIT_ASSERT_INT(router_subscribe(r2, &h[1], MMS, NULL, true),
			EALREADY);
	UNIT_ASSERT_INT(router_subscribe(r2, &h[1], FOO, NULL, false), 0);
	UNIT_ASSERT_INT(router_subscribe(r2, &h[1], MMS, NULL, false),
			EALREADY);
	(void)re_snprintf(id, sizeof(id), "x-oma-application:four.ua");
	UNIT_ASSERT_INT(router_subscribe(r2, &h[1], id, NULL, false), EMLINK);
	CU_ASSERT_FALSE(appset_contains(set, id));
	/* another subscriber is not limited by h[1]'s count */
	UNIT_ASSERT_INT(router_subscribe(r2, &h[2], id, NULL, false), 0);
	UNIT_ASSERT_INT(router_count(r2), 4);

	/* unsubscribing says whether there was something */
	UNIT_ASSERT_INT(router_unsubscribe(r2, &h[1], id), ENOENT);
	UNIT_ASSERT_INT(router_unsubscribe(r2, &h[3], NULL), ENOENT);
	UNIT_ASSERT_INT(router_unsubscribe(r2, &h[1], BAR), 0);
	UNIT_ASSERT_INT(router_unsubscribe(r2, &h[1], BAR), ENOENT);
	CU_ASSERT_FALSE(router_subscribed(r2, &h[1], BAR, NULL));
	UNIT_ASSERT_INT(router_subscribe(r2, &h[1], id, NULL, true), 0);
	UNIT_ASSERT_INT(router_unsubscribe(r2, &h[1], NULL), 0);
	UNIT_ASSERT_INT(router_unsubscribe(r2, &h[1], NULL), ENOENT);
	UNIT_ASSERT_INT(router_count(r2), 1);
	CU_ASSERT_TRUE(router_subscribed(r2, &h[2], id, NULL));
	UNIT_ASSERT_INT(router_unsubscribe(NULL, &h[2], NULL), EINVAL);
	UNIT_ASSERT_INT(router_unsubscribe(r2, NULL, NULL), EINVAL);

	mem_deref(r2);
}


static void test_bad_args(void)
{
	struct router *r2 = NULL;
	char longid[APPID_SIZE + 8];
	struct route rt;

	UNIT_ASSERT_INT(router_alloc(NULL, set, 16), EINVAL);
	UNIT_ASSERT_INT(router_alloc(&r2, NULL, 16), EINVAL);
	UNIT_ASSERT_INT(router_alloc(&r2, set, 0), EINVAL);
	CU_ASSERT_PTR_NULL(r2);

	memset(longid, 'a', sizeof(longid));
	memcpy(longid, "x-oma-application:", 18);
	longid[APPID_MAX + 1] = '\0';

	UNIT_ASSERT_INT(router_subscribe(NULL, &h[1], MMS, NULL, false),
			EINVAL);
	UNIT_ASSERT_INT(router_subscribe(rtr, NULL, MMS, NULL, false), EINVAL);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], NULL, NULL, false),
			EINVAL);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], longid, NULL, false),
			EINVAL);
	UNIT_ASSERT_INT(router_count(rtr), 0);
	UNIT_ASSERT_INT(changes, 0);

	UNIT_ASSERT_INT(router_lookup(NULL, MMS, "a/b", &rt), ROUTE_NOT_SERVED);
	UNIT_ASSERT_INT(router_lookup(rtr, NULL, "a/b", &rt),
			ROUTE_NOT_SERVED);
	UNIT_ASSERT_INT(router_lookup(rtr, MMS, "a/b", NULL),
			ROUTE_NOT_SERVED);
	UNIT_ASSERT_INT(router_count(NULL), 0);
	UNIT_ASSERT_INT(router_print(NULL, NULL), 0);

	/* the router keeps its appset alive */
	UNIT_ASSERT_INT(router_alloc(&r2, set, 16), 0);
	UNIT_ASSERT_INT(router_subscribe(r2, &h[1], MMS, NULL, false), 0);
	set = mem_deref(set);
	CU_ASSERT_TRUE(router_count(r2) == 1);
	r2 = mem_deref(r2);
	rtr = mem_deref(rtr);
}


/* Content-codings per subscriber, and the CPIM inner type */
static void test_encodings_unwrap(void)
{
	const struct router_opts gz = {false, "GZip,br"};
	const struct router_opts unwrap = {true, NULL};
	struct route_query q = {"text/plain", NULL, "gzip"};
	struct route rt;

	UNIT_ASSERT_INT(router_subscribe_ex(rtr, &h[1], MMS, NULL, false,
					    &gz), 0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[2], MMS, NULL, true), 0);
	UNIT_ASSERT_INT(router_subscribe_ex(rtr, &h[3], MMS, NULL, true,
					    &gz), 0);

	/* the owner takes gzip: routed; the monitor without it skipped */
	dirty(&rt);
	UNIT_ASSERT_INT(router_query(rtr, MMS, &q, &rt), ROUTE_OK);
	CU_ASSERT_PTR_EQUAL(rt.owner, &h[1]);
	UNIT_ASSERT_INT(rt.monitorc, 1);
	CU_ASSERT_PTR_EQUAL(rt.monitorv[0], &h[3]);
	UNIT_ASSERT_STR(rt.encodings, "gzip,br");

	/* two codings, both taken; one not */
	q.encoding = "br, gzip";
	UNIT_ASSERT_INT(router_query(rtr, MMS, &q, &rt), ROUTE_OK);
	q.encoding = "gzip, deflate";
	dirty(&rt);
	UNIT_ASSERT_INT(router_query(rtr, MMS, &q, &rt), ROUTE_ENCODING);
	UNIT_ASSERT_STR(rt.encodings, "gzip,br");
	CU_ASSERT_PTR_NULL(rt.owner);

	/* an owner that named none refuses every coding */
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[4], ULP, "text/plain",
					 false), 0);
	q.encoding = "gzip";
	UNIT_ASSERT_INT(router_query(rtr, ULP, &q, &rt), ROUTE_ENCODING);
	UNIT_ASSERT_STR(rt.encodings, "");
	q.encoding = NULL;
	UNIT_ASSERT_INT(router_query(rtr, ULP, &q, &rt), ROUTE_OK);

	/* a bad list */
	{
		const struct router_opts bad = {false, "gz ip"};

		UNIT_ASSERT_INT(router_subscribe_ex(rtr, &h[5], FOO, NULL,
						    false, &bad), EINVAL);
	}

	/* unwrap: the filter sees the inner type of a CPIM push */
	UNIT_ASSERT_INT(router_unsubscribe(rtr, &h[4], ULP), 0);
	UNIT_ASSERT_INT(router_subscribe_ex(rtr, &h[4], ULP, "text/plain",
					    false, &unwrap), 0);
	q.ctype = "message/cpim";
	q.inner = "text/plain";
	UNIT_ASSERT_INT(router_query(rtr, ULP, &q, &rt), ROUTE_OK);
	CU_ASSERT(rt.unwrap);
	q.inner = "image/png";
	UNIT_ASSERT_INT(router_query(rtr, ULP, &q, &rt), ROUTE_CTYPE);
}


static void accept_is(const char *want, unsigned line)
{
	char buf[ROUTE_ACCEPT_MAX + 64];

	(void)re_snprintf(buf, sizeof(buf), "%H", router_accept_print, rtr);
	unit_assert_str(buf, want, "Accept", __FILE__, line);
}
#define ACCEPT_IS(w) accept_is((w), __LINE__)


/* OPTIONS Accept: the union of the owners' filters */
static void test_accept_union(void)
{
	char many[16];

	ACCEPT_IS("*/*");                       /* no owner: anything */

	UNIT_ASSERT_INT(router_subscribe(rtr, &h[1], MMS, "text/plain",
					 false), 0);
	ACCEPT_IS("text/plain");

	/* monitors do not count; a second app adds its filter once */
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[2], MMS, "image/*", true), 0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[3], ULP, "application/*",
					 false), 0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[4], FOO, "text/plain",
					 false), 0);
	{
		char buf[256];

		(void)re_snprintf(buf, sizeof(buf), "%H", router_accept_print,
				  rtr);
		CU_ASSERT(!strcmp(buf, "text/plain, application/*") ||
			  !strcmp(buf, "application/*, text/plain"));
	}

	/* an owner that takes anything: anything */
	UNIT_ASSERT_INT(router_unsubscribe(rtr, &h[4], FOO), 0);
	UNIT_ASSERT_INT(router_subscribe(rtr, &h[4], FOO, NULL, false), 0);
	ACCEPT_IS("*/*");
	UNIT_ASSERT_INT(router_unsubscribe(rtr, &h[4], FOO), 0);

	/* past ROUTE_ACCEPT_MAX bytes: anything (a true superset) */
	for (unsigned i = 0; i < 120; i++) {
		char app[64];

		(void)re_snprintf(app, sizeof(app), "x-oma-application:a%u.ua",
				  i);
		(void)re_snprintf(many, sizeof(many), "text/x%u", i);
		UNIT_ASSERT_INT(router_subscribe(rtr, &h[10 + i], app, many,
						 false), 0);
	}
	ACCEPT_IS("*/*");
}


static CU_TestInfo route_tests[] = {
	{"owner takes the push", test_owner},
	{"second owner: EBUSY", test_second_owner_busy},
	{"same handle twice: EALREADY", test_same_handle_twice},
	{"monitors and their filters, ENOSPC", test_monitors},
	{"only monitors: no subscriber", test_monitors_only},
	{"unadvertised ID: not served", test_not_served},
	{"static ID without subscriber", test_static_no_subscriber},
	{"owner's filter refuses: ROUTE_CTYPE", test_owner_filter},
	{"content-codings, CPIM unwrap", test_encodings_unwrap},
	{"OPTIONS Accept: the owners' filters", test_accept_union},
	CU_TEST_INFO_NULL
};

static CU_TestInfo filter_tests[] = {
	{"bad filters refused", test_bad_filters},
	{"every token character accepted", test_filter_token_chars},
	CU_TEST_INFO_NULL
};

static CU_TestInfo unsub_tests[] = {
	{"one ID vs all, appset references", test_unsubscribe_one_vs_all},
	{"owner leaves before monitors", test_owner_leaves_first},
	{"1000 handles, then all gone", test_thousand},
	{"per subscriber: record, limit, results", test_per_handle},
	{"bad arguments", test_bad_args},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"router lookup", unit_libre_init, unit_libre_close, setup, teardown,
	 route_tests},
	{"router filters", unit_libre_init, unit_libre_close, setup, teardown,
	 filter_tests},
	{"router unsubscribe", unit_libre_init, unit_libre_close, setup,
	 teardown, unsub_tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_router", suites);
}
