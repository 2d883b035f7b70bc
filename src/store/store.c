/* store.c: the store's index: records by key in arrival order, bounds, expiry, deletion. */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <re.h>
#include "autoconf.h"
#include "store.h"
#include "store_priv.h"

#define DEBUG_MODULE "store"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Whatever store_put() returned 0 for survives a SIGKILL or a power cut
 * of the daemon, because nothing is acknowledged before it is durable:
 *
 *   1. a body file (MSRP spool) is synced and renamed to SEQ.KIND.body;
 *   2. SEQ.KIND.tmp is written (header, meta, inline body), fdatasync'd,
 *      renamed to SEQ.KIND, and the directory is fsync'd.
 *
 * Only then does store_put() return, and only then may the caller tell
 * anyone (the 202 to the sender). A crash at any point leaves either a
 * complete SEQ.KIND or leftovers the next scan removes: *.tmp files, a
 * body without its record, a record whose lengths do not add up.
 *
 * SEQ is 16 hex digits, one more than the highest seen, so the file
 * names sort in arrival order and a scan restores that order. Names are
 * made of SEQ and KIND only: keys and meta come from the network and
 * never become path parts.
 *
 * Flash is written when a record is stored and when it is deleted, never
 * otherwise (the scan only reads, unless a crash left something to
 * remove). Deletion is not synced: after a power cut a record deleted
 * just before may come back, once (at-least-once); a SIGKILL cannot do
 * that, the kernel has the unlink.
 *
 * The index in memory holds ~100 bytes per record (bounded by
 * max_records); meta and body stay on disk until store_read().
 */

enum {
	DEFAULT_MAX = 65536,
};

static const char *const suffix[] = { "", ".body", ".tmp", ".body.tmp" };


static void skey_destructor(void *arg)
{
	struct skey *k = arg;

	list_unlink(&k->le);
	mem_deref(k->key);
}


static void destructor(void *arg)
{
	struct store *st = arg;
	struct le *le;

	/* records a caller still holds outlive us as deleted ones */
	while ((le = list_head(&st->keys))) {
		struct skey *k = le->data;
		struct le *rle;

		while ((rle = list_head(&k->recs))) {
			struct store_rec *r = rle->data;

			list_unlink(rle);
			r->k = NULL;
			mem_deref(r);
		}
		mem_deref(k);
	}

	if (st->dirfd >= 0)
		(void)close(st->dirfd);
	mem_deref(st->dir);
}


static bool kind_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!n || n > STORE_KIND_MAX)
		return false;

	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;

	return true;
}


bool store_key_ok(const char *s, size_t n)
{
	if (!s || !n || n > STORE_KEY_MAX)
		return false;

	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;

	return true;
}


void store_fname(char *buf, size_t sz, const struct store *st,
		  uint64_t seq, enum store_ftype t)
{
	(void)re_snprintf(buf, sz, "%016llx.%s%s", (unsigned long long)seq,
			  st->kind, suffix[t]);
}


/* "SEQ.KIND[suffix]" -> seq and type; F_OTHER for anything else */
enum store_ftype store_ftype_of(const struct store *st, const char *name,
			   uint64_t *seq)
{
	size_t kl = strlen(st->kind);
	uint64_t v = 0;
	const char *p;

	for (size_t i = 0; i < STORE_SEQ_DIGITS; i++) {
		char c = name[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return F_OTHER;
		v = v << 4 | d;
	}

	p = name + STORE_SEQ_DIGITS;
	if (*p != '.' || strncmp(p + 1, st->kind, kl))
		return F_OTHER;
	p += 1 + kl;

	for (int t = F_REC; t < F_OTHER; t++) {
		if (!strcmp(p, suffix[t])) {
			*seq = v;
			return (enum store_ftype)t;
		}
	}

	return F_OTHER;
}


struct skey *store_key_find(const struct store *st, const char *key)
{
	struct le *le;

	for (le = st->keys.head; le; le = le->next) {
		struct skey *k = le->data;

		if (!strcmp(k->key, key))
			return k;
	}

	return NULL;
}


int store_key_get(struct skey **kp, struct store *st, const char *key)
{
	struct skey *k = store_key_find(st, key);
	int err;

	if (k) {
		*kp = k;
		return 0;
	}

	k = mem_zalloc(sizeof(*k), skey_destructor);
	if (!k)
		return ENOMEM;

	err = str_dup(&k->key, key);
	if (err) {
		mem_deref(k);
		return err;
	}

	k->st = st;
	list_init(&k->recs);
	list_append(&st->keys, &k->le, k);
	*kp = k;

	return 0;
}


/* The index only: the files are the caller's business. */
void store_index_add(struct skey *k, struct store_rec *r)
{
	r->k = k;
	list_append(&k->recs, &r->le, r);
	++k->count;
	k->bytes += r->len + r->metalen;
	++k->st->total;
	k->st->bytes += r->len + r->metalen;
}


static void store_index_remove(struct store_rec *r)
{
	struct skey *k = r->k;

	if (!k)
		return;

	list_unlink(&r->le);
	r->k = NULL;
	--k->count;
	k->bytes -= r->len + r->metalen;
	--k->st->total;
	k->st->bytes -= r->len + r->metalen;

	if (!k->count)
		mem_deref(k);
}


void store_unlink_rec(const struct store *st, uint64_t seq)
{
	char name[STORE_NAME_MAX];

	/* the record first: a body without one is a leftover, never the
	 * other way round */
	store_fname(name, sizeof(name), st, seq, F_REC);
	(void)unlinkat(st->dirfd, name, 0);
	store_fname(name, sizeof(name), st, seq, F_BODY);
	(void)unlinkat(st->dirfd, name, 0);
}


/**
 * Open a store in a directory (made 0700 if missing) and scan it.
 *
 * @param stp          Pointer to allocated store
 * @param dir          Its directory; one store (kind) per directory
 * @param kind         File suffix and record kind, [a-z0-9]{1,15}
 * @param max_records  Bound of the whole store (0: 65536)
 */
int store_alloc(struct store **stp, const char *dir, const char *kind,
		uint32_t max_records)
{
	struct store *st;
	int err;

	if (!stp || !dir || !*dir || !kind_ok(kind))
		return EINVAL;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return errno;

	st = mem_zalloc(sizeof(*st), destructor);
	if (!st)
		return ENOMEM;

	list_init(&st->keys);
	str_ncpy(st->kind, kind, sizeof(st->kind));
	st->max_records = max_records ? max_records : DEFAULT_MAX;
	st->next_seq = 1;

	st->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->dirfd < 0) {
		err = errno;
		goto out;
	}

	err = str_dup(&st->dir, dir);
	if (err)
		goto out;

	err = store_scan(st);

 out:
	if (err)
		mem_deref(st);
	else
		*stp = st;

	return err;
}


