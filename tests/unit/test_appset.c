/* test_appset.c: the advertised app set and its Contact feature tag. */
#include <string.h>
#include <ctype.h>
#include <errno.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "appset.h"
#include "unit.h"

#define MMS   "x-wap-application:mms.ua"
#define ULP   "x-oma-application:ulp.ua"
#define CPM   "x-oma-application:cpm:ua"
#define FOO   "x-oma-application:foo.ua"
#define STAR  "x-wap-application:*"
#define JAVA  "x-oma-application:java-ams"
#define IMODE "x-wap-docomo:imode.mail.ua"

#define FTAG_PREFIX ";+g.oma.pusheventapp=\""

static unsigned changes;
static struct appset *set;


static void change_handler(void *arg)
{
	CU_ASSERT_PTR_EQUAL(arg, &changes);
	++changes;
}


static void setup(void)
{
	changes = 0;
	set = NULL;
	CU_ASSERT(appset_alloc(&set, change_handler, &changes) == 0);
	CU_ASSERT(set != NULL);
}


static void teardown(void)
{
	set = mem_deref(set);
}


/* The +g.oma.pusheventapp parameter as appset_ftag_print() writes it. */
static char *ftag(void)
{
	char *s = NULL;
	int err;

	err = re_sdprintf(&s, "%H", appset_ftag_print, set);
	CU_ASSERT_EQUAL(err, 0);
	return s;
}


static char *list(void)
{
	char *s = NULL;

	CU_ASSERT_EQUAL(re_sdprintf(&s, "%H", appset_list_print, set), 0);
	return s;
}


#define ASSERT_FTAG(expected) do { \
		char *s_ = ftag(); \
		UNIT_ASSERT_STR(s_ ? s_ : "(error)", (expected)); \
		mem_deref(s_); \
	} while (0)

#define ASSERT_LIST(expected) do { \
		char *s_ = list(); \
		UNIT_ASSERT_STR(s_ ? s_ : "(error)", (expected)); \
		mem_deref(s_); \
	} while (0)


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


/* RFC 3840 §9: token-nobang = 1*(alphanum / "-" / "." / "%" / "*" / "_" /
 * "+" / "`" / "'" / "~"); the value is LDQUOT tag-value-list RDQUOT with
 * tag-value-list = tag-value *("," tag-value). */
static bool token_nobang_char(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("-.%*_+`'~", c));
}


static void assert_rfc3840(const char *s)
{
	size_t n, pl = strlen(FTAG_PREFIX);
	const char *v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	n = strlen(s);

	CU_ASSERT_FATAL(n >= pl + 2);
	CU_ASSERT_EQUAL(strncmp(s, FTAG_PREFIX, pl), 0);
	CU_ASSERT_EQUAL(s[n - 1], '"');

	v = s + pl;
	n = n - pl - 1;

	/* no empty tag-value: no leading, trailing or double comma */
	CU_ASSERT_NOT_EQUAL(v[0], ',');
	CU_ASSERT_NOT_EQUAL(v[n - 1], ',');
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT(token_nobang_char(v[i]) || v[i] == ',');
		if (v[i] == ',')
			CU_ASSERT_NOT_EQUAL(v[i + 1], ',');
		/* '!' would negate a tag-value and is not in token-nobang */
		CU_ASSERT_NOT_EQUAL(v[i], '!');
	}
}


/* --- tests --------------------------------------------------------- */

static void test_empty(void)
{
	char *s;

	UNIT_ASSERT_INT(appset_count(set), 0);
	s = ftag();
	UNIT_ASSERT_STR(s ? s : "", "");
	mem_deref(s);
	ASSERT_LIST("");

	CU_ASSERT_FALSE(appset_contains(set, MMS));
	CU_ASSERT_FALSE(appset_is_static(set, MMS));
	UNIT_ASSERT_INT(changes, 0);

	/* an empty static set changes nothing */
	UNIT_ASSERT_INT(appset_set_static(set, NULL, 0), 0);
	UNIT_ASSERT_INT(changes, 0);
	UNIT_ASSERT_INT(appset_count(set), 0);
}


