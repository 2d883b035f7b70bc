/* sipcheck.h: strict request validation (RFC 3261 §8.2) before any handler sees a request. */
#ifndef SIPPUSH_SIPCHECK_H
#define SIPPUSH_SIPCHECK_H

#include <stdint.h>

struct sip_msg;

/* needs <re.h> before it (struct pl) */

enum {
	SIPCHECK_CSEQ_MAX = 0x7fffffff,   /* RFC 3261 §8.1.1.5: < 2^31 */
	SIPCHECK_MAXFWD_MAX = 255,
};

/** The verdict on one request */
struct sipcheck {
	uint16_t scode;        /* 0: fine; else 400, 415 or 420 */
	const char *reason;    /* a precise reason phrase */
	const char *hdrs;      /* header lines the reply must carry, or "" */
	struct pl unsupported; /* 420: the option tags for Unsupported */
};

uint16_t sipcheck_request(struct sipcheck *chk, const struct sip_msg *msg);

#endif
