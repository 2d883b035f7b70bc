/* route.h: the route set of the requests we originate (IMDN MESSAGE, SUBSCRIBE, PUBLISH) towards the core. */
#ifndef SIPPUSH_ROUTE_H
#define SIPPUSH_ROUTE_H

#include <stddef.h>

enum { ROUTE_SIZE = 512 };

int route_first_hop(char *buf, size_t sz, const char *registrar);

#endif
