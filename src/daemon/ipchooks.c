/* ipchooks.c: the daemon's side of the local API: app requests into router, delivery, store and IMDN. */
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "activate.h"
#include "appset.h"
#include "authz.h"
#include "deliver.h"
#include "imdnhook.h"
#include "ipc.h"
#include "netlife.h"
#include "pager.h"
#include "pushstore.h"
#include "reg.h"
#include "route.h"
#include "router.h"
#include "sessmode.h"
#include "daemon_priv.h"

#define DEBUG_MODULE "daemon"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


static int ipc_subscribe(struct ipc_client *c, const char *appid,
			 const char *filter, bool monitor,
			 const struct router_opts *opts, void *arg)
{
	struct daemon *d = arg;
	uint32_t uid, gid, pid;
	int err;

	ipc_client_cred(c, &uid, &gid, &pid);

	err = authz_subscribe(d->cfg, uid, gid, pid, appid);
	if (err)
		return err;

	/* the router is the one record of who subscribed to what */
	return router_subscribe_ex(d->router, c, appid, filter, monitor, opts);
}


/* A subscription was taken: an owner is what a held push and the
 * stored ones of its app wait for. */
static void ipc_subscribed(struct ipc_client *c, const char *appid,
			   bool monitor, bool nostore, void *arg)
{
	struct daemon *d = arg;
	(void)c;

	if (monitor)
		return;

	activate_ready(d->act, appid);
	if (!nostore)
		pushstore_drain(d->pstore, appid);
}


static int ipc_unsubscribe(struct ipc_client *c, const char *appid,
			   void *arg)
{
	struct daemon *d = arg;

	return router_unsubscribe(d->router, c, appid);
}


static int ipc_ack(struct ipc_client *c, uint64_t id, void *arg)
{
	struct daemon *d = arg;

	return deliver_ack(d->dlv, c, id);
}


static int ipc_nack(struct ipc_client *c, uint64_t id, uint16_t code,
		    const char *reason, void *arg)
{
	struct daemon *d = arg;

	return deliver_nack(d->dlv, c, id, code, reason);
}


static void ipc_gone(struct ipc_client *c, void *arg)
{
	struct daemon *d = arg;

	/* fail its pushes first (the senders hear 480 now, not at the
	 * timeout), then withdraw what only it subscribed to */
	deliver_client_gone(d->dlv, c);
	(void)router_unsubscribe(d->router, c, NULL);
}


static int ipc_status(struct re_printf *pf, void *arg)
{
	struct daemon *d = arg;
	int err;

	err  = re_hprintf(pf, "registration=%s\n",
			  reg_state_name(reg_state(d->reg)));
	err |= re_hprintf(pf, "aor=%s\n", d->cfg->sip_aor);
	err |= netlife_status(pf, d->nl);
	err |= reg_status(pf, d->reg);
	err |= reg_status(pf, d->reg2);
	if (d->routes)
		err |= re_hprintf(pf, "route_set=%H\n", route_set_print,
				  d->routes);
	err |= re_hprintf(pf, "advertised=%H\n", appset_list_print, d->apps);
	err |= re_hprintf(pf, "subscriptions=%zu\n", router_count(d->router));
	err |= re_hprintf(pf, "clients=%u\ndropped_clients=%u\n",
			  ipc_clients(d->ipc), ipc_dropped(d->ipc));
	err |= deliver_status(pf, d->dlv);
	err |= pager_status(pf, d->pager);
	err |= sessmode_status(pf, d->sess);
	err |= activate_status(pf, d->act);
	err |= pushstore_status(pf, d->pstore);
	err |= imdnhook_status(pf, d->imdn);
	err |= router_print(pf, d->router);

	return err;
}


static int ipc_disposed(struct ipc_client *c, uint64_t push_id,
			bool displayed, void *arg)
{
	struct daemon *d = arg;

	return imdnhook_disposed(d->imdn, c, push_id, displayed);
}


const struct ipc_handlers daemon_ipc_handlers = {
	.subscribeh   = ipc_subscribe,
	.subscribedh  = ipc_subscribed,
	.unsubscribeh = ipc_unsubscribe,
	.ackh         = ipc_ack,
	.nackh        = ipc_nack,
	.goneh        = ipc_gone,
	.statush      = ipc_status,
	.disposedh    = ipc_disposed,
};
