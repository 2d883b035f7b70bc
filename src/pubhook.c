/* pubhook.c: publish yes: our push capabilities (the advertised app IDs, their owners' filters) published as PIDF once registered, again when they change, removed at shutdown. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "appset.h"
#include "config.h"
#include "pidf.h"
#include "publish.h"
#include "router.h"
#include "pubhook.h"

#define DEBUG_MODULE "pubhook"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * The wiring of PUBLISH (publish.c) and its document (pidf.c) to what
 * the daemon advertises: one open tuple per application ID of the
 * Contact's +g.oma.pusheventapp (appset.c), described by its owner's
 * content-type filter when one is connected (router.c). Nothing goes
 * out before the first REGISTER 200: the presence server is reached
 * through the registration's route set (route.c), and our contact is
 * only known then. A change is coalesced (COALESCE_MS) and published
 * only if the document differs from the one the server holds, so a
 * burst of subscriptions at boot is one PUBLISH and a subscription that
 * changes nothing none.
 */

enum {
	COALESCE_MS = 200,
	DOC_MAX     = 16384,   /* PIDF_SERVICES_MAX tuples of ~250 bytes */
};

struct pubhook {
	struct publish *pub;
	struct appset *apps;
	struct router *router;
	struct tmr tmr;
	char *aor;
	char *auth_user;
	char *auth_pass;
	char *doc;                  /* the document last handed to publish.c */
	pubhook_contact_h *contacth;
	void *arg;
	bool registered;
};


static void destructor(void *arg)
{
	struct pubhook *ph = arg;

	tmr_cancel(&ph->tmr);
	mem_deref(ph->pub);
	mem_deref(ph->apps);
	mem_deref(ph->router);
	mem_deref(ph->aor);
	mem_deref(ph->auth_user);
	mem_deref(ph->auth_pass);
	mem_deref(ph->doc);
}


/* The PIDF of what we serve now */
static int doc_build(struct mbuf *mb, struct pubhook *ph)
{
	const char *ids[PIDF_SERVICES_MAX];
	struct pidf_service sv[PIDF_SERVICES_MAX];
	char *contact = NULL;
	size_t n;
	int err;

	n = appset_ids(ph->apps, ids, ARRAY_SIZE(ids));
	if (appset_count(ph->apps) > n)
		DEBUG_NOTICE("%zu application IDs; the first %zu published\n",
			     appset_count(ph->apps), n);

	for (size_t i = 0; i < n; i++) {
		struct route rt;

		memset(&sv[i], 0, sizeof(sv[i]));
		sv[i].id = ids[i];
		if (router_lookup(ph->router, ids[i], NULL, &rt) == ROUTE_OK)
			sv[i].description = rt.filter;
	}

	if (ph->contacth)
		(void)re_sdprintf(&contact, "%H", ph->contacth, ph->arg);

	err = pidf_encode(mb, ph->aor, contact && contact[0] ? contact : NULL,
			  sv, n);
	mem_deref(contact);

	return err;
}


/* publish.c asks for the document (every full PUBLISH) */
static int body_handler(struct mbuf *mb, void *arg)
{
	struct pubhook *ph = arg;
	size_t pos = mb->pos;
	int err;

	err = doc_build(mb, ph);
	if (err)
		return err;

	ph->doc = mem_deref(ph->doc);
	return re_sdprintf(&ph->doc, "%b", mb->buf + pos, mb->end - pos);
}


static void coalesce_handler(void *arg)
{
	struct pubhook *ph = arg;
	struct mbuf *mb;
	bool same;

	mb = mbuf_alloc(1024);
	if (!mb)
		return;

	same = !doc_build(mb, ph) && ph->doc && mb->end == strlen(ph->doc) &&
		!memcmp(mb->buf, ph->doc, mb->end);
	mem_deref(mb);

	switch (publish_state(ph->pub)) {

	case PUBLISH_PUBLISHED:
	case PUBLISH_SENDING:
		if (same)
			return;
		DEBUG_INFO("capabilities changed: publishing them\n");
		break;

	default:
		break;
	}

	(void)publish_now(ph->pub);
}


static void changed(struct pubhook *ph)
{
	if (!ph->registered || tmr_isrunning(&ph->tmr))
		return;

	tmr_start(&ph->tmr, COALESCE_MS, coalesce_handler, ph);
}


static bool streq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}


