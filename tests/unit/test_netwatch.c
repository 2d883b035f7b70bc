/* test_netwatch.c: which rtnetlink messages count, debouncing, and real kernel events in a fresh network namespace. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <re.h>
#include "autoconf.h"
#include "netwatch.h"
#include "unit.h"

/* One rtnetlink message as the kernel lays it out, built field by field. */
struct nlbuf {
	uint8_t b[1024];
	size_t len;
};


static struct nlmsghdr *msg_begin(struct nlbuf *nb, uint16_t type,
				  const void *body, size_t blen)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)(nb->b + nb->len);

	memset(nh, 0, NLMSG_SPACE(blen));
	nh->nlmsg_type = type;
	nh->nlmsg_len  = NLMSG_LENGTH(blen);
	memcpy(NLMSG_DATA(nh), body, blen);
	nb->len += NLMSG_ALIGN(nh->nlmsg_len);

	return nh;
}


static void msg_attr(struct nlbuf *nb, struct nlmsghdr *nh, uint16_t type,
		     const void *val, size_t vlen)
{
	struct rtattr *rta = (struct rtattr *)((uint8_t *)nh +
					       NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len  = RTA_LENGTH(vlen);
	memcpy(RTA_DATA(rta), val, vlen);
	nb->len = (size_t)((uint8_t *)nh - nb->b) +
		NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}


static void addr(struct nlbuf *nb, uint16_t type, uint8_t family,
		 uint8_t scope, uint8_t flags, int ifindex)
{
	struct ifaddrmsg ifa;

	memset(&ifa, 0, sizeof(ifa));
	ifa.ifa_family = family;
	ifa.ifa_prefixlen = family == AF_INET ? 24 : 64;
	ifa.ifa_scope = scope;
	ifa.ifa_flags = flags;
	ifa.ifa_index = (uint32_t)ifindex;
	(void)msg_begin(nb, type, &ifa, sizeof(ifa));
}


static void route(struct nlbuf *nb, uint16_t type, uint8_t dst_len,
		  uint32_t table, int oif)
{
	struct nlmsghdr *nh;
	struct rtmsg rtm;

	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = AF_INET;
	rtm.rtm_dst_len = dst_len;
	rtm.rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm.rtm_type = RTN_UNICAST;
	rtm.rtm_protocol = RTPROT_BOOT;
	nh = msg_begin(nb, type, &rtm, sizeof(rtm));
	msg_attr(nb, nh, RTA_TABLE, &table, sizeof(table));
	if (oif)
		msg_attr(nb, nh, RTA_OIF, &oif, sizeof(oif));
}


static void link_(struct nlbuf *nb, uint16_t type, unsigned flags,
		  unsigned change, int ifindex)
{
	struct ifinfomsg ifi;

	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = ifindex;
	ifi.ifi_flags = flags;
	ifi.ifi_change = change;
	(void)msg_begin(nb, type, &ifi, sizeof(ifi));
}


static unsigned calls;
static unsigned last_what;
static uint64_t last_call;

static void handler(unsigned what, void *arg)
{
	(void)arg;
	++calls;
	last_what = what;
	last_call = tmr_jiffies();
}


static struct netwatch *watcher(const char *ifname, uint32_t debounce,
				uint32_t max_wait)
{
	struct netwatch_conf c = {ifname, debounce, max_wait};
	struct netwatch *nw = NULL;
	int err = netwatch_alloc(&nw, &c, handler, NULL);

	UNIT_ASSERT_INT(err, 0);
	calls = 0;
	last_what = 0;
	return nw;
}


static unsigned feed(struct netwatch *nw, const struct nlbuf *nb)
{
	return netwatch_input(nw, nb->b, nb->len);
}


static void test_addresses(void)
{
	struct netwatch *nw = watcher(NULL, 0, 0);
	struct nlbuf nb;
	uint32_t f;

	if (!nw)
		return;

	memset(&nb, 0, sizeof(nb));
	addr(&nb, RTM_NEWADDR, AF_INET, RT_SCOPE_UNIVERSE, 0, 2);
	UNIT_ASSERT_INT(feed(nw, &nb), NETWATCH_ADDR);

	memset(&nb, 0, sizeof(nb));
	addr(&nb, RTM_DELADDR, AF_INET6, RT_SCOPE_UNIVERSE, 0, 2);
	UNIT_ASSERT_INT(feed(nw, &nb), NETWATCH_ADDR);

	/* link-local (fe80::) and host (127/8) scopes never count */
	memset(&nb, 0, sizeof(nb));
	addr(&nb, RTM_NEWADDR, AF_INET6, RT_SCOPE_LINK, 0, 2);
	addr(&nb, RTM_NEWADDR, AF_INET, RT_SCOPE_HOST, 0, 1);
	UNIT_ASSERT_INT(feed(nw, &nb), 0);

	/* tentative (DAD running): not usable yet, in ifa_flags ... */
	memset(&nb, 0, sizeof(nb));
	addr(&nb, RTM_NEWADDR, AF_INET6, RT_SCOPE_UNIVERSE,
	     IFA_F_TENTATIVE, 2);
	UNIT_ASSERT_INT(feed(nw, &nb), 0);

	/* ... or only in the 32-bit IFA_FLAGS attribute */
	memset(&nb, 0, sizeof(nb));
	addr(&nb, RTM_NEWADDR, AF_INET6, RT_SCOPE_UNIVERSE, 0, 2);
	f = IFA_F_TENTATIVE;
	msg_attr(&nb, (struct nlmsghdr *)nb.b, IFA_FLAGS, &f, sizeof(f));
	UNIT_ASSERT_INT(feed(nw, &nb), 0);

	/* DAD done: the same address again, now usable */
	memset(&nb, 0, sizeof(nb));
	addr(&nb, RTM_NEWADDR, AF_INET6, RT_SCOPE_UNIVERSE, 0, 2);
	f = IFA_F_PERMANENT;
	msg_attr(&nb, (struct nlmsghdr *)nb.b, IFA_FLAGS, &f, sizeof(f));
	UNIT_ASSERT_INT(feed(nw, &nb), NETWATCH_ADDR);

	/* a tentative address going away still counts */
	memset(&nb, 0, sizeof(nb));
	addr(&nb, RTM_DELADDR, AF_INET6, RT_SCOPE_UNIVERSE,
	     IFA_F_TENTATIVE, 2);
	UNIT_ASSERT_INT(feed(nw, &nb), NETWATCH_ADDR);

	UNIT_ASSERT_INT(netwatch_events(nw), 4);
	mem_deref(nw);
}


static void test_routes_links(void)
{
	struct netwatch *nw = watcher(NULL, 0, 0);
	struct nlbuf nb;

	if (!nw)
		return;

	memset(&nb, 0, sizeof(nb));
	route(&nb, RTM_NEWROUTE, 0, RT_TABLE_MAIN, 2);
	UNIT_ASSERT_INT(feed(nw, &nb), NETWATCH_ROUTE);

	memset(&nb, 0, sizeof(nb));
	route(&nb, RTM_DELROUTE, 0, RT_TABLE_MAIN, 0);
	UNIT_ASSERT_INT(feed(nw, &nb), NETWATCH_ROUTE);

	/* a prefix route, a default in another table (only RTA_TABLE says
	 * so beyond 255), the local table: none is our default route */
	memset(&nb, 0, sizeof(nb));
	route(&nb, RTM_NEWROUTE, 24, RT_TABLE_MAIN, 2);
	route(&nb, RTM_NEWROUTE, 0, 1000, 2);
	route(&nb, RTM_NEWROUTE, 0, RT_TABLE_LOCAL, 2);
	UNIT_ASSERT_INT(feed(nw, &nb), 0);

	/* links: up/down flips count, MTU-style updates do not */
	memset(&nb, 0, sizeof(nb));
	link_(&nb, RTM_NEWLINK, IFF_UP | IFF_RUNNING, IFF_UP, 2);
	UNIT_ASSERT_INT(feed(nw, &nb), NETWATCH_LINK);

	memset(&nb, 0, sizeof(nb));
	link_(&nb, RTM_NEWLINK, IFF_UP | IFF_RUNNING, IFF_MULTICAST, 2);
	UNIT_ASSERT_INT(feed(nw, &nb), 0);

	memset(&nb, 0, sizeof(nb));
	link_(&nb, RTM_NEWLINK, IFF_UP | IFF_LOOPBACK, IFF_UP, 1);
	UNIT_ASSERT_INT(feed(nw, &nb), 0);

	memset(&nb, 0, sizeof(nb));
	link_(&nb, RTM_DELLINK, 0, 0, 3);
	UNIT_ASSERT_INT(feed(nw, &nb), NETWATCH_LINK);

	/* several messages in one read: the bits add up */
	memset(&nb, 0, sizeof(nb));
	link_(&nb, RTM_NEWLINK, IFF_UP, ~0u, 4);
	addr(&nb, RTM_NEWADDR, AF_INET, RT_SCOPE_UNIVERSE, 0, 4);
	route(&nb, RTM_NEWROUTE, 0, RT_TABLE_MAIN, 4);
	UNIT_ASSERT_INT(feed(nw, &nb),
			NETWATCH_LINK | NETWATCH_ADDR | NETWATCH_ROUTE);

	mem_deref(nw);
}


/* Truncated or lying lengths: nothing read past the buffer (ASan). */
static void test_malformed(void)
{
	struct netwatch *nw = watcher(NULL, 0, 0);
	struct nlbuf nb;
	struct nlmsghdr *nh;

	if (!nw)
		return;

	memset(&nb, 0, sizeof(nb));
	addr(&nb, RTM_NEWADDR, AF_INET, RT_SCOPE_UNIVERSE, 0, 2);
	UNIT_ASSERT_INT(netwatch_input(nw, nb.b, 10), 0);

	nh = (struct nlmsghdr *)nb.b;
	nh->nlmsg_len = 4000;
	UNIT_ASSERT_INT(netwatch_input(nw, nb.b, nb.len), 0);

	/* a header with a body too short for its type */
	nh->nlmsg_len = NLMSG_LENGTH(2);
	UNIT_ASSERT_INT(netwatch_input(nw, nb.b, nb.len), 0);

	/* an attribute whose length runs past the message */
	memset(&nb, 0, sizeof(nb));
	route(&nb, RTM_NEWROUTE, 0, RT_TABLE_MAIN, 2);
	((struct rtattr *)((uint8_t *)NLMSG_DATA(nb.b) +
			   NLMSG_ALIGN(sizeof(struct rtmsg))))->rta_len = 900;
	(void)netwatch_input(nw, nb.b, nb.len);

	UNIT_ASSERT_INT(netwatch_input(nw, NULL, 10), 0);
	UNIT_ASSERT_INT(netwatch_input(NULL, nb.b, nb.len), 0);
	mem_deref(nw);
}


static void test_ifname_filter(void)
{
	struct netwatch *nw = watcher("lo", 0, 0);
	struct nlbuf nb;
	int lo = (int)if_nametoindex("lo");
	struct netwatch_conf bad = {"an-interface-name-too-long", 0, 0};
	struct netwatch *nw2 = NULL;

	if (!nw)
		return;
	CU_ASSERT_FATAL(lo > 0);

	memset(&nb, 0, sizeof(nb));
	addr(&nb, RTM_NEWADDR, AF_INET, RT_SCOPE_UNIVERSE, 0, lo);
	UNIT_ASSERT_INT(feed(nw, &nb), NETWATCH_ADDR);

	/* another interface (no such index here) */
	memset(&nb, 0, sizeof(nb));
	addr(&nb, RTM_NEWADDR, AF_INET, RT_SCOPE_UNIVERSE, 0, 9999);
	route(&nb, RTM_NEWROUTE, 0, RT_TABLE_MAIN, 9999);
	UNIT_ASSERT_INT(feed(nw, &nb), 0);

	/* a default route naming no interface (multipath) still counts */
	memset(&nb, 0, sizeof(nb));
	route(&nb, RTM_NEWROUTE, 0, RT_TABLE_MAIN, 0);
	UNIT_ASSERT_INT(feed(nw, &nb), NETWATCH_ROUTE);

	UNIT_ASSERT_INT(netwatch_alloc(&nw2, &bad, handler, NULL), EINVAL);
	UNIT_ASSERT_INT(netwatch_alloc(&nw2, NULL, NULL, NULL), EINVAL);
	CU_ASSERT_PTR_NULL(nw2);
	mem_deref(nw);
}


/* --- debouncing, in libre's loop ------------------------------------- */

static struct netwatch *dnw;
static struct tmr tfeed, tstop;
static unsigned fed, feed_max;
static uint64_t t_first, t_lastfed;

static void stop(void *arg)
{
	(void)arg;
	re_cancel();
}


static void feed_tick(void *arg)
{
	struct nlbuf nb;
	uint32_t every = *(uint32_t *)arg;

	memset(&nb, 0, sizeof(nb));
	if (fed % 2)
		addr(&nb, RTM_NEWADDR, AF_INET, RT_SCOPE_UNIVERSE, 0, 2);
	else
		route(&nb, RTM_NEWROUTE, 0, RT_TABLE_MAIN, 2);
	(void)feed(dnw, &nb);
	t_lastfed = tmr_jiffies();
	if (!t_first)
		t_first = t_lastfed;

	if (++fed < feed_max)
		tmr_start(&tfeed, every, feed_tick, arg);
}


static void run_feed(uint32_t debounce, uint32_t max_wait, uint32_t every,
		     unsigned n, uint32_t run_ms)
{
	static uint32_t ev;

	ev = every;
	dnw = watcher(NULL, debounce, max_wait);
	if (!dnw)
		return;
	fed = 0;
	feed_max = n;
	t_first = 0;
	tmr_init(&tfeed);
	tmr_init(&tstop);
	tmr_start(&tfeed, 0, feed_tick, &ev);
	tmr_start(&tstop, run_ms, stop, NULL);
	(void)re_main(NULL);
	tmr_cancel(&tfeed);
	tmr_cancel(&tstop);
}


static void test_debounce(void)
{
	/* 5 events 20 ms apart, 150 ms quiet time: one call, 150 ms after
	 * the last event, with both kinds */
	run_feed(150, 5000, 20, 5, 800);
	UNIT_ASSERT_INT(calls, 1);
	UNIT_ASSERT_INT(last_what, NETWATCH_ADDR | NETWATCH_ROUTE);
	UNIT_ASSERT_INT(netwatch_events(dnw), 5);
	UNIT_ASSERT_INT(netwatch_bursts(dnw), 1);
	CU_ASSERT(last_call >= t_lastfed + 150);
	dnw = mem_deref(dnw);
}


static void test_flapping(void)
{
	/* an event every 50 ms for ~1 s with 100 ms quiet time would never
	 * settle: the 300 ms ceiling makes the handler run anyway */
	run_feed(100, 300, 50, 20, 1300);
	CU_ASSERT(calls >= 3);
	CU_ASSERT(calls <= 5);
	UNIT_ASSERT_INT(netwatch_events(dnw), 20);
	dnw = mem_deref(dnw);
}


/* --- real kernel events ----------------------------------------------- */

static const char *const *live_cmds;
static size_t live_i;
static unsigned live_seen[8];

static void live_handler(unsigned what, void *arg)
{
	(void)arg;
	if (live_i && live_i <= ARRAY_SIZE(live_seen))
		live_seen[live_i - 1] |= what;
}


static void live_step(void *arg)
{
	(void)arg;

	if (!live_cmds[live_i]) {
		re_cancel();
		return;
	}

	if (system(live_cmds[live_i]) != 0)
		(void)fprintf(stderr, "netwatch live: '%s' failed\n",
			      live_cmds[live_i]);
	++live_i;
	/* the watcher settles 100 ms after the last message */
	tmr_start(&tfeed, 400, live_step, NULL);
}


static void test_live_netns(void)
{
	static const char *const cmds[] = {
		"ip link add nw0 type veth peer name nw1",
		"ip link set nw1 up && ip link set nw0 up",
		"ip addr add 10.99.0.1/24 dev nw0",
		"ip route add default via 10.99.0.254",
		"ip -6 addr add fd99::1/64 dev nw0 nodad",
		"ip addr add 10.98.0.1/24 dev lo",
		"ip route del default",
		"ip link set nw0 down",
		NULL
	};
	struct netwatch_conf c = {NULL, 100, 1000};
	struct netwatch *nw = NULL;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		(void)fprintf(stderr, "\n*** SKIP netwatch live test: needs "
			      "root for a network namespace (%s); the "
			      "netns integration tests cover it\n",
			      strerror(errno));
		return;
	}

	if (system("ip link set lo up") != 0) {
		CU_FAIL("ip link set lo up (is iproute2 installed?)");
		return;
	}

	UNIT_ASSERT_INT(netwatch_alloc(&nw, &c, live_handler, NULL), 0);
	if (!nw)
		return;

	live_cmds = cmds;
	live_i = 0;
	memset(live_seen, 0, sizeof(live_seen));
	tmr_init(&tfeed);
	tmr_init(&tstop);
	tmr_start(&tfeed, 0, live_step, NULL);
	tmr_start(&tstop, 10000, stop, NULL);
	(void)re_main(NULL);
	tmr_cancel(&tfeed);
	tmr_cancel(&tstop);

	UNIT_ASSERT_INT(live_i, ARRAY_SIZE(cmds) - 1);
	/* a new link is reported, and so is its going up */
	CU_ASSERT(live_seen[0] & NETWATCH_LINK);
	CU_ASSERT(live_seen[1] & NETWATCH_LINK);
	/* an IPv4 address (its prefix route is no default route) */
	UNIT_ASSERT_INT(live_seen[2], NETWATCH_ADDR);
	UNIT_ASSERT_INT(live_seen[3], NETWATCH_ROUTE);
	UNIT_ASSERT_INT(live_seen[4], NETWATCH_ADDR);
	/* a global address is one even on the loopback interface */
	UNIT_ASSERT_INT(live_seen[5], NETWATCH_ADDR);
	UNIT_ASSERT_INT(live_seen[6], NETWATCH_ROUTE);
	CU_ASSERT(live_seen[7] & NETWATCH_LINK);
	UNIT_ASSERT_INT(netwatch_bursts(nw), 8);

	mem_deref(nw);
}


static CU_TestInfo tests[] = {
	{"addresses: global and usable only", test_addresses},
	{"routes and links: default route, up/down", test_routes_links},
	{"malformed messages", test_malformed},
	{"interface filter", test_ifname_filter},
	{"debounce: one call per burst", test_debounce},
	{"debounce: flapping is capped", test_flapping},
	{"live: kernel events in a new network namespace", test_live_netns},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"netwatch", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_netwatch", suites);
}
