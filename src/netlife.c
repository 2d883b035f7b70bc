/* netlife.c: follows the network for the daemon: tells it when the SIP stack must move, register again, or wait. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "netpath.h"
#include "netwatch.h"
#include "resolvwatch.h"
#include "netlife.h"

#define DEBUG_MODULE "netlife"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * The three watchers in one place, so the daemon hears decisions, not
 * kernel messages: netwatch says "something changed" (debounced),
 * netpath says what that did to the path towards the core (only a change
 * of our source addresses, an outage or a return concerns us: an address
 * added on another interface does not), resolvwatch says when the name
 * servers changed. One log line per decision; nothing is polled.
 */

struct netlife {
	struct netwatch *nw;
	struct resolvwatch *rw;
	struct netpath np;
	uint32_t moves;          /* movedh calls */
	struct netlife_handlers h;
	void *arg;
};


static void destructor(void *arg)
{
	struct netlife *nl = arg;

	mem_deref(nl->nw);
	mem_deref(nl->rw);
}


static void net_handler(unsigned what, void *arg)
{
	struct netlife *nl = arg;
	enum netpath_change c = netpath_update(&nl->np);
	const struct sa *v4, *v6;
	(void)what;

	if (c == NETPATH_SAME)
		return;

	v4 = netpath_laddr(&nl->np, AF_INET);
	v6 = netpath_laddr(&nl->np, AF_INET6);

	switch (c) {

	case NETPATH_MOVED:
		DEBUG_NOTICE("network: local address now %j%s%j\n",
			     v4 ? v4 : v6, v4 && v6 ? ", " : "",
			     v4 && v6 ? v6 : NULL);
		++nl->moves;
		if (nl->h.movedh)
			nl->h.movedh(v4, v6, nl->arg);
		break;

	case NETPATH_BACK:
		DEBUG_NOTICE("network: back on %j\n", v4 ? v4 : v6);
		if (nl->h.backh)
			nl->h.backh(nl->arg);
		break;

	case NETPATH_GONE:
		DEBUG_NOTICE("network: no usable address and route; waiting "
			     "for a network\n");
		if (nl->h.goneh)
			nl->h.goneh(nl->arg);
		break;

	default:
		break;
	}
}


static void dns_handler(const struct sa *srvv, uint32_t srvc, void *arg)
{
	struct netlife *nl = arg;

	if (nl->h.dnsh)
		nl->h.dnsh(srvv, srvc, nl->arg);
}


/**
 * Start following the network. The path is looked at once now
 * (netlife_up(), netlife_laddr()); the handlers run on changes only.
 *
 * @param nlp   Pointer to allocated object
 * @param conf  Interface, first hop, resolv.conf, timing
 * @param h     Decision handlers (each may be NULL)
 * @param arg   Handler argument
 *
 * @return 0 if success, otherwise errorcode
 */
int netlife_alloc(struct netlife **nlp, const struct netlife_conf *conf,
		  const struct netlife_handlers *h, void *arg)
{
	struct netwatch_conf wc;
	struct netlife *nl;
	int err;

	if (!nlp || !conf || !h)
		return EINVAL;

	nl = mem_zalloc(sizeof(*nl), destructor);
	if (!nl)
		return ENOMEM;

	nl->h   = *h;
	nl->arg = arg;

	err = netpath_init(&nl->np, conf->ifname, conf->host);
	if (err)
		goto out;

	memset(&wc, 0, sizeof(wc));
	wc.ifname = conf->ifname;
	wc.debounce_ms = conf->debounce_ms;
	err = netwatch_alloc(&nl->nw, &wc, net_handler, nl);
	if (err)
		goto out;

	if (conf->resolv_conf) {
		err = resolvwatch_alloc(&nl->rw, conf->resolv_conf, 0,
					dns_handler, nl);
		if (err)
			goto out;
	}

	(void)netpath_update(&nl->np);
	if (!nl->np.up)
		DEBUG_NOTICE("no usable address and route%s%s yet: waiting "
			     "for a network\n", conf->ifname ? " on " : "",
			     conf->ifname ? conf->ifname : "");

 out:
	if (err)
		mem_deref(nl);
	else
		*nlp = nl;

	return err;
}


/** A usable address and route exist now */
bool netlife_up(const struct netlife *nl)
{
	return nl ? nl->np.up : false;
}


/** The local address for af towards the core, NULL if none */
const struct sa *netlife_laddr(const struct netlife *nl, int af)
{
	return nl ? netpath_laddr(&nl->np, af) : NULL;
}


/** The name servers last read (0 if none, or not watched) */
uint32_t netlife_dns(const struct netlife *nl, const struct sa **srvv)
{
	return nl ? resolvwatch_servers(nl->rw, srvv) : 0;
}


/** How often the local address moved */
uint32_t netlife_moves(const struct netlife *nl)
{
	return nl ? nl->moves : 0;
}


/** Status lines: network, local addresses, last change, DNS */
int netlife_status(struct re_printf *pf, const struct netlife *nl)
{
	const struct sa *srvv = NULL;
	uint32_t n;
	int err;

	if (!nl)
		return 0;

	err = netpath_status(pf, &nl->np);
	n = resolvwatch_servers(nl->rw, &srvv);
	if (nl->rw)
		err |= re_hprintf(pf, "dns_servers=%u%s%J\n", n,
				  n ? " first " : "", n ? &srvv[0] : NULL);
	err |= re_hprintf(pf, "network_events=%u\n",
			  netwatch_bursts(nl->nw));

	return err;
}
