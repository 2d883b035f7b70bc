/* sock.c: the MSRP listeners (plain, and TLS for msrps): accept connections, hold the sessions, the limits and the relay's path. */
#include <string.h>
#include <strings.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "spool.h"
#include "sipsock.h"
#include "fdguard.h"
#include "msrpsess.h"
#include "msrpsess_priv.h"

#define DEBUG_MODULE "msrpsess"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


static void accept_handler(const struct sa *peer, void *arg)
{
	struct msrpsock *ms = arg;

	mconn_accept(ms, ms->ts, peer);
}


static void tls_accept_handler(const struct sa *peer, void *arg)
{
	struct msrpsock *ms = arg;

	mconn_accept(ms, ms->tls_ts, peer);
}


static void sock_destructor(void *arg)
{
	struct msrpsock *ms = arg;

	fdguard_unwatch(FDGUARD_MSRP, ms->lfd[0]);
	fdguard_unwatch(FDGUARD_MSRP, ms->lfd[1]);
	list_flush(&ms->conns);
	hash_flush(ms->sessions);
	mem_deref(ms->sessions);
	mem_deref(ms->ts);
	mem_deref(ms->tls_ts);
	mem_deref(ms->tls);
	mem_deref(ms->spool_dir);
	mem_deref(ms->router);
	mem_deref(ms->dlv);
	mem_deref(ms->ab);
	mem_deref((void *)ms->cfg);
}


/** What to do with content for apps that are away (NULL: refuse). */
void msrpsock_set_absent(struct msrpsock *ms, struct absent *ab)
{
	if (!ms)
		return;

	mem_deref(ms->ab);
	ms->ab = mem_ref(ab);
}


/** Use a reloaded configuration (msrp_max_size and the timers) from now on. */
void msrpsock_set_config(struct msrpsock *ms, const struct config *cfg)
{
	if (!ms || !cfg)
		return;

	mem_deref((void *)ms->cfg);
	ms->cfg = mem_ref((void *)cfg);
	fdguard_max(FDGUARD_MSRP, cfg->msrp_conn_max);
}


/* The connections libre accepts on this listener count towards
 * msrp_conn_max (fdguard.c); the kernel finds it by its address. */
static void guard_listener(struct msrpsock *ms, int i, const struct sa *la)
{
	struct sipsock_match m = { SOCK_STREAM, true, la, NULL };

	if (!sipsock_find(&m, &ms->lfd[i], 1) ||
	    fdguard_watch(FDGUARD_MSRP, ms->lfd[i])) {
		ms->lfd[i] = -1;
		DEBUG_WARNING("%J: listener not found, msrp_conn_max not "
			      "applied\n", la);
	}
}


/*
 * msrps gets a listener of its own, so that each connection's transport
 * is the one its session negotiated: an msrp: sender that dials us finds
 * plain TCP, an msrps: one TLS (with one TLS listener for both, a plain
 * sender's SEND met a TLS handshake and its push was lost). No key of its
 * own: the port after laddr's, or a free one when laddr's is 0.
 */
static int listen_tls(struct msrpsock *ms, const struct sa *laddr)
{
	struct sa tladdr = *laddr;
	uint16_t port = sa_port(laddr);
	int err;

	if (port == 65535) {
		DEBUG_WARNING("msrps: no port after %J for the TLS listener\n",
			      laddr);
		return EADDRNOTAVAIL;
	}

	sa_set_port(&tladdr, port ? port + 1 : 0);

	err = tcp_listen(&ms->tls_ts, &tladdr, tls_accept_handler, ms);
	if (err) {
		DEBUG_WARNING("msrps listen on %J: %m\n", &tladdr, err);
		return err;
	}

	err = tcp_sock_local_get(ms->tls_ts, &ms->tls_laddr);
	if (!err)
		guard_listener(ms, 1, &ms->tls_laddr);

	return err;
}


/**
 * Listen for MSRP connections: plain TCP on laddr and, with a
 * certificate, TLS on the next port (or a free one).
 *
 * @param msp         Pointer to allocated listener
 * @param laddr       Address and port (0: any free port)
 * @param server_tls  TLS context with our certificate for msrps, or NULL
 * @param cfg         Configuration: limits, timers, tls_ca_file and
 *                    tls_verify for msrps we dial, spool_dir
 * @param router      Routing table (checked again when a message completes)
 * @param dlv         Delivery to apps
 */
