/* netlife.h: follows the network for the daemon: tells it when the SIP stack must move, register again, or wait. */
#ifndef SIPPUSH_NETLIFE_H
#define SIPPUSH_NETLIFE_H

#include <stdbool.h>
#include <stdint.h>

struct re_printf;
struct sa;
struct netlife;

struct netlife_conf {
	const char *ifname;       /* sip_interface, or NULL */
	const char *host;         /* the first hop's host: IP or DNS name */
	const char *resolv_conf;  /* path, or NULL: DNS servers not watched */
	uint32_t debounce_ms;     /* network events settle this long (0: 200) */
};

struct netlife_handlers {
	/* other local addresses (v4/v6 may be NULL): rebuild, REGISTER */
	void (*movedh)(const struct sa *v4, const struct sa *v6, void *arg);
	/* the same addresses after an outage: REGISTER again */
	void (*backh)(void *arg);
	/* no usable address and route: stop trying until one comes */
	void (*goneh)(void *arg);
	/* the name servers changed (srvc may be 0) */
	void (*dnsh)(const struct sa *srvv, uint32_t srvc, void *arg);
};

int  netlife_alloc(struct netlife **nlp, const struct netlife_conf *conf,
		   const struct netlife_handlers *h, void *arg);
bool netlife_up(const struct netlife *nl);
const struct sa *netlife_laddr(const struct netlife *nl, int af);
uint32_t netlife_dns(const struct netlife *nl, const struct sa **srvv);
uint32_t netlife_moves(const struct netlife *nl);
int  netlife_status(struct re_printf *pf, const struct netlife *nl);

#endif
