/* binding.c: our binding at the core: Contact parameters, the REGISTER flows, the reg event and the route set. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "appset.h"
#include "imdnhook.h"
#include "pubhook.h"
#include "reg.h"
#include "regevent.h"
#include "regresp.h"
#include "route.h"
#include "router.h"
#include "sessmode.h"
#include "ua.h"
#include "daemon_priv.h"

#define DEBUG_MODULE "daemon"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


/* Contact parameters: who we are (instance) and what we serve. */
int daemon_contact_params(struct re_printf *pf, void *arg)
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
int daemon_accept_types(struct re_printf *pf, void *arg)
{
	struct daemon *d = arg;

	return router_accept_print(pf, d->router);
}


static void apps_register(void *arg)
{
	struct daemon *d = arg;

	d->apps_sent = tmr_jiffies();

	/* the binding is updated in place: same instance and reg-id */
	if (d->reg && !d->stopping)
		(void)reg_now(d->reg);
	if (d->reg2 && !d->stopping)
		(void)reg_now(d->reg2);
	pubhook_changed(d->pub);
}


/* The advertised set changed: one REGISTER (and PUBLISH) per
 * APPS_COALESCE_MS at most, the first at once (from the loop, so the
 * changes of one wake-up go together), then one for all the changes of
 * the window. Connect, SUBSCRIBE a new ID, close, 20,000 times sent
 * 33,503 REGISTERs in 31 s; with the window it is one a second. */
void daemon_apps_changed(void *arg)
{
	struct daemon *d = arg;
	uint64_t now = tmr_jiffies(), wait = 0;

	if (d->stopping || tmr_isrunning(&d->tmr_apps))
		return;

	if (d->apps_sent && now - d->apps_sent < APPS_COALESCE_MS)
		wait = APPS_COALESCE_MS - (now - d->apps_sent);

	tmr_start(&d->tmr_apps, wait, apps_register, d);
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


int daemon_regevent_setup(struct daemon *d, const struct config *cfg)
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
	daemon_core_registered(d);
	/* RFC 3608: our later requests follow the Service-Route */
	(void)route_set_update(d->routes, reg_regresp(d->reg));

	if (d->regev)
		(void)regevent_start(d->regev);
	pubhook_registered(d->pub);
}


/* Register the running configuration's identity (a new binding, or the
 * same one replaced: same instance and reg-id): one flow per outbound
 * proxy (RFC 5626 reg-id 1 and 2), or one to the registrar. Not before
 * there is a network: netlife.c says when. */
int daemon_reg_start(struct daemon *d)
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
	rc.dsth      = daemon_reg_dst;
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

	err = pubhook_setup(&d->pub, ua_sip(d->ua), cfg, d->apps, d->router,
			    d->routes, reg_contact_uri, d);
	if (err)
		return err;

	/* the reg event subscription follows the binding it watches */
	d->regev = mem_deref(d->regev);
	err = daemon_regevent_setup(d, cfg);
	if (err)
		return err;

	err = reg_alloc(&d->reg, ua_sip(d->ua), &rc, daemon_contact_params,
			reg_state_changed, d);
	if (err || cfg->proxyc < 2)
		return err;

	rc.regid = 2;
	rc.outbound_proxy = cfg->proxies[1].uri;
	return reg_alloc(&d->reg2, ua_sip(d->ua), &rc, daemon_contact_params, NULL,
			 d);
}
