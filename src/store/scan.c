/* scan.c: reading records back: the scan at start (leftovers removed) and store_read(). */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <re.h>
#include "autoconf.h"
#include "store.h"
#include "store_priv.h"

#define DEBUG_MODULE "store"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


static bool dec(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (!n || n > 20)
		return false;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (x > (UINT64_MAX - (unsigned)(s[i] - '0')) / 10)
			return false;
		x = x * 10 + (unsigned)(s[i] - '0');
	}

	*v = x;
	return true;
}


/* Parse a record's header; *key points into buf. */
static int hdr_parse(struct store_rec *r, char *buf, size_t n,
		     const char **key)
{
	static const char *const names[] = {
		"Key: ", "Arrived: ", "Expires: ", "Meta-Length: ",
		"Body-Length: ", "Body-File: ",
	};
	const char *val[6] = {NULL};
	size_t vlen[6] = {0};
	uint64_t ml, bl;
	char *p, *end = buf + n;

	if (n < sizeof(STORE_MAGIC) - 1 || memcmp(buf, STORE_MAGIC, sizeof(STORE_MAGIC) - 1))
		return EBADMSG;

	p = buf + sizeof(STORE_MAGIC) - 1;

	for (;;) {
		char *lf = memchr(p, '\n', (size_t)(end - p));
		size_t i;

		if (!lf)
			return EBADMSG;

		if (lf == p) {
			p = lf + 1;
			break;
		}

		for (i = 0; i < 6; i++) {
			size_t nl = strlen(names[i]);

			if ((size_t)(lf - p) >= nl && !memcmp(p, names[i], nl)) {
				if (val[i])
					return EBADMSG;
				val[i]  = p + nl;
				vlen[i] = (size_t)(lf - p) - nl;
				break;
			}
		}
		if (i == 6)
			return EBADMSG;

		p = lf + 1;
	}

	for (size_t i = 0; i < 6; i++)
		if (!val[i])
			return EBADMSG;

	if (!store_key_ok(val[0], vlen[0]) ||
	    !dec(val[1], vlen[1], &r->arrived) ||
	    !dec(val[2], vlen[2], &r->expires) ||
	    !dec(val[3], vlen[3], &ml) || ml > STORE_META_MAX ||
	    !dec(val[4], vlen[4], &bl) || bl > SIZE_MAX)
		return EBADMSG;

	if (vlen[5] == 3 && !memcmp(val[5], "yes", 3))
		r->body_file = true;
	else if (vlen[5] == 2 && !memcmp(val[5], "no", 2))
		r->body_file = false;
	else
		return EBADMSG;

	((char *)val[0])[vlen[0]] = '\0';   /* the LF */
	*key = val[0];
	r->hdrlen  = (size_t)(p - buf);
	r->metalen = (size_t)ml;
	r->len     = (size_t)bl;

	return 0;
}


/* Check one record file; 0 and the record, or why it is not usable. */
static int rec_load(struct store *st, uint64_t seq, struct store_rec **rp,
		    char *keybuf)
{
	char name[STORE_NAME_MAX], buf[STORE_HDR_MAX];
	struct store_rec *r;
	struct stat sb;
	const char *key;
	ssize_t n;
	int fd, err;

	store_fname(name, sizeof(name), st, seq, F_REC);

	fd = openat(st->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno;

	r = mem_zalloc(sizeof(*r), NULL);
	if (!r) {
		(void)close(fd);
		return ENOMEM;
	}

	r->seq = seq;

	n = pread(fd, buf, sizeof(buf), 0);
	if (n < 0 || fstat(fd, &sb) < 0) {
		err = errno;
		goto out;
	}

	err = hdr_parse(r, buf, (size_t)n, &key);
	if (err)
		goto out;

	if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != r->hdrlen +
	    r->metalen + (r->body_file ? 0 : (uint64_t)r->len)) {
		err = EBADMSG;
		goto out;
	}

	if (r->body_file) {
		store_fname(name, sizeof(name), st, seq, F_BODY);
		if (fstatat(st->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != r->len) {
			err = EBADMSG;
			goto out;
		}
	}

	str_ncpy(keybuf, key, STORE_KEY_MAX + 1);

 out:
	(void)close(fd);
	if (err)
		mem_deref(r);
	else
		*rp = r;

	return err;
}


static int seq_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}


/* Read the directory: remove what a crash left, index the rest in
 * arrival order. Bounded: past max_records, records stay on disk and
 * are not indexed (a warning says how many). */
