/* imdn.c: IMDN documents (RFC 5438 message/imdn+xml): read one, write one, and the Disposition-Notification list. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "xml.h"
#include "imdn.h"

#define DEBUG_MODULE "imdn"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

#define NS_IMDN "urn:ietf:params:xml:ns:imdn"
/* Our extension (RFC 5438 §7.4 allows ##other after the notification):
 * the SIP code and phrase behind a negative-delivery, for humans. */
#define NS_OURS "urn:x-sippushd:xml:ns:imdn-reason"

static const char * const kind_names[] = {
	"delivery-notification", "display-notification",
	"processing-notification",
};

static const char * const status_names[] = {
	"delivered", "failed", "forbidden", "error", "displayed",
	"processed", "stored",
};


const char *imdn_kind_name(enum imdn_kind kind)
{
	return (unsigned)kind < ARRAY_SIZE(kind_names) ?
		kind_names[kind] : "?";
}


const char *imdn_status_name(enum imdn_status status)
{
	return (unsigned)status < ARRAY_SIZE(status_names) ?
		status_names[status] : "?";
}


/* Which status values each notification type may carry (RFC 5438 §7.2). */
static bool status_fits(enum imdn_kind kind, enum imdn_status st)
{
	if (st == IMDN_FORBIDDEN || st == IMDN_ERROR)
		return true;

	switch (kind) {
	case IMDN_DELIVERY:   return st == IMDN_DELIVERED || st == IMDN_FAILED;
	case IMDN_DISPLAY:    return st == IMDN_DISPLAYED;
	case IMDN_PROCESSING: return st == IMDN_PROCESSED || st == IMDN_STORED;
	default:              return false;
	}
}


static bool token_char(char c)
{
	/* RFC 5438 §6.2 / RFC 3862 Token: alphanum and -.!%*_+`'~ */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || strchr("-.!%*_+`'~", c);
}


/**
 * Check an imdn.Message-ID: a token of 1..IMDN_ID_MAX characters.
 *
 * @return 0 if usable, EBADMSG if not
 */
int imdn_id_check(const struct pl *id)
{
	if (!pl_isset(id) || id->l > IMDN_ID_MAX)
		return EBADMSG;

	for (size_t i = 0; i < id->l; i++)
		if (!id->p[i] || !token_char(id->p[i]))
			return EBADMSG;

	return 0;
}


static int datetime_check(const char *s, size_t len)
{
	if (!len || len > IMDN_DATE_MAX)
		return EBADMSG;

	for (size_t i = 0; i < len; i++)
		if (!strchr("0123456789TtZz:+-.", s[i]) || !s[i])
			return EBADMSG;

	return 0;
}


/**
 * Decode an imdn.Disposition-Notification value: a comma-separated list
 * (RFC 5438 §6.3). Unknown values are extensions and are skipped.
 *
 * @param dispo  Gets IMDN_WANT_* bits
 * @param val    Header value
 *
 * @return 0 if success, EBADMSG for an empty or malformed list
 */
int imdn_dispo_decode(unsigned *dispo, const struct pl *val)
{
	struct pl rest, tok;
	unsigned bits = 0, n = 0;

	if (!dispo || !val)
		return EINVAL;

	rest = *val;
	for (bool more = rest.l > 0; more;) {
		size_t i = 0;

		while (i < rest.l && rest.p[i] != ',')
			i++;

		tok.p = rest.p;
		tok.l = i;
		more = i < rest.l;    /* a comma: another item must follow */
		pl_advance(&rest, more ? i + 1 : i);

		while (tok.l && (tok.p[0] == ' ' || tok.p[0] == '\t'))
			pl_advance(&tok, 1);
		while (tok.l && (tok.p[tok.l - 1] == ' ' ||
				 tok.p[tok.l - 1] == '\t'))
			tok.l--;

		if (!tok.l)
			return EBADMSG;
		for (size_t k = 0; k < tok.l; k++)
			if (!token_char(tok.p[k]))
				return EBADMSG;
		if (++n > 16)
			return EBADMSG;

		if (!pl_strcasecmp(&tok, "positive-delivery"))
			bits |= IMDN_WANT_POSITIVE;
		else if (!pl_strcasecmp(&tok, "negative-delivery"))
			bits |= IMDN_WANT_NEGATIVE;
		else if (!pl_strcasecmp(&tok, "display"))
			bits |= IMDN_WANT_DISPLAY;
		else if (!pl_strcasecmp(&tok, "processing"))
			bits |= IMDN_WANT_PROCESSING;
	}

	if (!n)
		return EBADMSG;

	*dispo = bits;
	return 0;
}


