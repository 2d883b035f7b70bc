/* sessmode.c: session-mode push (INVITE + MSRP): builds the MSRP listener and the INVITE handler. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "msrpsess.h"
#include "invite.h"
#include "msrprelay.h"
#include "sessmode.h"

#define DEBUG_MODULE "sessmode"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include <re_dbg.h>

struct sessmode {
	struct msrpsock *ms;
	struct invite *inv;
	struct msrprelay *relay;
};


static void destructor(void *arg)
{
	struct sessmode *sm = arg;

	mem_deref(sm->inv);
	/* before the listener: its connection lives in the listener's code */
	mem_deref(sm->relay);
	mem_deref(sm->ms);
}


/**
 * Start taking session-mode pushes.
 *
 * MSRP listens on msrp_listen, or on SIP's address with a free port.
 * msrps (TCP/TLS/MSRP) is offered only with a tls_cert_file: the peer
 * may connect to us, and then we need a certificate to show.
 */
int sessmode_alloc(struct sessmode **smp, struct sip *sip,
		   const struct config *cfg, const char *cuser,
		   const struct sa *sip_laddr, struct appset *apps,
		   struct router *router, struct deliver *dlv)
{
	struct sessmode *sm;
	struct tls *tls = NULL;
	struct sa laddr;
	int err;

	if (!smp || !sip || !cfg || !sip_laddr)
		return EINVAL;

	sm = mem_zalloc(sizeof(*sm), destructor);
	if (!sm)
		return ENOMEM;

	if (cfg->msrp_listen) {
		err = sa_decode(&laddr, cfg->msrp_listen,
				strlen(cfg->msrp_listen));
		if (err)
			goto out;
	}
	else {
		laddr = *sip_laddr;
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

	err = msrpsock_alloc(&sm->ms, &laddr, tls, cfg, router, dlv);
	if (err)
		goto out;

	if (cfg->msrp_relay) {
		struct msrprelay_conf rc;

		memset(&rc, 0, sizeof(rc));
		rc.uri  = cfg->msrp_relay;
		rc.user = cfg->msrp_relay_user;
		rc.pass = cfg->msrp_relay_pass;

		err = msrprelay_alloc(&sm->relay, sm->ms, &rc);
		if (err == ENOTSUP)
			DEBUG_WARNING("msrp_relay is set, but MSRP relays are "
				      "not built in (CONFIG_MSRP_RELAY)\n");
		if (err)
			goto out;
	}

	err = invite_alloc(&sm->inv, sip, cfg, cuser, apps, router, sm->ms);

 out:
	mem_deref(tls);
	if (err)
		mem_deref(sm);
	else
		*smp = sm;

	return err;
}


void sessmode_set_config(struct sessmode *sm, const struct config *cfg)
{
	if (!sm || !cfg)
		return;

	msrpsock_set_config(sm->ms, cfg);
	invite_set_config(sm->inv, cfg);
}


int sessmode_status(struct re_printf *pf, const struct sessmode *sm)
{
	if (!sm)
		return 0;

	return invite_status(pf, sm->inv) | msrpsock_status(pf, sm->ms);
}
