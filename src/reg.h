/* reg.h: REGISTER client that advertises our push resources (RFC 3261 §10, RFC 5626). */
#ifndef SIPPUSH_REG_H
#define SIPPUSH_REG_H

#include <stdbool.h>
#include <stdint.h>

struct sa;
struct sip;
struct sip_msg;
struct re_printf;
struct regresp;
struct reg;

enum reg_state {
	REG_IDLE,          /* not started, or unregistered */
	REG_REGISTERING,   /* first attempt under way */
	REG_REGISTERED,
	REG_FAILED,        /* last attempt failed; retrying with backoff */
	REG_STOPPED,       /* the core removed us for good (reg_stop) */
};

/** Prints the Contact header field parameters that describe us */
typedef int (reg_params_h)(struct re_printf *pf, void *arg);
/** Called once per registration state change */
typedef void (reg_state_h)(enum reg_state state, uint16_t scode,
			   const char *reason, void *arg);
/** A REGISTER is about to go to dst (the registrar or outbound proxy) */
typedef void (reg_dst_h)(const struct sa *dst, void *arg);
/** Called when an unregistration has ended (answered or given up) */
typedef void (reg_done_h)(void *arg);

struct reg_conf {
	const char *registrar;   /* Request-URI (registrar, or home domain
				  * with an outbound proxy) */
	const char *outbound_proxy; /* first hop (loose route), or NULL */
	const char *aor;
	const char *cuser;       /* user part of our Contact */
	const char *allow;       /* methods we take, for Allow */
	const char *auth_user;   /* NULL: no credentials */
	const char *auth_pass;
	const char *instance;    /* our +sip.instance, to find our GRUUs */
	uint32_t regid;          /* RFC 5626 reg-id of this flow (0: 1) */
	uint32_t expires;        /* s */
	uint32_t keepalive;      /* s, CRLF keep-alive on TCP/TLS flows */
	uint32_t keepalive_udp;  /* s, STUN keep-alive on UDP flows; 0 off */
	uint32_t retry_base;     /* ms, first retry delay */
	uint32_t retry_max;      /* ms, upper bound of the backoff */
	reg_dst_h *dsth;         /* where each REGISTER goes (or NULL) */
};

int  reg_alloc(struct reg **regp, struct sip *sip, const struct reg_conf *rc,
	       reg_params_h *paramsh, reg_state_h *stateh, void *arg);
int  reg_now(struct reg *reg);
void reg_unregister(struct reg *reg, reg_done_h *doneh, void *arg);
void reg_stop(struct reg *reg, const char *why);
void reg_refresh_within(struct reg *reg, uint32_t secs);
int  reg_contact(struct re_printf *pf, const struct reg *reg);
enum reg_state reg_state(const struct reg *reg);
const char *reg_state_name(enum reg_state state);
uint32_t reg_challenges(const struct reg *reg);
const struct regresp *reg_regresp(const struct reg *reg);
const struct sa *reg_laddr(const struct reg *reg);
bool reg_on_flow(const struct reg *reg, const struct sip_msg *msg);
void reg_flow_reset(struct reg *reg, const char *why);
void reg_hold(struct reg *reg);
int  reg_status(struct re_printf *pf, const struct reg *reg);

uint32_t reg_sent(const struct reg *reg);
#endif