static void test_static_sorted(void)
{
	static const char *const ids[] = {ULP, MMS};

	UNIT_ASSERT_INT(set_static(ids, 2), 0);
	UNIT_ASSERT_INT(changes, 1);
	UNIT_ASSERT_INT(appset_count(set), 2);
	CU_ASSERT_TRUE(appset_contains(set, MMS));
	CU_ASSERT_TRUE(appset_contains(set, ULP));
	CU_ASSERT_TRUE(appset_is_static(set, MMS));
	CU_ASSERT_TRUE(appset_is_static(set, ULP));

	ASSERT_FTAG(FTAG_PREFIX "mms.ua,ulp.ua\"");
}


/* appset_ids: the IDs in the printed order, bounded by the room given */
static void test_ids(void)
{
	static const char *const ids[] = {ULP, MMS};
	const char *v[2];

	UNIT_ASSERT_INT(appset_ids(set, v, 2), 0);
	UNIT_ASSERT_INT(set_static(ids, 2), 0);
	UNIT_ASSERT_INT(appset_ref(set, CPM), 0);
	UNIT_ASSERT_INT(appset_count(set), 3);

	UNIT_ASSERT_INT(appset_ids(set, v, 2), 2);
	UNIT_ASSERT_STR(v[0], CPM);
	UNIT_ASSERT_STR(v[1], MMS);
	UNIT_ASSERT_INT(appset_ids(set, v, 0), 0);
	UNIT_ASSERT_INT(appset_ids(NULL, v, 2), 0);
}


/* The same set prints the same bytes whatever the order it was built in. */
static void test_print_stable(void)
{
	static const char *const ab[] = {MMS, ULP, CPM, FOO};
	static const char *const ba[] = {FOO, CPM, ULP, MMS};
	char *s1, *s2;

	UNIT_ASSERT_INT(set_static(ab, 4), 0);
	s1 = ftag();
	teardown();
	setup();
	UNIT_ASSERT_INT(set_static(ba, 4), 0);
	s2 = ftag();
	CU_ASSERT_FATAL(s1 && s2);
	UNIT_ASSERT_STR(s2, s1);
	mem_deref(s2);
	teardown();

	/* and also when built from subscriptions */
	setup();
	for (size_t i = 0; i < 4; i++)
		UNIT_ASSERT_INT(appset_ref(set, ba[i]), 0);
	s2 = ftag();
	CU_ASSERT_FATAL(s2 != NULL);
	UNIT_ASSERT_STR(s2, s1);

	mem_deref(s1);
	mem_deref(s2);
}


static void test_list_print(void)
{
	static const char *const ids[] = {MMS, ULP};

	UNIT_ASSERT_INT(set_static(ids, 2), 0);
	UNIT_ASSERT_INT(appset_ref(set, CPM), 0);

	/* canonical IDs, space separated, each once */
	{
		char *s = list();

		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		UNIT_ASSERT_INT(strlen(s), strlen(MMS) + strlen(ULP) +
				strlen(CPM) + 2);
		UNIT_ASSERT_CONTAINS(s, MMS);
		UNIT_ASSERT_CONTAINS(s, ULP);
		UNIT_ASSERT_CONTAINS(s, CPM);
		CU_ASSERT_NOT_EQUAL(s[0], ' ');
		mem_deref(s);
	}
}


static void test_escape(void)
{
	static const char *const ids[] = {CPM};

	UNIT_ASSERT_INT(set_static(ids, 1), 0);
	ASSERT_FTAG(FTAG_PREFIX "cpm%3Aua\"");
}


static void test_rfc3840_syntax(void)
{
	static const char *const ids[] = {MMS, ULP, CPM, STAR, JAVA, IMODE};
	char *s;

	UNIT_ASSERT_INT(set_static(ids, ARRAY_SIZE(ids)), 0);
	UNIT_ASSERT_INT(appset_ref(set, "x-oma-application:a_b-c.d:e"), 0);
	UNIT_ASSERT_INT(appset_count(set), ARRAY_SIZE(ids) + 1);

	s = ftag();
	assert_rfc3840(s);
	UNIT_ASSERT_CONTAINS(s, "cpm%3Aua");
	UNIT_ASSERT_CONTAINS(s, "a_b-c.d%3Ae");
	mem_deref(s);

	/* one ID alone */
	teardown();
	setup();
	UNIT_ASSERT_INT(appset_ref(set, STAR), 0);
	s = ftag();
	assert_rfc3840(s);
	mem_deref(s);
}


