/* admit.h: the checks every push request passes: sender, target app, authorization, route. */
#ifndef SIPPUSH_ADMIT_H
#define SIPPUSH_ADMIT_H

#include <stdbool.h>
#include <stdint.h>
#include "appid.h"
#include "pushreq.h"
#include "router.h"

struct appset;
struct config;
struct re_printf;
struct sip_msg;

/** What admit_check() found out about a request */
struct admit {
	char app[APPID_SIZE];                    /* canonical target */
	char sender[PUSHREQ_SENDER_MAX + 1];     /* identity for the app */
	bool asserted;                           /* sender is the core's
						  * P-Asserted-Identity */
	struct route rt;                         /* who takes it */
	const char *reason;                      /* phrase of a refusal */
	const char *accept;                      /* filter, for a 415 */
	const char *accept_enc;                  /* the owner's codings, for
						  * a 415 for the coding */
	bool no_owner;                           /* the 480: served, nobody
						  * connected (absent.c) */
};

/** What a refusal carries besides its status line (doc/responses.md) */
struct admit_reply {
	uint16_t scode;
	uint32_t retry_after;     /* s: Retry-After with 480 and 503 */
	const char *accept;       /* Accept with 415; NULL or "": any type */
	const char *accept_enc;   /* with 415: refused for its coding;
				   * Accept-Encoding: identity and these */
};

uint16_t admit_check(struct admit *a, const struct sip_msg *msg,
		     const struct config *cfg, const struct appset *apps,
		     const struct router *router, const struct route_query *q);
int admit_reply_hdrs(struct re_printf *pf, void *arg);

#endif
