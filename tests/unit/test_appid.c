/* test_appid.c: application ID normalisation and the feature-tag form. */
#include <string.h>
#include <errno.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "unit.h"


/* Normalise in; check the result and, if it succeeds, the output. */
static void norm_at(const char *in, int expect_err, const char *expect_out,
		    const char *file, unsigned line)
{
	char out[APPID_SIZE + 8], what[160];
	int err;

	memset(out, 0x55, sizeof(out));
	err = appid_normalise_str(out, APPID_SIZE, in);

	(void)re_snprintf(what, sizeof(what), "appid_normalise(\"%s\")", in);
	unit_assert_int(err, expect_err, what, file, line);
	if (!expect_err && !err)
		unit_assert_str(out, expect_out, what, file, line);

	/* nothing past APPID_SIZE is ever written */
	for (size_t i = APPID_SIZE; i < sizeof(out); i++)
		CU_assertImplementation(out[i] == 0x55, line,
					"no write past sz", file, "", CU_FALSE);
}

#define NORM(in, out)    norm_at((in), 0, (out), __FILE__, __LINE__)
#define NORM_ERR(in, e)  norm_at((in), (e), NULL, __FILE__, __LINE__)


static void test_urn_form(void)
{
	NORM("x-wap-application:mms.ua", "x-wap-application:mms.ua");
	NORM("X-WAP-Application:MMS.UA", "x-wap-application:mms.ua");
	NORM("x-oma-application:ulp.ua", "x-oma-application:ulp.ua");
	NORM("X-OMA-APPLICATION:CPM:UA", "x-oma-application:cpm:ua");
	NORM("x-wap-application:*", "x-wap-application:*");
	NORM("x-wap-docomo:imode.mail.ua", "x-wap-docomo:imode.mail.ua");
	NORM("x-acme-app:my_app-2.ua", "x-acme-app:my_app-2.ua");
}


static void test_short_form(void)
{
	NORM("mms.ua", "x-wap-application:mms.ua");
	NORM("MMS.UA", "x-wap-application:mms.ua");
	NORM("push.sia", "x-wap-application:push.sia");
	NORM("ulp.ua", "x-oma-application:ulp.ua");
	NORM("cpm:ua", "x-oma-application:cpm:ua");
	NORM("java-ams", "x-oma-application:java-ams");
	NORM("imode.mail.ua", "x-wap-docomo:imode.mail.ua");
	NORM("*", "x-wap-application:*");
	NORM("foo.ua", "x-oma-application:foo.ua");
	NORM("Foo_Bar.UA", "x-oma-application:foo_bar.ua");
}


/* A short name may start with a digit (appid.c's own example). */
static void test_short_form_digit(void)
{
	NORM("3gpp.ua", "x-oma-application:3gpp.ua");
	NORM("1x.ua", "x-oma-application:1x.ua");
	NORM("0xfoo.ua", "x-oma-application:0xfoo.ua");
	NORM("42.example.ua", "x-oma-application:42.example.ua");
}


static void test_numeric_form(void)
{
	NORM("0x04", "x-wap-application:mms.ua");
	NORM("4", "x-wap-application:mms.ua");
	NORM("04", "x-wap-application:mms.ua");
	NORM("0x0004", "x-wap-application:mms.ua");
	NORM("0x10", "x-oma-application:ulp.ua");
	NORM("16", "x-oma-application:ulp.ua");
	NORM("0X10", "x-oma-application:ulp.ua");
	NORM("0x0A", "x-wap-application:wv.ua");
	NORM("0x15", "x-oma-application:cpm:ua");
	NORM("0x8002", "x-wap-docomo:imode.mail.ua");
	NORM("32770", "x-wap-docomo:imode.mail.ua");
	NORM("0", "x-wap-application:*");
	NORM("0x00", "x-wap-application:*");

	/* well-formed numbers the registry table does not have */
	NORM_ERR("0x0b", ENOENT);
	NORM_ERR("11", ENOENT);
	NORM_ERR("0x1a", ENOENT);
	NORM_ERR("0x7fff", ENOENT);
	NORM_ERR("999999", ENOENT);
	NORM_ERR("0xffffff", ENOENT);
}


