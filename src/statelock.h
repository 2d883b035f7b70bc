/* statelock.h: one daemon per state directory: an flock on state_dir/lock, taken before anything there is touched. */
#ifndef SIPPUSH_STATELOCK_H
#define SIPPUSH_STATELOCK_H

#include <stdbool.h>

struct statelock;

int  statelock_take(struct statelock **lp, const char *dir);
bool statelock_holds(const struct statelock *l, const char *dir);

#endif
