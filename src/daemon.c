/* daemon.c: wires the modules together and owns them: config, SIP stack, registration. */
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "absent.h"
#include "activate.h"
#include "appset.h"
#include "authz.h"
#include "deliver.h"
#include "imdnhook.h"
#include "instance.h"
#include "ipc.h"
#include "netlife.h"
#include "pager.h"
#include "push.h"
#include "pushstore.h"
#include "log.h"
#include "router.h"
#include "sessmode.h"
#include "statelock.h"
#include "options.h"
#include "reg.h"
#include "regevent.h"
#include "route.h"
#include "regresp.h"
#include "ua.h"
#include "daemon.h"

#define DEBUG_MODULE "daemon"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

enum {
	STOP_UNREG_MS = 2000,   /* how long shutdown waits for the un-REGISTER;
				 * a new identity on reload too */
	STOP_CLOSE_MS = 1000,   /* then how long for the stack to drain */
	RESET_RETRY_MS = 2000,  /* a stack rebuild that failed, again */
	ALLOW_SIZE    = 64,
};

struct daemon {
	struct config *cfg;
	struct ua *ua;
	struct appset *apps;
	struct reg *reg;
	struct regevent *regev;  /* reg_event yes */
	struct route_set *routes; /* of our own out-of-dialog requests */
	struct reg *reg2;        /* a second flow (second outbound proxy) */
	struct netlife *nl;      /* follows the network (netlife.c) */
	struct options *opt;
	struct router *router;
	struct deliver *dlv;
	struct imdnhook *imdn;     /* IMDN (imdnhook.c) */
	struct activate *act;      /* app_exec: started on demand */
	struct pushstore *pstore;  /* app_store: kept while away */
	struct absent *ab;         /* which of the two, for the intakes */
	struct pager *pager;
	struct sessmode *sess;
	struct ipc *ipc;
	struct statelock *lock;  /* state_dir is ours (statelock.c) */
	char *cuser;
	char instance[INSTANCE_SIZE];
	char allow[ALLOW_SIZE];  /* the methods we take, for Allow */
	struct reg *unreg;       /* the old identity's binding, going away */
	struct reg *unreg2;      /* ... and its second flow's */
	struct tmr tmr_reset;    /* a rebuild waiting (un-REGISTER, retry) */
	char reset_why[128];
	struct tmr tmr_stop;
	daemon_exit_h *exith;
	void *arg;
	uint32_t unregc;         /* un-REGISTERs not answered yet (stop, reload) */
	bool stopping;
	bool net_reset;          /* the rebuild is for a network change */
};


static void destructor(void *arg)
{
	struct daemon *d = arg;

	/* in data-flow order; pointers are cleared as we go because the
	 * IPC teardown still calls back into delivery and routing */
	d->stopping = true;
	tmr_cancel(&d->tmr_stop);
	tmr_cancel(&d->tmr_reset);
	d->unreg  = mem_deref(d->unreg);
	d->unreg2 = mem_deref(d->unreg2);
	d->regev  = mem_deref(d->regev);
	d->routes = mem_deref(d->routes);
	d->reg    = mem_deref(d->reg);
	d->reg2   = mem_deref(d->reg2);
	d->nl     = mem_deref(d->nl);
	d->opt    = mem_deref(d->opt);
	d->pager  = mem_deref(d->pager);
	d->sess   = mem_deref(d->sess);
	d->ipc    = mem_deref(d->ipc);
	d->ab     = mem_deref(d->ab);
	d->act    = mem_deref(d->act);
	d->pstore = mem_deref(d->pstore);
	d->imdn   = mem_deref(d->imdn);
	d->dlv    = mem_deref(d->dlv);
	d->router = mem_deref(d->router);
	d->apps   = mem_deref(d->apps);
	d->ua     = mem_deref(d->ua);
	d->cuser  = mem_deref(d->cuser);
	d->cfg    = mem_deref(d->cfg);
	d->lock   = mem_deref(d->lock);   /* last: nothing in it is used */
}


