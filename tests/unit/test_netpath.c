/* test_netpath.c: source address selection and change detection, on real routing tables in a fresh network namespace. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "autoconf.h"
#include "netpath.h"
#include "unit.h"

static bool in_netns;
static bool netns_failed;


static bool sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		(void)fprintf(stderr, "netpath test: '%s' failed (%d)\n", cmd,
			      rc);
	return rc == 0;
}


/* One IPv6 sysctl of interface ifname, written through /proc/sys: no
 * sysctl(8), which a minimal system (a debootstrap chroot) lacks; when it
 * was missing, the old shell loop went on without a word, the addresses
 * went with their link and the IPv6 route steps failed. */
static bool ip6conf(const char *ifname, const char *key, const char *val)
{
	char path[128];
	FILE *f;
	bool ok;

	(void)snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s",
		       ifname, key);
	f = fopen(path, "w");
	if (!f) {
		(void)fprintf(stderr, "netpath test: %s: %s\n", path,
			      strerror(errno));
		return false;
	}
	ok = fputs(val, f) >= 0;
	ok = (fclose(f) == 0) && ok;
	if (!ok)
		(void)fprintf(stderr, "netpath test: %s: write failed\n", path);

	return ok;
}


/* A private network namespace with two uplinks, nothing configured:
 * addresses without duplicate detection, and kept while a link is down
 * (the down/up steps expect them back, as on a handset). */
static int setup(void)
{
	static const char *const ifs[] = {"npa", "npa-peer", "npb",
					  "npb-peer"};

	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		(void)fprintf(stderr, "\n*** SKIP netpath routing tests: "
			      "need root for a network namespace (%s); the "
			      "netns integration tests cover them\n",
			      strerror(errno));
		return 0;
	}

	netns_failed =
		!sh("ip link set lo up") ||
		!sh("ip link add npa type veth peer name npa-peer") ||
		!sh("ip link add npb type veth peer name npb-peer");

	for (size_t i = 0; !netns_failed && i < ARRAY_SIZE(ifs); i++) {
		char cmd[64];

		(void)snprintf(cmd, sizeof(cmd), "ip link set %s up", ifs[i]);
		netns_failed = !ip6conf(ifs[i], "accept_dad", "0") ||
			!ip6conf(ifs[i], "keep_addr_on_down", "1") ||
			!sh(cmd);
	}

	in_netns = !netns_failed;
	return 0;
}


/* Whether the routing tests run: not without root (skipped loudly
 * above), and a namespace whose set-up failed is a failure, not a skip. */
static bool netns_ready(void)
{
	if (netns_failed)
		CU_FAIL("network namespace set-up failed (see above)");

	return in_netns;
}


static char *str(const struct sa *sa)
{
	static char buf[4][64];
	static int i;

	i = (i + 1) % 4;
	if (!sa)
		return strcpy(buf[i], "none");
	(void)re_snprintf(buf[i], sizeof(buf[i]), "%j", sa);
	return buf[i];
}


static void test_changes(void)
{
	struct netpath np;

	if (!netns_ready())
		return;

	UNIT_ASSERT_INT(netpath_init(&np, NULL, "core.test"), 0);

	/* addresses but no route: no network */
	CU_ASSERT_FATAL(sh("ip addr add 10.61.0.2/24 dev npa"));
	UNIT_ASSERT_INT(netpath_update(&np), NETPATH_SAME);
	CU_ASSERT_PTR_NULL(netpath_laddr(&np, AF_INET));

	/* a default route: there it is */
	CU_ASSERT_FATAL(sh("ip route add default via 10.61.0.1"));
	UNIT_ASSERT_INT(netpath_update(&np), NETPATH_MOVED);
	UNIT_ASSERT_STR(str(netpath_laddr(&np, AF_INET)), "10.61.0.2");
	CU_ASSERT_PTR_NULL(netpath_laddr(&np, AF_INET6));
	UNIT_ASSERT_INT(netpath_update(&np), NETPATH_SAME);

	/* IPv6 too (dual stack): the set of addresses changed */
	CU_ASSERT_FATAL(sh("ip -6 addr add fd61::2/64 dev npa nodad && "
			   "ip -6 route add default via fd61::1"));
	UNIT_ASSERT_INT(netpath_update(&np), NETPATH_MOVED);
	UNIT_ASSERT_STR(str(netpath_laddr(&np, AF_INET6)), "fd61::2");

	/* an address elsewhere that no route to the core uses */
	CU_ASSERT_FATAL(sh("ip addr add 10.62.0.2/24 dev npb"));
	UNIT_ASSERT_INT(netpath_update(&np), NETPATH_SAME);

	/* DHCP renew with a new address */
	CU_ASSERT_FATAL(sh("ip addr del 10.61.0.2/24 dev npa && "
			   "ip addr add 10.61.0.3/24 dev npa && "
			   "ip route replace default via 10.61.0.1"));
	UNIT_ASSERT_INT(netpath_update(&np), NETPATH_MOVED);
	UNIT_ASSERT_STR(str(netpath_laddr(&np, AF_INET)), "10.61.0.3");

	/* the link goes down: the routes go with it */
	CU_ASSERT_FATAL(sh("ip link set npa down"));
	UNIT_ASSERT_INT(netpath_update(&np), NETPATH_GONE);
	CU_ASSERT_PTR_NULL(netpath_laddr(&np, AF_INET));
	UNIT_ASSERT_INT(netpath_update(&np), NETPATH_SAME);

	/* ... and comes back on the same addresses */
	CU_ASSERT_FATAL(sh("ip link set npa up && "
			   "ip route replace default via 10.61.0.1 && "
			   "ip -6 route replace default via fd61::1"));
	UNIT_ASSERT_INT(netpath_update(&np), NETPATH_BACK);
	UNIT_ASSERT_STR(str(netpath_laddr(&np, AF_INET)), "10.61.0.3");
	UNIT_ASSERT_STR(str(netpath_laddr(&np, AF_INET6)), "fd61::2");
	UNIT_ASSERT_STR(netpath_change_name(np.last), "network back");

	/* Wi-Fi to LTE: the default route moves to the other uplink */
	CU_ASSERT_FATAL(sh("ip route replace default via 10.62.0.1 dev npb"));
	UNIT_ASSERT_INT(netpath_update(&np), NETPATH_MOVED);
	UNIT_ASSERT_STR(str(netpath_laddr(&np, AF_INET)), "10.62.0.2");
	CU_ASSERT_FATAL(sh("ip route replace default via 10.61.0.1 dev npa"));
}


