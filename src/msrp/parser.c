/* parser.c: the incremental MSRP parser: lines, the body and its end-line, the API. */
#include <string.h>
#include <strings.h>
#include <re.h>
#include "autoconf.h"
#include "msrp.h"
#include "msrp_priv.h"

#define DEBUG_MODULE "msrp"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * The parser is a push parser with two states.
 *
 * LINE: the start line and the header lines are collected one line at a
 * time into a fixed buffer (the whole block is bounded by MSRP_HDR_MAX,
 * so one line always fits) and parsed when their CRLF arrives. A line of
 * seven hyphens ends a chunk without body; an empty line starts the body.
 *
 * BODY: bytes go to the data handler as they arrive. The only bytes held
 * back are those that might be the start of the end-line
 *
 *     CRLF "-------" tid flag CRLF
 *
 * i.e. at most 12 + 32 bytes, and those are never copied: while they
 * match, they equal the pattern, so if the match fails they are handed
 * on from the pattern itself. The pattern holds a CR only at its start
 * and right after the flag, so after a mismatch the only place a new
 * match can begin is the byte that failed (if it is a CR): no KMP table
 * is needed. Memory per parser is fixed at allocation: a 1 GiB body
 * costs what a 1 byte body costs.
 *
 * The body is primed as if its first bytes followed a CRLF, so an empty
 * body written as "blank line, end-line" (no CRLF between) ends at once
 * too; a conforming body cannot start with its own end-line, so nothing
 * that is valid is lost by this.
 *
 * Once "CRLF -------tid" and a flag matched, the RFC says this cannot be
 * body (the sender must pick a tid absent from the body), so anything
 * but CRLF next is an error instead of silently reading the rest of the
 * connection as body.
 *
 * Results do not depend on how the stream is split: errors, the
 * callbacks and the bytes they carry are the same whether a buffer
 * arrives whole or byte by byte (data pieces may be cut differently).
 * After an error the parser stays dead until msrp_parser_reset(): MSRP
 * has no way to find the next message reliably, so the connection goes.
 */

/* --- parser: errors and delivery ------------------------------------- */

int msrp_parser_fail(struct msrp_parser *p, int err, uint16_t scode,
		     const char *reason)
{
	p->st  = ST_DEAD;
	p->err = err;
	p->error.scode  = scode;
	p->error.reason = reason;
	str_ncpy(p->error.tid, p->tid_known ? p->msg.tid : "",
		 sizeof(p->error.tid));
	p->error.msg = p->tid_known && p->paths ? &p->msg : NULL;

	return err;
}


int msrp_parser_malformed(struct msrp_parser *p, const char *reason)
{
	return msrp_parser_fail(p, EBADMSG, 400, reason);
}


/* Body bytes, after the Byte-Range bound: exactly the allowed prefix is
 * delivered before the error, however the input was split. */
static int deliver(struct msrp_parser *p, const uint8_t *b, size_t n)
{
	const uint64_t room = p->limit - p->msg.body_len;
	bool over = false;
	int err;

	if (!n)
		return 0;

	if (n > room) {
		n = (size_t)room;
		over = true;
	}

	if (n) {
		p->msg.body_len += n;
		err = p->datah ? p->datah(b, n, p->arg) : 0;
		if (err)
			return err;
	}

	return over ? msrp_parser_malformed(p, "body exceeds Byte-Range") : 0;
}



static void message_done(struct msrp_parser *p)
{
	p->st = ST_LINE;
	p->started = false;
	p->tid_known = false;
	p->blk = 0;
	p->linelen = 0;
}


