/* regevent.h: our subscription to the reg event of our AOR (RFC 3680), so the core can tell us at once that it removed the binding. */
#ifndef SIPPUSH_REGEVENT_H
#define SIPPUSH_REGEVENT_H

#include <stddef.h>
#include <stdint.h>
#include "reginfo.h"

struct re_printf;
struct regevent;
struct route_set;
struct sip;

/** Prints our current Contact URI (without <>), to find it in documents */
typedef int (regevent_contact_h)(struct re_printf *pf, void *arg);
/** The core told us something about our binding that needs doing */
typedef void (regevent_action_h)(enum reginfo_action act, uint32_t expires,
				 const char *why, void *arg);

struct regevent_conf {
	const char *aor;
	const char *registrar;     /* the route goes through it (route.c) */
	struct route_set *routes;  /* or this one, followed as it changes */
	const char *instance;      /* +sip.instance value, optional */
	const char *auth_user;     /* NULL: no credentials */
	const char *auth_pass;
	const char *cuser;         /* user part of our Contact */
	uint32_t expires;          /* subscription lifetime asked for, s */
	uint32_t retry_base;       /* ms, first retry after a failure */
	uint32_t retry_max;        /* ms */
};

enum regevent_state {
	REGEVENT_IDLE = 0,         /* not started */
	REGEVENT_SUBSCRIBING,
	REGEVENT_ACTIVE,           /* a NOTIFY came */
	REGEVENT_RETRYING,         /* failed; next try after a back-off */
	REGEVENT_UNSUPPORTED,      /* the core does not offer it: not again */
};

int  regevent_alloc(struct regevent **rep, struct sip *sip,
		    const struct regevent_conf *conf,
		    regevent_contact_h *contacth, regevent_action_h *actionh,
		    void *arg);
int  regevent_start(struct regevent *re);
enum regevent_state regevent_state(const struct regevent *re);
const char *regevent_state_name(enum regevent_state st);
uint32_t regevent_notifies(const struct regevent *re);
uint32_t regevent_subscribes(const struct regevent *re);

#endif
