/* dropin.c: drop-in directories (NAME.conf in name order) and their files, as the config and the ACL read them. */
#include <stdbool.h>
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <re.h>
#include "autoconf.h"
#include "dropin.h"

#define DEBUG_MODULE "dropin"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Packages ship drop-ins (exec.d, acl.d), and whoever may write one
 * decides what the daemon runs or who may subscribe: only root or the
 * daemon's own user, never through a group or others, and no symlink
 * followed. One reader for both, so the rule cannot drift apart.
 */


static bool dropin_name(const char *n)
{
	size_t l = strlen(n);

	/* "*.conf", not hidden: editors' backups and dpkg's leftovers are
	 * not read */
	return n[0] != '.' && l > 5 && !strcmp(n + l - 5, ".conf");
}


static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}


/**
 * The drop-ins of dir: "dir/NAME.conf" for each NAME.conf (not hidden),
 * in name order. A missing directory has none.
 *
 * @param dir    Directory
 * @param paths  Filled with at most max allocated paths (mem_deref each)
 * @param max    Size of paths; more files than that is EFBIG
 * @param np     How many were filled (also on error: free them)
 * @param err    What went wrong, for the user
 * @param errsz  Size of err
 *
 * @return 0 if success, otherwise errorcode
 */
int dropin_list(const char *dir, char **paths, size_t max, size_t *np,
		char *err, size_t errsz)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	int e = 0;

	if (!dir || !paths || !np)
		return EINVAL;

	*np = 0;

	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		e = errno;
		(void)re_snprintf(err, errsz, "%s: cannot open: %m", dir, e);
		return e;
	}

	while ((de = readdir(d)) && !e) {
		if (!dropin_name(de->d_name))
			continue;
		if (n >= max) {
			(void)re_snprintf(err, errsz, "%s: more than %zu files",
					  dir, max);
			e = EFBIG;
			break;
		}
		e = re_sdprintf(&paths[n], "%s/%s", dir, de->d_name);
		if (!e)
			++n;
	}
	(void)closedir(d);

	qsort(paths, n, sizeof(paths[0]), path_cmp);
	*np = n;

	return e;
}


/**
 * Read one drop-in whole, if it is a regular file (no symlink followed)
 * owned by root or uid and writable by its owner only.
 *
 * @param bufp   Allocated contents, NUL-terminated (mem_deref it)
 * @param lenp   Their length (optional)
 * @param path   The file
 * @param uid    Our user, the one owner besides root
 * @param max    Larger than this many bytes is EFBIG
 * @param err    What went wrong, for the user
 * @param errsz  Size of err
 *
 * @return 0 if success, otherwise errorcode
 */
int dropin_read(char **bufp, size_t *lenp, const char *path, uint32_t uid,
		size_t max, char *err, size_t errsz)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd, e = 0;

	if (!bufp || !path)
		return EINVAL;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		(void)re_snprintf(err, errsz, "%s: cannot open: %m", path, e);
		return e;
	}

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != uid) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		(void)re_snprintf(err, errsz, "%s: not a regular file owned by "
				  "root and writable by its owner only", path);
		e = EPERM;
		goto out;
	}

	if ((uint64_t)st.st_size > max) {
		(void)re_snprintf(err, errsz, "%s: larger than %zu bytes",
				  path, max);
		e = EFBIG;
		goto out;
	}

	buf = mem_alloc((size_t)st.st_size + 1, NULL);
	if (!buf) {
		e = ENOMEM;
		goto out;
	}

	n = read(fd, buf, (size_t)st.st_size);
	if (n < 0) {
		e = errno;
		(void)re_snprintf(err, errsz, "%s: %m", path, e);
		goto out;
	}
	buf[n] = '\0';

	*bufp = buf;
	buf = NULL;
	if (lenp)
		*lenp = (size_t)n;

 out:
	mem_deref(buf);
	(void)close(fd);
	return e;
}
