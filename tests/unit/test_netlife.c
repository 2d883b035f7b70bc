/* test_netlife.c: the daemon's network decisions from real kernel events and a real resolv.conf, in a fresh network namespace. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "autoconf.h"
#include "netlife.h"
#include "unit.h"

enum { MAXSTEP = 16 };

static char dir[256], resolv[300];
static struct tmr tstep;
static size_t step;
static const char *const *cmds;
static char seen[MAXSTEP][96];     /* what the handlers said per step */
static char last_v4[64];


static void note(const char *what)
{
	if (step && step <= MAXSTEP)
		str_ncpy(seen[step - 1] + strlen(seen[step - 1]), what,
			 sizeof(seen[0]) - strlen(seen[step - 1]));
}


static void moved(const struct sa *v4, const struct sa *v6, void *arg)
{
	(void)v6;
	(void)arg;
	(void)re_snprintf(last_v4, sizeof(last_v4), "%j", v4);
	note("moved ");
}


static void back(void *arg)  { (void)arg; note("back "); }
static void gone(void *arg)  { (void)arg; note("gone "); }

static void dns(const struct sa *srvv, uint32_t n, void *arg)
{
	char buf[64];
	(void)arg;

	(void)re_snprintf(buf, sizeof(buf), "dns%u:%j ", n, n ? &srvv[0] :
			  NULL);
	note(buf);
}


static void step_handler(void *arg)
{
	(void)arg;

	if (!cmds[step]) {
		re_cancel();
		return;
	}

	if (system(cmds[step]) != 0)
		(void)fprintf(stderr, "netlife test: '%s' failed\n",
			      cmds[step]);
	++step;
	/* debounce is 100 ms here */
	tmr_start(&tstep, 350, step_handler, NULL);
}


static void test_decisions(void)
{
	static const struct netlife_handlers h = {moved, back, gone, dns};
	char c[MAXSTEP][200];
	const char *list[MAXSTEP + 1];
	struct netlife_conf nc;
	struct netlife *nl = NULL;
	size_t n = 0;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		(void)fprintf(stderr, "\n*** SKIP netlife test: needs root for "
			      "a network namespace (%s); the netns "
			      "integration tests cover it\n", strerror(errno));
		return;
	}

	CU_ASSERT_FATAL(unit_mkdtemp(dir, sizeof(dir)) == 0);
	(void)re_snprintf(resolv, sizeof(resolv), "%s/resolv.conf", dir);
	CU_ASSERT_FATAL(system("ip link set lo up && "
			       "ip link add nla type veth peer name nlb && "
			       "ip link set nlb up && ip link set nla up") == 0);

	memset(&nc, 0, sizeof(nc));
	nc.host = "core.test";
	nc.resolv_conf = resolv;
	nc.debounce_ms = 100;
	UNIT_ASSERT_INT(netlife_alloc(&nl, &nc, &h, NULL), 0);
	if (!nl)
		return;
	CU_ASSERT_FALSE(netlife_up(nl));
	CU_ASSERT_PTR_NULL(netlife_laddr(nl, AF_INET));

#define CMD(...) (void)re_snprintf(c[n], sizeof(c[n]), __VA_ARGS__), \
		list[n] = c[n], ++n
	CMD("ip addr add 10.71.0.2/24 dev nla && "
	    "ip route add default via 10.71.0.1");          /* 0: moved */
	CMD("printf 'nameserver 10.71.0.53\\n' > %s.t && mv %s.t %s",
	    resolv, resolv, resolv);                         /* 1: dns */
	CMD("ip addr add 10.98.0.1/32 dev lo");              /* 2: nothing */
	CMD("ip link set nla down");                         /* 3: gone */
	CMD("ip link set nla up && "
	    "ip route add default via 10.71.0.1");          /* 4: back */
	CMD("ip addr del 10.71.0.2/24 dev nla && "
	    "ip addr add 10.71.0.3/24 dev nla && "
	    "ip route replace default via 10.71.0.1");      /* 5: moved */
	CMD("ip link set nla mtu 1400");                    /* 6: nothing */
	list[n] = NULL;
#undef CMD

	cmds = list;
	step = 0;
	memset(seen, 0, sizeof(seen));
	tmr_init(&tstep);
	tmr_start(&tstep, 0, step_handler, NULL);
	(void)re_main(NULL);
	tmr_cancel(&tstep);

	UNIT_ASSERT_STR(seen[0], "moved ");
	UNIT_ASSERT_STR(seen[1], "dns1:10.71.0.53 ");
	UNIT_ASSERT_STR(seen[2], "");
	UNIT_ASSERT_STR(seen[3], "gone ");
	UNIT_ASSERT_STR(seen[4], "back ");
	UNIT_ASSERT_STR(seen[5], "moved ");
	UNIT_ASSERT_STR(seen[6], "");
	UNIT_ASSERT_STR(last_v4, "10.71.0.3");
	CU_ASSERT_TRUE(netlife_up(nl));
	UNIT_ASSERT_INT(netlife_moves(nl), 2);
	UNIT_ASSERT_INT(netlife_dns(nl, NULL), 1);

	mem_deref(nl);
	(void)unit_rmtree(dir);
}


static void test_args(void)
{
	static const struct netlife_handlers h = {NULL, NULL, NULL, NULL};
	struct netlife_conf nc = {"an-interface-name-too-long", NULL, NULL,
				  0};
	struct netlife *nl = NULL;

	UNIT_ASSERT_INT(netlife_alloc(NULL, &nc, &h, NULL), EINVAL);
	UNIT_ASSERT_INT(netlife_alloc(&nl, NULL, &h, NULL), EINVAL);
	UNIT_ASSERT_INT(netlife_alloc(&nl, &nc, &h, NULL), EINVAL);
	CU_ASSERT_PTR_NULL(nl);
	CU_ASSERT_FALSE(netlife_up(NULL));
}


static CU_TestInfo tests[] = {
	{"arguments", test_args},
	{"decisions from kernel events and resolv.conf", test_decisions},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"netlife", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_netlife", suites);
}
