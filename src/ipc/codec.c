/* codec.c: the local API's wire format: commands decoded, push records encoded (doc/ipc.md). */
#include <string.h>
#include <ctype.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "compat.h"
#include "mediatype.h"
#include "push.h"
#include "ipc.h"
#include "ipc_priv.h"
#include "router.h"

#define DEBUG_MODULE "ipc"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/* ---- codec ------------------------------------------------------------ */

static bool next_token(const char **p, const char *end, struct pl *tok)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		++s;

	if (s == end)
		return false;

	tok->p = s;
	while (s < end && *s != ' ')
		++s;
	tok->l = (size_t)(s - tok->p);
	*p = s;

	return true;
}


static bool decimal(const struct pl *pl, size_t maxdigits, uint64_t *v)
{
	uint64_t n = 0;

	if (!pl->l || pl->l > maxdigits)
		return false;

	for (size_t i = 0; i < pl->l; i++) {
		unsigned d;

		if (!isdigit((unsigned char)pl->p[i]))
			return false;

		d = (unsigned)(pl->p[i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}

	*v = n;
	return true;
}


static int bad(struct ipc_cmd *cmd, int err, const char *why)
{
	cmd->why = why;
	return err;
}


/* "gzip,br": content-codings (RFC 3261 §25.1 tokens), none empty */
static bool codings_valid(const struct pl *v)
{
	bool start = true;

	if (v->l > ROUTE_ENCODINGS_MAX)
		return false;

	for (size_t i = 0; i < v->l; i++) {
		const char c = v->p[i];

		if (c == ',') {
			if (start)
				return false;
			start = true;
		}
		else if (isalnum((unsigned char)c) || strchr("-.!%*_+`'~", c)) {
			start = false;
		}
		else {
			return false;
		}
	}

	return !start;
}


static int decode_subscribe(struct ipc_cmd *cmd, const struct pl *a,
			    size_t n)
{
	if (n < 1)
		return bad(cmd, EINVAL, "missing app id");
	if (n > 6)
		return bad(cmd, EINVAL, "too many arguments");

	cmd->appid = a[0];

	for (size_t i = 1; i < n; i++) {
		if (!pl_strcmp(&a[i], "monitor")) {
			if (cmd->monitor)
				return bad(cmd, EINVAL, "monitor given twice");
			cmd->monitor = true;
		}
		else if (!pl_strcmp(&a[i], "unwrap")) {
			if (cmd->unwrap)
				return bad(cmd, EINVAL, "unwrap given twice");
			cmd->unwrap = true;
		}
		else if (!pl_strcmp(&a[i], "nostore")) {
			if (cmd->nostore)
				return bad(cmd, EINVAL, "nostore given twice");
			cmd->nostore = true;
		}
		else if (a[i].l > 9 && !memcmp(a[i].p, "encoding=", 9)) {
			if (pl_isset(&cmd->encodings))
				return bad(cmd, EINVAL,
					   "encoding given twice");
			cmd->encodings.p = a[i].p + 9;
			cmd->encodings.l = a[i].l - 9;
			if (!codings_valid(&cmd->encodings))
				return bad(cmd, EINVAL,
					   "bad encoding list (tokens, "
					   "comma between, 63 bytes at most)");
		}
		else if (memchr(a[i].p, '/', a[i].l)) {
			if (pl_isset(&cmd->filter) || cmd->monitor ||
			    cmd->nostore || pl_isset(&cmd->encodings) ||
			    cmd->unwrap)
				return bad(cmd, EINVAL,
					   "filter must come once, before monitor");
			if (!mediatype_valid(a[i].p, a[i].l,
					     MEDIATYPE_WILDCARD))
				return bad(cmd, EINVAL,
					   "bad filter (type/subtype or type/*)");
			cmd->filter = a[i];
		}
		else {
			return bad(cmd, EINVAL,
				   "bad argument (filter, \"monitor\", "
				   "\"nostore\", \"unwrap\" or "
				   "\"encoding=LIST\")");
		}
	}

	return 0;
}


/**
 * Decode one command message (doc/ipc.md section 3 and 4).
 *
 * @param cmd  Decoded command; its pl fields point into buf
 * @param buf  The message as received
 * @param len  Its length
 *
 * @return 0 if success, EMSGSIZE if too long, EILSEQ for a byte outside
 *         printable ASCII, ENOSYS for an unknown command, EINVAL for bad
 *         arguments; cmd->why then says what was wrong
 */
int ipc_cmd_decode(struct ipc_cmd *cmd, const uint8_t *buf, size_t len)
{
	struct pl name, a[7], t;
	const char *p, *end;
	size_t n = 0;
	uint64_t v;

	if (!cmd)
		return EINVAL;

	memset(cmd, 0, sizeof(*cmd));

	if (!buf && len)
		return bad(cmd, EINVAL, "no buffer");
	if (len > IPC_CMD_MAX)
		return bad(cmd, EMSGSIZE, "command too long");

	if (len && buf[len - 1] == '\n')
		--len;
	if (!len)
		return bad(cmd, EINVAL, "empty command");

	for (size_t i = 0; i < len; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			return bad(cmd, EILSEQ, "bad character in command");

	if (buf[0] == ' ')
		return bad(cmd, EINVAL, "leading space");

	p   = (const char *)buf;
	end = p + len;
	(void)next_token(&p, end, &name);

	/* NACK's reason is the rest of the line, spaces and all */
	if (!pl_strcmp(&name, "NACK")) {
		cmd->type = IPC_CMD_NACK;

		if (!next_token(&p, end, &a[0]) || !next_token(&p, end, &a[1]))
			return bad(cmd, EINVAL, "usage: NACK push-id code [reason]");
		if (!decimal(&a[0], PUSH_ID_DIGITS, &cmd->push_id))
			return bad(cmd, EINVAL, "bad push id");
		if (a[1].l != 3 || !decimal(&a[1], 3, &v) || v < 400 || v > 699)
			return bad(cmd, EINVAL, "bad code (400-699)");
		cmd->code = (uint16_t)v;

		while (p < end && *p == ' ')
			++p;
		if ((size_t)(end - p) > IPC_REASON_MAX)
			return bad(cmd, EINVAL, "reason too long");
		if (p < end) {
			cmd->reason.p = p;
			cmd->reason.l = (size_t)(end - p);
		}
		return 0;
	}

	while (next_token(&p, end, &t)) {
		if (n == ARRAY_SIZE(a))
			return bad(cmd, EINVAL, "too many arguments");
		a[n++] = t;
	}

	if (!pl_strcmp(&name, "HELLO")) {
		cmd->type = IPC_CMD_HELLO;
		if (n != 1 || !decimal(&a[0], VERSION_DIGITS, &v))
			return bad(cmd, EINVAL, "usage: HELLO version");
		cmd->version = (uint32_t)v;
	}
	else if (!pl_strcmp(&name, "SUBSCRIBE")) {
		cmd->type = IPC_CMD_SUBSCRIBE;
		return decode_subscribe(cmd, a, n);
	}
	else if (!pl_strcmp(&name, "UNSUBSCRIBE")) {
		cmd->type = IPC_CMD_UNSUBSCRIBE;
		if (n > 1)
			return bad(cmd, EINVAL, "usage: UNSUBSCRIBE [app-id]");
		if (n)
			cmd->appid = a[0];
	}
	else if (!pl_strcmp(&name, "ACK")) {
		cmd->type = IPC_CMD_ACK;
		if (n != 1)
			return bad(cmd, EINVAL, "usage: ACK push-id");
		if (!decimal(&a[0], PUSH_ID_DIGITS, &cmd->push_id))
			return bad(cmd, EINVAL, "bad push id");
	}
	else if (!pl_strcmp(&name, "DISPOSED")) {
		cmd->type = IPC_CMD_DISPOSED;
		if (n != 2)
			return bad(cmd, EINVAL, "usage: DISPOSED push-id "
				   "processed|displayed");
		if (!decimal(&a[0], PUSH_ID_DIGITS, &cmd->push_id))
			return bad(cmd, EINVAL, "bad push id");
		if (!pl_strcmp(&a[1], "displayed"))
			cmd->displayed = true;
		else if (pl_strcmp(&a[1], "processed"))
			return bad(cmd, EINVAL, "usage: DISPOSED push-id "
				   "processed|displayed");
	}
	else if (!pl_strcmp(&name, "STATUS")) {
		cmd->type = IPC_CMD_STATUS;
		if (n)
			return bad(cmd, EINVAL, "usage: STATUS");
	}
	else if (!pl_strcmp(&name, "PING")) {
		cmd->type = IPC_CMD_PING;
		if (n)
			return bad(cmd, EINVAL, "usage: PING");
	}
	else {
		return bad(cmd, ENOSYS, "unknown command");
	}

	return 0;
}


static bool printable(const char *s, size_t *len, bool spaces)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (s[i] < (spaces ? 0x20 : 0x21) || s[i] > 0x7e)
			return false;

	*len = i;
	return true;
}


/* Sender identities come from the network: anything outside printable
 * ASCII is sent as %XX rather than refused, so a push is not lost over
 * a display-name byte. */
static int escape_sender(char *out, size_t sz, const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *s = (const unsigned char *)in; *s; s++) {
		bool plain = *s >= 0x20 && *s <= 0x7e;
		size_t need = plain ? 1 : 3;

		if (o + need >= sz)
			return EINVAL;

		if (plain) {
			out[o++] = (char)*s;
		}
		else {
			out[o++] = '%';
			out[o++] = hex[*s >> 4];
			out[o++] = hex[*s & 0xf];
		}
	}

	out[o] = '\0';
	return 0;
}


/* v in decimal, no padding */
static int write_u64(struct mbuf *mb, uint64_t v)
{
	uint8_t d[PUSH_ID_DIGITS];
	size_t n = 0;

	do {
		d[sizeof(d) - ++n] = (uint8_t)('0' + v % 10);
		v /= 10;
	} while (v);

	return mbuf_write_mem(mb, d + sizeof(d) - n, n);
}


/* One optional "Name: value\n" line: a NULL value writes nothing, so a
 * record carries only what the push has (push.h says how to add one). */
static int push_line(struct mbuf *mb, const char *name, const char *v)
{
	size_t vl;
	int err;

	if (!v)
		return 0;

	if (!printable(v, &vl, true) || strlen(name) + 3 + vl > IPC_LINE_MAX)
		return EINVAL;

	err  = mbuf_write_str(mb, name);
	err |= mbuf_write_str(mb, ": ");
	err |= mbuf_write_mem(mb, (const uint8_t *)v, vl);
	err |= mbuf_write_u8(mb, '\n');

	return err;
}


/**
 * Encode one push record (doc/ipc.md section 6) at mb's position.
 *
 * @param mb  Buffer to write to; on error its contents are undefined
 * @param p   The push. sender may be NULL (sent empty)
 *
 * @return 0 if success, EMSGSIZE if the body is too long, EINVAL for a
 *         missing or malformed field (a header line over the limit too)
 */
int ipc_push_encode(struct mbuf *mb, const struct push *p)
{
	char sender[IPC_LINE_MAX];
	size_t al, cl, tl, sl, start;
	int err;

	if (!mb || !p || !p->appid || !p->ctype || !p->transport ||
	    (p->len && !p->body && !p->has_fd) || (p->has_fd && p->body))
		return EINVAL;

	if (p->len > IPC_BODY_MAX && !p->has_fd)
		return EMSGSIZE;

	if (!printable(p->appid, &al, false) || !al || al > APPID_MAX)
		return EINVAL;
	if (!printable(p->ctype, &cl, true) || !cl)
		return EINVAL;
	if (!printable(p->transport, &tl, false) || !tl)
		return EINVAL;

	err = escape_sender(sender, sizeof(sender), p->sender ? p->sender : "");
	if (err)
		return err;
	sl = strlen(sender);

	/* every line, name and LF included, within IPC_LINE_MAX */
	if (sizeof("Content-Type: ") + cl > IPC_LINE_MAX ||
	    sizeof("Sender: ") + sl > IPC_LINE_MAX)
		return EINVAL;

	/* what mbuf_printf("PUSH\nId: %llu\n...") would write, piece by
	 * piece: this runs once per push, and the format parser cost more
	 * than the rest of the encoding */
	start = mb->pos;
	err  = mbuf_write_str(mb, "PUSH\nId: ");
	err |= write_u64(mb, p->id);
	err |= mbuf_write_str(mb, "\nApp-Id: ");
	err |= mbuf_write_mem(mb, (const uint8_t *)p->appid, al);
	err |= mbuf_write_str(mb, "\nContent-Type: ");
	err |= mbuf_write_mem(mb, (const uint8_t *)p->ctype, cl);
	err |= mbuf_write_str(mb, "\nContent-Length: ");
	err |= write_u64(mb, p->len);
	err |= mbuf_write_str(mb, "\nSender: ");
	err |= mbuf_write_mem(mb, (const uint8_t *)sender, sl);
	err |= mbuf_write_u8(mb, '\n');
	err |= push_line(mb, "Transport", p->transport);
	err |= push_line(mb, "Sender-Asserted", p->sender_asserted);
	/* optional lines go here, one push_line() each (push.h) */
	err |= push_line(mb, "Stored", p->arrived ? "yes" : NULL);
	err |= push_line(mb, "Arrived", p->arrived);
	err |= push_line(mb, "Call-ID", p->call_id);
	err |= push_line(mb, "Date", p->date);
	err |= push_line(mb, "X-Wap-Initiator-URI", p->initiator);
	err |= push_line(mb, "Content-Location", p->location);
	err |= push_line(mb, "Push-Flag", p->push_flag);
	err |= push_line(mb, "Content-Encoding", p->encoding);
	err |= push_line(mb, "Imdn-Message-ID", p->imdn_msgid);
	err |= push_line(mb, "Imdn-Disposition-Notification", p->imdn_dispo);
	err |= push_line(mb, "Push-Key", p->push_key);
	if (p->unwrapped && p->cpim) {
		err |= push_line(mb, "CPIM-From", p->cpim->from);
		err |= push_line(mb, "CPIM-To", p->cpim->to);
		err |= push_line(mb, "CPIM-DateTime", p->cpim->datetime);
	}
	err |= mbuf_write_str(mb, p->has_fd ? "Body-Fd: 1\n\n" : "\n");
	if (err)
		return err;

	if (mb->pos - start > IPC_HDR_MAX)
		return EINVAL;

	/* a file body travels as a descriptor next to the record */
	if (p->has_fd)
		return 0;

	return p->len ? mbuf_write_mem(mb, p->body, p->len) : 0;
}
