/* trust.c: which network sources are the SIP/IP core: sip_trusted entries and the registrar's addresses. */
#include <string.h>
#include <ctype.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <re.h>
#include "autoconf.h"
#include "trust.h"

#define DEBUG_MODULE "trust"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * The seed (OMA-AD-SIP_Push §5.2) leaves authenticating the push sender
 * to the SIP/IP core, so a request is only worth anything if the core
 * sent it. Two kinds of source count as the core:
 *
 *  - sip_trusted entries: addresses, CIDR networks and host names (each
 *    name resolved with A and AAAA, refreshed at its TTL, kept between
 *    TTL_MIN and TTL_MAX);
 *  - with no sip_trusted line, the addresses our REGISTERs went to
 *    (trust_learn(), called with each REGISTER's destination): that is
 *    what the registrar or outbound proxy resolves to, re-resolved by
 *    libre for every REGISTER, so it follows DNS too.
 *
 * The kernel filter (sockfilt.c) passes both kinds on the SIP sockets:
 * with explicit sip_trusted lines the registrar's answers must still
 * come in, even if its address is not one that may send requests.
 */

enum {
	TTL_MIN_S   = 30,
	TTL_MAX_S   = 3600,
	RETRY_S     = 30,
};

struct trust {
	struct trust_net nets[TRUST_NETS_MAX];
	size_t netc;
	struct list hosts;                      /* struct thost */
	size_t hostc;
	struct trust_net learned[TRUST_LEARNED_MAX];
	size_t learnc;
	size_t learn_next;                      /* ring: oldest goes first */
	struct dnsc *dnsc;
	trust_change_h *ch;
	void *arg;
};

/* One sip_trusted host name and what it resolved to */
struct thost {
	struct le le;
	struct trust *t;
	char name[TRUST_HOST_MAX + 1];
	struct trust_net v4[TRUST_HOST_ADDRS];
	struct trust_net v6[TRUST_HOST_ADDRS];
	size_t n4, n6;
	struct dns_query *q4, *q6;
	int64_t ttl;                            /* smallest of the last answers */
	struct tmr tmr;
};


/* --- one network ---------------------------------------------------------- */

static const uint8_t v4mapped[12] = {0,0,0,0,0,0,0,0,0,0,0xff,0xff};


/**
 * Parse "192.0.2.1", "192.0.2.0/24", "2001:db8::/32", "[::1]" or
 * "[2001:db8::]/48". An IPv4-mapped IPv6 address becomes IPv4.
 *
 * @return 0, EINVAL if it is no address (perhaps a host name), ERANGE
 *         for a prefix length out of range or with host bits set
 */
int trust_net_parse(struct trust_net *n, const struct pl *pl)
{
	char addr[64];
	struct pl a, b = PL_INIT;
	bool prefix = false;
	struct sa sa;
	uint32_t bits, max;
	int err;

	if (!n || !pl || !pl_isset(pl))
		return EINVAL;

	a = *pl;
	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] == '/') {
			prefix = true;
			a.l = i;
			b.p = pl->p + i + 1;
			b.l = pl->l - i - 1;
			break;
		}
	}

	if (a.l >= 2 && a.p[0] == '[' && a.p[a.l - 1] == ']') {
		++a.p;
		a.l -= 2;
	}

	if (!a.l || a.l >= sizeof(addr))
		return EINVAL;

	err = pl_strcpy(&a, addr, sizeof(addr));
	if (err)
		return err;

	if (sa_set_str(&sa, addr, 0))
		return EINVAL;

	err = trust_net_from_sa(n, &sa);
	if (err)
		return err;

	if (!prefix)
		return 0;

	if (!b.l || b.l > 3)
		return b.l ? ERANGE : EINVAL;
	for (size_t i = 0; i < b.l; i++)
		if (!isdigit((unsigned char)b.p[i]))
			return EINVAL;

	bits = pl_u32(&b);
	max  = n->af == AF_INET ? 32 : 128;

	/* a mapped address was given with a 128-bit prefix (libre may
	 * already have made it AF_INET) */
	if (n->af == AF_INET && strchr(addr, ':')) {
		if (bits < 96)
			return ERANGE;
		bits -= 96;
	}

	if (bits > max)
		return ERANGE;

	n->bits = (uint8_t)bits;

	/* host bits set: a typo more often than an intent */
	for (uint32_t i = bits; i < max; i++) {
		if (n->addr[i / 8] & (0x80 >> (i % 8)))
			return ERANGE;
	}

	return 0;
}


