/* quota.h: per-key caps and rate limits in a bounded table (per sender, per peer, per local user). */
#ifndef SIPPUSH_QUOTA_H
#define SIPPUSH_QUOTA_H

#include <stdbool.h>
#include <stdint.h>

struct quota;
struct re_printf;

enum {
	QUOTA_RES_MAX = 4,       /* counted resources per key */
	QUOTA_KEY_MAX = 255,     /* bytes of a key */
};

/** What one table allows each key */
struct quota_conf {
	uint32_t keys_max;               /* keys tracked at once */
	uint32_t cap[QUOTA_RES_MAX];     /* in use at once; 0 = no cap */
	uint32_t rate;                   /* events per second; 0 = no limit */
	uint32_t burst;                  /* events at once above the rate */
};

int  quota_alloc(struct quota **qp, const struct quota_conf *conf);
void quota_set_conf(struct quota *q, const struct quota_conf *conf);
int  quota_take(struct quota *q, const char *key, unsigned res, uint32_t n);
void quota_give(struct quota *q, const char *key, unsigned res, uint32_t n);
int  quota_rate(struct quota *q, const char *key, uint64_t now_ms,
		uint32_t *retry_s);
uint32_t quota_used(const struct quota *q, const char *key, unsigned res);
uint32_t quota_keys(const struct quota *q);

#endif
