/* admit.c: the checks every push request passes: sender, target app, authorization, route. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "authz.h"
#include "admit.h"

#define DEBUG_MODULE "admit"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * One place for what MESSAGE (pager.c) and INVITE (invite.c) have in
 * common, so that both modes answer the same request the same way
 * (doc/responses.md): 400 for an unusable sender or a malformed app ID,
 * 404 for no app ID or one we do not serve, 403 for a sender the app
 * does not take, 480 when nobody is subscribed, 415 when the owner's
 * filter refuses the type (pager only: an INVITE's type is per message)
 * or the owner does not take the content-coding (RFC 3261 §8.2.3: with
 * Accept-Encoding; an app takes a coding by SUBSCRIBE encoding=).
 * The header fields a refusal carries are written here too, for the
 * stateless MESSAGE answer and the INVITE transaction alike.
 */


/**
 * Decide whether a push request is admitted, and where it goes.
 *
 * @param a       Result: target, sender, route, or the refusal's reason
 * @param msg     MESSAGE or INVITE
 * @param cfg     Configuration (route_ctype, app_sender)
 * @param apps    Advertised application IDs
 * @param router  Routing table
 * @param q       What the push is (type, codings), or NULL if not known
 *                yet
 *
 * @return 0 if admitted, else the SIP status to answer with
 */
uint16_t admit_check(struct admit *a, const struct sip_msg *msg,
		     const struct config *cfg, const struct appset *apps,
		     const struct router *router, const struct route_query *q)
{
	static const struct route_query unknown = {NULL, NULL, NULL};
	struct pl spl;

	if (!a || !msg || !cfg)
		return 500;

	memset(a, 0, sizeof(*a));

	if (pushreq_sender(msg, a->sender, sizeof(a->sender), &a->asserted)) {
		a->reason = "Bad Sender Identity";
		return 400;
	}

	switch (pushreq_target(msg, cfg, apps, a->app, sizeof(a->app))) {
	case PUSHREQ_FOUND:
		break;
	case PUSHREQ_BAD:
		a->reason = "Bad Push Application ID";
		return 400;
	default:
		a->reason = "No Push Application ID";
		return 404;
	}

	pl_set_str(&spl, a->sender);
	if (!authz_sender(cfg, a->app, &spl, a->asserted)) {
		DEBUG_NOTICE("sender %s may not push to %s\n", a->sender,
			     a->app);
		a->reason = "Sender Not Authorised For Push Application";
		return 403;
	}

	switch (router_query(router, a->app, q ? q : &unknown, &a->rt)) {
	case ROUTE_OK:
		return 0;
	case ROUTE_NOT_SERVED:
		a->reason = "Push Application Not Served";
		return 404;
	case ROUTE_NO_SUBSCRIBER:
		a->reason = "Push Application Not Running";
		a->no_owner = true;
		return 480;
	case ROUTE_ENCODING:
		a->reason = "Unsupported Content-Encoding";
		a->accept_enc = a->rt.encodings;
		return 415;
	case ROUTE_CTYPE:
	default:
		a->reason = "Unsupported Push Content Type";
		a->accept = a->rt.filter;
		return 415;
	}
}


/**
 * The header fields of a final answer besides Content-Length: a 480 or
 * 503 says when to try again, a 415 what is accepted. Nothing for the
 * other codes. For "%H" in sip_replyf()/sip_treplyf().
 *
 * @param arg  const struct admit_reply *
 */
int admit_reply_hdrs(struct re_printf *pf, void *arg)
{
	const struct admit_reply *ar = arg;

	switch (ar->scode) {

	case 480:
	case 503:
		return re_hprintf(pf, "Retry-After: %u\r\n", ar->retry_after);

	case 415:
		if (ar->accept_enc)
			return re_hprintf(pf, "Accept-Encoding: identity%s%s"
					  "\r\n", *ar->accept_enc ? ", " : "",
					  ar->accept_enc);
		return re_hprintf(pf, "Accept: %s\r\n",
				  ar->accept && *ar->accept ? ar->accept :
				  "*/*");

	default:
		return 0;
	}
}