/** The oldest record of key (NULL: of any key), or NULL. Borrowed. */
struct store_rec *store_first(const struct store *st, const char *key)
{
	const struct skey *k;
	struct store_rec *best = NULL;
	struct le *le;

	if (!st)
		return NULL;

	if (key) {
		k = store_key_find(st, key);
		return k && k->recs.head ? k->recs.head->data : NULL;
	}

	for (le = st->keys.head; le; le = le->next) {
		struct store_rec *r;

		k = le->data;
		r = k->recs.head ? k->recs.head->data : NULL;
		if (r && (!best || r->seq < best->seq))
			best = r;
	}

	return best;
}


/** The next record of the same key, or NULL (also once r is deleted). */
struct store_rec *store_next(const struct store_rec *r)
{
	if (!r || !r->k || !r->le.next)
		return NULL;

	return r->le.next->data;
}


/**
 * Delete a record (its files and its index entry). The store's reference
 * goes: a caller that keeps r must hold its own. Deleting twice is fine.
 */
void store_del(struct store_rec *r)
{
	if (!r || !r->k)
		return;

	store_unlink_rec(r->k->st, r->seq);
	store_index_remove(r);
	mem_deref(r);
}


/**
 * Drop every record whose expiry time has passed (a log line each).
 *
 * @param st     Store
 * @param now    Unix time, s
 * @param nextp  Optional: the earliest expiry still ahead, 0 for none
 *
 * @return how many were dropped
 */
uint32_t store_expire(struct store *st, uint64_t now, uint64_t *nextp)
{
	uint64_t next = 0;
	uint32_t n = 0;
	struct le *kle;

	if (!st)
		return 0;

	for (kle = st->keys.head; kle; ) {
		struct skey *k = kle->data;
		struct le *le = k->recs.head;

		/* the key may go with its last record */
		kle = kle->next;

		while (le) {
			struct store_rec *r = le->data;

			le = le->next;

			if (!r->expires)
				continue;

			if (r->expires > now) {
				if (!next || r->expires < next)
					next = r->expires;
				continue;
			}

			DEBUG_NOTICE("%s: %016llx for %s expired at %llu "
				     "(arrived %llu.%03llu): dropped\n",
				     st->dir, (unsigned long long)r->seq,
				     k->key, (unsigned long long)r->expires,
				     (unsigned long long)(r->arrived / 1000),
				     (unsigned long long)(r->arrived % 1000));
			++st->expired;
			++n;
			store_del(r);
		}
	}

	if (nextp)
		*nextp = next;

	return n;
}


uint32_t store_count(const struct store *st, const char *key)
{
	const struct skey *k;

	if (!st)
		return 0;
	if (!key)
		return st->total;

	k = store_key_find(st, key);
	return k ? k->count : 0;
}


uint64_t store_bytes(const struct store *st, const char *key)
{
	const struct skey *k;

	if (!st)
		return 0;
	if (!key)
		return st->bytes;

	k = store_key_find(st, key);
	return k ? k->bytes : 0;
}


uint32_t store_total(const struct store *st)
{
	return st ? st->total : 0;
}


const char *store_dir(const struct store *st)
{
	return st ? st->dir : NULL;
}


/** STATUS lines, "KIND_store_...=N" */
int store_status(struct re_printf *pf, const struct store *st)
{
	if (!st)
		return 0;

	return re_hprintf(pf, "%s_store_records=%u\n%s_store_bytes=%llu\n"
			  "%s_store_puts=%llu\n%s_store_full=%llu\n"
			  "%s_store_expired=%llu\n", st->kind, st->total,
			  st->kind, (unsigned long long)st->bytes, st->kind,
			  (unsigned long long)st->puts, st->kind,
			  (unsigned long long)st->refused, st->kind,
			  (unsigned long long)st->expired);
}


uint64_t store_rec_seq(const struct store_rec *r)
{
	return r ? r->seq : 0;
}


const char *store_rec_key(const struct store_rec *r)
{
	return r && r->k ? r->k->key : NULL;
}


uint64_t store_rec_arrived(const struct store_rec *r)
{
	return r ? r->arrived : 0;
}


uint64_t store_rec_expires(const struct store_rec *r)
{
	return r ? r->expires : 0;
}


size_t store_rec_len(const struct store_rec *r)
{
	return r ? r->len : 0;
}


/** False once deleted (acknowledged, expired, or the store is gone). */
bool store_rec_stored(const struct store_rec *r)
{
	return r && r->k;
}
