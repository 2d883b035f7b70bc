/* coretrust.c: requests only from the SIP/IP core: sip_trusted and the registrar's addresses in the kernel filter and the intake, and a Request-URI of ours. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "intake.h"
#include "sipsock.h"
#include "sockfilt.h"
#include "trust.h"
#include "ua.h"
#include "coretrust.h"

#define DEBUG_MODULE "coretrust"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * The seed (OMA-AD-SIP_Push §4.2.1, §5.2) leaves authenticating the
 * sender to the core, so a request that did not come through the core
 * is worth nothing: a forged From, a forged P-Asserted-Identity, a flood
 * to fill max_pending. Two layers keep strangers out:
 *
 *  1. the kernel: a classic BPF filter on the SIP UDP socket and the
 *     TCP/TLS listeners (sockfilt.c) lets in only packets from the
 *     trusted set (trust.c: sip_trusted, or the addresses our REGISTERs
 *     went to). A datagram or SYN from elsewhere never wakes us. The
 *     filter is attached again whenever the set or the transports change;
 *     the registrar's address is learnt in the REGISTER's send handler,
 *     before the answer can arrive, so the answer is never filtered;
 *  2. the intake (first SIP listener): a request whose source is neither
 *     trusted nor the far end of one of our own registration flows (RFC
 *     5626: the core reaches us over the connection we opened) is dropped
 *     without an answer, a TCP/TLS connection shut down. This catches
 *     what the kernel filter cannot see: connections accepted before a
 *     change, a filter the kernel refused.
 *
 * A request from the core must still be for us: its Request-URI is our
 * Contact (user part = the AOR's, any IP literal host: a NAT may have
 * rewritten it), the AOR, or one of our GRUUs; else 404 (RFC 3261
 * §21.4.5: "not a user here", also for a domain that is not ours). An
 * OPTIONS without a user part (a keep-alive ping of the core) is ours.
 */

enum {
	SOCKS_MAX = 8,          /* UDP socket, TCP and TLS listeners, x2 AF */
	GRUU_MAX  = 512,
};

struct coretrust {
	struct trust *trust;
	struct ua *ua;
	coretrust_flow_h *flowh;
	void *arg;
	char *cuser;             /* our Contact's user part (the AOR's) */
	char *aor_host;          /* the AOR's host */
	char gruu[2][GRUU_MAX];  /* public and temporary GRUU, or "" */
	uint32_t attached;       /* sockets the filter is on now */
	int filt_err;            /* last attach error (0: all went on) */
};


static void destructor(void *arg)
{
	struct coretrust *ct = arg;

	mem_deref(ct->trust);
	mem_deref(ct->ua);
	mem_deref(ct->cuser);
	mem_deref(ct->aor_host);
}


/* One transport's socket (UDP, or a TCP/TLS listener) on the address
 * family of af: the filter goes on. */
static void attach_tp(struct coretrust *ct, struct sip *sip,
		      enum sip_transp tp, const struct sa *af,
		      const struct trust_net *nets, size_t n)
{
	struct sipsock_match m;
	struct sa laddr;
	int fds[SOCKS_MAX];
	size_t fdc;

	if (sip_transp_laddr(sip, &laddr, tp, af) || sa_af(&laddr) !=
	    sa_af(af))
		return;

	memset(&m, 0, sizeof(m));
	m.type      = tp == SIP_TRANSP_UDP ? SOCK_DGRAM : SOCK_STREAM;
	m.listening = tp != SIP_TRANSP_UDP;
	m.local     = &laddr;

	fdc = sipsock_find(&m, fds, ARRAY_SIZE(fds));
	for (size_t i = 0; i < fdc; i++) {
		int err = sockfilt_attach(fds[i], nets, n);

		if (err) {
			ct->filt_err = err;
			DEBUG_WARNING("kernel filter on %s %J: %m (the intake "
				      "still drops strangers)\n",
				      sip_transp_name(tp), &laddr, err);
			continue;
		}
		++ct->attached;
	}
}


