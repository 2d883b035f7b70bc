/* ipchooks.c: the daemon's side of the local API: app requests into router, delivery, store and IMDN. */
#include <unistd.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "acl.h"
#include "coretrust.h"
#include "intake.h"
#include "activate.h"
#include "appset.h"
#include "authz.h"
#include "deliver.h"
#include "imdnhook.h"
#include "intake.h"
#include "pubhook.h"
#include "ipc.h"
#include "netlife.h"
#include "pager.h"
#include "pushstore.h"
#include "reg.h"
#include "route.h"
#include "router.h"
#include "sessmode.h"
#include "ua.h"
#include "daemon_priv.h"

#define DEBUG_MODULE "daemon"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


/**
 * The local ACL from app_acl, acl_dir and acl_default (authz.c); on
 * reload a list that does not load keeps the running one.
 */
int daemon_acl_setup(struct daemon *d, const struct config *cfg)
{
	struct acl *acl = NULL;
	char why[256] = "";
	int err;

	err = authz_acl_build(&acl, cfg, why, sizeof(why));
	if (err) {
		DEBUG_WARNING("access list: %s (%m)%s\n", why, err,
			      d->acl ? "; the old one stays" : "");
		return err;
	}

	mem_deref(d->acl);
	d->acl = acl;
	return 0;
}


/*
 * What subscriptions may add to the advertised set. Every ID rides in
 * the Contact of each REGISTER: on UDP the request should stay under
 * the path MTU (RFC 3261 §18.1.1: 1300 bytes when unknown); our
 * REGISTER with credentials and three short IDs measured 818 bytes
 * (IPv4 loopback; IPv6 addresses add ~60), so IDs get 384 bytes there;
 * over TCP/TLS 2 KiB. One user adds at most 16 IDs; root and our own
 * user are bounded by the totals only.
 */
enum {
	ADV_IDS_MAX      = 128,
	ADV_BYTES_UDP    = 384,
	ADV_BYTES_STREAM = 2048,
	ADV_PER_UID      = 16,
};


/* Does our REGISTER go over UDP (the first hop's transport)? */
static bool reg_udp(const struct config *cfg)
{
	const char *hop = cfg->proxyc ? cfg->proxies[0].uri :
		cfg->sip_registrar;
	struct uri uri;
	struct pl pl, tp;

	pl_set_str(&pl, hop);
	if (uri_decode(&uri, &pl))
		return true;

	if (!pl_strcasecmp(&uri.scheme, "sips"))
		return false;

	return msg_param_decode(&uri.params, "transport", &tp) ||
		!pl_strcasecmp(&tp, "udp");
}


static int ipc_subscribe(struct ipc_client *c, const char *appid,
			 const char *filter, bool monitor,
			 const struct router_opts *opts, void *arg)
{
	struct daemon *d = arg;
	const struct acl_cred *cr = ipc_client_acl(c);
	struct appset_bounds b;
	bool fresh;
	int err;

	err = authz_local(d->acl, cr, appid, monitor ? ACL_MONITOR : ACL_OWN);
	if (err)
		return err;

	/* refused before the REGISTER that would carry it is too large */
	b.ids_max   = ADV_IDS_MAX;
	b.bytes_max = reg_udp(d->cfg) ? ADV_BYTES_UDP : ADV_BYTES_STREAM;
	b.per_uid   = cr->uid == 0 || cr->uid == (uint32_t)geteuid() ? 0 :
		ADV_PER_UID;
	fresh = !appset_contains(d->apps, appid);
	err = appset_admit(d->apps, appid, cr->uid, &b);
	if (err)
		return err;

	/* the router is the one record of who subscribed to what */
	err = router_subscribe_ex(d->router, c, appid, filter, monitor, opts);
	if (!err && fresh)
		appset_claim(d->apps, appid, cr->uid);

	return err;
}


/* ACK/NACK: only from a subscriber of the push's app (a monitor's does
 * not count, deliver.c), and from its owner only with the send right */
