/* link.c: the one connection to our MSRP relay (RFC 4976) that every relay session shares. */
#include <string.h>
#include <strings.h>
#include <re.h>
#include "autoconf.h"
#include "msrp.h"
#include "msrpsess.h"
#include "msrpsess_priv.h"

#define DEBUG_MODULE "msrpsess"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


static void link_destructor(void *arg)
{
	struct msrplink *l = arg;

	/* the connection's destructor sees c->link and detaches the
	 * relay sessions */
	mem_deref(l->c);
}


static void link_estab(void *arg)
{
	struct mconn *c = arg;

	c->up = true;
	if (c->link && c->link->estabh)
		c->link->estabh(c->link->arg);
}


/**
 * Open the connection to a relay that all relay sessions share.
 *
 * @param lp      The link; freeing it closes the connection
 * @param ms      The listener whose sessions it carries
 * @param uri     msrp[s]://IP:port[;tcp] of the relay
 * @param estabh  Connected (TLS may still be in progress: send anyway)
 * @param resph   A response arrived on it (AUTH: the caller matches tids)
 * @param closeh  Lost; called from the main loop, may free the link
 */
int msrplink_connect(struct msrplink **lp, struct msrpsock *ms,
		     const char *uri, msrplink_estab_h *estabh,
		     msrplink_resp_h *resph, msrplink_close_h *closeh,
		     void *arg)
{
	struct msrplink *l;
	int err;

	if (!lp || !ms || !uri)
		return EINVAL;

	l = mem_zalloc(sizeof(*l), link_destructor);
	if (!l)
		return ENOMEM;

	l->estabh = estabh;
	l->resph  = resph;
	l->closeh = closeh;
	l->arg    = arg;

	err = mconn_alloc(&l->c, ms);
	if (err)
		goto out;

	l->c->link = l;

	err = mconn_dial(l->c, uri, !strncasecmp(uri, "msrps:", 6),
			 link_estab);

 out:
	if (err)
		mem_deref(l);
	else
		*lp = l;

	return err;
}


int msrplink_send(struct msrplink *l, struct mbuf *mb)
{
	if (!l || !l->c || !l->c->tc || l->c->closing || !mb)
		return ENOTCONN;

	mb->pos = 0;
	return tcp_send(l->c->tc, mb);
}
