/* store.h: a crash-safe store of records, one file each, kept in arrival order. */
#ifndef SIPPUSH_STORE_H
#define SIPPUSH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mbuf;
struct re_printf;
struct store;
struct store_rec;

enum {
	STORE_KEY_MAX  = 255,     /* printable ASCII, no space */
	STORE_META_MAX = 4096,    /* the caller's opaque header text */
	STORE_KIND_MAX = 15,      /* [a-z0-9]+, the file suffix */
};

/** What store_put() writes. Exactly one of body (len bytes, may be
 *  empty) and body_file is used. */
struct store_item {
	const char *key;        /* groups records: bounds, lookup (app ID) */
	uint64_t arrived_ms;    /* Unix time in ms; 0 = now */
	uint64_t expires;       /* Unix time in s after which it is dropped;
				 * 0 = never */
	const char *meta;       /* opaque to the store; may be NULL */
	size_t metalen;
	const uint8_t *body;
	size_t len;
	const char *body_file;  /* a complete, closed file of len bytes,
				 * renamed into the store (copied if it is on
				 * another file system); NULL: body */
};

/** Per-key bounds; beyond either a put is refused with ENOSPC. */
struct store_bounds {
	uint32_t count;
	uint64_t bytes;         /* body + meta */
};

int  store_alloc(struct store **stp, const char *dir, const char *kind,
		 uint32_t max_records);
int  store_put(struct store *st, const struct store_item *it,
	       const struct store_bounds *b, struct store_rec **recp);
struct store_rec *store_first(const struct store *st, const char *key);
struct store_rec *store_next(const struct store_rec *r);
int  store_read(const struct store_rec *r, struct mbuf **metap,
		struct mbuf **bodyp, int *fdp);
void store_del(struct store_rec *r);
uint32_t store_expire(struct store *st, uint64_t now, uint64_t *nextp);
uint32_t store_count(const struct store *st, const char *key);
uint64_t store_bytes(const struct store *st, const char *key);
uint32_t store_total(const struct store *st);
const char *store_dir(const struct store *st);
int  store_status(struct re_printf *pf, const struct store *st);

uint64_t    store_rec_seq(const struct store_rec *r);
const char *store_rec_key(const struct store_rec *r);
uint64_t    store_rec_arrived(const struct store_rec *r);
uint64_t    store_rec_expires(const struct store_rec *r);
size_t      store_rec_len(const struct store_rec *r);
bool        store_rec_stored(const struct store_rec *r);

#endif
