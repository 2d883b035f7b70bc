/* test_libsippush.c: libsippush for event loops and restarts: asynchronous verdicts, header lookup, subscribe flags, reconnect. */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <re.h>
#include "autoconf.h"
#include "ipc.h"
#include <sippush/client.h>
#include "unit.h"

static char tmp[256];
static char sock[320];
static pid_t server = -1;


static void setup(void)
{
	tmp[0] = '\0';
	CU_ASSERT_FATAL(unit_mkdtemp(tmp, sizeof(tmp)) == 0);
	(void)re_snprintf(sock, sizeof(sock), "%s/sock", tmp);
}


static void teardown(void)
{
	if (server > 0) {
		(void)kill(server, SIGKILL);
		(void)waitpid(server, NULL, 0);
	}
	server = -1;
	if (tmp[0])
		(void)unit_rmtree(tmp);
	tmp[0] = '\0';
}


static void puts_(int fd, const char *s)
{
	CU_ASSERT(send(fd, s, strlen(s), MSG_NOSIGNAL) == (ssize_t)strlen(s));
}


/* The next command the library sent, as a string ("" if none). */
static const char *next_cmd(int fd)
{
	static char buf[IPC_CMD_MAX + 1];
	ssize_t n = recv(fd, buf, IPC_CMD_MAX, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}


/* A handle on one end of a socketpair, the test as the daemon. */
static struct sippush *lib_pair(int *dfd)
{
	struct sippush *c;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return NULL;

	puts_(sv[0], "OK sippush 1 test");
	c = sippush_open_fd(sv[1]);
	if (!c) {
		(void)close(sv[0]);
		return NULL;
	}

	UNIT_ASSERT_STR(next_cmd(sv[0]), "HELLO 1");
	*dfd = sv[0];
	return c;
}


static void put_record(int fd, uint64_t id, const char *extra)
{
	char rec[1024];
	int n = re_snprintf(rec, sizeof(rec),
			    "PUSH\nId: %llu\nApp-Id: x-wap-application:mms.ua\n"
			    "Content-Type: text/plain\nContent-Length: 4\n"
			    "Sender: sip:a@b\nTransport: sip-udp\n%s\nbody",
			    (unsigned long long)id, extra);

	CU_ASSERT(send(fd, rec, (size_t)n, MSG_NOSIGNAL) == n);
}


static void test_subscribe_flags(void)
{
	struct sippush *c;
	int d;

	setup();
	c = lib_pair(&d);
	CU_ASSERT_FATAL(c != NULL);

	puts_(d, "OK x-wap-application:mms.ua");
	UNIT_ASSERT_INT(sippush_subscribe_ex(c, "mms.ua", "text/plain",
					     SIPPUSH_SUB_NOSTORE), 0);
	UNIT_ASSERT_STR(next_cmd(d), "SUBSCRIBE mms.ua text/plain nostore");

	puts_(d, "OK x-wap-application:mms.ua");
	UNIT_ASSERT_INT(sippush_subscribe_ex(c, "4", NULL,
					     SIPPUSH_SUB_MONITOR |
					     SIPPUSH_SUB_NOSTORE), 0);
	UNIT_ASSERT_STR(next_cmd(d), "SUBSCRIBE 4 monitor nostore");

	UNIT_ASSERT_INT(sippush_subscribe_ex(c, "4", NULL, 1u << 5), EINVAL);
	UNIT_ASSERT_STR(next_cmd(d), "");

	puts_(d, "OK x-wap-application:mms.ua");
	UNIT_ASSERT_INT(sippush_subscribe(c, "mms.ua", NULL, true), 0);
	UNIT_ASSERT_STR(next_cmd(d), "SUBSCRIBE mms.ua monitor");

	sippush_close(c);
	(void)close(d);
}


static void test_header(void)
{
	struct sippush_push p;
	struct sippush *c;
	int d;

	setup();
	c = lib_pair(&d);
	CU_ASSERT_FATAL(c != NULL);

	CU_ASSERT(sippush_header(c, "Stored") == NULL);

	put_record(d, 5, "Stored: yes\nArrived: 1714000000.250\n"
		   "X-Later-Version: a b c\n");
	put_record(d, 6, "");

	UNIT_ASSERT_INT(sippush_recv(c, &p, 1000), 0);
	UNIT_ASSERT_INT(p.id, 5);
	UNIT_ASSERT_STR(sippush_header(c, "Stored"), "yes");
	UNIT_ASSERT_STR(sippush_header(c, "stored"), "yes");
	UNIT_ASSERT_STR(sippush_header(c, "Arrived"), "1714000000.250");
	UNIT_ASSERT_STR(sippush_header(c, "X-Later-Version"), "a b c");
	UNIT_ASSERT_STR(sippush_header(c, "App-Id"),
			"x-wap-application:mms.ua");
	UNIT_ASSERT_STR(sippush_header(c, "Content-Length"), "4");
	CU_ASSERT(sippush_header(c, "Store") == NULL);
	CU_ASSERT(sippush_header(c, "") == NULL);
	CU_ASSERT(sippush_header(c, NULL) == NULL);
	CU_ASSERT(p.len == 4 && !memcmp(p.body, "body", 4));

	/* the next push has none */
	UNIT_ASSERT_INT(sippush_recv(c, &p, 1000), 0);
	UNIT_ASSERT_INT(p.id, 6);
	CU_ASSERT(sippush_header(c, "Stored") == NULL);
	UNIT_ASSERT_STR(sippush_header(c, "Sender"), "sip:a@b");

	sippush_close(c);
	(void)close(d);
}


static void test_async(void)
{
	struct sippush_push p;
	struct sippush *c;
	int d, n, err;

	setup();
	c = lib_pair(&d);
	CU_ASSERT_FATAL(c != NULL);

	/* nothing is waited for: no reply is there when they return */
	UNIT_ASSERT_INT(sippush_ack_async(c, 41), 0);
	UNIT_ASSERT_INT(sippush_nack_async(c, 42, 486, "Busy Here"), 0);
	UNIT_ASSERT_INT(sippush_nack_async(c, 43, 600, NULL), 0);
	UNIT_ASSERT_STR(next_cmd(d), "ACK 41");
	UNIT_ASSERT_STR(next_cmd(d), "NACK 42 486 Busy Here");
	UNIT_ASSERT_STR(next_cmd(d), "NACK 43 600");

	UNIT_ASSERT_INT(sippush_nack_async(c, 1, 399, NULL), EINVAL);
	UNIT_ASSERT_INT(sippush_nack_async(c, 1, 400, "bad\nreason"),
			EINVAL);
	UNIT_ASSERT_STR(next_cmd(d), "");

	/* their replies come later, before and between pushes: dropped,
	 * the refused one counted */
	puts_(d, "OK");
	put_record(d, 9, "");
	puts_(d, "ERR 404 unknown push id");
	puts_(d, "OK");
	UNIT_ASSERT_INT(sippush_recv(c, &p, 1000), 0);
	UNIT_ASSERT_INT(p.id, 9);
	UNIT_ASSERT_INT(sippush_recv(c, &p, 50), ETIMEDOUT);
	UNIT_ASSERT_INT(sippush_async_errors(c), 1);

	/* and a command in between gets its own reply, not theirs */
	UNIT_ASSERT_INT(sippush_ack_async(c, 9), 0);
	(void)next_cmd(d);
	puts_(d, "ERR 404 unknown push id");
	puts_(d, "OK pong");
	UNIT_ASSERT_INT(sippush_ping(c), 0);
	UNIT_ASSERT_STR(sippush_last_reply(c), "OK pong");
	UNIT_ASSERT_INT(sippush_async_errors(c), 2);
	(void)next_cmd(d);

	/* a daemon that does not read: EAGAIN, never a wait */
	for (n = 0; n < 100000; n++) {
		err = sippush_ack_async(c, (uint64_t)n);
		if (err)
			break;
	}
	UNIT_ASSERT_INT(err, EAGAIN);
	CU_ASSERT(n > 10);
	printf("(EAGAIN after %d) ", n);

	(void)close(d);
	UNIT_ASSERT_INT(sippush_ack_async(c, 1), ECONNRESET);
	sippush_close(c);
}


/* ---- a stand-in daemon on a real socket, in a child process ---------- */

/* How the stand-in behaves in one of its lives. */
struct life {
	int refuse;          /* answer this SUBSCRIBE (1-based) with 409 */
	bool push;           /* send one push once the subscriptions are in */
};


static int listen_on(const char *path)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	str_ncpy(sun.sun_path, path, sizeof(sun.sun_path));
	(void)unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, 4) < 0)
		_exit(10);

	return fd;
}


