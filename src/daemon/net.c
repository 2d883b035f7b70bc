/* net.c: netlife.c decides what the network did, the SIP stack follows: move, hold, new name servers. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "netlife.h"
#include "reg.h"
#include "ua.h"
#include "daemon_priv.h"

#define DEBUG_MODULE "daemon"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


static void net_moved(const struct sa *v4, const struct sa *v6, void *arg)
{
	struct daemon *d = arg;
	(void)v4;
	(void)v6;

	if (d->stopping)
		return;

	/* a fixed sip_listen does not move; the flow may have */
	if (d->cfg->sip_listen && d->reg) {
		reg_flow_reset(d->reg, "network changed");
		reg_flow_reset(d->reg2, "network changed");
		return;
	}

	d->net_reset = true;
	(void)daemon_reset_stack(d, "local address changed");
	d->net_reset = false;
}


static void net_back(void *arg)
{
	struct daemon *d = arg;

	if (d->stopping)
		return;

	if (!d->reg) {
		net_moved(NULL, NULL, d);
		return;
	}

	reg_flow_reset(d->reg, "network back");
	reg_flow_reset(d->reg2, "network back");
}


static void net_gone(void *arg)
{
	struct daemon *d = arg;

	/* nothing can be sent: no retries until a network is back */
	reg_hold(d->reg);
	reg_hold(d->reg2);
}


static void net_dns(const struct sa *srvv, uint32_t srvc, void *arg)
{
	struct daemon *d = arg;

	if (!srvc || d->stopping)
		return;

	ua_dns_set(d->ua, srvv, srvc);

	/* a REGISTER stuck on the old servers starts over at once */
	if (d->reg && reg_state(d->reg) != REG_REGISTERED)
		reg_flow_reset(d->reg, "name servers changed");
	if (d->reg2 && reg_state(d->reg2) != REG_REGISTERED)
		reg_flow_reset(d->reg2, "name servers changed");
}


static const struct netlife_handlers net_handlers = {
	net_moved, net_back, net_gone, net_dns
};


int daemon_net_start(struct daemon *d)
{
	struct netlife_conf nc;
	char host[256] = "";

	(void)ua_first_hop_host(d->cfg, host, sizeof(host));
	memset(&nc, 0, sizeof(nc));
	nc.ifname      = d->cfg->sip_interface;
	nc.host        = host[0] ? host : NULL;
	nc.resolv_conf = d->cfg->resolv_conf;

	d->nl = mem_deref(d->nl);
	return netlife_alloc(&d->nl, &nc, &net_handlers, d);
}
