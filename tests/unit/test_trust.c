/* test_trust.c: trusted sources (addresses, CIDR, learnt registrar) and the kernel filter, on real sockets. */
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <re.h>
#include "autoconf.h"
#include "trust.h"
#include "sockfilt.h"
#include "unit.h"


/* sa_set_str() leaves the IPv6 flow and scope fields as they were */
static int sa_str(struct sa *sa, const char *addr, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	return sa_set_str(sa, addr, port);
}


static int parse(struct trust_net *n, const char *s)
{
	struct pl pl;

	pl_set_str(&pl, s);
	return trust_net_parse(n, &pl);
}


static bool match(const char *net, const char *addr)
{
	struct trust_net n;
	struct sa sa;

	CU_ASSERT_EQUAL_FATAL(parse(&n, net), 0);
	CU_ASSERT_EQUAL_FATAL(sa_str(&sa, addr, 5060), 0);

	return trust_net_match(&n, &sa);
}


static void test_parse(void)
{
	struct trust_net n;
	char buf[64];

	UNIT_ASSERT_INT(parse(&n, "192.0.2.7"), 0);
	UNIT_ASSERT_INT(n.af, AF_INET);
	UNIT_ASSERT_INT(n.bits, 32);
	(void)re_snprintf(buf, sizeof(buf), "%H", trust_net_print, &n);
	UNIT_ASSERT_STR(buf, "192.0.2.7/32");

	UNIT_ASSERT_INT(parse(&n, "10.0.0.0/8"), 0);
	UNIT_ASSERT_INT(n.bits, 8);
	UNIT_ASSERT_INT(parse(&n, "0.0.0.0/0"), 0);
	UNIT_ASSERT_INT(n.bits, 0);

	UNIT_ASSERT_INT(parse(&n, "2001:db8::/32"), 0);
	UNIT_ASSERT_INT(n.af, AF_INET6);
	UNIT_ASSERT_INT(n.bits, 32);
	(void)re_snprintf(buf, sizeof(buf), "%H", trust_net_print, &n);
	UNIT_ASSERT_STR(buf, "2001:db8::/32");

	UNIT_ASSERT_INT(parse(&n, "[::1]"), 0);
	UNIT_ASSERT_INT(n.bits, 128);
	UNIT_ASSERT_INT(parse(&n, "[2001:db8::]/48"), 0);
	UNIT_ASSERT_INT(n.bits, 48);

	/* IPv4-mapped IPv6 is IPv4, with the prefix moved */
	UNIT_ASSERT_INT(parse(&n, "::ffff:192.0.2.1"), 0);
	UNIT_ASSERT_INT(n.af, AF_INET);
	UNIT_ASSERT_INT(n.bits, 32);
	UNIT_ASSERT_INT(parse(&n, "::ffff:192.0.2.0/120"), 0);
	UNIT_ASSERT_INT(n.af, AF_INET);
	UNIT_ASSERT_INT(n.bits, 24);
	UNIT_ASSERT_INT(parse(&n, "::ffff:0.0.0.0/95"), ERANGE);

	/* prefix out of range, host bits set, junk */
	UNIT_ASSERT_INT(parse(&n, "10.0.0.0/33"), ERANGE);
	UNIT_ASSERT_INT(parse(&n, "10.0.0.1/8"), ERANGE);
	UNIT_ASSERT_INT(parse(&n, "2001:db8::1/32"), ERANGE);
	UNIT_ASSERT_INT(parse(&n, "::/129"), ERANGE);
	UNIT_ASSERT_INT(parse(&n, "10.0.0.0/1234"), ERANGE);
	UNIT_ASSERT_INT(parse(&n, "10.0.0.0/"), EINVAL);
	UNIT_ASSERT_INT(parse(&n, "10.0.0.0/x"), EINVAL);
	UNIT_ASSERT_INT(parse(&n, "10.0.0.0/-1"), EINVAL);
	UNIT_ASSERT_INT(parse(&n, "/8"), EINVAL);
	UNIT_ASSERT_INT(parse(&n, "pcscf.example"), EINVAL);
	UNIT_ASSERT_INT(parse(&n, "[10.0.0.1"), EINVAL);
	UNIT_ASSERT_INT(parse(&n, ""), EINVAL);
}