/* Contact parameters: who we are (instance) and what we serve. */
static int contact_params(struct re_printf *pf, void *arg)
{
	struct daemon *d = arg;

	/* +g.oma.uaprof: our choice (no OMA text names a SIP feature
	 * tag for the UAProf URL; doc/app-ids.md) */
	return re_hprintf(pf, ";+sip.instance=\"<%s>\"%H%s%s%s", d->instance,
			  appset_ftag_print, d->apps,
			  d->cfg->uaprof_url ? ";+g.oma.uaprof=\"<" : "",
			  d->cfg->uaprof_url ? d->cfg->uaprof_url : "",
			  d->cfg->uaprof_url ? ">\"" : "");
}


/* OPTIONS Accept: what the connected apps take (router.c) */
static int accept_types(struct re_printf *pf, void *arg)
{
	struct daemon *d = arg;

	return router_accept_print(pf, d->router);
}


/* --- local apps: IPC requests flow into router and delivery ------------ */

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


static const struct ipc_handlers ipc_handlers = {
	.subscribeh   = ipc_subscribe,
	.subscribedh  = ipc_subscribed,
	.unsubscribeh = ipc_unsubscribe,
	.ackh         = ipc_ack,
	.nackh        = ipc_nack,
	.goneh        = ipc_gone,
	.statush      = ipc_status,
	.disposedh    = ipc_disposed,
};


static void apps_changed(void *arg)
{
	struct daemon *d = arg;

	/* the binding is updated in place: same instance and reg-id */
	if (d->reg && !d->stopping)
		(void)reg_now(d->reg);
	if (d->reg2 && !d->stopping)
		(void)reg_now(d->reg2);
}


static int reg_contact_uri(struct re_printf *pf, void *arg)
{
	struct daemon *d = arg;

	return reg_contact(pf, d->reg);
}


/* What the core's reg-event documents ask of the registration. */
static void regevent_action(enum reginfo_action act, uint32_t expires,
			    const char *why, void *arg)
{
	struct daemon *d = arg;

	if (!d->reg || d->stopping)
		return;

	switch (act) {

	case REGINFO_REREGISTER:
		DEBUG_NOTICE("the core removed our binding (%s); "
			     "registering again now\n", why);
		(void)reg_now(d->reg);
		break;

	case REGINFO_STOP:
		reg_stop(d->reg, why);
		break;

	case REGINFO_EXPIRES:
		reg_refresh_within(d->reg, expires);
		break;

	default:
		break;
	}
}


static int regevent_setup(struct daemon *d, const struct config *cfg)
{
	struct regevent_conf conf;
	int err;

	if (!cfg->reg_event)
		return 0;

	memset(&conf, 0, sizeof(conf));
	conf.aor       = cfg->sip_aor;
	conf.registrar = cfg->sip_registrar;
	conf.instance  = d->instance;
	conf.auth_user = cfg->sip_auth_user;
	conf.auth_pass = cfg->sip_auth_pass;
	conf.cuser     = d->cuser;
	conf.routes    = d->routes;

	err = regevent_alloc(&d->regev, ua_sip(d->ua), &conf, reg_contact_uri,
			     regevent_action, d);
	if (err)
		DEBUG_WARNING("reg_event: %m\n", err);

	return err;
}


/* Every push's verdict, once (deliver.h): the seam where IMDN, an app
 * launcher, a store or counters hook in; today a debug line. */
static void verdict_log(const struct push *p, uint16_t scode,
			const char *reason, void *arg)
{
	(void)arg;
	(void)p;
	(void)scode;
	(void)reason;

	DEBUG_PRINTF("push %llu for %s: %u %s\n", (unsigned long long)p->id,
		     p->appid ? p->appid : "-", scode, reason);
}


/* an in-dialog MESSAGE: one of our push sessions, or not ours at all */
static bool in_session(const struct sip_msg *msg, void *arg)
{
	struct daemon *d = arg;

	return sessmode_has_dialog(d->sess, msg);
}


static int make_state_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;

	if (errno != ENOENT)
		return errno;

	return mkdir(dir, 0750) < 0 ? errno : 0;
}


/* Contact user = the AOR's user part, so requests routed back to the
 * Contact still name the user they were for. REGISTER, OPTIONS and the
 * INVITE answer all use this one. */
static int user_part(char **cuser, const char *aor)
{
	struct sip_addr addr;
	struct pl pl;

	pl_set_str(&pl, aor);
	if (sip_addr_decode(&addr, &pl) || !pl_isset(&addr.uri.user))
		return str_dup(cuser, "sippushd");

	return pl_strdup(cuser, &addr.uri.user);
}