/* One life: accept one client, answer HELLO and nsub SUBSCRIBEs, write
 * what it got to report, maybe push, then wait for the client to go or
 * for "die" time. */
static void serve(int lfd, int report, int nsub, const struct life *lf,
		  int die_ms)
{
	char buf[IPC_CMD_MAX + 1];
	int fd = accept(lfd, NULL, NULL);
	struct pollfd pfd;

	if (fd < 0)
		_exit(11);

	for (int i = 0; i < 1 + nsub; i++) {
		ssize_t n = recv(fd, buf, IPC_CMD_MAX, 0);
		char reply[128];

		if (n <= 0)
			_exit(12);
		buf[n] = '\0';
		if (write(report, buf, (size_t)n + 1) < 0)
			_exit(13);

		if (i == 0)
			(void)re_snprintf(reply, sizeof(reply),
					  "OK sippush 1 stand-in");
		else if (i == lf->refuse)
			(void)re_snprintf(reply, sizeof(reply),
					  "ERR 409 busy: taken");
		else
			(void)snprintf(reply, sizeof(reply), "OK x:%.*s",
				       (int)strcspn(buf + 10, " "), buf + 10);
		(void)send(fd, reply, strlen(reply), MSG_NOSIGNAL);
	}

	if (lf->push)
		put_record(fd, 77, "");

	pfd.fd = fd;
	pfd.events = POLLIN;
	(void)poll(&pfd, 1, die_ms);
	(void)close(fd);
}


