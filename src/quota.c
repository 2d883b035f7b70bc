/* quota.c: per-key caps and rate limits in a bounded table (per sender, per peer, per local user). */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "quota.h"

#define DEBUG_MODULE "quota"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * One shape for every "no single X may take it all" rule: a table of
 * keys (a sender's identity, a peer's address, a local uid), each with
 * up to QUOTA_RES_MAX counters of what it holds now (sessions, INVITEs
 * waiting, connections, advertised IDs, Contact bytes) and a token
 * bucket for how fast it may go (pushes per second, with a burst).
 *
 * The table itself is bounded (keys_max): a key that holds nothing is
 * forgotten when its counters are back to zero and its bucket is full
 * again; when the table is full, the least recently used such key makes
 * room, and if none can (every key holds something or is still being
 * rate limited), a new key is refused with ENOSPC. So an attacker
 * rotating identities cannot grow memory, nor reset its own bucket by
 * pushing its entry out while it is still being limited.
 *
 * Tokens are counted in thousandths so that rates below one per second
 * and bursts of one work without rounding.
 */

enum { MILLI = 1000 };

struct qent {
	struct le he;              /* by key */
	struct le le;              /* LRU: least recent first */
	uint32_t used[QUOTA_RES_MAX];
	uint64_t tokens;           /* milli-tokens */
	uint64_t stamp;            /* ms of the last refill */
	bool limited;              /* the bucket has been drawn from */
	char key[];
};

struct quota {
	struct hash *ht;
	struct list lru;
	struct quota_conf conf;
	uint32_t n;
	uint64_t now;              /* latest time seen, ms */
};


static void qent_destructor(void *arg)
{
	struct qent *e = arg;

	hash_unlink(&e->he);
	list_unlink(&e->le);
}


static void quota_destructor(void *arg)
{
	struct quota *q = arg;

	list_flush(&q->lru);
	mem_deref(q->ht);
}


/** Replace the limits (reload); what keys hold stays. */
void quota_set_conf(struct quota *q, const struct quota_conf *conf)
{
	if (!q || !conf)
		return;

	q->conf = *conf;
	if (!q->conf.keys_max)
		q->conf.keys_max = 1;
	if (q->conf.rate && !q->conf.burst)
		q->conf.burst = 1;
}


int quota_alloc(struct quota **qp, const struct quota_conf *conf)
{
	struct quota *q;
	uint32_t buckets;
	int err;

	if (!qp || !conf)
		return EINVAL;

	q = mem_zalloc(sizeof(*q), quota_destructor);
	if (!q)
		return ENOMEM;

	list_init(&q->lru);
	quota_set_conf(q, conf);

	/* about two keys per bucket at the bound */
	buckets = conf->keys_max / 2 < 16 ? 16 : conf->keys_max / 2;
	if (buckets > 4096)
		buckets = 4096;

	err = hash_alloc(&q->ht, buckets);
	if (err)
		mem_deref(q);
	else
		*qp = q;

	return err;
}


static bool key_cmp(struct le *le, void *arg)
{
	const struct qent *e = le->data;

	return 0 == strcmp(e->key, arg);
}


static struct qent *lookup(const struct quota *q, const char *key)
{
	struct le *le = hash_lookup(q->ht, hash_joaat_str(key), key_cmp,
				    (void *)key);

	return le ? le->data : NULL;
}


static void refill(const struct quota *q, struct qent *e, uint64_t now)
{
	uint64_t cap = (uint64_t)q->conf.burst * MILLI;

	if (now > e->stamp) {
		uint64_t add = (now - e->stamp) * q->conf.rate;

		e->tokens = add >= cap - e->tokens ? cap : e->tokens + add;
	}
	e->stamp = now;

	if (e->tokens >= cap)
		e->limited = false;
}


/* Holds nothing and owes nothing: may be forgotten. */
static bool idle(const struct quota *q, struct qent *e)
{
	for (unsigned i = 0; i < QUOTA_RES_MAX; i++)
		if (e->used[i])
			return false;

	if (e->limited)
		refill(q, e, q->now);

	return !e->limited;
}


