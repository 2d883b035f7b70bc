/* pushreq.h: reads what a push request says: target app, sender, type, lifetime. */
#ifndef SIPPUSH_PUSHREQ_H
#define SIPPUSH_PUSHREQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct appset;
struct config;
struct sip_msg;

enum pushreq_target {
	PUSHREQ_NONE,       /* no application ID anywhere */
	PUSHREQ_FOUND,      /* app holds the canonical ID */
	PUSHREQ_BAD,        /* an ID was given but is malformed */
};

enum {
	PUSHREQ_SENDER_MAX = 255,
	PUSHREQ_CTYPE_MAX  = 127,
};

enum pushreq_target pushreq_target(const struct sip_msg *msg,
				   const struct config *cfg,
				   const struct appset *apps,
				   char *app, size_t sz);
int  pushreq_sender(const struct sip_msg *msg, char *buf, size_t sz,
		    bool *asserted);
int  pushreq_ctype(const struct sip_msg *msg, char *buf, size_t sz);
bool pushreq_expired(const struct sip_msg *msg, time_t now);
uint64_t pushreq_expiry(const struct sip_msg *msg, time_t now);
const char *pushreq_transport(const struct sip_msg *msg);

#endif
