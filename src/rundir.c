/* rundir.c: the directories the daemon makes for itself (the socket's, state_dir, spool_dir), owned by the account it runs as, and the socket's group. */
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "privdrop.h"
#include "rundir.h"

#define DEBUG_MODULE "rundir"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Started as root with "user" set, the daemon used to make state_dir and
 * the socket's directory as root:root 0750 and only then become the
 * user: the socket's group could not reach the socket (EACCES), every
 * MSRP spool file failed (413), the IMDN store could not be written and
 * the socket file stayed behind at exit (the user may not unlink in a
 * root directory). So the directories come first, each level that is
 * missing made here and given to the user (the socket's to ipc_group,
 * mode 0750, so its members can reach the socket), then root is given
 * up, and everything the daemon writes later is the user's by birth.
 * Directories that exist are left as they are: whoever made them (an
 * init system, a package) decided who owns them.
 */

#define RUNDIR_NOID ((uid_t)-1)


/**
 * Make directory path and each missing level above it, with mode
 * (not narrowed by the umask) and, unless -1, owner uid and group gid.
 * Levels that exist are not touched.
 *
 * @return 0 (also if path exists as a directory), ENOTDIR if it or a
 *         level above is something else, errno otherwise
 */
int rundir_make(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	char buf[512];
	struct stat st;
	size_t len;
	char *s;

	if (!path || path[0] != '/')
		return EINVAL;

	len = strlen(path);
	if (len >= sizeof(buf))
		return ENAMETOOLONG;

	if (stat(path, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;

	memcpy(buf, path, len + 1);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';

	/* each level in turn, from the top: "/a", "/a/b", ... */
	for (s = buf + 1; ; s++) {
		bool last = (*s == '\0');

		if (*s != '/' && !last)
			continue;

		*s = '\0';
		if (mkdir(buf, mode) == 0) {
			if (chmod(buf, mode) < 0 ||
			    ((uid != RUNDIR_NOID || gid != (gid_t)-1) &&
			     chown(buf, uid, gid) < 0))
				return errno;
			DEBUG_INFO("created %s\n", buf);
		}
		else if (errno != EEXIST) {
			return errno;
		}
		else if (stat(buf, &st) < 0) {
			return errno;
		}
		else if (!S_ISDIR(st.st_mode)) {
			return ENOTDIR;
		}

		if (last)
			break;
		*s = '/';
	}

	return 0;
}


/* the socket file's directory */
static int sock_parent(char *dir, size_t sz, const char *sock)
{
	const char *slash = strrchr(sock, '/');

	if (!slash || slash == sock)
		return ENOENT;   /* "/x": the root, nothing to make */

	if ((size_t)(slash - sock) >= sz)
		return ENAMETOOLONG;

	memcpy(dir, sock, (size_t)(slash - sock));
	dir[slash - sock] = '\0';

	return 0;
}


static int group_id(const char *name, gid_t *gid)
{
	struct group *gr;

	errno = 0;
	gr = getgrnam(name);
	if (!gr) {
		int err = errno ? errno : ENOENT;

		DEBUG_WARNING("ipc_group '%s': %s\n", name, err == ENOENT ?
			      "no such group" : strerror(err));
		return err;
	}

	*gid = gr->gr_gid;
	return 0;
}


static int make(const char *key, const char *dir, mode_t mode, uid_t uid,
		gid_t gid)
{
	int err = rundir_make(dir, mode, uid, gid);

	if (err)
		DEBUG_WARNING("%s %s: %m\n", key, dir, err);

	return err;
}


/**
 * Make the daemon's directories before anything is written: the
 * socket's (group ipc_group, else the user's), state_dir, spool_dir (with
 * MSRP). As root with "user" set they are made for the user; otherwise
 * for whoever runs the daemon. store_dir is not: it is made when the
 * first push is stored (no flash write before), by the user, in
 * state_dir unless told otherwise.
 *
 * @param cfg       Configuration
 * @param sock_gid  The socket file's group once it is bound, -1 to keep
 *                  the one it is born with (ipc_group not set)
 *
 * @return 0 if success, errno otherwise (logged)
 */
int rundir_prepare(const struct config *cfg, gid_t *sock_gid)
{
	uid_t uid = RUNDIR_NOID;
	gid_t gid = (gid_t)-1, sgid = (gid_t)-1;
	char dir[108];
	int err;

	if (!cfg || !sock_gid)
		return EINVAL;

	if (geteuid() == 0 && cfg->user) {
		err = privdrop_ids(cfg->user, &uid, &gid);
		if (err)
			return err;
		sgid = gid;
	}

	*sock_gid = (gid_t)-1;
	if (cfg->ipc_group) {
		err = group_id(cfg->ipc_group, &sgid);
		if (err)
			return err;
		*sock_gid = sgid;
	}

	/* first: a level it shares with the spool (/run/sippushd) must
	 * get the socket's group, not the spool's */
	if (cfg->ipc_socket && !sock_parent(dir, sizeof(dir), cfg->ipc_socket)) {
		err = make("ipc_socket", dir, 0750, uid, sgid);
		if (err)
			return err;
	}

	err = make("state_dir", cfg->state_dir, 0750, uid, gid);
	if (err)
		return err;

	if (CONFIG_MSRP && cfg->spool_dir) {
		err = make("spool_dir", cfg->spool_dir, 0700, uid, gid);
		if (err)
			return err;
	}

	return 0;
}


/**
 * Give the bound socket file to its group (ipc_group). The daemon is
 * in that group (privdrop_to() adds it; under systemd's User=, Group=
 * names it, so that the socket is born with it).
 *
 * @return 0 if success, errno otherwise (logged)
 */
int rundir_socket_group(const char *sock, gid_t gid)
{
	struct stat st;
	int err;

	if (!sock)
		return EINVAL;

	if (gid == (gid_t)-1)
		return 0;

	/* born with it (systemd Group=ipc_group): no chown, which the
	 * packaged unit's system call filter refuses */
	if (lstat(sock, &st) == 0 && st.st_gid == gid)
		return 0;

	if (lchown(sock, RUNDIR_NOID, gid) == 0)
		return 0;

	err = errno;
	DEBUG_WARNING("ipc_socket %s: cannot give it to group %u: %m%s\n",
		      sock, (unsigned)gid, err, err == EPERM ?
		      " (the daemon's user must be in ipc_group)" : "");
	return err;
}
