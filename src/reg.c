/* reg.c: keeps one registration binding at the core alive, with our feature tags. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "backoff.h"
#include "natka.h"
#include "regresp.h"
#include "reg.h"

#define DEBUG_MODULE "reg"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Our own REGISTER client on libre's dialog/request/auth primitives, not
 * sipreg. libre 1.1.0's sipreg cannot put ";ob" inside the Contact URI
 * (RFC 5626 §5.2 needs it there), has no "register now" call for flow
 * recovery, and retries a rejected password until its loop detector gives
 * up (16 REGISTERs in a burst). Owning the state machine fixes all three,
 * and sipreg_register's removal in libre 4.0 stops mattering.
 */

enum {
	REFRESH_PCT   = 90,    /* refresh at 90 % of the granted expiry */
	MAX_AUTH      = 2,     /* credentials per cycle: one, one more if stale */
	MAX_423       = 2,
};

struct reg {
	struct sip *sip;
	struct sip_dialog *dlg;
	struct sip_auth *auth;
	struct sip_request *req;
	struct sip_keepalive *ka;
	struct natka *natka;      /* STUN keep-alive of a UDP flow */
	struct regresp *resp;     /* what the last 2xx told us */
	struct tmr tmr;
	char *cuser;
	char *allow;
	char *auth_user;
	char *auth_pass;
	char *instance;
	struct sa laddr;          /* where the last REGISTER went out from */
	struct sa peer;           /* the flow's far end (last 2xx's source) */
	struct sa nostun;         /* an edge that did not answer STUN */
	enum sip_transp tp;
	uint32_t regid;
	uint32_t expires;         /* what we ask for */
	uint32_t granted;         /* what the registrar gave */
	uint32_t keepalive;
	uint32_t keepalive_udp;
	uint32_t retry_base;
	uint32_t retry_max;
	uint32_t failc;
	uint32_t authc;           /* credentials sent this cycle */
	uint32_t c423;
	uint32_t sent;            /* REGISTERs sent in all */
	uint32_t challenges;      /* 401/407 answers in all */
	enum reg_state state;
	bool unreg;
	bool again;               /* reg_now() while a request was out */
	bool authed;              /* auth holds a nonce the core accepted */
	bool preauth;             /* this request carries that nonce */
	reg_params_h *paramsh;
	reg_state_h *stateh;
	void *arg;
	reg_done_h *doneh;
	void *donearg;
};


static int send_register(struct reg *reg);
static void tmr_handler(void *arg);


static void destructor(void *arg)
{
	struct reg *reg = arg;

	tmr_cancel(&reg->tmr);
	mem_deref(reg->ka);
	mem_deref(reg->natka);
	mem_deref(reg->resp);
	mem_deref(reg->req);
	mem_deref(reg->dlg);
	mem_deref(reg->auth);
	mem_deref(reg->cuser);
	mem_deref(reg->allow);
	mem_deref(reg->auth_user);
	mem_deref(reg->auth_pass);
	mem_deref(reg->instance);
	mem_deref(reg->sip);
}


const char *reg_state_name(enum reg_state state)
{
	switch (state) {
	case REG_IDLE:        return "idle";
	case REG_REGISTERING: return "registering";
	case REG_REGISTERED:  return "registered";
	case REG_FAILED:      return "failed";
	case REG_STOPPED:     return "stopped";
	default:              return "?";
	}
}


/* One log line and one callback per change, never per retry. */
static void set_state(struct reg *reg, enum reg_state state, uint16_t scode,
		      const char *reason)
{
	if (reg->state == state)
		return;

	reg->state = state;

	if (state == REG_REGISTERED)
		DEBUG_INFO("registered (expires %u s)\n", reg->granted);
	else if (state == REG_FAILED)
		DEBUG_WARNING("registration failed: %u %s\n", scode,
			      reason ? reason : "");
	else if (state == REG_STOPPED)
		DEBUG_WARNING("registration stopped: %s; not registering "
			      "again until the daemon restarts\n",
			      reason ? reason : "");
	else {
		DEBUG_INFO("%s\n", reg_state_name(state));
	}

	if (reg->stateh)
		reg->stateh(state, scode, reason, reg->arg);
}