/* Every ID appid_normalise() accepts prints as a valid tag-value. */
static void test_rfc3840_every_char(void)
{
	char id[APPID_SIZE], in[8];
	char *s;
	unsigned n = 0;

	for (int c = 1; c < 256; c++) {
		(void)re_snprintf(in, sizeof(in), "a%cb", c);
		if (appid_normalise_str(id, sizeof(id), in))
			continue;
		if (appset_ref(set, id) == 0)
			++n;
	}
	CU_ASSERT(n > 60);

	s = ftag();
	assert_rfc3840(s);
	mem_deref(s);
}


static void test_ref_unref_dynamic(void)
{
	UNIT_ASSERT_INT(appset_ref(set, FOO), 0);
	UNIT_ASSERT_INT(changes, 1);
	CU_ASSERT_TRUE(appset_contains(set, FOO));
	CU_ASSERT_FALSE(appset_is_static(set, FOO));
	ASSERT_FTAG(FTAG_PREFIX "foo.ua\"");

	/* a second subscriber: no change to the advertised set */
	UNIT_ASSERT_INT(appset_ref(set, FOO), 0);
	UNIT_ASSERT_INT(changes, 1);
	UNIT_ASSERT_INT(appset_count(set), 1);

	appset_unref(set, FOO);
	UNIT_ASSERT_INT(changes, 1);
	CU_ASSERT_TRUE(appset_contains(set, FOO));

	/* the last one withdraws it */
	appset_unref(set, FOO);
	UNIT_ASSERT_INT(changes, 2);
	CU_ASSERT_FALSE(appset_contains(set, FOO));
	UNIT_ASSERT_INT(appset_count(set), 0);
	ASSERT_FTAG("");

	/* unbalanced unref: nothing happens */
	appset_unref(set, FOO);
	appset_unref(set, MMS);
	UNIT_ASSERT_INT(changes, 2);
	UNIT_ASSERT_INT(appset_count(set), 0);

	/* and it can come back */
	UNIT_ASSERT_INT(appset_ref(set, FOO), 0);
	UNIT_ASSERT_INT(changes, 3);
	CU_ASSERT_TRUE(appset_contains(set, FOO));
}


static void test_ref_two_ids(void)
{
	UNIT_ASSERT_INT(appset_ref(set, ULP), 0);
	UNIT_ASSERT_INT(appset_ref(set, MMS), 0);
	UNIT_ASSERT_INT(changes, 2);

	appset_unref(set, ULP);
	UNIT_ASSERT_INT(changes, 3);
	CU_ASSERT_FALSE(appset_contains(set, ULP));
	CU_ASSERT_TRUE(appset_contains(set, MMS));
	ASSERT_FTAG(FTAG_PREFIX "mms.ua\"");
}


static void test_static_survives_unref(void)
{
	static const char *const ids[] = {MMS};

	UNIT_ASSERT_INT(set_static(ids, 1), 0);
	UNIT_ASSERT_INT(changes, 1);

	/* unref without a ref */
	appset_unref(set, MMS);
	UNIT_ASSERT_INT(changes, 1);
	CU_ASSERT_TRUE(appset_contains(set, MMS));
	CU_ASSERT_TRUE(appset_is_static(set, MMS));

	/* a subscriber to a static ID: already advertised */
	UNIT_ASSERT_INT(appset_ref(set, MMS), 0);
	UNIT_ASSERT_INT(changes, 1);
	appset_unref(set, MMS);
	UNIT_ASSERT_INT(changes, 1);
	CU_ASSERT_TRUE(appset_contains(set, MMS));
	CU_ASSERT_TRUE(appset_is_static(set, MMS));
	UNIT_ASSERT_INT(appset_count(set), 1);
	ASSERT_FTAG(FTAG_PREFIX "mms.ua\"");
}


