/* test_budget.c: global resource budgets: take, give, refuse, reload. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "budget.h"
#include "unit.h"


static void test_budget(void)
{
	struct budget b;
	char *s = NULL;

	budget_init(&b, "msrp_conns", 3);
	CU_ASSERT(budget_take(&b, 1));
	CU_ASSERT(budget_take(&b, 2));
	CU_ASSERT(budget_full(&b));
	CU_ASSERT_FALSE(budget_take(&b, 1));
	UNIT_ASSERT_INT(b.refused, 1);
	budget_give(&b, 1);
	CU_ASSERT_FALSE(budget_full(&b));
	CU_ASSERT(budget_take(&b, 1));

	/* lowering the bound keeps what is held, refuses new takes */
	budget_set_max(&b, 1);
	UNIT_ASSERT_INT(b.used, 3);
	CU_ASSERT_FALSE(budget_take(&b, 1));
	budget_give(&b, 10);
	UNIT_ASSERT_INT(b.used, 0);
	UNIT_ASSERT_INT(b.peak, 3);

	UNIT_ASSERT_INT(re_sdprintf(&s, "%H", budget_print, &b), 0);
	UNIT_ASSERT_STR(s, "msrp_conns=0/1 peak=3 refused=2\n");
	mem_deref(s);
}


static void test_budget_bytes(void)
{
	struct budget b;

	/* byte budgets: no overflow near 2^64 */
	budget_init(&b, "spool", UINT64_MAX - 10);
	CU_ASSERT(budget_take(&b, UINT64_MAX - 20));
	CU_ASSERT_FALSE(budget_take(&b, 11));
	CU_ASSERT_FALSE(budget_take(&b, UINT64_MAX));
	CU_ASSERT(budget_take(&b, 10));

	budget_init(&b, "zero", 0);
	UNIT_ASSERT_INT(b.max, 1);
}


static CU_TestInfo tests[] = {
	{"take, give, refuse, reload", test_budget},
	{"byte budgets near 2^64", test_budget_bytes},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"budget", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_budget", suites);
}
