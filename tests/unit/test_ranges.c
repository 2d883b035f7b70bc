/* test_ranges.c: the received-bytes interval set: merging, bounds, huge offsets, a model check. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "ranges.h"
#include "unit.h"

static struct ranges *r;


static void setup(void)
{
	r = NULL;
	CU_ASSERT_EQUAL(ranges_alloc(&r, 16), 0);
	CU_ASSERT_PTR_NOT_NULL(r);
}


static void teardown(void)
{
	r = mem_deref(r);
}


#define ASSERT_SET(set, expected) do { \
		char *s_ = NULL; \
		CU_ASSERT_EQUAL(re_sdprintf(&s_, "%H", ranges_print, (set)), 0); \
		UNIT_ASSERT_STR(s_ ? s_ : "(error)", (expected)); \
		mem_deref(s_); \
	} while (0)


static void test_empty(void)
{
	ASSERT_SET(r, "");
	UNIT_ASSERT_INT(ranges_count(r), 0);
	UNIT_ASSERT_INT(ranges_covered(r), 0);
	UNIT_ASSERT_INT(ranges_contiguous(r), 0);
	CU_ASSERT_TRUE(ranges_complete(r, 0));   /* an empty message */
	CU_ASSERT_FALSE(ranges_complete(r, 1));
	CU_ASSERT_TRUE(ranges_contains(r, 5, 5));
	CU_ASSERT_FALSE(ranges_contains(r, 0, 1));

	/* empty pieces change nothing */
	UNIT_ASSERT_INT(ranges_add(r, 0, 0), 0);
	UNIT_ASSERT_INT(ranges_add(r, 7, 7), 0);
	UNIT_ASSERT_INT(ranges_count(r), 0);
}


static void test_in_order(void)
{
	/* chunks as a sender sends them: one interval throughout */
	for (uint64_t off = 0; off < 100 * 2048; off += 2048) {
		UNIT_ASSERT_INT(ranges_add(r, off, off + 2048), 0);
		UNIT_ASSERT_INT(ranges_count(r), 1);
		UNIT_ASSERT_INT(ranges_contiguous(r), off + 2048);
	}

	ASSERT_SET(r, "0-204800");
	CU_ASSERT_TRUE(ranges_complete(r, 204800));
	CU_ASSERT_FALSE(ranges_complete(r, 204801));
	UNIT_ASSERT_INT(ranges_covered(r), 204800);
}


static void test_gaps(void)
{
	UNIT_ASSERT_INT(ranges_add(r, 0, 10), 0);
	UNIT_ASSERT_INT(ranges_add(r, 20, 30), 0);
	UNIT_ASSERT_INT(ranges_add(r, 40, 50), 0);
	ASSERT_SET(r, "0-10,20-30,40-50");
	UNIT_ASSERT_INT(ranges_count(r), 3);
	UNIT_ASSERT_INT(ranges_covered(r), 30);
	UNIT_ASSERT_INT(ranges_contiguous(r), 10);
	CU_ASSERT_FALSE(ranges_complete(r, 50));
	CU_ASSERT_TRUE(ranges_complete(r, 10));

	/* filling one gap joins three pieces into two */
	UNIT_ASSERT_INT(ranges_add(r, 10, 20), 0);
	ASSERT_SET(r, "0-30,40-50");
	UNIT_ASSERT_INT(ranges_contiguous(r), 30);

	UNIT_ASSERT_INT(ranges_add(r, 30, 40), 0);
	ASSERT_SET(r, "0-50");
	CU_ASSERT_TRUE(ranges_complete(r, 50));
}


static void test_no_prefix(void)
{
	/* the first byte missing: nothing can be handed on in order */
	UNIT_ASSERT_INT(ranges_add(r, 1, 100), 0);
	UNIT_ASSERT_INT(ranges_contiguous(r), 0);
	UNIT_ASSERT_INT(ranges_covered(r), 99);
	CU_ASSERT_FALSE(ranges_complete(r, 100));
	CU_ASSERT_FALSE(ranges_complete(r, 1));

	UNIT_ASSERT_INT(ranges_add(r, 0, 1), 0);
	UNIT_ASSERT_INT(ranges_contiguous(r), 100);
	CU_ASSERT_TRUE(ranges_complete(r, 100));
}


