/* msrp.c: MSRP (RFC 4975) on the wire: the incremental parser and the framer. */
#include <string.h>
#include <strings.h>
#include <re.h>
#include "autoconf.h"
#include "msrp.h"

#define DEBUG_MODULE "msrp"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include <re_dbg.h>

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

enum pstate {
	ST_LINE,
	ST_BODY,
	ST_DEAD,
};

enum hdr {
	H_TO_PATH,
	H_FROM_PATH,
	H_MESSAGE_ID,
	H_BYTE_RANGE,
	H_SUCCESS_REPORT,
	H_FAILURE_REPORT,
	H_STATUS,
	H_CONTENT_TYPE,
	H_USE_PATH,
	H_EXPIRES,
	H_WWW_AUTH,
	H_OTHER,
};

static const char *const hdr_names[] = {
	"To-Path", "From-Path", "Message-ID", "Byte-Range",
	"Success-Report", "Failure-Report", "Status", "Content-Type",
	"Use-Path", "Expires", "WWW-Authenticate",
};

enum {
	HYPHENS    = 7,
	/* CRLF hyphens tid flag CRLF */
	PAT_MAX    = 2 + HYPHENS + MSRP_TID_MAX + 1 + 2,
	MNAME_MAX = sizeof(((struct msrp_msg *)0)->method_name) - 1,
};

struct msrp_parser {
	msrp_start_h *starth;
	msrp_data_h *datah;
	msrp_end_h *endh;
	void *arg;

	enum pstate st;
	struct msrp_msg msg;
	size_t tidlen;
	bool tid_known;      /* msg.tid belongs to the chunk being parsed */
	bool started;        /* the start line was parsed */
	unsigned nhdr;       /* header lines so far */
	unsigned seen;       /* bit per enum hdr, for duplicates */

	/* LINE */
	size_t blk;          /* bytes of this header block before line[] */
	size_t linelen;
	char line[MSRP_HDR_MAX + 1];

	/* BODY */
	uint64_t limit;      /* most body bytes the Byte-Range allows */
	size_t m;            /* end-line bytes matched */
	size_t virt;         /* leading ones of them that are not input */
	size_t patlen;
	char pat[PAT_MAX];

	/* DEAD */
	int err;
	struct msrp_error error;
};


/* --- characters ------------------------------------------------------ */

/* ASCII only: the locale must not change what is valid on the wire */
static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}


static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}


static bool is_alnum(int c)
{
	return is_digit(c) || is_alpha(c);
}


/* RFC 4975 §9: ident-char = ALPHANUM / "." / "-" / "+" / "%" / "=" */
static bool is_ident_char(int c)
{
	return is_alnum(c) || (c && strchr(".-+%=", c));
}


/* RFC 4975 §9 token (as in RFC 3261) */
static bool is_token_char(int c)
{
	return is_alnum(c) || (c && strchr("-.!%*_+`'~", c));
}


/* RFC 2045 token: any CHAR except SP, CTLs and tspecials */
static bool is_mime_token_char(int c)
{
	return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", c);
}


static bool is_ws(int c)
{
	return c == ' ' || c == '\t';
}


/* ident = ALPHANUM 3*31ident-char. The minimum of 4 is not enforced:
 * a short tid harms nobody but its sender, and rejecting it would cost
 * the connection. */
static bool ident_valid(const char *s, size_t n, size_t max)
{
	if (!n || n > max || !is_alnum(s[0]))
		return false;

	for (size_t i = 1; i < n; i++) {
		if (!is_ident_char(s[i]))
			return false;
	}

	return true;
}


/* utf8text = *(HTAB / %x20-7E / UTF8-NONASCII): no CR, LF or other
 * control character can get into a line we write */
static bool text_valid(const char *s)
{
	for (; *s; s++) {
		const unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}

	return true;
}


/* --- URIs ------------------------------------------------------------ */

