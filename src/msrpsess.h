/* msrpsess.h: MSRP sessions of session-mode pushes: connections, chunks, spool, reports. */
#ifndef SIPPUSH_MSRPSESS_H
#define SIPPUSH_MSRPSESS_H

#include <stdbool.h>
#include <stdint.h>

struct deliver;
struct msrpsess;
struct msrpsock;
struct router;
struct sa;
struct tls;
struct re_printf;

/** The session ended on its own (timeout, connection lost): send BYE */
typedef void (msrpsess_close_h)(int err, const char *why, void *arg);

struct msrpsock_conf {
	const char *spool_dir;
	uint64_t max_size;         /* msrp_max_size */
	uint32_t connect_timeout;  /* ms until the MSRP connection is bound */
	uint32_t idle_timeout;     /* ms without progress before BYE */
	const char *ca_file;       /* msrps: verify the peer we dial */
	bool tls_verify;
};

struct msrpsess_conf {
	const char *appid;         /* canonical */
	const char *sender;        /* identity from the INVITE */
	const char *remote_path;   /* offer's a=path */
	bool tls;
	bool active;               /* we connect out */
};

int  msrpsock_alloc(struct msrpsock **msp, const struct sa *laddr,
		    struct tls *server_tls, const struct msrpsock_conf *conf,
		    struct router *router, struct deliver *dlv);
void msrpsock_set_conf(struct msrpsock *ms, const struct msrpsock_conf *c);
int  msrpsock_port(const struct msrpsock *ms);
bool msrpsess_tls_ok(const struct msrpsock *ms);
int  msrpsock_status(struct re_printf *pf, const struct msrpsock *ms);

int  msrpsess_alloc(struct msrpsess **sp, struct msrpsock *ms,
		    const struct msrpsess_conf *sc, msrpsess_close_h *closeh,
		    void *arg);
const char *msrpsess_path(const struct msrpsess *s);
int  msrpsess_start(struct msrpsess *s);

#endif