/* The trusted set or the transports changed: every SIP socket takes the
 * filter of the set as it is now. */
static void attach_all(struct coretrust *ct)
{
	struct trust_net nets[TRUST_FILTER_MAX];
	static const enum sip_transp tps[] = {
		SIP_TRANSP_UDP, SIP_TRANSP_TCP, SIP_TRANSP_TLS
	};
	const struct sa *afs[2];
	struct sip *sip = ua_sip(ct->ua);
	size_t n;

	ct->attached = 0;
	ct->filt_err = 0;

	afs[0] = ua_laddr(ct->ua);
	afs[1] = ua_laddr6(ct->ua);
	if (!sip || !afs[0] || !sa_isset(afs[0], SA_ADDR))
		return;

	n = trust_filter_nets(ct->trust, nets, ARRAY_SIZE(nets));

	for (size_t a = 0; a < ARRAY_SIZE(afs); a++) {
		if (!afs[a])
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(tps); i++)
			attach_tp(ct, sip, tps[i], afs[a], nets, n);
	}

	DEBUG_INFO("kernel filter on %u SIP socket(s): %zu network(s)\n",
		   ct->attached, n);
}


static void trust_changed(void *arg)
{
	attach_all(arg);
}


/**
 * Requests only from the core on ua's SIP stack.
 *
 * @param ctp    Pointer to allocated object
 * @param ua     The SIP stack (its DNS client resolves sip_trusted names)
 * @param flowh  Is a request on one of our registration flows? (or NULL)
 * @param arg    Handler argument
 */
int coretrust_alloc(struct coretrust **ctp, struct ua *ua,
		    coretrust_flow_h *flowh, void *arg)
{
	struct coretrust *ct;
	int err;

	if (!ctp || !ua)
		return EINVAL;

	ct = mem_zalloc(sizeof(*ct), destructor);
	if (!ct)
		return ENOMEM;

	ct->ua    = mem_ref(ua);
	ct->flowh = flowh;
	ct->arg   = arg;

	err = trust_alloc(&ct->trust, ua_dnsc(ua), trust_changed, ct);
	if (err)
		mem_deref(ct);
	else
		*ctp = ct;

	return err;
}


/**
 * Take the configuration (sip_trusted, the AOR) and put the kernel filter
 * on the SIP sockets: at the start and after every rebuild of the
 * transports (daemon_reset_stack()).
 *
 * @param cuser  Our Contact's user part
 */
int coretrust_reset(struct coretrust *ct, const struct config *cfg,
		    const char *cuser)
{
	struct sip_addr addr;
	struct pl pl;
	int err;

	if (!ct || !cfg || !cuser)
		return EINVAL;

	ct->cuser    = mem_deref(ct->cuser);
	ct->aor_host = mem_deref(ct->aor_host);

	err = str_dup(&ct->cuser, cuser);
	if (err)
		return err;

	pl_set_str(&pl, cfg->sip_aor);
	if (!sip_addr_decode(&addr, &pl)) {
		err = pl_strdup(&ct->aor_host, &addr.uri.host);
		if (err)
			return err;
	}

	trust_clear(ct->trust);
	for (size_t i = 0; i < cfg->trustedc; i++) {
		err = trust_add(ct->trust, cfg->trusted[i].entry);
		if (err == ENOMEM)
			return err;
		if (err)
			DEBUG_WARNING("sip_trusted %s: %m (left out)\n",
				      cfg->trusted[i].entry, err);
	}

	attach_all(ct);

	return 0;
}


/**
 * A REGISTER goes to dst: the registrar or outbound proxy resolves to it
 * (libre resolves again for each REGISTER, so this follows DNS). Called
 * before the REGISTER is sent: its answer passes the new filter.
 */
void coretrust_learn(struct coretrust *ct, const struct sa *dst)
{
	if (ct)
		trust_learn(ct->trust, dst);
}