/* A 2xx made us REGISTERED: its public GRUU (RFC 5627) becomes the
 * Contact of our INVITE answers, and a binding needs a subscription to
 * hear about it: (re)subscribe to the reg event (regevent.c does nothing
 * if it is subscribed already, or if the core does not offer the
 * package). */
static void reg_state_changed(enum reg_state state, uint16_t scode,
			      const char *reason, void *arg)
{
	struct daemon *d = arg;
	(void)scode;
	(void)reason;

	if (state != REG_REGISTERED || d->stopping)
		return;

	sessmode_set_contact(d->sess, regresp_pub_gruu(reg_regresp(d->reg)));
	/* RFC 3608: our later requests follow the Service-Route */
	(void)route_set_update(d->routes, reg_regresp(d->reg));

	if (d->regev)
		(void)regevent_start(d->regev);
}


/* Register the running configuration's identity (a new binding, or the
 * same one replaced: same instance and reg-id): one flow per outbound
 * proxy (RFC 5626 reg-id 1 and 2), or one to the registrar. Not before
 * there is a network: netlife.c says when. */
static int reg_start(struct daemon *d)
{
	const struct config *cfg = d->cfg;
	struct reg_conf rc;
	int err;

	if (!sa_isset(ua_laddr(d->ua), SA_ADDR))
		return 0;

	memset(&rc, 0, sizeof(rc));
	rc.registrar = cfg->sip_registrar;
	rc.aor       = cfg->sip_aor;
	rc.cuser     = d->cuser;
	rc.allow     = d->allow;
	rc.auth_user = cfg->sip_auth_user;
	rc.auth_pass = cfg->sip_auth_pass;
	rc.instance  = d->instance;
	rc.expires   = cfg->sip_expires;
	rc.keepalive = cfg->sip_keepalive;
	rc.keepalive_udp = cfg->sip_keepalive_udp;
	rc.regid     = 1;
	rc.outbound_proxy = cfg->proxyc ? cfg->proxies[0].uri : NULL;

	DEBUG_INFO("registering %s at %s%s%s as %s\n", cfg->sip_aor,
		   cfg->sip_registrar, rc.outbound_proxy ? " via " : "",
		   rc.outbound_proxy ? rc.outbound_proxy : "", d->instance);

	/* the route set of our own requests starts at the first hop of
	 * the REGISTER; the 200's Service-Route extends it */
	d->routes = mem_deref(d->routes);
	err = route_set_alloc(&d->routes, cfg->sip_registrar,
			      rc.outbound_proxy);
	if (err)
		return err;
	imdnhook_set_routes(d->imdn, d->routes);

	/* the reg event subscription follows the binding it watches */
	d->regev = mem_deref(d->regev);
	err = regevent_setup(d, cfg);
	if (err)
		return err;

	err = reg_alloc(&d->reg, ua_sip(d->ua), &rc, contact_params,
			reg_state_changed, d);
	if (err || cfg->proxyc < 2)
		return err;

	rc.regid = 2;
	rc.outbound_proxy = cfg->proxies[1].uri;
	return reg_alloc(&d->reg2, ua_sip(d->ua), &rc, contact_params, NULL,
			 d);
}


/* --- the network: netlife.c decides, the SIP stack follows ------------- */

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


static int net_start(struct daemon *d)
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


/* Who we are at the core: state_dir, the instance in it, the Contact
 * user of the AOR (computed once, here, for REGISTER, OPTIONS and the
 * INVITE answer) */
static int identity(struct daemon *d)
{
	const struct config *cfg = d->cfg;
	char *cuser = NULL;
	int err;

	err = make_state_dir(cfg->state_dir);
	if (err) {
		DEBUG_WARNING("state_dir %s: %m\n", cfg->state_dir, err);
		return err;
	}

	/* one daemon per state_dir: locked before anything in it is
	 * touched (a second one cleaned the first one's spool) */
	if (!statelock_holds(d->lock, cfg->state_dir)) {
		struct statelock *lock = NULL;

		err = statelock_take(&lock, cfg->state_dir);
		if (err)
			return err;
		mem_deref(d->lock);
		d->lock = lock;
	}

	err = instance_get(d->instance, sizeof(d->instance),
			   cfg->sip_instance, cfg->state_dir);
	if (err)
		return err;

	err = user_part(&cuser, cfg->sip_aor);
	if (err)
		return err;

	mem_deref(d->cuser);
	d->cuser = cuser;

	return 0;
}


