/* header.c: the MSRP parser's start line and header fields (RFC 4975 §9). */
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include "autoconf.h"
#include "mediatype.h"
#include "msrp.h"
#include "msrp_priv.h"

#define DEBUG_MODULE "msrp"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/* --- parser: start line and headers ---------------------------------- */

static void trim(const char **s, size_t *n)
{
	while (*n && is_ws((*s)[0])) {
		++*s;
		--*n;
	}
	while (*n && is_ws((*s)[*n - 1]))
		--*n;
}


/* Copies at most max bytes of free text, never cutting a UTF-8 sequence
 * in half: a comment is only for a log line, not worth a 400. */
static void copy_text(char *dst, size_t max, const char *s, size_t n)
{
	if (n > max) {
		n = max;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			--n;
	}

	memcpy(dst, s, n);
	dst[n] = '\0';
}


/* start-line: "MSRP" SP transact-id SP ( method / status-code [SP
 * comment] ). Runs of spaces are taken as one. */
int msrp_start_line(struct msrp_parser *p, const char *s, size_t n)
{
	struct msrp_msg *msg = &p->msg;
	size_t i, ts, tl;

	/* To-Path and From-Path stay: every chunk must carry both (first
	 * and second, else it is malformed), so a kept one is never seen
	 * by a chunk, and the same path as the last chunk's is not checked
	 * again (msrp_header): a 64 KiB chunk spent ~4k instructions on it */
	memset(msg, 0, offsetof(struct msrp_msg, to_path));
	memset(msg->message_id, 0, sizeof(*msg) -
	       offsetof(struct msrp_msg, message_id));
	p->tid_known = false;
	p->paths = false;
	p->nhdr = 0;
	p->seen = 0;

	/* %x4D.53.52.50 in the ABNF: upper case only, unlike header names */
	if (n < 5 || memcmp(s, "MSRP ", 5))
		return msrp_parser_malformed(p, "bad start line");

	for (i = 5; i < n && s[i] == ' '; i++)
		;
	ts = i;
	while (i < n && s[i] != ' ')
		++i;
	tl = i - ts;

	if (tl > MSRP_TID_MAX)
		return msrp_parser_malformed(p, "transaction ID too long");
	if (!msrp_ident_valid(s + ts, tl, MSRP_TID_MAX))
		return msrp_parser_malformed(p, "bad transaction ID");

	memcpy(msg->tid, s + ts, tl);
	msg->tid[tl] = '\0';
	p->tidlen = tl;
	p->tid_known = true;

	while (i < n && s[i] == ' ')
		++i;
	ts = i;
	while (i < n && s[i] != ' ')
		++i;
	tl = i - ts;
	while (i < n && s[i] == ' ')
		++i;

	if (!tl)
		return msrp_parser_malformed(p, "bad start line");

	if (is_digit(s[ts])) {
		uint16_t code = 0;

		if (tl != 3)
			return msrp_parser_malformed(p, "bad status code");
		for (size_t k = 0; k < 3; k++) {
			if (!is_digit(s[ts + k]))
				return msrp_parser_malformed(p, "bad status code");
			code = (uint16_t)(code * 10 + (s[ts + k] - '0'));
		}
		if (code < 100)
			return msrp_parser_malformed(p, "bad status code");

		msg->kind  = MSRP_RESPONSE;
		msg->scode = code;
		copy_text(msg->comment, MSRP_COMMENT_MAX, s + i, n - i);
	}
	else {
		for (size_t k = 0; k < tl; k++) {
			const char c = s[ts + k];

			if (c < 'A' || c > 'Z')
				return msrp_parser_malformed(p, "bad method");
		}
		if (tl > MNAME_MAX)
			return msrp_parser_malformed(p, "method name too long");
		if (i < n)
			return msrp_parser_malformed(p, "bad start line");

		msg->kind = MSRP_REQUEST;
		memcpy(msg->method_name, s + ts, tl);
		msg->method_name[tl] = '\0';

		if (!strcmp(msg->method_name, "SEND"))
			msg->method = MSRP_M_SEND;
		else if (!strcmp(msg->method_name, "REPORT"))
			msg->method = MSRP_M_REPORT;
		else if (!strcmp(msg->method_name, "AUTH"))
			msg->method = MSRP_M_AUTH;
		else
			msg->method = MSRP_M_OTHER;
	}

	p->started = true;

	return 0;
}


