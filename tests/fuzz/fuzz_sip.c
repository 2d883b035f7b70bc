/* fuzz_sip.c: the SIP request path from the bytes of one datagram: pre-filter, libre's decoder, validation, push reading, admission and the reply. */
#include <ctype.h>
#include <string.h>
#include <re.h>
#include "appid.h"
#include "appset.h"
#include "admit.h"
#include "config.h"
#include "prefilter.h"
#include "pushreq.h"
#include "pushmeta.h"
#include "router.h"
#include "sipcheck.h"
#include "fuzz.h"

/*
 * What sippushd does with a datagram on its SIP UDP socket, without the
 * socket: prefilter_datagram(), sip_msg_decode(), sipcheck_request(),
 * then for a MESSAGE the pager's checks and admit_check() (for an INVITE
 * admission; its SDP body is fuzz_sdp's), and the stateless reply libre
 * would send (encoded; the stack has no transport, so nothing leaves).
 *
 * Invariants: a request the checks let through to an app declares its
 * own length truthfully (Content-Length, when present, is the length of
 * what would be delivered), names exactly one From, and yields a
 * canonical app ID and a printable sender identity.
 */

static struct config *cfg;
static struct appset *apps;
static struct router *rtr;
static struct sip *sip;
static char owner_mms, owner_ulp;

static const char cfg_text[] =
	"sip_aor sip:pra@example.com\n"
	"sip_registrar sip:127.0.0.1\n"
	"app mms.ua\n"
	"app x-oma-application:ulp.ua\n"
	"app_sender ulp.ua sip:slp@operator.test\n"
	"route_ctype application/vnd.omaloc-supl-init ulp.ua\n"
	"max_message_size 32768\n";


int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	fuzz_setup_apps(&cfg, &apps, cfg_text);

	if (router_alloc(&rtr, apps, 16) ||
	    router_subscribe(rtr, &owner_mms, "x-wap-application:mms.ua",
			     NULL, false) ||
	    router_subscribe(rtr, &owner_ulp, "x-oma-application:ulp.ua",
			     "application/vnd.omaloc-supl-init", false) ||
	    sip_alloc(&sip, NULL, 4, 4, 4, "fuzz", NULL, NULL))
		fuzz_fail(__FILE__, __LINE__, "setup");

	return 0;
}


static void printable(const char *s)
{
	FUZZ_ASSERT(*s);
	for (; *s; s++)
		FUZZ_ASSERT(isprint((unsigned char)*s));
}


/* the pager's checks (src/pager.c process()) up to the hand-over */
static uint16_t message(const struct sip_msg *msg, struct admit *ad,
			const char **reason)
{
	static struct pushmeta meta;
	struct route_query q;
	char ctype[PUSHREQ_CTYPE_MAX + 1];
	const size_t len = mbuf_get_left(msg->mb);
	uint16_t scode;

	if (pl_isset(&msg->to.tag)) {
		*reason = "Push MESSAGE Must Be Out Of Dialog";
		return 481;
	}
	if (len > cfg->max_message_size) {
		*reason = "Push Content Too Large";
		return 413;
	}
	if (!len) {
		*reason = "Empty Push";
		return 400;
	}
	if (pushreq_ctype(msg, ctype, sizeof(ctype))) {
		*reason = "Bad Content-Type";
		return 400;
	}
	printable(ctype);
	if (pushreq_expired(msg, 1700000000)) {
		*reason = "Push Expired";
		return 410;
	}

	/* what the record would carry, and the CPIM wrapper (pushmeta.c) */
	scode = pushmeta_read(&meta, msg, ctype, mbuf_buf(msg->mb), len,
			      reason);
	if (scode)
		return scode;
	q.ctype    = ctype;
	q.inner    = meta.is_cpim ? meta.inner_ctype : NULL;
	q.encoding = meta.encoding[0] ? meta.encoding : NULL;

	scode = admit_check(ad, msg, cfg, apps, rtr, &q);
	if (scode) {
		*reason = ad->reason;
		return scode;
	}

	return 0;
}


static uint16_t invite(const struct sip_msg *msg, struct admit *ad,
		       const char **reason)
{
	uint16_t scode;

	scode = admit_check(ad, msg, cfg, apps, rtr, NULL);
	if (scode) {
		*reason = ad->reason;
		return scode;
	}
	if (!msg_ctype_cmp(&msg->ctyp, "application", "sdp") ||
	    !mbuf_get_left(msg->mb)) {
		*reason = "Session Offer Must Be SDP";
		return 415;
	}

	return 0;
}


/* what the daemon delivers must be what the sender declared */
static void admitted(const struct sip_msg *msg, const struct admit *ad)
{
	char again[APPID_SIZE];

	printable(ad->sender);
	FUZZ_ASSERT(appid_normalise_str(again, sizeof(again), ad->app) == 0);
	FUZZ_ASSERT(!strcmp(again, ad->app));
	FUZZ_ASSERT(ad->rt.owner == &owner_mms || ad->rt.owner == &owner_ulp);

	if (pl_isset(&msg->clen))
		FUZZ_ASSERT(pl_u32(&msg->clen) == mbuf_get_left(msg->mb));
	FUZZ_ASSERT(sip_msg_hdr_count(msg, SIP_HDR_FROM) == 1);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL, *reason = "OK";
	struct sip_msg *msg = NULL;
	struct sipcheck chk;
	struct admit ad;
	struct mbuf *mb;
	uint16_t scode = 0;

	if (size > 65535)
		return 0;

	if (prefilter_datagram(data, size, &why) != PF_OK) {
		FUZZ_ASSERT(why && *why);
		return 0;
	}

	mb = mbuf_alloc(size ? size : 1);
	FUZZ_ASSERT(mb != NULL);
	(void)mbuf_write_mem(mb, data, size);
	mb->pos = 0;

	if (sip_msg_decode(&msg, mb))
		goto out;

	msg->tp = SIP_TRANSP_UDP;
	(void)sa_set_str(&msg->src, "127.0.0.1", 5070);
	(void)sa_set_str(&msg->dst, "127.0.0.1", 5060);

	if (!msg->req)
		goto out;

	if (sipcheck_request(&chk, msg)) {
		FUZZ_ASSERT(chk.reason && *chk.reason);
		scode = chk.scode;
		reason = chk.reason;
	}
	else if (!pl_strcmp(&msg->met, "MESSAGE")) {
		scode = message(msg, &ad, &reason);
		if (!scode)
			admitted(msg, &ad);
	}
	else if (!pl_strcmp(&msg->met, "INVITE")) {
		scode = invite(msg, &ad, &reason);
		if (!scode)
			admitted(msg, &ad);
	}

	FUZZ_ASSERT(reason != NULL);
	(void)sip_reply(sip, msg, scode ? scode : 200, reason);

 out:
	mem_deref(msg);
	mem_deref(mb);

	return 0;
}