/* host [":" port] with host = "[" IPv6 "]" / IPv4 / reg-name */
static bool hostport_valid(const char *s, size_t n)
{
	size_t i = 0, ps;
	uint32_t port = 0;

	if (!n)
		return false;

	if (s[0] == '[') {
		for (i = 1; i < n && s[i] != ']'; i++) {
			const char c = s[i];

			if (!(is_alnum(c) || c == ':' || c == '.' ||
			      c == '%'))
				return false;
		}
		if (i >= n || i == 1)
			return false;
		++i;
	}
	else {
		for (; i < n && s[i] != ':'; i++) {
			const char c = s[i];

			if (!(is_alnum(c) || (c && strchr("-._~%", c))))
				return false;
		}
		if (!i)
			return false;
	}

	if (i == n)
		return true;

	if (s[i] != ':')
		return false;

	ps = ++i;
	for (; i < n; i++) {
		if (!is_digit(s[i]) || i - ps >= 5)
			return false;
		port = port * 10 + (uint32_t)(s[i] - '0');
	}

	return i > ps && port <= 65535;
}


struct uri_parts {
	const char *sid;
	size_t sidlen;
};


/*
 * MSRP-URI = msrp-scheme "://" authority ["/" session-id] ";" transport
 *            *( ";" URI-parameter )
 * The transport is mandatory (RFC 4975 §6); userinfo is allowed but not
 * inspected beyond "no separators in it".
 */
static bool uri_parse(const char *s, size_t n, struct uri_parts *u)
{
	size_t i, as, at;

	if (n > 7 && !strncasecmp(s, "msrp://", 7))
		i = 7;
	else if (n > 8 && !strncasecmp(s, "msrps://", 8))
		i = 8;
	else
		return false;

	as = at = i;
	for (; i < n && s[i] != '/' && s[i] != ';'; i++) {
		const unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f)
			return false;
		if (c == '@')
			at = i + 1;
	}
	if (!hostport_valid(s + at, i - at) || (at > as && at - 1 == as))
		return false;

	u->sid = NULL;
	u->sidlen = 0;
	if (i < n && s[i] == '/') {
		const size_t ss = ++i;

		for (; i < n && s[i] != ';'; i++) {
			const char c = s[i];

			if (!(is_alnum(c) || (c && strchr("-._~+=/%", c))))
				return false;
		}
		if (i == ss)
			return false;
		u->sid = s + ss;
		u->sidlen = i - ss;
	}

	if (i >= n || s[i] != ';')
		return false;

	/* transport = "tcp" / 1*ALPHANUM */
	{
		const size_t ts = ++i;

		while (i < n && is_alnum(s[i]))
			++i;
		if (i == ts)
			return false;
	}

	/* URI-parameter = token ["=" token] */
	while (i < n) {
		size_t ps;

		if (s[i] != ';')
			return false;
		ps = ++i;
		for (; i < n && s[i] != ';'; i++) {
			if (!is_token_char(s[i]) && s[i] != '=')
				return false;
		}
		if (i == ps)
			return false;
	}

	return true;
}


/* 1*MSRP-URI separated by white space, at most max bytes */
static bool path_valid(const char *s, size_t n)
{
	size_t i = 0, count = 0;

	while (i < n) {
		struct uri_parts u;
		size_t us;

		while (i < n && is_ws(s[i]))
			++i;
		if (i == n)
			break;
		us = i;
		while (i < n && !is_ws(s[i]))
			++i;
		if (!uri_parse(s + us, i - us, &u))
			return false;
		++count;
	}

	return count > 0;
}


/**
 * Is this one syntactically valid msrp: or msrps: URI (RFC 4975 §6)?
 */
bool msrp_uri_valid(const char *uri)
{
	struct uri_parts u;

	return uri && uri_parse(uri, strlen(uri), &u);
}


/**
 * Is this a valid To-Path / From-Path / a=path value: one or more URIs
 * separated by spaces, at most MSRP_PATH_MAX bytes?
 */
bool msrp_path_valid(const char *path)
{
	size_t n;

	if (!path)
		return false;

	n = strlen(path);

	return n <= MSRP_PATH_MAX && path_valid(path, n);
}


/**
 * The session-id of an MSRP URI: "msrp://h:1/SID;tcp" gives "SID".
 *
 * @return 0, EINVAL (not a valid URI), ENOENT (URI has no session-id),
 *         EOVERFLOW (sid does not fit in sz)
 */
int msrp_uri_session(const char *uri, char *sid, size_t sz)
{
	struct uri_parts u;

	if (!uri || !sid || !sz)
		return EINVAL;

	if (!uri_parse(uri, strlen(uri), &u))
		return EINVAL;

	if (!u.sid)
		return ENOENT;

	if (u.sidlen >= sz)
		return EOVERFLOW;

	memcpy(sid, u.sid, u.sidlen);
	sid[u.sidlen] = '\0';

	return 0;
}


