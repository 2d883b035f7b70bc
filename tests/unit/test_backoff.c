/* test_backoff.c: the retry schedule after failed registrations. */
#include <re.h>
#include "autoconf.h"
#include "backoff.h"
#include "unit.h"

static const uint16_t rnds[] = {0, 1, 32767, 32768, 65534, 65535};


/* The un-jittered delay: base * 2^(failc-1), capped at max. */
static uint64_t nominal(uint32_t failc, uint32_t base, uint32_t max)
{
	uint64_t d = base ? base : 1;

	for (uint32_t i = 1; i < failc && d < max; i++)
		d *= 2;

	return d < max ? d : max;
}


static void check_range_at(uint32_t failc, uint32_t base, uint32_t max,
			   const char *file, unsigned line)
{
	uint64_t n = nominal(failc ? failc : 1, base, max);

	for (size_t i = 0; i < ARRAY_SIZE(rnds); i++) {
		uint64_t d = backoff_delay(failc, base, max, rnds[i]);
		char what[160];

		(void)re_snprintf(what, sizeof(what),
				  "backoff_delay(%u, %u, %u, %u) = %llu "
				  "in [%llu, %llu]", failc, base, max,
				  rnds[i], (unsigned long long)d,
				  (unsigned long long)(n / 2),
				  (unsigned long long)n);

		/* [50 %, 100 %], whole ms rounded down; never 0 */
		CU_assertImplementation(d >= n / 2 && d <= (n ? n : 1) &&
					d > 0, line, what, file, "",
					CU_FALSE);
	}
}

#define CHECK_RANGE(f, b, m) check_range_at((f), (b), (m), __FILE__, __LINE__)


static void test_doubles(void)
{
	/* rnd 65535 gives the full (even) value: 1, 2, 4 ... 64 s */
	for (uint32_t f = 1; f <= 7; f++)
		UNIT_ASSERT_INT(backoff_delay(f, 1000, 3600000, 65535),
				1000ull << (f - 1));

	/* rnd 0 gives half of it */
	for (uint32_t f = 1; f <= 7; f++)
		UNIT_ASSERT_INT(backoff_delay(f, 1000, 3600000, 0),
				500ull << (f - 1));

	/* each step doubles, at any fixed rnd */
	for (size_t i = 0; i < ARRAY_SIZE(rnds); i++) {
		for (uint32_t f = 1; f < 10; f++) {
			uint64_t a = backoff_delay(f, 4096, 1u << 30, rnds[i]);
			uint64_t b = backoff_delay(f + 1, 4096, 1u << 30,
						   rnds[i]);

			CU_ASSERT(b >= 2 * a && b <= 2 * a + 1);
		}
	}
}


static void test_cap(void)
{
	/* 30 s base, 300 s cap: 30, 60, 120, 240, 300, 300 ... */
	static const uint64_t want[] = {30000, 60000, 120000, 240000,
					300000, 300000, 300000};

	for (uint32_t f = 1; f <= ARRAY_SIZE(want); f++)
		UNIT_ASSERT_INT(backoff_delay(f, 30000, 300000, 65535),
				want[f - 1]);

	for (uint32_t f = 1; f < 64; f++) {
		for (size_t i = 0; i < ARRAY_SIZE(rnds); i++)
			CU_ASSERT(backoff_delay(f, 30000, 300000, rnds[i]) <=
				  300000);
	}

	/* base above max: max */
	UNIT_ASSERT_INT(backoff_delay(1, 5000, 1000, 65535), 1000);
	UNIT_ASSERT_INT(backoff_delay(3, 5000, 1000, 0), 500);
}


static void test_jitter_range(void)
{
	for (uint32_t f = 0; f <= 40; f++) {
		CHECK_RANGE(f, 1000, 1800000);
		CHECK_RANGE(f, 1, 1000);
		CHECK_RANGE(f, 3, 1001);
		CHECK_RANGE(f, 60000, 60000);
	}

	/* the middle really is in between, and rnd spreads the retries */
	{
		uint64_t lo = backoff_delay(5, 1000, 1800000, 0);
		uint64_t mid = backoff_delay(5, 1000, 1800000, 32768);
		uint64_t hi = backoff_delay(5, 1000, 1800000, 65535);

		UNIT_ASSERT_INT(lo, 8000);
		UNIT_ASSERT_INT(hi, 16000);
		CU_ASSERT(mid > lo && mid < hi);
		CU_ASSERT(mid >= 11990 && mid <= 12010);
	}

	/* monotonic in rnd */
	{
		uint64_t prev = 0;

		for (uint32_t r = 0; r <= 65535; r += 257) {
			uint64_t d = backoff_delay(4, 1000, 60000, (uint16_t)r);

			CU_ASSERT(d >= prev);
			prev = d;
		}
	}
}


static void test_never_zero(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(rnds); i++) {
		UNIT_ASSERT_INT(backoff_delay(1, 0, 0, rnds[i]), 1);
		UNIT_ASSERT_INT(backoff_delay(0, 0, 0, rnds[i]), 1);
		UNIT_ASSERT_INT(backoff_delay(1, 1, 1, rnds[i]), 1);
		UNIT_ASSERT_INT(backoff_delay(5, 0, 0, rnds[i]), 1);
		CU_ASSERT(backoff_delay(1, 1, 100, rnds[i]) >= 1);
		CU_ASSERT(backoff_delay(1, 100, 0, rnds[i]) >= 1);
		CU_ASSERT(backoff_delay(1000, 0, UINT32_MAX, rnds[i]) >= 1);
	}
}


static void test_failc_zero(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(rnds); i++) {
		UNIT_ASSERT_INT(backoff_delay(0, 1000, 60000, rnds[i]),
				backoff_delay(1, 1000, 60000, rnds[i]));
		UNIT_ASSERT_INT(backoff_delay(0, 7, 5, rnds[i]),
				backoff_delay(1, 7, 5, rnds[i]));
	}
	UNIT_ASSERT_INT(backoff_delay(0, 1000, 60000, 65535), 1000);
}


static void test_huge_failc(void)
{
	/* no overflow: stays at the cap, with jitter */
	UNIT_ASSERT_INT(backoff_delay(1000, 1000, 3600000, 65535), 3600000);
	UNIT_ASSERT_INT(backoff_delay(1000, 1000, 3600000, 0), 1800000);
	UNIT_ASSERT_INT(backoff_delay(UINT32_MAX, 1000, 3600000, 65535),
			3600000);

	/* the widest range the types allow */
	UNIT_ASSERT_INT(backoff_delay(1000, UINT32_MAX, UINT32_MAX, 65535),
			UINT32_MAX - 1);
	UNIT_ASSERT_INT(backoff_delay(1000, 1, UINT32_MAX, 65535),
			UINT32_MAX - 1);
	UNIT_ASSERT_INT(backoff_delay(UINT32_MAX, 1, UINT32_MAX, 0),
			UINT32_MAX / 2);

	for (uint32_t f = 30; f <= 40; f++)
		CHECK_RANGE(f, 1, UINT32_MAX);
	CHECK_RANGE(1000, 1, UINT32_MAX);
	CHECK_RANGE(UINT32_MAX, 1, UINT32_MAX);
	CHECK_RANGE(1000, UINT32_MAX, UINT32_MAX);
}


static CU_TestInfo tests[] = {
	{"doubles from base", test_doubles},
	{"capped at max", test_cap},
	{"jitter in [50 %, 100 %]", test_jitter_range},
	{"never 0", test_never_zero},
	{"failc 0 is failc 1", test_failc_zero},
	{"huge failc", test_huge_failc},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"backoff_delay", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_backoff", suites);
}