/**
 * The status of a negative-delivery notification for a refusal.
 * A refusal by policy (403, 603) is "forbidden", an internal failure
 * (500, or no code) "error", anything else "failed".
 */
enum imdn_status imdn_negative_status(uint16_t scode)
{
	switch (scode) {
	case 403:
	case 603: return IMDN_FORBIDDEN;
	case 0:
	case 500: return IMDN_ERROR;
	default:  return IMDN_FAILED;
	}
}


/* --- reading ------------------------------------------------------------ */

struct reader {
	struct imdn *im;
	bool root, id, date, notif, status, value, in_notif, in_status;
	const char *why;
};


static int copy_text(char *dst, size_t sz, const char *text, size_t len)
{
	if (len >= sz)
		return EOVERFLOW;

	memcpy(dst, text, len);
	dst[len] = '\0';
	return 0;
}


static int start_handler(unsigned depth, const char *ns, const char *name,
			 const char **attrs, void *arg)
{
	struct reader *r = arg;
	bool ours = !strcmp(ns, NS_IMDN);

	switch (depth) {

	case 1:
		if (!ours || strcmp(name, "imdn")) {
			r->why = "root is not <imdn> in " NS_IMDN;
			return EPROTO;
		}
		r->root = true;
		return 0;

	case 2:
		if (!strcmp(ns, NS_OURS) && !strcmp(name, "reason")) {
			const char *code = xml_attr(attrs, "code");
			struct pl cpl = PL_INIT;
			uint32_t c;

			if (code)
				pl_set_str(&cpl, code);
			c = pl_u32(&cpl);

			r->im->code = (c >= 100 && c <= 699) ? (uint16_t)c : 0;
			return 0;
		}
		if (!ours)
			return 0;    /* an extension: skipped */

		for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++) {
			if (strcmp(name, kind_names[i]))
				continue;
			if (r->notif) {
				r->why = "more than one notification";
				return EPROTO;
			}
			r->notif = true;
			r->in_notif = true;
			r->im->kind = (enum imdn_kind)i;
		}
		return 0;

	case 3:
		if (r->in_notif && ours && !strcmp(name, "status")) {
			if (r->status) {
				r->why = "more than one <status>";
				return EPROTO;
			}
			r->status = true;
			r->in_status = true;
		}
		return 0;

	case 4:
		if (!r->in_status || !ours)
			return 0;

		for (size_t i = 0; i < ARRAY_SIZE(status_names); i++) {
			if (strcmp(name, status_names[i]))
				continue;
			if (r->value) {
				r->why = "more than one status value";
				return EPROTO;
			}
			if (!status_fits(r->im->kind, (enum imdn_status)i)) {
				r->why = "status does not fit the notification";
				return EPROTO;
			}
			r->value = true;
			r->im->status = (enum imdn_status)i;
		}
		return 0;

	default:
		return 0;
	}
}


static int end_handler(unsigned depth, const char *ns, const char *name,
		       const char *text, size_t len, void *arg)
{
	struct reader *r = arg;
	struct imdn *im = r->im;
	int err = 0;

	if (depth == 3 && r->in_status)
		r->in_status = false;

	if (depth != 2)
		return 0;

	r->in_notif = false;

	if (!strcmp(ns, NS_OURS) && !strcmp(name, "reason")) {
		/* a long human text is cut, not an error */
		if (len >= sizeof(im->reason))
			len = sizeof(im->reason) - 1;
		return copy_text(im->reason, sizeof(im->reason), text, len);
	}

	if (strcmp(ns, NS_IMDN))
		return 0;

	if (!strcmp(name, "message-id")) {
		struct pl pl = {text, len};

		if (r->id || imdn_id_check(&pl)) {
			r->why = "bad or repeated <message-id>";
			return EPROTO;
		}
		r->id = true;
		err = copy_text(im->msgid, sizeof(im->msgid), text, len);
	}
	else if (!strcmp(name, "datetime")) {
		if (r->date || datetime_check(text, len)) {
			r->why = "bad or repeated <datetime>";
			return EPROTO;
		}
		r->date = true;
		err = copy_text(im->datetime, sizeof(im->datetime), text, len);
	}
	else if (!strcmp(name, "recipient-uri")) {
		err = copy_text(im->recipient, sizeof(im->recipient),
				text, len);
	}
	else if (!strcmp(name, "original-recipient-uri")) {
		err = copy_text(im->orig_recipient,
				sizeof(im->orig_recipient), text, len);
	}

	if (err)
		r->why = "element text too long";

	return err;
}


