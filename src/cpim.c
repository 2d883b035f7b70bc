/* cpim.c: message/cpim wrappers (RFC 3862): read one into its headers and inner content, write one. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "cpim.h"

#define DEBUG_MODULE "cpim"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

#define NS_IMDN "urn:ietf:params:imdn"

/*
 * A wrapper is two header blocks, each ended by an empty line, then the
 * content: CPIM headers (From, To, DateTime, NS, prefixed extensions),
 * then the MIME headers of the content. Lines end in CRLF; a bare LF is
 * taken as well since some senders write them. No folding. Header names
 * are compared without case: RFC 3862 says they are case-sensitive, but
 * refusing "imdn.message-id" would only lose a receipt.
 */

struct nsdecl {
	struct pl prefix;      /* empty: the default namespace */
	struct pl urn;
};

struct hdrs {
	struct nsdecl ns[CPIM_NS_MAX];
	unsigned nsc;
	struct pl pfx_msgid, pfx_dispo;   /* prefix each was written with */
};


static bool token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || strchr("-!%*_+`'~", c);
}


/* Next line of p, without its end; p advances past the end. */
static int next_line(struct pl *line, struct pl *p)
{
	const char *nl = memchr(p->p, '\n', p->l);
	size_t n;

	if (!nl)
		return ENODATA;

	n = (size_t)(nl - p->p);
	line->p = p->p;
	line->l = (n && p->p[n - 1] == '\r') ? n - 1 : n;
	pl_advance(p, n + 1);

	if (line->l > CPIM_LINE_MAX)
		return EOVERFLOW;

	for (size_t i = 0; i < line->l; i++)
		if (line->p[i] == '\0' || line->p[i] == '\r')
			return EBADMSG;

	return 0;
}


/* "Name: value" with Name = [prefix "."] token */
static int split_header(struct pl *prefix, struct pl *name, struct pl *val,
			const struct pl *line)
{
	const char *colon = memchr(line->p, ':', line->l);
	const char *dot;
	struct pl full;

	if (!colon || colon == line->p)
		return EBADMSG;

	full.p = line->p;
	full.l = (size_t)(colon - line->p);

	for (size_t i = 0; i < full.l; i++)
		if (!token_char(full.p[i]) && full.p[i] != '.')
			return EBADMSG;

	dot = memchr(full.p, '.', full.l);
	if (dot) {
		prefix->p = full.p;
		prefix->l = (size_t)(dot - full.p);
		name->p = dot + 1;
		name->l = full.l - prefix->l - 1;
		if (!prefix->l || !name->l || memchr(name->p, '.', name->l))
			return EBADMSG;
	}
	else {
		prefix->p = NULL;
		prefix->l = 0;
		*name = full;
	}

	/* the value starts after ":" and optional spaces */
	val->p = colon + 1;
	val->l = line->l - full.l - 1;
	while (val->l && (val->p[0] == ' ' || val->p[0] == '\t'))
		pl_advance(val, 1);
	while (val->l && (val->p[val->l - 1] == ' ' ||
			  val->p[val->l - 1] == '\t'))
		val->l--;

	return 0;
}


/* NS: [prefix] <urn> */
static int ns_decode(struct hdrs *h, const struct pl *val)
{
	struct nsdecl *d;
	struct pl pfx, urn;

	if (h->nsc >= CPIM_NS_MAX)
		return EOVERFLOW;

	if (re_regex(val->p, val->l, "[^ \t<]*[ \t]*<[^>]+>", &pfx, NULL,
		     &urn))
		return EBADMSG;

	d = &h->ns[h->nsc++];
	d->prefix = pfx;
	d->urn = urn;

	return 0;
}


static bool prefix_is(const struct hdrs *h, const struct pl *prefix,
		      const char *urn)
{
	/* the last declaration of a prefix wins */
	for (unsigned i = h->nsc; i-- > 0;) {
		if (pl_casecmp(&h->ns[i].prefix, prefix))
			continue;
		return !pl_strcmp(&h->ns[i].urn, urn);
	}

	return false;
}


static void first(struct pl *dst, const struct pl *val)
{
	if (!dst->p)
		*dst = *val;
}


/**
 * Decode a message/cpim body.
 *
 * @param c    Gets the headers and content (pointing into buf)
 * @param buf  The body
 * @param len  Its length
 *
 * @return 0 if success, EBADMSG if malformed (no empty line after a
 *         block, a bad header line, no inner Content-Type, a Content-Length
 *         that disagrees with the content), EOVERFLOW past a bound
 */
