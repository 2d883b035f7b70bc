/* imdnhook.c: IMDN for the pushes that ask for it: the verdict observer, DISPOSED from the owner, the sender with its store in state_dir/imdn. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "deliver.h"
#include "imdnpush.h"
#include "imdnsend.h"
#include "push.h"
#include "router.h"
#include "imdnhook.h"

#define DEBUG_MODULE "imdnhook"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * The wiring of RFC 5438 between modules that know nothing of each
 * other: deliver.c reports every verdict once (deliver_observe()), the
 * intake put the imdn request on the push (pushmeta.c), imdnpush.c
 * decides what the verdict owes the sender, imdnsend.c sends it through
 * the core and keeps what is not answered yet in state_dir/imdn, so it
 * survives a restart. DISPOSED comes over the local API; only the owner
 * of the push's app may report it (router.c is the one record of who
 * owns what). Without CONFIG_XML imdnsend_alloc() says ENOTSUP: no
 * notification is sent and DISPOSED answers 501.
 */

enum {
	PENDING_MAX   = 256,      /* notifications not yet sent */
	PENDING_AGE   = 86400,    /* s: older unsent ones are dropped */
	REMEMBER_MAX  = 256,      /* pushes waiting for DISPOSED */
	REMEMBER_AGE  = 86400,    /* s */
	RETRY_BASE_MS = 1000,
	RETRY_MAX_MS  = 300000,
};

struct imdnhook {
	struct deliver *dlv;
	struct router *router;
	struct imdnsend *is;
	struct imdnpush *ip;
};


static void verdict_handler(const struct push *p, uint16_t scode,
			    const char *reason, void *arg);


static void destructor(void *arg)
{
	struct imdnhook *ih = arg;

	deliver_unobserve(ih->dlv, verdict_handler, ih);
	mem_deref(ih->ip);
	mem_deref(ih->is);
	mem_deref(ih->dlv);
	mem_deref(ih->router);
}


/* Every verdict, once: a push that asked for an IMDN gets what it owes */
static void verdict_handler(const struct push *p, uint16_t scode,
			    const char *reason, void *arg)
{
	struct imdnhook *ih = arg;
	struct imdnpush_push ipp;
	int err;

	if (!p->imdn_msgid || !p->imdn_dispo)
		return;

	/* stored for an app that is away (app_store): not delivered yet;
	 * its record keeps the request and the hand-over's verdict owes
	 * the notification */
	if (scode == 202)
		return;

	/* RFC 5438 §7.1.1: to the IM's sender, the CPIM From */
	memset(&ipp, 0, sizeof(ipp));
	ipp.id       = p->id;
	ipp.app      = p->appid;
	ipp.sender   = p->cpim && p->cpim->from ? p->cpim->from : p->sender;
	ipp.msgid    = p->imdn_msgid;
	ipp.dispo    = p->imdn_dispo;
	ipp.datetime = p->cpim ? p->cpim->datetime : NULL;

	err = imdnpush_verdict(ih->ip, &ipp, scode, reason);
	if (err)
		DEBUG_WARNING("push %llu: no IMDN for %u (%m)\n",
			      (unsigned long long)p->id, scode, err);
}


/**
 * Start IMDN: observe the verdicts, send through the core.
 *
 * @param ihp     Result
 * @param sip     SIP stack to send with
 * @param cfg     sip_aor, sip_registrar, credentials, state_dir
 * @param dlv     Delivery, whose verdicts are observed
 * @param router  The record of subscriptions (owner check of DISPOSED)
 *
 * @return 0 (also without CONFIG_XML: then nothing is sent), or errno
 */
int imdnhook_alloc(struct imdnhook **ihp, struct sip *sip,
		   const struct config *cfg, struct deliver *dlv,
		   struct router *router)
{
	struct imdnsend_conf conf;
	struct imdnhook *ih;
	char dir[512];
	int err;

