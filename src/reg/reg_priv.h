/* reg_priv.h: what the files of src/reg/ share: one registration's state and the steps of its cycle. */
#ifndef SIPPUSH_REG_PRIV_H
#define SIPPUSH_REG_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include "reg.h"

/*
 * Our own REGISTER client on libre's dialog/request/auth primitives, not
 * sipreg. libre 1.1.0's sipreg cannot put ";ob" inside the Contact URI
 * (RFC 5626 §5.2 needs it there), has no "register now" call for flow
 * recovery, and retries a rejected password until its loop detector gives
 * up (16 REGISTERs in a burst). Owning the state machine fixes all three,
 * and sipreg_register's removal in libre 4.0 stops mattering.
 *
 * One struct reg is one flow's binding (reg.c: alloc, state, status).
 *   cycle.c    a REGISTER cycle: send, challenge, answer, refresh, retry
 *   contact.c  our Contact URI and what the 2xx says about it
 *   flow.c     the flow under the binding: keep-alives, loss, reset, hold
 *   unreg.c    removing the binding (Expires: 0)
 */

enum {
	REFRESH_PCT   = 90,    /* refresh at 90 % of the granted expiry */
	MAX_AUTH      = 2,     /* credentials per cycle: one, one more if stale */
	MAX_423       = 2,
	WATCH_TRIES   = 8,     /* looks for a REGISTER's connection: at 0,
				* 50, 100 ... 3200 ms (6.35 s in all) */
};

struct reg {
	struct sip *sip;
	struct sip_dialog *dlg;
	struct sip_auth *auth;
	struct sip_request *req;
	struct sip_keepalive *ka;
	struct natka *natka;      /* STUN keep-alive of a UDP flow */
	struct regresp *resp;     /* what the last 2xx told us */
	struct connwatch *cw;     /* the in-flight REGISTER's connection */
	struct tmr tmr;
	struct tmr tmr_cw;        /* looking for that connection */
	struct sa dst;            /* where the last REGISTER went */
	uint32_t cwtries;
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
	reg_dst_h *dsth;
	reg_state_h *stateh;
	void *arg;
	reg_done_h *doneh;
	void *donearg;
};

struct sip_msg;

/* reg.c */
void reg_set_state(struct reg *reg, enum reg_state state, uint16_t scode,
		   const char *reason);

/* cycle.c */
int  reg_send(struct reg *reg);
void reg_start_cycle(struct reg *reg);
void reg_tmr_handler(void *arg);
void reg_retry_later(struct reg *reg, uint16_t scode, const char *reason);

/* contact.c */
int  reg_print_contact_uri(struct re_printf *pf, const struct reg *reg);
void reg_granted_expiry(struct reg *reg, const struct sip_msg *msg);
void reg_keep_response(struct reg *reg, const struct sip_msg *msg);

/* flow.c */
void reg_start_keepalive(struct reg *reg, const struct sip_msg *msg);
void reg_conn_watch(struct reg *reg, enum sip_transp tp, const struct sa *dst);
void reg_abandon(struct reg *reg);

/* unreg.c */
void reg_finish_unreg(struct reg *reg);

#endif
