/* regevent.c: our subscription to the reg event of our AOR (RFC 3680), so the core can tell us at once that it removed the binding. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "backoff.h"
#include "route.h"
#include "uac.h"
#include "xml.h"
#include "regevent.h"

#define DEBUG_MODULE "regevent"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * libre's sipsub keeps the dialog, refreshes it at 90 % and retries a
 * failed refresh twice; we decide what happens after it has ended:
 * a core that does not offer the package (489, 404, 405, 501, 403) is
 * not asked again until the daemon restarts, so a core without reg-event
 * costs one SUBSCRIBE per start, never a retry storm; anything else comes
 * back after a jittered back-off (backoff.c), a "deactivated" or
 * "timeout" termination at once the first time (RFC 6665 §4.1.3).
 */

enum {
	EXPIRES_DFL = 3761,        /* RFC 3680 §6 suggests a bit over 1 h */
	RETRY_BASE  = 30000,
	RETRY_MAX   = 3600000,
};

struct regevent {
	struct sip *sip;
	struct sipevent_sock *sock;
	struct sipsub *sub;
	struct tmr tmr;
	char *aor;
	struct route_set *routes;   /* shared with the daemon (route.c) */
	char *instance;
	struct uac_cred *cred;
	char *cuser;
	uint32_t expires;
	uint32_t retry_base;
	uint32_t retry_max;
	uint32_t failc;
	uint32_t version;
	bool have_version;          /* a document came in this dialog */
	enum regevent_state state;
	uint32_t notifies;
	uint32_t subscribes;
	regevent_contact_h *contacth;
	regevent_action_h *actionh;
	void *arg;
};


static int subscribe(struct regevent *re);


const char *regevent_state_name(enum regevent_state st)
{
	switch (st) {
	case REGEVENT_IDLE:        return "idle";
	case REGEVENT_SUBSCRIBING: return "subscribing";
	case REGEVENT_ACTIVE:      return "active";
	case REGEVENT_RETRYING:    return "retrying";
	case REGEVENT_UNSUPPORTED: return "unsupported";
	default:                   return "?";
	}
}


static void set_state(struct regevent *re, enum regevent_state st)
{
	if (re->state == st)
		return;

	re->state = st;
	DEBUG_INFO("reg-event subscription %s\n", regevent_state_name(st));
}


static void destructor(void *arg)
{
	struct regevent *re = arg;

	tmr_cancel(&re->tmr);
	mem_deref(re->sub);
	mem_deref(re->sock);
	mem_deref(re->aor);
	mem_deref(re->routes);
	mem_deref(re->instance);
	mem_deref(re->cred);
	mem_deref(re->cuser);
	mem_deref(re->sip);
}



static void handle_document(struct regevent *re, const struct sip_msg *msg)
{
	struct reginfo_self self;
	struct reginfo ri;
	enum reginfo_action act;
	char contact[256] = "", err[XML_ERR_SIZE], why[96];
	uint32_t expires = 0;
	int e;

	if (re->contacth)
		(void)re_snprintf(contact, sizeof(contact), "%H",
				  re->contacth, re->arg);

	self.aor      = re->aor;
	self.contact  = contact[0] ? contact : NULL;
	self.instance = re->instance;

	e = reginfo_decode(&ri, &self, (const char *)mbuf_buf(msg->mb),
			   mbuf_get_left(msg->mb), err, sizeof(err));
	if (e) {
		DEBUG_WARNING("NOTIFY from %J: reginfo refused: %s\n",
			      &msg->src, err);
		(void)sip_treply(NULL, re->sip, msg, 400, "Bad reginfo");
		return;
	}

	(void)sip_treply(NULL, re->sip, msg, 200, "OK");

	/* RFC 3680 §4.1: a version below the last one is old news (a
	 * reordered NOTIFY). The same version again is applied: Kamailio's
	 * presence_reginfo sends version 0 every time (measured with 5.6.3,
	 * test_regevent.sh), and the actions are safe to repeat. */
	if (re->have_version && ri.version < re->version) {
		DEBUG_INFO("reginfo version %u after %u: ignored\n",
			   ri.version, re->version);
		return;
	}
	re->have_version = true;
	re->version = ri.version;

	act = reginfo_action(&ri, &expires);

	DEBUG_INFO("reginfo version %u (%s): our contact %s%s%s -> %s\n",
		   ri.version, ri.full ? "full" : "partial",
		   !ri.contact_found ? "not listed" :
		   ri.contact_active ? "active" : "terminated",
		   ri.event ? ", event " : "", reginfo_event_name(ri.event),
		   reginfo_action_name(act));

	if (act == REGINFO_NOTHING || !re->actionh)
		return;

	(void)re_snprintf(why, sizeof(why), "%s %s",
			  ri.contact_found ? (ri.contact_active ?
					      "active" : "terminated") :
			  "registration terminated",
			  reginfo_event_name(ri.event));
	re->actionh(act, expires, why, re->arg);
}


