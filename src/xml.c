/* xml.c: small XML documents read with expat (bounded, no DTD) and text escaped for writers. */
#include <string.h>
#include <expat.h>
#include <re.h>
#include "autoconf.h"
#include "xml.h"

#define DEBUG_MODULE "xml"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * One reader for every document we take from the network (imdn+xml,
 * reginfo+xml): they are small, so the bounds are tight and a DOCTYPE is
 * refused outright. Refusing the DTD refuses every entity declaration, so
 * neither "billion laughs" nor external entities can reach us whatever
 * expat version the firmware ships.
 */

#define NS_SEP '|'

struct xmlctx {
	XML_Parser p;
	xml_start_h *starth;
	xml_end_h *endh;
	void *arg;
	unsigned depth;
	int err;
	const char *why;         /* our reason for stopping, if any */
	size_t textlen;
	char text[XML_TEXT_MAX + 1];
};


/* "uri|local" -> ns, local; the separator cannot occur in a URI we care
 * about, and expat only inserts it for prefixed or defaulted names */
static void split_name(const char *full, char *ns, size_t nssz,
		       const char **local)
{
	const char *sep = strrchr(full, NS_SEP);
	size_t n;

	if (!sep) {
		ns[0] = '\0';
		*local = full;
		return;
	}

	n = (size_t)(sep - full);
	if (n >= nssz)
		n = nssz - 1;
	memcpy(ns, full, n);
	ns[n] = '\0';
	*local = sep + 1;
}


static void stop(struct xmlctx *x, int err, const char *why)
{
	if (x->err)
		return;

	x->err = err;
	x->why = why;
	(void)XML_StopParser(x->p, XML_FALSE);
}


static void XMLCALL start_handler(void *arg, const XML_Char *name,
				  const XML_Char **attrs)
{
	struct xmlctx *x = arg;
	char ns[256];
	const char *local;
	int err;

	if (x->err)
		return;

	if (++x->depth > XML_DEPTH_MAX) {
		stop(x, EOVERFLOW, "nested too deep");
		return;
	}

	x->textlen = 0;

	if (!x->starth)
		return;

	split_name(name, ns, sizeof(ns), &local);
	err = x->starth(x->depth, ns, local, attrs, x->arg);
	if (err)
		stop(x, err, "refused by the reader");
}


static void XMLCALL end_handler(void *arg, const XML_Char *name)
{
	struct xmlctx *x = arg;
	char ns[256];
	const char *local;
	int err;

	if (x->err)
		return;

	if (x->endh) {
		split_name(name, ns, sizeof(ns), &local);
		x->text[x->textlen] = '\0';
		err = x->endh(x->depth, ns, local, x->text, x->textlen,
			      x->arg);
		if (err)
			stop(x, err, "refused by the reader");
	}

	x->textlen = 0;
	--x->depth;
}


static void XMLCALL text_handler(void *arg, const XML_Char *s, int len)
{
	struct xmlctx *x = arg;

	if (x->err || len <= 0)
		return;

	if (x->textlen + (size_t)len > XML_TEXT_MAX) {
		stop(x, EOVERFLOW, "element text too long");
		return;
	}

	memcpy(x->text + x->textlen, s, (size_t)len);
	x->textlen += (size_t)len;
}


static void XMLCALL doctype_handler(void *arg, const XML_Char *name,
				    const XML_Char *sysid,
				    const XML_Char *pubid, int has_internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;

	stop(arg, EPROTO, "DOCTYPE not allowed");
}


/* The line the parser stopped at. expat headers that mark functions
 * deprecated (XML_ATTR_DEPRECATED: 2.8 and later, e.g. Debian 13's) want
 * the 64-bit call; Debian 12's 2.5 has only the old one. */
static unsigned long line_of(XML_Parser p)
{
#ifdef XML_ATTR_DEPRECATED
	return (unsigned long)XML_GetCurrentLineNumber64(p);
#else
	return (unsigned long)XML_GetCurrentLineNumber(p);
#endif
}


