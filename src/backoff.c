/* backoff.c: the retry schedule after a failed registration (bounded, jittered). */
#include <stdint.h>
#include "backoff.h"


/**
 * Delay before retry number failc (1 = first retry).
 *
 * base * 2^(failc-1), capped at max, then scaled into [50 %, 100 %] by
 * rnd so that many handsets that lost the core together do not come back
 * in step (RFC 5626 section 4.5 asks for the same).
 *
 * @param failc    Consecutive failures so far (0 is treated as 1)
 * @param base_ms  First delay
 * @param max_ms   Upper bound
 * @param rnd      Random value, 0..65535 (rand_u16() in the daemon)
 *
 * @return Delay in milliseconds, never 0
 */
uint64_t backoff_delay(uint32_t failc, uint32_t base_ms, uint32_t max_ms,
		       uint16_t rnd)
{
	uint64_t d = base_ms ? base_ms : 1;

	if (failc < 1)
		failc = 1;

	for (uint32_t i = 1; i < failc && d < max_ms; i++)
		d *= 2;

	if (d > max_ms)
		d = max_ms;

	/* jitter: d/2 + (d/2 * rnd / 65535) */
	d = d / 2 + (d / 2) * rnd / 65535u;

	return d ? d : 1;
}
