/* dedup.c: remembers recent requests so a retransmission is answered, not delivered again. */
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <re.h>
#include "autoconf.h"
#include "dedup.h"

#define DEBUG_MODULE "dedup"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Why not libre's server transactions: one costs ~4.6 KB for 32 s on UDP
 * (the request and reply are kept), so a burst of 100 k MESSAGEs would
 * hold ~460 MB. An entry here is ~150 bytes: the request's identity (top
 * Via branch, Call-ID, CSeq) and the final status we sent. Pending
 * entries (no verdict yet) never expire; answered ones live ttl (64*T1,
 * the time a UAC keeps retransmitting) and are evicted oldest-first when
 * more than max are held. One timer, running only while entries wait to
 * expire, so an idle daemon does not wake up for this.
 */

/*
 * The hash grows with the entries (at most LOAD_MAX a bucket) and
 * shrinks back once they have all expired: a fixed 4096 buckets cost an
 * idle daemon 64 KiB, and at 20 k/s, with the table full (max entries),
 * still meant 16-entry chains, each entry a cache miss (a tenth of the
 * daemon's CPU in the lookup, perf).
 */
enum {
	KEY_MAX     = 200,
	BUCKETS_MIN = 256,
	BUCKETS_MAX = 16384,
	LOAD_MAX    = 4,
};

struct dedup_entry {
	struct le he;          /* in the hash */
	uint32_t hash;         /* next to he: a chain walk reads one line */
	struct le le;          /* in pending or done (FIFO by finish time) */
	uint64_t expires;      /* jiffies; 0 while pending */
	uint16_t scode;
	char reason[48];
	size_t keylen;
	char key[];
};

struct dedup {
	struct hash *ht;
	uint32_t buckets;
	struct list pending;
	struct list done;
	struct tmr tmr;
	uint32_t ttl;
	uint32_t max;
	uint32_t n;
};


static void entry_destructor(void *arg)
{
	struct dedup_entry *e = arg;

	hash_unlink(&e->he);
	list_unlink(&e->le);
}


static void destructor(void *arg)
{
	struct dedup *d = arg;

	tmr_cancel(&d->tmr);
	list_flush(&d->pending);
	list_flush(&d->done);
	mem_deref(d->ht);
}


static void drop(struct dedup *d, struct dedup_entry *e)
{
	--d->n;
	mem_deref(e);
}


/* Move every entry into a new table of n buckets (a power of two). */
static int rehash(struct dedup *d, uint32_t n)
{
	struct list *lists[] = {&d->pending, &d->done};
	struct hash *ht;
	int err;

	err = hash_alloc(&ht, n);
	if (err)
		return err;

	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		for (struct le *le = list_head(lists[i]); le; le = le->next) {
			struct dedup_entry *e = le->data;

			hash_unlink(&e->he);
			hash_append(ht, e->hash, &e->he, e);
		}
	}

	mem_deref(d->ht);
	d->ht      = ht;
	d->buckets = n;

	return 0;
}


static void tmr_handler(void *arg)
{
	struct dedup *d = arg;
	const uint64_t now = tmr_jiffies();
	struct le *le;

	while ((le = list_head(&d->done))) {
		struct dedup_entry *e = le->data;

		if (e->expires > now) {
			tmr_start(&d->tmr, e->expires - now, tmr_handler, d);
			return;
		}
		drop(d, e);
	}

	if (d->n)
		return;

	/* Drained: the small table again. After a burst these entries
	 * were nearly all of the heap, and glibc keeps freed pages below
	 * the last live chunk: 100 k MESSAGEs left 18 MB resident for
	 * good. Give them back. (musl returns memory by itself.) */
	if (d->buckets > BUCKETS_MIN)
		(void)rehash(d, BUCKETS_MIN);
#ifdef __GLIBC__
	(void)malloc_trim(0);
#endif
}


int dedup_alloc(struct dedup **dp, uint32_t ttl_ms, uint32_t max)
{
	struct dedup *d;
	int err;

	if (!dp || !max)
		return EINVAL;

	d = mem_zalloc(sizeof(*d), destructor);
	if (!d)
		return ENOMEM;

	tmr_init(&d->tmr);
	list_init(&d->pending);
	list_init(&d->done);
	d->ttl = ttl_ms;
	d->max = max;

	d->buckets = BUCKETS_MIN;
	err = hash_alloc(&d->ht, d->buckets);
	if (err)
		mem_deref(d);
	else
		*dp = d;

	return err;
}