/**
 * Build every module from the configuration and start registering.
 *
 * @param dp   Pointer to allocated daemon
 * @param cfg  Configuration; the daemon takes a reference
 */
int daemon_alloc(struct daemon **dp, struct config *cfg)
{
	struct daemon *d;
	int err;

	if (!dp || !cfg)
		return EINVAL;

	d = mem_zalloc(sizeof(*d), destructor);
	if (!d)
		return ENOMEM;

	tmr_init(&d->tmr_stop);
	tmr_init(&d->tmr_reset);
	d->cfg = mem_ref(cfg);
	(void)re_snprintf(d->allow, sizeof(d->allow), "%sMESSAGE, OPTIONS",
			  sessmode_methods());

	err = identity(d);
	if (err)
		goto out;

	/* before the stack: its first look says whether there is a network
	 * (no: the stack starts without transports, and waits) */
	err = net_start(d);
	if (err)
		goto out;

	err = ua_alloc(&d->ua, cfg);
	if (err)
		goto out;

	err = appset_alloc(&d->apps, apps_changed, d);
	if (err)
		goto out;

	err = appset_set_static(d->apps, (const char (*)[APPID_SIZE])cfg->apps,
				cfg->appc);
	if (err)
		goto out;

	err = options_alloc(&d->opt, ua_sip(d->ua), d->cuser, d->allow,
			    contact_params, accept_types, cfg->uaprof_url, d);
	if (err)
		goto out;

	err = router_alloc(&d->router, d->apps, IPC_MAX_SUBS);
	if (err)
		goto out;

	err = deliver_alloc(&d->dlv, cfg);
	if (err)
		goto out;

	err = deliver_observe(d->dlv, verdict_log, d);
	if (err)
		goto out;

	err = imdnhook_alloc(&d->imdn, ua_sip(d->ua), cfg, d->dlv, d->router);
	if (err)
		goto out;

	/* apps that are away: their commands' output goes where ours does */
	err = activate_alloc(&d->act, cfg, cfg->ipc_socket,
			     log_syslog() ? -1 : STDERR_FILENO);
	if (err)
		goto out;

	err = pushstore_alloc(&d->pstore, cfg, d->router, d->dlv);
	if (err)
		goto out;

	err = absent_alloc(&d->ab, d->act, d->pstore);
	if (err)
		goto out;

	err = pager_alloc(&d->pager, ua_sip(d->ua), cfg, d->router, d->apps,
			  d->dlv, in_session, d);
	if (err)
		goto out;

	pager_set_absent(d->pager, d->ab);

	err = sessmode_alloc(&d->sess, ua_sip(d->ua), cfg, d->cuser,
			     ua_laddr(d->ua), d->apps, d->router, d->dlv);
	if (err) {
		DEBUG_WARNING("session mode: %m\n", err);
		goto out;
	}

	sessmode_set_absent(d->sess, d->ab);

	err = ipc_alloc(&d->ipc, cfg->ipc_socket, &ipc_handlers, d);
	if (err) {
		DEBUG_WARNING("ipc_socket %s: %m\n", cfg->ipc_socket, err);
		goto out;
	}

	err = reg_start(d);

 out:
	if (err)
		mem_deref(d);
	else
		*dp = d;

	return err;
}


static void reset_tmr(void *arg)
{
	struct daemon *d = arg;

	(void)daemon_reset_stack(d, d->reset_why);
}


/* the old identity's binding is gone (or the wait is over) */
/* The old identity's flows un-REGISTERed: build the new one after the
 * last answer. */
static void unreg_done_reset(void *arg)
{
	struct daemon *d = arg;

	if (d->unregc && --d->unregc)
		return;

	tmr_start(&d->tmr_reset, 0, reset_tmr, d);
}