static void notify_handler(struct sip *sip, const struct sip_msg *msg,
			   void *arg)
{
	struct regevent *re = arg;
	(void)sip;

	++re->notifies;
	re->failc = 0;
	set_state(re, REGEVENT_ACTIVE);

	if (!mbuf_get_left(msg->mb)) {
		/* pending, or a terminating NOTIFY without a body */
		(void)sip_treply(NULL, re->sip, msg, 200, "OK");
		return;
	}

	if (!msg_ctype_cmp(&msg->ctyp, "application", "reginfo+xml")) {
		DEBUG_WARNING("NOTIFY from %J: Content-Type %r/%r refused\n",
			      &msg->src, &msg->ctyp.type, &msg->ctyp.subtype);
		(void)sip_treplyf(NULL, NULL, re->sip, msg, false, 415,
				  "Unsupported Media Type",
				  "Accept: application/reginfo+xml\r\n"
				  "Content-Length: 0\r\n\r\n");
		return;
	}

	handle_document(re, msg);
}


static void tmr_handler(void *arg)
{
	struct regevent *re = arg;
	int err;

	err = subscribe(re);
	if (err) {
		re->failc++;
		DEBUG_WARNING("cannot SUBSCRIBE: %m\n", err);
		set_state(re, REGEVENT_RETRYING);
		tmr_start(&re->tmr, backoff_delay(re->failc, re->retry_base,
						  re->retry_max, rand_u16()),
			  tmr_handler, re);
	}
}



static void close_handler(int err, const struct sip_msg *msg,
			  const struct sipevent_substate *ss, void *arg)
{
	struct regevent *re = arg;
	uint64_t delay;

	re->sub = mem_deref(re->sub);
	re->have_version = false;

	if (msg && msg->scode >= 300 && uac_not_offered(msg->scode)) {
		DEBUG_NOTICE("reg-event not offered by the core (%u %r); "
			     "not subscribing again\n", msg->scode,
			     &msg->reason);
		set_state(re, REGEVENT_UNSUPPORTED);
		return;
	}

	if (ss && (ss->reason == SIPEVENT_REJECTED ||
		   ss->reason == SIPEVENT_NORESOURCE)) {
		DEBUG_NOTICE("reg-event subscription %s by the core; "
			     "not subscribing again\n",
			     sipevent_reason_name(ss->reason));
		set_state(re, REGEVENT_UNSUPPORTED);
		return;
	}

	re->failc++;

	if (ss && (ss->reason == SIPEVENT_DEACTIVATED ||
		   ss->reason == SIPEVENT_TIMEOUT) && re->failc == 1) {
		delay = 0;
	}
	else if (ss && pl_isset(&ss->retry_after)) {
		delay = (uint64_t)pl_u32(&ss->retry_after) * 1000;
		if (delay > re->retry_max)
			delay = re->retry_max;
	}
	else {
		delay = backoff_delay(re->failc, re->retry_base,
				      re->retry_max, rand_u16());
	}

	if (ss)
		DEBUG_NOTICE("reg-event subscription terminated (%s); "
			     "again in %llu ms\n",
			     sipevent_reason_name(ss->reason), delay);
	else if (msg)
		DEBUG_NOTICE("SUBSCRIBE failed (%u %r); again in %llu ms\n",
			     msg->scode, &msg->reason, delay);
	else
		DEBUG_NOTICE("reg-event subscription lost (%m); "
			     "again in %llu ms\n", err, delay);

	set_state(re, REGEVENT_RETRYING);
	tmr_start(&re->tmr, delay, tmr_handler, re);
}


