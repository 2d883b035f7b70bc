/* test_loglimit.c: log lines of one kind are bounded per interval, and what was left out is counted. */
#include <re.h>
#include "autoconf.h"
#include "loglimit.h"
#include "unit.h"


static void test_window(void)
{
	struct loglimit ll = {0};
	uint32_t left = 99;
	int ok = 0;

	/* a flood of 1000 in one interval: LOGLIMIT_LINES get through */
	for (int i = 0; i < 1000; i++)
		ok += loglimit_ok(&ll, 5000 + (uint64_t)i, &left);
	UNIT_ASSERT_INT(ok, LOGLIMIT_LINES);

	/* the first line of the next interval says how many were left out */
	CU_ASSERT(loglimit_ok(&ll, 5000 + LOGLIMIT_MS, &left));
	UNIT_ASSERT_INT(left, 1000 - LOGLIMIT_LINES);
	CU_ASSERT(loglimit_ok(&ll, 5000 + LOGLIMIT_MS + 1, &left));
	UNIT_ASSERT_INT(left, 0);

	/* a quiet stretch: everything again */
	CU_ASSERT(loglimit_ok(&ll, 100000, &left));
	UNIT_ASSERT_INT(left, 0);

	/* a clock that went back starts over rather than going silent */
	CU_ASSERT(loglimit_ok(&ll, 10, &left));

	/* no state: no limit */
	CU_ASSERT(loglimit_ok(NULL, 0, NULL));
}


static CU_TestInfo tests[] = {
	{"bounded per interval", test_window},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"loglimit", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_loglimit", suites);
}