/*
 * A refresh (or the re-REGISTER after a network change) reuses the nonce
 * of the last accepted REGISTER: libre's auth sends it again with nc+1,
 * so a core that still knows the nonce answers 200 at once: one round
 * trip instead of two. If the core refuses it, the fresh challenge is
 * answered as usual (reg_challenge()).
 */
static void start_cycle(struct reg *reg)
{
	int err;

	if (!reg->authed)
		sip_auth_reset(reg->auth);
	reg->preauth = reg->authed;
	reg->authc = 0;
	reg->c423  = 0;

	err = send_register(reg);
	if (err) {
		/* no request went out: nothing to answer, so go round again */
		DEBUG_WARNING("cannot send REGISTER: %m\n", err);
		reg->failc++;
		tmr_start(&reg->tmr, backoff_delay(reg->failc, reg->retry_base,
						   reg->retry_max, rand_u16()),
			  tmr_handler, reg);
		set_state(reg, REG_FAILED, 0, "cannot send");
	}
}


static void tmr_handler(void *arg)
{
	start_cycle(arg);
}


static void retry_later(struct reg *reg, uint16_t scode, const char *reason)
{
	uint64_t delay;

	reg->failc++;
	delay = backoff_delay(reg->failc, reg->retry_base, reg->retry_max,
			      rand_u16());

	/* this line is per retry, on purpose: the state line is not */
	DEBUG_NOTICE("REGISTER failed (%u %s); retry %u in %llu ms\n", scode,
		     reason ? reason : "", reg->failc, delay);

	reg->ka = mem_deref(reg->ka);
	reg->natka = mem_deref(reg->natka);
	tmr_start(&reg->tmr, delay, tmr_handler, reg);
	set_state(reg, REG_FAILED, scode, reason);
}


/* The flow to the core broke (keep-alive unanswered, connection closed):
 * RFC 5626 §4.4.1 says register again at once, then back off. */
static void flow_lost(struct reg *reg, int err)
{
	DEBUG_NOTICE("flow to registrar lost (%m); registering again\n", err);

	reg->ka = mem_deref(reg->ka);
	reg->natka = mem_deref(reg->natka);

	if (reg->unreg || reg->req)
		return;

	tmr_cancel(&reg->tmr);
	if (reg->failc == 0)
		start_cycle(reg);
	else
		retry_later(reg, 0, "flow lost");
}


static void keepalive_handler(int err, void *arg)
{
	flow_lost(arg, err);
}


static void natka_handler(enum natka_event ev, int err,
			  const struct sa *mapped, void *arg)
{
	struct reg *reg = arg;

	switch (ev) {

	case NATKA_CHANGED:
		/* the core's binding points at a mapping the NAT dropped */
		DEBUG_NOTICE("NAT mapping changed to %J; registering again\n",
			     mapped);
		(void)reg_now(reg);
		break;

	case NATKA_FAILED:
		flow_lost(reg, err);
		break;

	case NATKA_UNSUPPORTED:
		/* not a dead flow: the edge does not do STUN. Asked again
		 * only when the flow goes to another edge. */
		reg->nostun = reg->peer;
		reg->natka = mem_deref(reg->natka);
		break;
	}
}


static bool stale_challenge(const struct sip_msg *msg)
{
	const struct sip_hdr *h;

	h = sip_msg_hdr(msg, msg->scode == 407 ? SIP_HDR_PROXY_AUTHENTICATE :
			SIP_HDR_WWW_AUTHENTICATE);
	if (!h)
		return false;

	for (size_t i = 0; i + 10 <= h->val.l; i++)
		if (!strncasecmp(h->val.p + i, "stale=true", 10))
			return true;

	return false;
}


static int print_contact_uri(struct re_printf *pf, const struct reg *reg)
{
	return re_hprintf(pf, "sip:%s@%J%s%s", reg->cuser, &reg->laddr,
			  sip_transp_param(reg->tp),
			  reg->tp == SIP_TRANSP_UDP ? "" : ";ob");
}


static bool contact_handler(const struct sip_hdr *hdr,
			    const struct sip_msg *msg, void *arg)
{
	struct reg *reg = arg;
	struct sip_addr c;
	struct pl pval;
	char uri[256];
	(void)msg;

	if (sip_addr_decode(&c, &hdr->val))
		return false;

	if (re_snprintf(uri, sizeof(uri), "%H", print_contact_uri, reg) < 0)
		return false;

	if (pl_strcasecmp(&c.auri, uri))
		return false;

	if (!msg_param_decode(&c.params, "expires", &pval))
		reg->granted = pl_u32(&pval);

	return true;
}