static int path_pick(const char *path, char *uri, size_t sz, bool last)
{
	const char *p, *s = NULL;
	size_t n = 0;

	if (!path || !uri || !sz)
		return EINVAL;

	for (p = path; *p; ) {
		size_t l;

		while (is_ws(*p))
			++p;
		l = strcspn(p, " \t");
		if (!l)
			break;
		if (!s || last) {
			s = p;
			n = l;
		}
		p += l;
	}

	if (!s)
		return EINVAL;

	if (n >= sz)
		return EOVERFLOW;

	memcpy(uri, s, n);
	uri[n] = '\0';

	return 0;
}


/**
 * The first URI of a path (the next hop / the previous hop of a request:
 * where a response goes, RFC 4975 §7.2).
 *
 * @return 0, EINVAL (empty path), EOVERFLOW (does not fit in sz)
 */
int msrp_path_first(const char *path, char *uri, size_t sz)
{
	return path_pick(path, uri, sz, false);
}


/**
 * The last URI of a path (the endpoint itself; in From-Path: the sender).
 *
 * @return 0, EINVAL (empty path), EOVERFLOW (does not fit in sz)
 */
int msrp_path_last(const char *path, char *uri, size_t sz)
{
	return path_pick(path, uri, sz, true);
}


/**
 * A random transaction identifier (also fit for a Message-ID or an
 * a=path session-id): min(sz - 1, MSRP_TID_MAX) letters and digits.
 * sz should be at least 9 (8 characters: 47 bits); with sz < 5 the
 * result would not be a valid ident and tid is set to "".
 */
void msrp_tid_make(char *tid, size_t sz)
{
	static const char alnum[] =
		"0123456789"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz";
	size_t n, i = 0;

	if (!tid || !sz)
		return;

	n = min(sz - 1, (size_t)MSRP_TID_MAX);
	if (n < 4) {
		tid[0] = '\0';
		return;
	}

	while (i < n) {
		uint8_t rnd[MSRP_TID_MAX];

		rand_bytes(rnd, sizeof(rnd));
		for (size_t k = 0; k < sizeof(rnd) && i < n; k++) {
			/* 248 = 4 * 62: dropping the rest keeps it unbiased */
			if (rnd[k] < 248)
				tid[i++] = alnum[rnd[k] % 62];
		}
	}

	tid[n] = '\0';
}


/**
 * The RFC 4975 §10 / IANA text for a status code ("" if unknown).
 */
const char *msrp_reason(uint16_t scode)
{
	switch (scode) {

	case 200: return "OK";
	case 400: return "Unintelligible";
	case 401: return "Unauthorized";
	case 403: return "Action-not-allowed";
	case 408: return "Transaction-did-not-complete-in-allotted-time";
	case 413: return "Stop-sending-message";
	case 415: return "MIME-not-understood";
	case 423: return "Parameter-out-of-bounds";
	case 481: return "Session-does-not-exist";
	case 501: return "Request-method-not-understood";
	case 506: return "Session-already-in-use";
	default:  return "";
	}
}


/* --- parser: errors and delivery ------------------------------------- */

static int fail(struct msrp_parser *p, int err, uint16_t scode,
		const char *reason)
{
	p->st  = ST_DEAD;
	p->err = err;
	p->error.scode  = scode;
	p->error.reason = reason;
	str_ncpy(p->error.tid, p->tid_known ? p->msg.tid : "",
		 sizeof(p->error.tid));

	return err;
}


