/* sipsock.c: finds the sockets libre keeps to itself (SIP UDP socket, TCP/TLS listeners, one connection) by asking the kernel. */
#include <string.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <re.h>
#include "autoconf.h"
#include "sipsock.h"

#define DEBUG_MODULE "sipsock"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * libre 1.1.0 creates the SIP transports' sockets in sip_transp_add()
 * and hands none of them out (newer versions differ, and differently), so
 * the daemon finds them the way any process can: by asking the kernel
 * about each of its descriptors (type, listening or not, local and peer
 * address). Used when a transport is set up (receive buffer, kernel
 * filter), to shut down a connection libre accepted from a source
 * that turned out to be a stranger, and to watch the connection under a
 * REGISTER in flight (connwatch.c). The scan is bounded by the
 * descriptor limit, and with the kernel filter in place the second use
 * is rare.
 */

enum { SCAN_MAX = 65536 };


static int scan_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return 1024;

	return rl.rlim_cur > SCAN_MAX ? SCAN_MAX : (int)rl.rlim_cur;
}


static bool addr_of(int fd, bool peer, struct sa *sa)
{
	sa_init(sa, AF_UNSPEC);
	sa->len = sizeof(sa->u);

	if (peer)
		return getpeername(fd, &sa->u.sa, &sa->len) == 0;

	return getsockname(fd, &sa->u.sa, &sa->len) == 0;
}


static bool matches(int fd, const struct sipsock_match *m)
{
	struct sa sa;
	int type = 0, acc = 0;
	socklen_t l = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0 ||
	    type != m->type)
		return false;

	if (type == SOCK_STREAM) {
		l = sizeof(acc);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) < 0 ||
		    !acc != !m->listening)
			return false;
	}

	if (m->local &&
	    (!addr_of(fd, false, &sa) || !sa_cmp(&sa, m->local, SA_ALL)))
		return false;

	if (m->peer &&
	    (!addr_of(fd, true, &sa) || !sa_cmp(&sa, m->peer, SA_ALL)))
		return false;

	return true;
}


/**
 * The descriptors of this process that match m.
 *
 * @return how many were found (at most max written to fds)
 */
size_t sipsock_find(const struct sipsock_match *m, int *fds, size_t max)
{
	int limit = scan_limit();
	size_t n = 0;

	if (!m || (!m->local && !m->peer) || !fds)
		return 0;

	for (int fd = 0; fd < limit && n < max; fd++)
		if (matches(fd, m))
			fds[n++] = fd;

	return n;
}


/**
 * Shut down the TCP connection from peer to local: its owner (libre)
 * sees the end of the stream and frees it.
 *
 * @return 0, or ENOENT if no such connection is ours
 */
int sipsock_shutdown(const struct sa *local, const struct sa *peer)
{
	struct sipsock_match m = { SOCK_STREAM, false, local, peer };
	int fd;

	if (!local || !peer)
		return EINVAL;

	if (!sipsock_find(&m, &fd, 1))
		return ENOENT;

	return shutdown(fd, SHUT_RDWR) < 0 ? errno : 0;
}
