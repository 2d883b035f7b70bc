/* reg.c: keeps one registration binding at the core alive, with our feature tags: alloc, state, status. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "natka.h"
#include "regresp.h"
#include "reg.h"
#include "reg_priv.h"

#define DEBUG_MODULE "reg"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


static void destructor(void *arg)
{
	struct reg *reg = arg;

	tmr_cancel(&reg->tmr);
	tmr_cancel(&reg->tmr_cw);
	mem_deref(reg->cw);
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
void reg_set_state(struct reg *reg, enum reg_state state, uint16_t scode,
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
	tmr_init(&reg->tmr_cw);
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
	reg->dsth       = rc->dsth;
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

	reg_set_state(reg, REG_REGISTERING, 0, NULL);
	reg_start_cycle(reg);

 out:
	mem_deref(route);
	if (err)
		mem_deref(reg);
	else
		*regp = reg;

	return err;
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


/**
 * Did msg come over this binding's connection-oriented flow (RFC 5626):
 * from the far end of the connection its last 2xx came on?
 */
bool reg_on_flow(const struct reg *reg, const struct sip_msg *msg)
{
	if (!reg || !msg || !sa_isset(&reg->peer, SA_ALL))
		return false;

	if (msg->tp != reg->tp || msg->tp == SIP_TRANSP_UDP)
		return false;

	return sa_cmp(&msg->src, &reg->peer, SA_ALL);
}


/** The local address the last REGISTER went out from (unset before) */
const struct sa *reg_laddr(const struct reg *reg)
{
	return reg ? &reg->laddr : NULL;
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
