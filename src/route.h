/* route.h: the route set of the requests we originate (IMDN MESSAGE, SUBSCRIBE, PUBLISH) towards the core. */
#ifndef SIPPUSH_ROUTE_H
#define SIPPUSH_ROUTE_H

#include <stddef.h>
#include <stdint.h>

struct re_printf;
struct regresp;
struct route_set;

enum {
	ROUTE_SIZE = 512,
	ROUTE_MAX  = 5,      /* outbound proxy + REGRESP_MAX_ROUTES */
};

int route_set_alloc(struct route_set **rsp, const char *registrar,
		    const char *proxy);
int route_set_update(struct route_set *rs, const struct regresp *rr);
uint32_t route_set_count(const struct route_set *rs);
const char **route_set_v(struct route_set *rs);
int route_set_print(struct re_printf *pf, const struct route_set *rs);

#endif
