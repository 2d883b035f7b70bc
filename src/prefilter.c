/* prefilter.c: a cheap first look at raw SIP bytes, before libre's parser sees them. */
#include <ctype.h>
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "prefilter.h"

/*
 * Why: libre 1.1.0 finds the start line with re_regex(), which retries
 * from every offset when the line does not match: an 8,000-byte junk
 * datagram cost ~9 ms, and on TCP libre re-parses the whole buffer for
 * every segment that arrives (one 16 KB junk line held the loop 0.7 s).
 * This pass looks at each byte once, in any split, and passes on only
 * what has a well-formed start line, a bounded header block and (on a
 * stream) the same message framing libre will find, so that libre's
 * parser only ever runs on plausible SIP, and then in linear time.
 *
 * It decides framing and plausibility only. Everything a sender should
 * hear about (missing headers, a bad CSeq, a NUL in a header name, a
 * Content-Length that disagrees with a datagram) is left to sipcheck.c,
 * which answers 400 with a reason; what is refused here cannot be
 * answered anyway (no parsable request) or must not be parsed at all.
 *
 * The framing must be libre's own (src/sip/msg.c, src/sip/transp.c):
 * a header is Content-Length when libre's 12-bit header hash says so
 * (any name that collides counts too, as in libre), the last value
 * counts, CRLF pairs between messages are keep-alives. Where libre would
 * silently read something else (a value with other characters reads as
 * 0, one over 2^32 wraps), a stream is refused instead.
 * tests/fuzz/fuzz_sipstream.c checks the framing against libre's.
 */

enum {
	CL_LEAD = 0,     /* white space before the digits */
	CL_DIGITS,
	CL_TRAIL,        /* white space after them */
	CL_BAD,
	CL_MAX = 0xffffffffu,  /* libre reads the value into 32 bits */
};


/* RFC 3261 §25.1 token characters */
static bool token_char(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;

	return c && strchr("-.!%*_+`'~", c) != NULL;
}


static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}


/* libre's hash_joaat_ci(), one character at a time, with the very call
 * libre makes: tolower() of a plain char. What a byte >= 0x80 adds
 * depends on the libc and on char's signedness (glibc on x86: the byte,
 * but 0xff is EOF, -1; musl on MIPS: negative; ARM: the byte), so only
 * the same call in the same process gives libre's hash. Adding the byte
 * made names with such bytes Content-Length for one and not the other,
 * and the two framed a stream apart (found by fuzz_sipstream). */
static uint32_t joaat_step(uint32_t h, uint8_t c)
{
	const char ch = (char)c;

	/* NOLINTNEXTLINE(bugprone-signed-char-misuse,cert-str34-c): as libre */
	h += (uint32_t)tolower(ch);
	h += (h << 10);
	h ^= (h >> 6);

	return h;
}


static uint32_t joaat_final(uint32_t h)
{
	h += (h << 3);
	h ^= (h >> 11);
	h += (h << 15);

	return h;
}


static enum prefilter_result junk(struct prefilter *pf, const char *why)
{
	pf->st  = PF_DEAD;
	pf->why = why;

	return PF_JUNK;
}


static void message_reset(struct prefilter *pf)
{
	pf->st       = pf->stream ? PF_IDLE : PF_LINE;
	pf->response = false;
	pf->field    = 0;
	pf->tokl     = 0;
	pf->linel    = 0;
	pf->hdrl     = 0;
	pf->lines    = 0;
	pf->items    = 0;
	pf->in_cl    = false;
	pf->have_cl  = false;
	pf->clen     = 0;
	pf->left     = 0;
	pf->bad      = NULL;
}


/**
 * Start looking at a new stream or datagram.
 *
 * @param pf        State
 * @param stream    A TCP/TLS byte stream (framed by Content-Length)
 * @param body_max  Stream: bodies above this are PF_OVERSIZE
 */
void prefilter_init(struct prefilter *pf, bool stream, uint64_t body_max)
{
	if (!pf)
		return;

	memset(pf, 0, sizeof(*pf));
	pf->stream   = stream;
	pf->body_max = body_max;
	message_reset(pf);
}


/* one byte of the start line */
static enum prefilter_result line_byte(struct prefilter *pf, uint8_t c)
{
	static const char version[] = "SIP/2.0";

	if (++pf->linel > PREFILTER_LINE_MAX)
		return junk(pf, "start line too long");

