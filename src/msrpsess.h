/* msrpsess.h: MSRP sessions of session-mode pushes: connections, chunks, spool, reports. */
#ifndef SIPPUSH_MSRPSESS_H
#define SIPPUSH_MSRPSESS_H

#include <stdbool.h>
#include <stdint.h>

struct absent;
struct config;
struct deliver;
struct mbuf;
struct msrp_msg;
struct msrplink;
struct msrpsess;
struct msrpsock;
struct router;
struct sa;
struct tls;
struct re_printf;

/** The session ended on its own (timeout, connection lost): send BYE */
typedef void (msrpsess_close_h)(int err, const char *why, void *arg);

struct pushmeta;

struct msrpsess_conf {
	const char *appid;         /* canonical */
	const char *sender;        /* identity from the INVITE */
	bool asserted;             /* ... the core's P-Asserted-Identity */
	const char *remote_path;   /* offer's a=path */
	bool tls;
	bool active;               /* we connect out */
	bool relay;                /* through the relay (msrpsock_set_relay) */
	const struct pushmeta *meta; /* the INVITE's record lines, or NULL */
};

/* The shared connection to an MSRP relay (RFC 4976), for msrprelay.c */
typedef void (msrplink_estab_h)(void *arg);
typedef void (msrplink_resp_h)(const struct msrp_msg *msg, void *arg);
typedef void (msrplink_close_h)(int err, void *arg);

int  msrpsock_alloc(struct msrpsock **msp, const struct sa *laddr,
		    struct tls *server_tls, const struct config *cfg,
		    struct router *router, struct deliver *dlv);
void msrpsock_set_config(struct msrpsock *ms, const struct config *cfg);
void msrpsock_set_absent(struct msrpsock *ms, struct absent *ab);
int  msrpsock_port(const struct msrpsock *ms, bool tls);
bool msrpsess_tls_ok(const struct msrpsock *ms);
int  msrpsock_status(struct re_printf *pf, const struct msrpsock *ms);

int  msrpsess_alloc(struct msrpsess **sp, struct msrpsock *ms,
		    const struct msrpsess_conf *sc, msrpsess_close_h *closeh,
		    void *arg);
const char *msrpsess_sdp_path(const struct msrpsess *s);
int  msrpsess_start(struct msrpsess *s);
void msrpsess_fail_all(struct msrpsess *s, uint16_t status, const char *why);

int  msrplink_connect(struct msrplink **lp, struct msrpsock *ms,
		      const char *uri, msrplink_estab_h *estabh,
		      msrplink_resp_h *resph, msrplink_close_h *closeh,
		      void *arg);
int  msrplink_send(struct msrplink *l, struct mbuf *mb);
int  msrpsock_set_relay(struct msrpsock *ms, struct msrplink *l,
			const char *use_path);
const char *msrpsock_relay_path(const struct msrpsock *ms);
bool msrpsock_spool_full(const struct msrpsock *ms);
const struct sa *msrpsock_laddr(const struct msrpsock *ms);

#endif