static void test_match(void)
{
	CU_ASSERT(match("192.0.2.7", "192.0.2.7"));
	CU_ASSERT(!match("192.0.2.7", "192.0.2.8"));
	CU_ASSERT(match("10.0.0.0/8", "10.255.1.2"));
	CU_ASSERT(!match("10.0.0.0/8", "11.0.0.1"));
	CU_ASSERT(match("10.128.0.0/9", "10.200.0.1"));
	CU_ASSERT(!match("10.128.0.0/9", "10.127.255.255"));
	CU_ASSERT(match("0.0.0.0/0", "203.0.113.9"));
	CU_ASSERT(!match("0.0.0.0/0", "2001:db8::1"));

	CU_ASSERT(match("2001:db8::/32", "2001:db8:ffff::1"));
	CU_ASSERT(!match("2001:db8::/32", "2001:db9::1"));
	CU_ASSERT(match("2001:db8:0:8000::/49", "2001:db8:0:8001::5"));
	CU_ASSERT(!match("2001:db8:0:8000::/49", "2001:db8:0:7fff::5"));
	CU_ASSERT(match("::1", "::1"));
	CU_ASSERT(!match("::1", "127.0.0.1"));

	/* a dual-stack socket reports IPv4 peers as mapped addresses */
	CU_ASSERT(match("127.0.0.1", "::ffff:127.0.0.1"));
	CU_ASSERT(!match("127.0.0.1", "::ffff:127.0.0.2"));
}


static void test_entry_check(void)
{
	UNIT_ASSERT_INT(trust_entry_check("192.0.2.1"), 0);
	UNIT_ASSERT_INT(trust_entry_check("192.0.2.0/24"), 0);
	UNIT_ASSERT_INT(trust_entry_check("pcscf.ims.example"), 0);
	UNIT_ASSERT_INT(trust_entry_check("p-cscf_1.example"), 0);
	UNIT_ASSERT_INT(trust_entry_check("192.0.2.1/40"), ERANGE);
	UNIT_ASSERT_INT(trust_entry_check("pcscf.example/24"), EINVAL);
	UNIT_ASSERT_INT(trust_entry_check("a..b"), EINVAL);
	UNIT_ASSERT_INT(trust_entry_check(".a"), EINVAL);
	UNIT_ASSERT_INT(trust_entry_check("-a"), EINVAL);
	UNIT_ASSERT_INT(trust_entry_check("a b"), EINVAL);
	UNIT_ASSERT_INT(trust_entry_check("a;rm -rf"), EINVAL);
	UNIT_ASSERT_INT(trust_entry_check(""), EINVAL);
	UNIT_ASSERT_INT(trust_entry_check(
		"a234567890123456789012345678901234567890123456789012345678901234"
		".example"), EINVAL);
}


static unsigned nchanged;

static void on_change(void *arg)
{
	(void)arg;
	++nchanged;
}


static bool src_ok(const struct trust *t, const char *addr)
{
	struct sa sa;

	CU_ASSERT_EQUAL_FATAL(sa_str(&sa, addr, 1234), 0);
	return trust_source(t, &sa);
}