	switch (pf->field) {

	case 0:    /* method, or SIP-Version of a response */
		if (c == ' ') {
			if (!pf->tokl)
				return junk(pf, "start line begins with a space");
			pf->tok[pf->tokl] = '\0';
			pf->response = !strcmp(pf->tok, version);
			if (!pf->response && strchr(pf->tok, '/'))
				return junk(pf, "bad method");
			pf->field = 1;
			pf->tokl  = 0;
			return PF_OK;
		}
		if (!token_char(c) && c != '/')
			return junk(pf, "bad method");
		if (pf->tokl >= PREFILTER_METHOD_MAX)
			return junk(pf, "method too long");
		pf->tok[pf->tokl++] = (char)c;
		return PF_OK;

	case 1:    /* Request-URI, or Status-Code */
		if (pf->response) {
			if (pf->tokl == 3 && c == ' ') {
				pf->field = 2;
				pf->tokl  = 0;
				return PF_OK;
			}
			if (pf->tokl >= 3 || c < '0' || c > '9' ||
			    (!pf->tokl && (c < '1' || c > '6')))
				return junk(pf, "bad status code");
			++pf->tokl;
			return PF_OK;
		}
		if (c == ' ') {
			if (!pf->tokl)
				return junk(pf, "empty Request-URI");
			pf->field = 2;
			pf->tokl  = 0;
			return PF_OK;
		}
		if (c < 0x21 || c > 0x7e)
			return junk(pf, "bad character in Request-URI");
		pf->tokl = 1;
		return PF_OK;

	default:   /* SIP-Version of a request, or Reason-Phrase */
		if (c == '\r' || c == '\n') {
			if (!pf->response && pf->tokl != sizeof(version) - 1)
				return junk(pf, "bad SIP version");
			pf->st = c == '\r' ? PF_LINE_CR : PF_HDR_BOL;
			return PF_OK;
		}
		if (pf->response) {
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return junk(pf, "bad character in reason phrase");
			return PF_OK;
		}
		if (pf->tokl >= sizeof(version) - 1 ||
		    c != (uint8_t)version[pf->tokl])
			return junk(pf, "bad SIP version");
		++pf->tokl;
		return PF_OK;
	}
}


static void name_byte(struct prefilter *pf, uint8_t c)
{
	if (pf->namel < sizeof(pf->name))
		pf->name[pf->namel] = (char)lower(c);
	if (pf->namel < 0xfe)
		++pf->namel;
	pf->hash = joaat_step(pf->hash, c);
}


/* a header name has ended at its colon: is it (for libre) Content-Length? */
static void name_done(struct prefilter *pf)
{
	enum sip_hdrid id;

	if (pf->namel == 1)
		id = pf->name[0] == 'l' ? SIP_HDR_CONTENT_LENGTH : SIP_HDR_NONE;
	else if (pf->name[0] == 'x' && pf->name[1] == '-')
		id = SIP_HDR_NONE;
	else
		id = (enum sip_hdrid)(joaat_final(pf->hash) & 0xfff);

	pf->in_cl    = id == SIP_HDR_CONTENT_LENGTH;

	/* libre parses these numbers with regular expressions that retry
	 * from every offset: 4096 digits of CSeq cost ~50 ms */
	switch (id) {
	case SIP_HDR_CSEQ:
	case SIP_HDR_MAX_FORWARDS:
	case SIP_HDR_EXPIRES:
	case SIP_HDR_CONTENT_LENGTH:
		pf->hmax = PREFILTER_NUMHDR_MAX;
		break;
	default:
		break;
	}

	pf->cl_state = CL_LEAD;
	pf->cl_digits = 0;
	pf->cl       = 0;
}


static enum prefilter_result cl_byte(struct prefilter *pf, uint8_t c)
{
	const bool ws = c == ' ' || c == '\t';

	switch (pf->cl_state) {

	case CL_LEAD:
		if (ws)
			return PF_OK;
		break;

	case CL_DIGITS:
		if (ws) {
			pf->cl_state = CL_TRAIL;
			return PF_OK;
		}
		break;

	case CL_TRAIL:
		if (ws)
			return PF_OK;
		pf->cl_state = CL_BAD;
		return PF_OK;

	default:
		return PF_OK;
	}

	if (c < '0' || c > '9' || pf->cl_digits >= PREFILTER_CLEN_DIGITS) {
		pf->cl_state = CL_BAD;
		return PF_OK;
	}

	pf->cl = pf->cl * 10 + (uint64_t)(c - '0');
	++pf->cl_digits;
	pf->cl_state = CL_DIGITS;

	return PF_OK;
}