/**
 * Tear the SIP transports down and build them, OPTIONS, session mode and
 * the registration again from the running configuration: a new local
 * address, listen port, transport set, registrar, credentials or TLS
 * files. The core replaces the binding: the new REGISTER carries the
 * same +sip.instance and reg-id (RFC 5626 §6). Nothing accepted is cut
 * off: a MESSAGE waiting for its app is answered on the socket it came
 * on, and MSRP sessions in progress keep their listener until they end.
 * On failure (e.g. the address is not there yet) it tries again every
 * RESET_RETRY_MS.
 *
 * Reload calls it for keys of CONFIG_RELOAD_STACK; call it from outside
 * too, e.g. when the network changed.
 *
 * @param d    Daemon
 * @param why  What changed, for the log line
 */
int daemon_reset_stack(struct daemon *d, const char *why)
{
	struct options *opt = NULL;
	bool keep;
	int err;

	if (!d || d->stopping)
		return EINVAL;

	tmr_cancel(&d->tmr_reset);
	d->unreg  = mem_deref(d->unreg);   /* an un-REGISTER still waiting */
	d->unreg2 = mem_deref(d->unreg2);
	if (why != d->reset_why)
		str_ncpy(d->reset_why, why ? why : "", sizeof(d->reset_why));

	DEBUG_NOTICE("rebuilding the SIP stack: %s\n", d->reset_why);

	/* A network change keeps the registration: the same binding moves
	 * (reg_flow_reset(): new flow, same instance/reg-id, and the nonce
	 * the core accepted, so one round trip). Anything else: its flow,
	 * keep-alive and timers belong to the old transports. The reg event
	 * subscription's dialog is on the old transports either way. */
	d->regev = mem_deref(d->regev);
	keep = d->net_reset && d->reg;
	if (!keep) {
		d->reg  = mem_deref(d->reg);
		d->reg2 = mem_deref(d->reg2);
	}

	err = identity(d);
	if (err)
		goto out;

	/* a reload may name another interface, proxy or resolv.conf */
	if (!d->net_reset) {
		err = net_start(d);
		if (err)
			goto out;
	}

	err = ua_reset_transports(d->ua, d->cfg);
	if (err == ENETUNREACH) {
		/* no retry timer: netlife.c calls when a network is there */
		DEBUG_NOTICE("no network: the SIP stack waits for one\n");
		reg_hold(d->reg);
		reg_hold(d->reg2);
		return err;
	}
	if (err)
		goto out;

	err = options_alloc(&opt, ua_sip(d->ua), d->cuser, d->allow,
			    contact_params, accept_types, d->cfg->uaprof_url, d);
	if (err)
		goto out;
	mem_deref(d->opt);
	d->opt = opt;

	err = sessmode_reset(d->sess, d->cfg, d->cuser, ua_laddr(d->ua));
	if (err)
		goto out;

	if (keep) {
		err = regevent_setup(d, d->cfg);
		reg_flow_reset(d->reg, why);
		reg_flow_reset(d->reg2, why);
	}
	else {
		err = reg_start(d);
	}

 out:
	if (err) {
		DEBUG_WARNING("SIP stack not rebuilt (%m); again in %u s\n",
			      err, RESET_RETRY_MS / 1000);
		tmr_start(&d->tmr_reset, RESET_RETRY_MS, reset_tmr, d);
	}

	return err;
}


static bool streq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}


/* Does the binding stay the same one (so the new REGISTER replaces it)? */
static bool same_binding(const struct config *a, const struct config *b)
{
	return streq(a->sip_aor, b->sip_aor) &&
		streq(a->sip_registrar, b->sip_registrar) &&
		streq(a->state_dir, b->state_dir) &&
		streq(a->sip_instance, b->sip_instance);
}


/**
 * Apply a reloaded configuration (SIGHUP): every module takes the new
 * one through its *_set_config(), the one reload path.
 *
 * What a changed key takes is its row's reload class (src/config/
 * keys.c): app lines and delivery limits apply at once and a changed
 * app set re-REGISTERs; keys that shape the SIP stack (addresses,
 * transports, registrar, credentials, TLS) rebuild it with
 * daemon_reset_stack() (another identity removes its old binding
 * first); ipc_socket and user need a restart, which is logged.
 */