/* Life 1: two subscriptions, then the daemon "restarts": its socket is
 * gone for 300 ms, then a new one takes both again and pushes. */
static void stand_in(int report, const struct life *second)
{
	const struct life first = {0, false};
	int lfd = listen_on(sock);

	serve(lfd, report, 2, &first, 200);
	(void)close(lfd);
	(void)unlink(sock);

	(void)poll(NULL, 0, 300);

	lfd = listen_on(sock);
	serve(lfd, report, 2, second, 5000);
	_exit(0);
}


static struct sippush *open_retry(void)
{
	for (int i = 0; i < 200; i++) {
		struct sippush *c = sippush_open(sock);

		if (c)
			return c;
		(void)poll(NULL, 0, 10);
	}

	return NULL;
}


/* Read NUL-separated commands the stand-in reported, into one string
 * separated by '|'. */
static void reported(int fd, char *out, size_t sz, int want)
{
	size_t len = 0;
	int got = 0;

	out[0] = '\0';
	while (got < want && len + 1 < sz) {
		char ch;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 5000) != 1 || read(fd, &ch, 1) != 1)
			break;
		if (!ch) {
			++got;
			ch = '|';
		}
		out[len++] = ch;
		out[len] = '\0';
	}
}


static void reconnect_case(const struct life *second, int want_err,
			   const char *want_cmds)
{
	struct sippush_push p;
	struct sippush *c;
	char cmds[2048];
	int pfd[2], oldfd;

	setup();
	CU_ASSERT_FATAL(pipe(pfd) == 0);
	server = fork();
	CU_ASSERT_FATAL(server >= 0);
	if (server == 0) {
		(void)close(pfd[0]);
		stand_in(pfd[1], second);
	}
	(void)close(pfd[1]);

	c = open_retry();
	CU_ASSERT_FATAL(c != NULL);
	UNIT_ASSERT_INT(sippush_subscribe_ex(c, "mms.ua", "text/*",
					     SIPPUSH_SUB_NOSTORE), 0);
	UNIT_ASSERT_INT(sippush_subscribe(c, "0x04", NULL, true), 0);
	oldfd = sippush_fd(c);

	/* the daemon goes */
	UNIT_ASSERT_INT(sippush_recv(c, &p, 5000), ECONNRESET);

	UNIT_ASSERT_INT(sippush_reconnect(c, 5000), want_err);
	CU_ASSERT(sippush_fd(c) >= 0);
	(void)oldfd;

	reported(pfd[0], cmds, sizeof(cmds), 6);
	UNIT_ASSERT_STR(cmds, want_cmds);

	if (second->push) {
		UNIT_ASSERT_INT(sippush_recv(c, &p, 5000), 0);
		UNIT_ASSERT_INT(p.id, 77);
	}

	sippush_close(c);
	(void)close(pfd[0]);
}