static void test_pinned(void)
{
	struct netpath np;

	if (!netns_ready())
		return;

	/* pinned to npb: its address, though the default route is on npa */
	UNIT_ASSERT_INT(netpath_init(&np, "npb", "core.test"), 0);
	UNIT_ASSERT_INT(netpath_update(&np), NETPATH_MOVED);
	UNIT_ASSERT_STR(str(netpath_laddr(&np, AF_INET)), "10.62.0.2");
	/* npb has no IPv6 address (only its link-local one) */
	CU_ASSERT_PTR_NULL(netpath_laddr(&np, AF_INET6));

	/* npb down: gone, whatever npa does */
	CU_ASSERT_FATAL(sh("ip link set npb down"));
	UNIT_ASSERT_INT(netpath_update(&np), NETPATH_GONE);
	CU_ASSERT_FATAL(sh("ip link set npb up"));
	UNIT_ASSERT_INT(netpath_update(&np), NETPATH_BACK);

	/* unpinned: the kernel's pick */
	UNIT_ASSERT_INT(netpath_init(&np, NULL, "core.test"), 0);
	(void)netpath_update(&np);
	UNIT_ASSERT_STR(str(netpath_laddr(&np, AF_INET)), "10.61.0.3");

	/* an interface that does not exist */
	UNIT_ASSERT_INT(netpath_init(&np, "nosuch0", "core.test"), 0);
	UNIT_ASSERT_INT(netpath_update(&np), NETPATH_SAME);
	CU_ASSERT_PTR_NULL(netpath_laddr(&np, AF_INET));
}


static void test_literal_host(void)
{
	struct netpath np;

	if (!netns_ready())
		return;

	/* an IP core on a connected network needs no default route, and
	 * only its family is probed */
	CU_ASSERT_FATAL(sh("ip route del default && "
			   "ip -6 route del default"));
	UNIT_ASSERT_INT(netpath_init(&np, NULL, "10.62.0.9"), 0);
	UNIT_ASSERT_INT(netpath_update(&np), NETPATH_MOVED);
	UNIT_ASSERT_STR(str(netpath_laddr(&np, AF_INET)), "10.62.0.2");
	CU_ASSERT_PTR_NULL(netpath_laddr(&np, AF_INET6));

	UNIT_ASSERT_INT(netpath_init(&np, NULL, "fd61::9"), 0);
	UNIT_ASSERT_INT(netpath_update(&np), NETPATH_MOVED);
	UNIT_ASSERT_STR(str(netpath_laddr(&np, AF_INET6)), "fd61::2");
	CU_ASSERT_PTR_NULL(netpath_laddr(&np, AF_INET));

	/* a default route through a link-local gateway with only a
	 * link-local address: no usable IPv6 source */
	CU_ASSERT_FATAL(sh("ip -6 addr flush dev npa scope global && "
			   "ip -6 route add default via fe80::1 dev npa"));
	UNIT_ASSERT_INT(netpath_init(&np, NULL, "core.test"), 0);
	(void)netpath_update(&np);
	CU_ASSERT_PTR_NULL(netpath_laddr(&np, AF_INET6));
}


static void test_names_args(void)
{
	struct netpath np;
	struct sa src, dst;
	char buf[256];

	UNIT_ASSERT_INT(netpath_init(NULL, NULL, NULL), EINVAL);
	UNIT_ASSERT_INT(netpath_init(&np, "an-interface-name-too-long",
				     NULL), EINVAL);
	UNIT_ASSERT_INT(netpath_source(&src, NULL, NULL), EINVAL);
	sa_init(&dst, AF_INET);
	UNIT_ASSERT_INT(netpath_source(&src, &dst, NULL), EINVAL);

	UNIT_ASSERT_STR(netpath_change_name(NETPATH_MOVED),
			"address changed");
	UNIT_ASSERT_STR(netpath_change_name(NETPATH_GONE), "network gone");

	UNIT_ASSERT_INT(netpath_init(&np, "wan", NULL), 0);
	(void)re_snprintf(buf, sizeof(buf), "%H", netpath_status, &np);
	UNIT_ASSERT_STR(buf, "network=down\ninterface=wan\n");
	UNIT_ASSERT_INT(netpath_update(NULL), NETPATH_SAME);
}


static CU_TestInfo tests[] = {
	{"arguments, names, status", test_names_args},
	{"changes: route, dual stack, renew, down/up, uplink", test_changes},
	{"pinned to an interface", test_pinned},
	{"IP literal core, link-local only", test_literal_host},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"netpath", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	(void)setup();
	return unit_run("test_netpath", suites);
}
