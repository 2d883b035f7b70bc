/* imdn.h: IMDN documents (RFC 5438 message/imdn+xml): read one, write one, and the Disposition-Notification list. */
#ifndef SIPPUSH_IMDN_H
#define SIPPUSH_IMDN_H

#include <stdint.h>

struct pl;
struct re_printf;

enum {
	IMDN_ID_MAX   = 64,    /* imdn.Message-ID we accept, bytes */
	IMDN_DATE_MAX = 40,    /* RFC 3339 date-time */
	IMDN_URI_MAX  = 256,
	IMDN_REASON_MAX = 64,
};

/* imdn.Disposition-Notification values, as bits (RFC 5438 §5.1) */
enum imdn_dispo {
	IMDN_WANT_POSITIVE   = 1u << 0,   /* positive-delivery */
	IMDN_WANT_NEGATIVE   = 1u << 1,   /* negative-delivery */
	IMDN_WANT_DISPLAY    = 1u << 2,   /* display */
	IMDN_WANT_PROCESSING = 1u << 3,   /* processing */
};

enum imdn_kind {
	IMDN_DELIVERY = 0,
	IMDN_DISPLAY,
	IMDN_PROCESSING,
};

enum imdn_status {
	IMDN_DELIVERED = 0,  /* delivery */
	IMDN_FAILED,         /* delivery */
	IMDN_FORBIDDEN,      /* any */
	IMDN_ERROR,          /* any */
	IMDN_DISPLAYED,      /* display */
	IMDN_PROCESSED,      /* processing */
	IMDN_STORED,         /* processing */
};

/** One notification */
struct imdn {
	char msgid[IMDN_ID_MAX + 1];          /* of the message it is about */
	char datetime[IMDN_DATE_MAX + 1];     /* when that message was sent */
	char recipient[IMDN_URI_MAX + 1];     /* optional */
	char orig_recipient[IMDN_URI_MAX + 1];/* optional */
	enum imdn_kind kind;
	enum imdn_status status;
	uint16_t code;                        /* our reason (extension), 0: none */
	char reason[IMDN_REASON_MAX + 1];
};

int imdn_decode(struct imdn *im, const char *doc, size_t len,
		char *errbuf, size_t errsz);
int imdn_encode(struct re_printf *pf, const struct imdn *im);
int imdn_dispo_decode(unsigned *dispo, const struct pl *val);
int imdn_id_check(const struct pl *id);
enum imdn_status imdn_negative_status(uint16_t scode);
const char *imdn_kind_name(enum imdn_kind kind);
const char *imdn_status_name(enum imdn_status status);

#endif
