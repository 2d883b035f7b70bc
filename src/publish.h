/* publish.h: publishes our push capabilities to the core's presence server (RFC 3903 PUBLISH, PIDF). */
#ifndef SIPPUSH_PUBLISH_H
#define SIPPUSH_PUBLISH_H

#include <stdint.h>

struct mbuf;
struct publish;
struct route_set;
struct sip;

/** Writes the document to publish (application/pidf+xml) */
typedef int (publish_body_h)(struct mbuf *mb, void *arg);
/** The removal (publish_remove()) was answered, or failed */
typedef void (publish_done_h)(void *arg);

struct publish_conf {
	const char *aor;
	const char *registrar;    /* route through the core (route.c) */
	struct route_set *routes; /* or this one, followed as it changes */
	const char *auth_user;    /* NULL: no credentials */
	const char *auth_pass;
	uint32_t expires;         /* s, asked for; refreshed at 90 % */
	uint32_t retry_base;      /* ms */
	uint32_t retry_max;       /* ms */
};

enum publish_state {
	PUBLISH_IDLE = 0,
	PUBLISH_SENDING,
	PUBLISH_PUBLISHED,
	PUBLISH_RETRYING,
	PUBLISH_UNSUPPORTED,      /* the core does not take it: not again */
};

int  publish_alloc(struct publish **pp, struct sip *sip,
		   const struct publish_conf *conf, publish_body_h *bodyh,
		   void *arg);
int  publish_now(struct publish *p);
int  publish_remove(struct publish *p, publish_done_h *doneh, void *arg);
void publish_set_routes(struct publish *p, struct route_set *routes);
enum publish_state publish_state(const struct publish *p);
const char *publish_state_name(enum publish_state st);
uint32_t publish_sent(const struct publish *p);

#endif
