/* flow.c: the flow under a binding: CRLF/STUN keep-alives, a lost flow, a reset, a hold. */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "connwatch.h"
#include "natka.h"
#include "reg.h"
#include "reg_priv.h"

#define DEBUG_MODULE "reg"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


/* The flow to the core broke (keep-alive unanswered, connection closed):
 * RFC 5626 §4.4.1 says register again at once, then back off. A
 * REGISTER in flight went on the dead flow: its answer will not come. */
static void flow_lost(struct reg *reg, int err)
{
	DEBUG_NOTICE("flow to registrar lost (%m); registering again\n", err);

	reg->ka = mem_deref(reg->ka);
	reg->natka = mem_deref(reg->natka);

	if (reg->unreg)
		return;

	reg_abandon(reg);
	reg->again = false;

	tmr_cancel(&reg->tmr);
	if (reg->failc == 0)
		reg_start_cycle(reg);
	else
		reg_retry_later(reg, 0, "flow lost");
}


/* The connection under a REGISTER in flight ended (connwatch.c): no
 * answer will come on it; the core is going away or resets us, so this
 * counts as a failure (backoff), never a tight loop. */
static void conn_closed(void *arg)
{
	struct reg *reg = arg;

	reg->cw = mem_deref(reg->cw);
	if (!reg->req)
		return;

	DEBUG_NOTICE("connection to %J closed with a REGISTER in flight\n",
		     &reg->dst);
	reg_abandon(reg);
	reg->ka = mem_deref(reg->ka);
	reg->natka = mem_deref(reg->natka);

	if (reg->unreg) {
		reg_finish_unreg(reg);
		return;
	}

	reg->again = false;
	tmr_cancel(&reg->tmr);
	reg_retry_later(reg, 0, "connection closed");
}


static void watch_tmr(void *arg)
{
	struct reg *reg = arg;
	int err;

	if (!reg->req || reg->cw)
		return;

	err = connwatch_alloc(&reg->cw, &reg->dst, conn_closed, reg);
	if (err == ENOENT && ++reg->cwtries < WATCH_TRIES)
		tmr_start(&reg->tmr_cw, 25u << reg->cwtries, watch_tmr, reg);
	else if (err && err != ENOENT)
		DEBUG_WARNING("REGISTER connection not watched: %m\n", err);
}


/**
 * A REGISTER goes out to dst: on TCP/TLS, watch its connection, because
 * libre's transaction would wait 32 s after the connection ended
 * (connwatch.c). A new connection is still opening here; it is looked
 * for from the next loop turn on, for a few seconds while the request
 * waits.
 */
void reg_conn_watch(struct reg *reg, enum sip_transp tp, const struct sa *dst)
{
	reg->cw = mem_deref(reg->cw);
	tmr_cancel(&reg->tmr_cw);

	if (tp == SIP_TRANSP_UDP)
		return;

	reg->dst = *dst;
	reg->cwtries = 0;
	tmr_start(&reg->tmr_cw, 0, watch_tmr, reg);
}


/** The request in flight no longer matters: neither its answer nor its
 * connection's end is waited for. */
void reg_abandon(struct reg *reg)
{
	reg->req = mem_deref(reg->req);
	reg->cw  = mem_deref(reg->cw);
	tmr_cancel(&reg->tmr_cw);
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


void reg_start_keepalive(struct reg *reg, const struct sip_msg *msg)
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
	reg_abandon(reg);
	reg->again = false;
	sa_init(&reg->peer, AF_UNSPEC);
	sa_init(&reg->nostun, AF_UNSPEC);
	reg->failc = 0;

	tmr_cancel(&reg->tmr);
	reg_start_cycle(reg);
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
	reg_abandon(reg);
	reg->again = false;

	DEBUG_INFO("no network: REGISTER on hold\n");
}