static void granted_expiry(struct reg *reg, const struct sip_msg *msg)
{
	reg->granted = 0;

	if (!sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, contact_handler,
			       reg)) {
		reg->granted = pl_isset(&msg->expires) ?
			pl_u32(&msg->expires) : reg->expires;
	}
}


/* A Flow-Timer from the registrar is the upper bound (RFC 5626 §5.4). */
static uint32_t flow_ival(const struct sip_msg *msg, uint32_t ival)
{
	const struct sip_hdr *ft = sip_msg_hdr(msg, SIP_HDR_FLOW_TIMER);

	if (ft && pl_u32(&ft->val) && pl_u32(&ft->val) < ival)
		ival = pl_u32(&ft->val);

	return ival;
}


/* UDP: STUN on the flow (RFC 5626 §4.4.1) keeps the NAT binding. A
 * refresh from the same edge over the same socket keeps the running
 * keep-alive (and its reflexive address). */
static void start_stun(struct reg *reg, const struct sip_msg *msg)
{
	struct natka_conf kc;
	int err;

	if (!reg->keepalive_udp || !msg->sock)
		return;

	if (sa_cmp(&reg->nostun, &msg->src, SA_ALL))
		return;

	if (reg->natka && sa_cmp(&reg->peer, &msg->src, SA_ALL))
		return;

	memset(&kc, 0, sizeof(kc));
	kc.interval = flow_ival(msg, reg->keepalive_udp);

	reg->natka = mem_deref(reg->natka);
	err = natka_alloc(&reg->natka, msg->sock, &msg->src, &kc,
			  natka_handler, reg);
	if (err)
		DEBUG_WARNING("STUN keep-alive not started: %m\n", err);
}


static void start_keepalive(struct reg *reg, const struct sip_msg *msg)
{
	uint32_t ival = reg->keepalive;
	int err;

	if (msg->tp == SIP_TRANSP_UDP) {
		start_stun(reg, msg);
		return;
	}

	/* CRLF ping/pong on connection flows */
	if (reg->ka || !ival)
		return;

	err = sip_keepalive_start(&reg->ka, reg->sip, msg,
				  flow_ival(msg, ival), keepalive_handler, reg);
	if (err)
		DEBUG_WARNING("keep-alive not started: %m\n", err);
}


/* Keep what the 2xx says about routes, GRUUs and identities. */
static void keep_response(struct reg *reg, const struct sip_msg *msg)
{
	struct regresp *rr = NULL;
	const char *old;

	if (!reg->instance || regresp_decode(&rr, msg, reg->instance))
		return;

	old = regresp_pub_gruu(reg->resp);
	if (regresp_pub_gruu(rr) &&
	    (!old || strcmp(old, regresp_pub_gruu(rr))))
		DEBUG_INFO("public GRUU %s\n", regresp_pub_gruu(rr));

	mem_deref(reg->resp);
	reg->resp = rr;
}


/*
 * Answer a 401/407. A refused cached nonce (preauth) is not a wrong
 * password: forget it and answer the fresh challenge as the first one.
 */
static int reg_challenge(struct reg *reg, const struct sip_msg *msg)
{
	++reg->challenges;

	if (reg->preauth) {
		reg->preauth = false;
		reg->authed  = false;
		sip_auth_reset(reg->auth);
	}

	return sip_auth_authenticate(reg->auth, msg);
}


static void finish_unreg(struct reg *reg)
{
	reg_done_h *dh = reg->doneh;

	reg->doneh = NULL;
	reg->ka = mem_deref(reg->ka);
	set_state(reg, REG_IDLE, 0, NULL);

	if (dh)
		dh(reg->donearg);
}