	if (!ihp || !sip || !cfg || !dlv || !router)
		return EINVAL;

	ih = mem_zalloc(sizeof(*ih), destructor);
	if (!ih)
		return ENOMEM;

	ih->dlv    = mem_ref(dlv);
	ih->router = mem_ref(router);

	if (re_snprintf(dir, sizeof(dir), "%s/imdn", cfg->state_dir) < 0) {
		err = ENAMETOOLONG;
		goto out;
	}

	memset(&conf, 0, sizeof(conf));
	conf.aor        = cfg->sip_aor;
	conf.registrar  = cfg->sip_registrar;
	conf.auth_user  = cfg->sip_auth_user;
	conf.auth_pass  = cfg->sip_auth_pass;
	conf.dir        = dir;
	conf.max        = PENDING_MAX;
	conf.max_age    = PENDING_AGE;
	conf.retry_base = RETRY_BASE_MS;
	conf.retry_max  = RETRY_MAX_MS;

	err = imdnsend_alloc(&ih->is, sip, &conf);
	if (err == ENOTSUP) {
		err = 0;           /* CONFIG_XML=n: no IMDN */
		goto out;
	}
	if (err) {
		DEBUG_WARNING("IMDN store %s: %m\n", dir, err);
		goto out;
	}

	err = imdnpush_alloc(&ih->ip, ih->is, REMEMBER_MAX, REMEMBER_AGE);
	if (err)
		goto out;

	err = deliver_observe(dlv, verdict_handler, ih);

 out:
	if (err)
		mem_deref(ih);
	else
		*ihp = ih;

	return err;
}


/**
 * The owner reports that it processed or displayed push id: send the
 * processing or display notification the sender asked for.
 *
 * @param ih         IMDN hook
 * @param handle     The reporting subscriber (its IPC client)
 * @param id         Push Id
 * @param displayed  displayed (else processed)
 *
 * @return 0, ENOENT (no such push asked for it), EPERM (handle does not
 *         own the push's app), EALREADY, ENOTSUP (no IMDN)
 */
int imdnhook_disposed(struct imdnhook *ih, void *handle, uint64_t id,
		      bool displayed)
{
	const char *app;
	bool monitor = true;

	if (!ih || !ih->ip)
		return ENOTSUP;

	app = imdnpush_app(ih->ip, id);
	if (!app)
		return ENOENT;

	if (!router_subscribed(ih->router, handle, app, &monitor) || monitor)
		return EPERM;

	return imdnpush_disposed(ih->ip, id, displayed ? IMDNPUSH_DISPLAYED :
				 IMDNPUSH_PROCESSED);
}


/**
 * A reloaded configuration: notifications go out as its sip_aor, with
 * its credentials (a push taken before keeps its IMDN, sent as the new
 * identity, which is the one registered).
 */
void imdnhook_set_config(struct imdnhook *ih, const struct config *cfg)
{
	int err;

	if (!ih || !ih->is || !cfg)
		return;

	err = imdnsend_set_identity(ih->is, cfg->sip_aor, cfg->sip_auth_user,
				    cfg->sip_auth_pass);
	if (err)
		DEBUG_WARNING("IMDN keeps the old identity: %m\n", err);
}


/** Notifications follow the route set of the registration (route.c). */
void imdnhook_set_routes(struct imdnhook *ih, struct route_set *routes)
{
	if (ih)
		imdnsend_set_routes(ih->is, routes);
}


int imdnhook_status(struct re_printf *pf, const struct imdnhook *ih)
{
	if (!ih || !ih->is)
		return 0;

	return re_hprintf(pf, "imdn_pending=%u\nimdn_sent=%u\n"
			  "imdn_dropped=%u\nimdn_awaiting_disposed=%u\n",
			  imdnsend_pending(ih->is), imdnsend_sent(ih->is),
			  imdnsend_dropped(ih->is), imdnpush_count(ih->ip));
}
