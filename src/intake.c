/* intake.c: the first look at every SIP request: an ordered list of checks before any handler sees it. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "loglimit.h"
#include "sipsock.h"
#include "intake.h"

#define DEBUG_MODULE "intake"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * libre hands a request to its listeners in the order they were
 * registered; the intake registers first (the daemon makes it before
 * OPTIONS, MESSAGE and INVITE handling), so its checks run before any
 * of them, on every request, in-dialog ones (BYE, ACK) included. A check
 * says pass, drop or reply:
 *
 *  - drop: no answer at all (a stranger learns nothing, a flood gets no
 *    reflection); on TCP/TLS the connection is shut down, and libre
 *    frees it when it sees the end;
 *  - reply: a stateless answer (an ACK is never answered).
 *
 * Each check counts what it dropped and refused (STATUS), and logs it,
 * rate-limited (loglimit.c): a flood costs a counter, not the syslog.
 */

enum { CHECKS_MAX = 8 };

struct check {
	const char *name;
	intake_check_h *h;
	void *arg;
	uint64_t dropped;
	uint64_t refused;
	struct loglimit ll;
};

struct intake {
	struct sip_lsnr *lsnr;
	struct sip *sip;
	struct check checks[CHECKS_MAX];
	size_t n;
};


static void destructor(void *arg)
{
	struct intake *in = arg;

	mem_deref(in->lsnr);
}


static void drop_conn(const struct sip_msg *msg)
{
	if (msg->tp != SIP_TRANSP_TCP && msg->tp != SIP_TRANSP_TLS)
		return;

	/* libre owns the connection: shut it down under it (found by its
	 * addresses, the same with every libre version), and its read
	 * handler sees the end and frees it */
	(void)sipsock_shutdown(&msg->dst, &msg->src);
}


static void note(struct check *c, const struct sip_msg *msg,
		 const struct intake_reply *rep)
{
	uint32_t left = 0;

	if (!loglimit_ok(&c->ll, tmr_jiffies(), &left))
		return;

	if (left)
		DEBUG_NOTICE("%s: %u more like the next left out of the log\n",
			     c->name, left);

	if (rep)
		DEBUG_NOTICE("%s: %r from %s:%J: %u %s\n", c->name, &msg->met,
			     sip_transp_name(msg->tp), &msg->src, rep->scode,
			     rep->reason);
	else
		DEBUG_NOTICE("%s: %r from %s:%J dropped\n", c->name, &msg->met,
			     sip_transp_name(msg->tp), &msg->src);
}


static bool request_handler(const struct sip_msg *msg, void *arg)
{
	struct intake *in = arg;
	struct intake_reply rep;

	for (size_t i = 0; i < in->n; i++) {
		struct check *c = &in->checks[i];

		memset(&rep, 0, sizeof(rep));

		switch (c->h(msg, &rep, c->arg)) {

		case INTAKE_PASS:
			continue;

		case INTAKE_REPLY:
			if (pl_strcmp(&msg->met, "ACK")) {
				++c->refused;
				note(c, msg, &rep);
				if (rep.hdrs)
					(void)sip_replyf(in->sip, msg,
							 rep.scode,
							 rep.reason, "%s"
							 "Content-Length: 0"
							 "\r\n\r\n", rep.hdrs);
				else
					(void)sip_reply(in->sip, msg,
							rep.scode,
							rep.reason);
				return true;
			}
			/*@fallthrough@*/

		case INTAKE_DROP:
		default:
			++c->dropped;
			note(c, msg, NULL);
			drop_conn(msg);
			return true;
		}
	}

	return false;
}


/**
 * Start looking at requests: call before any other sip_listen().
 *
 * @param inp  Pointer to allocated intake
 * @param sip  SIP stack
 */
int intake_alloc(struct intake **inp, struct sip *sip)
{
	struct intake *in;
	int err;

	if (!inp || !sip)
		return EINVAL;

	in = mem_zalloc(sizeof(*in), destructor);
	if (!in)
		return ENOMEM;

	in->sip = sip;

	err = sip_listen(&in->lsnr, sip, true, request_handler, in);
	if (err)
		mem_deref(in);
	else
		*inp = in;

	return err;
}


/**
 * Append a check; checks run in the order they were added.
 *
 * @param name  For the log and STATUS (a static string)
 */
int intake_add(struct intake *in, const char *name, intake_check_h *h,
	       void *arg)
{
	struct check *c;

	if (!in || !name || !h)
		return EINVAL;

	if (in->n >= CHECKS_MAX)
		return E2BIG;

	c = &in->checks[in->n++];
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->h    = h;
	c->arg  = arg;

	return 0;
}


/** "intake_NAME_dropped=N" and "intake_NAME_refused=N" per check */
int intake_status(struct re_printf *pf, const struct intake *in)
{
	int err = 0;

	if (!in)
		return 0;

	for (size_t i = 0; i < in->n; i++) {
		const struct check *c = &in->checks[i];

		err |= re_hprintf(pf, "intake_%s_dropped=%llu\n"
				  "intake_%s_refused=%llu\n", c->name,
				  c->dropped, c->name, c->refused);
	}

	return err;
}