/**
 * Read a message/imdn+xml document (RFC 5438 §7).
 *
 * Required: <imdn> in the IMDN namespace with <message-id>, <datetime>
 * and exactly one notification whose <status> holds one value that fits
 * it. Elements of other namespaces are extensions and are skipped.
 *
 * @param im      Gets the notification
 * @param doc     Document
 * @param len     Its length
 * @param errbuf  Gets the reason on failure, for a log line
 * @param errsz   Size of errbuf
 *
 * @return 0 if success, otherwise an error (EBADMSG: not well-formed,
 *         EPROTO: not a valid IMDN document, EOVERFLOW: past a bound)
 */
int imdn_decode(struct imdn *im, const char *doc, size_t len,
		char *errbuf, size_t errsz)
{
	struct reader r;
	int err;

	if (!im || !doc)
		return EINVAL;

	memset(im, 0, sizeof(*im));
	memset(&r, 0, sizeof(r));
	r.im = im;

	err = xml_parse(doc, len, start_handler, end_handler, &r,
			errbuf, errsz);
	if (err) {
		if (r.why && errbuf)
			(void)re_snprintf(errbuf, errsz, "%s", r.why);
		goto out;
	}

	if (!r.root || !r.id || !r.date || !r.notif || !r.status ||
	    !r.value) {
		err = EPROTO;
		if (errbuf)
			(void)re_snprintf(errbuf, errsz, "missing %s",
					  !r.root ? "<imdn>" :
					  !r.id ? "<message-id>" :
					  !r.date ? "<datetime>" :
					  !r.notif ? "notification" :
					  !r.status ? "<status>" :
					  "status value");
	}

 out:
	if (err)
		memset(im, 0, sizeof(*im));

	return err;
}


/* --- writing ------------------------------------------------------------ */

/**
 * Write a message/imdn+xml document (%H), valid against RFC 5438's
 * schema: message-id, datetime, the optional recipients, one
 * notification, then our reason extension when a code is set.
 *
 * @return 0 if success, EINVAL for a notification that cannot be written
 *         (bad Message-ID or date, status that does not fit, control
 *         characters)
 */
int imdn_encode(struct re_printf *pf, const struct imdn *im)
{
	struct pl id;
	int err;

	if (!pf || !im)
		return EINVAL;

	pl_set_str(&id, im->msgid);
	if (imdn_id_check(&id) ||
	    datetime_check(im->datetime, strlen(im->datetime)) ||
	    (unsigned)im->kind >= ARRAY_SIZE(kind_names) ||
	    !status_fits(im->kind, im->status))
		return EINVAL;

	err = re_hprintf(pf,
			 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
			 "<imdn xmlns=\"" NS_IMDN "\">\r\n"
			 "<message-id>%s</message-id>\r\n"
			 "<datetime>%s</datetime>\r\n",
			 im->msgid, im->datetime);

	if (im->recipient[0])
		err |= re_hprintf(pf, "<recipient-uri>%H</recipient-uri>\r\n",
				  xml_escape, im->recipient);
	if (im->orig_recipient[0])
		err |= re_hprintf(pf, "<original-recipient-uri>%H"
				  "</original-recipient-uri>\r\n",
				  xml_escape, im->orig_recipient);

	err |= re_hprintf(pf, "<%s><status><%s/></status></%s>\r\n",
			  kind_names[im->kind], status_names[im->status],
			  kind_names[im->kind]);

	if (im->code)
		err |= re_hprintf(pf, "<reason xmlns=\"" NS_OURS "\" "
				  "code=\"%u\">%H</reason>\r\n",
				  im->code, xml_escape, im->reason);

	err |= re_hprintf(pf, "</imdn>\r\n");

	return err ? (err == ENOMEM ? ENOMEM : EINVAL) : 0;
}