static void test_malformed(void)
{
	static const char *const bad[] = {
		"",
		" mms.ua",
		"mms.ua ",
		"mms ua",
		"mms/ua",
		"/etc/passwd",
		"../etc",
		"..\\etc",
		"x-wap-application:../etc",
		"x-wap-application:mms/ua",
		"\"mms.ua\"",
		"'mms.ua'",
		"mms.ua;x=1",
		"mms.ua,ulp.ua",
		"mms%3Aua",
		"mms\tua",
		"mms\x01ua",
		"mms\x7fua",
		"mms\nua",
		"caf\xc3\xa9.ua",
		"x-wap-application:",
		"X-WAP-APPLICATION:",
		"x-wap app:mms.ua",
		"x-wap/app:mms.ua",
		"urn:foo",
		"urn:x-wap-application:mms.ua",
		"http://example.com/",
		"sip:alice@example.com",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		norm_at(bad[i], EINVAL, NULL, __FILE__, __LINE__);
}


static void test_bad_args(void)
{
	char out[APPID_SIZE];
	struct pl pl = PL("mms.ua");
	struct pl nul = PL_INIT;

	UNIT_ASSERT_INT(appid_normalise_str(out, sizeof(out), NULL), EINVAL);
	UNIT_ASSERT_INT(appid_normalise(out, sizeof(out), NULL), EINVAL);
	UNIT_ASSERT_INT(appid_normalise(out, sizeof(out), &nul), EINVAL);
	UNIT_ASSERT_INT(appid_normalise(NULL, sizeof(out), &pl), EINVAL);
	UNIT_ASSERT_INT(appid_normalise(out, 0, &pl), EINVAL);

	/* a struct pl that is not NUL-terminated */
	pl.p = "mms.uaXXXX";
	pl.l = 6;
	UNIT_ASSERT_INT(appid_normalise(out, sizeof(out), &pl), 0);
	UNIT_ASSERT_STR(out, "x-wap-application:mms.ua");
}


static void test_length(void)
{
	char in[200], exp[200];

	/* URN form: exactly APPID_MAX characters */
	memset(in, 'a', sizeof(in));
	memcpy(in, "x-oma-application:", 18);
	in[APPID_MAX] = '\0';
	NORM(in, in);

	in[APPID_MAX] = 'a';
	in[APPID_MAX + 1] = '\0';
	NORM_ERR(in, EOVERFLOW);

	in[150] = '\0';
	NORM_ERR(in, EOVERFLOW);

	/* short form whose canonical form is exactly APPID_MAX */
	memset(in, 'b', sizeof(in));
	in[APPID_MAX - 18] = '\0';
	(void)re_snprintf(exp, sizeof(exp), "x-oma-application:%s", in);
	UNIT_ASSERT_INT(strlen(exp), APPID_MAX);
	NORM(in, exp);

	in[APPID_MAX - 18] = 'b';
	in[APPID_MAX - 18 + 1] = '\0';
	NORM_ERR(in, EOVERFLOW);

	/* too long and malformed: length is reported */
	memset(in, '/', sizeof(in));
	in[APPID_MAX + 1] = '\0';
	NORM_ERR(in, EOVERFLOW);
}


/* Output buffers smaller than APPID_SIZE: an error, never an overrun. */
static void test_small_buffer(void)
{
	static const char *const in[] = {
		"x-wap-application:mms.ua", "mms.ua", "foo.ua", "0x04", "4",
	};
	char out[64];

	for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
		for (size_t sz = 1; sz < 25; sz++) {
			int err;

			memset(out, 0x55, sizeof(out));
			err = appid_normalise_str(out, sz, in[i]);
			CU_ASSERT_NOT_EQUAL(err, 0);
			for (size_t j = sz; j < sizeof(out); j++)
				CU_ASSERT_EQUAL(out[j], 0x55);
		}

		/* and 25 bytes (24 characters and the NUL) is enough */
		memset(out, 0x55, sizeof(out));
		UNIT_ASSERT_INT(appid_normalise_str(out, 25, in[i]), 0);
		UNIT_ASSERT_INT(strlen(out), 24);
		CU_ASSERT_EQUAL(out[25], 0x55);
	}
}


static void test_ftag_value(void)
{
	char out[APPID_SIZE * 3];

	UNIT_ASSERT_INT(appid_ftag_value(out, sizeof(out),
					 "x-wap-application:mms.ua"), 0);
	UNIT_ASSERT_STR(out, "mms.ua");

	UNIT_ASSERT_INT(appid_ftag_value(out, sizeof(out),
					 "x-oma-application:cpm:ua"), 0);
	UNIT_ASSERT_STR(out, "cpm%3Aua");

	UNIT_ASSERT_INT(appid_ftag_value(out, sizeof(out),
					 "x-wap-application:*"), 0);
	UNIT_ASSERT_STR(out, "*");

	UNIT_ASSERT_INT(appid_ftag_value(NULL, sizeof(out), "x:y"), EINVAL);
	UNIT_ASSERT_INT(appid_ftag_value(out, 0, "x:y"), EINVAL);
	UNIT_ASSERT_INT(appid_ftag_value(out, sizeof(out), NULL), EINVAL);
}