int msrpsock_alloc(struct msrpsock **msp, const struct sa *laddr,
		   struct tls *server_tls, const struct config *cfg,
		   struct router *router, struct deliver *dlv)
{
	struct msrpsock *ms;
	int err;

	if (!msp || !laddr || !cfg || !cfg->spool_dir || !router || !dlv)
		return EINVAL;

	ms = mem_zalloc(sizeof(*ms), sock_destructor);
	if (!ms)
		return ENOMEM;

	list_init(&ms->conns);
	ms->router = mem_ref(router);
	ms->dlv    = mem_ref(dlv);
	ms->tls    = mem_ref(server_tls);
	ms->cfg    = mem_ref((void *)cfg);
	ms->lfd[0] = -1;
	ms->lfd[1] = -1;
	fdguard_max(FDGUARD_MSRP, cfg->msrp_conn_max);

	err = str_dup(&ms->spool_dir, cfg->spool_dir);
	if (err)
		goto out;

	err = hash_alloc(&ms->sessions, SESS_HASH);
	if (err)
		goto out;

	(void)spool_dir_clean(ms->spool_dir);

	err = tcp_listen(&ms->ts, laddr, accept_handler, ms);
	if (err) {
		DEBUG_WARNING("MSRP listen on %J: %m\n", laddr, err);
		goto out;
	}

	err = tcp_sock_local_get(ms->ts, &ms->laddr);
	if (err)
		goto out;
	guard_listener(ms, 0, &ms->laddr);

	if (server_tls) {
		err = listen_tls(ms, &ms->laddr);
		if (err)
			goto out;

		DEBUG_INFO("MSRP on %J, msrps on %J\n", &ms->laddr,
			   &ms->tls_laddr);
	}
	else {
		DEBUG_INFO("MSRP on %J\n", &ms->laddr);
	}

 out:
	if (err)
		mem_deref(ms);
	else
		*msp = ms;

	return err;
}


/** Can TCP/TLS/MSRP be offered? Only with a certificate to show. */
bool msrpsess_tls_ok(const struct msrpsock *ms)
{
	return ms && ms->tls;
}


/** The port a session answers with: msrps's listener for tls */
int msrpsock_port(const struct msrpsock *ms, bool tls)
{
	const struct sa *a = msrpsock_laddr_tp(ms, tls);

	return a ? sa_port(a) : 0;
}


int msrpsock_status(struct re_printf *pf, const struct msrpsock *ms)
{
	if (!ms)
		return 0;

	return re_hprintf(pf, "msrp_sessions=%llu\nmsrp_delivered=%llu\n"
			  "msrp_failed=%llu\nmsrp_bytes=%llu\n"
			  "msrp_repeats_ignored=%llu\n",
			  ms->n_sessions, ms->n_delivered, ms->n_failed,
			  ms->n_bytes, ms->n_repeats) |
		inmsg_spool_status(pf);
}



/**
 * The relay is ready (its AUTH succeeded) with this Use-Path, or not
 * (use_path NULL). New sessions go through it; sessions already made
 * keep the path they were answered with.
 */
int msrpsock_set_relay(struct msrpsock *ms, struct msrplink *l,
		       const char *use_path)
{
	char *p = NULL;
	int err;

	if (!ms)
		return EINVAL;

	if (!l || !l->c || !use_path) {
		ms->relay_path = mem_deref(ms->relay_path);
		return 0;
	}

	err = str_dup(&p, use_path);
	if (err)
		return err;

	mem_deref(ms->relay_path);
	ms->relay_path = p;
	ms->relay = l->c;

	return 0;
}


/** Where the plain listener is: the host part of our own MSRP URIs */
const struct sa *msrpsock_laddr(const struct msrpsock *ms)
{
	return ms ? &ms->laddr : NULL;
}


/** The listener of a session's transport: msrps's for tls, if there is
 * one (a relay session's msrps without our certificate: the plain one,
 * never dialled, only named) */
const struct sa *msrpsock_laddr_tp(const struct msrpsock *ms, bool tls)
{
	if (!ms)
		return NULL;

	return tls && ms->tls_ts ? &ms->tls_laddr : &ms->laddr;
}


/** The relay's Use-Path while it is ready, else NULL */
const char *msrpsock_relay_path(const struct msrpsock *ms)
{
	return ms && ms->relay ? ms->relay_path : NULL;
}
