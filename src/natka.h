/* natka.h: STUN keep-alive on a UDP flow (RFC 5626 §4.4.1): holds the NAT binding, notices a new reflexive address or a dead edge. */
#ifndef SIPPUSH_NATKA_H
#define SIPPUSH_NATKA_H

#include <stdint.h>

struct re_printf;
struct sa;
struct udp_sock;
struct natka;

enum natka_event {
	NATKA_CHANGED,      /* the reflexive (NAT) address changed */
	NATKA_FAILED,       /* no answer or an error: the flow is dead */
	NATKA_UNSUPPORTED,  /* the edge never answered STUN on this flow */
};

/** Called (outside the STUN callbacks) on each event; may free the natka */
typedef void (natka_h)(enum natka_event ev, int err, const struct sa *mapped,
		       void *arg);

struct natka_conf {
	uint32_t interval;   /* s between keep-alives (80-100 % of it) */
	uint32_t rto_ms;     /* STUN RTO; 0: 500 (RFC 5389) */
	uint32_t rc;         /* STUN retransmissions; 0: 7 (RFC 5389) */
};

int  natka_alloc(struct natka **kap, struct udp_sock *us,
		 const struct sa *peer, const struct natka_conf *conf,
		 natka_h *h, void *arg);
const struct sa *natka_mapped(const struct natka *ka);
uint32_t natka_sent(const struct natka *ka);
uint32_t natka_answered(const struct natka *ka);
int  natka_status(struct re_printf *pf, const struct natka *ka);

#endif