static void test_ftag_value_small(void)
{
	char out[32];

	/* "mms.ua": 7 bytes fit, 6 do not */
	memset(out, 0x55, sizeof(out));
	UNIT_ASSERT_INT(appid_ftag_value(out, 7, "x-wap-application:mms.ua"),
			0);
	UNIT_ASSERT_STR(out, "mms.ua");
	CU_ASSERT_EQUAL(out[7], 0x55);

	memset(out, 0x55, sizeof(out));
	UNIT_ASSERT_INT(appid_ftag_value(out, 6, "x-wap-application:mms.ua"),
			EOVERFLOW);
	for (size_t i = 6; i < sizeof(out); i++)
		CU_ASSERT_EQUAL(out[i], 0x55);

	/* "cpm%3Aua": 9 bytes fit; an escape is never cut in half */
	memset(out, 0x55, sizeof(out));
	UNIT_ASSERT_INT(appid_ftag_value(out, 9, "x-oma-application:cpm:ua"),
			0);
	UNIT_ASSERT_STR(out, "cpm%3Aua");
	CU_ASSERT_EQUAL(out[9], 0x55);

	for (size_t sz = 1; sz < 9; sz++) {
		memset(out, 0x55, sizeof(out));
		UNIT_ASSERT_INT(appid_ftag_value(out, sz,
						 "x-oma-application:cpm:ua"),
				EOVERFLOW);
		for (size_t i = sz; i < sizeof(out); i++)
			CU_ASSERT_EQUAL(out[i], 0x55);
	}
}


static void test_from_ftag(void)
{
	static const struct {
		const char *val, *canon;
	} tv[] = {
		{"mms.ua",    "x-wap-application:mms.ua"},
		{"MMS.UA",    "x-wap-application:mms.ua"},
		{"ulp.ua",    "x-oma-application:ulp.ua"},
		{"cpm%3Aua",  "x-oma-application:cpm:ua"},
		{"cpm%3aua",  "x-oma-application:cpm:ua"},
		{"cpm:ua",    "x-oma-application:cpm:ua"},
		{"foo.ua",    "x-oma-application:foo.ua"},
		{"*",         "x-wap-application:*"},
		{"x-wap-application%3Amms.ua", "x-wap-application:mms.ua"},
	};
	char out[APPID_SIZE];
	struct pl pl;

	for (size_t i = 0; i < ARRAY_SIZE(tv); i++) {
		pl_set_str(&pl, tv[i].val);
		memset(out, 0, sizeof(out));
		UNIT_ASSERT_INT(appid_from_ftag(out, sizeof(out), &pl), 0);
		UNIT_ASSERT_STR(out, tv[i].canon);
	}

	/* escapes other than %3A stay and are then not allowed */
	pl_set_str(&pl, "cpm%2Fua");
	UNIT_ASSERT_INT(appid_from_ftag(out, sizeof(out), &pl), EINVAL);
	pl_set_str(&pl, "cpm%3");
	UNIT_ASSERT_INT(appid_from_ftag(out, sizeof(out), &pl), EINVAL);
	pl_set_str(&pl, "mms.ua%");
	UNIT_ASSERT_INT(appid_from_ftag(out, sizeof(out), &pl), EINVAL);
	pl_set_str(&pl, "\"mms.ua\"");
	UNIT_ASSERT_INT(appid_from_ftag(out, sizeof(out), &pl), EINVAL);
	UNIT_ASSERT_INT(appid_from_ftag(out, sizeof(out), NULL), EINVAL);
	pl_set_str(&pl, "");
	UNIT_ASSERT_INT(appid_from_ftag(out, sizeof(out), &pl), EINVAL);
}


static void test_from_ftag_length(void)
{
	char val[400], out[APPID_SIZE];
	struct pl pl;

	/* a short name whose canonical form is exactly 96 characters */
	memset(val, 'c', sizeof(val));
	pl.p = val;
	pl.l = APPID_MAX - 18;
	UNIT_ASSERT_INT(appid_from_ftag(out, sizeof(out), &pl), 0);
	UNIT_ASSERT_INT(strlen(out), APPID_MAX);

	pl.l = APPID_MAX - 18 + 1;
	UNIT_ASSERT_INT(appid_from_ftag(out, sizeof(out), &pl), EOVERFLOW);

	/* escaped URN: 98 characters, 96 once "%3A" is unescaped */
	memcpy(val, "x-oma-application%3A", 20);
	pl.l = APPID_MAX + 2;
	UNIT_ASSERT_INT(appid_from_ftag(out, sizeof(out), &pl), 0);
	UNIT_ASSERT_INT(strlen(out), APPID_MAX);
	CU_ASSERT_EQUAL(strncmp(out, "x-oma-application:ccc", 21), 0);

	pl.l = APPID_MAX + 3;
	UNIT_ASSERT_INT(appid_from_ftag(out, sizeof(out), &pl), EOVERFLOW);

	/* far too long: never read or written out of bounds */
	pl.l = sizeof(val);
	UNIT_ASSERT_INT(appid_from_ftag(out, sizeof(out), &pl), EOVERFLOW);
}