/* The header block ended: with a blank line (body) or the end-line */
static int headers_done(struct msrp_parser *p, bool body, char flag)
{
	struct msrp_msg *msg = &p->msg;
	uint64_t limit;
	int err;

	if (p->nhdr == 0)
		return msrp_parser_malformed(p, "missing To-Path");
	if (p->nhdr == 1)
		return msrp_parser_malformed(p, "missing From-Path");

	if (body) {
		if (msg->kind == MSRP_RESPONSE)
			return msrp_parser_malformed(p, "response with body");
		if (!msg->ctype[0])
			return msrp_parser_malformed(p, "body without Content-Type");
	}

	msg->has_body = body;

	/* start - 1 + body length stays <= MSRP_RANGE_MAX: a spool offset
	 * computed from it cannot overflow */
	limit = MSRP_RANGE_MAX;
	if (msg->has_range) {
		limit -= msg->range_start - 1;
		if (!msg->end_star)
			limit = min(limit, msg->range_end + 1 -
				    msg->range_start);
		if (!msg->total_star)
			limit = min(limit, msg->range_total + 1 -
				    msg->range_start);
	}
	p->limit = limit;

	if (p->starth) {
		err = p->starth(msg, p->arg);
		if (err)
			return err;
	}

	if (!body) {
		err = p->endh ? p->endh(msg, flag, p->arg) : 0;
		/* on a stop the tid stays known for the error report */
		if (!err)
			message_done(p);
		return err;
	}

	/* CRLF "-------" tid, then flag CRLF matched by position */
	memcpy(p->pat, "\r\n-------", 2 + HYPHENS);
	memcpy(p->pat + 2 + HYPHENS, msg->tid, p->tidlen);
	p->pat[2 + HYPHENS + p->tidlen] = '$';
	memcpy(p->pat + 3 + HYPHENS + p->tidlen, "\r\n", 2);
	p->patlen = 5 + HYPHENS + p->tidlen;

	p->st   = ST_BODY;
	p->m    = 2;
	p->virt = 2;

	return 0;
}


static int end_line_hdr(struct msrp_parser *p, const char *s, size_t n)
{
	const char flag = s[n - 1];

	if (n != HYPHENS + p->tidlen + 1 ||
	    memcmp(s + HYPHENS, p->msg.tid, p->tidlen) ||
	    !strchr("+$#", flag))
		return msrp_parser_malformed(p, "bad end-line");

	return headers_done(p, false, flag);
}


static int line_done(struct msrp_parser *p)
{
	char *s = p->line;
	size_t n = p->linelen;

	if (n < 2 || s[n - 2] != '\r')
		return msrp_parser_malformed(p, "bare LF in header");

	n -= 2;
	s[n] = '\0';

	for (size_t i = 0; i < n; i++) {
		const unsigned char c = (unsigned char)s[i];

		if (c == '\r')
			return msrp_parser_malformed(p, "bare CR in header");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return msrp_parser_malformed(p, "control character in header");
	}

	p->blk += p->linelen;
	p->linelen = 0;

	if (!p->started) {
		/* stray CRLFs between chunks are tolerated, and not counted
		 * against the next chunk's header block */
		if (!n) {
			p->blk = 0;
			return 0;
		}

		while (n && is_ws(s[n - 1]))
			--n;
		return msrp_start_line(p, s, n);
	}

	if (!n)
		return headers_done(p, true, 0);

	if (n >= HYPHENS && !memcmp(s, "-------", HYPHENS))
		return end_line_hdr(p, s, n);

	return msrp_header(p, s, n);
}


static int line_feed(struct msrp_parser *p, const uint8_t *buf, size_t len,
		     size_t *used)
{
	const uint8_t *lf = memchr(buf, '\n', len);
	const size_t n = lf ? (size_t)(lf - buf) + 1 : len;

	*used = n;

	if (n > MSRP_HDR_MAX - p->blk - p->linelen)
		return msrp_parser_fail(p, EMSGSIZE, 400, "header block too large");

	memcpy(p->line + p->linelen, buf, n);
	p->linelen += n;

	return lf ? line_done(p) : 0;
}


/* --- parser: body ---------------------------------------------------- */

/* The end-line is complete: the chunk is done */
static int body_done(struct msrp_parser *p)
{
	const char flag = p->pat[2 + HYPHENS + p->tidlen];
	int err;

	err = p->endh ? p->endh(&p->msg, flag, p->arg) : 0;
	if (!err)
		message_done(p);

	return err;
}


