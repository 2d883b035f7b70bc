/* test_connwatch.c: the end of a connection we do not read from is told once (reset, FIN), its data is left alone, and a connection that is not there is ENOENT. */
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <re.h>
#include "autoconf.h"
#include "connwatch.h"
#include "unit.h"


static unsigned closed;

static void closeh(void *arg)
{
	(void)arg;
	++closed;
}


static bool was_closed(void)
{
	return closed > 0;
}


/* A listener l on 127.0.0.1, a connection c dialled to it (the side
 * libre would own) and its accepted end a (the core). */
struct pair {
	int l, c, a;
	struct sa laddr;
};


static void pair_open(struct pair *p)
{
	p->c = p->a = -1;
	p->l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(p->l >= 0);
	(void)sa_set_str(&p->laddr, "127.0.0.1", 0);
	CU_ASSERT_FATAL(bind(p->l, &p->laddr.u.sa, p->laddr.len) == 0);
	p->laddr.len = sizeof(p->laddr.u);
	(void)getsockname(p->l, &p->laddr.u.sa, &p->laddr.len);
	CU_ASSERT_FATAL(listen(p->l, 4) == 0);

	p->c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(connect(p->c, &p->laddr.u.sa, p->laddr.len) == 0);
	p->a = accept(p->l, NULL, NULL);
	CU_ASSERT_FATAL(p->a >= 0);
	closed = 0;
}


static void pair_close(struct pair *p)
{
	if (p->a >= 0)
		(void)close(p->a);
	if (p->c >= 0)
		(void)close(p->c);
	(void)close(p->l);
}


static void test_reset(void)
{
	struct connwatch *cw = NULL;
	struct linger lg = { 1, 0 };
	struct pair p;
	char b[8];

	pair_open(&p);
	UNIT_ASSERT_INT(connwatch_alloc(&cw, &p.laddr, closeh, NULL), 0);

	/* data from the core is its owner's: not read, not an end */
	CU_ASSERT(send(p.a, "200", 3, 0) == 3);
	CU_ASSERT(!unit_wait_for(was_closed, 100));
	CU_ASSERT(recv(p.c, b, sizeof(b), MSG_DONTWAIT) == 3);

	/* the core's process dies: RST */
	CU_ASSERT(setsockopt(p.a, SOL_SOCKET, SO_LINGER, &lg,
			     sizeof(lg)) == 0);
	(void)close(p.a);
	p.a = -1;
	CU_ASSERT(unit_wait_for(was_closed, 2000));

	/* once, although the socket still signals until its owner closes */
	(void)unit_wait_for(NULL, 100);
	UNIT_ASSERT_INT(closed, 1);

	mem_deref(cw);
	pair_close(&p);
}


static void test_fin(void)
{
	struct connwatch *cw = NULL;
	struct pair p;

	pair_open(&p);
	UNIT_ASSERT_INT(connwatch_alloc(&cw, &p.laddr, closeh, NULL), 0);

	(void)close(p.a);
	p.a = -1;
	CU_ASSERT(unit_wait_for(was_closed, 2000));
	UNIT_ASSERT_INT(closed, 1);

	mem_deref(cw);
	pair_close(&p);
}


static void test_owner_closes(void)
{
	struct connwatch *cw = NULL;
	struct pair p;

	pair_open(&p);
	UNIT_ASSERT_INT(connwatch_alloc(&cw, &p.laddr, closeh, NULL), 0);

	/* the owner (libre) closes its socket, and the descriptor number
	 * goes to another connection: neither is an end of the watched */
	(void)close(p.c);
	p.c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT(connect(p.c, &p.laddr.u.sa, p.laddr.len) == 0);
	CU_ASSERT(!unit_wait_for(was_closed, 200));

	mem_deref(cw);
	pair_close(&p);
}


static void test_none(void)
{
	struct connwatch *cw = NULL;
	struct pair p;
	struct sa other;

	pair_open(&p);
	other = p.laddr;
	sa_set_port(&other, sa_port(&p.laddr) == 65535 ? 1 :
		    sa_port(&p.laddr) + 1);

	UNIT_ASSERT_INT(connwatch_alloc(&cw, &other, closeh, NULL), ENOENT);
	CU_ASSERT(cw == NULL);
	UNIT_ASSERT_INT(connwatch_alloc(&cw, NULL, closeh, NULL), EINVAL);
	UNIT_ASSERT_INT(connwatch_alloc(&cw, &p.laddr, NULL, NULL), EINVAL);

	pair_close(&p);
}


static CU_TestInfo tests[] = {
	{"reset by the peer: told once, data left unread", test_reset},
	{"closed by the peer (FIN): told", test_fin},
	{"closed by its owner: not told", test_owner_closes},
	{"no such connection: ENOENT", test_none},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"connwatch", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_connwatch", suites);
}