static void test_learnt_registrar(void)
{
	struct trust_net v[TRUST_FILTER_MAX];
	struct trust *t = NULL;
	struct sa sa;
	char buf[256];

	nchanged = 0;
	UNIT_ASSERT_INT(trust_alloc(&t, NULL, on_change, NULL), 0);

	/* nothing is trusted before the first REGISTER went out */
	CU_ASSERT(!trust_configured(t));
	CU_ASSERT(!src_ok(t, "192.0.2.1"));
	UNIT_ASSERT_INT(trust_filter_nets(t, v, TRUST_FILTER_MAX), 0);

	(void)sa_str(&sa, "192.0.2.1", 5060);
	trust_learn(t, &sa);
	UNIT_ASSERT_INT(nchanged, 1);
	trust_learn(t, &sa);              /* again: no change */
	UNIT_ASSERT_INT(nchanged, 1);
	CU_ASSERT(src_ok(t, "192.0.2.1"));
	CU_ASSERT(!src_ok(t, "192.0.2.2"));
	UNIT_ASSERT_INT(trust_filter_nets(t, v, TRUST_FILTER_MAX), 1);

	/* bounded: the oldest address goes */
	for (int i = 2; i <= 1 + TRUST_LEARNED_MAX; i++) {
		char a[32];

		(void)re_snprintf(a, sizeof(a), "192.0.2.%d", i);
		(void)sa_str(&sa, a, 5060);
		trust_learn(t, &sa);
	}
	UNIT_ASSERT_INT(trust_filter_nets(t, v, TRUST_FILTER_MAX),
			TRUST_LEARNED_MAX);
	CU_ASSERT(!src_ok(t, "192.0.2.1"));
	CU_ASSERT(src_ok(t, "192.0.2.5"));

	(void)re_snprintf(buf, sizeof(buf), "%H", trust_print, t);
	UNIT_ASSERT_CONTAINS(buf, "trusted=registrar\n");
	UNIT_ASSERT_CONTAINS(buf, "registrar_addrs=192.0.2.5/32,192.0.2.2/32,"
			     "192.0.2.3/32,192.0.2.4/32\n");

	mem_deref(t);
}


static void test_configured(void)
{
	struct trust_net v[TRUST_FILTER_MAX];
	struct trust *t = NULL;
	struct sa sa;
	char buf[256];

	nchanged = 0;
	UNIT_ASSERT_INT(trust_alloc(&t, NULL, on_change, NULL), 0);
	UNIT_ASSERT_INT(trust_add(t, "198.51.100.0/24"), 0);
	UNIT_ASSERT_INT(trust_add(t, "2001:db8::/32"), 0);
	UNIT_ASSERT_INT(trust_add(t, "10.0.0.0/33"), ERANGE);
	UNIT_ASSERT_INT(trust_add(t, "bad host!"), EINVAL);
	UNIT_ASSERT_INT(nchanged, 2);
	CU_ASSERT(trust_configured(t));

	/* the registrar answers, but it may not send requests */
	(void)sa_str(&sa, "192.0.2.1", 5060);
	trust_learn(t, &sa);
	CU_ASSERT(!src_ok(t, "192.0.2.1"));
	CU_ASSERT(src_ok(t, "198.51.100.77"));
	CU_ASSERT(src_ok(t, "2001:db8::9"));
	CU_ASSERT(src_ok(t, "::ffff:198.51.100.1"));
	CU_ASSERT(!src_ok(t, "198.51.101.1"));

	/* ... but the kernel filter lets its answers in */
	UNIT_ASSERT_INT(trust_filter_nets(t, v, TRUST_FILTER_MAX), 3);
	UNIT_ASSERT_INT(trust_filter_nets(t, v, 2), 2);

	(void)re_snprintf(buf, sizeof(buf), "%H", trust_print, t);
	UNIT_ASSERT_CONTAINS(buf,
			     "trusted=198.51.100.0/24,2001:db8::/32\n");
	UNIT_ASSERT_CONTAINS(buf, "registrar_addrs=192.0.2.1/32\n");

	/* bounded */
	for (int i = 2; i < TRUST_NETS_MAX; i++) {
		char a[32];

		(void)re_snprintf(a, sizeof(a), "203.0.113.%d", i);
		UNIT_ASSERT_INT(trust_add(t, a), 0);
	}
	UNIT_ASSERT_INT(trust_add(t, "203.0.113.200"), E2BIG);

	/* a reload: the entries go, the registrar stays */
	nchanged = 0;
	trust_clear(t);
	UNIT_ASSERT_INT(nchanged, 1);
	CU_ASSERT(!trust_configured(t));
	CU_ASSERT(!src_ok(t, "198.51.100.77"));
	CU_ASSERT(src_ok(t, "192.0.2.1"));
	UNIT_ASSERT_INT(trust_filter_nets(t, v, TRUST_FILTER_MAX), 1);
	trust_clear(t);                   /* nothing to clear: no change */
	UNIT_ASSERT_INT(nchanged, 1);
	UNIT_ASSERT_INT(trust_add(t, "203.0.113.200"), 0);

	mem_deref(t);
}