/** The single address of sa as a network (IPv4-mapped becomes IPv4). */
int trust_net_from_sa(struct trust_net *n, const struct sa *sa)
{
	uint8_t a6[16];

	if (!n || !sa)
		return EINVAL;

	memset(n, 0, sizeof(*n));

	switch (sa_af(sa)) {

	case AF_INET: {
		uint32_t a = htonl(sa_in(sa));

		n->af   = AF_INET;
		n->bits = 32;
		memcpy(n->addr, &a, 4);
		return 0;
	}

	case AF_INET6:
		sa_in6(sa, a6);
		if (!memcmp(a6, v4mapped, sizeof(v4mapped))) {
			n->af   = AF_INET;
			n->bits = 32;
			memcpy(n->addr, a6 + 12, 4);
		}
		else {
			n->af   = AF_INET6;
			n->bits = 128;
			memcpy(n->addr, a6, 16);
		}
		return 0;

	default:
		return EAFNOSUPPORT;
	}
}


static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole))
		return false;

	if (!rest)
		return true;

	return ((a[whole] ^ b[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}


/** Is sa's address inside network n? (IPv4-mapped counts as IPv4) */
bool trust_net_match(const struct trust_net *n, const struct sa *sa)
{
	struct trust_net s;

	if (!n || trust_net_from_sa(&s, sa) || s.af != n->af)
		return false;

	return prefix_eq(s.addr, n->addr, n->bits);
}


int trust_net_print(struct re_printf *pf, const struct trust_net *n)
{
	struct sa sa;

	if (!n)
		return 0;

	if (n->af == AF_INET) {
		uint32_t a;

		memcpy(&a, n->addr, 4);
		sa_set_in(&sa, ntohl(a), 0);
	}
	else {
		sa_set_in6(&sa, n->addr, 0);
	}

	return re_hprintf(pf, "%j/%u", &sa, n->bits);
}


static bool is_hostname(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (!len || len > TRUST_HOST_MAX || s[0] == '.' || s[0] == '-')
		return false;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (!label)
				return false;
			label = 0;
			continue;
		}

		if (!isalnum(c) && c != '-' && c != '_')
			return false;

		if (++label > 63)
			return false;
	}

	return true;
}


/**
 * Is this a usable sip_trusted value (address, CIDR or host name)?
 *
 * @return 0, or EINVAL / ERANGE with the reason parse would give
 */
int trust_entry_check(const char *entry)
{
	struct trust_net n;
	struct pl pl;
	int err;

	if (!entry)
		return EINVAL;

	pl_set_str(&pl, entry);
	err = trust_net_parse(&n, &pl);
	if (err != EINVAL)
		return err;

	/* not an address: a host name then, never with a prefix */
	return is_hostname(entry) ? 0 : EINVAL;
}


/* --- the set ------------------------------------------------------------- */

static void changed(struct trust *t)
{
	if (t->ch)
		t->ch(t->arg);
}


static void host_destructor(void *arg)
{
	struct thost *h = arg;

	tmr_cancel(&h->tmr);
	mem_deref(h->q4);
	mem_deref(h->q6);
	list_unlink(&h->le);
}


static void trust_destructor(void *arg)
{
	struct trust *t = arg;

	list_flush(&t->hosts);
	mem_deref(t->dnsc);
}


/**
 * A new set: nothing trusted until entries are added or an address is
 * learnt.
 *
 * @param tp    Pointer to allocated set
 * @param dnsc  DNS client for host names (may be NULL: none then)
 * @param ch    Called when the filter list changes (may be NULL)
 * @param arg   Handler argument
 */
int trust_alloc(struct trust **tp, struct dnsc *dnsc, trust_change_h *ch,
		void *arg)
{
	struct trust *t;

	if (!tp)
		return EINVAL;

	t = mem_zalloc(sizeof(*t), trust_destructor);
	if (!t)
		return ENOMEM;

	list_init(&t->hosts);
	t->dnsc = mem_ref(dnsc);
	t->ch   = ch;
	t->arg  = arg;

	*tp = t;
	return 0;
}


static void resolve(struct thost *h);


static void refresh_tmr(void *arg)
{
	resolve(arg);
}


struct rr_arg {
	struct thost *h;
	struct trust_net *v;
	size_t n;
	int64_t ttl;
};


static bool rr_handler(struct dnsrr *rr, void *arg)
{
	struct rr_arg *ra = arg;
	struct trust_net *n;

	if (ra->n >= TRUST_HOST_ADDRS)
		return true;

	n = &ra->v[ra->n];
	memset(n, 0, sizeof(*n));

	if (rr->type == DNS_TYPE_A) {
		uint32_t a = htonl(rr->rdata.a.addr);

		n->af   = AF_INET;
		n->bits = 32;
		memcpy(n->addr, &a, 4);
	}
	else if (rr->type == DNS_TYPE_AAAA) {
		n->af   = AF_INET6;
		n->bits = 128;
		memcpy(n->addr, rr->rdata.aaaa.addr, 16);
	}
	else {
		return false;
	}

	++ra->n;
	if (ra->ttl < 0 || rr->ttl < ra->ttl)
		ra->ttl = rr->ttl;

	return false;
}


