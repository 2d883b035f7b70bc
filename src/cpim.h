/* cpim.h: message/cpim wrappers (RFC 3862): read one into its headers and inner content, write one. */
#ifndef SIPPUSH_CPIM_H
#define SIPPUSH_CPIM_H

#include <stddef.h>
#include <stdint.h>
/* struct pl: include <re.h> first */

struct re_printf;

enum {
	CPIM_HDR_MAX  = 32,    /* header lines per block */
	CPIM_LINE_MAX = 998,   /* bytes per header line, as in RFC 5322 */
	CPIM_NS_MAX   = 8,     /* NS declarations */
};

/** A decoded wrapper; every field points into the decoded buffer */
struct cpim {
	struct pl from;        /* From, as written: [name] <uri> */
	struct pl to;          /* first To */
	struct pl datetime;
	struct pl subject;     /* first Subject */
	struct pl imdn_msgid;  /* imdn.Message-ID (NS urn:ietf:params:imdn) */
	struct pl imdn_dispo;  /* imdn.Disposition-Notification */
	struct pl ctype;       /* inner Content-Type */
	struct pl mime;        /* the inner MIME header lines, as sent */
	struct pl body;        /* inner content, byte-exact */
};

/** What cpim_encode() writes */
struct cpim_out {
	const char *from;      /* URIs, printed inside <> */
	const char *to;
	const char *datetime;
	const char *imdn_msgid;    /* NULL: no IMDN headers */
	const char *ctype;
	const char *disposition;   /* inner Content-Disposition, or NULL */
	const uint8_t *body;
	size_t len;
};

int cpim_decode(struct cpim *c, const uint8_t *buf, size_t len);
int cpim_encode(struct re_printf *pf, const struct cpim_out *o);
int cpim_uri(struct pl *uri, const struct pl *addr);

#endif
