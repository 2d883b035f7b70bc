/* cycle.c: one REGISTER cycle: send, answer a challenge, take the 2xx, refresh, retry with backoff. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "backoff.h"
#include "natka.h"
#include "regresp.h"
#include "reg.h"
#include "reg_priv.h"

#define DEBUG_MODULE "reg"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


/*
 * A refresh (or the re-REGISTER after a network change) reuses the nonce
 * of the last accepted REGISTER: libre's auth sends it again with nc+1,
 * so a core that still knows the nonce answers 200 at once: one round
 * trip instead of two. If the core refuses it, the fresh challenge is
 * answered as usual (reg_challenge()).
 */
void reg_start_cycle(struct reg *reg)
{
	int err;

	if (!reg->authed)
		sip_auth_reset(reg->auth);
	reg->preauth = reg->authed;
	reg->authc = 0;
	reg->c423  = 0;

	err = reg_send(reg);
	if (err) {
		/* no request went out: nothing to answer, so go round again */
		DEBUG_WARNING("cannot send REGISTER: %m\n", err);
		reg->failc++;
		tmr_start(&reg->tmr, backoff_delay(reg->failc, reg->retry_base,
						   reg->retry_max, rand_u16()),
			  reg_tmr_handler, reg);
		reg_set_state(reg, REG_FAILED, 0, "cannot send");
	}
}


void reg_tmr_handler(void *arg)
{
	reg_start_cycle(arg);
}


void reg_retry_later(struct reg *reg, uint16_t scode, const char *reason)
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
	tmr_start(&reg->tmr, delay, reg_tmr_handler, reg);
	reg_set_state(reg, REG_FAILED, scode, reason);
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


static void response_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct reg *reg = arg;
	const struct sip_hdr *minexp;
	uint16_t scode = msg ? msg->scode : 0;
	char reason[64] = "";

	if (msg && scode < 200)
		return;

	reg_abandon(reg);  /* answered: its connection is not watched */

	if (msg)
		(void)pl_strcpy(&msg->reason, reason, sizeof(reason));
	else
		(void)re_snprintf(reason, sizeof(reason), "%m", err);

	if (reg->unreg) {
		/* the un-REGISTER may be challenged like any other */
		if ((scode == 401 || scode == 407) && reg->auth_user &&
		    reg->authc < 1 && !reg_challenge(reg, msg)) {
			++reg->authc;
			if (!reg_send(reg))
				return;
		}

		DEBUG_INFO("unregistered (%u %s)\n", scode, reason);
		reg_finish_unreg(reg);
		return;
	}

	if (err || !msg) {
		reg_retry_later(reg, 0, reason);
		return;
	}

	if (scode < 300) {
		reg_granted_expiry(reg, msg);
		if (!reg->granted) {
			reg_retry_later(reg, scode, "binding not accepted");
			return;
		}

		reg->failc  = 0;
		reg->authed = reg->auth_user && (reg->authc || reg->preauth);
		reg_keep_response(reg, msg);
		reg_start_keepalive(reg, msg);
		reg->peer = msg->src;
		reg_set_state(reg, REG_REGISTERED, scode, reason);
		DEBUG_PRINTF("refresh in %u s\n",
			     reg->granted * REFRESH_PCT / 100);

		if (reg->again) {
			reg->again = false;
			reg_start_cycle(reg);
			return;
		}

		tmr_start(&reg->tmr, (uint64_t)reg->granted * 10 * REFRESH_PCT,
			  reg_tmr_handler, reg);
		return;
	}

	switch (scode) {

	case 401:
	case 407:
		/* One challenge per cycle; a second is a wrong password
		 * unless the server says our nonce was merely stale. */
		if (!reg->auth_user) {
			reg_retry_later(reg, scode, "credentials required but "
					"sip_auth_user is not set");
			return;
		}
		if (reg->authc >= MAX_AUTH ||
		    (reg->authc && !stale_challenge(msg))) {
			reg->authed = false;
			reg_retry_later(reg, scode, "credentials rejected "
					"(check sip_auth_user/sip_auth_pass)");
			return;
		}

		err = reg_challenge(reg, msg);
		if (err) {
			reg_retry_later(reg, scode, "cannot answer challenge");
			return;
		}

		++reg->authc;
		err = reg_send(reg);
		if (err)
			reg_retry_later(reg, scode, "cannot send");
		return;

	case 423:
		minexp = sip_msg_hdr(msg, SIP_HDR_MIN_EXPIRES);
		if (minexp && pl_u32(&minexp->val) && reg->c423++ < MAX_423) {
			reg->expires = pl_u32(&minexp->val);
			if (!reg_send(reg))
				return;
		}
		break;

	default:
		break;
	}

	reg_retry_later(reg, scode, reason);
}


static int send_handler(enum sip_transp tp, const struct sa *src,
			const struct sa *dst, struct mbuf *mb, void *arg)
{
	struct reg *reg = arg;
	uint32_t expires = reg->unreg ? 0 : reg->expires;
	int err;

	reg->laddr = *src;
	reg->tp    = tp;
	reg_conn_watch(reg, tp, dst);

	/* before it goes out: the answer must pass the kernel filter */
	if (reg->dsth)
		reg->dsth(dst, reg->arg);

	err = mbuf_printf(mb, "Contact: <%H>;expires=%u", reg_print_contact_uri,
			  reg, expires);
	if (reg->paramsh)
		err |= mbuf_printf(mb, "%H", reg->paramsh, reg->arg);
	err |= mbuf_printf(mb, ";reg-id=%u\r\n", reg->regid);

	return err;
}
COMPAT_SIP_SEND_H(sip_send_handler, send_handler)


int reg_send(struct reg *reg)
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
	reg_start_cycle(reg);
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
	reg_abandon(reg);
	reg->ka    = mem_deref(reg->ka);
	reg->again = false;
	reg_set_state(reg, REG_STOPPED, 0, why);
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
	tmr_start(&reg->tmr, due, reg_tmr_handler, reg);
}