static void answer(struct thost *h, int err, const struct dnshdr *hdr,
		   struct list *ansl, uint16_t type)
{
	struct trust_net v[TRUST_HOST_ADDRS];
	struct rr_arg ra = { h, v, 0, -1 };
	struct trust_net *cur = type == DNS_TYPE_A ? h->v4 : h->v6;
	size_t *curn = type == DNS_TYPE_A ? &h->n4 : &h->n6;
	uint64_t next;

	if (err || !hdr) {
		/* no answer at all: keep what we had, ask again soon */
		DEBUG_NOTICE("sip_trusted %s: %s lookup failed (%m); keeping "
			     "%zu address(es)\n", h->name,
			     type == DNS_TYPE_A ? "A" : "AAAA", err ? err :
			     ETIMEDOUT, *curn);
		if (!tmr_isrunning(&h->tmr))
			tmr_start(&h->tmr, RETRY_S * 1000, refresh_tmr, h);
		return;
	}

	/* an authoritative "no such name/record" empties the list */
	if (hdr->rcode == DNS_RCODE_OK)
		(void)dns_rrlist_apply(ansl, h->name, type, DNS_CLASS_IN, true,
				       rr_handler, &ra);

	if (ra.n != *curn || memcmp(v, cur, ra.n * sizeof(v[0]))) {
		memcpy(cur, v, ra.n * sizeof(v[0]));
		*curn = ra.n;
		DEBUG_INFO("sip_trusted %s: %zu %s address(es)\n", h->name,
			   ra.n, type == DNS_TYPE_A ? "IPv4" : "IPv6");
		changed(h->t);
	}

	if (ra.ttl >= 0 && (h->ttl < 0 || ra.ttl < h->ttl))
		h->ttl = ra.ttl;

	/* both answers in: refresh at the smaller TTL */
	if (h->q4 || h->q6)
		return;

	next = h->ttl < TTL_MIN_S ? TTL_MIN_S :
		h->ttl > TTL_MAX_S ? TTL_MAX_S : (uint64_t)h->ttl;
	tmr_start(&h->tmr, next * 1000, refresh_tmr, h);
}


static void a_handler(int err, const struct dnshdr *hdr, struct list *ansl,
		      struct list *authl, struct list *addl, void *arg)
{
	(void)authl;
	(void)addl;
	answer(arg, err, hdr, ansl, DNS_TYPE_A);
}


static void aaaa_handler(int err, const struct dnshdr *hdr,
			 struct list *ansl, struct list *authl,
			 struct list *addl, void *arg)
{
	(void)authl;
	(void)addl;
	answer(arg, err, hdr, ansl, DNS_TYPE_AAAA);
}


static void resolve(struct thost *h)
{
	int err;

	tmr_cancel(&h->tmr);
	h->ttl = -1;

	if (!h->t->dnsc) {
		DEBUG_WARNING("sip_trusted %s: no DNS servers; the name "
			      "cannot be resolved\n", h->name);
		return;
	}

	err = dnsc_query(&h->q4, h->t->dnsc, h->name, DNS_TYPE_A,
			 DNS_CLASS_IN, true, a_handler, h);
	err |= dnsc_query(&h->q6, h->t->dnsc, h->name, DNS_TYPE_AAAA,
			  DNS_CLASS_IN, true, aaaa_handler, h);
	if (err) {
		DEBUG_WARNING("sip_trusted %s: DNS query: %m\n", h->name, err);
		tmr_start(&h->tmr, RETRY_S * 1000, refresh_tmr, h);
	}
}


/**
 * Add a sip_trusted entry: an address, a CIDR network or a host name
 * (resolved now and refreshed at its TTL).
 *
 * @return 0, EINVAL (not an entry), ERANGE (bad prefix), E2BIG (full)
 */