static int body_feed(struct msrp_parser *p, const uint8_t *buf, size_t len,
		     size_t *used)
{
	const size_t flagpos = 2 + HYPHENS + p->tidlen;
	const size_t carried = p->m;  /* end-line bytes held from before */
	size_t i = 0, run = 0;        /* buf[run..] not yet delivered */
	size_t mpos = 0;              /* where a match begun in buf began */
	bool inbuf = false;
	int err;

	while (i < len) {
		uint8_t c;

		if (!p->m) {
			const uint8_t *cr = memchr(buf + i, '\r', len - i);

			if (!cr) {
				i = len;
				break;
			}

			i = (size_t)(cr - buf);
			mpos = i++;
			inbuf = true;
			p->m = 1;
			continue;
		}

		c = buf[i];

		if (p->m == flagpos) {
			if (c == '+' || c == '$' || c == '#') {
				p->pat[flagpos] = (char)c;
				++p->m;
				++i;
				continue;
			}
		}
		else if (c == (uint8_t)p->pat[p->m]) {
			++p->m;
			++i;
			if (p->m < p->patlen)
				continue;

			*used = i;
			if (inbuf) {
				err = deliver(p, buf + run, mpos - run);
				if (err)
					return err;
			}
			return body_done(p);
		}
		else if (p->m > flagpos) {
			/* the bytes before were an end-line: flush what
			 * preceded it so every split reports the same */
			err = inbuf ? deliver(p, buf + run, mpos - run) : 0;
			return err ? err : msrp_parser_malformed(p, "garbage after "
						     "end-line");
		}

		/* mismatch: what matched so far was body after all */
		if (!inbuf) {
			/* held over from earlier feeds: the pattern has them */
			err = deliver(p, (const uint8_t *)p->pat + p->virt,
				      carried - p->virt);
			if (err)
				return err;
		}

		p->m = 0;
		p->virt = 0;
		inbuf = false;
		/* buf[i] is looked at again: it may start a new end-line */
	}

	*used = len;

	if (!p->m)
		return deliver(p, buf + run, len - run);
	if (inbuf)
		return deliver(p, buf + run, mpos - run);

	return 0;
}


/* --- parser: API ----------------------------------------------------- */

/**
 * Allocate a parser for one connection.
 *
 * @param pp      Set to the parser
 * @param starth  Headers of a chunk complete (may be NULL)
 * @param datah   Body bytes (may be NULL)
 * @param endh    End-line (may be NULL)
 * @param arg     Handler argument
 */
int msrp_parser_alloc(struct msrp_parser **pp, msrp_start_h *starth,
		      msrp_data_h *datah, msrp_end_h *endh, void *arg)
{
	struct msrp_parser *p;

	if (!pp)
		return EINVAL;

	/* nothing to free: all state is inside, fixed at this size */
	p = mem_zalloc(sizeof(*p), NULL);
	if (!p)
		return ENOMEM;

	p->starth = starth;
	p->datah  = datah;
	p->endh   = endh;
	p->arg    = arg;

	*pp = p;

	return 0;
}


/**
 * Forget everything fed so far, including a previous error.
 */
void msrp_parser_reset(struct msrp_parser *p)
{
	if (!p)
		return;

	memset(&p->msg, 0, sizeof(p->msg));
	memset(&p->error, 0, sizeof(p->error));
	p->pathlen[0] = p->pathlen[1] = 0;
	p->paths = false;
	p->err  = 0;
	p->m    = 0;
	p->virt = 0;
	message_done(p);
}


/**
 * Parse the next bytes of the stream. Handlers run from inside.
 *
 * The msg passed to the handlers is valid from the start handler until
 * the end handler returns. A handler must not call msrp_parser_reset();
 * it may mem_deref() the parser if it then returns non-zero.
 *
 * @param p     Parser
 * @param buf   Bytes as received
 * @param len   Their number
 * @param perr  Filled when non-zero is returned (may be NULL)
 *
 * @return 0, EBADMSG (malformed), EMSGSIZE (header block larger than
 *         MSRP_HDR_MAX), EINVAL, or a handler's non-zero return. After
 *         any of these the parser returns the same until reset.
 */
int msrp_parser_feed(struct msrp_parser *p, const uint8_t *buf, size_t len,
		     struct msrp_error *perr)
{
	size_t off = 0;
	int err = 0;

	if (!p || (!buf && len))
		return EINVAL;

	if (p->st == ST_DEAD) {
		if (perr)
			*perr = p->error;
		return p->err;
	}

	/* a handler may drop the last reference to us */
	mem_ref(p);

	while (off < len) {
		size_t used = 0;

		if (p->st == ST_LINE)
			err = line_feed(p, buf + off, len - off, &used);
		else
			err = body_feed(p, buf + off, len - off, &used);

		if (err)
			break;

		off += used;
	}

	if (err) {
		if (p->st != ST_DEAD)
			(void)msrp_parser_fail(p, err, 0, "stopped by handler");
		if (perr)
			*perr = p->error;
	}

	mem_deref(p);

	return err;
}


