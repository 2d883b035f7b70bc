/* natka.c: STUN keep-alive on a UDP flow (RFC 5626 §4.4.1): holds the NAT binding, notices a new reflexive address or a dead edge. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "natka.h"

#define DEBUG_MODULE "natka"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * A UDP flow behind NAT is reachable only while the NAT keeps its
 * binding: carrier NATs drop idle UDP mappings after 30-120 s, long
 * before a registration is refreshed. RFC 5626 §4.4.1: a STUN Binding
 * request on the flow itself (same socket, same edge address) every
 * 80-100 % of the interval keeps the binding and tells us our reflexive
 * address; a different one means the NAT re-mapped us (the core's
 * binding points at a dead mapping: re-REGISTER); no answer after the
 * STUN retransmissions means the flow failed (RFC 5626 §4.4: register
 * again). The requests go out on the SIP stack's own UDP socket: a
 * second socket would have its own NAT mapping and keep nothing alive.
 * libre's SIP transport would hand STUN answers to its own STUN
 * instance, so a UDP helper takes ours off the socket first.
 *
 * libre has the same mechanism inside sip_keepalive_start(); it is not
 * used because it neither exposes the reflexive address (status) nor
 * tells a changed mapping from a dead edge, and it counts nothing.
 */

enum {
	HELPER_LAYER = -100,   /* before any other helper on the socket */
	JITTER_MIN   = 80,     /* % of the interval */
};

struct natka {
	struct udp_sock *us;
	struct udp_helper *uh;
	struct stun *stun;
	struct stun_ctrans *ct;
	struct tmr tmr;          /* next keep-alive */
	struct tmr tmr_ev;       /* the event, outside STUN's callbacks */
	struct sa peer;
	struct sa mapped;
	struct sa prev;
	uint32_t interval;       /* s */
	uint32_t sent;
	uint32_t answered;
	enum natka_event ev;
	int err;
	natka_h *h;
	void *arg;
};


static void send_request(void *arg);


static void destructor(void *arg)
{
	struct natka *ka = arg;

	tmr_cancel(&ka->tmr);
	tmr_cancel(&ka->tmr_ev);
	mem_deref(ka->ct);
	/* the helper before the socket: the socket's destructor would
	 * free its helpers behind our back */
	mem_deref(ka->uh);
	mem_deref(ka->us);
	mem_deref(ka->stun);
}


static void schedule(struct natka *ka)
{
	uint64_t ms = (uint64_t)ka->interval * 10 *
		(JITTER_MIN + rand_u16() % (101 - JITTER_MIN));

	tmr_start(&ka->tmr, ms, send_request, ka);
}


static void event_handler(void *arg)
{
	struct natka *ka = arg;

	/* may free ka: nothing after this */
	if (ka->h)
		ka->h(ka->ev, ka->err, &ka->mapped, ka->arg);
}


static void notify(struct natka *ka, enum natka_event ev, int err)
{
	ka->ev  = ev;
	ka->err = err;
	tmr_start(&ka->tmr_ev, 0, event_handler, ka);
}


static void response_handler(int err, uint16_t scode, const char *reason,
			     const struct stun_msg *msg, void *arg)
{
	struct natka *ka = arg;
	struct stun_attr *attr = NULL;

	if (!err && scode) {
		DEBUG_NOTICE("%J: STUN error %u %s\n", &ka->peer, scode,
			     reason ? reason : "");
		err = EPROTO;
	}

	if (!err) {
		attr = stun_msg_attr(msg, STUN_ATTR_XOR_MAPPED_ADDR);
		if (!attr)
			attr = stun_msg_attr(msg, STUN_ATTR_MAPPED_ADDR);
		if (!attr)
			err = EBADMSG;
	}

	if (err) {
		if (!ka->answered) {
			DEBUG_NOTICE("%J: no STUN keep-alive answer (%m): the "
				     "edge does not do RFC 5626 keep-alives\n",
				     &ka->peer, err);
			notify(ka, NATKA_UNSUPPORTED, err);
		}
		else {
			DEBUG_NOTICE("%J: STUN keep-alive failed (%m): flow "
				     "lost\n", &ka->peer, err);
			notify(ka, NATKA_FAILED, err);
		}
		return;
	}

	++ka->answered;

	if (!sa_isset(&ka->mapped, SA_ALL)) {
		ka->mapped = attr->v.sa;
		DEBUG_INFO("%J: reflexive address %J\n", &ka->peer,
			   &ka->mapped);
	}
	else if (!sa_cmp(&ka->mapped, &attr->v.sa, SA_ALL)) {
		ka->prev   = ka->mapped;
		ka->mapped = attr->v.sa;
		DEBUG_NOTICE("%J: reflexive address changed %J -> %J\n",
			     &ka->peer, &ka->prev, &ka->mapped);
		schedule(ka);
		notify(ka, NATKA_CHANGED, 0);
		return;
	}

	schedule(ka);
}