/* range-start "-" range-end "/" total: one number or "*" */
static int range_num(struct msrp_parser *p, const char **sp, const char *e,
		     char stop, bool star_ok, uint64_t *v, bool *star)
{
	const char *s = *sp;
	uint64_t x = 0;

	if (star_ok && s < e && *s == '*') {
		*star = true;
		++s;
	}
	else {
		const char *d = s;

		for (; s < e && is_digit(*s); s++) {
			x = x * 10 + (uint64_t)(*s - '0');
			/* checked each digit: no overflow however long */
			if (x > MSRP_RANGE_MAX)
				return msrp_parser_malformed(p, "Byte-Range number too "
						 "large");
		}
		if (s == d)
			return msrp_parser_malformed(p, "bad Byte-Range");
		*v = x;
	}

	if (stop ? (s >= e || *s != stop) : s != e)
		return msrp_parser_malformed(p, "bad Byte-Range");

	*sp = s + (stop ? 1 : 0);

	return 0;
}


static int byte_range(struct msrp_parser *p, const char *s, size_t n)
{
	struct msrp_msg *msg = &p->msg;
	const char *e = s + n;
	bool dummy = false;
	int err;

	err = range_num(p, &s, e, '-', false, &msg->range_start, &dummy);
	if (!err)
		err = range_num(p, &s, e, '/', true, &msg->range_end,
				&msg->end_star);
	if (!err)
		err = range_num(p, &s, e, '\0', true, &msg->range_total,
				&msg->total_star);
	if (err)
		return err;

	if (msg->range_start < 1)
		return msrp_parser_malformed(p, "Byte-Range start is 0");

	/* "1-0/0": an empty chunk ends right before it starts */
	if (!msg->end_star && msg->range_end < msg->range_start - 1)
		return msrp_parser_malformed(p, "Byte-Range end before start");

	if (!msg->total_star) {
		if (msg->range_start - 1 > msg->range_total)
			return msrp_parser_malformed(p, "Byte-Range start beyond total");
		if (!msg->end_star && msg->range_end > msg->range_total)
			return msrp_parser_malformed(p, "Byte-Range end beyond total");
	}

	msg->has_range = true;

	return 0;
}


static int report_value(struct msrp_parser *p, const char *v, size_t n,
			bool partial_ok, enum msrp_report *rep,
			const char *reason)
{
	if (n == 3 && !strncasecmp(v, "yes", 3))
		*rep = MSRP_REP_YES;
	else if (n == 2 && !strncasecmp(v, "no", 2))
		*rep = MSRP_REP_NO;
	else if (partial_ok && n == 7 && !strncasecmp(v, "partial", 7))
		*rep = MSRP_REP_PARTIAL;
	else
		return msrp_parser_malformed(p, reason);

	return 0;
}


/* Status = "Status:" SP namespace SP status-code [SP text-reason] */
static int status_value(struct msrp_parser *p, const char *v, size_t n)
{
	uint16_t code = 0;

	if (n < 7 || v[3] != ' ' || (n > 7 && !is_ws(v[7])))
		return msrp_parser_malformed(p, "bad Status");

	for (size_t k = 0; k < 7; k++) {
		if (k == 3)
			continue;
		if (!is_digit(v[k]))
			return msrp_parser_malformed(p, "bad Status");
		if (k > 3)
			code = (uint16_t)(code * 10 + (v[k] - '0'));
	}

	if (code < 100)
		return msrp_parser_malformed(p, "bad Status");

	p->msg.status = code;

	return 0;
}


/* Expires = 1*DIGIT (RFC 4976 §7.1), seconds; capped, not refused */
static int expires_value(struct msrp_parser *p, const char *v, size_t n)
{
	uint64_t x = 0;

	if (!n)
		return msrp_parser_malformed(p, "bad Expires");

	for (size_t i = 0; i < n; i++) {
		if (!is_digit(v[i]))
			return msrp_parser_malformed(p, "bad Expires");
		if (x < UINT32_MAX)
			x = x * 10 + (uint64_t)(v[i] - '0');
	}

	p->msg.expires = x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
	p->msg.has_expires = true;

	return 0;
}