static void response_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct reg *reg = arg;
	const struct sip_hdr *minexp;
	uint16_t scode = msg ? msg->scode : 0;
	char reason[64] = "";

	if (msg && scode < 200)
		return;

	if (msg)
		(void)pl_strcpy(&msg->reason, reason, sizeof(reason));
	else
		(void)re_snprintf(reason, sizeof(reason), "%m", err);

	if (reg->unreg) {
		/* the un-REGISTER may be challenged like any other */
		if ((scode == 401 || scode == 407) && reg->auth_user &&
		    reg->authc < 1 && !reg_challenge(reg, msg)) {
			++reg->authc;
			if (!send_register(reg))
				return;
		}

		DEBUG_INFO("unregistered (%u %s)\n", scode, reason);
		finish_unreg(reg);
		return;
	}

	if (err || !msg) {
		retry_later(reg, 0, reason);
		return;
	}

	if (scode < 300) {
		granted_expiry(reg, msg);
		if (!reg->granted) {
			retry_later(reg, scode, "binding not accepted");
			return;
		}

		reg->failc  = 0;
		reg->authed = reg->auth_user && (reg->authc || reg->preauth);
		keep_response(reg, msg);
		start_keepalive(reg, msg);
		reg->peer = msg->src;
		set_state(reg, REG_REGISTERED, scode, reason);
		DEBUG_PRINTF("refresh in %u s\n",
			     reg->granted * REFRESH_PCT / 100);

		if (reg->again) {
			reg->again = false;
			start_cycle(reg);
			return;
		}

		tmr_start(&reg->tmr, (uint64_t)reg->granted * 10 * REFRESH_PCT,
			  tmr_handler, reg);
		return;
	}

	switch (scode) {

	case 401:
	case 407:
		/* One challenge per cycle; a second is a wrong password
		 * unless the server says our nonce was merely stale. */
		if (!reg->auth_user) {
			retry_later(reg, scode, "credentials required but "
				    "sip_auth_user is not set");
			return;
		}
		if (reg->authc >= MAX_AUTH ||
		    (reg->authc && !stale_challenge(msg))) {
			reg->authed = false;
			retry_later(reg, scode, "credentials rejected "
				    "(check sip_auth_user/sip_auth_pass)");
			return;
		}

		err = reg_challenge(reg, msg);
		if (err) {
			retry_later(reg, scode, "cannot answer challenge");
			return;
		}

		++reg->authc;
		err = send_register(reg);
		if (err)
			retry_later(reg, scode, "cannot send");
		return;

	case 423:
		minexp = sip_msg_hdr(msg, SIP_HDR_MIN_EXPIRES);
		if (minexp && pl_u32(&minexp->val) && reg->c423++ < MAX_423) {
			reg->expires = pl_u32(&minexp->val);
			if (!send_register(reg))
				return;
		}
		break;

	default:
		break;
	}

	retry_later(reg, scode, reason);
}


static int send_handler(enum sip_transp tp, const struct sa *src,
			const struct sa *dst, struct mbuf *mb, void *arg)
{
	struct reg *reg = arg;
	uint32_t expires = reg->unreg ? 0 : reg->expires;
	int err;
	(void)dst;

	reg->laddr = *src;
	reg->tp    = tp;

	err = mbuf_printf(mb, "Contact: <%H>;expires=%u", print_contact_uri,
			  reg, expires);
	if (reg->paramsh)
		err |= mbuf_printf(mb, "%H", reg->paramsh, reg->arg);
	err |= mbuf_printf(mb, ";reg-id=%u\r\n", reg->regid);

	return err;
}
COMPAT_SIP_SEND_H(sip_send_handler, send_handler)


static int send_register(struct reg *reg)
{
	int err;

	err = sip_drequestf(&reg->req, reg->sip, true, "REGISTER", reg->dlg,
			    0, reg->auth, sip_send_handler, response_handler, reg,
			    "Expires: %u\r\n"
			    "Supported: gruu, outbound, path\r\n"
			    "Allow: %s\r\n"
			    "Content-Length: 0\r\n"
			    "\r\n",
			    reg->unreg ? 0 : reg->expires, reg->allow);
	if (!err)
		++reg->sent;

	return err;
}


static int auth_handler(char **user, char **pass, const char *realm,
			void *arg)
{
	struct reg *reg = arg;
	int err;
	(void)realm;

	if (!reg->auth_user)
		return EAUTH;

	err  = str_dup(user, reg->auth_user);
	err |= str_dup(pass, reg->auth_pass);

	return err ? ENOMEM : 0;
}


/**
 * Start registering; the first REGISTER goes out at once.
 *
 * @param regp     Pointer to allocated registration
 * @param sip      SIP stack
 * @param rc       What to register where
 * @param paramsh  Prints our Contact parameters (called for every REGISTER,
 *                 so a changed app set goes out with the next one)
 * @param stateh   State change handler (optional)
 * @param arg      Handler argument
 *
 * @return 0 if success, otherwise errorcode
 */