static void send_request(void *arg)
{
	struct natka *ka = arg;
	int err;

	err = stun_request(&ka->ct, ka->stun, IPPROTO_UDP, ka->us, &ka->peer,
			   0, STUN_METHOD_BINDING, NULL, 0, false,
			   response_handler, ka, 1, STUN_ATTR_SOFTWARE,
			   "sippushd");
	if (err) {
		DEBUG_WARNING("%J: STUN request: %m\n", &ka->peer, err);
		notify(ka, ka->answered ? NATKA_FAILED : NATKA_UNSUPPORTED,
		       err);
		return;
	}

	++ka->sent;
}


/* Answers to our requests come in on the SIP socket: take them off it. */
static bool recv_helper(struct sa *src, struct mbuf *mb, void *arg)
{
	struct natka *ka = arg;
	struct stun_unknown_attr ua;
	struct stun_msg *msg;
	size_t pos = mb->pos;
	bool mine;

	/* RFC 5389 §6: the two top bits of a STUN message are zero; SIP
	 * starts with a letter */
	if (mbuf_get_left(mb) < 20 || (mbuf_buf(mb)[0] & 0xc0) ||
	    !sa_cmp(src, &ka->peer, SA_ALL))
		return false;

	if (stun_msg_decode(&msg, mb, &ua)) {
		mb->pos = pos;
		return false;
	}

	mine = stun_msg_method(msg) == STUN_METHOD_BINDING &&
		stun_msg_class(msg) != STUN_CLASS_REQUEST &&
		stun_msg_class(msg) != STUN_CLASS_INDICATION &&
		stun_ctrans_recv(ka->stun, msg, &ua) == 0;

	mem_deref(msg);
	if (!mine)
		mb->pos = pos;

	return mine;
}


/**
 * Keep a UDP flow alive with STUN Binding requests; the first goes out
 * at once (it learns the reflexive address).
 *
 * @param kap   Pointer to allocated keep-alive
 * @param us    The flow's UDP socket (the SIP stack's)
 * @param peer  The flow's far end (edge proxy / registrar)
 * @param conf  Interval and STUN timing
 * @param h     Event handler
 * @param arg   Handler argument
 *
 * @return 0 if success, otherwise errorcode
 */
int natka_alloc(struct natka **kap, struct udp_sock *us,
		const struct sa *peer, const struct natka_conf *conf,
		natka_h *h, void *arg)
{
	struct stun_conf sc = {
		STUN_DEFAULT_RTO, STUN_DEFAULT_RC, STUN_DEFAULT_RM,
		STUN_DEFAULT_TI, 0
	};
	struct natka *ka;
	int err;

	if (!kap || !us || !peer || !sa_isset(peer, SA_ALL) || !conf ||
	    !conf->interval || !h)
		return EINVAL;

	ka = mem_zalloc(sizeof(*ka), destructor);
	if (!ka)
		return ENOMEM;

	tmr_init(&ka->tmr);
	tmr_init(&ka->tmr_ev);
	ka->us       = mem_ref(us);
	ka->peer     = *peer;
	ka->interval = conf->interval;
	ka->h        = h;
	ka->arg      = arg;
	sa_init(&ka->mapped, AF_UNSPEC);
	sa_init(&ka->prev, AF_UNSPEC);

	if (conf->rto_ms)
		sc.rto = conf->rto_ms;
	if (conf->rc)
		sc.rc = conf->rc;

	err = stun_alloc(&ka->stun, &sc, NULL, NULL);
	if (err)
		goto out;

	err = udp_register_helper(&ka->uh, us, HELPER_LAYER, NULL,
				  recv_helper, ka);
	if (err)
		goto out;

	tmr_start(&ka->tmr, 0, send_request, ka);

	DEBUG_INFO("%J: STUN keep-alive every %u s\n", peer, ka->interval);

 out:
	if (err)
		mem_deref(ka);
	else
		*kap = ka;

	return err;
}


/** Our reflexive address as the edge sees it (unset until answered) */
const struct sa *natka_mapped(const struct natka *ka)
{
	return ka && sa_isset(&ka->mapped, SA_ALL) ? &ka->mapped : NULL;
}


/** Binding requests sent (retransmissions not counted) */
uint32_t natka_sent(const struct natka *ka)
{
	return ka ? ka->sent : 0;
}


/** Binding requests answered */
uint32_t natka_answered(const struct natka *ka)
{
	return ka ? ka->answered : 0;
}


/** Status lines (sippush status) */
int natka_status(struct re_printf *pf, const struct natka *ka)
{
	int err;

	if (!ka)
		return 0;

	err = re_hprintf(pf, "keepalive=stun %us\n", ka->interval);
	if (sa_isset(&ka->mapped, SA_ALL))
		err |= re_hprintf(pf, "reflexive_address=%J\n", &ka->mapped);
	err |= re_hprintf(pf, "keepalive_sent=%u\nkeepalive_answered=%u\n",
			  ka->sent, ka->answered);

	return err;
}
