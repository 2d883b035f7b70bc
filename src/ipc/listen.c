/* listen.c: the local API's socket file: binds it, accepts apps, answers who they are. */
#include <string.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "compat.h"
#include "ipc.h"
#include "ipc_priv.h"

#define DEBUG_MODULE "ipc"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

static void accept_handler(int flags, void *arg);


static void accept_resume(void *arg)
{
	struct ipc *ipc = arg;
	int err;

	err = compat_fd_listen(ipc->lfd, FD_READ, accept_handler, ipc);
	if (err)
		DEBUG_WARNING("fd_listen: %m; no more connections\n", err);
}


static void accept_handler(int flags, void *arg)
{
	struct ipc *ipc = arg;
	(void)flags;

	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int fd = accept4(ipc->lfd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			int e = errno;

			if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR)
				return;
			if (e == ECONNABORTED)
				continue;

			/* out of fds or memory: the socket would stay
			 * readable and spin the loop, so pause instead */
			DEBUG_WARNING("accept: %m; pausing %u ms\n", e,
				      ACCEPT_RETRY_MS);
			compat_fd_close(ipc->lfd);
			tmr_start(&ipc->tmr_accept, ACCEPT_RETRY_MS,
				  accept_resume, ipc);
			return;
		}

		ipc_client_new(ipc, fd);
	}
}


/* ---- the socket file -------------------------------------------------- */

static int make_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;

	if (!slash || slash == path)
		return 0;

	if ((size_t)(slash - path) >= sizeof(dir))
		return ENAMETOOLONG;

	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';

	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;

	if (errno != ENOENT)
		return errno;

	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return errno;

	DEBUG_INFO("created %s\n", dir);
	return 0;
}


/* A socket file left by a crash is removed, one in use never: a connect
 * that gets anything but "refused" means someone is there. */
static int clear_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, r, e;

	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : errno;

	if (!S_ISSOCK(st.st_mode)) {
		DEBUG_WARNING("%s exists and is not a socket; not touching "
			      "it\n", sun->sun_path);
		return EEXIST;
	}

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;

	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	e = errno;
	(void)close(fd);

	if (r == 0 || e != ECONNREFUSED) {
		DEBUG_WARNING("%s is in use (another sippushd?)\n",
			      sun->sun_path);
		return EADDRINUSE;
	}

	DEBUG_INFO("removing stale socket %s\n", sun->sun_path);
	if (unlink(sun->sun_path) < 0 && errno != ENOENT)
		return errno;

	return 0;
}


static void ipc_destructor(void *arg)
{
	struct ipc *ipc = arg;
	struct stat st;

	tmr_cancel(&ipc->tmr_accept);
	list_flush(&ipc->clients);

	if (ipc->lfd >= 0) {
		compat_fd_close(ipc->lfd);
		(void)close(ipc->lfd);
	}

	if (ipc->bound && lstat(ipc->path, &st) == 0 &&
	    st.st_dev == ipc->dev && st.st_ino == ipc->ino)
		(void)unlink(ipc->path);

	mem_deref(ipc->path);
}


/**
 * Listen on the local API socket.
 *
 * @param ipcp  Pointer to allocated ipc
 * @param path  Socket file (config ipc_socket)
 * @param h     Handlers, copied; NULL for none
 * @param arg   Handler argument
 *
 * @return 0 if success, EADDRINUSE if a daemon listens there already,
 *         EEXIST if the path is something else, errno otherwise
 */
int ipc_alloc(struct ipc **ipcp, const char *path,
	      const struct ipc_handlers *h, void *arg)
{
	struct sockaddr_un sun;
	struct ipc *ipc;
	struct stat st;
	mode_t um;
	int err, r;

	if (!ipcp || !str_isset(path))
		return EINVAL;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return ENAMETOOLONG;
	strcpy(sun.sun_path, path);

	ipc = mem_zalloc(sizeof(*ipc), ipc_destructor);
	if (!ipc)
		return ENOMEM;

	ipc->lfd = -1;
	list_init(&ipc->clients);
	tmr_init(&ipc->tmr_accept);
	if (h)
		ipc->h = *h;
	ipc->arg = arg;

	err = str_dup(&ipc->path, path);
	if (err)
		goto out;

	err = make_parent(path);
	if (err)
		goto out;

	err = clear_stale(&sun);
	if (err)
		goto out;

	ipc->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
			  SOCK_CLOEXEC, 0);
	if (ipc->lfd < 0) {
		err = errno;
		goto out;
	}

	/* born 0660: no moment in which others could connect */
	um = umask(0117);
	r = bind(ipc->lfd, (struct sockaddr *)&sun, sizeof(sun));
	err = errno;
	(void)umask(um);
	if (r < 0)
		goto out;

	ipc->bound = true;
	if (lstat(path, &st) < 0 || chmod(path, 0660) < 0) {
		err = errno;
		goto out;
	}
	ipc->dev = st.st_dev;
	ipc->ino = st.st_ino;

	if (listen(ipc->lfd, LISTEN_BACKLOG) < 0) {
		err = errno;
		goto out;
	}

	err = compat_fd_listen(ipc->lfd, FD_READ, accept_handler, ipc);
	if (err)
		goto out;

	DEBUG_INFO("listening on %s (protocol %u)\n", path, IPC_PROTOCOL);

 out:
	if (err) {
		DEBUG_WARNING("%s: %m\n", path, err);
		mem_deref(ipc);
	}
	else {
		*ipcp = ipc;
	}

	return err;
}


/** Credentials of the client's process, as seen at connect time. */
void ipc_client_cred(const struct ipc_client *c, uint32_t *uid,
		     uint32_t *gid, uint32_t *pid)
{
	if (uid)
		*uid = c ? (uint32_t)c->cred.uid : (uint32_t)-1;
	if (gid)
		*gid = c ? (uint32_t)c->cred.gid : (uint32_t)-1;
	if (pid)
		*pid = c ? (uint32_t)c->cred.pid : 0;
}


/** The client's credentials with its groups, for the ACL (acl.h). */
const struct acl_cred *ipc_client_acl(const struct ipc_client *c)
{
	return c ? &c->cred : NULL;
}


/** Number for log lines; unique while the daemon runs (until wrap). */
uint32_t ipc_client_id(const struct ipc_client *c)
{
	return c ? c->id : 0;
}


uint32_t ipc_clients(const struct ipc *ipc)
{
	return ipc ? ipc->nclients : 0;
}


/** Clients the daemon dropped (stalled, garbage, errors) since start. */
uint32_t ipc_dropped(const struct ipc *ipc)
{
	return ipc ? ipc->dropped : 0;
}


/** Connections refused at accept (full, per-user bound) since start. */
uint32_t ipc_refused(const struct ipc *ipc)
{
	return ipc ? ipc->refused : 0;
}
