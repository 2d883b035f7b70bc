/* test_sipstream.c: what recv() gives libre from a sifted SIP TCP connection: whole messages up to junk, then the end of the stream; other sockets untouched. */
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <re.h>
#include "autoconf.h"
#include "fdguard.h"
#include "sipstream.h"
#include "unit.h"

static const char msg1[] =
	"OPTIONS sip:a@127.0.0.1 SIP/2.0\r\n"
	"Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK1\r\n"
	"Content-Length: 4\r\n"
	"\r\n"
	"abcd";


static int listener(struct sockaddr_in *sin)
{
	socklen_t l = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)sin, sizeof(*sin)) ||
	    listen(fd, 8) || getsockname(fd, (struct sockaddr *)sin, &l))
		return -1;

	return fd;
}


/* a connected pair through lfd: *c the dialler, return the accepted */
static int pair(int lfd, const struct sockaddr_in *sin, int *c)
{
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (*c < 0 || connect(*c, (const struct sockaddr *)sin,
			      sizeof(*sin)) < 0)
		return -1;

	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}


/* send all of p, then read once (with a short wait) what recv() gives */
static ssize_t through(int c, int a, const void *p, size_t n, char *buf,
		       size_t sz)
{
	struct timeval tv = { 1, 0 };

	if (send(c, p, n, 0) != (ssize_t)n)
		return -2;

	/* one segment on loopback: all of it is readable at once */
	usleep(20000);
	(void)setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return recv(a, buf, sz, 0);
}


static void test_sift(void)
{
	struct sockaddr_in sin, sin2;
	char buf[8192], junk[3000];
	int lfd, lfd2, c, a;
	ssize_t n;

	UNIT_ASSERT_INT(fdguard_init(), 0);
	lfd  = listener(&sin);
	lfd2 = listener(&sin2);
	CU_ASSERT_FATAL(lfd >= 0 && lfd2 >= 0);
	UNIT_ASSERT_INT(sipstream_listen(lfd), 0);

	/* well-formed messages pass byte for byte, in any split */
	a = pair(lfd, &sin, &c);
	CU_ASSERT_FATAL(a >= 0);
	n = through(c, a, msg1, 20, buf, sizeof(buf));
	UNIT_ASSERT_INT(n, 20);
	n = through(c, a, msg1 + 20, sizeof(msg1) - 21, buf + 20,
		    sizeof(buf) - 20);
	UNIT_ASSERT_INT(n, (ssize_t)sizeof(msg1) - 21);
	CU_ASSERT(!memcmp(buf, msg1, sizeof(msg1) - 1));

	/* a message then junk in one read: the message, then the end */
	memset(junk, 'x', sizeof(junk));
	memcpy(buf, msg1, sizeof(msg1) - 1);
	memcpy(buf + sizeof(msg1) - 1, junk, sizeof(junk));
	n = through(c, a, buf, sizeof(msg1) - 1 + sizeof(junk), buf,
		    sizeof(buf));
	UNIT_ASSERT_INT(n, (ssize_t)sizeof(msg1) - 1);
	UNIT_ASSERT_INT(recv(a, buf, sizeof(buf), 0), 0);
	UNIT_ASSERT_INT(recv(a, buf, sizeof(buf), 0), 0);
	(void)close(a);
	(void)close(c);

	/* a start line that never ends: the end of the stream at once */
	a = pair(lfd, &sin, &c);
	CU_ASSERT_FATAL(a >= 0);
	n = through(c, a, junk, sizeof(junk), buf, sizeof(buf));
	UNIT_ASSERT_INT(n, 0);
	(void)close(a);
	(void)close(c);

	/* the same bytes on another listener (TLS, MSRP): untouched */
	a = pair(lfd2, &sin2, &c);
	CU_ASSERT_FATAL(a >= 0);
	n = through(c, a, junk, sizeof(junk), buf, sizeof(buf));
	UNIT_ASSERT_INT(n, (ssize_t)sizeof(junk));
	(void)close(a);
	(void)close(c);

	/* a sifted descriptor's number reused by a socket of another kind
	 * (its inode differs): not sifted */
	a = pair(lfd, &sin, &c);
	CU_ASSERT_FATAL(a >= 0);
	(void)close(a);
	{
		int sv[2];

		CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
		if (sv[0] != a && sv[1] != a)
			CU_FAIL("descriptor number not reused");
		n = through(sv[0] == a ? sv[1] : sv[0], a, junk, sizeof(junk),
			    buf, sizeof(buf));
		UNIT_ASSERT_INT(n, (ssize_t)sizeof(junk));
		(void)close(sv[0]);
		(void)close(sv[1]);
	}
	(void)close(c);

	/* no Content-Length: framed as no body, as libre does; the stream
	 * goes on */
	a = pair(lfd, &sin, &c);
	CU_ASSERT_FATAL(a >= 0);
	{
		static const char nocl[] =
			"OPTIONS sip:a@127.0.0.1 SIP/2.0\r\n"
			"Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK2\r\n"
			"\r\n";

		n = through(c, a, nocl, sizeof(nocl) - 1, buf, sizeof(buf));
		UNIT_ASSERT_INT(n, (ssize_t)sizeof(nocl) - 1);
		n = through(c, a, msg1, sizeof(msg1) - 1, buf, sizeof(buf));
		UNIT_ASSERT_INT(n, (ssize_t)sizeof(msg1) - 1);
	}
	(void)close(a);
	(void)close(c);

	/* a Content-Length libre would misread (2^32 + 4 is 4 to it)
	 * reaches libre (sipcheck.c answers 400 with the reason); the next
	 * read is the end */
	a = pair(lfd, &sin, &c);
	CU_ASSERT_FATAL(a >= 0);
	{
		static const char wrap[] =
			"OPTIONS sip:a@127.0.0.1 SIP/2.0\r\n"
			"Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK3\r\n"
			"Content-Length: 4294967300\r\n"
			"\r\n"
			"abcd";

		n = through(c, a, wrap, sizeof(wrap) - 1, buf, sizeof(buf));
		UNIT_ASSERT_INT(n, (ssize_t)sizeof(wrap) - 1);
		(void)send(c, msg1, sizeof(msg1) - 1, 0);
		UNIT_ASSERT_INT(recv(a, buf, sizeof(buf), 0), 0);
	}
	(void)close(a);
	(void)close(c);

	sipstream_close();
	(void)close(lfd);
	(void)close(lfd2);
	fdguard_close();
}


static CU_TestInfo tests[] = {
	{"junk ends the stream, the rest passes", test_sift},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"sipstream", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_sipstream", suites);
}