static void test_host_without_dns(void)
{
	struct trust *t = NULL;

	/* no DNS servers: the name is kept (and logged), trusts nothing */
	UNIT_ASSERT_INT(trust_alloc(&t, NULL, NULL, NULL), 0);
	UNIT_ASSERT_INT(trust_add(t, "pcscf.example"), 0);
	CU_ASSERT(trust_configured(t));
	CU_ASSERT(!src_ok(t, "127.0.0.1"));
	for (int i = 1; i < TRUST_HOSTS_MAX; i++)
		UNIT_ASSERT_INT(trust_add(t, "pcscf.example"), 0);
	UNIT_ASSERT_INT(trust_add(t, "pcscf.example"), E2BIG);
	mem_deref(t);
}


/* --- host names through a real DNS exchange ------------------------------ */

/*
 * A tiny authoritative server on a loopback UDP socket, written with
 * libre's own DNS codec: "core.test" has A 127.0.0.9 and AAAA 2001:db8::9
 * (TTL 60), every other name is NXDOMAIN. The trust set talks to it
 * through a real dnsc, as the daemon does.
 */
struct fakedns {
	struct udp_sock *us;
	unsigned queries;
};


static void dns_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct fakedns *fd = arg;
	struct dnshdr hdr;
	struct dnsrr *rr = NULL;
	struct mbuf *out = NULL;
	char *name = NULL;
	uint16_t type, cls;
	bool known;

	if (dns_hdr_decode(mb, &hdr) || hdr.nq != 1 ||
	    dns_dname_decode(mb, &name, 0) || mbuf_get_left(mb) < 4)
		goto out;

	type = ntohs(mbuf_read_u16(mb));
	cls  = ntohs(mbuf_read_u16(mb));
	(void)cls;
	++fd->queries;

	known = !str_casecmp(name, "core.test");

	out = mbuf_alloc(512);
	if (!out)
		goto out;

	hdr.qr    = true;
	hdr.aa    = true;
	hdr.ra    = true;
	hdr.rcode = known ? DNS_RCODE_OK : DNS_RCODE_NAME_ERR;
	hdr.nans  = known && (type == DNS_TYPE_A || type == DNS_TYPE_AAAA);
	hdr.nauth = 0;
	hdr.nadd  = 0;

	(void)dns_hdr_encode(out, &hdr);
	(void)dns_dname_encode(out, name, NULL, 0, false);
	(void)mbuf_write_u16(out, htons(type));
	(void)mbuf_write_u16(out, htons(DNS_CLASS_IN));

	if (hdr.nans) {
		rr = dns_rr_alloc();
		if (!rr)
			goto out;
		(void)str_dup(&rr->name, name);
		rr->type     = type;
		rr->dnsclass = DNS_CLASS_IN;
		rr->ttl      = 60;
		if (type == DNS_TYPE_A) {
			rr->rdata.a.addr = 0x7f000009;
		}
		else {
			static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8,
				0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};

			memcpy(rr->rdata.aaaa.addr, a6, 16);
		}
		(void)dns_rr_encode(out, rr, 0, NULL, 0);
	}

	out->pos = 0;
	(void)udp_send(fd->us, src, out);

 out:
	mem_deref(rr);
	mem_deref(out);
	mem_deref(name);
}


static unsigned dns_changes;

static void dns_change(void *arg)
{
	(void)arg;

	/* both answers (A and AAAA) are in: stop the loop */
	if (++dns_changes == 2)
		re_cancel();
}


