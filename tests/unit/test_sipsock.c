/* test_sipsock.c: finding a process's own sockets by type, role and address, and shutting one connection down. */
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <re.h>
#include "autoconf.h"
#include "sipsock.h"
#include "unit.h"


static int bound(int type, struct sa *sa)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	memset(sa, 0, sizeof(*sa));
	(void)sa_set_str(sa, "127.0.0.1", 0);
	if (fd < 0 || bind(fd, &sa->u.sa, sa->len) < 0)
		return -1;

	sa->len = sizeof(sa->u);
	(void)getsockname(fd, &sa->u.sa, &sa->len);
	return fd;
}


static void test_find(void)
{
	struct sa ua, ta, ca, pa;
	int u, l, c, a, fds[4];

	u = bound(SOCK_DGRAM, &ua);
	l = bound(SOCK_STREAM, &ta);
	CU_ASSERT_FATAL(u >= 0 && l >= 0);
	CU_ASSERT_FATAL(listen(l, 4) == 0);

	/* a connection to the listener: c (ours, dialled), a (accepted) */
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(connect(c, &ta.u.sa, ta.len) == 0);
	a = accept(l, NULL, NULL);
	CU_ASSERT_FATAL(a >= 0);
	ca.len = sizeof(ca.u);
	(void)getsockname(c, &ca.u.sa, &ca.len);
	pa = ca;

	{
		struct sipsock_match m = { SOCK_DGRAM, false, &ua, NULL };

		UNIT_ASSERT_INT(sipsock_find(&m, fds, 4), 1);
		UNIT_ASSERT_INT(fds[0], u);
	}
	{
		/* the listener, not the accepted socket on the same port */
		struct sipsock_match m = { SOCK_STREAM, true, &ta, NULL };

		UNIT_ASSERT_INT(sipsock_find(&m, fds, 4), 1);
		UNIT_ASSERT_INT(fds[0], l);
	}
	{
		struct sipsock_match m = { SOCK_STREAM, false, &ta, &pa };

		UNIT_ASSERT_INT(sipsock_find(&m, fds, 4), 1);
		UNIT_ASSERT_INT(fds[0], a);
	}
	{
		/* UDP on the TCP port: nothing */
		struct sipsock_match m = { SOCK_DGRAM, false, &ta, NULL };

		UNIT_ASSERT_INT(sipsock_find(&m, fds, 4), 0);
	}

	/* shut the accepted one down: the dialling side sees the end */
	UNIT_ASSERT_INT(sipsock_shutdown(&ta, &pa), 0);
	{
		struct pollfd p = { .fd = c, .events = POLLIN };
		char b;

		CU_ASSERT(poll(&p, 1, 1000) == 1);
		CU_ASSERT(recv(c, &b, 1, 0) == 0);
	}
	UNIT_ASSERT_INT(sipsock_shutdown(&ua, &pa), ENOENT);

	(void)close(a);
	(void)close(c);
	(void)close(l);
	(void)close(u);
}


static CU_TestInfo tests[] = {
	{"find and shut down", test_find},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"sipsock", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_sipsock", suites);
}