/* canonical -> feature-tag value -> canonical is the identity */
static void roundtrip_at(const char *canon, const char *file, unsigned line)
{
	char v[APPID_SIZE * 3], back[APPID_SIZE], what[200];
	struct pl pl;
	int err;

	(void)re_snprintf(what, sizeof(what), "round trip of %s", canon);

	err = appid_ftag_value(v, sizeof(v), canon);
	unit_assert_int(err, 0, what, file, line);
	if (err)
		return;

	pl_set_str(&pl, v);
	memset(back, 0, sizeof(back));
	err = appid_from_ftag(back, sizeof(back), &pl);
	unit_assert_int(err, 0, what, file, line);
	unit_assert_str(back, canon, what, file, line);
}

#define ROUNDTRIP(canon) roundtrip_at((canon), __FILE__, __LINE__)


static void test_roundtrip_registry(void)
{
	char canon[APPID_SIZE], num[16];
	unsigned n = 0;

	/* every registered code: normalise, round trip, and code back */
	for (unsigned code = 0; code <= 0x8010; code++) {
		(void)re_snprintf(num, sizeof(num), "0x%x", code);
		if (appid_normalise_str(canon, sizeof(canon), num))
			continue;

		++n;
		ROUNDTRIP(canon);
		UNIT_ASSERT_INT(appid_code(canon), code);
	}

	UNIT_ASSERT_INT(n, 22);

	ROUNDTRIP("x-oma-application:foo.ua");
	ROUNDTRIP("x-oma-application:foo:bar");
}


/*
 * An app may subscribe with any x- URN (e.g. Microsoft's registered
 * x-wap-microsoft:localcontent.ua, code 0x8000, which the table lacks).
 * The Contact advertises its feature-tag value; an incoming MESSAGE that
 * carries that value must map back to the same ID, or it is not routed.
 */
static void test_roundtrip_other_nid(void)
{
	ROUNDTRIP("x-wap-microsoft:localcontent.ua");
	ROUNDTRIP("x-wap-application:foo.ua");
	ROUNDTRIP("x-acme:push");
}


static void test_code(void)
{
	UNIT_ASSERT_INT(appid_code("x-wap-application:mms.ua"), 4);
	UNIT_ASSERT_INT(appid_code("x-wap-application:*"), 0);
	UNIT_ASSERT_INT(appid_code("x-oma-application:ulp.ua"), 0x10);
	UNIT_ASSERT_INT(appid_code("x-oma-application:cpm:ua"), 0x15);
	UNIT_ASSERT_INT(appid_code("x-wap-docomo:imode.mail.ua"), 0x8002);
	UNIT_ASSERT_INT(appid_code("x-oma-application:foo.ua"), -1);
	UNIT_ASSERT_INT(appid_code("x-oma-application:mms.ua"), -1);
	/* canonical form only */
	UNIT_ASSERT_INT(appid_code("mms.ua"), -1);
	UNIT_ASSERT_INT(appid_code("X-WAP-APPLICATION:MMS.UA"), -1);
	UNIT_ASSERT_INT(appid_code(""), -1);
	UNIT_ASSERT_INT(appid_code(NULL), -1);
}


static CU_TestInfo norm_tests[] = {
	{"URN form", test_urn_form},
	{"short form", test_short_form},
	{"short form starting with a digit", test_short_form_digit},
	{"numeric form", test_numeric_form},
	{"malformed", test_malformed},
	{"bad arguments", test_bad_args},
	{"length limit", test_length},
	{"small output buffer", test_small_buffer},
	CU_TEST_INFO_NULL
};

static CU_TestInfo ftag_tests[] = {
	{"appid_ftag_value", test_ftag_value},
	{"appid_ftag_value small buffer", test_ftag_value_small},
	{"appid_from_ftag", test_from_ftag},
	{"appid_from_ftag length", test_from_ftag_length},
	{"round trip, registry and default NID", test_roundtrip_registry},
	{"round trip, other NIDs", test_roundtrip_other_nid},
	{"appid_code", test_code},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"appid_normalise", unit_libre_init, unit_libre_close, NULL, NULL,
	 norm_tests},
	{"appid feature tag", unit_libre_init, unit_libre_close, NULL, NULL,
	 ftag_tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_appid", suites);
}
