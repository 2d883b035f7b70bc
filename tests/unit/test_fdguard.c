/* test_fdguard.c: accept() at the descriptor limit refuses (accept and close) instead of failing EMFILE; sip_conn_max and msrp_conn_max count apart and free. */
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <re.h>
#include "autoconf.h"
#include "fdguard.h"
#include "unit.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif


static int listener(struct sockaddr_in *sin)
{
	socklen_t l = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)sin, sizeof(*sin)) ||
	    listen(fd, 64) || getsockname(fd, (struct sockaddr *)sin, &l))
		return -1;

	return fd;
}


static int dial(const struct sockaddr_in *sin)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0 && connect(fd, (const struct sockaddr *)sin,
			       sizeof(*sin)) < 0) {
		(void)close(fd);
		return -1;
	}

	return fd;
}


/* the far end closed c: a read sees the end of the stream (or a reset) */
static bool closed_by_peer(int c)
{
	char b;
	struct timeval tv = { 1, 0 };

	(void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return recv(c, &b, 1, 0) <= 0;
}


static void test_sip_conn_max(void)
{
	struct sockaddr_in sin;
	int lfd, c[3], a[3];

	UNIT_ASSERT_INT(fdguard_init(), 0);
	lfd = listener(&sin);
	CU_ASSERT_FATAL(lfd >= 0);
	fdguard_max(FDGUARD_SIP, 2);
	UNIT_ASSERT_INT(fdguard_watch(FDGUARD_SIP, lfd), 0);

	for (int i = 0; i < 3; i++) {
		c[i] = dial(&sin);
		CU_ASSERT_FATAL(c[i] >= 0);
		a[i] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	}

	CU_ASSERT(a[0] >= 0);
	CU_ASSERT(a[1] >= 0);
	CU_ASSERT(a[2] < 0 && errno == ECONNABORTED);
	UNIT_ASSERT_INT(fdguard_conns(FDGUARD_SIP), 2);
	CU_ASSERT(closed_by_peer(c[2]));

	/* a closed one is free again, found by its inode even when the
	 * descriptor number comes back */
	(void)close(a[0]);
	UNIT_ASSERT_INT(fdguard_conns(FDGUARD_SIP), 1);
	(void)close(c[2]);
	c[2] = dial(&sin);
	a[2] = accept(lfd, NULL, NULL);
	CU_ASSERT(a[2] >= 0);
	UNIT_ASSERT_INT(fdguard_conns(FDGUARD_SIP), 2);

	for (int i = 0; i < 3; i++) {
		(void)close(c[i]);
		if (i)
			(void)close(a[i]);
	}

	UNIT_ASSERT_INT(fdguard_conns(FDGUARD_SIP), 0);
	fdguard_unwatch(FDGUARD_SIP, lfd);
	(void)close(lfd);
	fdguard_close();
}


/* the SIP and MSRP budgets are apart: a full MSRP class refuses on its
 * listener only, and unwatching one listener leaves the other counted */
static void test_classes(void)
{
	struct sockaddr_in s1, s2;
	int l1, l2, c[3], a[3];

	UNIT_ASSERT_INT(fdguard_init(), 0);
	l1 = listener(&s1);
	l2 = listener(&s2);
	CU_ASSERT_FATAL(l1 >= 0 && l2 >= 0);
	fdguard_max(FDGUARD_SIP, 1);
	fdguard_max(FDGUARD_MSRP, 1);
	UNIT_ASSERT_INT(fdguard_watch(FDGUARD_SIP, l1), 0);
	UNIT_ASSERT_INT(fdguard_watch(FDGUARD_MSRP, l2), 0);
	/* a listener belongs to the class that watched it first */
	UNIT_ASSERT_INT(fdguard_watch(FDGUARD_SIP, l2), 0);

	c[0] = dial(&s2);
	c[1] = dial(&s2);
	c[2] = dial(&s1);
	CU_ASSERT_FATAL(c[0] >= 0 && c[1] >= 0 && c[2] >= 0);
	a[0] = accept(l2, NULL, NULL);
	a[1] = accept(l2, NULL, NULL);
	CU_ASSERT(a[0] >= 0);
	CU_ASSERT(a[1] < 0 && errno == ECONNABORTED);
	a[2] = accept(l1, NULL, NULL);
	CU_ASSERT(a[2] >= 0);
	UNIT_ASSERT_INT(fdguard_conns(FDGUARD_MSRP), 1);
	UNIT_ASSERT_INT(fdguard_conns(FDGUARD_SIP), 1);

	/* l2 unwatched: its connection stays counted until closed */
	fdguard_unwatch(FDGUARD_MSRP, l2);
	UNIT_ASSERT_INT(fdguard_conns(FDGUARD_MSRP), 1);
	(void)close(a[0]);
	UNIT_ASSERT_INT(fdguard_conns(FDGUARD_MSRP), 0);
	UNIT_ASSERT_INT(fdguard_conns(FDGUARD_SIP), 1);

	for (int i = 0; i < 3; i++)
		(void)close(c[i]);
	if (a[2] >= 0)
		(void)close(a[2]);
	fdguard_unwatch(FDGUARD_SIP, -1);
	(void)close(l1);
	(void)close(l2);
	fdguard_close();
}


static void test_emfile(void)
{
	struct rlimit old, low;
	struct sockaddr_in sin;
	int lfd, c, a, used[64], n = 0;

	UNIT_ASSERT_INT(fdguard_init(), 0);
	lfd = listener(&sin);
	CU_ASSERT_FATAL(lfd >= 0);
	c = dial(&sin);
	CU_ASSERT_FATAL(c >= 0);

	/* every descriptor up to the limit in use */
	CU_ASSERT_FATAL(getrlimit(RLIMIT_NOFILE, &old) == 0);
	low = old;
	low.rlim_cur = (rlim_t)c + 8;
	CU_ASSERT_FATAL(setrlimit(RLIMIT_NOFILE, &low) == 0);
	while (n < (int)ARRAY_SIZE(used) && (used[n] = dup(lfd)) >= 0)
		++n;
	CU_ASSERT(errno == EMFILE);

	/* accepted into the spare's place and closed: the queue drains,
	 * no EMFILE to spin on */
	a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	/* under valgrind the kernel's limit is valgrind's, above ours: the
	 * kernel accepts, valgrind closes it and says EMFILE, and the
	 * spare's accept finds the queue empty (EAGAIN). Closed all the
	 * same, and nothing left to spin on. */
	CU_ASSERT(a < 0 && (errno == ECONNABORTED ||
			    (RUNNING_ON_VALGRIND && errno == EAGAIN)));
	CU_ASSERT(closed_by_peer(c));
	a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	CU_ASSERT(a < 0 && errno == EAGAIN);

	while (n)
		(void)close(used[--n]);
	CU_ASSERT(setrlimit(RLIMIT_NOFILE, &old) == 0);
	(void)close(c);
	(void)close(lfd);
	fdguard_close();
}


static CU_TestInfo tests[] = {
	{"sip_conn_max refuses past it, frees closed", test_sip_conn_max},
	{"SIP and MSRP budgets apart", test_classes},
	{"EMFILE: accepted into the spare and closed", test_emfile},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"fdguard", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_fdguard", suites);
}