static int answer_check(struct daemon *d, struct ipc_client *c, uint64_t id)
{
	const char *appid = deliver_appid(d->dlv, id);
	bool monitor = false;

	if (!appid)
		return ENOENT;

	if (!router_subscribed(d->router, c, appid, &monitor)) {
		DEBUG_NOTICE("client %u (uid %u): push %llu for %s is not "
			     "its to answer (ERR 403)\n", ipc_client_id(c),
			     ipc_client_acl(c)->uid, (unsigned long long)id,
			     appid);
		return EPERM;
	}

	return monitor ? 0 : authz_local(d->acl, ipc_client_acl(c), appid,
					 ACL_SEND);
}


/* A subscription was taken: an owner is what a held push and the
 * stored ones of its app wait for. */
static void ipc_subscribed(struct ipc_client *c, const char *appid,
			   bool monitor, bool nostore, void *arg)
{
	struct daemon *d = arg;
	(void)c;

	pubhook_changed(d->pub);   /* a filter describes a service */
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

	pubhook_changed(d->pub);
	return router_unsubscribe(d->router, c, appid);
}


static int ipc_ack(struct ipc_client *c, uint64_t id, void *arg)
{
	struct daemon *d = arg;
	int err = answer_check(d, c, id);

	return err ? err : deliver_ack(d->dlv, c, id);
}


static int ipc_nack(struct ipc_client *c, uint64_t id, uint16_t code,
		    const char *reason, void *arg)
{
	struct daemon *d = arg;
	int err = answer_check(d, c, id);

	return err ? err : deliver_nack(d->dlv, c, id, code, reason);
}


static void ipc_gone(struct ipc_client *c, void *arg)
{
	struct daemon *d = arg;

	/* fail its pushes first (the senders hear 480 now, not at the
	 * timeout), then withdraw what only it subscribed to */
	deliver_client_gone(d->dlv, c);
	(void)router_unsubscribe(d->router, c, NULL);
	pubhook_changed(d->pub);
}


struct status_view {
	struct daemon *d;
	struct ipc_client *c;
};


/* an app another client may see in STATUS: its own, or the ACL says */
static bool status_keep(const char *appid, void *arg)
{
	struct status_view *v = arg;

	return router_subscribed(v->d->router, v->c, appid, NULL) ||
		acl_allowed(v->d->acl, ipc_client_acl(v->c), appid,
			    ACL_STATUS);
}


static int status_routes(struct re_printf *pf, void *arg)
{
	struct status_view *v = arg;

	return router_print_if(pf, v->d->router, status_keep, v);
}


static int ipc_status(struct ipc_client *c, struct re_printf *pf, void *arg)
{
	struct daemon *d = arg;
	struct status_view v = {d, c};
	int err;

	err  = re_hprintf(pf, "registration=%s\n",
			  reg_state_name(reg_state(d->reg)));
	err |= re_hprintf(pf, "aor=%s\n", d->cfg->sip_aor);

	/* STATUS in full is a right: others see no other app's ID or
	 * counters */
	if (!acl_allowed(d->acl, ipc_client_acl(c), NULL, ACL_STATUS))
		return err | re_hprintf(pf, "status=partial\n%H",
					status_routes, &v);

	err |= netlife_status(pf, d->nl);
	err |= coretrust_status(pf, d->ct);
	err |= ua_status(pf, d->ua);
	err |= intake_status(pf, d->intake);
	err |= reg_status(pf, d->reg);
	err |= reg_status(pf, d->reg2);
	if (d->routes)
		err |= re_hprintf(pf, "route_set=%H\n", route_set_print,
				  d->routes);
	err |= re_hprintf(pf, "advertised=%H\n", appset_list_print, d->apps);
	err |= re_hprintf(pf, "subscriptions=%zu\n", router_count(d->router));
	err |= re_hprintf(pf, "clients=%u\ndropped_clients=%u\n"
			  "refused_clients=%u\n", ipc_clients(d->ipc),
			  ipc_dropped(d->ipc), ipc_refused(d->ipc));
	err |= deliver_status(pf, d->dlv);
	err |= pager_status(pf, d->pager);
	err |= sessmode_status(pf, d->sess);
	err |= activate_status(pf, d->act);
	err |= pushstore_status(pf, d->pstore);
	err |= imdnhook_status(pf, d->imdn);
	err |= pubhook_status(pf, d->pub);
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