static void test_reconnect(void)
{
	const struct life ok = {0, true};

	reconnect_case(&ok, 0,
		       "HELLO 1|SUBSCRIBE mms.ua text/* nostore|"
		       "SUBSCRIBE 0x04 monitor|"
		       "HELLO 1|SUBSCRIBE mms.ua text/* nostore|"
		       "SUBSCRIBE 0x04 monitor|");
}


/* One subscription is refused after the restart: the error is told,
 * the other one is made all the same. */
static void test_reconnect_refused(void)
{
	const struct life refuse_first = {1, true};

	reconnect_case(&refuse_first, EBUSY,
		       "HELLO 1|SUBSCRIBE mms.ua text/* nostore|"
		       "SUBSCRIBE 0x04 monitor|"
		       "HELLO 1|SUBSCRIBE mms.ua text/* nostore|"
		       "SUBSCRIBE 0x04 monitor|");
}


static void test_reconnect_limits(void)
{
	struct sippush *c;
	int d;

	setup();

	/* a handle over a descriptor has no path to go back to */
	c = lib_pair(&d);
	CU_ASSERT_FATAL(c != NULL);
	UNIT_ASSERT_INT(sippush_reconnect(c, 100), EINVAL);
	sippush_close(c);
	(void)close(d);
	UNIT_ASSERT_INT(sippush_reconnect(NULL, 100), EINVAL);

	/* nobody comes back: ETIMEDOUT after about the time given */
	{
		const struct life first = {0, false};
		int lfd, pfd[2];

		CU_ASSERT_FATAL(pipe(pfd) == 0);
		server = fork();
		CU_ASSERT_FATAL(server >= 0);
		if (server == 0) {
			(void)close(pfd[0]);
			lfd = listen_on(sock);
			serve(lfd, pfd[1], 0, &first, 100);
			(void)unlink(sock);
			_exit(0);
		}
		(void)close(pfd[1]);

		c = open_retry();
		CU_ASSERT_FATAL(c != NULL);
		UNIT_ASSERT_INT(sippush_recv(c, &(struct sippush_push){0},
					     5000), ECONNRESET);

		UNIT_ASSERT_INT(sippush_reconnect(c, 600), ETIMEDOUT);
		UNIT_ASSERT_INT(sippush_ping(c), ECONNRESET);
		sippush_close(c);
		(void)close(pfd[0]);
	}
}


static CU_TestInfo lib_tests[] = {
	{"subscribe flags: monitor, nostore", test_subscribe_flags},
	{"headers of the last push by name", test_header},
	{"asynchronous ACK/NACK: no wait, replies dropped",
	 test_async},
	{"reconnect: same subscriptions, in order", test_reconnect},
	{"reconnect: a refused subscription is told",
	 test_reconnect_refused},
	{"reconnect: no path, no daemon", test_reconnect_limits},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"libsippush", unit_libre_init, unit_libre_close, NULL, teardown,
	 lib_tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_libsippush", suites);
}