/** Our GRUUs (RFC 5627) from the last REGISTER 200; NULL: none */
void coretrust_set_gruus(struct coretrust *ct, const char *pub,
			 const char *temp)
{
	if (!ct)
		return;

	str_ncpy(ct->gruu[0], pub ? pub : "", sizeof(ct->gruu[0]));
	str_ncpy(ct->gruu[1], temp ? temp : "", sizeof(ct->gruu[1]));
}


/**
 * Did msg come from the core: a trusted source, or one of our
 * registration flows?
 */
bool coretrust_from_core(const struct coretrust *ct,
			 const struct sip_msg *msg)
{
	if (!ct || !msg)
		return false;

	if (trust_source(ct->trust, &msg->src))
		return true;

	/* RFC 5626: the core reaches us over the flow we opened; only a
	 * connection's far end cannot be forged */
	return (msg->tp == SIP_TRANSP_TCP || msg->tp == SIP_TRANSP_TLS) &&
		ct->flowh && ct->flowh(msg, ct->arg);
}


static bool is_ip(const struct pl *host)
{
	struct sa sa;
	char buf[64];

	if (host->l >= sizeof(buf) || pl_strcpy(host, buf, sizeof(buf)))
		return false;

	return sa_set_str(&sa, buf, 0) == 0;
}


static bool same_user_host(const struct uri *a, const char *b)
{
	struct uri u;
	struct pl pl;

	if (!b[0])
		return false;

	pl_set_str(&pl, b);
	if (uri_decode(&u, &pl))
		return false;

	return !pl_cmp(&a->user, &u.user) && !pl_casecmp(&a->host, &u.host);
}


/** Is the Request-URI of msg ours (Contact, AOR, GRUU)? */
bool coretrust_ruri_ours(const struct coretrust *ct,
			 const struct sip_msg *msg)
{
	const struct uri *u;

	if (!ct || !msg)
		return false;

	u = &msg->uri;
	if (pl_strcasecmp(&u->scheme, "sip") &&
	    pl_strcasecmp(&u->scheme, "sips"))
		return false;

	/* the core's keep-alive ping names no user */
	if (!pl_isset(&u->user))
		return !pl_strcmp(&msg->met, "OPTIONS");

	if (ct->cuser && !pl_strcmp(&u->user, ct->cuser) &&
	    (is_ip(&u->host) ||
	     (ct->aor_host && !pl_strcasecmp(&u->host, ct->aor_host))))
		return true;

	return same_user_host(u, ct->gruu[0]) ||
		same_user_host(u, ct->gruu[1]);
}


static enum intake_verdict check_source(const struct sip_msg *msg,
					struct intake_reply *rep, void *arg)
{
	(void)rep;

	return coretrust_from_core(arg, msg) ? INTAKE_PASS : INTAKE_DROP;
}


static enum intake_verdict check_ruri(const struct sip_msg *msg,
				      struct intake_reply *rep, void *arg)
{
	if (coretrust_ruri_ours(arg, msg))
		return INTAKE_PASS;

	rep->scode  = 404;
	rep->reason = "Not Found";
	return INTAKE_REPLY;
}


/**
 * Our checks on the intake, first of all: the source ("core"), then the
 * Request-URI ("ruri").
 */
int coretrust_checks(struct coretrust *ct, struct intake *in)
{
	int err;

	err = intake_add(in, "core", check_source, ct);
	if (err)
		return err;

	return intake_add(in, "ruri", check_ruri, ct);
}


/** "trusted=", "registrar_addrs=" and "sip_filter=" STATUS lines */
int coretrust_status(struct re_printf *pf, const struct coretrust *ct)
{
	if (!ct)
		return 0;

	if (ct->filt_err)
		return trust_print(pf, ct->trust) |
			re_hprintf(pf, "sip_filter=%u %m\n", ct->attached,
				   ct->filt_err);

	return trust_print(pf, ct->trust) |
		re_hprintf(pf, "sip_filter=%u\n", ct->attached);
}