static void test_overlaps(void)
{
	UNIT_ASSERT_INT(ranges_add(r, 0, 10), 0);
	UNIT_ASSERT_INT(ranges_add(r, 12, 20), 0);
	UNIT_ASSERT_INT(ranges_add(r, 5, 15), 0);    /* bridges both */
	ASSERT_SET(r, "0-20");

	UNIT_ASSERT_INT(ranges_add(r, 30, 40), 0);
	UNIT_ASSERT_INT(ranges_add(r, 25, 35), 0);   /* overlaps the front */
	ASSERT_SET(r, "0-20,25-40");
	UNIT_ASSERT_INT(ranges_add(r, 38, 45), 0);   /* overlaps the back */
	ASSERT_SET(r, "0-20,25-45");
	UNIT_ASSERT_INT(ranges_add(r, 22, 60), 0);   /* swallows one */
	ASSERT_SET(r, "0-20,22-60");
	UNIT_ASSERT_INT(ranges_add(r, 0, 100), 0);   /* swallows all */
	ASSERT_SET(r, "0-100");
	UNIT_ASSERT_INT(ranges_covered(r), 100);
}


static void test_duplicates(void)
{
	for (int i = 0; i < 5; i++) {
		UNIT_ASSERT_INT(ranges_add(r, 100, 200), 0);
		UNIT_ASSERT_INT(ranges_add(r, 0, 50), 0);
	}
	ASSERT_SET(r, "0-50,100-200");
	UNIT_ASSERT_INT(ranges_covered(r), 150);

	/* pieces inside existing ones change nothing */
	UNIT_ASSERT_INT(ranges_add(r, 10, 20), 0);
	UNIT_ASSERT_INT(ranges_add(r, 100, 101), 0);
	UNIT_ASSERT_INT(ranges_add(r, 199, 200), 0);
	ASSERT_SET(r, "0-50,100-200");
}


static void test_adjacent(void)
{
	/* touching pieces merge: a half-open [a,b) and [b,c) are one */
	UNIT_ASSERT_INT(ranges_add(r, 10, 20), 0);
	UNIT_ASSERT_INT(ranges_add(r, 20, 30), 0);
	UNIT_ASSERT_INT(ranges_add(r, 0, 10), 0);
	ASSERT_SET(r, "0-30");
	UNIT_ASSERT_INT(ranges_count(r), 1);

	/* but a one-byte gap stays a gap */
	UNIT_ASSERT_INT(ranges_add(r, 31, 40), 0);
	ASSERT_SET(r, "0-30,31-40");
	UNIT_ASSERT_INT(ranges_add(r, 30, 31), 0);
	ASSERT_SET(r, "0-40");
}


static void test_out_of_order(void)
{
	static const uint64_t order[] = {9, 0, 5, 3, 7, 1, 8, 2, 6, 4};

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		CU_ASSERT_FALSE(ranges_complete(r, 1000));
		UNIT_ASSERT_INT(ranges_add(r, order[i] * 100,
					   order[i] * 100 + 100), 0);
	}

	ASSERT_SET(r, "0-1000");
	CU_ASSERT_TRUE(ranges_complete(r, 1000));
	UNIT_ASSERT_INT(ranges_contiguous(r), 1000);
}


