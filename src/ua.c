/* ua.c: builds the SIP stack (transports, DNS client, TLS) the other modules share. */
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
#include <re_dbg.h>

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

	if (cfg->sip_listen)
		err = sa_decode(&laddr, cfg->sip_listen,
				strlen(cfg->sip_listen));
	else
		err = source_towards(&laddr, cfg);
	if (err) {
		DEBUG_WARNING("no local address for SIP: %m\n", err);
		goto out;
	}

	err = dns_init(ua);
	if (err)
		goto out;

	err = sip_alloc(&ua->sip, ua->dnsc, HASH_CTRANS, HASH_STRANS,
			HASH_TCONN, "sippushd/" SIPPUSH_VERSION, exit_handler,
			ua);
	if (err)
		goto out;

	if (cfg->transports & CFG_TP_UDP) {
		err = sip_transp_add(ua->sip, SIP_TRANSP_UDP, &laddr);
		if (err) {
			DEBUG_WARNING("UDP on %J: %m\n", &laddr, err);
			goto out;
		}

		/* libre leaves SO_RCVBUF at the kernel default, which
		 * overflows in bursts; not fatal if it cannot be set */
		(void)sockbuf_sip_udp_rcvbuf(ua->sip, cfg->udp_rcvbuf);
	}

	if (cfg->transports & CFG_TP_TCP) {
		err = sip_transp_add(ua->sip, SIP_TRANSP_TCP, &laddr);
		if (err) {
			DEBUG_WARNING("TCP on %J: %m\n", &laddr, err);
			goto out;
		}
	}

	if (cfg->transports & CFG_TP_TLS) {
		struct siptls_conf tc;
		char host[256] = "";
		struct sa tlsaddr = laddr;

		if (cfg->tls_host)
			str_ncpy(host, cfg->tls_host, sizeof(host));
		else
			(void)ua_registrar_host(cfg, host, sizeof(host));
		tc.ca_file   = cfg->tls_ca_file;
		tc.cert_file = cfg->tls_cert_file;
		tc.host      = host;
		tc.verify    = cfg->tls_verify;

		err = siptls_alloc(&ua->tls, &tc);
		if (err)
			goto out;

		/* TLS listens on its own port: the fixed port (if any) of
		 * sip_listen belongs to UDP/TCP; "0" picks a free one. */
		if (sa_port(&tlsaddr))
			sa_set_port(&tlsaddr, sa_port(&tlsaddr) + 1);

		err = sip_transp_add(ua->sip, SIP_TRANSP_TLS, &tlsaddr,
				     ua->tls);
		if (err) {
			DEBUG_WARNING("TLS on %J: %m\n", &tlsaddr, err);
			goto out;
		}
	}

	ua->laddr = laddr;
	DEBUG_INFO("SIP on %j (%s%s%s)\n", &laddr,
		   cfg->transports & CFG_TP_UDP ? "udp " : "",
		   cfg->transports & CFG_TP_TCP ? "tcp " : "",
		   cfg->transports & CFG_TP_TLS ? "tls" : "");

 out:
	if (err)
		mem_deref(ua);
	else
		*uap = ua;

	return err;
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
