/* sock.c: the MSRP listener: accepts connections, holds the sessions, the limits and the relay's path. */
#include <string.h>
#include <strings.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "spool.h"
#include "msrpsess.h"
#include "msrpsess_priv.h"

#define DEBUG_MODULE "msrpsess"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


static void accept_handler(const struct sa *peer, void *arg)
{
	mconn_accept(arg, peer);
}


static void sock_destructor(void *arg)
{
	struct msrpsock *ms = arg;

	list_flush(&ms->conns);
	hash_flush(ms->sessions);
	mem_deref(ms->sessions);
	mem_deref(ms->ts);
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
}


/**
 * Listen for MSRP connections.
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

	DEBUG_INFO("MSRP on %J%s\n", &ms->laddr, server_tls ? " (tls)" : "");

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


int msrpsock_port(const struct msrpsock *ms)
{
	return ms ? sa_port(&ms->laddr) : 0;
}


int msrpsock_status(struct re_printf *pf, const struct msrpsock *ms)
{
	if (!ms)
		return 0;

	return re_hprintf(pf, "msrp_sessions=%llu\nmsrp_delivered=%llu\n"
			  "msrp_failed=%llu\nmsrp_bytes=%llu\n"
			  "msrp_repeats_ignored=%llu\n",
			  ms->n_sessions, ms->n_delivered, ms->n_failed,
			  ms->n_bytes, ms->n_repeats);
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


/** Where the listener is: the host part of our own MSRP URIs */
const struct sa *msrpsock_laddr(const struct msrpsock *ms)
{
	return ms ? &ms->laddr : NULL;
}


/** The relay's Use-Path while it is ready, else NULL */
const char *msrpsock_relay_path(const struct msrpsock *ms)
{
	return ms && ms->relay ? ms->relay_path : NULL;
}