static int subscribe(struct regevent *re)
{
	int err;

	err = sipevent_subscribe(&re->sub, re->sock, re->aor, NULL, re->aor,
				 "reg", NULL, re->expires, re->cuser,
				 route_set_v(re->routes),
				 route_set_count(re->routes), uac_auth_handler, re->cred, false,
				 NULL, notify_handler, close_handler, re,
				 "Accept: application/reginfo+xml\r\n");
	if (!err) {
		++re->subscribes;
		set_state(re, REGEVENT_SUBSCRIBING);
	}

	return err;
}


/**
 * Prepare the subscription; nothing is sent before regevent_start().
 *
 * @param rep       Pointer to allocated subscriber
 * @param sip       SIP stack
 * @param conf      AOR, route, credentials, timers
 * @param contacth  Prints our current Contact URI
 * @param actionh   Called when a document asks for something
 * @param arg       Handler argument
 *
 * @return 0 if success, otherwise errorcode
 */
int regevent_alloc(struct regevent **rep, struct sip *sip,
		   const struct regevent_conf *conf,
		   regevent_contact_h *contacth, regevent_action_h *actionh,
		   void *arg)
{
	struct regevent *re;
	int err = 0;

	if (!rep || !sip || !conf || !conf->aor || !conf->registrar ||
	    !conf->cuser)
		return EINVAL;

	re = mem_zalloc(sizeof(*re), destructor);
	if (!re)
		return ENOMEM;

	tmr_init(&re->tmr);
	re->sip        = mem_ref(sip);
	re->expires    = conf->expires ? conf->expires : EXPIRES_DFL;
	re->retry_base = conf->retry_base ? conf->retry_base : RETRY_BASE;
	re->retry_max  = conf->retry_max ? conf->retry_max : RETRY_MAX;
	re->contacth   = contacth;
	re->actionh    = actionh;
	re->arg        = arg;

	if (conf->routes)
		re->routes = mem_ref(conf->routes);
	else
		err = route_set_alloc(&re->routes, conf->registrar, NULL);
	if (err)
		goto out;

	err  = str_dup(&re->aor, conf->aor);
	err |= str_dup(&re->cuser, conf->cuser);
	if (conf->instance)
		err |= str_dup(&re->instance, conf->instance);
	err |= uac_cred_alloc(&re->cred, conf->auth_user,
			      conf->auth_pass);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	/* small tables: one subscription of ours, no watchers of us */
	err = sipevent_listen(&re->sock, sip, 4, 4, NULL, NULL);

 out:
	if (err)
		mem_deref(re);
	else
		*rep = re;

	return err;
}


/**
 * Subscribe now, if not subscribed or waiting to retry already. Called
 * when the registration succeeds: a subscription needs a binding to
 * deliver its NOTIFYs to.
 *
 * @return 0 if success (or nothing to do), otherwise errorcode
 */
int regevent_start(struct regevent *re)
{
	if (!re)
		return EINVAL;

	if (re->sub || re->state == REGEVENT_UNSUPPORTED ||
	    tmr_isrunning(&re->tmr))
		return 0;

	return subscribe(re);
}


enum regevent_state regevent_state(const struct regevent *re)
{
	return re ? re->state : REGEVENT_IDLE;
}


uint32_t regevent_notifies(const struct regevent *re)
{
	return re ? re->notifies : 0;
}


uint32_t regevent_subscribes(const struct regevent *re)
{
	return re ? re->subscribes : 0;
}
