/* put.c: writing a record durably: body file, record, rename, directory sync. */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <re.h>
#include "autoconf.h"
#include "store.h"
#include "store_priv.h"

enum {
	COPY_CHUNK = 65536,
};


static uint64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}

		b += w;
		n -= (size_t)w;
	}

	return 0;
}


static int hdr_print(char *buf, size_t sz, size_t *lenp, const char *key,
		     const struct store_rec *r)
{
	int n = re_snprintf(buf, sz, "%sKey: %s\nArrived: %llu\n"
			    "Expires: %llu\nMeta-Length: %zu\n"
			    "Body-Length: %zu\nBody-File: %s\n\n", STORE_MAGIC, key,
			    (unsigned long long)r->arrived,
			    (unsigned long long)r->expires, r->metalen,
			    r->len, r->body_file ? "yes" : "no");

	if (n <= 0 || (size_t)n >= sz)
		return EOVERFLOW;

	*lenp = (size_t)n;
	return 0;
}


/* Copy a body file into the store's file system (rename gave EXDEV). */
static int copy_in(struct store *st, int in, const char *tmp,
		   const char *name, size_t len)
{
	uint8_t *buf;
	off_t off = 0;
	int out, err = 0;

	buf = mem_alloc(COPY_CHUNK, NULL);
	if (!buf)
		return ENOMEM;

	out = openat(st->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		     0600);
	if (out < 0) {
		err = errno;
		goto out;
	}

	while (!err && (size_t)off < len) {
		size_t want = len - (size_t)off;
		ssize_t n = pread(in, buf, want < COPY_CHUNK ? want :
				  COPY_CHUNK, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}

		err = write_all(out, buf, (size_t)n);
		off += n;
	}

	if (!err && fdatasync(out) < 0)
		err = errno;
	if (close(out) < 0 && !err)
		err = errno;
	if (!err && renameat(st->dirfd, tmp, st->dirfd, name) < 0)
		err = errno;
	if (err)
		(void)unlinkat(st->dirfd, tmp, 0);

 out:
	mem_deref(buf);
	return err;
}


/* Step 1: the body file becomes SEQ.KIND.body, durable. *moved tells
 * whether the caller's file was renamed (to undo on failure). */
static int take_body(struct store *st, uint64_t seq, const char *path,
		     size_t len, bool *moved)
{
	char name[STORE_NAME_MAX], tmp[STORE_NAME_MAX];
	struct stat sb;
	int fd, err = 0;

	*moved = false;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;

	if (fstat(fd, &sb) < 0) {
		err = errno;
		goto out;
	}

	if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != len) {
		err = EINVAL;
		goto out;
	}

	/* cheap when the owner synced it already (spool_finish) */
	if (fdatasync(fd) < 0) {
		err = errno;
		goto out;
	}

	store_fname(name, sizeof(name), st, seq, F_BODY);

	if (renameat(AT_FDCWD, path, st->dirfd, name) == 0) {
		*moved = true;
		goto out;
	}

	if (errno != EXDEV) {
		err = errno;
		goto out;
	}

	store_fname(tmp, sizeof(tmp), st, seq, F_BODY_TMP);
	err = copy_in(st, fd, tmp, name, len);

 out:
	(void)close(fd);
	return err;
}


