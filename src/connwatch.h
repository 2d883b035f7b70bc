/* connwatch.h: tells when a TCP connection libre keeps to itself ends, without reading from it. */
#ifndef SIPPUSH_CONNWATCH_H
#define SIPPUSH_CONNWATCH_H

struct sa;
struct connwatch;

/** Called once: the connection was closed or reset by its peer */
typedef void (connwatch_h)(void *arg);

int connwatch_alloc(struct connwatch **cwp, const struct sa *peer,
		    connwatch_h *closeh, void *arg);

#endif
