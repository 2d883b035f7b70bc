/* loglimit.h: at most N log lines of one kind per interval, then one line saying how many were left out. */
#ifndef SIPPUSH_LOGLIMIT_H
#define SIPPUSH_LOGLIMIT_H

#include <stdbool.h>
#include <stdint.h>

/** One kind of log line; zero-initialised is ready to use */
struct loglimit {
	uint64_t start;       /* ms: the current interval began */
	uint32_t lines;       /* logged in it */
	uint32_t left_out;    /* not logged in it */
};

enum {
	LOGLIMIT_LINES = 10,        /* lines per interval */
	LOGLIMIT_MS    = 10000,     /* the interval */
};

bool loglimit_ok(struct loglimit *ll, uint64_t now, uint32_t *left_out);

#endif
