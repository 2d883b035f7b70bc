/* msrprec.h: records MSRP parser callbacks, to compare one stream fed in different pieces. */
#ifndef SIPPUSH_MSRPREC_H
#define SIPPUSH_MSRPREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "msrp.h"

/*
 * One run of the parser over a whole input: every callback in order,
 * adjacent data pieces merged (how the body is cut depends on the feed,
 * the bytes must not), then the outcome. Two runs of the same input must
 * give byte-identical logs whatever the split points.
 *
 * Log lines:  S <header summary>\n   D<n>:<n raw bytes>\n   E<flag> <len>\n
 *             R <err> <scode> <reason> <tid>\n (last)
 * A data callback with n == 0, a callback after an error, or a later feed
 * returning another error than the first adds a "BUG ..." line.
 */
struct msrprun {
	int err;                 /* first non-zero feed return */
	struct msrp_error e;
	struct mbuf *log;
	uint64_t data_bytes;     /* body bytes delivered */
	unsigned starts, ends;
	unsigned bugs;           /* contract violations ("BUG" lines) */
	struct msrp_msg last;    /* msg as of the last start callback */
	char last_flag;
};

void msrprun_init(struct msrprun *r);
void msrprun_close(struct msrprun *r);

/* Feed buf cut at the sorted offsets cuts[0..ncuts-1] (each piece is a
 * fresh exact-size heap copy, so over-reads are caught). */
int  msrprun_feed(struct msrprun *r, const uint8_t *buf, size_t len,
		  const size_t *cuts, size_t ncuts);
int  msrprun_whole(struct msrprun *r, const uint8_t *buf, size_t len);
int  msrprun_bytes(struct msrprun *r, const uint8_t *buf, size_t len);

bool msrprun_equal(const struct msrprun *a, const struct msrprun *b);
void msrprun_dump(const char *what, const struct msrprun *r);

/* Deterministic PRNG for split points (xorshift32) */
uint32_t msrprec_rand(uint32_t *state);

/*
 * Feeds buf whole, byte by byte, cut at every single offset, and
 * `trials` times cut at random offsets; all must match the whole run,
 * which is left in *whole (msrprun_close it). Returns the number of
 * mismatching runs (0 = consistent); the first one is dumped to stderr.
 */
unsigned msrprec_check_splits(struct msrprun *whole, const uint8_t *buf,
			      size_t len, unsigned trials, uint32_t seed);

#endif