/* the header line (with its continuations) ended at a line feed */
static enum prefilter_result header_done(struct prefilter *pf)
{
	if (!pf->in_cl)
		return PF_OK;

	/* on a datagram sipcheck.c answers these; on a stream the length
	 * of the body is unknown: the headers get a 400, then the end */
	if (pf->cl_state == CL_LEAD || pf->cl_state == CL_BAD ||
	    pf->cl > CL_MAX) {
		pf->in_cl = false;
		if (pf->stream && !pf->bad)
			pf->bad = "Bad Content-Length";
		return PF_OK;
	}

	if (pf->stream && pf->have_cl && pf->clen != pf->cl && !pf->bad)
		pf->bad = "Multiple Content-Length Headers";

	pf->have_cl = true;
	pf->clen    = pf->cl;

	return PF_OK;
}


static enum prefilter_result headers_done(struct prefilter *pf)
{
	if (!pf->stream) {
		pf->st   = PF_BODY;      /* the rest of the datagram */
		pf->left = UINT64_MAX;
		return PF_MESSAGE;
	}

	if (!pf->have_cl && !pf->bad)
		pf->bad = "Missing Content-Length";

	if (pf->bad) {
		pf->st  = PF_DEAD;
		pf->why = pf->bad;
		return PF_BADFRAME;
	}

	if (pf->clen > pf->body_max) {
		pf->st   = PF_SKIP;
		pf->left = pf->clen;
		return PF_OVERSIZE;
	}

	if (!pf->clen) {
		message_reset(pf);
		return PF_MESSAGE;
	}

	pf->st   = PF_BODY;
	pf->left = pf->clen;

	return PF_OK;
}


static enum prefilter_result hdr_byte(struct prefilter *pf, uint8_t c)
{
	enum prefilter_result r;

	if (++pf->hdrl > PREFILTER_HDRS_MAX)
		return junk(pf, "header block too large");
	if (pf->st != PF_LINE_CR && pf->st != PF_HDR_BOL &&
	    pf->st != PF_EOH_CR && ++pf->hlen > pf->hmax)
		return junk(pf, "header too long");

	switch (pf->st) {

	case PF_LINE_CR:
		if (c != '\n')
			return junk(pf, "bare CR");
		pf->st = PF_HDR_BOL;
		return PF_OK;

	case PF_HDR_BOL:
		if (c == '\r') {
			pf->st = PF_EOH_CR;
			return PF_OK;
		}
		if (c == '\n')
			return headers_done(pf);
		if (++pf->lines > PREFILTER_LINES_MAX)
			return junk(pf, "too many header lines");
		if (++pf->items > PREFILTER_ITEMS_MAX)
			return junk(pf, "too many header items");
		if (c == ' ' || c == '\t') {
			if (pf->lines == 1)
				return junk(pf, "continuation without a header");
			if (pf->in_cl && pf->stream && !pf->bad)
				pf->bad = "Bad Content-Length";
			pf->in_cl = false;
			pf->st = PF_HDR_VALUE;
			return PF_OK;
		}
		pf->st    = PF_HDR_NAME;
		pf->namel = 0;
		pf->in_cl = false;
		pf->hash  = 0;
		pf->wsn   = 0;
		pf->hlen  = 1;
		pf->hmax  = PREFILTER_HDR_MAX;
		/*@fallthrough@*/

	case PF_HDR_NAME:
		if (c == ':') {
			if (!pf->namel)
				return junk(pf, "header without a name");
			name_done(pf);
			pf->st = PF_HDR_VALUE;
			return PF_OK;
		}
		if (c == ' ' || c == '\t') {
			if (!pf->namel)
				return junk(pf, "header without a name");
			pf->ws[0] = (char)c;
			pf->wsn = 1;
			pf->st = PF_HDR_COLON;
			return PF_OK;
		}
		if (c == '\r' || c == '\n')
			return junk(pf, "header line without a colon");
		name_byte(pf, c);
		return PF_OK;

	case PF_HDR_COLON:
		if (c == ':') {
			name_done(pf);
			pf->st = PF_HDR_VALUE;
			return PF_OK;
		}
		if (c == '\r' || c == '\n')
			return junk(pf, "header line without a colon");
		if (c == ' ' || c == '\t') {
			if (pf->wsn >= sizeof(pf->ws))
				return junk(pf, "odd header name");
			pf->ws[pf->wsn++] = (char)c;
			return PF_OK;
		}
		/* the white space was inside the name, as libre reads it */
		for (uint8_t i = 0; i < pf->wsn; i++)
			name_byte(pf, (uint8_t)pf->ws[i]);
		pf->wsn = 0;
		name_byte(pf, c);
		pf->st = PF_HDR_NAME;
		return PF_OK;

	case PF_HDR_VALUE:
		if (c == '\r') {
			pf->st = PF_HDR_CR;
			return PF_OK;
		}
		if (c == '\n') {
			pf->st = PF_HDR_BOL;
			return header_done(pf);
		}
		/* libre splits many headers at commas, one allocation each */
		if (c == ',' && ++pf->items > PREFILTER_ITEMS_MAX)
			return junk(pf, "too many header items");
		return pf->in_cl ? cl_byte(pf, c) : PF_OK;

	case PF_HDR_CR:
		if (c != '\n')
			return junk(pf, "bare CR");
		pf->st = PF_HDR_BOL;
		return header_done(pf);

	case PF_EOH_CR:
		if (c != '\n')
			return junk(pf, "bare CR");
		r = headers_done(pf);
		return r;

	default:
		return junk(pf, "internal state");
	}
}


