/* ua.c: builds the SIP stack (transports, DNS client, TLS) the other modules share, and rebuilds its transports. */
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "netpath.h"
#include "resolvwatch.h"
#include "sipreply.h"
#include "siptls.h"
#include "sockbuf.h"
#include "udpgrow.h"
#include "sipsock.h"
#include "fdguard.h"
#include "sipstream.h"
#include "ua.h"

#define DEBUG_MODULE "ua"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Transaction hash sizes: libre's lookups walk one bucket chain per
 * message, so a bucket count far below the live transaction count turns
 * every request into a list walk (libre-notes §6: 120 us/msg at 32
 * buckets and 5 k/s). Server transactions live 32 s on UDP, but only
 * INVITEs make them here: MESSAGEs are answered statelessly (pager.c).
 * libre allocates (and zeroes) two tables of HASH_STRANS buckets: 4096
 * cost 128 KiB of resident memory for nothing.
 */
enum {
	HASH_CTRANS = 64,
	HASH_STRANS = 256,
	HASH_TCONN  = 64,
};

struct ua {
	struct sa laddr;    /* the address SIP runs on (port as configured) */
	const struct config *cfg;   /* what the transports were made from */
	struct sa laddr6;   /* ... and its IPv6 one as well (dual stack) */
	struct sip *sip;
	struct dnsc *dnsc;
	struct tls *tls;
	struct udpgrow *ug;  /* 64 KiB UDP reads, junk dropped (udpgrow.c) */
	ua_exit_h *exith;
	void *arg;
	bool closing;   /* sip_close() gave libre our reference */
	bool closed;    /* ... and libre handed it back (exit handler ran) */
};


static void destructor(void *arg)
{
	struct ua *ua = arg;

	ua->ug = mem_deref(ua->ug);
	fdguard_close();
	sipstream_close();

	/* after sip_close() the reference is ours again only once the exit
	 * handler ran; before that, libre still drains transactions */
	if (!ua->closing || ua->closed)
		mem_deref(ua->sip);
	mem_deref(ua->tls);
	mem_deref(ua->dnsc);
	mem_deref((void *)ua->cfg);
}


static void exit_handler(void *arg)
{
	struct ua *ua = arg;

	ua->closed = true;
	if (ua->exith)
		ua->exith(ua->arg);
}


/** Host part of sip_registrar (for TLS verification and routing). */
int ua_registrar_host(const struct config *cfg, char *host, size_t sz)
{
	struct uri uri;
	struct pl pl;

	pl_set_str(&pl, cfg->sip_registrar);
	if (uri_decode(&uri, &pl))
		return EINVAL;

	return pl_strcpy(&uri.host, host, sz);
}


/** Host of the first hop: the (first) outbound proxy, else the registrar */
int ua_first_hop_host(const struct config *cfg, char *host, size_t sz)
{
	struct uri uri;
	struct pl pl;

	if (!cfg->proxyc)
		return ua_registrar_host(cfg, host, sz);

	pl_set_str(&pl, cfg->proxies[0].uri);
	if (uri_decode(&uri, &pl))
		return EINVAL;

	return pl_strcpy(&uri.host, host, sz);
}


/* Name servers of resolv_conf (none is fine: numeric hosts still work,
 * and netlife.c brings new ones when the file changes) */
static uint32_t dns_servers(struct sa *nsv, uint32_t n,
			    const struct config *cfg)
{
	if (!cfg->resolv_conf || resolvwatch_read(cfg->resolv_conf, nsv, &n))
		return 0;

	return n;
}


/* A DNS client always, even without servers yet: libre's SIP stack
 * takes it once, at sip_alloc(). */
static int dns_init(struct ua *ua, const struct config *cfg)
{
	struct sa nsv[RESOLVWATCH_MAX_NS];
	uint32_t nsn = dns_servers(nsv, ARRAY_SIZE(nsv), cfg);

	if (!nsn)
		DEBUG_INFO("no name servers in %s yet\n", cfg->resolv_conf);

	return dnsc_alloc(&ua->dnsc, NULL, nsv, nsn);
}


/* resolv.conf may have changed with the network: read it again */
static void dns_refresh(struct ua *ua, const struct config *cfg)
{
	struct sa nsv[RESOLVWATCH_MAX_NS];
	uint32_t nsn = dns_servers(nsv, ARRAY_SIZE(nsv), cfg);

	if (nsn)
		ua_dns_set(ua, nsv, nsn);
}