int msrp_header(struct msrp_parser *p, const char *s, size_t n)
{
	struct msrp_msg *msg = &p->msg;
	const char *colon, *v;
	size_t nl, vl;
	const unsigned idx = p->nhdr++;
	enum hdr h;

	colon = memchr(s, ':', n);
	if (!colon)
		return msrp_parser_malformed(p, "header without colon");

	nl = (size_t)(colon - s);
	while (nl && is_ws(s[nl - 1]))
		--nl;

	/* hname = ALPHA *token */
	if (!nl || !is_alpha(s[0]))
		return msrp_parser_malformed(p, "bad header name");
	for (size_t k = 1; k < nl; k++) {
		if (!is_token_char(s[k]))
			return msrp_parser_malformed(p, "bad header name");
	}

	v  = colon + 1;
	vl = (size_t)(s + n - v);
	trim(&v, &vl);

	h = msrp_hdr_lookup(s, nl);

	/* RFC 4975 §9: headers = To-Path CRLF From-Path CRLF *( header ) */
	if (idx == 0 && h != H_TO_PATH)
		return msrp_parser_malformed(p, h == H_FROM_PATH ?
				 "From-Path before To-Path" :
				 "To-Path not first");
	if (idx == 1 && h != H_FROM_PATH && h != H_TO_PATH)
		return msrp_parser_malformed(p, "From-Path not second");

	/* a relay may offer several challenges (RFC 4976 §5.1): the first
	 * one is taken, the others are not an error */
	if (h != H_OTHER && h != H_WWW_AUTH) {
		if (p->seen & (1u << h))
			return msrp_parser_malformed(p, "duplicate header");
		p->seen |= 1u << h;
	}

	switch (h) {

	case H_TO_PATH:
	case H_FROM_PATH: {
		const unsigned k = h == H_FROM_PATH;
		char *dst = k ? msg->from_path : msg->to_path;

		if (vl > MSRP_PATH_MAX)
			return msrp_parser_malformed(p, h == H_TO_PATH ?
					 "To-Path too long" :
					 "From-Path too long");
		/* as valid as on the last chunk: byte for byte the same */
		if (p->pathlen[k] == vl + 1 && !memcmp(dst, v, vl))
			break;
		p->pathlen[k] = 0;
		if (!msrp_pathn_valid(v, vl))
			return msrp_parser_malformed(p, h == H_TO_PATH ? "bad To-Path" :
					 "bad From-Path");
		copy_text(dst, MSRP_PATH_MAX, v, vl);
		p->pathlen[k] = vl + 1;
		break;
	}

	case H_MESSAGE_ID:
		if (vl > MSRP_MSGID_MAX)
			return msrp_parser_malformed(p, "Message-ID too long");
		if (!msrp_ident_valid(v, vl, MSRP_MSGID_MAX))
			return msrp_parser_malformed(p, "bad Message-ID");
		memcpy(msg->message_id, v, vl);
		msg->message_id[vl] = '\0';
		break;

	case H_BYTE_RANGE:
		return byte_range(p, v, vl);

	case H_SUCCESS_REPORT:
		return report_value(p, v, vl, false, &msg->success_report,
				    "bad Success-Report");

	case H_FAILURE_REPORT:
		return report_value(p, v, vl, true, &msg->failure_report,
				    "bad Failure-Report");

	case H_STATUS:
		return status_value(p, v, vl);

	case H_CONTENT_TYPE:
		if (vl > MSRP_CTYPE_MAX)
			return msrp_parser_malformed(p, "Content-Type too long");
		if (!mediatype_valid(v, vl, MEDIATYPE_PARAMS))
			return msrp_parser_malformed(p, "bad Content-Type");
		memcpy(msg->ctype, v, vl);
		msg->ctype[vl] = '\0';
		break;

	case H_USE_PATH:
		if (vl > MSRP_PATH_MAX)
			return msrp_parser_malformed(p, "Use-Path too long");
		if (!msrp_pathn_valid(v, vl))
			return msrp_parser_malformed(p, "bad Use-Path");
		copy_text(msg->use_path, MSRP_PATH_MAX, v, vl);
		break;

	case H_EXPIRES:
		return expires_value(p, v, vl);

	case H_WWW_AUTH:
		if (msg->www_auth[0])
			break;
		if (vl > MSRP_AUTHHDR_MAX)
			return msrp_parser_malformed(p, "WWW-Authenticate too long");
		copy_text(msg->www_auth, MSRP_AUTHHDR_MAX, v, vl);
		break;

	case H_OTHER:
		/* unknown headers are ignored (RFC 4975 §9 ext-header) */
		break;
	}

	/* From-Path is second, after To-Path: both are this chunk's now */
	if (h == H_FROM_PATH)
		p->paths = true;

	return 0;
}