int cpim_decode(struct cpim *c, const uint8_t *buf, size_t len)
{
	struct hdrs h;
	struct pl p, line, pfx, name, val, clen = PL_INIT;
	unsigned n;
	int err;

	if (!c || !buf)
		return EINVAL;

	memset(c, 0, sizeof(*c));
	memset(&h, 0, sizeof(h));
	p.p = (const char *)buf;
	p.l = len;

	/* CPIM headers */
	for (n = 0;; n++) {
		err = next_line(&line, &p);
		if (err)
			return err == ENODATA ? EBADMSG : err;
		if (!line.l)
			break;
		if (n >= CPIM_HDR_MAX)
			return EOVERFLOW;

		err = split_header(&pfx, &name, &val, &line);
		if (err)
			return err;

		if (pfx.l) {
			/* resolved after the block: NS may come later */
			if (!pl_strcasecmp(&name, "Message-ID")) {
				h.pfx_msgid = pfx;
				first(&c->imdn_msgid, &val);
			}
			else if (!pl_strcasecmp(&name,
						"Disposition-Notification")) {
				h.pfx_dispo = pfx;
				first(&c->imdn_dispo, &val);
			}
		}
		else if (!pl_strcasecmp(&name, "NS")) {
			err = ns_decode(&h, &val);
			if (err)
				return err;
		}
		else if (!pl_strcasecmp(&name, "From")) {
			if (c->from.p)
				return EBADMSG;
			c->from = val;
		}
		else if (!pl_strcasecmp(&name, "To"))
			first(&c->to, &val);
		else if (!pl_strcasecmp(&name, "DateTime"))
			first(&c->datetime, &val);
		else if (!pl_strcasecmp(&name, "Subject"))
			first(&c->subject, &val);
	}

	if (c->imdn_msgid.p && !prefix_is(&h, &h.pfx_msgid, NS_IMDN))
		c->imdn_msgid = (struct pl)PL_INIT;
	if (c->imdn_dispo.p && !prefix_is(&h, &h.pfx_dispo, NS_IMDN))
		c->imdn_dispo = (struct pl)PL_INIT;

	/* MIME headers of the content */
	c->mime.p = p.p;
	for (n = 0;; n++) {
		const char *at = p.p;

		err = next_line(&line, &p);
		if (err)
			return err == ENODATA ? EBADMSG : err;
		if (!line.l) {
			c->mime.l = (size_t)(at - c->mime.p);
			break;
		}
		if (n >= CPIM_HDR_MAX)
			return EOVERFLOW;

		err = split_header(&pfx, &name, &val, &line);
		if (err || pfx.l)
			return EBADMSG;

		if (!pl_strcasecmp(&name, "Content-Type")) {
			if (c->ctype.p || !val.l)
				return EBADMSG;
			c->ctype = val;
		}
		else if (!pl_strcasecmp(&name, "Content-Length")) {
			if (clen.p || !val.l || val.l > 9)
				return EBADMSG;
			for (size_t i = 0; i < val.l; i++)
				if (val.p[i] < '0' || val.p[i] > '9')
					return EBADMSG;
			clen = val;
		}
	}

	if (!c->ctype.p)
		return EBADMSG;

	c->body = p;

	/* with a Content-Length, the content is exactly that long; one
	 * trailing line end after it is tolerated */
	if (clen.p) {
		size_t want = pl_u32(&clen);
		size_t extra;

		if (want > p.l)
			return EBADMSG;

		extra = p.l - want;
		if (extra && !(extra == 2 && !memcmp(p.p + want, "\r\n", 2)) &&
		    !(extra == 1 && p.p[want] == '\n'))
			return EBADMSG;

		c->body.l = want;
	}

	return 0;
}


/**
 * The URI inside a CPIM address: [Formal-name] "<" URI ">".
 *
 * @return 0 if success, EBADMSG if there is no <URI>
 */
int cpim_uri(struct pl *uri, const struct pl *addr)
{
	if (!uri || !addr)
		return EINVAL;

	if (re_regex(addr->p, addr->l, "<[^>]+>", uri))
		return EBADMSG;

	return 0;
}


static bool printable(const char *s)
{
	/* a value must not break the header block it goes into */
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == '<' || *s == '>')
			return false;

	return true;
}


/**
 * Write a message/cpim body (%H): From, To, DateTime, the IMDN headers
 * when imdn_msgid is set, then the content with its Content-Type,
 * Content-Disposition and Content-Length.
 *
 * @return 0 if success, EINVAL if a field is missing or would break the
 *         framing
 */
int cpim_encode(struct re_printf *pf, const struct cpim_out *o)
{
	int err;

	if (!pf || !o || !o->from || !o->to || !o->datetime || !o->ctype ||
	    (!o->body && o->len))
		return EINVAL;

	if (!printable(o->from) || !printable(o->to) ||
	    !printable(o->datetime) || !printable(o->ctype) ||
	    !printable(o->imdn_msgid) || !printable(o->disposition))
		return EINVAL;

	err = re_hprintf(pf, "From: <%s>\r\n"
			 "To: <%s>\r\n"
			 "DateTime: %s\r\n",
			 o->from, o->to, o->datetime);
	if (o->imdn_msgid)
		err |= re_hprintf(pf, "NS: imdn <" NS_IMDN ">\r\n"
				  "imdn.Message-ID: %s\r\n", o->imdn_msgid);

	err |= re_hprintf(pf, "\r\nContent-Type: %s\r\n", o->ctype);
	if (o->disposition)
		err |= re_hprintf(pf, "Content-Disposition: %s\r\n",
				  o->disposition);
	err |= re_hprintf(pf, "Content-Length: %zu\r\n\r\n%b",
			  o->len, o->body, o->len);

	return err ? ENOMEM : 0;
}
