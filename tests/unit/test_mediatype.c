/* test_mediatype.c: one content-type grammar and filter match for the whole daemon. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "mediatype.h"
#include "unit.h"


static void test_ctype_match_table(void)
{
	static const char *const filters[] = {
		"", "*", "*/*", "text/*", "text/plain",
	};
	static const char *const ctypes[] = {
		"text/plain", "TEXT/Plain;charset=utf-8", "textual/plain",
		"text", "application/xml", NULL,
	};
	/* columns: text/plain, TEXT/Plain;cs, textual/plain, text,
	 * application/xml, NULL */
	static const bool want[ARRAY_SIZE(filters)][ARRAY_SIZE(ctypes)] = {
		{true, true, true,  true,  true,  true},    /* ""           */
		{true, true, true,  true,  true,  true},    /* "*"          */
		{true, true, true,  true,  true,  true},    /* "* / *"      */
		{true, true, false, false, false, false},   /* "text/ *"    */
		{true, true, false, false, false, false},   /* "text/plain" */
	};

	for (size_t f = 0; f < ARRAY_SIZE(filters); f++) {
		for (size_t c = 0; c < ARRAY_SIZE(ctypes); c++) {
			char what[160];
			bool got = mediatype_match(filters[f], ctypes[c]);

			(void)re_snprintf(what, sizeof(what),
					  "mediatype_match(\"%s\", %s%s%s) "
					  "== %s", filters[f],
					  ctypes[c] ? "\"" : "",
					  ctypes[c] ? ctypes[c] : "NULL",
					  ctypes[c] ? "\"" : "",
					  want[f][c] ? "true" : "false");
			CU_assertImplementation(got == want[f][c], __LINE__,
						what, __FILE__, "", CU_FALSE);
		}
	}

	/* NULL filter is no filter */
	CU_ASSERT_TRUE(mediatype_match(NULL, "text/plain"));
	CU_ASSERT_TRUE(mediatype_match(NULL, NULL));

	/* edges of "type/ *" and "type/subtype" */
	CU_ASSERT_FALSE(mediatype_match("text/*", "text/"));
	CU_ASSERT_FALSE(mediatype_match("text/*", "text/;a=b"));
	CU_ASSERT_FALSE(mediatype_match("text/*", "tex/plain"));
	CU_ASSERT_TRUE(mediatype_match("text/*", "Text/HTML ; level=1"));
	CU_ASSERT_FALSE(mediatype_match("text/plain", "text/plai"));
	CU_ASSERT_FALSE(mediatype_match("text/plain", "text/plainx"));
	CU_ASSERT_FALSE(mediatype_match("text/plain", "text/html"));
	CU_ASSERT_TRUE(mediatype_match("text/plain", "text/plain\t;x=y"));
	CU_ASSERT_FALSE(mediatype_match("text/plain", ""));
}


static void test_valid(void)
{
	static const struct {
		const char *s;
		unsigned flags;
		bool want;
	} v[] = {
		{"text/plain",                0, true},
		{"application/vnd.wap.mms-message", 0, true},
		{"a!#$&-^_.+/x",              0, true},
		{"application/x%20y",         0, true},
		{"application/o'brien",       0, true},
		{"application/x`y",           0, true},
		{"application/a|b",           0, true},
		{"application/x~y",           0, true},
		{"text",                      0, false},
		{"/plain",                    0, false},
		{"text/",                     0, false},
		{"text/plain/x",              0, false},
		{"te xt/plain",               0, false},
		{"te\"xt/plain",              0, false},
		{"text/(x)",                  0, false},
		{"text/a,b",                  0, false},
		{"text/a@b",                  0, false},
		{"text/a:b",                  0, false},
		{"text/a{b}",                 0, false},
		{"text/\xc3\xa9",             0, false},
		/* parameters only where a content type may carry them */
		{"text/plain;charset=utf-8",  0, false},
		{"text/plain;charset=utf-8",  MEDIATYPE_PARAMS, true},
		{"text/plain \t; a=b",        MEDIATYPE_PARAMS, true},
		{"text/plain ",               MEDIATYPE_PARAMS, true},
		{"text/plain x",              MEDIATYPE_PARAMS, false},
		{"text;a=b",                  MEDIATYPE_PARAMS, false},
		/* a wildcard is a whole subtype of a filter, nothing else */
		{"text/*",                    0, false},
		{"text/*",                    MEDIATYPE_WILDCARD, true},
		{"*/*",                       MEDIATYPE_WILDCARD, false},
		{"*/plain",                   MEDIATYPE_WILDCARD, false},
		{"text/pl*in",                MEDIATYPE_WILDCARD, false},
		{"text/*x",                   MEDIATYPE_WILDCARD, false},
		{"te*t/plain",                MEDIATYPE_WILDCARD, false},
		{"text/*;a=b",                MEDIATYPE_WILDCARD, false},
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		char what[120];
		bool got = mediatype_valid(v[i].s, strlen(v[i].s),
					   v[i].flags);

		(void)re_snprintf(what, sizeof(what), "mediatype_valid(\"%s\","
				  " %u) == %s", v[i].s, v[i].flags,
				  v[i].want ? "true" : "false");
		CU_assertImplementation(got == v[i].want, __LINE__, what,
					__FILE__, "", CU_FALSE);
	}

	/* the length is what counts, not a NUL */
	CU_ASSERT_TRUE(mediatype_valid("text/plainXXX", 10, 0));
	CU_ASSERT_FALSE(mediatype_valid("text/plainXXX", 5, 0));
	CU_ASSERT_FALSE(mediatype_valid(NULL, 0, 0));
	CU_ASSERT_FALSE(mediatype_valid("", 0, MEDIATYPE_PARAMS));

	UNIT_ASSERT_INT(mediatype_len("Text/Plain;a=b"), 10);
	UNIT_ASSERT_INT(mediatype_len("text/plain \t;a"), 10);
	UNIT_ASSERT_INT(mediatype_len("text/plain"), 10);
	UNIT_ASSERT_INT(mediatype_len(NULL), 0);
}


static CU_TestInfo tests[] = {
	{"filter match table", test_ctype_match_table},
	{"the grammar", test_valid},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"mediatype", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_mediatype", suites);
}
