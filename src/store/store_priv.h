/* store_priv.h: what the store's files share: records, keys, file names. */
#ifndef SIPPUSH_STORE_PRIV_H
#define SIPPUSH_STORE_PRIV_H

enum {
	STORE_SEQ_DIGITS = 16,
	STORE_HDR_MAX    = 1024,
	STORE_NAME_MAX   = 64,
};

#define STORE_MAGIC "sippushd-store 1\n"

struct store {
	struct list keys;         /* struct skey */
	char *dir;
	char kind[STORE_KIND_MAX + 1];
	int dirfd;
	uint64_t next_seq;
	uint32_t max_records;
	uint32_t total;
	uint64_t bytes;
	uint64_t puts;
	uint64_t refused;
	uint64_t expired;
	uint32_t discarded;       /* at the last scan */
	uint32_t unindexed;       /* left on disk at the last scan: too many */
};

struct skey {
	struct le le;
	struct list recs;         /* struct store_rec, by seq */
	struct store *st;
	char *key;
	uint32_t count;
	uint64_t bytes;
};

struct store_rec {
	struct le le;
	struct skey *k;           /* NULL once deleted */
	uint64_t seq;
	uint64_t arrived;
	uint64_t expires;
	size_t hdrlen;
	size_t metalen;
	size_t len;
	bool body_file;
};

/* File name suffixes after "SEQ.KIND" */
enum store_ftype { F_REC, F_BODY, F_TMP, F_BODY_TMP, F_OTHER };

void store_fname(char *buf, size_t sz, const struct store *st, uint64_t seq,
		 enum store_ftype t);
enum store_ftype store_ftype_of(const struct store *st, const char *name,
				uint64_t *seq);
bool store_key_ok(const char *s, size_t n);
struct skey *store_key_find(const struct store *st, const char *key);
int  store_key_get(struct skey **kp, struct store *st, const char *key);
void store_index_add(struct skey *k, struct store_rec *r);
void store_unlink_rec(const struct store *st, uint64_t seq);
int  store_scan(struct store *st);

#endif