static bool same_identity(const struct pubhook *ph, const struct config *cfg)
{
	return streq(ph->aor, cfg->sip_aor) &&
		streq(ph->auth_user, cfg->sip_auth_user) &&
		streq(ph->auth_pass, cfg->sip_auth_pass);
}


static int pubhook_alloc(struct pubhook **php, struct sip *sip,
			 const struct config *cfg, struct appset *apps,
			 struct router *router, struct route_set *routes,
			 pubhook_contact_h *contacth, void *arg)
{
	struct publish_conf conf;
	struct pubhook *ph;
	int err;

	ph = mem_zalloc(sizeof(*ph), destructor);
	if (!ph)
		return ENOMEM;

	tmr_init(&ph->tmr);
	ph->apps     = mem_ref(apps);
	ph->router   = mem_ref(router);
	ph->contacth = contacth;
	ph->arg      = arg;

	err  = str_dup(&ph->aor, cfg->sip_aor);
	if (cfg->sip_auth_user)
		err |= str_dup(&ph->auth_user, cfg->sip_auth_user);
	if (cfg->sip_auth_pass)
		err |= str_dup(&ph->auth_pass, cfg->sip_auth_pass);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	memset(&conf, 0, sizeof(conf));
	conf.aor       = cfg->sip_aor;
	conf.registrar = cfg->sip_registrar;
	conf.routes    = routes;
	conf.auth_user = cfg->sip_auth_user;
	conf.auth_pass = cfg->sip_auth_pass;

	err = publish_alloc(&ph->pub, sip, &conf, body_handler, ph);

 out:
	if (err)
		mem_deref(ph);
	else
		*php = ph;

	return err;
}


/**
 * Make the publisher fit the running configuration: none without
 * "publish yes"; the one there is for the same identity (its entity tag
 * stays valid across a rebuild of the stack), now on routes; a new one
 * for another AOR or credentials (the old identity's publication
 * expires on the server).
 *
 * @param php       The daemon's publisher, updated
 * @param sip       SIP stack
 * @param cfg       publish, sip_aor, sip_registrar, credentials
 * @param apps      What we advertise
 * @param router    Who owns it (the filters describe each service)
 * @param routes    The route set of our own requests (route.c)
 * @param contacth  Prints our Contact URI for the document
 * @param arg       Its argument
 *
 * @return 0 if success, otherwise errorcode
 */
int pubhook_setup(struct pubhook **php, struct sip *sip,
		  const struct config *cfg, struct appset *apps,
		  struct router *router, struct route_set *routes,
		  pubhook_contact_h *contacth, void *arg)
{
	int err;

	if (!php || !sip || !cfg || !apps || !router || !routes)
		return EINVAL;

	if (!cfg->publish) {
		*php = mem_deref(*php);
		return 0;
	}

	if (*php && same_identity(*php, cfg)) {
		publish_set_routes((*php)->pub, routes);
		return 0;
	}

	*php = mem_deref(*php);
	err = pubhook_alloc(php, sip, cfg, apps, router, routes, contacth,
			    arg);
	if (err)
		DEBUG_WARNING("publish: %m\n", err);

	return err;
}


/** A REGISTER 200: publish if not yet published, else if it changed. */
void pubhook_registered(struct pubhook *ph)
{
	if (!ph)
		return;

	ph->registered = true;

	switch (publish_state(ph->pub)) {

	case PUBLISH_IDLE:
	case PUBLISH_RETRYING:
		tmr_cancel(&ph->tmr);
		(void)publish_now(ph->pub);
		break;

	default:
		/* our contact may have moved with the binding */
		changed(ph);
		break;
	}
}


/** What we advertise, or who owns it, changed: publish it (coalesced). */
void pubhook_changed(struct pubhook *ph)
{
	if (ph)
		changed(ph);
}


/**
 * Remove our publication (shutdown).
 *
 * @return 0: doneh is called once answered; ENOENT: nothing to remove
 */
int pubhook_remove(struct pubhook *ph, pubhook_done_h *doneh, void *arg)
{
	if (!ph)
		return ENOENT;

	tmr_cancel(&ph->tmr);
	ph->registered = false;

	return publish_remove(ph->pub, doneh, arg);
}


int pubhook_status(struct re_printf *pf, const struct pubhook *ph)
{
	if (!ph)
		return 0;

	return re_hprintf(pf, "publish=%s\npublish_sent=%u\n",
			  publish_state_name(publish_state(ph->pub)),
			  publish_sent(ph->pub));
}