/*
 * The local addresses for SIP: sip_listen, or per address family the one
 * the kernel uses towards the first hop (netpath.c; sip_interface's if
 * set). Both families when both are there (RFC 3263 dual stack: the
 * core's name may resolve to either). ENETUNREACH: no network yet.
 */
static int local_addrs(struct sa *v4, struct sa *v6, const struct config *cfg)
{
	struct netpath np;
	const struct sa *a;
	char host[256] = "";
	int err;

	sa_init(v4, AF_UNSPEC);
	sa_init(v6, AF_UNSPEC);

	if (cfg->sip_listen)
		return sa_decode(v4, cfg->sip_listen, strlen(cfg->sip_listen));

	(void)ua_first_hop_host(cfg, host, sizeof(host));
	err = netpath_init(&np, cfg->sip_interface, host[0] ? host : NULL);
	if (err)
		return err;
	(void)netpath_update(&np);

	a = netpath_laddr(&np, AF_INET);
	if (a)
		*v4 = *a;
	a = netpath_laddr(&np, AF_INET6);
	if (a)
		*v6 = *a;

	if (!sa_isset(v4, SA_ADDR) && !sa_isset(v6, SA_ADDR))
		return ENETUNREACH;

	/* the first is the main one (MSRP, OPTIONS) */
	if (!sa_isset(v4, SA_ADDR)) {
		*v4 = *v6;
		sa_init(v6, AF_UNSPEC);
	}

	return 0;
}


/* The TLS client context for the core (NULL without tls) */
static int tls_ctx(struct tls **tlsp, const struct config *cfg)
{
	struct siptls_conf tc;
	char host[256] = "";

	*tlsp = NULL;
	if (!(cfg->transports & CFG_TP_TLS))
		return 0;

	if (cfg->tls_host)
		str_ncpy(host, cfg->tls_host, sizeof(host));
	else
		(void)ua_registrar_host(cfg, host, sizeof(host));
	tc.ca_file   = cfg->tls_ca_file;
	tc.cert_file = cfg->tls_cert_file;
	tc.host      = host;
	tc.verify    = cfg->tls_verify;

	return siptls_alloc(tlsp, &tc);
}


/* The connections libre accepts on this listener count towards
 * sip_conn_max (fdguard.c); libre hands out no listener, the kernel
 * finds it by its address. */
static void guard_listener(struct ua *ua, enum sip_transp tp,
			   const struct sa *laddr)
{
	struct sipsock_match m = { SOCK_STREAM, true, NULL, NULL };
	struct sa bound;
	int fd;

	if (sip_transp_laddr(ua->sip, &bound, tp, laddr))
		return;

	m.local = &bound;
	if (!sipsock_find(&m, &fd, 1) || fdguard_watch(FDGUARD_SIP, fd)) {
		DEBUG_WARNING("%J: listener not found, sip_conn_max not "
			      "applied\n", &bound);
		return;
	}

	/* TLS bytes are ciphertext at recv(): only plain TCP is sifted */
	if (tp == SIP_TRANSP_TCP && sipstream_listen(fd))
		DEBUG_WARNING("%J: stream pre-filter not applied\n", &bound);
}