int trust_add(struct trust *t, const char *entry)
{
	struct trust_net n;
	struct thost *h;
	struct pl pl;
	int err;

	if (!t || !entry)
		return EINVAL;

	pl_set_str(&pl, entry);
	err = trust_net_parse(&n, &pl);
	if (!err) {
		if (t->netc >= TRUST_NETS_MAX)
			return E2BIG;
		t->nets[t->netc++] = n;
		changed(t);
		return 0;
	}
	if (err != EINVAL)
		return err;

	if (!is_hostname(entry))
		return EINVAL;

	if (t->hostc >= TRUST_HOSTS_MAX)
		return E2BIG;

	h = mem_zalloc(sizeof(*h), host_destructor);
	if (!h)
		return ENOMEM;

	h->t = t;
	tmr_init(&h->tmr);
	str_ncpy(h->name, entry, sizeof(h->name));
	list_append(&t->hosts, &h->le, h);
	++t->hostc;

	resolve(h);

	return 0;
}


/**
 * Forget every sip_trusted entry (a reload adds the new ones); the
 * registrar's addresses stay.
 */
void trust_clear(struct trust *t)
{
	if (!t || (!t->netc && !t->hostc))
		return;

	t->netc  = 0;
	list_flush(&t->hosts);
	t->hostc = 0;
	changed(t);
}


/**
 * A REGISTER went to this address: the registrar (or outbound proxy)
 * resolves to it. The last TRUST_LEARNED_MAX distinct ones are kept.
 */
void trust_learn(struct trust *t, const struct sa *registrar)
{
	struct trust_net n;

	if (!t || trust_net_from_sa(&n, registrar))
		return;

	for (size_t i = 0; i < t->learnc; i++)
		if (!memcmp(&t->learned[i], &n, sizeof(n)))
			return;

	DEBUG_INFO("registrar at %j: a source of the core\n", registrar);

	t->learned[t->learn_next] = n;
	t->learn_next = (t->learn_next + 1) % TRUST_LEARNED_MAX;
	if (t->learnc < TRUST_LEARNED_MAX)
		++t->learnc;

	changed(t);
}


/** Were sip_trusted entries given (else the registrar's count)? */
bool trust_configured(const struct trust *t)
{
	return t && (t->netc || t->hostc);
}


static bool in(const struct trust_net *v, size_t n, const struct sa *sa)
{
	for (size_t i = 0; i < n; i++)
		if (trust_net_match(&v[i], sa))
			return true;

	return false;
}


/**
 * May a SIP request from src be taken? Yes if src is in sip_trusted or,
 * with no sip_trusted entry, a registrar address we sent REGISTER to.
 */
bool trust_source(const struct trust *t, const struct sa *src)
{
	struct le *le;

	if (!t || !src)
		return false;

	if (!trust_configured(t))
		return in(t->learned, t->learnc, src);

	if (in(t->nets, t->netc, src))
		return true;

	LIST_FOREACH(&t->hosts, le) {
		const struct thost *h = le->data;

		if (in(h->v4, h->n4, src) || in(h->v6, h->n6, src))
			return true;
	}

	return false;
}


/**
 * Every network the SIP sockets must let in: sip_trusted (with host
 * names as resolved now) and the registrar's addresses.
 *
 * @return the number written to v (at most max)
 */
size_t trust_filter_nets(const struct trust *t, struct trust_net *v,
			 size_t max)
{
	struct le *le;
	size_t n = 0;

	if (!t || !v)
		return 0;

#define PUT(arr, cnt) \
	for (size_t i = 0; i < (cnt) && n < max; i++) v[n++] = (arr)[i]

	PUT(t->nets, t->netc);
	LIST_FOREACH(&t->hosts, le) {
		const struct thost *h = le->data;

		PUT(h->v4, h->n4);
		PUT(h->v6, h->n6);
	}
	PUT(t->learned, t->learnc);

#undef PUT

	return n;
}


static int print_nets(struct re_printf *pf, const struct trust_net *v,
		      size_t n, bool *first)
{
	int err = 0;

	for (size_t i = 0; i < n; i++) {
		err |= re_hprintf(pf, "%s%H", *first ? "" : ",",
				  trust_net_print, &v[i]);
		*first = false;
	}

	return err;
}


/** "trusted=..." and "registrar_addrs=..." STATUS lines */
int trust_print(struct re_printf *pf, const struct trust *t)
{
	bool first = true;
	struct le *le;
	int err;

	if (!t)
		return 0;

	err = re_hprintf(pf, "trusted=");
	if (!trust_configured(t)) {
		err |= re_hprintf(pf, "registrar");
	}
	else {
		err |= print_nets(pf, t->nets, t->netc, &first);
		LIST_FOREACH(&t->hosts, le) {
			const struct thost *h = le->data;

			err |= re_hprintf(pf, "%s%s", first ? "" : ",",
					  h->name);
			first = false;
		}
	}

	first = true;
	err |= re_hprintf(pf, "\nregistrar_addrs=");
	err |= print_nets(pf, t->learned, t->learnc, &first);
	err |= re_hprintf(pf, "\n");

	return err;
}
