/* backoff.h: bounded exponential retry delays. */
#ifndef SIPPUSH_BACKOFF_H
#define SIPPUSH_BACKOFF_H

#include <stdint.h>

uint64_t backoff_delay(uint32_t failc, uint32_t base_ms, uint32_t max_ms,
		       uint16_t rnd);

#endif