static void touch(struct quota *q, struct qent *e)
{
	list_unlink(&e->le);
	list_append(&q->lru, &e->le, e);
}


static void forget(struct quota *q, struct qent *e)
{
	--q->n;
	mem_deref(e);
}


/* The entry for key, made if need be; NULL with *errp set if not. */
static struct qent *get(struct quota *q, const char *key, int *errp)
{
	struct qent *e;
	size_t len;

	e = lookup(q, key);
	if (e) {
		touch(q, e);
		return e;
	}

	len = strlen(key);
	if (len > QUOTA_KEY_MAX) {
		*errp = EINVAL;
		return NULL;
	}

	if (q->n >= q->conf.keys_max) {
		struct le *le;

		for (le = list_head(&q->lru); le; le = le->next) {
			struct qent *old = le->data;

			if (idle(q, old)) {
				forget(q, old);
				break;
			}
		}

		if (q->n >= q->conf.keys_max) {
			*errp = ENOSPC;
			return NULL;
		}
	}

	e = mem_zalloc(sizeof(*e) + len + 1, qent_destructor);
	if (!e) {
		*errp = ENOMEM;
		return NULL;
	}

	memcpy(e->key, key, len + 1);
	e->tokens = (uint64_t)q->conf.burst * MILLI;
	e->stamp  = q->now;
	hash_append(q->ht, hash_joaat_str(key), &e->he, e);
	list_append(&q->lru, &e->le, e);
	++q->n;

	return e;
}


/**
 * key takes n more of resource res.
 *
 * @return 0; EDQUOT if that would pass the key's cap (nothing taken);
 *         ENOSPC if the table has no room for a new key; EINVAL
 */
int quota_take(struct quota *q, const char *key, unsigned res, uint32_t n)
{
	struct qent *e;
	uint32_t cap;
	int err = 0;

	if (!q || !key || res >= QUOTA_RES_MAX)
		return EINVAL;

	cap = q->conf.cap[res];

	e = get(q, key, &err);
	if (!e)
		return err;

	if (cap && (n > cap || e->used[res] > cap - n)) {
		if (idle(q, e))
			forget(q, e);
		return EDQUOT;
	}

	e->used[res] += n;
	return 0;
}


/** key gives n of resource res back (never below zero). */
void quota_give(struct quota *q, const char *key, unsigned res, uint32_t n)
{
	struct qent *e;

	if (!q || !key || res >= QUOTA_RES_MAX)
		return;

	e = lookup(q, key);
	if (!e)
		return;

	e->used[res] = n > e->used[res] ? 0 : e->used[res] - n;

	if (idle(q, e))
		forget(q, e);
}


/**
 * One event of key at now_ms: within its rate (and burst)?
 *
 * @param retry_s  Set on EAGAIN: whole seconds until one is allowed (>= 1)
 *
 * @return 0 (counted), EAGAIN (over the rate), ENOSPC (no room for a new
 *         key: refuse too), EINVAL
 */
int quota_rate(struct quota *q, const char *key, uint64_t now_ms,
	       uint32_t *retry_s)
{
	struct qent *e;
	int err = 0;

	if (!q || !key)
		return EINVAL;

	if (!q->conf.rate)
		return 0;

	if (now_ms > q->now)
		q->now = now_ms;

	e = get(q, key, &err);
	if (!e) {
		if (retry_s)
			*retry_s = 1;
		return err;
	}

	refill(q, e, now_ms);

	if (e->tokens < MILLI) {
		uint64_t ms = (MILLI - e->tokens + q->conf.rate - 1) /
			q->conf.rate;

		if (retry_s)
			*retry_s = (uint32_t)((ms + 999) / 1000);
		return EAGAIN;
	}

	e->tokens -= MILLI;
	e->limited = true;

	return 0;
}


uint32_t quota_used(const struct quota *q, const char *key, unsigned res)
{
	const struct qent *e;

	if (!q || !key || res >= QUOTA_RES_MAX)
		return 0;

	e = lookup(q, key);
	return e ? e->used[res] : 0;
}


/** Keys in the table now */
uint32_t quota_keys(const struct quota *q)
{
	return q ? q->n : 0;
}
