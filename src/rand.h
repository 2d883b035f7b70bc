/* rand.h: what rand.c adds to libre's rand_*() API (which it replaces). */
#ifndef SIPPUSH_RAND_H
#define SIPPUSH_RAND_H

#include <stddef.h>

/* Random bytes fetched from the kernel and not handed out yet. */
size_t rand_avail(void);

#endif