static int malformed(struct msrp_parser *p, const char *reason)
{
	return fail(p, EBADMSG, 400, reason);
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

	return over ? malformed(p, "body exceeds Byte-Range") : 0;
}


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
static int start_line(struct msrp_parser *p, const char *s, size_t n)
{
	struct msrp_msg *msg = &p->msg;
	size_t i, ts, tl;

	memset(msg, 0, sizeof(*msg));
	p->tid_known = false;
	p->nhdr = 0;
	p->seen = 0;

	/* %x4D.53.52.50 in the ABNF: upper case only, unlike header names */
	if (n < 5 || memcmp(s, "MSRP ", 5))
		return malformed(p, "bad start line");

	for (i = 5; i < n && s[i] == ' '; i++)
		;
	ts = i;
	while (i < n && s[i] != ' ')
		++i;
	tl = i - ts;

	if (tl > MSRP_TID_MAX)
		return malformed(p, "transaction ID too long");
	if (!ident_valid(s + ts, tl, MSRP_TID_MAX))
		return malformed(p, "bad transaction ID");

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
		return malformed(p, "bad start line");

	if (is_digit(s[ts])) {
		uint16_t code = 0;

		if (tl != 3)
			return malformed(p, "bad status code");
		for (size_t k = 0; k < 3; k++) {
			if (!is_digit(s[ts + k]))
				return malformed(p, "bad status code");
			code = (uint16_t)(code * 10 + (s[ts + k] - '0'));
		}
		if (code < 100)
			return malformed(p, "bad status code");

		msg->kind  = MSRP_RESPONSE;
		msg->scode = code;
		copy_text(msg->comment, MSRP_COMMENT_MAX, s + i, n - i);
	}
	else {
		for (size_t k = 0; k < tl; k++) {
			const char c = s[ts + k];

			if (c < 'A' || c > 'Z')
				return malformed(p, "bad method");
		}
		if (tl > MNAME_MAX)
			return malformed(p, "method name too long");
		if (i < n)
			return malformed(p, "bad start line");

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
				return malformed(p, "Byte-Range number too "
						 "large");
		}
		if (s == d)
			return malformed(p, "bad Byte-Range");
		*v = x;
	}

	if (stop ? (s >= e || *s != stop) : s != e)
		return malformed(p, "bad Byte-Range");

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
		return malformed(p, "Byte-Range start is 0");

	/* "1-0/0": an empty chunk ends right before it starts */
	if (!msg->end_star && msg->range_end < msg->range_start - 1)
		return malformed(p, "Byte-Range end before start");

	if (!msg->total_star) {
		if (msg->range_start - 1 > msg->range_total)
			return malformed(p, "Byte-Range start beyond total");
		if (!msg->end_star && msg->range_end > msg->range_total)
			return malformed(p, "Byte-Range end beyond total");
	}

	msg->has_range = true;

	return 0;
}


/* media-type = type "/" subtype *( ";" gen-param ); the parameters are
 * kept as they came, only checked to be text */
static bool ctype_valid(const char *s, size_t n)
{
	size_t i = 0, ts;

	for (ts = i; i < n && is_mime_token_char(s[i]); i++)
		;
	if (i == ts || i == n || s[i] != '/')
		return false;

	for (ts = ++i; i < n && is_mime_token_char(s[i]); i++)
		;
	if (i == ts)
		return false;

	while (i < n && is_ws(s[i]))
		++i;

	return i == n || s[i] == ';';
}


static enum hdr hdr_lookup(const char *name, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(hdr_names); i++) {
		if (strlen(hdr_names[i]) == n &&
		    !strncasecmp(hdr_names[i], name, n))
			return (enum hdr)i;
	}

	return H_OTHER;
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
		return malformed(p, reason);

	return 0;
}


/* Status = "Status:" SP namespace SP status-code [SP text-reason] */
static int status_value(struct msrp_parser *p, const char *v, size_t n)
{
	uint16_t code = 0;

	if (n < 7 || v[3] != ' ' || (n > 7 && !is_ws(v[7])))
		return malformed(p, "bad Status");

	for (size_t k = 0; k < 7; k++) {
		if (k == 3)
			continue;
		if (!is_digit(v[k]))
			return malformed(p, "bad Status");
		if (k > 3)
			code = (uint16_t)(code * 10 + (v[k] - '0'));
	}

	if (code < 100)
		return malformed(p, "bad Status");

	p->msg.status = code;

	return 0;
}


/* Expires = 1*DIGIT (RFC 4976 §7.1), seconds; capped, not refused */
static int expires_value(struct msrp_parser *p, const char *v, size_t n)
{
	uint64_t x = 0;

	if (!n)
		return malformed(p, "bad Expires");

	for (size_t i = 0; i < n; i++) {
		if (!is_digit(v[i]))
			return malformed(p, "bad Expires");
		if (x < UINT32_MAX)
			x = x * 10 + (uint64_t)(v[i] - '0');
	}

	p->msg.expires = x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
	p->msg.has_expires = true;

	return 0;
}


