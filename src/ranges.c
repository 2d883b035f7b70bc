/* ranges.c: a bounded set of received byte intervals, for reassembly by Byte-Range. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "ranges.h"

#define DEBUG_MODULE "ranges"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * A sorted array of disjoint, non-adjacent half-open intervals. The usual
 * case, chunks in order, is one interval forever; out-of-order chunks
 * make a few. The array grows by doubling up to max_intervals, so memory
 * follows what the peer actually did, within the bound. Adding is a
 * binary search plus one memmove: O(max) in the worst case, which is
 * cheap at the few hundred intervals a session would allow.
 */

enum { CAP_MIN = 4 };

struct iv {
	uint64_t a;   /* first byte */
	uint64_t b;   /* one past the last byte; a < b */
};

struct ranges {
	struct iv *v;
	size_t n;     /* intervals in use */
	size_t cap;   /* intervals allocated */
	size_t max;   /* most intervals ever allowed */
};


static void destructor(void *arg)
{
	struct ranges *r = arg;

	mem_deref(r->v);
}


/**
 * Allocate an empty set.
 *
 * @param rp             Set to the new set
 * @param max_intervals  Most disjoint intervals it may hold (>= 1)
 *
 * @return 0, EINVAL or ENOMEM
 */
int ranges_alloc(struct ranges **rp, size_t max_intervals)
{
	struct ranges *r;

	if (!rp || !max_intervals ||
	    max_intervals > SIZE_MAX / sizeof(struct iv))
		return EINVAL;

	r = mem_zalloc(sizeof(*r), destructor);
	if (!r)
		return ENOMEM;

	r->max = max_intervals;
	*rp = r;

	return 0;
}


/* Index of the first interval that ends at or after off: the first one
 * that overlaps, touches or follows a piece starting at off. */
static size_t first_reaching(const struct ranges *r, uint64_t off)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->v[mid].b < off)
			lo = mid + 1;
		else
			hi = mid;
	}

	return lo;
}


static int grow(struct ranges *r)
{
	size_t cap = r->cap ? r->cap * 2 : CAP_MIN;
	struct iv *v;

	if (cap > r->max)
		cap = r->max;

	/* libre 1.1.0's mem_realloc() does not take NULL */
	v = r->v ? mem_realloc(r->v, cap * sizeof(*v)) :
		mem_alloc(cap * sizeof(*v), NULL);
	if (!v)
		return ENOMEM;

	r->v   = v;
	r->cap = cap;

	return 0;
}


/**
 * Record that the bytes [start, end) arrived.
 *
 * @return 0 (also for an empty or already covered piece), EINVAL if
 *         start > end, ENOSPC if the piece is disjoint from all others
 *         and max_intervals are held already, ENOMEM. On error the set
 *         is unchanged.
 */
int ranges_add(struct ranges *r, uint64_t start, uint64_t end)
{
	size_t i, j;

	if (!r || start > end)
		return EINVAL;

	if (start == end)
		return 0;

	/* v[i..j-1] overlap or touch [start, end): they all merge into one */
	i = first_reaching(r, start);
	for (j = i; j < r->n && r->v[j].a <= end; j++)
		;

	if (i == j) {
		int err;

		if (r->n >= r->max)
			return ENOSPC;

		if (r->n == r->cap) {
			err = grow(r);
			if (err)
				return err;
		}

		memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof(r->v[0]));
		r->v[i].a = start;
		r->v[i].b = end;
		++r->n;

		return 0;
	}

	r->v[i].a = min(start, r->v[i].a);
	r->v[i].b = max(end, r->v[j - 1].b);

	memmove(&r->v[i + 1], &r->v[j], (r->n - j) * sizeof(r->v[0]));
	r->n -= j - i - 1;

	return 0;
}


/**
 * Are all bytes [0, total) there? (An empty message is complete.)
 */
bool ranges_complete(const struct ranges *r, uint64_t total)
{
	if (!total)
		return r != NULL;

	return r && r->n && r->v[0].a == 0 && r->v[0].b >= total;
}


/**
 * How many distinct bytes arrived.
 */
uint64_t ranges_covered(const struct ranges *r)
{
	uint64_t sum = 0;

	if (!r)
		return 0;

	/* disjoint pieces of [0, UINT64_MAX]: the sum cannot wrap */
	for (size_t i = 0; i < r->n; i++)
		sum += r->v[i].b - r->v[i].a;

	return sum;
}


/**
 * Length of the run of bytes from offset 0 without a gap: how much of
 * the message could be handed on in order.
 */
uint64_t ranges_contiguous(const struct ranges *r)
{
	if (!r || !r->n || r->v[0].a != 0)
		return 0;

	return r->v[0].b;
}


/** The end of the highest interval: one past the last byte held. */
uint64_t ranges_end(const struct ranges *r)
{
	return r && r->n ? r->v[r->n - 1].b : 0;
}


/**
 * The first piece of [start, end) that arrived already: the bytes a new
 * chunk there must repeat exactly.
 *
 * @return true, with [*a, *b) inside [start, end); false if none
 */
bool ranges_overlap(const struct ranges *r, uint64_t start, uint64_t end,
		    uint64_t *a, uint64_t *b)
{
	size_t i;

	if (!r || !a || !b || start >= end)
		return false;

	i = first_reaching(r, start);
	if (i < r->n && r->v[i].b == start)
		++i;
	if (i >= r->n || r->v[i].a >= end)
		return false;

	*a = r->v[i].a > start ? r->v[i].a : start;
	*b = r->v[i].b < end ? r->v[i].b : end;
	return true;
}


/**
 * Did every byte of [start, end) arrive already (a retransmitted chunk)?
 * An empty piece is contained in any set.
 */
bool ranges_contains(const struct ranges *r, uint64_t start, uint64_t end)
{
	size_t i;

	if (!r || start > end)
		return false;

	if (start == end)
		return true;

	/* intervals never touch, so only one can hold start */
	i = first_reaching(r, start);

	return i < r->n && r->v[i].a <= start && r->v[i].b >= end;
}


/** Number of disjoint intervals held. */
size_t ranges_count(const struct ranges *r)
{
	return r ? r->n : 0;
}


/** Forget all intervals (the memory stays for the next message). */
void ranges_clear(struct ranges *r)
{
	if (r)
		r->n = 0;
}


/** Debug print: "0-100,200-300" (half-open, 0-based), "" if empty. */
int ranges_print(struct re_printf *pf, const struct ranges *r)
{
	int err = 0;

	if (!r)
		return 0;

	for (size_t i = 0; i < r->n && !err; i++)
		err = re_hprintf(pf, "%s%llu-%llu", i ? "," : "",
				 (unsigned long long)r->v[i].a,
				 (unsigned long long)r->v[i].b);

	return err;
}
