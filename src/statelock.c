/* statelock.c: one daemon per state directory: an flock on state_dir/lock, taken before anything there is touched. */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <re.h>
#include "autoconf.h"
#include "statelock.h"

#define DEBUG_MODULE "statelock"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * A second daemon started on the same state_dir used to clean "stale"
 * spool files at start, which were the running daemon's transfers in
 * progress, and only then failed on the socket. The lock comes first:
 * whoever does not get it touches nothing and exits.
 *
 * flock() rather than a pid file: the kernel drops the lock when the
 * holder dies, however it dies, so there is never a stale lock to judge.
 * The file holds the holder's pid, for people. The descriptor stays open
 * (close-on-exec) for the life of the daemon, across the privilege drop.
 */

struct statelock {
	int fd;
	char *dir;
};


static void destructor(void *arg)
{
	struct statelock *l = arg;

	if (l->fd >= 0)
		(void)close(l->fd);   /* releases the lock */
	mem_deref(l->dir);
}


static void holder(int fd, char *buf, size_t sz)
{
	ssize_t n = pread(fd, buf, sz - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!buf[0])
		str_ncpy(buf, "?", sz);
}


/**
 * Lock state directory dir for this process.
 *
 * @return 0, EADDRINUSE if another process holds it (logged with its
 *         pid), or the errno of open/flock
 */
int statelock_take(struct statelock **lp, const char *dir)
{
	struct statelock *l;
	char path[512], pid[32];
	int err;

	if (!lp || !dir)
		return EINVAL;

	if (re_snprintf(path, sizeof(path), "%s/lock", dir) < 0)
		return ENAMETOOLONG;

	l = mem_zalloc(sizeof(*l), destructor);
	if (!l)
		return ENOMEM;

	l->fd = -1;
	err = str_dup(&l->dir, dir);
	if (err)
		goto out;

	l->fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (l->fd < 0) {
		err = errno;
		DEBUG_WARNING("%s: %m\n", path, err);
		goto out;
	}

	if (flock(l->fd, LOCK_EX | LOCK_NB) < 0) {
		err = errno == EWOULDBLOCK ? EADDRINUSE : errno;
		if (err == EADDRINUSE) {
			holder(l->fd, pid, sizeof(pid));
			DEBUG_WARNING("state_dir %s is in use by another "
				      "sippushd (pid %s): not touching it\n",
				      dir, pid);
		}
		else {
			DEBUG_WARNING("%s: flock: %m\n", path, err);
		}
		goto out;
	}

	/* ours: say who holds it */
	(void)re_snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(l->fd, 0) < 0 ||
	    pwrite(l->fd, pid, strlen(pid), 0) < 0)
		DEBUG_NOTICE("%s: cannot write our pid: %m\n", path, errno);

	err = 0;

 out:
	if (err)
		mem_deref(l);
	else
		*lp = l;

	return err;
}


/** Does this lock hold dir (as given to statelock_take)? */
bool statelock_holds(const struct statelock *l, const char *dir)
{
	return l && dir && !strcmp(l->dir, dir);
}