static int header(struct msrp_parser *p, const char *s, size_t n)
{
	struct msrp_msg *msg = &p->msg;
	const char *colon, *v;
	size_t nl, vl;
	const unsigned idx = p->nhdr++;
	enum hdr h;

	colon = memchr(s, ':', n);
	if (!colon)
		return malformed(p, "header without colon");

	nl = (size_t)(colon - s);
	while (nl && is_ws(s[nl - 1]))
		--nl;

	/* hname = ALPHA *token */
	if (!nl || !is_alpha(s[0]))
		return malformed(p, "bad header name");
	for (size_t k = 1; k < nl; k++) {
		if (!is_token_char(s[k]))
			return malformed(p, "bad header name");
	}

	v  = colon + 1;
	vl = (size_t)(s + n - v);
	trim(&v, &vl);

	h = hdr_lookup(s, nl);

	/* RFC 4975 §9: headers = To-Path CRLF From-Path CRLF *( header ) */
	if (idx == 0 && h != H_TO_PATH)
		return malformed(p, h == H_FROM_PATH ?
				 "From-Path before To-Path" :
				 "To-Path not first");
	if (idx == 1 && h != H_FROM_PATH && h != H_TO_PATH)
		return malformed(p, "From-Path not second");

	/* a relay may offer several challenges (RFC 4976 §5.1): the first
	 * one is taken, the others are not an error */
	if (h != H_OTHER && h != H_WWW_AUTH) {
		if (p->seen & (1u << h))
			return malformed(p, "duplicate header");
		p->seen |= 1u << h;
	}

	switch (h) {

	case H_TO_PATH:
	case H_FROM_PATH:
		if (vl > MSRP_PATH_MAX)
			return malformed(p, h == H_TO_PATH ?
					 "To-Path too long" :
					 "From-Path too long");
		if (!path_valid(v, vl))
			return malformed(p, h == H_TO_PATH ? "bad To-Path" :
					 "bad From-Path");
		copy_text(h == H_TO_PATH ? msg->to_path : msg->from_path,
			  MSRP_PATH_MAX, v, vl);
		break;

	case H_MESSAGE_ID:
		if (vl > MSRP_MSGID_MAX)
			return malformed(p, "Message-ID too long");
		if (!ident_valid(v, vl, MSRP_MSGID_MAX))
			return malformed(p, "bad Message-ID");
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
			return malformed(p, "Content-Type too long");
		if (!ctype_valid(v, vl))
			return malformed(p, "bad Content-Type");
		memcpy(msg->ctype, v, vl);
		msg->ctype[vl] = '\0';
		break;

	case H_USE_PATH:
		if (vl > MSRP_PATH_MAX)
			return malformed(p, "Use-Path too long");
		if (!path_valid(v, vl))
			return malformed(p, "bad Use-Path");
		copy_text(msg->use_path, MSRP_PATH_MAX, v, vl);
		break;

	case H_EXPIRES:
		return expires_value(p, v, vl);

	case H_WWW_AUTH:
		if (msg->www_auth[0])
			break;
		if (vl > MSRP_AUTHHDR_MAX)
			return malformed(p, "WWW-Authenticate too long");
		copy_text(msg->www_auth, MSRP_AUTHHDR_MAX, v, vl);
		break;

	case H_OTHER:
		/* unknown headers are ignored (RFC 4975 §9 ext-header) */
		break;
	}

	return 0;
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
		return malformed(p, "missing To-Path");
	if (p->nhdr == 1)
		return malformed(p, "missing From-Path");

	if (body) {
		if (msg->kind == MSRP_RESPONSE)
			return malformed(p, "response with body");
		if (!msg->ctype[0])
			return malformed(p, "body without Content-Type");
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
		return malformed(p, "bad end-line");

	return headers_done(p, false, flag);
}


static int line_done(struct msrp_parser *p)
{
	char *s = p->line;
	size_t n = p->linelen;

	if (n < 2 || s[n - 2] != '\r')
		return malformed(p, "bare LF in header");

	n -= 2;
	s[n] = '\0';

	for (size_t i = 0; i < n; i++) {
		const unsigned char c = (unsigned char)s[i];

		if (c == '\r')
			return malformed(p, "bare CR in header");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return malformed(p, "control character in header");
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
		return start_line(p, s, n);
	}

	if (!n)
		return headers_done(p, true, 0);

	if (n >= HYPHENS && !memcmp(s, "-------", HYPHENS))
		return end_line_hdr(p, s, n);

	return header(p, s, n);
}


static int line_feed(struct msrp_parser *p, const uint8_t *buf, size_t len,
		     size_t *used)
{
	const uint8_t *lf = memchr(buf, '\n', len);
	const size_t n = lf ? (size_t)(lf - buf) + 1 : len;

	*used = n;

	if (n > MSRP_HDR_MAX - p->blk - p->linelen)
		return fail(p, EMSGSIZE, 400, "header block too large");

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
			return err ? err : malformed(p, "garbage after "
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
			(void)fail(p, err, 0, "stopped by handler");
		if (perr)
			*perr = p->error;
	}

	mem_deref(p);

	return err;
}


/* --- framer ---------------------------------------------------------- */

static bool range_valid(uint64_t start, uint64_t end, uint64_t total)
{
	const bool estar = end == MSRP_RANGE_STAR;
	const bool tstar = total == MSRP_RANGE_STAR;

	if (start < 1 || start > MSRP_RANGE_MAX)
		return false;
	if (!estar && (end > MSRP_RANGE_MAX || end < start - 1))
		return false;
	if (!tstar && (total > MSRP_RANGE_MAX || start - 1 > total))
		return false;
	if (!estar && !tstar && end > total)
		return false;

	return true;
}


static int print_range(struct mbuf *mb, uint64_t start, uint64_t end,
		       uint64_t total)
{
	int err;

	err = mbuf_printf(mb, "Byte-Range: %llu-", (unsigned long long)start);
	if (end == MSRP_RANGE_STAR)
		err |= mbuf_write_str(mb, "*");
	else
		err |= mbuf_printf(mb, "%llu", (unsigned long long)end);
	if (total == MSRP_RANGE_STAR)
		err |= mbuf_write_str(mb, "/*\r\n");
	else
		err |= mbuf_printf(mb, "/%llu\r\n", (unsigned long long)total);

	return err ? ENOMEM : 0;
}


/* extra header lines: "Name: value" each, CRLF-separated, the last CRLF
 * optional, no empty line (that would start a body) */
static bool extra_valid(const char *s)
{
	while (*s) {
		const char *eol = strstr(s, "\r\n");
		const size_t n = eol ? (size_t)(eol - s) : strlen(s);
		const char *colon = memchr(s, ':', n);

		if (!colon || colon == s || !is_alpha(s[0]))
			return false;
		for (const char *q = s + 1; q < colon; q++) {
			if (!is_token_char(*q))
				return false;
		}
		/* those the encoder writes itself would come twice */
		switch (hdr_lookup(s, (size_t)(colon - s))) {

		case H_TO_PATH:
		case H_FROM_PATH:
		case H_MESSAGE_ID:
		case H_BYTE_RANGE:
		case H_CONTENT_TYPE:
			return false;

		default:
			break;
		}
		for (size_t k = 0; k < n; k++) {
			const unsigned char c = (unsigned char)s[k];

			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return false;
		}

		s += n + (eol ? 2 : 0);
	}

	return true;
}


static bool tid_valid(const char *tid)
{
	return tid && ident_valid(tid, strlen(tid), MSRP_TID_MAX);
}


/* A tid we originate keeps the RFC's minimum of 4; one we echo (in a
 * response) is whatever the parser accepted. */
static bool own_tid_valid(const char *tid)
{
	return tid_valid(tid) && strlen(tid) >= 4;
}


static bool msgid_valid(const char *mid)
{
	return mid && ident_valid(mid, strlen(mid), MSRP_MSGID_MAX);
}


/* The sender MUST pick a tid whose end-line is not in the body (RFC 4975
 * §7.1); checking for "-------tid" alone is stricter than our parser
 * needs, and keeps lax parsers on the other side safe too. */
static bool body_has_tid(const uint8_t *body, size_t len, const char *tid)
{
	char needle[HYPHENS + MSRP_TID_MAX + 1];
	const size_t tl = strlen(tid);

	memcpy(needle, "-------", HYPHENS);
	memcpy(needle + HYPHENS, tid, tl);

	return memmem(body, len, needle, HYPHENS + tl) != NULL;
}


/* On error the mbuf is as it was: a half-written chunk would corrupt the
 * stream for the peer. */
static void rollback(struct mbuf *mb, size_t pos, size_t end)
{
	mb->pos = pos;
	mb->end = end;
}


/**
 * Append a transaction response (RFC 4975 §7.2): To-Path is the first
 * URI of the request's From-Path (the previous hop), From-Path is ours.
 *
 * @param mb       Output
 * @param req      The request (a REPORT is never answered: EINVAL)
 * @param scode    Status code, 100..999
 * @param comment  NULL for msrp_reason(scode), "" for none
 * @param own_uri  Our MSRP URI
 *
 * @return 0, EINVAL, ENOMEM
 */
int msrp_response_encode(struct mbuf *mb, const struct msrp_msg *req,
			 uint16_t scode, const char *comment,
			 const char *own_uri)
{
	char to[MSRP_PATH_MAX + 1];
	size_t pos, end;
	int err;

	if (!mb || !req || req->kind != MSRP_REQUEST ||
	    req->method == MSRP_M_REPORT || scode < 100 || scode > 999 ||
	    !tid_valid(req->tid) || !msrp_uri_valid(own_uri))
		return EINVAL;

	if (!comment)
		comment = msrp_reason(scode);
	if (!text_valid(comment) || strlen(comment) > MSRP_COMMENT_MAX)
		return EINVAL;

	err = msrp_path_first(req->from_path, to, sizeof(to));
	if (err || !msrp_uri_valid(to))
		return EINVAL;

	pos = mb->pos;
	end = mb->end;

	err = mbuf_printf(mb, "MSRP %s %u%s%s\r\n"
			  "To-Path: %s\r\n"
			  "From-Path: %s\r\n"
			  "-------%s$\r\n",
			  req->tid, (unsigned)scode, *comment ? " " : "", comment,
			  to, own_uri, req->tid);
	if (err) {
		rollback(mb, pos, end);
		return ENOMEM;
	}

	return 0;
}


/**
 * Append one SEND chunk.
 *
 * With len > 0 the chunk has Content-Type (required then) and the body;
 * with len == 0 it has neither, e.g. the binding SEND (1, 0, 0).
 *
 * @param mb          Output
 * @param tid         Transaction ID (msrp_tid_make)
 * @param to_path     To-Path, one or more URIs
 * @param from_path   From-Path
 * @param message_id  Message-ID (required)
 * @param start       Byte-Range start, 1-based
 * @param end         start - 1 + len, or MSRP_RANGE_STAR
 * @param total       Message size, or MSRP_RANGE_STAR
 * @param ctype       Content type of the body
 * @param extra_hdrs  NULL or "Name: value" lines, CRLF-separated, put
 *                    before Content-Type (e.g. "Success-Report: yes")
 * @param body        The chunk's bytes
 * @param len         Their number
 * @param flag        '+', '$' or '#'
 *
 * @return 0, EINVAL, EEXIST ("-------tid" occurs in the body: pick
 *         another tid), ENOMEM
 */
int msrp_send_encode(struct mbuf *mb, const char *tid, const char *to_path,
		     const char *from_path, const char *message_id,
		     uint64_t start, uint64_t end, uint64_t total,
		     const char *ctype, const char *extra_hdrs,
		     const uint8_t *body, size_t len, char flag)
{
	size_t pos, mend;
	int err;

	if (!mb || !own_tid_valid(tid) || !msrp_path_valid(to_path) ||
	    !msrp_path_valid(from_path) || !msgid_valid(message_id) ||
	    !range_valid(start, end, total) || (!body && len) ||
	    !flag || !strchr("+$#", flag))
		return EINVAL;

	if (len > MSRP_RANGE_MAX - (start - 1))
		return EINVAL;
	if (end != MSRP_RANGE_STAR && end != start - 1 + len)
		return EINVAL;
	if (total != MSRP_RANGE_STAR && start - 1 + len > total)
		return EINVAL;

	if (extra_hdrs && !extra_valid(extra_hdrs))
		return EINVAL;

	if (len && (!ctype || strlen(ctype) > MSRP_CTYPE_MAX ||
		    !ctype_valid(ctype, strlen(ctype)) || !text_valid(ctype)))
		return EINVAL;

	if (len && body_has_tid(body, len, tid))
		return EEXIST;

	pos  = mb->pos;
	mend = mb->end;

	err = mbuf_printf(mb, "MSRP %s SEND\r\n"
			  "To-Path: %s\r\n"
			  "From-Path: %s\r\n"
			  "Message-ID: %s\r\n",
			  tid, to_path, from_path, message_id);
	err |= print_range(mb, start, end, total);

	if (extra_hdrs && *extra_hdrs) {
		const size_t n = strlen(extra_hdrs);

		err |= mbuf_write_str(mb, extra_hdrs);
		if (n < 2 || strcmp(extra_hdrs + n - 2, "\r\n"))
			err |= mbuf_write_str(mb, "\r\n");
	}

	if (len) {
		err |= mbuf_printf(mb, "Content-Type: %s\r\n\r\n", ctype);
		err |= mbuf_write_mem(mb, body, len);
		err |= mbuf_write_str(mb, "\r\n");
	}

	err |= mbuf_printf(mb, "-------%s%c\r\n", tid, flag);

	if (err) {
		rollback(mb, pos, mend);
		return ENOMEM;
	}

	return 0;
}


/**
 * Append a REPORT (RFC 4975 §7.1.2): "Status: 000 <status> <comment>",
 * Byte-Range covering what it reports on.
 *
 * @param comment  NULL for msrp_reason(status), "" for none
 *
 * @return 0, EINVAL, ENOMEM
 */
int msrp_report_encode(struct mbuf *mb, const char *tid,
		       const char *to_path, const char *from_path,
		       const char *message_id, uint64_t start, uint64_t end,
		       uint64_t total, uint16_t status, const char *comment)
{
	size_t pos, mend;
	int err;

	if (!mb || !own_tid_valid(tid) || !msrp_path_valid(to_path) ||
	    !msrp_path_valid(from_path) || !msgid_valid(message_id) ||
	    !range_valid(start, end, total) || status < 100 || status > 999)
		return EINVAL;

	if (!comment)
		comment = msrp_reason(status);
	if (!text_valid(comment) || strlen(comment) > MSRP_COMMENT_MAX)
		return EINVAL;

	pos  = mb->pos;
	mend = mb->end;

	err = mbuf_printf(mb, "MSRP %s REPORT\r\n"
			  "To-Path: %s\r\n"
			  "From-Path: %s\r\n"
			  "Message-ID: %s\r\n",
			  tid, to_path, from_path, message_id);
	err |= print_range(mb, start, end, total);
	err |= mbuf_printf(mb, "Status: 000 %u%s%s\r\n"
			   "-------%s$\r\n",
			   (unsigned)status, *comment ? " " : "", comment, tid);

	if (err) {
		rollback(mb, pos, mend);
		return ENOMEM;
	}

	return 0;
}


/**
 * Append an AUTH request (RFC 4976 §5.1): no body, no Message-ID.
 *
 * @param authorization  NULL, or the Authorization value (no name, no
 *                       CRLF) answering the relay's challenge
 * @param expires        Seconds asked for, 0 to leave it to the relay
 *
 * @return 0, EINVAL, ENOMEM
 */
int msrp_auth_encode(struct mbuf *mb, const char *tid, const char *to_path,
		     const char *from_path, const char *authorization,
		     uint32_t expires)
{
	size_t pos, mend;
	int err;

	if (!mb || !own_tid_valid(tid) || !msrp_path_valid(to_path) ||
	    !msrp_path_valid(from_path))
		return EINVAL;

	if (authorization && !text_valid(authorization))
		return EINVAL;

	pos  = mb->pos;
	mend = mb->end;

	err = mbuf_printf(mb, "MSRP %s AUTH\r\n"
			  "To-Path: %s\r\n"
			  "From-Path: %s\r\n",
			  tid, to_path, from_path);
	if (authorization)
		err |= mbuf_printf(mb, "Authorization: %s\r\n",
				   authorization);
	if (expires)
		err |= mbuf_printf(mb, "Expires: %u\r\n", expires);
	err |= mbuf_printf(mb, "-------%s$\r\n", tid);

	if (err) {
		rollback(mb, pos, mend);
		return ENOMEM;
	}

	return 0;
}
