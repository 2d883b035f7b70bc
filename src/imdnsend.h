/* imdnsend.h: sends IMDN notifications (RFC 5438) as MESSAGEs through the core, kept on disk and retried until answered. */
#ifndef SIPPUSH_IMDNSEND_H
#define SIPPUSH_IMDNSEND_H

#include <stdint.h>
#include "imdn.h"

struct imdnsend;
struct re_printf;
struct route_set;
struct sip;

struct imdnsend_conf {
	const char *aor;          /* we send as this (From, CPIM From) */
	const char *registrar;    /* route through the core (route.c) */
	struct route_set *routes; /* or this one, followed as it changes */
	const char *auth_user;    /* NULL: no credentials */
	const char *auth_pass;
	const char *dir;          /* where unsent notifications are kept */
	uint32_t max;             /* notifications pending at most */
	uint32_t max_age;         /* s; older ones are dropped, logged */
	uint32_t retry_base;      /* ms */
	uint32_t retry_max;       /* ms */
};

/** One notification about one push */
struct imdnsend_req {
	const char *to;           /* the push sender's URI */
	const char *msgid;        /* imdn.Message-ID of the push */
	const char *datetime;     /* its DateTime; NULL: now */
	enum imdn_kind kind;
	enum imdn_status status;
	uint16_t code;            /* a refusal's SIP code, or 0 */
	const char *reason;       /* its phrase, or NULL */
};

int  imdnsend_alloc(struct imdnsend **isp, struct sip *sip,
		    const struct imdnsend_conf *conf);
int  imdnsend_queue(struct imdnsend *is, const struct imdnsend_req *rq);
void imdnsend_set_routes(struct imdnsend *is, struct route_set *routes);
int  imdnsend_set_identity(struct imdnsend *is, const char *aor,
			   const char *auth_user, const char *auth_pass);
uint32_t imdnsend_pending(const struct imdnsend *is);
uint32_t imdnsend_sent(const struct imdnsend *is);
uint32_t imdnsend_dropped(const struct imdnsend *is);
int  imdnsend_status(struct re_printf *pf, const struct imdnsend *is);

#endif
