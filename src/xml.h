/* xml.h: small XML documents read with expat (bounded, no DTD) and text escaped for writers. */
#ifndef SIPPUSH_XML_H
#define SIPPUSH_XML_H

#include <stddef.h>

struct re_printf;

enum {
	XML_DOC_MAX   = 65536,  /* largest document we parse, bytes */
	XML_DEPTH_MAX = 16,     /* deepest element nesting */
	XML_TEXT_MAX  = 1024,   /* character data of one element, bytes */
	XML_ERR_SIZE  = 96,     /* room for a "line N: what" message */
};

/*
 * Names arrive namespace-resolved: ns is the namespace URI ("" when none),
 * name the local name. attrs is expat's NULL-terminated name/value list;
 * an attribute name is "uri|local" when it had a prefix, else "local".
 * A handler returning non-zero stops the parse with that error.
 */
typedef int (xml_start_h)(unsigned depth, const char *ns, const char *name,
			  const char **attrs, void *arg);
typedef int (xml_end_h)(unsigned depth, const char *ns, const char *name,
			const char *text, size_t len, void *arg);

int xml_parse(const char *doc, size_t len, xml_start_h *starth,
	      xml_end_h *endh, void *arg, char *errbuf, size_t errsz);
const char *xml_attr(const char **attrs, const char *name);
int xml_escape(struct re_printf *pf, const char *s);

#endif