static void test_contains(void)
{
	UNIT_ASSERT_INT(ranges_add(r, 10, 20), 0);
	UNIT_ASSERT_INT(ranges_add(r, 30, 40), 0);

	CU_ASSERT_TRUE(ranges_contains(r, 10, 20));
	CU_ASSERT_TRUE(ranges_contains(r, 12, 18));
	CU_ASSERT_TRUE(ranges_contains(r, 30, 31));
	CU_ASSERT_FALSE(ranges_contains(r, 9, 20));
	CU_ASSERT_FALSE(ranges_contains(r, 10, 21));
	CU_ASSERT_FALSE(ranges_contains(r, 15, 35));
	CU_ASSERT_FALSE(ranges_contains(r, 20, 30));
	CU_ASSERT_FALSE(ranges_contains(r, 40, 41));
	CU_ASSERT_FALSE(ranges_contains(r, 0, 5));
	CU_ASSERT_FALSE(ranges_contains(r, 50, 60));
	CU_ASSERT_FALSE(ranges_contains(r, 20, 10));
	CU_ASSERT_TRUE(ranges_contains(r, 25, 25));
}


static void test_complete_beyond_total(void)
{
	UNIT_ASSERT_INT(ranges_add(r, 0, 120), 0);
	CU_ASSERT_TRUE(ranges_complete(r, 100));
	CU_ASSERT_TRUE(ranges_complete(r, 120));
	CU_ASSERT_FALSE(ranges_complete(r, 121));
}


/* A peer sending 1-byte chunks with gaps: the set stops at the bound
 * instead of growing, and an ENOSPC leaves it as it was. */
static void test_enospc(void)
{
	struct ranges *s = NULL;
	unsigned ok = 0, full = 0;

	UNIT_ASSERT_INT(ranges_alloc(&s, 4), 0);
	UNIT_ASSERT_INT(ranges_add(s, 0, 1), 0);
	UNIT_ASSERT_INT(ranges_add(s, 2, 3), 0);
	UNIT_ASSERT_INT(ranges_add(s, 4, 5), 0);
	UNIT_ASSERT_INT(ranges_add(s, 6, 7), 0);
	UNIT_ASSERT_INT(ranges_add(s, 8, 9), ENOSPC);
	UNIT_ASSERT_INT(ranges_add(s, 100, 200), ENOSPC);
	ASSERT_SET(s, "0-1,2-3,4-5,6-7");

	/* what merges or is inside still goes in */
	UNIT_ASSERT_INT(ranges_add(s, 7, 8), 0);
	UNIT_ASSERT_INT(ranges_add(s, 2, 3), 0);
	UNIT_ASSERT_INT(ranges_add(s, 0, 0), 0);
	UNIT_ASSERT_INT(ranges_add(s, 99, 99), 0);
	ASSERT_SET(s, "0-1,2-3,4-5,6-8");

	/* a merge that frees a slot makes room */
	UNIT_ASSERT_INT(ranges_add(s, 1, 2), 0);
	ASSERT_SET(s, "0-3,4-5,6-8");
	UNIT_ASSERT_INT(ranges_add(s, 10, 11), 0);
	ASSERT_SET(s, "0-3,4-5,6-8,10-11");
	mem_deref(s);

	/* the hostile pattern, at scale */
	UNIT_ASSERT_INT(ranges_alloc(&s, 64), 0);
	for (uint64_t i = 0; i < 100000; i++) {
		const int err = ranges_add(s, 2 * i, 2 * i + 1);

		if (!err)
			++ok;
		else if (err == ENOSPC)
			++full;
	}
	UNIT_ASSERT_INT(ok, 64);
	UNIT_ASSERT_INT(full, 100000 - 64);
	UNIT_ASSERT_INT(ranges_count(s), 64);
	UNIT_ASSERT_INT(ranges_covered(s), 64);
	mem_deref(s);

	/* max 1: only a single run can ever be held */
	UNIT_ASSERT_INT(ranges_alloc(&s, 1), 0);
	UNIT_ASSERT_INT(ranges_add(s, 10, 20), 0);
	UNIT_ASSERT_INT(ranges_add(s, 0, 5), ENOSPC);
	UNIT_ASSERT_INT(ranges_add(s, 0, 10), 0);
	ASSERT_SET(s, "0-20");
	mem_deref(s);
}


