/* reqcheck.h: the intake's integrity check: RFC 3261 §8.2 validation (sipcheck.c) answered with a precise reason. */
#ifndef SIPPUSH_REQCHECK_H
#define SIPPUSH_REQCHECK_H

struct intake;
struct reqcheck;

int reqcheck_add(struct reqcheck **rcp, struct intake *in);

#endif
