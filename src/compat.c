/* compat.c: the one place that knows which libre version it is built against. */
#include <unistd.h>
#include <sys/socket.h>
#include <re.h>
#include "autoconf.h"
#include "compat.h"

#define DEBUG_MODULE "compat"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * LIBRE_VERNUM comes from `pkg-config --modversion libre` (Makefile):
 * 10100 for Debian 12's 1.1.0, 20001 for Debian 13 / OpenWrt 24.10's
 * 2.0.1, 31600 for OpenWrt 25.12's 3.16.0, 41000 for 4.10.0.
 */

int compat_sipsess_accept(struct sipsess **sessp, struct sipsess_sock *sock,
			  const struct sip_msg *msg, uint16_t scode,
			  const char *reason, const char *cuser,
			  const char *ctype, struct mbuf *desc,
			  sipsess_close_h *closeh, void *arg)
{
	return sipsess_accept(sessp, sock, msg, scode, reason,
#if LIBRE_VERNUM >= 21200
			      REL100_DISABLED,
#endif
			      cuser, ctype, desc, NULL, NULL, false,
			      NULL, NULL, NULL, NULL, NULL, closeh, arg, NULL);
}


int compat_sipsess_connect(struct sipsess **sessp, struct sipsess_sock *sock,
			   const char *to_uri, const char *from_uri,
			   const char *cuser, const char *routev[],
			   uint32_t routec, const char *ctype,
			   sipsess_desc_h *desch, sipsess_answer_h *answerh,
			   sipsess_estab_h *estabh, sipsess_close_h *closeh,
			   void *arg, const char *hdrs)
{
#if LIBRE_VERNUM >= 20100
	return sipsess_connect(sessp, sock, to_uri, NULL, from_uri, cuser,
			       routev, routec, ctype, NULL, NULL, false, NULL,
			       desch, NULL, answerh, NULL, estabh, NULL, NULL,
			       closeh, arg, "%s", hdrs ? hdrs : "");
#else
	struct mbuf *desc = NULL;
	int err;

	err = desch ? desch(&desc, NULL, NULL, arg) : 0;
	if (err)
		return err;

	err = sipsess_connect(sessp, sock, to_uri, NULL, from_uri, cuser,
			      routev, routec, ctype, desc, NULL, NULL, false,
			      NULL, answerh, NULL, estabh, NULL, NULL, closeh,
			      arg, "%s", hdrs ? hdrs : "");
	mem_deref(desc);
	return err;
#endif
}


#if LIBRE_VERNUM >= 20300
/* the socket whose both ends are the connection's: a TCP 4-tuple is
 * unique in a process */
int compat_tcp_conn_fd(const struct tcp_conn *tc)
{
	struct sa local, peer, a;
	int maxfd = (int)sysconf(_SC_OPEN_MAX);

	if (tcp_conn_local_get(tc, &local) || tcp_conn_peer_get(tc, &peer))
		return -1;

	if (maxfd < 0 || maxfd > 65536)
		maxfd = 65536;

	for (int fd = 0; fd < maxfd; fd++) {
		sa_init(&a, AF_UNSPEC);
		if (getsockname(fd, &a.u.sa, &a.len) ||
		    !sa_cmp(&a, &local, SA_ALL))
			continue;
		sa_init(&a, AF_UNSPEC);
		if (!getpeername(fd, &a.u.sa, &a.len) &&
		    sa_cmp(&a, &peer, SA_ALL))
			return fd;
	}

	return -1;
}
#else
int compat_tcp_conn_fd(const struct tcp_conn *tc)
{
	return tcp_conn_fd(tc);
}
#endif


#if LIBRE_VERNUM >= 30600

/*
 * fd_listen(&fhs, fd, ...) allocates the handle on the first call and
 * updates it on later ones; fd_close(fhs) hands it back to libre (which
 * frees it after the current poll round). The handles live in an array
 * indexed by descriptor: descriptors are small and dense, and the array
 * goes when the last one is closed.
 */
static struct re_fhs **fhsv;
static size_t fhsc;        /* slots in fhsv */
static size_t nwatched;    /* slots in use */


static int slot_grow(int fd)
{
	const size_t want = ((size_t)fd | 63) + 1;
	struct re_fhs **v;

	if ((size_t)fd < fhsc)
		return 0;

	v = fhsv ? mem_realloc(fhsv, want * sizeof(*v)) :
		mem_zalloc(want * sizeof(*v), NULL);
	if (!v)
		return ENOMEM;

	memset(v + fhsc, 0, (want - fhsc) * sizeof(*v));
	fhsv = v;
	fhsc = want;

	return 0;
}


int compat_fd_listen(int fd, int flags, fd_h *fh, void *arg)
{
	struct re_fhs *fhs;
	int err;

	if (fd < 0)
		return EBADF;

	if (!flags) {
		compat_fd_close(fd);
		return 0;
	}

	err = slot_grow(fd);
	if (err)
		return err;

	fhs = fhsv[fd];
	err = fd_listen(&fhs, fd, flags, fh, arg);
	if (err)
		return err;

	if (!fhsv[fd])
		++nwatched;
	fhsv[fd] = fhs;

	return 0;
}


void compat_fd_close(int fd)
{
	if (fd < 0 || (size_t)fd >= fhsc || !fhsv[fd])
		return;

	fhsv[fd] = fd_close(fhsv[fd]);

	if (--nwatched == 0) {
		fhsv = mem_deref(fhsv);
		fhsc = 0;
	}
}

int compat_tcp_rx_take(struct tcp_conn *tc, fd_h *fh, void *arg, int *fdp)
{
	(void)tc;
	(void)fh;
	(void)arg;
	(void)fdp;

	return ENOTSUP;
}

#else   /* libre 1.x, 2.x: libre keeps its own table by descriptor */

int compat_tcp_rx_take(struct tcp_conn *tc, fd_h *fh, void *arg, int *fdp)
{
	int fd = *fdp;

	if (fd < 0)
		fd = compat_tcp_conn_fd(tc);
	if (fd < 0)
		return EBADF;

	*fdp = fd;
	return fd_listen(fd, FD_READ, fh, arg);
}

int compat_fd_listen(int fd, int flags, fd_h *fh, void *arg)
{
	return fd_listen(fd, flags, fh, arg);
}


void compat_fd_close(int fd)
{
	fd_close(fd);
}

#endif