int store_scan(struct store *st)
{
	uint64_t *seqv = NULL, maxseq = 0;
	size_t seqc = 0, seqsz = 0, cap;
	struct dirent *de;
	DIR *d;
	int fd, err = 0;

	fd = dup(st->dirfd);
	if (fd < 0)
		return errno;

	d = fdopendir(fd);
	if (!d) {
		err = errno;
		(void)close(fd);
		return err;
	}

	/* bounded: records past this are neither indexed nor touched */
	cap = (size_t)st->max_records + 1024;

	while ((de = readdir(d))) {
		uint64_t seq;
		char other[STORE_NAME_MAX];

		switch (store_ftype_of(st, de->d_name, &seq)) {

		case F_REC:
			if (seq > maxseq)
				maxseq = seq;
			if (seqc >= cap) {
				++st->unindexed;
				break;
			}
			if (seqc == seqsz) {
				size_t nsz = seqsz ? seqsz * 2 : 64;
				/* libre 1.1.0's mem_realloc takes no NULL */
				uint64_t *nv = seqv ?
					mem_realloc(seqv, nsz * sizeof(*nv)) :
					mem_alloc(nsz * sizeof(*nv), NULL);

				if (!nv) {
					err = ENOMEM;
					goto out;
				}
				seqv  = nv;
				seqsz = nsz;
			}
			seqv[seqc++] = seq;
			break;

		case F_BODY:
			if (seq > maxseq)
				maxseq = seq;
			/* without its record it is a leftover */
			store_fname(other, sizeof(other), st, seq, F_REC);
			if (faccessat(st->dirfd, other, F_OK,
				      AT_SYMLINK_NOFOLLOW) == 0)
				break;
			/* fall through */
		case F_TMP:
		case F_BODY_TMP:
			if (seq > maxseq)
				maxseq = seq;
			if (unlinkat(st->dirfd, de->d_name, 0) == 0)
				++st->discarded;
			break;

		default:
			break;
		}
	}

	if (seqc)
		qsort(seqv, seqc, sizeof(*seqv), seq_cmp);

	for (size_t i = 0; i < seqc; i++) {
		char key[STORE_KEY_MAX + 1];
		struct store_rec *r = NULL;
		struct skey *k;

		if (st->total >= st->max_records) {
			++st->unindexed;
			continue;
		}

		err = rec_load(st, seqv[i], &r, key);
		if (err == ENOMEM)
			goto out;
		if (err) {
			DEBUG_WARNING("%s: %016llx.%s is incomplete or "
				      "damaged (%m): removed\n", st->dir,
				      (unsigned long long)seqv[i], st->kind,
				      err);
			store_unlink_rec(st, seqv[i]);
			++st->discarded;
			err = 0;
			continue;
		}

		err = store_key_get(&k, st, key);
		if (err) {
			mem_deref(r);
			goto out;
		}

		store_index_add(k, r);
	}

	st->next_seq = maxseq + 1;

	if (st->discarded)
		DEBUG_NOTICE("%s: removed %u partial files of an interrupted "
			     "write\n", st->dir, st->discarded);
	if (st->unindexed)
		DEBUG_WARNING("%s: more than %u records: %u left on disk "
			      "unused\n", st->dir, st->max_records,
			      st->unindexed);
	if (st->total)
		DEBUG_INFO("%s: %u %s records kept (%llu bytes)\n", st->dir,
			   st->total, st->kind,
			   (unsigned long long)st->bytes);

 out:
	closedir(d);
	mem_deref(seqv);
	return err;
}


/**
 * Read a record back.
 *
 * @param r      Record
 * @param metap  Optional: its meta (a new mbuf, at position 0)
 * @param bodyp  Optional: an inline body (a new mbuf); NULL for a body
 *               file
 * @param fdp    Optional: a body file, opened read-only at offset 0;
 *               -1 for an inline body
 *
 * @return 0, ENOENT (deleted), EBADMSG (changed under us), other errno
 */
int store_read(const struct store_rec *r, struct mbuf **metap,
	       struct mbuf **bodyp, int *fdp)
{
	struct mbuf *meta = NULL, *body = NULL;
	const struct store *st;
	char name[STORE_NAME_MAX];
	int fd, bfd = -1, err = 0;

	if (fdp)
		*fdp = -1;

	if (!r)
		return EINVAL;
	if (!r->k)
		return ENOENT;

	st = r->k->st;
	store_fname(name, sizeof(name), st, r->seq, F_REC);

	fd = openat(st->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno;

	if (metap) {
		meta = mbuf_alloc(r->metalen ? r->metalen : 1);
		if (!meta) {
			err = ENOMEM;
			goto out;
		}
		if (r->metalen && pread(fd, meta->buf, r->metalen,
					(off_t)r->hdrlen) != (ssize_t)r->metalen) {
			err = EBADMSG;
			goto out;
		}
		meta->end = r->metalen;
	}

	if (r->body_file && fdp) {
		store_fname(name, sizeof(name), st, r->seq, F_BODY);
		bfd = openat(st->dirfd, name, O_RDONLY | O_CLOEXEC |
			     O_NOFOLLOW);
		if (bfd < 0) {
			err = errno;
			goto out;
		}
	}
	else if (!r->body_file && bodyp) {
		body = mbuf_alloc(r->len ? r->len : 1);
		if (!body) {
			err = ENOMEM;
			goto out;
		}
		if (r->len && pread(fd, body->buf, r->len,
				    (off_t)(r->hdrlen + r->metalen)) !=
		    (ssize_t)r->len) {
			err = EBADMSG;
			goto out;
		}
		body->end = r->len;
	}

 out:
	(void)close(fd);

	if (err) {
		mem_deref(meta);
		mem_deref(body);
		if (bfd >= 0)
			(void)close(bfd);
		return err;
	}

	if (metap)
		*metap = meta;
	if (bodyp)
		*bodyp = body;
	if (fdp)
		*fdp = bfd;

	return 0;
}