/* Listeners on laddr for the configured transports */
static int transports_add(struct ua *ua, const struct config *cfg,
			  const struct sa *laddr)
{
	int err;

	if (cfg->transports & CFG_TP_UDP) {
		err = sip_transp_add(ua->sip, SIP_TRANSP_UDP, laddr);
		if (err) {
			DEBUG_WARNING("UDP on %J: %m\n", laddr, err);
			return err;
		}

		/* libre leaves SO_RCVBUF at the kernel default, which
		 * overflows in bursts; not fatal if it cannot be set */
		(void)sockbuf_sip_udp_rcvbuf(ua->sip, cfg->udp_rcvbuf);

		/* libre reads 8 KiB of each datagram: the rest was lost */
		(void)udpgrow_probe(ua->ug, laddr);
	}

	if (cfg->transports & CFG_TP_TCP) {
		err = sip_transp_add(ua->sip, SIP_TRANSP_TCP, laddr);
		if (err) {
			DEBUG_WARNING("TCP on %J: %m\n", laddr, err);
			return err;
		}

		guard_listener(ua, SIP_TRANSP_TCP, laddr);
	}

	if (cfg->transports & CFG_TP_TLS) {
		struct sa tlsaddr = *laddr;

		/* TLS listens on its own port: the fixed port (if any) of
		 * sip_listen belongs to UDP/TCP; "0" picks a free one. */
		if (sa_port(&tlsaddr))
			sa_set_port(&tlsaddr, sa_port(&tlsaddr) + 1);

		err = sip_transp_add(ua->sip, SIP_TRANSP_TLS, &tlsaddr,
				     ua->tls);
		if (err) {
			DEBUG_WARNING("TLS on %J: %m\n", &tlsaddr, err);
			return err;
		}

		guard_listener(ua, SIP_TRANSP_TLS, &tlsaddr);
	}

	DEBUG_INFO("SIP on %j (%s%s%s)\n", laddr,
		   cfg->transports & CFG_TP_UDP ? "udp " : "",
		   cfg->transports & CFG_TP_TCP ? "tcp " : "",
		   cfg->transports & CFG_TP_TLS ? "tls" : "");

	return 0;
}


/**
 * Build the SIP stack from the configuration.
 *
 * @param uap  Pointer to allocated UA
 * @param cfg  Configuration (transports, listen address, TLS)
 *
 * @return 0 if success, otherwise errorcode
 */
int ua_alloc(struct ua **uap, const struct config *cfg)
{
	struct sa laddr, laddr6;
	struct ua *ua;
	bool offline;
	int err;

	if (!uap || !cfg)
		return EINVAL;

	ua = mem_zalloc(sizeof(*ua), destructor);
	if (!ua)
		return ENOMEM;

	/* the spare descriptor, before any listener can use the last one */
	err = fdguard_init();
	if (err) {
		DEBUG_WARNING("fdguard: %m\n", err);
		goto out;
	}

	/* no network yet: a stack without transports, ua_reset_transports()
	 * adds them when there is one */
	err = local_addrs(&laddr, &laddr6, cfg);
	offline = err == ENETUNREACH;
	if (err && !offline) {
		DEBUG_WARNING("no local address for SIP: %m\n", err);
		goto out;
	}

	err = dns_init(ua, cfg);
	if (err)
		goto out;

	err = sip_alloc(&ua->sip, ua->dnsc, HASH_CTRANS, HASH_STRANS,
			HASH_TCONN, SIPREPLY_SOFTWARE, exit_handler,
			ua);
	if (err)
		goto out;

	/* the stack's first listener */
	err = udpgrow_alloc(&ua->ug, ua->sip);
	if (err)
		goto out;

	fdguard_max(FDGUARD_SIP, cfg->sip_conn_max);
	err = tls_ctx(&ua->tls, cfg);
	if (err || offline)
		goto out;

	err = transports_add(ua, cfg, &laddr);
	if (!err && sa_isset(&laddr6, SA_ADDR))
		err = transports_add(ua, cfg, &laddr6);
	if (err)
		goto out;

	ua->laddr  = laddr;
	ua->laddr6 = laddr6;
	ua->cfg    = mem_ref((void *)cfg);

 out:
	if (err)
		mem_deref(ua);
	else
		*uap = ua;

	return err;
}


static bool streq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}


/* Would cfg make the transports we have? (Then they stay: a socket a
 * waiting request holds could keep the port from being bound again.) */
static bool same_transports(const struct ua *ua, const struct config *cfg,
			    const struct sa *laddr, const struct sa *laddr6)
{
	const struct config *o = ua->cfg;

	return o && sa_cmp(&ua->laddr, laddr, SA_ALL) &&
		(sa_isset(&ua->laddr6, SA_ADDR) ? sa_cmp(&ua->laddr6, laddr6,
							  SA_ALL) :
		 !sa_isset(laddr6, SA_ADDR)) &&
		o->transports == cfg->transports &&
		o->udp_rcvbuf == cfg->udp_rcvbuf &&
		o->tls_verify == cfg->tls_verify &&
		streq(o->tls_ca_file, cfg->tls_ca_file) &&
		streq(o->tls_cert_file, cfg->tls_cert_file) &&
		streq(o->tls_host, cfg->tls_host) &&
		/* without tls_host the registrar's host is the TLS name */
		(!(cfg->transports & CFG_TP_TLS) || cfg->tls_host ||
		 streq(o->sip_registrar, cfg->sip_registrar));
}


