/* sipcheck.c: strict request validation (RFC 3261 §8.2) before any handler sees a request. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "sipcheck.h"

/*
 * One pure decision over a request libre has decoded, before the pager,
 * INVITE or OPTIONS handler sees it. libre 1.1.0 is lenient in ways that
 * let wrong bytes through behind a 200: it takes requests without Via,
 * To, Call-ID, CSeq or Max-Forwards (without Via it cannot even answer),
 * reads numbers into 32 bits without overflow checks (a TCP
 * "Content-Length: 4294967301" frames 5 bytes), lets the last of two
 * Content-Length or From headers win, and identifies headers by a
 * 12-bit hash of the name alone, so that a header named "YAcup" is taken
 * as From and "YAiye" as P-Asserted-Identity (a forged sender through a
 * core that checks the real From). Each is answered here with 400 and a
 * reason naming the header, as RFC 3261 §8.2 and §21.4.1 ask:
 *
 *   header names are tokens, values hold no NUL or other control bytes;
 *   a header libre files under a known name carries that name;
 *   Via, From, To, Call-ID, CSeq, Max-Forwards present (§8.1.1);
 *   each of those, Content-Length and Content-Type at most once;
 *   CSeq "number method", number < 2^31, method that of the request;
 *   Max-Forwards 0..255; Content-Length digits equal to the body length
 *   (on UDP the body is the rest of the datagram, §18.3);
 *   Require with any option tag: 420 (§8.2.2.3, we support none);
 *   Content-Encoding other than identity: 415 (§8.2.3), except on a
 *   MESSAGE, where the app that owns the push may take the coding
 *   (SUBSCRIBE encoding=, doc/ipc.md): the intake asks the router and
 *   answers 415 with the owner's Accept-Encoding (admit.c).
 */

/* The headers libre's decoder, sipsess and our handlers read */
static const struct {
	enum sip_hdrid id;
	const char *name;
	char compact;
	bool once;       /* at most one */
	bool required;   /* RFC 3261 §8.1.1 */
} known[] = {
	{SIP_HDR_VIA,                 "Via",                 'v', false, true},
	{SIP_HDR_FROM,                "From",                'f', true,  true},
	{SIP_HDR_TO,                  "To",                  't', true,  true},
	{SIP_HDR_CALL_ID,             "Call-ID",             'i', true,  true},
	{SIP_HDR_CSEQ,                "CSeq",                0,   true,  true},
	{SIP_HDR_MAX_FORWARDS,        "Max-Forwards",        0,   true,  true},
	{SIP_HDR_CONTENT_LENGTH,      "Content-Length",      'l', true,  false},
	{SIP_HDR_CONTENT_TYPE,        "Content-Type",        'c', true,  false},
	{SIP_HDR_CONTENT_ENCODING,    "Content-Encoding",    'e', false, false},
	{SIP_HDR_EXPIRES,             "Expires",             0,   true,  false},
	{SIP_HDR_DATE,                "Date",                0,   true,  false},
	{SIP_HDR_CONTACT,             "Contact",             'm', false, false},
	{SIP_HDR_RECORD_ROUTE,        "Record-Route",        0,   false, false},
	{SIP_HDR_ROUTE,               "Route",               0,   false, false},
	{SIP_HDR_REQUIRE,             "Require",             0,   false, false},
	{SIP_HDR_SUPPORTED,           "Supported",           'k', false, false},
	{SIP_HDR_ACCEPT_CONTACT,      "Accept-Contact",      'a', false, false},
	{SIP_HDR_P_ASSERTED_IDENTITY, "P-Asserted-Identity", 0,   false, false},
};

enum { NKNOWN = sizeof(known) / sizeof(known[0]) };


static uint16_t bad(struct sipcheck *chk, uint16_t scode, const char *reason)
{
	chk->scode  = scode;
	chk->reason = reason;

	return scode;
}