/* Step 2: SEQ.KIND written through SEQ.KIND.tmp, then the directory. */
static int write_rec(struct store *st, struct store_rec *r,
		     const char *key, const struct store_item *it)
{
	char hdr[STORE_HDR_MAX], tmp[STORE_NAME_MAX], name[STORE_NAME_MAX];
	struct iovec iov[3];
	size_t hlen, total, done = 0;
	int fd, n = 0, err;

	err = hdr_print(hdr, sizeof(hdr), &hlen, key, r);
	if (err)
		return err;

	r->hdrlen = hlen;

	store_fname(tmp, sizeof(tmp), st, r->seq, F_TMP);
	store_fname(name, sizeof(name), st, r->seq, F_REC);

	fd = openat(st->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
	if (fd < 0)
		return errno;

	iov[n].iov_base = hdr;
	iov[n++].iov_len = hlen;
	if (r->metalen) {
		iov[n].iov_base = (void *)it->meta;
		iov[n++].iov_len = r->metalen;
	}
	if (!r->body_file && r->len) {
		iov[n].iov_base = (void *)it->body;
		iov[n++].iov_len = r->len;
	}
	total = hlen + r->metalen + (r->body_file ? 0 : r->len);

	/* one writev for the common case; the rest by hand if short */
	while (done < total) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}

		done += (size_t)w;
		while (n && (size_t)w >= iov[0].iov_len) {
			w -= (ssize_t)iov[0].iov_len;
			memmove(iov, iov + 1, sizeof(iov[0]) * (size_t)--n);
		}
		if (n) {
			iov[0].iov_base = (uint8_t *)iov[0].iov_base + w;
			iov[0].iov_len -= (size_t)w;
		}
	}

	if (!err && fdatasync(fd) < 0)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && renameat(st->dirfd, tmp, st->dirfd, name) < 0)
		err = errno;
	if (err) {
		(void)unlinkat(st->dirfd, tmp, 0);
		return err;
	}

	/* the renames (record and body) are durable only with this */
	if (fsync(st->dirfd) < 0) {
		err = errno;
		(void)unlinkat(st->dirfd, name, 0);
	}

	return err;
}


/**
 * Store one record, durably: when this returns 0 it survives a crash.
 *
 * @param st    Store
 * @param it    What to store
 * @param b     Bounds of it->key, or NULL for none (max_records still)
 * @param recp  Optional: the new record (borrowed; mem_ref to keep it)
 *
 * @return 0; ENOSPC over a bound; EINVAL bad item (key, meta size, body
 *         file not of len bytes); an I/O errno (ENOSPC on a full disk
 *         too). Nothing is left behind on failure and a body_file that
 *         was renamed is renamed back.
 */
int store_put(struct store *st, const struct store_item *it,
	      const struct store_bounds *b, struct store_rec **recp)
{
	const struct skey *k0;
	struct store_rec *r;
	struct skey *k;
	bool moved = false;
	uint64_t size;
	int err;

	if (!st || !it || !it->key || !store_key_ok(it->key, strlen(it->key)) ||
	    it->metalen > STORE_META_MAX || (it->metalen && !it->meta) ||
	    (!it->body_file && it->len && !it->body))
		return EINVAL;

	size = (uint64_t)it->len + it->metalen;
	k0 = store_key_find(st, it->key);

	if (st->total >= st->max_records ||
	    (b && ((k0 ? k0->count : 0) >= b->count ||
		   (k0 ? k0->bytes : 0) + size > b->bytes))) {
		++st->refused;
		return ENOSPC;
	}

	r = mem_zalloc(sizeof(*r), NULL);
	if (!r)
		return ENOMEM;

	r->seq       = st->next_seq++;
	r->arrived   = it->arrived_ms ? it->arrived_ms : now_ms();
	r->expires   = it->expires;
	r->metalen   = it->metalen;
	r->len       = it->len;
	r->body_file = it->body_file != NULL;

	if (r->body_file) {
		err = take_body(st, r->seq, it->body_file, it->len, &moved);
		if (err)
			goto out;
	}

	err = write_rec(st, r, it->key, it);
	if (err)
		goto out;

	err = store_key_get(&k, st, it->key);
	if (err) {
		/* on disk but not indexable: it would come back at the next
		 * start as a record nobody acknowledged; remove it */
		char name[STORE_NAME_MAX];

		store_fname(name, sizeof(name), st, r->seq, F_REC);
		(void)unlinkat(st->dirfd, name, 0);
		goto out;
	}

	store_index_add(k, r);
	++st->puts;

	if (recp)
		*recp = r;

 out:
	if (err) {
		if (r->body_file) {
			char name[STORE_NAME_MAX];

			store_fname(name, sizeof(name), st, r->seq, F_BODY);
			if (!moved || renameat(st->dirfd, name, AT_FDCWD,
					       it->body_file) < 0)
				(void)unlinkat(st->dirfd, name, 0);
		}
		mem_deref(r);
	}

	return err;
}

