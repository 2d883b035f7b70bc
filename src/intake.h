/* intake.h: the first look at every SIP request: an ordered list of checks before any handler sees it. */
#ifndef SIPPUSH_INTAKE_H
#define SIPPUSH_INTAKE_H

#include <stdint.h>

struct intake;
struct re_printf;
struct sip;
struct sip_msg;

/** What a check decides */
enum intake_verdict {
	INTAKE_PASS,      /* next check; after the last, the handlers */
	INTAKE_DROP,      /* no answer; a TCP/TLS connection is closed */
	INTAKE_REPLY,     /* answer with rep (stateless), handlers skipped */
};

/** The answer of an INTAKE_REPLY */
struct intake_reply {
	uint16_t scode;
	const char *reason;
	const char *hdrs;     /* extra header lines, each ending CRLF; or NULL */
};

typedef enum intake_verdict (intake_check_h)(const struct sip_msg *msg,
					      struct intake_reply *rep,
					      void *arg);

int  intake_alloc(struct intake **inp, struct sip *sip);
int  intake_add(struct intake *in, const char *name, intake_check_h *h,
		void *arg);
int  intake_status(struct re_printf *pf, const struct intake *in);

#endif
