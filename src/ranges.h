/* ranges.h: a bounded set of received byte intervals, for reassembly by Byte-Range. */
#ifndef SIPPUSH_RANGES_H
#define SIPPUSH_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct re_printf;
struct ranges;

/*
 * Intervals are half-open and 0-based: ranges_add(r, a, b) records the
 * bytes at offsets a .. b-1, so an empty chunk is simply a == b and no
 * "+1/-1" arithmetic can overflow at UINT64_MAX. For an MSRP chunk with
 * "Byte-Range: S-..." that carried n body bytes:
 *
 *     ranges_add(r, S - 1, S - 1 + n);
 *
 * Overlapping, duplicate and adjacent intervals merge, so a message sent
 * in order is always one interval. At most max_intervals disjoint pieces
 * are kept: a peer that sends 1-byte chunks with gaps gets ENOSPC instead
 * of making us allocate without bound.
 */

int      ranges_alloc(struct ranges **rp, size_t max_intervals);
int      ranges_add(struct ranges *r, uint64_t start, uint64_t end);
bool     ranges_complete(const struct ranges *r, uint64_t total);
uint64_t ranges_covered(const struct ranges *r);
uint64_t ranges_contiguous(const struct ranges *r);
uint64_t ranges_end(const struct ranges *r);
bool     ranges_overlap(const struct ranges *r, uint64_t start, uint64_t end,
			uint64_t *a, uint64_t *b);
bool     ranges_contains(const struct ranges *r, uint64_t start,
			 uint64_t end);
size_t   ranges_count(const struct ranges *r);
void     ranges_clear(struct ranges *r);
int      ranges_print(struct re_printf *pf, const struct ranges *r);

#endif