/* RFC 3261 §25.1 token */
static bool token(const struct pl *pl)
{
	if (!pl->l)
		return false;

	for (size_t i = 0; i < pl->l; i++) {
		const char c = pl->p[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if (!c || !strchr("-.!%*_+`'~", c))
			return false;
	}

	return true;
}


/* a header value after libre's split: folding (CRLF + white space) is
 * left in it; any other control byte, NUL above all, is not SIP */
static bool value_ok(const struct pl *pl)
{
	for (size_t i = 0; i < pl->l; i++) {
		const unsigned char c = (unsigned char)pl->p[i];

		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') ||
		    c == 0x7f)
			return false;
	}

	return true;
}


/* unsigned decimal, digits only, at most max; false on overflow */
static bool number(const struct pl *pl, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;

	if (!pl->l || pl->l > 20)
		return false;

	for (size_t i = 0; i < pl->l; i++) {
		const char c = pl->p[i];

		if (c < '0' || c > '9')
			return false;
		n = n * 10 + (uint64_t)(c - '0');
		if (n > max)
			return false;
	}

	*v = n;
	return true;
}


static int find_known(enum sip_hdrid id)
{
	for (int i = 0; i < NKNOWN; i++)
		if (known[i].id == id)
			return i;

	return -1;
}


/* libre filed hdr under a known id: is that its name? */
static bool name_matches(int k, const struct pl *name)
{
	if (name->l == 1)
		return known[k].compact &&
			(name->p[0] | 0x20) == known[k].compact;

	return !pl_strcasecmp(name, known[k].name);
}


/* "CSeq: 1 MESSAGE": the number and a method equal to the request's
 * (by hand: a regex retries from every offset of a junk value) */
static uint16_t check_cseq(struct sipcheck *chk, const struct sip_msg *msg,
			   const struct pl *val)
{
	struct pl num, met;
	size_t i = 0;
	uint64_t n;

	num.p = val->p;
	while (i < val->l && val->p[i] >= '0' && val->p[i] <= '9')
		++i;
	num.l = i;

	if (!num.l || i == val->l || !strchr(" \t\r\n", val->p[i]))
		return bad(chk, 400, "Bad CSeq");
	while (i < val->l && strchr(" \t\r\n", val->p[i]))
		++i;

	met.p = val->p + i;
	met.l = val->l - i;
	if (!token(&met))
		return bad(chk, 400, "Bad CSeq");

	if (!number(&num, SIPCHECK_CSEQ_MAX, &n))
		return bad(chk, 400, "Bad CSeq Number");

	if (pl_cmp(&met, &msg->met))
		return bad(chk, 400, "CSeq Method Mismatch");

	return 0;
}


/**
 * Validate a request before it is handled.
 *
 * @param chk  Verdict: status, reason, extra reply header lines
 * @param msg  A decoded request (responses pass)
 *
 * @return 0 if the request may be handled, else the status to answer
 */