static void test_huge_offsets(void)
{
	const uint64_t top = UINT64_MAX;

	UNIT_ASSERT_INT(ranges_add(r, top - 10, top), 0);
	UNIT_ASSERT_INT(ranges_add(r, 0, 1), 0);
	UNIT_ASSERT_INT(ranges_add(r, top - 20, top - 10), 0);
	UNIT_ASSERT_INT(ranges_count(r), 2);
	UNIT_ASSERT_INT(ranges_covered(r), 21);
	CU_ASSERT_TRUE(ranges_contains(r, top - 20, top));
	CU_ASSERT_FALSE(ranges_complete(r, top));

	/* the whole 64-bit space: covered is UINT64_MAX, nothing wraps */
	UNIT_ASSERT_INT(ranges_add(r, 1, top - 20), 0);
	UNIT_ASSERT_INT(ranges_count(r), 1);
	CU_ASSERT(ranges_covered(r) == top);
	CU_ASSERT(ranges_contiguous(r) == top);
	CU_ASSERT_TRUE(ranges_complete(r, top));

	/* MSRP's bound: 2^53 */
	ranges_clear(r);
	UNIT_ASSERT_INT(ranges_add(r, (1ull << 53) - 1, 1ull << 53), 0);
	UNIT_ASSERT_INT(ranges_add(r, 0, 1ull << 52), 0);
	CU_ASSERT(ranges_covered(r) == (1ull << 52) + 1);
	CU_ASSERT(ranges_contiguous(r) == 1ull << 52);

	UNIT_ASSERT_INT(ranges_add(r, 10, 9), EINVAL);
	UNIT_ASSERT_INT(ranges_add(r, top, top - 1), EINVAL);
}


static void test_clear_reuse(void)
{
	UNIT_ASSERT_INT(ranges_add(r, 0, 10), 0);
	UNIT_ASSERT_INT(ranges_add(r, 20, 30), 0);
	ranges_clear(r);
	UNIT_ASSERT_INT(ranges_count(r), 0);
	UNIT_ASSERT_INT(ranges_covered(r), 0);
	ASSERT_SET(r, "");
	UNIT_ASSERT_INT(ranges_add(r, 5, 6), 0);
	ASSERT_SET(r, "5-6");
}


static void test_bad_args(void)
{
	struct ranges *s = NULL;

	UNIT_ASSERT_INT(ranges_alloc(NULL, 4), EINVAL);
	UNIT_ASSERT_INT(ranges_alloc(&s, 0), EINVAL);
	UNIT_ASSERT_INT(ranges_alloc(&s, SIZE_MAX), EINVAL);
	CU_ASSERT_PTR_NULL(s);
	UNIT_ASSERT_INT(ranges_add(NULL, 0, 1), EINVAL);
	CU_ASSERT_FALSE(ranges_complete(NULL, 0));
	CU_ASSERT_FALSE(ranges_complete(NULL, 1));
	UNIT_ASSERT_INT(ranges_covered(NULL), 0);
	UNIT_ASSERT_INT(ranges_contiguous(NULL), 0);
	CU_ASSERT_FALSE(ranges_contains(NULL, 0, 0));
	UNIT_ASSERT_INT(ranges_count(NULL), 0);
	ranges_clear(NULL);
	ASSERT_SET(NULL, "");
}


/* --- against a model: a bitmap of SPAN bytes ----------------------- */

enum { SPAN = 1500, ROUNDS = 40, ADDS = 300 };

static uint32_t rnd(uint32_t *st)
{
	uint32_t x = *st;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*st = x;

	return x;
}


static size_t model_runs(const bool *bits)
{
	size_t n = 0;

	for (size_t i = 0; i < SPAN; i++) {
		if (bits[i] && (!i || !bits[i - 1]))
			++n;
	}

	return n;
}


