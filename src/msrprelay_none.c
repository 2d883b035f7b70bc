/* msrprelay_none.c: MSRP relays are not built in (CONFIG_MSRP_RELAY off). */
#include <errno.h>
#include <stddef.h>
#include "msrprelay.h"

int msrprelay_alloc(struct msrprelay **rp, struct msrpsock *ms,
		    const struct msrprelay_conf *conf)
{
	(void)rp;
	(void)ms;
	(void)conf;

	return ENOTSUP;
}
