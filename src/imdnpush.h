/* imdnpush.h: turns a push's imdn request and the app's verdict (and later DISPOSED reports) into IMDN notifications. */
#ifndef SIPPUSH_IMDNPUSH_H
#define SIPPUSH_IMDNPUSH_H

#include <stdint.h>

struct imdnpush;
struct imdnsend;
struct re_printf;

/** What a push carried that notifications need (strings, NUL-ended) */
struct imdnpush_push {
	uint64_t id;             /* the push's Id on the local API */
	const char *app;         /* canonical app ID of its owner */
	const char *sender;      /* URI the notifications go to */
	const char *msgid;       /* imdn.Message-ID */
	const char *dispo;       /* imdn.Disposition-Notification */
	const char *datetime;    /* CPIM DateTime, or NULL */
};

enum imdnpush_what {
	IMDNPUSH_PROCESSED = 0,
	IMDNPUSH_DISPLAYED,
};

int  imdnpush_alloc(struct imdnpush **ipp, struct imdnsend *is,
		    uint32_t max, uint32_t max_age);
int  imdnpush_verdict(struct imdnpush *ip, const struct imdnpush_push *p,
		      uint16_t scode, const char *reason);
const char *imdnpush_app(const struct imdnpush *ip, uint64_t id);
int  imdnpush_disposed(struct imdnpush *ip, uint64_t id,
		       enum imdnpush_what what);
uint32_t imdnpush_count(const struct imdnpush *ip);

#endif
