/* netpath.h: the local addresses the kernel would use towards the core, and whether a network change moved them. */
#ifndef SIPPUSH_NETPATH_H
#define SIPPUSH_NETPATH_H

#include <stdbool.h>
#include <re.h>

/* What a network change did to our path towards the core */
enum netpath_change {
	NETPATH_SAME,     /* nothing that concerns our flow */
	NETPATH_MOVED,    /* other local address(es): rebuild, re-REGISTER */
	NETPATH_BACK,     /* the same address(es) after an outage:
			   * re-REGISTER */
	NETPATH_GONE,     /* no usable address and route any more */
};

struct netpath {
	struct sa v4;        /* IPv4 source towards the core, or unset */
	struct sa v6;        /* IPv6 source, or unset */
	struct sa dst4;      /* where to: the core if known (an IP), else */
	struct sa dst6;      /* an address only the default route reaches */
	char ifname[16];     /* only this interface ("" any) */
	bool up;             /* a usable path exists */
	uint64_t changed;    /* tmr_jiffies() of the last change */
	enum netpath_change last;
};

int  netpath_init(struct netpath *np, const char *ifname, const char *host);
int  netpath_source(struct sa *src, const struct sa *dst, const char *ifname);
enum netpath_change netpath_update(struct netpath *np);
const struct sa *netpath_laddr(const struct netpath *np, int af);
const char *netpath_change_name(enum netpath_change c);
int  netpath_status(struct re_printf *pf, const struct netpath *np);

#endif