static void test_reload(void)
{
	static const char *const v1[] = {MMS, ULP};
	static const char *const v1b[] = {ULP, MMS, ULP};
	static const char *const v2[] = {MMS, CPM};
	char *before, *after;

	UNIT_ASSERT_INT(set_static(v1, 2), 0);
	UNIT_ASSERT_INT(changes, 1);
	before = ftag();

	/* unchanged set (other order, a duplicate): no change callback */
	UNIT_ASSERT_INT(set_static(v1, 2), 0);
	UNIT_ASSERT_INT(set_static(v1b, 3), 0);
	UNIT_ASSERT_INT(changes, 1);
	UNIT_ASSERT_INT(appset_count(set), 2);
	after = ftag();
	CU_ASSERT_FATAL(before && after);
	UNIT_ASSERT_STR(after, before);
	mem_deref(after);

	/* one added and one removed: exactly one callback */
	UNIT_ASSERT_INT(set_static(v2, 2), 0);
	UNIT_ASSERT_INT(changes, 2);
	CU_ASSERT_TRUE(appset_contains(set, CPM));
	CU_ASSERT_FALSE(appset_contains(set, ULP));
	UNIT_ASSERT_INT(appset_count(set), 2);

	/* only removed */
	UNIT_ASSERT_INT(set_static(v2, 1), 0);
	UNIT_ASSERT_INT(changes, 3);
	CU_ASSERT_FALSE(appset_contains(set, CPM));

	/* only added */
	UNIT_ASSERT_INT(set_static(v2, 2), 0);
	UNIT_ASSERT_INT(changes, 4);

	/* all gone */
	UNIT_ASSERT_INT(set_static(NULL, 0), 0);
	UNIT_ASSERT_INT(changes, 5);
	UNIT_ASSERT_INT(appset_count(set), 0);
	ASSERT_FTAG("");

	mem_deref(before);
}


static void test_dynamic_becomes_static(void)
{
	static const char *const ids[] = {FOO};

	UNIT_ASSERT_INT(appset_ref(set, FOO), 0);
	UNIT_ASSERT_INT(changes, 1);
	CU_ASSERT_FALSE(appset_is_static(set, FOO));

	/* now also an app line: the advertised set is the same */
	UNIT_ASSERT_INT(set_static(ids, 1), 0);
	UNIT_ASSERT_INT(changes, 1);
	CU_ASSERT_TRUE(appset_is_static(set, FOO));

	/* the subscriber leaves: still static */
	appset_unref(set, FOO);
	UNIT_ASSERT_INT(changes, 1);
	CU_ASSERT_TRUE(appset_contains(set, FOO));

	/* subscribes again, then the app line goes: still subscribed */
	UNIT_ASSERT_INT(appset_ref(set, FOO), 0);
	UNIT_ASSERT_INT(set_static(NULL, 0), 0);
	UNIT_ASSERT_INT(changes, 1);
	CU_ASSERT_TRUE(appset_contains(set, FOO));
	CU_ASSERT_FALSE(appset_is_static(set, FOO));
	ASSERT_FTAG(FTAG_PREFIX "foo.ua\"");

	/* the last subscriber leaves: withdrawn */
	appset_unref(set, FOO);
	UNIT_ASSERT_INT(changes, 2);
	CU_ASSERT_FALSE(appset_contains(set, FOO));
	UNIT_ASSERT_INT(appset_count(set), 0);
}