int reg_alloc(struct reg **regp, struct sip *sip, const struct reg_conf *rc,
	      reg_params_h *paramsh, reg_state_h *stateh, void *arg)
{
	struct reg *reg;
	char *route = NULL;
	int err;

	if (!regp || !sip || !rc || !rc->registrar || !rc->aor || !rc->cuser ||
	    !rc->allow)
		return EINVAL;

	reg = mem_zalloc(sizeof(*reg), destructor);
	if (!reg)
		return ENOMEM;

	tmr_init(&reg->tmr);
	reg->sip        = mem_ref(sip);
	reg->regid      = rc->regid ? rc->regid : 1;
	reg->expires    = rc->expires ? rc->expires : 600;
	reg->keepalive  = rc->keepalive;
	reg->keepalive_udp = rc->keepalive_udp;
	sa_init(&reg->peer, AF_UNSPEC);
	sa_init(&reg->nostun, AF_UNSPEC);
	reg->retry_base = rc->retry_base ? rc->retry_base : 2000;
	reg->retry_max  = rc->retry_max ? rc->retry_max : 300000;
	reg->paramsh    = paramsh;
	reg->stateh     = stateh;
	reg->arg        = arg;

	if (rc->outbound_proxy) {
		/* RFC 3261 §8.1.2: the proxy as a loose route, the home
		 * domain stays the Request-URI */
		err = re_sdprintf(&route, "%s%s", rc->outbound_proxy,
				  strstr(rc->outbound_proxy, ";lr") ?
				  "" : ";lr");
		if (err)
			goto out;
	}

	err = sip_dialog_alloc(&reg->dlg, rc->registrar, rc->aor, NULL,
			       rc->aor, route ? (const char **)&route : NULL,
			       route ? 1 : 0);
	if (err)
		goto out;

	if (rc->instance) {
		err = str_dup(&reg->instance, rc->instance);
		if (err)
			goto out;
	}

	err = sip_auth_alloc(&reg->auth, auth_handler, reg, false);
	if (err)
		goto out;

	err  = str_dup(&reg->cuser, rc->cuser);
	err |= str_dup(&reg->allow, rc->allow);
	if (err)
		goto out;

	if (rc->auth_user) {
		err  = str_dup(&reg->auth_user, rc->auth_user);
		err |= str_dup(&reg->auth_pass, rc->auth_pass ?
			       rc->auth_pass : "");
		if (err)
			goto out;
	}

	set_state(reg, REG_REGISTERING, 0, NULL);
	start_cycle(reg);

 out:
	mem_deref(route);
	if (err)
		mem_deref(reg);
	else
		*regp = reg;

	return err;
}


/**
 * REGISTER again now, e.g. because the advertised app set changed.
 * The binding is updated in place: same instance, same reg-id.
 */
int reg_now(struct reg *reg)
{
	if (!reg || reg->unreg)
		return EINVAL;

	if (reg->state == REG_STOPPED)
		return EPERM;

	if (reg->req) {
		reg->again = true;
		return 0;
	}

	tmr_cancel(&reg->tmr);
	start_cycle(reg);
	return 0;
}


/**
 * Stop registering: the core removed the binding on purpose (reg-event
 * "rejected" or "unregistered", RFC 3680 §5.2). Registering again would
 * be refused or undo an operator's action, so nothing more is sent; the
 * state line says why.
 */
void reg_stop(struct reg *reg, const char *why)
{
	if (!reg || reg->unreg)
		return;

	tmr_cancel(&reg->tmr);
	reg->req   = mem_deref(reg->req);
	reg->ka    = mem_deref(reg->ka);
	reg->again = false;
	set_state(reg, REG_STOPPED, 0, why);
}


/**
 * The core says the binding ends in secs (reg-event "shortened", or any
 * expires it reports): refresh at 90 % of that if our timer is later.
 */
void reg_refresh_within(struct reg *reg, uint32_t secs)
{
	uint64_t due;

	if (!reg || reg->unreg || reg->state != REG_REGISTERED || reg->req ||
	    !secs)
		return;

	due = (uint64_t)secs * 10 * REFRESH_PCT;
	if (tmr_isrunning(&reg->tmr) && tmr_get_expire(&reg->tmr) <= due)
		return;

	DEBUG_NOTICE("binding ends in %u s by the core's word; refresh in "
		     "%llu ms\n", secs, (unsigned long long)due);
	tmr_start(&reg->tmr, due, tmr_handler, reg);
}


