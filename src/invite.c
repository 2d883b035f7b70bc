/* invite.c: session-mode push, SIP side: INVITE with an MSRP offer in, 200 + SDP out, BYE. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "appid.h"
#include "appset.h"
#include "admit.h"
#include "absent.h"
#include "router.h"
#include "pushmeta.h"
#include "pushreq.h"
#include "sdpmsrp.h"
#include "msrpsess.h"
#include "invite.h"

#define DEBUG_MODULE "invite"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * An INVITE is routed exactly like a MESSAGE (Accept-Contact, then
 * X-Wap-Application-Id, then route_ctype; same 400/403/404/480 answers),
 * then its SDP must offer m=message with TCP/MSRP (or TCP/TLS/MSRP when
 * TLS is built in and configured) and a path, else 488. The answer is
 * sent at once with 200: a push needs no ringing. With a=setup:actpass
 * we dial out right after the 200, not after the ACK (RFC 6135 and the
 * NAT case: the handset is the one that can connect).
 */

struct invite {
	struct sipsess_sock *sock;
	struct sip *sip;
	const struct config *cfg;
	struct appset *apps;
	struct router *router;
	struct absent *ab;          /* apps that are away; NULL: 480 */
	struct msrpsock *ms;
	char *cuser;
	struct list calls;
	uint64_t n_invites;
	uint64_t n_rejected;
};

struct call {
	struct le le;
	struct invite *inv;
	struct sipsess *sess;
	struct msrpsess *ms;
};


static void call_destructor(void *arg)
{
	struct call *call = arg;

	list_unlink(&call->le);
	mem_deref(call->ms);
	mem_deref(call->sess);   /* sends BYE if still established */
}


static void destructor(void *arg)
{
	struct invite *inv = arg;

	list_flush(&inv->calls);
	mem_deref(inv->sock);
	mem_deref(inv->apps);
	mem_deref(inv->router);
	mem_deref(inv->ab);
	mem_deref(inv->ms);
	mem_deref((void *)inv->cfg);
	mem_deref(inv->cuser);
}


/* BYE from the sender, or the session failed at SIP level. Partial
 * content goes with the msrp session (spool files unlinked). */
static void close_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct call *call = arg;
	(void)msg;
	(void)err;

	DEBUG_INFO("session ended by peer (%m)\n", err);
	mem_deref(call);
}


/* The MSRP side gave up (timeout, connection lost): say BYE. */
static void msrp_closed(int err, const char *why, void *arg)
{
	struct call *call = arg;
	(void)err;
	(void)why;

	DEBUG_NOTICE("ending session: %s (%m)\n", why, err);
	mem_deref(call);
}


static void reject(struct invite *inv, const struct sip_msg *msg,
		   uint16_t scode, const char *reason)
{
	struct admit_reply ar = {scode, inv->cfg->retry_after,
				 "application/sdp", NULL};

	++inv->n_rejected;
	DEBUG_NOTICE("INVITE %r from %J: %u %s\n", &msg->callid, &msg->src,
		     scode, reason);

	/* stateful: an INVITE's final answer is retransmitted until the ACK
	 * comes, and the ACK is absorbed by the transaction (RFC 3261 §17.2.1).
	 * A 415 here is about the session description, not the content. */
	(void)sip_treplyf(NULL, NULL, inv->sip, msg, false, scode, reason,
			  "%HContent-Length: 0\r\n\r\n", admit_reply_hdrs, &ar);
}


