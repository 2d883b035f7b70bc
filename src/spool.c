/* spool.c: files in spool_dir that hold large push content while it arrives. */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <re.h>
#include "autoconf.h"
#include "rundir.h"
#include "spool.h"

#define DEBUG_MODULE "spool"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * One file per MSRP message, named by a random number (never by anything
 * from the network), created 0600 with O_EXCL. Chunks are written where
 * their Byte-Range says (pwrite), so out-of-order and interleaved chunks
 * need no memory. The file is fsynced once, when the message is
 * complete, before the app is offered it: an ACKed push is on disk. The
 * daemon never keeps a spool file: it is unlinked when its spool object
 * goes (delivered, refused, aborted), and leftovers of a crash are
 * removed at start.
 */

struct spool {
	char *path;
	int fd;
	uint64_t size;     /* highest byte written + 1 */
};

static const char prefix[] = "msrp-";

/* A 32-bit build without large-file support has a 32-bit off_t: pwrite()
 * past 2 GiB fails with EINVAL and readdir() fails on 64-bit inode
 * numbers. The Makefile sets _FILE_OFFSET_BITS=64; this catches a build
 * that does not. */
_Static_assert(sizeof(off_t) == sizeof(uint64_t),
	       "build with -D_FILE_OFFSET_BITS=64 (large-file support)");


static void destructor(void *arg)
{
	struct spool *sp = arg;

	if (sp->fd >= 0)
		(void)close(sp->fd);
	if (sp->path)
		(void)unlink(sp->path);
	mem_deref(sp->path);
}


int spool_alloc(struct spool **spp, const char *dir)
{
	struct spool *sp;
	int err;

	if (!spp || !dir)
		return EINVAL;

	/* made at start (rundir.c); again if it went, or after a reload */
	err = rundir_make(dir, 0700, (uid_t)-1, (gid_t)-1);
	if (err)
		return err;

	sp = mem_zalloc(sizeof(*sp), destructor);
	if (!sp)
		return ENOMEM;

	sp->fd = -1;

	for (int i = 0; i < 8; i++) {
		sp->path = mem_deref(sp->path);
		err = re_sdprintf(&sp->path, "%s/%s%016llx", dir, prefix,
				  (unsigned long long)rand_u64());
		if (err)
			goto out;

		sp->fd = open(sp->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
			      0600);
		if (sp->fd >= 0) {
			/* ours while it lives: spool_dir_clean() of another
			 * daemon on the same spool_dir leaves it alone */
			(void)flock(sp->fd, LOCK_EX | LOCK_NB);
			break;
		}
		err = errno;
		if (err != EEXIST)
			break;
	}

	if (sp->fd < 0) {
		sp->path = mem_deref(sp->path);
		goto out;
	}
	err = 0;

 out:
	if (err)
		mem_deref(sp);
	else
		*spp = sp;

	return err;
}


/** Write bytes at their offset (0-based). */
int spool_write(struct spool *sp, uint64_t off, const uint8_t *p, size_t n)
{
	if (!sp || sp->fd < 0 || (!p && n))
		return EINVAL;

	if (!n)
		return 0;

	/* off_t is signed: the last byte's offset must fit */
	if (off > (uint64_t)INT64_MAX - n)
		return EFBIG;

	while (n) {
		ssize_t w = pwrite(sp->fd, p, n, (off_t)off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;   /* ENOSPC on a full flash is the usual */
		}

		p   += w;
		n   -= (size_t)w;
		off += (uint64_t)w;
	}

	if (off > sp->size)
		sp->size = off;

	return 0;
}


/**
 * Are the n bytes at off what is written there already? A chunk that
 * covers bytes again must carry the same ones (RFC 4975 §7.3.1 lets a
 * sender resend; it does not let it change what it sent).
 *
 * @return 0 with *same set, or an errno
 */
int spool_same(const struct spool *sp, uint64_t off, const uint8_t *p,
	       size_t n, bool *same)
{
	uint8_t buf[4096];

	if (!sp || sp->fd < 0 || (!p && n) || !same)
		return EINVAL;

	*same = true;
	while (n) {
		size_t want = n < sizeof(buf) ? n : sizeof(buf);
		ssize_t r = pread(sp->fd, buf, want, (off_t)off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (r == 0 || memcmp(buf, p, (size_t)r)) {
			*same = false;
			return 0;
		}

		p   += r;
		n   -= (size_t)r;
		off += (uint64_t)r;
	}

	return 0;
}


/** All bytes are in: make them durable before anyone is told. */
int spool_finish(struct spool *sp)
{
	if (!sp || sp->fd < 0)
		return EINVAL;

	return fdatasync(sp->fd) < 0 ? errno : 0;
}


/** A new read-only descriptor for the app, positioned at 0. */
int spool_open_read(const struct spool *sp)
{
	if (!sp || !sp->path)
		return -1;

	return open(sp->path, O_RDONLY | O_CLOEXEC);
}


uint64_t spool_size(const struct spool *sp)
{
	return sp ? sp->size : 0;
}


const char *spool_path(const struct spool *sp)
{
	return sp ? sp->path : NULL;
}


/* A spool file another live spool object holds (this daemon's or another
 * one's sharing spool_dir): its flock says so; a crash leaves none. */
static bool in_use(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			O_CLOEXEC);
	bool busy;

	if (fd < 0)
		return false;

	busy = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	(void)close(fd);

	return busy;
}


/** Remove what a previous run left behind (it was never ACKed); files
 *  a live spool holds stay. */
int spool_dir_clean(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0, err;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : errno;

	/* readdir() says "end" and "error" both with NULL: errno tells */
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (strncmp(de->d_name, prefix, sizeof(prefix) - 1))
			continue;
		if (in_use(dirfd(d), de->d_name))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			++n;
	}
	err = errno;

	closedir(d);

	if (err) {
		DEBUG_WARNING("reading %s: %m\n", dir, err);
		return err;
	}

	if (n) {
		DEBUG_NOTICE("removed %d unfinished spool files from %s\n", n,
			     dir);
	}

	return 0;
}