static void test_bad_args(void)
{
	struct appset *s2 = NULL;

	UNIT_ASSERT_INT(appset_alloc(NULL, NULL, NULL), EINVAL);
	UNIT_ASSERT_INT(appset_ref(NULL, MMS), EINVAL);
	UNIT_ASSERT_INT(appset_ref(set, NULL), EINVAL);
	UNIT_ASSERT_INT(appset_set_static(NULL, NULL, 0), EINVAL);
	UNIT_ASSERT_INT(appset_set_static(set, NULL, 1), EINVAL);
	appset_unref(NULL, MMS);
	appset_unref(set, NULL);
	CU_ASSERT_FALSE(appset_contains(NULL, MMS));
	CU_ASSERT_FALSE(appset_contains(set, NULL));
	CU_ASSERT_FALSE(appset_is_static(NULL, MMS));
	UNIT_ASSERT_INT(appset_count(NULL), 0);
	UNIT_ASSERT_INT(changes, 0);

	/* no change handler: still works */
	UNIT_ASSERT_INT(appset_alloc(&s2, NULL, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s2);
	UNIT_ASSERT_INT(appset_ref(s2, MMS), 0);
	appset_unref(s2, MMS);
	UNIT_ASSERT_INT(appset_count(s2), 0);
	mem_deref(s2);
}


/* appset_admit: the totals (IDs, feature-tag bytes) and a user's share */
static void test_admit(void)
{
	struct appset_bounds b = {3, 1000, 2};
	const char (*st)[APPID_SIZE] = (const char (*)[APPID_SIZE])MMS;

	UNIT_ASSERT_INT(appset_set_static(set, st, 1), 0);

	/* what is advertised already costs nothing */
	UNIT_ASSERT_INT(appset_admit(set, MMS, 7, &b), 0);

	/* user 7 adds two, its share; the third is refused */
	UNIT_ASSERT_INT(appset_admit(set, ULP, 7, &b), 0);
	UNIT_ASSERT_INT(appset_ref(set, ULP), 0);
	appset_claim(set, ULP, 7);
	b.ids_max = 10;
	UNIT_ASSERT_INT(appset_admit(set, FOO, 7, &b), 0);
	UNIT_ASSERT_INT(appset_ref(set, FOO), 0);
	appset_claim(set, FOO, 7);
	UNIT_ASSERT_INT(appset_admit(set, JAVA, 7, &b), EDQUOT);

	/* another user is not counted against 7, nor root (per_uid 0) */
	UNIT_ASSERT_INT(appset_admit(set, JAVA, 8, &b), 0);
	b.per_uid = 0;
	UNIT_ASSERT_INT(appset_admit(set, JAVA, 7, &b), 0);

	/* the totals: 3 IDs now */
	b.ids_max = 3;
	UNIT_ASSERT_INT(appset_admit(set, JAVA, 8, &b), E2BIG);
	b.ids_max = 10;

	/* bytes: the three advertised take more than 20 with their commas */
	b.bytes_max = 20;
	UNIT_ASSERT_INT(appset_admit(set, JAVA, 8, &b), E2BIG);

	/* withdrawn: the share is free again */
	appset_unref(set, FOO);
	b.bytes_max = 1000;
	b.per_uid = 2;
	UNIT_ASSERT_INT(appset_admit(set, JAVA, 7, &b), 0);

	UNIT_ASSERT_INT(appset_admit(NULL, JAVA, 7, &b), EINVAL);
	UNIT_ASSERT_INT(appset_admit(set, JAVA, 7, NULL), EINVAL);
}


static CU_TestInfo print_tests[] = {
	{"empty set prints nothing", test_empty},
	{"static set sorted, comma-joined", test_static_sorted},
	{"print is byte-stable", test_print_stable},
	{"appset_list_print", test_list_print},
	{"appset_ids: printed order, bounded", test_ids},
	{"':' is sent as %3A", test_escape},
	{"RFC 3840 syntax", test_rfc3840_syntax},
	{"RFC 3840 syntax, every accepted char", test_rfc3840_every_char},
	CU_TEST_INFO_NULL
};

static CU_TestInfo ref_tests[] = {
	{"ref/unref of a dynamic ID", test_ref_unref_dynamic},
	{"two dynamic IDs", test_ref_two_ids},
	{"static IDs survive unref", test_static_survives_unref},
	{"reload with appset_set_static", test_reload},
	{"dynamic ID becomes static and back", test_dynamic_becomes_static},
	{"bad arguments", test_bad_args},
	{"admit: totals and per-user share", test_admit},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"appset printing", unit_libre_init, unit_libre_close, setup, teardown,
	 print_tests},
	{"appset membership", unit_libre_init, unit_libre_close, setup,
	 teardown, ref_tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_appset", suites);
}