static void dns_timeout(void *arg)
{
	(void)arg;
	re_cancel();
}


static void test_host_dns(void)
{
	struct trust_net v[TRUST_FILTER_MAX];
	struct fakedns fd = { NULL, 0 };
	struct dnsc *dnsc = NULL;
	struct trust *t = NULL;
	struct tmr tmr;
	struct sa srv;
	char buf[256];

	tmr_init(&tmr);
	(void)sa_str(&srv, "127.0.0.1", 0);
	CU_ASSERT_EQUAL_FATAL(udp_listen(&fd.us, &srv, dns_recv, &fd), 0);
	CU_ASSERT_EQUAL_FATAL(udp_local_get(fd.us, &srv), 0);
	CU_ASSERT_EQUAL_FATAL(dnsc_alloc(&dnsc, NULL, &srv, 1), 0);

	dns_changes = 0;
	UNIT_ASSERT_INT(trust_alloc(&t, dnsc, dns_change, NULL), 0);
	UNIT_ASSERT_INT(trust_add(t, "core.test"), 0);
	UNIT_ASSERT_INT(trust_add(t, "gone.test"), 0);

	tmr_start(&tmr, 5000, dns_timeout, NULL);
	(void)re_main(NULL);
	tmr_cancel(&tmr);

	UNIT_ASSERT_INT(dns_changes, 2);
	CU_ASSERT(fd.queries >= 2);
	CU_ASSERT(src_ok(t, "127.0.0.9"));
	CU_ASSERT(src_ok(t, "2001:db8::9"));
	CU_ASSERT(!src_ok(t, "127.0.0.1"));
	UNIT_ASSERT_INT(trust_filter_nets(t, v, TRUST_FILTER_MAX), 2);

	(void)re_snprintf(buf, sizeof(buf), "%H", trust_print, t);
	UNIT_ASSERT_CONTAINS(buf, "trusted=core.test,gone.test\n");

	mem_deref(t);
	mem_deref(dnsc);
	mem_deref(fd.us);
}


/* --- the kernel filter on real loopback sockets -------------------------- */

static int udp_bound(int af, const char *addr, uint16_t port)
{
	struct sa sa;
	int fd;

	if (sa_str(&sa, addr, port))
		return -1;

	fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;

	if (af == AF_INET6) {
		int off = 0;

		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
				 sizeof(off));
	}

	if (bind(fd, &sa.u.sa, sa.len) < 0) {
		(void)close(fd);
		return -1;
	}

	return fd;
}


static uint16_t local_port(int fd)
{
	struct sa sa;

	sa_init(&sa, AF_UNSPEC);
	sa.len = sizeof(sa.u);
	if (getsockname(fd, &sa.u.sa, &sa.len) < 0)
		return 0;

	return sa_port(&sa);
}


/* Send "from" -> to_addr:port; true if rx got the datagram within 200 ms */
static bool udp_passes(int rx, const char *from, const char *to_addr,
		       uint16_t port)
{
	char buf[16];
	struct sa dst;
	struct pollfd pfd = { .fd = rx, .events = POLLIN };
	int tx, af = strchr(from, ':') ? AF_INET6 : AF_INET;
	bool got = false;

	tx = udp_bound(af, from, 0);
	CU_ASSERT_FATAL(tx >= 0);
	(void)sa_str(&dst, to_addr, port);

	CU_ASSERT(sendto(tx, "ping", 4, 0, &dst.u.sa, dst.len) == 4);

	if (poll(&pfd, 1, 200) == 1 &&
	    recv(rx, buf, sizeof(buf), MSG_DONTWAIT) == 4)
		got = true;

	(void)close(tx);
	return got;
}


static void nets_of(struct trust_net *v, size_t *n, const char **s)
{
	*n = 0;
	for (; *s; s++)
		CU_ASSERT_EQUAL_FATAL(parse(&v[(*n)++], *s), 0);
}