/**
 * Print our Contact URI as the last REGISTER carried it (%H).
 */
int reg_contact(struct re_printf *pf, const struct reg *reg)
{
	if (!reg)
		return 0;

	return print_contact_uri(pf, reg);
}


/**
 * Remove the binding (Expires: 0). doneh runs when the registrar answered,
 * at once if there is no binding to remove. The caller bounds the wait.
 */
void reg_unregister(struct reg *reg, reg_done_h *doneh, void *arg)
{
	if (!reg)
		return;

	tmr_cancel(&reg->tmr);
	reg->unreg   = true;
	reg->doneh   = doneh;
	reg->donearg = arg;

	/* a request in flight is abandoned: its answer no longer matters */
	reg->req = mem_deref(reg->req);

	if (reg->state == REG_IDLE || reg->sent == 0) {
		finish_unreg(reg);
		return;
	}

	/* the accepted nonce saves a round trip here too */
	if (!reg->authed)
		sip_auth_reset(reg->auth);
	reg->preauth = reg->authed;
	reg->authc = 0;
	if (send_register(reg))
		finish_unreg(reg);
}


enum reg_state reg_state(const struct reg *reg)
{
	return reg ? reg->state : REG_IDLE;
}


/** REGISTER requests sent so far (the daemon's readiness: one is out). */
uint32_t reg_sent(const struct reg *reg)
{
	return reg ? reg->sent : 0;
}


/** 401/407 answers received in all (a refresh should need none) */
uint32_t reg_challenges(const struct reg *reg)
{
	return reg ? reg->challenges : 0;
}


/** What the last 2xx said (routes, GRUUs, identities), or NULL */
const struct regresp *reg_regresp(const struct reg *reg)
{
	return reg ? reg->resp : NULL;
}


/** The local address the last REGISTER went out from (unset before) */
const struct sa *reg_laddr(const struct reg *reg)
{
	return reg ? &reg->laddr : NULL;
}


/**
 * The flow is gone (the local address changed, the transports were
 * rebuilt): drop its keep-alives and what is in flight, and REGISTER at
 * once with the same instance and reg-id, so the core replaces the old
 * binding (RFC 5626 §4.2.1). The accepted nonce is kept.
 */
void reg_flow_reset(struct reg *reg, const char *why)
{
	if (!reg || reg->unreg)
		return;

	DEBUG_INFO("flow reset (%s): registering again\n", why ? why : "");

	reg->ka    = mem_deref(reg->ka);
	reg->natka = mem_deref(reg->natka);
	reg->req   = mem_deref(reg->req);
	reg->again = false;
	sa_init(&reg->peer, AF_UNSPEC);
	sa_init(&reg->nostun, AF_UNSPEC);
	reg->failc = 0;

	tmr_cancel(&reg->tmr);
	start_cycle(reg);
}


/**
 * No network: stop sending (retries, keep-alives, a request in flight)
 * until reg_flow_reset() starts again. The binding may well still be
 * there at the core; the state stays as it is.
 */
void reg_hold(struct reg *reg)
{
	if (!reg || reg->unreg)
		return;

	tmr_cancel(&reg->tmr);
	reg->ka    = mem_deref(reg->ka);
	reg->natka = mem_deref(reg->natka);
	reg->req   = mem_deref(reg->req);
	reg->again = false;

	DEBUG_INFO("no network: REGISTER on hold\n");
}


static const char *tp_name(enum sip_transp tp)
{
	switch (tp) {

	case SIP_TRANSP_UDP: return "udp";
	case SIP_TRANSP_TCP: return "tcp";
	case SIP_TRANSP_TLS: return "tls";
	default:             return "?";
	}
}


/** Status lines: the flow, its keep-alive, what the core told us */
int reg_status(struct re_printf *pf, const struct reg *reg)
{
	int err = 0;

	if (!reg)
		return 0;

	if (sa_isset(&reg->laddr, SA_ADDR))
		err |= re_hprintf(pf, "flow%u=%s %J -> %J\n", reg->regid,
				  tp_name(reg->tp), &reg->laddr, &reg->peer);
	err |= natka_status(pf, reg->natka);
	err |= regresp_status(pf, reg->resp);

	return err;
}
