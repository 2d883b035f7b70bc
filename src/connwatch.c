/* connwatch.c: tells when a TCP connection libre keeps to itself ends, without reading from it. */
#include <errno.h>
#include <stdbool.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <re.h>
#include "autoconf.h"
#include "compat.h"
#include "sipsock.h"
#include "connwatch.h"

#define DEBUG_MODULE "connwatch"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * libre tells a client transaction nothing when its TCP/TLS connection
 * ends after the request went out: a REGISTER on a connection the core
 * reset waits for Timer F (64*T1 = 32 s, measured: the retry went out
 * 33.7 s after the first REGISTER). A keep-alive would notice, but libre
 * attaches one only to a connection a message came in on, and a core
 * going down answers nothing.
 *
 * So the connection's descriptor (found by its peer, sipsock.c) goes into
 * an epoll set of our own, asking for the peer's FIN (EPOLLRDHUP) and
 * errors (EPOLLHUP/EPOLLERR, always reported), and that set's descriptor
 * into libre's loop. Nothing is read: libre still owns the socket and
 * its data. When libre closes the socket the kernel drops it from our
 * set by itself (the set holds no reference), so a descriptor number
 * libre reuses is never watched by mistake.
 */

struct connwatch {
	int efd;
	bool listening;           /* efd is in libre's loop */
	connwatch_h *closeh;
	void *arg;
};


static void destructor(void *arg)
{
	struct connwatch *cw = arg;

	if (cw->listening)
		compat_fd_close(cw->efd);
	if (cw->efd >= 0)
		(void)close(cw->efd);
}


static void epoll_handler(int flags, void *arg)
{
	struct connwatch *cw = arg;
	struct epoll_event ev;
	connwatch_h *h = cw->closeh;
	(void)flags;

	if (epoll_wait(cw->efd, &ev, 1, 0) < 1)
		return;

	/* once: the event stays level-triggered until libre closes it */
	compat_fd_close(cw->efd);
	cw->listening = false;
	cw->closeh = NULL;
	if (h)
		h(cw->arg);
}


/**
 * Watch the established TCP connection to peer.
 *
 * @param cwp     Pointer to allocated watch (mem_deref() ends it)
 * @param peer    The connection's far end
 * @param closeh  Called once when the peer closes or resets it
 * @param arg     Handler argument
 *
 * @return 0, or ENOENT if there is no established connection to peer
 *         (yet: a connection in progress has no peer address)
 */
int connwatch_alloc(struct connwatch **cwp, const struct sa *peer,
		    connwatch_h *closeh, void *arg)
{
	struct sipsock_match m = { SOCK_STREAM, false, NULL, peer };
	struct epoll_event ev = { .events = EPOLLRDHUP };
	struct connwatch *cw;
	int fd, err;

	if (!cwp || !peer || !closeh)
		return EINVAL;

	if (!sipsock_find(&m, &fd, 1))
		return ENOENT;

	cw = mem_zalloc(sizeof(*cw), destructor);
	if (!cw)
		return ENOMEM;

	cw->closeh = closeh;
	cw->arg    = arg;
	cw->efd    = epoll_create1(EPOLL_CLOEXEC);
	if (cw->efd < 0) {
		err = errno;
		goto out;
	}

	ev.data.fd = fd;
	if (epoll_ctl(cw->efd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		err = errno;
		goto out;
	}

	err = compat_fd_listen(cw->efd, FD_READ, epoll_handler, cw);
	cw->listening = !err;

 out:
	if (err)
		mem_deref(cw);
	else
		*cwp = cw;

	return err;
}