int daemon_reload(struct daemon *d, struct config *cfg)
{
	char keys[256], stack[200];
	bool same;

	if (!d || !cfg)
		return EINVAL;

	if (config_keys_changed(d->cfg, cfg, CONFIG_RELOAD_RESTART, keys,
				sizeof(keys)))
		DEBUG_WARNING("reload: %s changed; that takes effect after a "
			      "restart (the other keys apply now)\n", keys);

	(void)config_keys_changed(d->cfg, cfg, CONFIG_RELOAD_STACK, stack,
				  sizeof(stack));
	same = same_binding(d->cfg, cfg);

	pager_set_config(d->pager, cfg);
	sessmode_set_config(d->sess, cfg);
	deliver_set_config(d->dlv, cfg);
	activate_set_config(d->act, cfg);
	pushstore_set_config(d->pstore, cfg);
	mem_deref(d->cfg);
	d->cfg = mem_ref(cfg);

	DEBUG_INFO("configuration reloaded from %s\n", cfg->path);

	if (stack[0]) {
		(void)re_snprintf(d->reset_why, sizeof(d->reset_why),
				  "reload: %s changed", stack);

		if (same || !d->reg || d->unreg) {
			(void)daemon_reset_stack(d, d->reset_why);
		}
		else {
			/* another identity: the old binding goes first
			 * (bounded wait), on the old transports */
			d->regev  = mem_deref(d->regev);
			d->unreg  = d->reg;
			d->unreg2 = d->reg2;
			d->reg  = NULL;
			d->reg2 = NULL;
			d->unregc = d->unreg2 ? 2 : 1;
			tmr_start(&d->tmr_reset, STOP_UNREG_MS, reset_tmr, d);
			reg_unregister(d->unreg2, unreg_done_reset, d);
			reg_unregister(d->unreg, unreg_done_reset, d);
		}
	}

	return appset_set_static(d->apps,
				 (const char (*)[APPID_SIZE])cfg->apps,
				 cfg->appc);
}


/** SIGCHLD: collect the app commands that ended (only ours). */
void daemon_child(struct daemon *d)
{
	if (d)
		activate_reap(d->act);
}


static void stack_closed(void *arg)
{
	struct daemon *d = arg;
	daemon_exit_h *h = d->exith;

	tmr_cancel(&d->tmr_stop);
	d->exith = NULL;
	if (h)
		h(d->arg);
}


static void close_stack(void *arg)
{
	struct daemon *d = arg;

	tmr_cancel(&d->tmr_reset);
	d->unreg  = mem_deref(d->unreg);
	d->unreg2 = mem_deref(d->unreg2);
	d->regev = mem_deref(d->regev);
	d->reg   = mem_deref(d->reg);
	d->reg2  = mem_deref(d->reg2);
	d->nl    = mem_deref(d->nl);
	d->opt   = mem_deref(d->opt);
	d->pager = mem_deref(d->pager);
	d->sess  = mem_deref(d->sess);
	d->ipc   = mem_deref(d->ipc);
	tmr_start(&d->tmr_stop, STOP_CLOSE_MS, stack_closed, d);
	ua_close(d->ua, stack_closed, d);
}


/* One flow's un-REGISTER answered: the stack closes after the last. */
static void unreg_done(void *arg)
{
	struct daemon *d = arg;

	if (d->unregc && --d->unregc)
		return;

	tmr_cancel(&d->tmr_stop);
	close_stack(d);
}


/**
 * Shut down: remove the binding (bounded wait), drain the stack, then
 * call exith once.
 */
void daemon_stop(struct daemon *d, daemon_exit_h *exith, void *arg)
{
	if (!d || d->stopping)
		return;

	d->stopping = true;
	d->exith    = exith;
	d->arg      = arg;

	DEBUG_INFO("stopping: removing registration\n");

	if (!d->reg) {
		/* never registered (no network since the start) */
		close_stack(d);
		return;
	}

	/* both flows' bindings go, each answered (or the bounded wait) */
	d->unregc = d->reg2 ? 2 : 1;
	tmr_start(&d->tmr_stop, STOP_UNREG_MS, close_stack, d);
	reg_unregister(d->reg2, unreg_done, d);
	reg_unregister(d->reg, unreg_done, d);
}


/** REGISTER requests sent so far (readiness: the first one is out). */
uint32_t daemon_reg_sent(const struct daemon *d)
{
	if (!d)
		return 0;

	/* waiting for a network counts: the daemon runs, apps may connect,
	 * and a service manager must not time the start out */
	if (!d->reg && !netlife_up(d->nl))
		return 1;

	return reg_sent(d->reg);
}