static void test_model(void)
{
	static bool bits[SPAN], next[SPAN];
	uint32_t st = 0x1234567u;

	for (unsigned round = 0; round < ROUNDS; round++) {
		/* small bounds hit ENOSPC often, large ones never */
		const size_t max = round % 2 ? 1000 : 1 + round % 12;
		struct ranges *s = NULL;

		memset(bits, 0, sizeof(bits));
		UNIT_ASSERT_INT(ranges_alloc(&s, max), 0);

		for (unsigned k = 0; k < ADDS; k++) {
			const uint64_t a = rnd(&st) % SPAN;
			const uint64_t len = rnd(&st) % 4 ? rnd(&st) % 8 :
				rnd(&st) % 300;
			const uint64_t b = min(a + len, (uint64_t)SPAN);
			uint64_t cov = 0, contig = 0;
			int err, want;

			memcpy(next, bits, sizeof(bits));
			for (uint64_t i = a; i < b; i++)
				next[i] = true;
			want = model_runs(next) > max ? ENOSPC : 0;

			err = ranges_add(s, a, b);
			UNIT_ASSERT_INT(err, want);
			if (!err)
				memcpy(bits, next, sizeof(bits));

			for (size_t i = 0; i < SPAN; i++)
				cov += bits[i];
			while (contig < SPAN && bits[contig])
				++contig;

			UNIT_ASSERT_INT(ranges_count(s), model_runs(bits));
			UNIT_ASSERT_INT(ranges_covered(s), cov);
			UNIT_ASSERT_INT(ranges_contiguous(s), contig);
			CU_ASSERT_EQUAL(ranges_complete(s, SPAN), contig == SPAN);
			CU_ASSERT_EQUAL(ranges_complete(s, contig), true);
		}

		mem_deref(s);
	}
}


/* the pieces of a new chunk that were there before, and the end */
static void test_overlap_end(void)
{
	uint64_t a = 0, b = 0;

	UNIT_ASSERT_INT(ranges_end(r), 0);
	CU_ASSERT(!ranges_overlap(r, 0, 10, &a, &b));
	CU_ASSERT_EQUAL(ranges_add(r, 10, 20), 0);
	CU_ASSERT_EQUAL(ranges_add(r, 30, 40), 0);
	UNIT_ASSERT_INT(ranges_end(r), 40);

	/* touching is not overlapping (half-open) */
	CU_ASSERT(!ranges_overlap(r, 0, 10, &a, &b));
	CU_ASSERT(!ranges_overlap(r, 20, 30, &a, &b));
	CU_ASSERT(!ranges_overlap(r, 40, 50, &a, &b));

	CU_ASSERT(ranges_overlap(r, 5, 35, &a, &b));
	UNIT_ASSERT_INT(a, 10);
	UNIT_ASSERT_INT(b, 20);
	CU_ASSERT(ranges_overlap(r, b, 35, &a, &b));
	UNIT_ASSERT_INT(a, 30);
	UNIT_ASSERT_INT(b, 35);
	CU_ASSERT(!ranges_overlap(r, b, 35, &a, &b));

	CU_ASSERT(ranges_overlap(r, 12, 15, &a, &b));
	UNIT_ASSERT_INT(a, 12);
	UNIT_ASSERT_INT(b, 15);
	CU_ASSERT(!ranges_overlap(r, 15, 15, &a, &b));
	CU_ASSERT(!ranges_overlap(NULL, 0, 50, &a, &b));
}


static CU_TestInfo tests[] = {
	{"empty set", test_empty},
	{"in-order chunks stay one interval", test_in_order},
	{"gaps, then filled", test_gaps},
	{"missing first byte", test_no_prefix},
	{"overlaps merge", test_overlaps},
	{"duplicates", test_duplicates},
	{"adjacent pieces merge", test_adjacent},
	{"out of order", test_out_of_order},
	{"contains", test_contains},
	{"complete with data beyond total", test_complete_beyond_total},
	{"ENOSPC bound", test_enospc},
	{"huge offsets", test_huge_offsets},
	{"clear and reuse", test_clear_reuse},
	{"bad arguments", test_bad_args},
	{"random adds against a bitmap model", test_model},
	{"overlap with a new piece, end", test_overlap_end},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"ranges", unit_libre_init, unit_libre_close, setup, teardown, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_ranges", suites);
}