/* RFC 3261 §17.2.3: branch + sent-by identify the transaction; Call-ID and
 * CSeq guard against pre-3261 peers with no magic cookie.
 * "branch|sentby|callid|cseq|method", written piece by piece: re_snprintf
 * cost 1.5k of the ~110k instructions of a push (callgrind). Returns its
 * length, or sz when it does not fit. */
static int key_put(char *key, size_t sz, size_t *n, const char *p, size_t l,
		   char sep)
{
	if (*n + l + 1 >= sz)
		return -1;

	if (l)
		memcpy(key + *n, p, l);
	*n += l;
	if (sep)
		key[(*n)++] = sep;

	return 0;
}


static int make_key(char *key, size_t sz, const struct sip_msg *msg)
{
	char num[10];
	size_t n = 0, nl = sizeof(num);
	uint32_t c = msg->cseq.num;

	do {
		num[--nl] = (char)('0' + c % 10);
		c /= 10;
	} while (c);

	if (key_put(key, sz, &n, msg->via.branch.p, msg->via.branch.l, '|') ||
	    key_put(key, sz, &n, msg->via.sentby.p, msg->via.sentby.l, '|') ||
	    key_put(key, sz, &n, msg->callid.p, msg->callid.l, '|') ||
	    key_put(key, sz, &n, num + nl, sizeof(num) - nl, '|') ||
	    key_put(key, sz, &n, msg->cseq.met.p, msg->cseq.met.l, 0))
		return (int)sz;

	key[n] = '\0';
	return (int)n;
}


struct cmp_arg {
	const char *key;
	size_t len;
	uint32_t hash;
};


static bool cmp_handler(struct le *le, void *arg)
{
	const struct dedup_entry *e = le->data;
	const struct cmp_arg *ca = arg;

	return e->hash == ca->hash && e->keylen == ca->len &&
		!memcmp(e->key, ca->key, ca->len);
}


/**
 * Look a request up; on first sight make a pending entry for it.
 *
 * @param d       Dedup table
 * @param msg     The request
 * @param ep      Set to the entry on DEDUP_NEW (finish it with dedup_finish)
 * @param scode   The status sent before, on DEDUP_DONE
 * @param reason  Its reason phrase, on DEDUP_DONE
 */
enum dedup_state dedup_check(struct dedup *d, const struct sip_msg *msg,
			     struct dedup_entry **ep, uint16_t *scode,
			     const char **reason)
{
	char key[KEY_MAX];
	struct dedup_entry *e;
	struct cmp_arg ca;
	struct le *le;
	int n;

	*ep = NULL;

	n = make_key(key, sizeof(key), msg);
	if (n <= 0 || (size_t)n >= sizeof(key))
		return DEDUP_NEW;   /* absurd headers: no dedup, still served */

	ca.key  = key;
	ca.len  = (size_t)n;
	ca.hash = hash_joaat((const uint8_t *)key, ca.len);

	le = hash_lookup(d->ht, ca.hash, cmp_handler, &ca);
	if (le) {
		e = le->data;
		if (!e->expires)
			return DEDUP_PENDING;
		*scode  = e->scode;
		*reason = e->reason;
		return DEDUP_DONE;
	}

	/* full: the oldest answered entry goes first */
	if (d->n >= d->max && list_head(&d->done))
		drop(d, list_head(&d->done)->data);

	e = mem_zalloc(sizeof(*e) + ca.len, entry_destructor);
	if (!e)
		return DEDUP_NEW;

	memcpy(e->key, key, ca.len);
	e->keylen = ca.len;
	e->hash   = ca.hash;
	hash_append(d->ht, e->hash, &e->he, e);
	list_append(&d->pending, &e->le, e);
	++d->n;

	if (d->n > LOAD_MAX * d->buckets && d->buckets < BUCKETS_MAX)
		(void)rehash(d, d->buckets * 4 < BUCKETS_MAX ?
			     d->buckets * 4 : BUCKETS_MAX);

	*ep = e;
	return DEDUP_NEW;
}


/**
 * Record the final answer of a request; retransmissions get it for ttl.
 */
void dedup_finish(struct dedup *d, struct dedup_entry *e, uint16_t scode,
		  const char *reason)
{
	if (!d || !e)
		return;

	e->scode = scode;
	str_ncpy(e->reason, reason ? reason : "", sizeof(e->reason));
	e->expires = tmr_jiffies() + d->ttl;
	if (!e->expires)
		e->expires = 1;

	list_unlink(&e->le);
	list_append(&d->done, &e->le, e);

	if (!tmr_isrunning(&d->tmr))
		tmr_start(&d->tmr, d->ttl, tmr_handler, d);
}


uint32_t dedup_count(const struct dedup *d)
{
	return d ? d->n : 0;
}
