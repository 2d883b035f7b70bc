/* fileout.c: files the CLI hands on (push bodies, meta): complete and on disk before anyone is told. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "fileout.h"

/*
 * What a handler or a reader of --dir finds is whole: the file is
 * written under a temporary name, fsynced, renamed, and the directory
 * fsynced, all before the line about it is printed, the handler is
 * started or the push is ACKed (the ACK tells the sender the push is
 * safe). A body that came as a descriptor (MSRP) is copied in bounded
 * pieces, so a large push never sits in this process's memory.
 */

enum { CHUNK = 65536 };


static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}

		p   += n;
		len -= (size_t)n;
	}

	return 0;
}


static int copy_fd(int out, int in, size_t len)
{
	static char buf[CHUNK];
	off_t off = 0;

	while (len) {
		ssize_t n = pread(in, buf, len < sizeof(buf) ? len :
				  sizeof(buf), off);
		int err;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (n == 0)
			return EIO;     /* shorter than announced */

		err = write_all(out, buf, (size_t)n);
		if (err)
			return err;

		off += n;
		len -= (size_t)n;
	}

	return 0;
}


/**
 * Write name in dirfd: len bytes of data, or of srcfd (>= 0, read from
 * offset 0 with pread, its offset untouched). Mode 0644. Returns 0 or an
 * errno; on failure nothing is left under either name.
 */
int fileout_write(int dirfd, const char *name, const void *data, size_t len,
		  int srcfd)
{
	char tmp[256];
	int fd, err, n;

	n = snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return ENAMETOOLONG;

	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;

	err = srcfd >= 0 ? copy_fd(fd, srcfd, len) : write_all(fd, data, len);
	if (!err && fsync(fd) < 0)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && renameat(dirfd, tmp, dirfd, name) < 0)
		err = errno;
	if (!err && fsync(dirfd) < 0)
		err = errno;

	if (err) {
		(void)unlinkat(dirfd, tmp, 0);
		(void)unlinkat(dirfd, name, 0);
	}

	return err;
}