/**
 * Look at the next bytes of a stream (or a datagram).
 *
 * @param pf   State
 * @param p    Bytes
 * @param n    Number of bytes
 * @param res  PF_OK when all n were taken and nothing ended; else what
 *             ended after the returned count of bytes (PF_MESSAGE,
 *             PF_OVERSIZE, PF_SKIPPED) or PF_JUNK (pf->why says why)
 *
 * @return Number of bytes taken
 */
size_t prefilter_feed(struct prefilter *pf, const uint8_t *p, size_t n,
		      enum prefilter_result *res)
{
	enum prefilter_result r = PF_OK;
	size_t i = 0;

	if (!pf || (!p && n) || !res) {
		if (res)
			*res = PF_JUNK;
		return 0;
	}

	while (i < n && r == PF_OK) {
		const uint8_t c = p[i];

		switch (pf->st) {

		case PF_IDLE:
			if (c == '\r') {
				pf->st = PF_IDLE_CR;
				++i;
				continue;
			}
			pf->st = PF_LINE;
			continue;      /* the byte starts the start line */

		case PF_IDLE_CR:
			r = c == '\n' ? PF_OK : junk(pf, "bare CR");
			pf->st = r == PF_OK ? PF_IDLE : PF_DEAD;
			++i;
			continue;

		case PF_LINE:
			++pf->hdrl;
			r = line_byte(pf, c);
			++i;
			continue;

		case PF_BODY:
		case PF_SKIP: {
			const size_t take = (uint64_t)(n - i) < pf->left ?
				n - i : (size_t)pf->left;

			i += take;
			if (pf->left != UINT64_MAX)
				pf->left -= take;
			if (!pf->left) {
				r = pf->st == PF_SKIP ? PF_SKIPPED : PF_MESSAGE;
				message_reset(pf);
			}
			continue;
		}

		case PF_DEAD:
			r = PF_JUNK;
			continue;

		default:
			r = hdr_byte(pf, c);
			++i;
			continue;
		}
	}

	*res = r;

	return i;
}


/* RFC 5389 §6: what libre's SIP UDP transport takes as STUN */
static bool is_stun(const uint8_t *p, size_t n)
{
	return n >= 20 && !(p[0] & 0xc0) &&
		p[4] == 0x21 && p[5] == 0x12 && p[6] == 0xa4 && p[7] == 0x42 &&
		(size_t)((p[2] << 8) | p[3]) + 20 == n;
}


/**
 * Look at one datagram from the SIP UDP socket.
 *
 * @param p    Datagram
 * @param n    Its length
 * @param why  Set to a static reason when it is refused
 *
 * @return PF_OK if libre may parse it (a plausible SIP message, STUN, or
 *         a keep-alive libre ignores), else PF_JUNK
 */
enum prefilter_result prefilter_datagram(const uint8_t *p, size_t n,
					 const char **why)
{
	enum prefilter_result r;
	struct prefilter pf;
	size_t used;

	if (!p) {
		if (why)
			*why = "no data";
		return PF_JUNK;
	}

	/* libre ignores up to 4 bytes (CRLF keep-alives) */
	if (n <= 4 || is_stun(p, n))
		return PF_OK;

	prefilter_init(&pf, false, 0);
	used = prefilter_feed(&pf, p, n, &r);
	(void)used;

	if (r == PF_MESSAGE)
		return PF_OK;

	if (why)
		*why = r == PF_JUNK ? pf.why : "incomplete header block";

	return PF_JUNK;
}