/**
 * Parse one complete document.
 *
 * @param doc     Document bytes (not NUL-terminated)
 * @param len     Its length; over XML_DOC_MAX is refused
 * @param starth  Element start handler (optional)
 * @param endh    Element end handler, with the element's text (optional)
 * @param arg     Handler argument
 * @param errbuf  Gets "line N: what" on failure, for the caller's log line
 * @param errsz   Size of errbuf
 *
 * @return 0 if well-formed and accepted by the handlers, EBADMSG if not
 *         well-formed, EOVERFLOW past a bound, EPROTO for a DOCTYPE, or
 *         the handler's error
 */
int xml_parse(const char *doc, size_t len, xml_start_h *starth,
	      xml_end_h *endh, void *arg, char *errbuf, size_t errsz)
{
	struct xmlctx *x;
	enum XML_Status st;
	int err = 0;

	if (errbuf && errsz)
		errbuf[0] = '\0';

	if (!doc)
		return EINVAL;

	if (len > XML_DOC_MAX) {
		if (errbuf)
			(void)re_snprintf(errbuf, errsz, "document of %zu "
					  "bytes (at most %u)", len,
					  XML_DOC_MAX);
		return EOVERFLOW;
	}

	/* the text buffer is too big for a small embedded stack */
	x = mem_zalloc(sizeof(*x), NULL);
	if (!x)
		return ENOMEM;

	x->p = XML_ParserCreateNS(NULL, NS_SEP);
	if (!x->p) {
		err = ENOMEM;
		goto out;
	}

	x->starth = starth;
	x->endh   = endh;
	x->arg    = arg;

	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, start_handler, end_handler);
	XML_SetCharacterDataHandler(x->p, text_handler);
	XML_SetStartDoctypeDeclHandler(x->p, doctype_handler);
	(void)XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);

	st = XML_Parse(x->p, doc, (int)len, XML_TRUE);

	if (x->err) {
		err = x->err;
		if (errbuf)
			(void)re_snprintf(errbuf, errsz, "line %lu: %s",
					  line_of(x->p),
					  x->why);
	}
	else if (st != XML_STATUS_OK) {
		err = EBADMSG;
		if (errbuf)
			(void)re_snprintf(errbuf, errsz, "line %lu: %s",
					  line_of(x->p),
					  XML_ErrorString(
						  XML_GetErrorCode(x->p)));
	}

 out:
	if (x->p)
		XML_ParserFree(x->p);
	mem_deref(x);

	return err;
}


/**
 * Find an attribute by name in expat's list.
 *
 * @return The value, or NULL
 */
const char *xml_attr(const char **attrs, const char *name)
{
	if (!attrs || !name)
		return NULL;

	for (; attrs[0] && attrs[1]; attrs += 2)
		if (!strcmp(attrs[0], name))
			return attrs[1];

	return NULL;
}


/**
 * Print text escaped for element content and attribute values (%H).
 * Control characters XML 1.0 cannot carry are refused, not dropped, so a
 * writer never produces a document that says something else.
 *
 * @return 0, or EINVAL for a character XML cannot carry
 */
int xml_escape(struct re_printf *pf, const char *s)
{
	const char *run = s;
	int err = 0;

	if (!s)
		return 0;

	for (; *s && !err; s++) {
		const char *rep;
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&':  rep = "&amp;";  break;
		case '<':  rep = "&lt;";   break;
		case '>':  rep = "&gt;";   break;
		case '"':  rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		default:
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				return EINVAL;
			continue;
		}

		err  = re_hprintf(pf, "%b", run, (size_t)(s - run));
		err |= re_hprintf(pf, "%s", rep);
		run  = s + 1;
	}

	if (!err)
		err = re_hprintf(pf, "%s", run);

	return err;
}
