/* netwatch.h: tells when the host's addresses, links or default routes change (rtnetlink, debounced). */
#ifndef SIPPUSH_NETWATCH_H
#define SIPPUSH_NETWATCH_H

#include <stddef.h>
#include <stdint.h>

struct netwatch;

/* What changed (bits of the handler's argument) */
enum {
	NETWATCH_ADDR  = 1u << 0,   /* a global address came or went */
	NETWATCH_LINK  = 1u << 1,   /* an interface went up/down, came, went */
	NETWATCH_ROUTE = 1u << 2,   /* a default route came or went */
	NETWATCH_LOST  = 1u << 3,   /* events were lost (socket overrun) */
};

/** Called once per settled burst of changes, with the NETWATCH_* bits */
typedef void (netwatch_h)(unsigned what, void *arg);

struct netwatch_conf {
	const char *ifname;      /* only this interface; NULL: any */
	uint32_t debounce_ms;    /* quiet time before the handler runs */
	uint32_t max_wait_ms;    /* ... but never more than this after the
				  * first event of a burst (flapping) */
};

int  netwatch_alloc(struct netwatch **nwp, const struct netwatch_conf *conf,
		    netwatch_h *h, void *arg);
unsigned netwatch_input(struct netwatch *nw, const void *buf, size_t len);
uint32_t netwatch_events(const struct netwatch *nw);
uint32_t netwatch_bursts(const struct netwatch *nw);

#endif
