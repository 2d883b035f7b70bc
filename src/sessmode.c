/* sessmode.c: session-mode push (INVITE + MSRP): builds the MSRP listener and the INVITE handler, and rebuilds them. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "msrpsess.h"
#include "invite.h"
#include "msrprelay.h"
#include "regresp.h"
#include "sessmode.h"

#define DEBUG_MODULE "sessmode"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * A rebuild (new address, msrp_listen, relay, TLS files) replaces the
 * listener, the relay client and the INVITE handler. Sessions in
 * progress live in those, and a session cannot move to a new listener,
 * so while any is active the rebuild waits for them to end (each is
 * bounded by msrp_connect_timeout and msrp_idle_timeout): a message
 * that was accepted is never cut off by a reload. Except when SIP's
 * address moved away from MSRP's: those sessions are dead already, so
 * they end at once (Failure REPORT where possible, BYE) and MSRP
 * follows SIP to the new address.
 */

enum {
	WAIT_MS  = 1000,     /* look again whether the sessions ended */
	RETRY_MS = 5000,     /* a rebuild that failed (address not there) */
};

struct sessmode {
	struct msrpsock *ms;
	struct invite *inv;
	struct msrprelay *relay;
	/* what a (re)build uses */
	struct sip *sip;
	const struct config *cfg;
	char *cuser;
	char *gruu;             /* our public GRUU, once the core gave one */
	/* the Contact of our INVITE answers: gruu, else cuser */
	char contact[REGRESP_MAX_URI + 1];
	struct sa laddr;        /* SIP's address: MSRP's default */
	struct appset *apps;
	struct router *router;
	struct deliver *dlv;
	struct absent *ab;      /* apps that are away (absent.c), or NULL */
	struct tmr tmr;         /* a rebuild waiting for the sessions */
};


static void parts_free(struct sessmode *sm)
{
	sm->inv   = mem_deref(sm->inv);
	/* before the listener: its connection lives in the listener's code */
	sm->relay = mem_deref(sm->relay);
	sm->ms    = mem_deref(sm->ms);
}


static void destructor(void *arg)
{
	struct sessmode *sm = arg;

	tmr_cancel(&sm->tmr);
	parts_free(sm);
	mem_deref((void *)sm->cfg);
	mem_deref(sm->cuser);
	mem_deref(sm->gruu);
	mem_deref(sm->apps);
	mem_deref(sm->router);
	mem_deref(sm->dlv);
	mem_deref(sm->ab);
}


/*
 * MSRP listens on msrp_listen, or on SIP's address with a free port.
 * msrps (TCP/TLS/MSRP) is offered only with a tls_cert_file: the peer
 * may connect to us, and then we need a certificate to show.
 */
static int build(struct sessmode *sm)
{
	const struct config *cfg = sm->cfg;
	struct tls *tls = NULL;
	struct sa laddr;
	int err;

	/* no network yet: built when SIP has an address (sessmode_reset) */
	if (!cfg->msrp_listen && !sa_isset(&sm->laddr, SA_ADDR))
		return 0;

	if (cfg->msrp_listen) {
		err = sa_decode(&laddr, cfg->msrp_listen,
				strlen(cfg->msrp_listen));
		if (err)
			goto out;
	}
	else {
		laddr = sm->laddr;
		sa_set_port(&laddr, 0);
	}

	if (CONFIG_TLS && cfg->tls_cert_file) {
		err = tls_alloc(&tls, TLS_METHOD_SSLV23, cfg->tls_cert_file,
				NULL);
		if (err) {
			DEBUG_WARNING("msrps: tls_cert_file %s: %m\n",
				      cfg->tls_cert_file, err);
			goto out;
		}
	}

	err = msrpsock_alloc(&sm->ms, &laddr, tls, cfg, sm->router, sm->dlv);
	if (err)
		goto out;

	if (cfg->msrp_relay) {
		struct msrprelay_conf rc;

		memset(&rc, 0, sizeof(rc));
		rc.uri  = cfg->msrp_relay;
		/* the relay is the operator's, like the registrar: without
		 * credentials of its own it gets the SIP ones (the pair) */
		rc.user = cfg->msrp_relay_user ? cfg->msrp_relay_user :
			cfg->sip_auth_user;
		rc.pass = cfg->msrp_relay_user ? cfg->msrp_relay_pass :
			cfg->sip_auth_pass;

		err = msrprelay_alloc(&sm->relay, sm->ms, &rc);
		if (err)
			goto out;
	}

	err = invite_alloc(&sm->inv, sm->sip, cfg, sm->contact, sm->apps,
			   sm->router, sm->ms);
	if (err)
		goto out;

	msrpsock_set_absent(sm->ms, sm->ab);
	invite_set_absent(sm->inv, sm->ab);

 out:
	mem_deref(tls);
	if (err)
		parts_free(sm);

	return err;
}


static void rebuild_tmr(void *arg)
{
	struct sessmode *sm = arg;
	uint32_t active = invite_calls(sm->inv);
	int err;

	if (active) {
		tmr_start(&sm->tmr, WAIT_MS, rebuild_tmr, sm);
		return;
	}

	parts_free(sm);
	err = build(sm);
	if (err) {
		DEBUG_WARNING("session mode not rebuilt (%m); again in %u s\n",
			      err, RETRY_MS / 1000);
		tmr_start(&sm->tmr, RETRY_MS, rebuild_tmr, sm);
		return;
	}

	DEBUG_INFO("session mode rebuilt: MSRP on port %d\n",
		   msrpsock_port(sm->ms, false));
}


