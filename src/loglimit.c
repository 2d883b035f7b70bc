/* loglimit.c: at most N log lines of one kind per interval, then one line saying how many were left out. */
#include <re.h>
#include "autoconf.h"
#include "loglimit.h"

/*
 * Whoever can make the daemon log (a local client sending garbage, a
 * peer sending junk) must not be able to fill the flash or the syslog
 * ring: a flood of one kind of event logs its first LOGLIMIT_LINES lines
 * each LOGLIMIT_MS, and the first line of the next interval says how
 * many were left out meanwhile. Nothing is allocated: the state lives
 * where the log call is (a static or a member of its module's struct).
 */


/**
 * May one more line of this kind be logged now?
 *
 * @param ll        The kind's state
 * @param now       Milliseconds (tmr_jiffies())
 * @param left_out  Set to the number of lines of the previous interval
 *                  that were not logged (0 if none), for the caller to
 *                  mention; only when it returns true
 */
bool loglimit_ok(struct loglimit *ll, uint64_t now, uint32_t *left_out)
{
	if (!ll)
		return true;

	if (left_out)
		*left_out = 0;

	if (now - ll->start >= LOGLIMIT_MS || now < ll->start) {
		if (left_out)
			*left_out = ll->left_out;
		ll->start    = now;
		ll->lines    = 0;
		ll->left_out = 0;
	}

	if (ll->lines >= LOGLIMIT_LINES) {
		++ll->left_out;
		return false;
	}

	++ll->lines;
	return true;
}
