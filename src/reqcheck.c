/* reqcheck.c: the intake's integrity check: RFC 3261 §8.2 validation (sipcheck.c) answered with a precise reason. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "intake.h"
#include "sipcheck.h"
#include "reqcheck.h"

#define DEBUG_MODULE "reqcheck"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Before any handler (OPTIONS, MESSAGE, INVITE, in-dialog requests)
 * sees a request, sipcheck_request() decides whether it is one: the
 * mandatory headers, one valid Content-Length equal to the body (on UDP
 * the rest of the datagram: "CL 5" with 10 bytes was delivered as 10),
 * CSeq, Max-Forwards. The refusal names what was wrong (400 "Missing
 * Call-ID", "CSeq Method Mismatch", ...). Without a usable Via there is
 * nowhere to answer: dropped (and a TCP/TLS connection closed). The
 * intake counts and logs (rate-limited) every refusal.
 */

enum { UNSUPPORTED_MAX = 256 };

struct reqcheck {
	char hdrs[UNSUPPORTED_MAX + 32];  /* the 420's Unsupported line */
};


static enum intake_verdict check(const struct sip_msg *msg,
				 struct intake_reply *rep, void *arg)
{
	struct reqcheck *rc = arg;
	struct sipcheck chk;

	if (!sipcheck_request(&chk, msg))
		return INTAKE_PASS;

	if (!pl_isset(&msg->via.sentby) || msg->via.tp == SIP_TRANSP_NONE)
		return INTAKE_DROP;

	rep->scode  = chk.scode;
	rep->reason = chk.reason;
	rep->hdrs   = chk.hdrs && chk.hdrs[0] ? chk.hdrs : NULL;

	if (chk.scode == 420) {
		/* we support no extension: each required one is listed */
		if (chk.unsupported.l > UNSUPPORTED_MAX) {
			rep->scode  = 400;
			rep->reason = "Require Too Long";
			rep->hdrs   = NULL;
		}
		else {
			(void)re_snprintf(rc->hdrs, sizeof(rc->hdrs),
					  "Unsupported: %r\r\n",
					  &chk.unsupported);
			rep->hdrs = rc->hdrs;
		}
	}

	return INTAKE_REPLY;
}


/**
 * Add the check to an intake.
 *
 * @param rcp  Its state (the 420's header), to free after the intake
 * @param in   The daemon's intake
 */
int reqcheck_add(struct reqcheck **rcp, struct intake *in)
{
	struct reqcheck *rc;
	int err;

	if (!rcp || !in)
		return EINVAL;

	rc = mem_zalloc(sizeof(*rc), NULL);
	if (!rc)
		return ENOMEM;

	err = intake_add(in, "sipcheck", check, rc);
	if (err)
		mem_deref(rc);
	else
		*rcp = rc;

	return err;
}