static void conn_handler(const struct sip_msg *msg, void *arg)
{
	struct invite *inv = arg;
	struct msrpsess_conf sc;
	struct sdp_offer offer;
	struct sdp_answer an;
	struct pushmeta meta;
	struct mbuf *desc = NULL;
	struct call *call = NULL;
	struct admit ad;
	const char *reason = NULL;
	char addr[64];
	uint16_t scode;
	enum sdp_setup role;
	bool relay;
	int err;

	++inv->n_invites;

	/* the content type is per MSRP message: checked there. With no
	 * owner, an app that is stored for or started on demand takes the
	 * session all the same: its message decides (msrpsess/msg.c), and
	 * the app is started now so that it may be there by then */
	scode = admit_check(&ad, msg, inv->cfg, inv->apps, inv->router, NULL);
	if (scode && ad.no_owner &&
	    absent_way(inv->ab, ad.app) != ABSENT_REFUSE) {
		absent_prepare(inv->ab, ad.app);
		scode = 0;
	}
	if (scode) {
		reject(inv, msg, scode, ad.reason);
		return;
	}

	if (!msg_ctype_cmp(&msg->ctyp, "application", "sdp") ||
	    !mbuf_get_left(msg->mb)) {
		reject(inv, msg, 415, "Session Offer Must Be SDP");
		return;
	}

	/* the session's pushes carry the INVITE's record lines (Call-ID,
	 * Date, ...): a field that could not go on them as sent is refused
	 * now, like a MESSAGE's. Its Content-Encoding is the SDP's. */
	scode = pushmeta_read(&meta, msg, NULL, NULL, 0, &reason);
	if (scode) {
		reject(inv, msg, scode, reason);
		return;
	}
	meta.encoding[0] = '\0';

	err = sdpmsrp_offer_decode(&offer, mbuf_buf(msg->mb),
				   mbuf_get_left(msg->mb),
				   msrpsess_tls_ok(inv->ms), &reason);
	if (err) {
		reject(inv, msg, err == EBADMSG ? 400 : 488, reason);
		return;
	}

	role = sdpmsrp_answer_setup(offer.setup);

	/* Through a relay (RFC 4976) the sender dials the first URI of our
	 * path, the relay: we cannot be the active side, and the m= line's
	 * transport is that of the hop to the relay. */
	relay = inv->cfg->msrp_relay != NULL;
	if (relay) {
		if (!msrpsock_relay_path(inv->ms)) {
			reject(inv, msg, 480, "MSRP Relay Not Ready");
			return;
		}
		if (offer.tls != !strncasecmp(inv->cfg->msrp_relay,
					      "msrps:", 6)) {
			reject(inv, msg, 488, offer.tls ?
			       "MSRP Relay Is Not TLS" :
			       "MSRP Relay Needs TLS");
			return;
		}
		if (offer.setup == SETUP_PASSIVE) {
			reject(inv, msg, 488, "a=setup:passive Not Possible "
			       "Through MSRP Relay");
			return;
		}
		if (role == SETUP_ACTIVE)
			role = SETUP_PASSIVE;
	}

	/* all of spool_max_size is taken by messages in progress: this
	 * session's first chunk could only fail; try again later */
	if (msrpsock_spool_full(inv->ms)) {
		reject(inv, msg, 503, "Spool Full");
		return;
	}

	call = mem_zalloc(sizeof(*call), call_destructor);
	if (!call) {
		reject(inv, msg, 500, "Out Of Memory");
		return;
	}
	call->inv = inv;
	list_append(&inv->calls, &call->le, call);

	memset(&sc, 0, sizeof(sc));
	sc.appid       = ad.app;
	sc.sender      = ad.sender;
	sc.asserted    = ad.asserted;
	sc.remote_path = offer.path;
	sc.tls         = offer.tls;
	sc.active      = role == SETUP_ACTIVE;
	sc.relay       = relay;
	sc.meta        = &meta;

	err = msrpsess_alloc(&call->ms, inv->ms, &sc, msrp_closed, call);
	if (err)
		goto fail;

	desc = mbuf_alloc(512);
	if (!desc) {
		err = ENOMEM;
		goto fail;
	}

	if (re_snprintf(addr, sizeof(addr), "%j", &msg->dst) < 0) {
		err = EINVAL;
		goto fail;
	}

	memset(&an, 0, sizeof(an));
	an.addr         = addr;
	an.port         = (uint16_t)msrpsock_port(inv->ms, offer.tls);
	an.tls          = offer.tls;
	an.path         = msrpsess_sdp_path(call->ms);
	an.accept_types = ad.rt.filter ? ad.rt.filter : "*";
	an.max_size     = inv->cfg->msrp_max_size;
	an.setup        = role;
	an.sess_id      = rand_u32();

	err = sdpmsrp_answer_encode(desc, an.addr ? &an : NULL);
	if (err)
		goto fail;
	desc->pos = 0;

	err = compat_sipsess_accept(&call->sess, inv->sock, msg, 200, "OK",
				    inv->cuser, "application/sdp", desc,
				    close_handler, call);
	if (err)
		goto fail;

	DEBUG_INFO("session push for %s from %s: we are %s, path %s\n", ad.app,
		   ad.sender, role == SETUP_ACTIVE ? "active" : "passive",
		   msrpsess_sdp_path(call->ms));

	/* dial out now, not after the ACK */
	(void)msrpsess_start(call->ms);
	mem_deref(desc);
	return;

 fail:
	DEBUG_WARNING("cannot accept INVITE: %m\n", err);
	mem_deref(desc);
	if (call && !call->sess) {
		mem_deref(call);
		reject(inv, msg, 500, "Cannot Set Up Session");
	}
	else {
		mem_deref(call);
	}
}


