/* budget.c: a global bound on one resource (connections, sessions, spool bytes), refused early beyond it. */
#include <re.h>
#include "autoconf.h"
#include "budget.h"

/*
 * Per-sender limits are quota.c's; these are the totals the device can
 * afford whoever asks: SIP TCP/TLS connections, MSRP connections, spool
 * bytes, messages in progress, sessions, pending INVITEs. A module takes
 * before it commits anything (a connection is closed before it is
 * read, a message refused before its first byte is written), so a
 * refusal is always early, never a failure half-way through a transfer.
 * Lowering max on reload refuses new takes only: what is held stays.
 */


void budget_init(struct budget *b, const char *name, uint64_t max)
{
	if (!b)
		return;

	b->name    = name;
	b->max     = max ? max : 1;
	b->used    = 0;
	b->peak    = 0;
	b->refused = 0;
}


void budget_set_max(struct budget *b, uint64_t max)
{
	if (b)
		b->max = max ? max : 1;
}


/** Take n units; false (and counted) if that would pass max. */
bool budget_take(struct budget *b, uint64_t n)
{
	if (!b)
		return false;

	if (n > b->max || b->used > b->max - n) {
		++b->refused;
		return false;
	}

	b->used += n;
	if (b->used > b->peak)
		b->peak = b->used;

	return true;
}


/** Give back n units taken before (never below zero). */
void budget_give(struct budget *b, uint64_t n)
{
	if (!b)
		return;

	b->used = n > b->used ? 0 : b->used - n;
}


/** Whether one more unit would be refused. */
bool budget_full(const struct budget *b)
{
	return !b || b->used >= b->max;
}


/** "name=used/max peak=P refused=R" as a STATUS line. */
int budget_print(struct re_printf *pf, const struct budget *b)
{
	if (!b)
		return 0;

	return re_hprintf(pf, "%s=%llu/%llu peak=%llu refused=%llu\n",
			  b->name, b->used, b->max, b->peak, b->refused);
}
