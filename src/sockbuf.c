/* sockbuf.c: sets SO_RCVBUF on libre's SIP UDP socket, which libre neither sizes nor exposes. */
#include <errno.h>
#include <sys/socket.h>
#include <re.h>
#include "autoconf.h"
#include "sockbuf.h"

#define DEBUG_MODULE "sockbuf"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * At the kernel's default receive buffer (~208 KiB) a SIP UDP socket
 * overflows in bursts from about 15-20 k MESSAGE/s on, whatever the
 * process does. libre 1.1.0 creates the socket in sip_transp_add() and
 * offers no way to reach it, so we find it: the one datagram socket of
 * this process bound to the transport's local address. Called once,
 * right after the transport is added, when the process has few
 * descriptors; FD_SCAN bounds the search.
 */

enum { FD_SCAN = 1024 };


static bool is_udp_on(int fd, const struct sa *laddr)
{
	struct sa sa;
	int type = 0;
	socklen_t l = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0 ||
	    type != SOCK_DGRAM)
		return false;

	sa_init(&sa, AF_UNSPEC);
	sa.len = sizeof(sa.u);
	if (getsockname(fd, &sa.u.sa, &sa.len) < 0)
		return false;

	return sa_cmp(&sa, laddr, SA_ALL);
}


/**
 * Ask for a receive buffer of bytes on the SIP stack's UDP socket.
 *
 * @param sip    SIP stack with a UDP transport
 * @param bytes  Buffer size; 0 leaves the kernel default
 *
 * @return 0 if set (possibly capped by net.core.rmem_max, which is
 *         logged), ENOENT if no UDP socket was found, errno otherwise
 */
int sockbuf_sip_udp_rcvbuf(struct sip *sip, uint32_t bytes)
{
	struct sa laddr;
	int v = (int)bytes, got = 0;
	socklen_t l = sizeof(got);
	int err;

	if (!sip)
		return EINVAL;
	if (!bytes)
		return 0;

	err = sip_transp_laddr(sip, &laddr, SIP_TRANSP_UDP, NULL);
	if (err)
		return err;

	for (int fd = 0; fd < FD_SCAN; fd++) {
		if (!is_udp_on(fd, &laddr))
			continue;

		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0 ||
		    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &l) < 0) {
			err = errno;
			DEBUG_WARNING("udp_rcvbuf: %m\n", err);
			return err;
		}

		/* Linux reports twice what it was asked (bookkeeping) */
		if ((uint32_t)got / 2 < bytes) {
			DEBUG_WARNING("udp_rcvbuf %u capped to %d by the kernel "
				      "(net.core.rmem_max)\n", bytes, got / 2);
		}
		else {
			DEBUG_INFO("UDP receive buffer on %J: %u bytes\n",
				   &laddr, bytes);
		}
		return 0;
	}

	DEBUG_WARNING("udp_rcvbuf: no UDP socket on %J found\n", &laddr);
	return ENOENT;
}
