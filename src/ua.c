/* ua.c: builds the SIP stack (transports, DNS client, TLS) the other modules share, and rebuilds its transports. */
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "siptls.h"
#include "sockbuf.h"
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
	struct sip *sip;
	struct dnsc *dnsc;
	struct tls *tls;
	ua_exit_h *exith;
	void *arg;
	bool closing;   /* sip_close() gave libre our reference */
	bool closed;    /* ... and libre handed it back (exit handler ran) */
};


static void destructor(void *arg)
{
	struct ua *ua = arg;

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


/* The local address the kernel would use towards the registrar: a sane
 * default for sip_listen on a handset whose address comes from DHCP. */
static int source_towards(struct sa *src, const struct config *cfg)
{
	char host[256];
	struct sa dst;
	socklen_t len;
	int fd, err = 0;

	if (ua_registrar_host(cfg, host, sizeof(host)) ||
	    sa_set_str(&dst, host, 5060)) {
		/* a DNS name: fall back to the default route's address */
		return net_default_source_addr_get(AF_INET, src);
	}

	fd = socket(sa_af(&dst), SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;

	if (connect(fd, &dst.u.sa, dst.len) < 0) {
		err = errno;
		goto out;
	}

	sa_init(src, sa_af(&dst));
	len = sizeof(src->u);
	if (getsockname(fd, &src->u.sa, &len) < 0)
		err = errno;
	src->len = len;

 out:
	(void)close(fd);
	return err;
}


static int dns_init(struct ua *ua)
{
	struct sa nsv[4];
	uint32_t nsn = ARRAY_SIZE(nsv);
	char domain[64] = "";
	int err;

	err = dns_srv_get(domain, sizeof(domain), nsv, &nsn);
	if (err || !nsn) {
		/* no resolv.conf: numeric hosts still work */
		DEBUG_PRINTF("no DNS servers: numeric hosts only\n");
		return 0;
	}

	return dnsc_alloc(&ua->dnsc, NULL, nsv, nsn);
}


/* resolv.conf may have changed with the network: read it again */
static void dns_refresh(struct ua *ua)
{
	struct sa nsv[4];
	uint32_t nsn = ARRAY_SIZE(nsv);
	char domain[64] = "";

	if (!ua->dnsc || dns_srv_get(domain, sizeof(domain), nsv, &nsn) ||
	    !nsn)
		return;

	(void)dnsc_srv_set(ua->dnsc, nsv, nsn);
}


/* The local address for SIP: sip_listen, or the one towards the registrar */
static int local_addr(struct sa *laddr, const struct config *cfg)
{
	int err;

	if (cfg->sip_listen)
		err = sa_decode(laddr, cfg->sip_listen,
				strlen(cfg->sip_listen));
	else
		err = source_towards(laddr, cfg);
	if (err)
		DEBUG_WARNING("no local address for SIP: %m\n", err);

	return err;
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
	}

	if (cfg->transports & CFG_TP_TCP) {
		err = sip_transp_add(ua->sip, SIP_TRANSP_TCP, laddr);
		if (err) {
			DEBUG_WARNING("TCP on %J: %m\n", laddr, err);
			return err;
		}
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
	struct ua *ua;
	struct sa laddr;
	int err;

	if (!uap || !cfg)
		return EINVAL;

	ua = mem_zalloc(sizeof(*ua), destructor);
	if (!ua)
		return ENOMEM;

	err = local_addr(&laddr, cfg);
	if (err)
		goto out;

	err = dns_init(ua);
	if (err)
		goto out;

	err = sip_alloc(&ua->sip, ua->dnsc, HASH_CTRANS, HASH_STRANS,
			HASH_TCONN, "sippushd/" SIPPUSH_VERSION, exit_handler,
			ua);
	if (err)
		goto out;

	err = tls_ctx(&ua->tls, cfg);
	if (err)
		goto out;

	err = transports_add(ua, cfg, &laddr);
	if (err)
		goto out;

	ua->laddr = laddr;
	ua->cfg   = mem_ref((void *)cfg);

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
			    const struct sa *laddr)
{
	const struct config *o = ua->cfg;

	return o && sa_cmp(&ua->laddr, laddr, SA_ALL) &&
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
	struct sa laddr;
	int err;

	if (!ua || !cfg || ua->closing)
		return EINVAL;

	/* what can fail without a listener goes first: the old transports
	 * stay if the new address or TLS context is not there */
	err = local_addr(&laddr, cfg);
	if (err)
		return err;

	dns_refresh(ua);

	if (same_transports(ua, cfg, &laddr)) {
		mem_deref((void *)ua->cfg);
		ua->cfg = mem_ref((void *)cfg);
		return 0;
	}

	err = tls_ctx(&tls, cfg);
	if (err)
		return err;

	sip_transp_flush(ua->sip);
	mem_deref(ua->tls);
	ua->tls = tls;

	mem_deref((void *)ua->cfg);
	ua->cfg = NULL;

	err = transports_add(ua, cfg, &laddr);
	if (err) {
		sip_transp_flush(ua->sip);
		sa_init(&ua->laddr, AF_UNSPEC);
		return err;
	}

	ua->laddr = laddr;
	ua->cfg   = mem_ref((void *)cfg);
	return 0;
}


struct sip *ua_sip(const struct ua *ua)
{
	return ua ? ua->sip : NULL;
}


/** The local address SIP runs on (other media, MSRP, use its IP). */
const struct sa *ua_laddr(const struct ua *ua)
{
	return ua ? &ua->laddr : NULL;
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
