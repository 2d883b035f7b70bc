/* sipsock.h: finds the sockets libre keeps to itself (SIP UDP socket, TCP/TLS listeners, one connection) by asking the kernel. */
#ifndef SIPPUSH_SIPSOCK_H
#define SIPPUSH_SIPSOCK_H

#include <stdbool.h>
#include <stddef.h>

struct sa;

/** What to look for */
struct sipsock_match {
	int type;                 /* SOCK_DGRAM or SOCK_STREAM */
	bool listening;           /* SOCK_STREAM: a listener */
	const struct sa *local;   /* bound here (address and port), or NULL:
				   * any (then peer is needed) */
	const struct sa *peer;    /* SOCK_STREAM connection: its peer, or NULL */
};

size_t sipsock_find(const struct sipsock_match *m, int *fds, size_t max);
int    sipsock_shutdown(const struct sa *local, const struct sa *peer);

#endif