static void test_filter_udp(void)
{
	static const char *core[] = { "127.0.0.1", "10.9.0.0/16",
				      "2001:db8::/32", NULL };
	struct trust_net v[8];
	size_t n;
	uint16_t port;
	int rx;

	rx = udp_bound(AF_INET, "127.0.0.1", 0);
	CU_ASSERT_FATAL(rx >= 0);
	port = local_port(rx);

	/* before: both get in */
	CU_ASSERT(udp_passes(rx, "127.0.0.1", "127.0.0.1", port));
	CU_ASSERT(udp_passes(rx, "127.0.0.2", "127.0.0.1", port));

	nets_of(v, &n, core);
	UNIT_ASSERT_INT(sockfilt_attach(rx, v, n), 0);
	CU_ASSERT(udp_passes(rx, "127.0.0.1", "127.0.0.1", port));
	CU_ASSERT(!udp_passes(rx, "127.0.0.2", "127.0.0.1", port));
	CU_ASSERT(!udp_passes(rx, "127.1.0.1", "127.0.0.1", port));

	/* a CIDR: 127.0.0.0/30 takes .2 and .3, not .4 */
	CU_ASSERT_EQUAL_FATAL(parse(&v[0], "127.0.0.0/30"), 0);
	UNIT_ASSERT_INT(sockfilt_attach(rx, v, 1), 0);
	CU_ASSERT(udp_passes(rx, "127.0.0.2", "127.0.0.1", port));
	CU_ASSERT(udp_passes(rx, "127.0.0.3", "127.0.0.1", port));
	CU_ASSERT(!udp_passes(rx, "127.0.0.4", "127.0.0.1", port));

	/* nothing listed: nothing gets in */
	UNIT_ASSERT_INT(sockfilt_attach(rx, NULL, 0), 0);
	CU_ASSERT(!udp_passes(rx, "127.0.0.1", "127.0.0.1", port));

	UNIT_ASSERT_INT(sockfilt_detach(rx), 0);
	CU_ASSERT(udp_passes(rx, "127.0.0.2", "127.0.0.1", port));

	(void)close(rx);
}


static void test_filter_dualstack(void)
{
	static const char *core[] = { "127.0.0.1", "::1", NULL };
	struct trust_net v[4];
	size_t n;
	uint16_t port;
	int rx;

	/* an IPv6 socket on :: also receives IPv4 (mapped) */
	rx = udp_bound(AF_INET6, "::", 0);
	if (rx < 0) {
		printf("  (no IPv6 here: skipped)\n");
		return;
	}
	port = local_port(rx);

	nets_of(v, &n, core);
	UNIT_ASSERT_INT(sockfilt_attach(rx, v, n), 0);
	CU_ASSERT(udp_passes(rx, "127.0.0.1", "127.0.0.1", port));
	CU_ASSERT(!udp_passes(rx, "127.0.0.2", "127.0.0.1", port));

	if (udp_passes(rx, "::1", "::1", port)) {
		/* IPv6 loopback works here: a v6 stranger is refused too,
		 * and a v6 network decides by its prefix */
		CU_ASSERT_EQUAL_FATAL(parse(&v[0], "::1"), 0);
		CU_ASSERT_EQUAL_FATAL(parse(&v[1], "fe80::/10"), 0);
		UNIT_ASSERT_INT(sockfilt_attach(rx, v, 2), 0);
		CU_ASSERT(udp_passes(rx, "::1", "::1", port));
		CU_ASSERT(!udp_passes(rx, "127.0.0.1", "127.0.0.1", port));
		CU_ASSERT_EQUAL_FATAL(parse(&v[0], "::2"), 0);
		UNIT_ASSERT_INT(sockfilt_attach(rx, v, 2), 0);
		CU_ASSERT(!udp_passes(rx, "::1", "::1", port));
	}

	(void)close(rx);
}


