/* dedup.h: recognises retransmitted requests without keeping server transactions. */
#ifndef SIPPUSH_DEDUP_H
#define SIPPUSH_DEDUP_H

#include <stdint.h>

struct dedup;
struct dedup_entry;
struct sip_msg;

enum dedup_state {
	DEDUP_NEW,       /* first sight: an entry was made, now pending */
	DEDUP_PENDING,   /* seen, still waiting for its verdict */
	DEDUP_DONE,      /* answered: answer it again the same way */
};

int dedup_alloc(struct dedup **dp, uint32_t ttl_ms, uint32_t max);
enum dedup_state dedup_check(struct dedup *d, const struct sip_msg *msg,
			     struct dedup_entry **ep, uint16_t *scode,
			     const char **reason);
void dedup_finish(struct dedup *d, struct dedup_entry *e, uint16_t scode,
		  const char *reason);
uint32_t dedup_count(const struct dedup *d);

#endif