uint16_t sipcheck_request(struct sipcheck *chk, const struct sip_msg *msg)
{
	const struct pl *hval[NKNOWN];
	unsigned count[NKNOWN];
	uint64_t v;
	int k;

	if (!chk)
		return 500;

	chk->scode  = 0;
	chk->reason = NULL;
	chk->hdrs   = "";
	pl_set_str(&chk->unsupported, "");

	if (!msg)
		return bad(chk, 500, "No Request");
	if (!msg->req)
		return 0;

	memset(count, 0, sizeof(count));
	memset(hval, 0, sizeof(hval));

	for (struct le *le = list_head(&msg->hdrl); le; le = le->next) {
		const struct sip_hdr *hdr = le->data;

		if (!token(&hdr->name))
			return bad(chk, 400, "Bad Header Name");
		if (!value_ok(&hdr->val))
			return bad(chk, 400, "Bad Header Value");

		if (hdr->id == SIP_HDR_NONE)
			continue;

		k = find_known(hdr->id);
		if (k < 0)
			continue;

		/* libre's 12-bit name hash collided: another header
		 * would be read as this one */
		if (!name_matches(k, &hdr->name))
			return bad(chk, 400, "Ambiguous Header Name");

		if (!count[k]++)
			hval[k] = &hdr->val;
	}

	for (k = 0; k < NKNOWN; k++) {

		if (known[k].required && !count[k]) {
			switch (known[k].id) {
			case SIP_HDR_VIA:  return bad(chk, 400, "Missing Via");
			case SIP_HDR_FROM: return bad(chk, 400, "Missing From");
			case SIP_HDR_TO:   return bad(chk, 400, "Missing To");
			case SIP_HDR_CALL_ID:
				return bad(chk, 400, "Missing Call-ID");
			case SIP_HDR_CSEQ: return bad(chk, 400, "Missing CSeq");
			default:
				return bad(chk, 400, "Missing Max-Forwards");
			}
		}

		if (known[k].once && count[k] > 1) {
			switch (known[k].id) {
			case SIP_HDR_FROM:
				return bad(chk, 400, "Multiple From Headers");
			case SIP_HDR_TO:
				return bad(chk, 400, "Multiple To Headers");
			case SIP_HDR_CALL_ID:
				return bad(chk, 400, "Multiple Call-ID Headers");
			case SIP_HDR_CSEQ:
				return bad(chk, 400, "Multiple CSeq Headers");
			case SIP_HDR_MAX_FORWARDS:
				return bad(chk, 400,
					   "Multiple Max-Forwards Headers");
			case SIP_HDR_CONTENT_LENGTH:
				return bad(chk, 400,
					   "Multiple Content-Length Headers");
			case SIP_HDR_CONTENT_TYPE:
				return bad(chk, 400,
					   "Multiple Content-Type Headers");
			case SIP_HDR_DATE:
				return bad(chk, 400, "Multiple Date Headers");
			default:
				return bad(chk, 400, "Multiple Expires Headers");
			}
		}
	}

	/* libre decodes the first Via; without sent-by it cannot answer */
	if (!pl_isset(&msg->via.sentby) || msg->via.tp == SIP_TRANSP_NONE)
		return bad(chk, 400, "Bad Via");
	if (!pl_isset(&msg->from.auri))
		return bad(chk, 400, "Bad From");
	if (!pl_isset(&msg->to.auri))
		return bad(chk, 400, "Bad To");
	if (!msg->callid.l)
		return bad(chk, 400, "Bad Call-ID");
	for (size_t i = 0; i < msg->callid.l; i++) {
		const char c = msg->callid.p[i];

		if (c <= 0x20 || c >= 0x7f)
			return bad(chk, 400, "Bad Call-ID");
	}

	k = find_known(SIP_HDR_CSEQ);
	if (check_cseq(chk, msg, hval[k]))
		return chk->scode;

	k = find_known(SIP_HDR_MAX_FORWARDS);
	if (!number(hval[k], SIPCHECK_MAXFWD_MAX, &v))
		return bad(chk, 400, "Bad Max-Forwards");

	k = find_known(SIP_HDR_CONTENT_LENGTH);
	if (count[k]) {
		if (!number(hval[k], UINT32_MAX, &v))
			return bad(chk, 400, "Bad Content-Length");
		if (v != mbuf_get_left(msg->mb))
			return bad(chk, 400, "Content-Length Mismatch");
	}

	/* we support no extension: all that is required is unsupported */
	k = find_known(SIP_HDR_REQUIRE);
	if (count[k]) {
		chk->unsupported = *hval[k];
		return bad(chk, 420, "Bad Extension");
	}

	k = find_known(SIP_HDR_CONTENT_ENCODING);
	if (count[k] && pl_strcmp(&msg->met, "MESSAGE")) {
		for (struct le *le = list_head(&msg->hdrl); le; le = le->next) {
			const struct sip_hdr *hdr = le->data;

			if (hdr->id == SIP_HDR_CONTENT_ENCODING &&
			    pl_strcasecmp(&hdr->val, "identity")) {
				chk->hdrs = "Accept-Encoding: identity\r\n";
				return bad(chk, 415,
					   "Unsupported Content-Encoding");
			}
		}
	}

	return 0;
}