/**
 * Start taking session-mode pushes.
 *
 * @param invp    Pointer to allocated INVITE handler
 * @param sip     SIP stack
 * @param cfg     Configuration; referenced until invite_set_config()
 * @param cuser   User part of our Contact
 * @param apps    Advertised application IDs
 * @param router  Routing table
 * @param ms      MSRP listener and sessions
 */
int invite_alloc(struct invite **invp, struct sip *sip,
		 const struct config *cfg, const char *cuser,
		 struct appset *apps, struct router *router,
		 struct msrpsock *ms)
{
	struct invite *inv;
	int err;

	if (!invp || !sip || !cfg || !cuser || !apps || !router || !ms)
		return EINVAL;

	inv = mem_zalloc(sizeof(*inv), destructor);
	if (!inv)
		return ENOMEM;

	list_init(&inv->calls);
	inv->sip    = sip;
	inv->cfg    = mem_ref((void *)cfg);
	inv->apps   = mem_ref(apps);
	inv->router = mem_ref(router);
	inv->ms     = mem_ref(ms);

	err = str_dup(&inv->cuser, cuser);
	if (!err)
		err = sipsess_listen(&inv->sock, sip, 64, conn_handler, inv);

	if (err)
		mem_deref(inv);
	else
		*invp = inv;

	return err;
}


/** What to do with INVITEs for apps that are away (NULL: 480). */
void invite_set_absent(struct invite *inv, struct absent *ab)
{
	if (!inv)
		return;

	mem_deref(inv->ab);
	inv->ab = mem_ref(ab);
}


/** Use a reloaded configuration from now on. */
void invite_set_config(struct invite *inv, const struct config *cfg)
{
	if (!inv || !cfg)
		return;

	mem_deref((void *)inv->cfg);
	inv->cfg = mem_ref((void *)cfg);
}


/** Is msg an in-dialog request of one of our sessions? */
bool invite_has_dialog(const struct invite *inv, const struct sip_msg *msg)
{
	if (!inv || !msg)
		return false;

	for (struct le *le = list_head(&inv->calls); le; le = le->next) {
		const struct call *call = le->data;

		if (call->sess &&
		    sip_dialog_cmp(sipsess_dialog(call->sess), msg))
			return true;
	}

	return false;
}


/** The Contact of answers from now on (a GRUU, or the Contact user) */
int invite_set_contact(struct invite *inv, const char *contact)
{
	char *c = NULL;
	int err;

	if (!inv || !contact)
		return EINVAL;

	err = str_dup(&c, contact);
	if (err)
		return err;

	mem_deref(inv->cuser);
	inv->cuser = c;

	return 0;
}


/**
 * End every session now (MSRP's local address is gone): their messages
 * fail (a Failure REPORT where the connection still takes one, 408:
 * the sender may try again) and each gets a BYE over the SIP stack,
 * which has moved to the new address already.
 */
void invite_end_all(struct invite *inv, const char *why)
{
	struct le *le;

	if (!inv)
		return;

	while ((le = list_head(&inv->calls))) {
		struct call *call = le->data;

		DEBUG_NOTICE("ending session: %s\n", why);
		msrpsess_fail_all(call->ms, 408, why);
		mem_deref(call);   /* BYE */
	}
}


/** Sessions in progress */
uint32_t invite_calls(const struct invite *inv)
{
	return inv ? list_count(&inv->calls) : 0;
}


int invite_status(struct re_printf *pf, const struct invite *inv)
{
	if (!inv)
		return 0;

	return re_hprintf(pf, "invites=%llu\ninvites_rejected=%llu\n"
			  "sessions_active=%u\n", inv->n_invites,
			  inv->n_rejected, list_count(&inv->calls));
}