/**
 * Tear the transports down and build them again from cfg: a new local
 * address, new listeners, a new TLS context, the DNS servers read
 * again. Transports cfg would make the same (address, set, TLS files,
 * udp_rcvbuf) are kept. The stack itself stays: the modules listening on it keep
 * their handlers, and a request still waiting for its answer keeps the
 * socket it came on (libre holds a reference), so its answer still goes
 * out. Used by daemon_reset_stack() on reload and on a network change.
 *
 * @return 0, or an error: the stack then has no transports until the
 *         next successful call (nothing half-built is kept)
 */
int ua_reset_transports(struct ua *ua, const struct config *cfg)
{
	struct tls *tls = NULL;
	struct sa laddr, laddr6;
	int err;

	if (!ua || !cfg || ua->closing)
		return EINVAL;

	/* what can fail without a listener goes first: the old transports
	 * stay if the new address or TLS context is not there */
	err = local_addrs(&laddr, &laddr6, cfg);
	if (err) {
		DEBUG_WARNING("no local address for SIP: %m\n", err);
		return err;
	}

	dns_refresh(ua, cfg);
	fdguard_max(FDGUARD_SIP, cfg->sip_conn_max);

	if (same_transports(ua, cfg, &laddr, &laddr6)) {
		mem_deref((void *)ua->cfg);
		ua->cfg = mem_ref((void *)cfg);
		return 0;
	}

	err = tls_ctx(&tls, cfg);
	if (err)
		return err;

	fdguard_unwatch(FDGUARD_SIP, -1);
	sipstream_unlisten();
	udpgrow_flush(ua->ug);
	sip_transp_flush(ua->sip);
	mem_deref(ua->tls);
	ua->tls = tls;

	mem_deref((void *)ua->cfg);
	ua->cfg = NULL;

	err = transports_add(ua, cfg, &laddr);
	if (!err && sa_isset(&laddr6, SA_ADDR))
		err = transports_add(ua, cfg, &laddr6);
	if (err) {
		fdguard_unwatch(FDGUARD_SIP, -1);
		sipstream_unlisten();
		udpgrow_flush(ua->ug);
		sip_transp_flush(ua->sip);
		sa_init(&ua->laddr, AF_UNSPEC);
		sa_init(&ua->laddr6, AF_UNSPEC);
		return err;
	}

	ua->laddr  = laddr;
	ua->laddr6 = laddr6;
	ua->cfg    = mem_ref((void *)cfg);
	return 0;
}


/** New name servers (resolv.conf changed): the next lookups use them */
void ua_dns_set(struct ua *ua, const struct sa *srvv, uint32_t srvc)
{
	if (!ua || !ua->dnsc)
		return;

	(void)dnsc_srv_set(ua->dnsc, srvv, srvc);
}


/** The DNS client of the stack (sip_trusted host names use it too) */
struct dnsc *ua_dnsc(const struct ua *ua)
{
	return ua ? ua->dnsc : NULL;
}


struct sip *ua_sip(const struct ua *ua)
{
	return ua ? ua->sip : NULL;
}


/** The local address SIP runs on (other media, MSRP, use its IP);
 * unset while there is no network */
const struct sa *ua_laddr(const struct ua *ua)
{
	return ua ? &ua->laddr : NULL;
}


/** The stack's own counters for STATUS */
int ua_status(struct re_printf *pf, const struct ua *ua)
{
	return ua ? udpgrow_status(pf, ua->ug) | fdguard_status(pf, NULL) |
		sipstream_status(pf, NULL) : 0;
}


/** The IPv6 address SIP runs on as well (dual stack), or NULL */
const struct sa *ua_laddr6(const struct ua *ua)
{
	return ua && sa_isset(&ua->laddr6, SA_ADDR) ? &ua->laddr6 : NULL;
}


/**
 * Let the stack finish its transactions; exith runs when it has.
 */
void ua_close(struct ua *ua, ua_exit_h *exith, void *arg)
{
	if (!ua)
		return;

	if (ua->closing)
		return;

	ua->exith   = exith;
	ua->arg     = arg;
	ua->closing = true;
	sip_close(ua->sip, false);
}