/* A TCP connection from "from" to a listener: true once accepted */
static bool tcp_connects(int lfd, const char *from, uint16_t port)
{
	struct sa src, dst;
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	bool ok = false;
	int fd, afd;

	(void)sa_str(&src, from, 0);
	(void)sa_str(&dst, "127.0.0.1", port);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(bind(fd, &src.u.sa, src.len) == 0);
	(void)connect(fd, &dst.u.sa, dst.len);

	/* a dropped SYN leaves the connect in progress: nothing to accept */
	if (poll(&pfd, 1, 300) == 1) {
		afd = accept(lfd, NULL, NULL);
		if (afd >= 0) {
			ok = true;
			(void)close(afd);
		}
	}

	(void)close(fd);
	return ok;
}


static void test_filter_tcp_listener(void)
{
	static const char *core[] = { "127.0.0.1", NULL };
	struct trust_net v[2];
	struct sa sa;
	uint16_t port;
	size_t n;
	int lfd;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(lfd >= 0);
	(void)sa_str(&sa, "127.0.0.1", 0);
	CU_ASSERT_FATAL(bind(lfd, &sa.u.sa, sa.len) == 0);
	CU_ASSERT_FATAL(listen(lfd, 8) == 0);
	port = local_port(lfd);

	nets_of(v, &n, core);
	UNIT_ASSERT_INT(sockfilt_attach(lfd, v, n), 0);

	/* the stranger's SYN never reaches the listener */
	CU_ASSERT(!tcp_connects(lfd, "127.0.0.2", port));
	CU_ASSERT(tcp_connects(lfd, "127.0.0.1", port));

	(void)close(lfd);
}


static void test_build_bounds(void)
{
	struct sock_filter prog[SOCKFILT_INSNS_MAX];
	struct trust_net v[TRUST_FILTER_MAX];
	size_t len = 0;

	/* the largest set the trust module hands out fits the kernel's
	 * limit, even as /127 networks (the longest per network) */
	for (size_t i = 0; i < TRUST_FILTER_MAX; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].af = AF_INET6;
		v[i].bits = 127;
		v[i].addr[0] = 0x20;
		v[i].addr[15] = (uint8_t)(2 * i);
	}
	UNIT_ASSERT_INT(sockfilt_build(prog, SOCKFILT_INSNS_MAX, &len, v,
				       TRUST_FILTER_MAX), 0);
	CU_ASSERT(len > 0 && len <= SOCKFILT_INSNS_MAX);

	/* too small a buffer, bad family */
	UNIT_ASSERT_INT(sockfilt_build(prog, 10, &len, v, 4), E2BIG);
	v[0].af = AF_UNIX;
	UNIT_ASSERT_INT(sockfilt_build(prog, SOCKFILT_INSNS_MAX, &len, v, 1),
			EINVAL);
	UNIT_ASSERT_INT(sockfilt_build(prog, SOCKFILT_INSNS_MAX, &len, NULL,
				       0), 0);
	UNIT_ASSERT_INT(len, 8);
}


static CU_TestInfo net_tests[] = {
	{"parse addresses and networks", test_parse},
	{"match", test_match},
	{"sip_trusted entry syntax", test_entry_check},
	CU_TEST_INFO_NULL
};

static CU_TestInfo set_tests[] = {
	{"default: the registrar's addresses", test_learnt_registrar},
	{"sip_trusted entries", test_configured},
	{"host names without DNS", test_host_without_dns},
	{"host names resolved (A, AAAA, NXDOMAIN)", test_host_dns},
	CU_TEST_INFO_NULL
};

static CU_TestInfo filter_tests[] = {
	{"UDP socket: strangers dropped in the kernel", test_filter_udp},
	{"dual-stack IPv6 socket", test_filter_dualstack},
	{"TCP listener: strangers' SYNs dropped", test_filter_tcp_listener},
	{"program bounds", test_build_bounds},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"trust networks", unit_libre_init, unit_libre_close, NULL, NULL,
	 net_tests},
	{"trust set", unit_libre_init, unit_libre_close, NULL, NULL,
	 set_tests},
	{"kernel socket filter", unit_libre_init, unit_libre_close, NULL,
	 NULL, filter_tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_trust", suites);
}
