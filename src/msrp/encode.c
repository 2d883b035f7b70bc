/* encode.c: the MSRP framer: responses, SEND chunks, REPORTs and AUTH (RFC 4975 §7, RFC 4976). */
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
		switch (msrp_hdr_lookup(s, (size_t)(colon - s))) {

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
	return tid && msrp_ident_valid(tid, strlen(tid), MSRP_TID_MAX);
}


/* A tid we originate keeps the RFC's minimum of 4; one we echo (in a
 * response) is whatever the parser accepted. */
static bool own_tid_valid(const char *tid)
{
	return tid_valid(tid) && strlen(tid) >= 4;
}


static bool msgid_valid(const char *mid)
{
	return mid && msrp_ident_valid(mid, strlen(mid), MSRP_MSGID_MAX);
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
	if (!msrp_text_valid(comment) || strlen(comment) > MSRP_COMMENT_MAX)
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
		    !mediatype_valid(ctype, strlen(ctype), MEDIATYPE_PARAMS) ||
		    !msrp_text_valid(ctype)))
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
	if (!msrp_text_valid(comment) || strlen(comment) > MSRP_COMMENT_MAX)
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

	if (authorization && !msrp_text_valid(authorization))
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