/**
 * Start taking session-mode pushes.
 *
 * @param smp        Pointer to allocated session mode
 * @param sip        SIP stack (it outlives a rebuild of its transports)
 * @param cfg        Configuration; referenced
 * @param cuser      User part of our Contact (copied)
 * @param sip_laddr  SIP's local address: MSRP's unless msrp_listen
 * @param apps       Advertised application IDs
 * @param router     Routing table
 * @param dlv        Delivery to apps
 */
int sessmode_alloc(struct sessmode **smp, struct sip *sip,
		   const struct config *cfg, const char *cuser,
		   const struct sa *sip_laddr, struct appset *apps,
		   struct router *router, struct deliver *dlv)
{
	struct sessmode *sm;
	int err;

	if (!smp || !sip || !cfg || !cuser || !sip_laddr)
		return EINVAL;

	sm = mem_zalloc(sizeof(*sm), destructor);
	if (!sm)
		return ENOMEM;

	tmr_init(&sm->tmr);
	sm->sip    = sip;
	sm->cfg    = mem_ref((void *)cfg);
	sm->laddr  = *sip_laddr;
	sm->apps   = mem_ref(apps);
	sm->router = mem_ref(router);
	sm->dlv    = mem_ref(dlv);

	err = str_dup(&sm->cuser, cuser);
	if (!err) {
		str_ncpy(sm->contact, cuser, sizeof(sm->contact));
		err = build(sm);
	}

	if (err)
		mem_deref(sm);
	else
		*smp = sm;

	return err;
}


/**
 * Build listener, relay client and INVITE handler again from cfg, for
 * a new SIP address and user; at once when no session is active, else
 * when the last one has ended.
 */
int sessmode_reset(struct sessmode *sm, const struct config *cfg,
		   const char *cuser, const struct sa *sip_laddr)
{
	uint32_t active;
	char *c = NULL;
	int err;

	if (!sm || !cfg || !cuser || !sip_laddr)
		return EINVAL;

	err = str_dup(&c, cuser);
	if (err)
		return err;

	mem_deref(sm->cuser);
	sm->cuser = c;
	str_ncpy(sm->contact, sm->gruu ? sm->gruu : c, sizeof(sm->contact));
	sessmode_set_config(sm, cfg);
	sm->laddr = *sip_laddr;

	/* MSRP on SIP's old address: that address is gone (or no longer
	 * ours towards the core), so are its connections. The sessions end
	 * now, not after msrp_idle_timeout, and MSRP moves with SIP. */
	active = invite_calls(sm->inv);
	if (active && !cfg->msrp_listen && sm->ms &&
	    !sa_cmp(msrpsock_laddr(sm->ms), sip_laddr, SA_ADDR)) {
		DEBUG_NOTICE("session mode: MSRP address %j gone: ending %u "
			     "session%s\n", msrpsock_laddr(sm->ms), active,
			     active == 1 ? "" : "s");
		invite_end_all(sm->inv, "local address gone");
		active = 0;
	}
	if (active)
		DEBUG_NOTICE("session mode: %u session%s in progress; MSRP "
			     "changes apply when they have ended\n", active,
			     active == 1 ? "" : "s");

	tmr_start(&sm->tmr, 0, rebuild_tmr, sm);

	return 0;
}


/** Content for apps that are away: stored, or held while they start. */
void sessmode_set_absent(struct sessmode *sm, struct absent *ab)
{
	if (!sm)
		return;

	/* kept: a rebuild gives it to the new listener and handler */
	mem_deref(sm->ab);
	sm->ab = mem_ref(ab);
	msrpsock_set_absent(sm->ms, ab);
	invite_set_absent(sm->inv, ab);
}


/**
 * Answer INVITEs with this Contact (our public GRUU, RFC 5627 §4.3:
 * in-dialog requests then reach this instance through the core), or
 * with the plain Contact user again (NULL).
 */
void sessmode_set_contact(struct sessmode *sm, const char *gruu)
{
	if (!sm)
		return;

	sm->gruu = mem_deref(sm->gruu);
	if (gruu && str_dup(&sm->gruu, gruu))
		DEBUG_WARNING("GRUU not kept: out of memory\n");

	str_ncpy(sm->contact, sm->gruu ? sm->gruu : sm->cuser,
		 sizeof(sm->contact));
	(void)invite_set_contact(sm->inv, sm->contact);
}


/** Use a reloaded configuration (limits and timers) from now on. */
void sessmode_set_config(struct sessmode *sm, const struct config *cfg)
{
	if (!sm || !cfg)
		return;

	mem_deref((void *)sm->cfg);
	sm->cfg = mem_ref((void *)cfg);
	msrpsock_set_config(sm->ms, cfg);
	invite_set_config(sm->inv, cfg);
}


/** Is msg an in-dialog request of one of our push sessions? */
bool sessmode_has_dialog(const struct sessmode *sm, const struct sip_msg *msg)
{
	return sm && invite_has_dialog(sm->inv, msg);
}


/** The methods session mode adds to Allow */
const char *sessmode_methods(void)
{
	return "INVITE, ACK, BYE, CANCEL, ";
}


int sessmode_status(struct re_printf *pf, const struct sessmode *sm)
{
	if (!sm)
		return 0;

	return invite_status(pf, sm->inv) | msrpsock_status(pf, sm->ms);
}
