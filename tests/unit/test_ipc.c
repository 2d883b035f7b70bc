/* test_ipc.c: the local API: codec, client library parser, and the server on a real socket. */
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "push.h"
#include "ipc.h"
#include "appset.h"
#include "router.h"
#include <sippush/client.h>
#include "unit.h"

/* one protocol, two implementations: their limits must agree */
_Static_assert((int)IPC_CMD_MAX == (int)SIPPUSH_CMD_MAX, "command limit");
_Static_assert((int)IPC_REASON_MAX == (int)SIPPUSH_REASON_MAX, "reason limit");
_Static_assert((int)IPC_HDR_MAX == (int)SIPPUSH_HDR_MAX, "header limit");
_Static_assert((int)IPC_BODY_MAX == (int)SIPPUSH_BODY_MAX, "body limit");
_Static_assert((int)IPC_RECORD_MAX == (int)SIPPUSH_RECORD_MAX, "record limit");
_Static_assert((int)APPID_MAX == (int)SIPPUSH_APPID_MAX, "app id limit");
_Static_assert((int)IPC_PROTOCOL == (int)SIPPUSH_PROTOCOL, "version");

/* A body that breaks anything not byte-exact: NULs, CRLF, a blank line
 * and something that looks like a record header. */
static const uint8_t nasty[] = {
	0x00, 'A', '\r', '\n', 0x00, 0x00, 0xff, 0xfe, '\n', '\n',
	'P', 'U', 'S', 'H', '\n', 'I', 'd', ':', ' ', '9', '\n', '\r', 0x00,
};


/* ---- codec: commands -------------------------------------------------- */

static int decode(struct ipc_cmd *cmd, const char *s)
{
	return ipc_cmd_decode(cmd, (const uint8_t *)s, strlen(s));
}


static void test_decode_ok(void)
{
	struct ipc_cmd cmd;
	char buf[IPC_CMD_MAX];

	UNIT_ASSERT_INT(decode(&cmd, "HELLO 1"), 0);
	UNIT_ASSERT_INT(cmd.type, IPC_CMD_HELLO);
	UNIT_ASSERT_INT(cmd.version, 1);

	UNIT_ASSERT_INT(decode(&cmd, "HELLO 1\n"), 0);
	UNIT_ASSERT_INT(cmd.version, 1);
	UNIT_ASSERT_INT(decode(&cmd, "HELLO 000000002"), 0);
	UNIT_ASSERT_INT(cmd.version, 2);

	UNIT_ASSERT_INT(decode(&cmd, "SUBSCRIBE mms.ua"), 0);
	UNIT_ASSERT_INT(cmd.type, IPC_CMD_SUBSCRIBE);
	CU_ASSERT(!pl_strcmp(&cmd.appid, "mms.ua"));
	CU_ASSERT(!pl_isset(&cmd.filter));
	CU_ASSERT(!cmd.monitor);

	UNIT_ASSERT_INT(decode(&cmd, "SUBSCRIBE  0x04   application/*  "
			       "monitor\n"), 0);
	CU_ASSERT(!pl_strcmp(&cmd.appid, "0x04"));
	CU_ASSERT(!pl_strcmp(&cmd.filter, "application/*"));
	CU_ASSERT(cmd.monitor);

	UNIT_ASSERT_INT(decode(&cmd, "SUBSCRIBE x monitor"), 0);
	CU_ASSERT(cmd.monitor);
	CU_ASSERT(!cmd.nostore);
	CU_ASSERT(!pl_isset(&cmd.filter));

	/* nostore: not the pushes stored while the app was away */
	UNIT_ASSERT_INT(decode(&cmd, "SUBSCRIBE x text/* nostore"), 0);
	CU_ASSERT(cmd.nostore);
	CU_ASSERT(!cmd.monitor);
	CU_ASSERT(!pl_strcmp(&cmd.filter, "text/*"));
	CU_ASSERT(!cmd.unwrap);
	UNIT_ASSERT_INT(decode(&cmd, "SUBSCRIBE x text/plain unwrap monitor"),
			0);
	CU_ASSERT(cmd.unwrap && cmd.monitor);
	UNIT_ASSERT_INT(decode(&cmd, "SUBSCRIBE x text/* monitor nostore"),
			0);
	CU_ASSERT(cmd.nostore && cmd.monitor);
	UNIT_ASSERT_INT(decode(&cmd, "SUBSCRIBE x nostore monitor"), 0);
	CU_ASSERT(cmd.nostore && cmd.monitor);
	CU_ASSERT(!pl_isset(&cmd.encodings));

	/* DISPOSED: processed or displayed */
	UNIT_ASSERT_INT(decode(&cmd, "DISPOSED 42 displayed"), 0);
	UNIT_ASSERT_INT(cmd.type, IPC_CMD_DISPOSED);
	UNIT_ASSERT_INT(cmd.push_id, 42);
	CU_ASSERT(cmd.displayed);
	UNIT_ASSERT_INT(decode(&cmd, "DISPOSED 7 processed"), 0);
	UNIT_ASSERT_INT(cmd.push_id, 7);
	CU_ASSERT(!cmd.displayed);

	/* encoding=: the codings the app decodes itself */
	UNIT_ASSERT_INT(decode(&cmd, "SUBSCRIBE x text/* encoding=gzip,BR "
			       "monitor nostore"), 0);
	CU_ASSERT(cmd.nostore && cmd.monitor);
	CU_ASSERT(!pl_strcmp(&cmd.encodings, "gzip,BR"));
	CU_ASSERT(!pl_strcmp(&cmd.filter, "text/*"));

	UNIT_ASSERT_INT(decode(&cmd, "SUBSCRIBE x Text/Plain"), 0);
	CU_ASSERT(!pl_strcmp(&cmd.filter, "Text/Plain"));
	UNIT_ASSERT_INT(decode(&cmd, "SUBSCRIBE x a!#$%&'+-.^_`|~9/b"), 0);

	UNIT_ASSERT_INT(decode(&cmd, "UNSUBSCRIBE"), 0);
	UNIT_ASSERT_INT(cmd.type, IPC_CMD_UNSUBSCRIBE);
	CU_ASSERT(!pl_isset(&cmd.appid));
	UNIT_ASSERT_INT(decode(&cmd, "UNSUBSCRIBE mms.ua"), 0);
	CU_ASSERT(!pl_strcmp(&cmd.appid, "mms.ua"));

	UNIT_ASSERT_INT(decode(&cmd, "ACK 0"), 0);
	UNIT_ASSERT_INT(cmd.type, IPC_CMD_ACK);
	UNIT_ASSERT_INT(cmd.push_id, 0);
	UNIT_ASSERT_INT(decode(&cmd, "ACK 18446744073709551615"), 0);
	CU_ASSERT(cmd.push_id == UINT64_MAX);

	UNIT_ASSERT_INT(decode(&cmd, "NACK 7 400"), 0);
	UNIT_ASSERT_INT(cmd.type, IPC_CMD_NACK);
	UNIT_ASSERT_INT(cmd.push_id, 7);
	UNIT_ASSERT_INT(cmd.code, 400);
	CU_ASSERT(!pl_isset(&cmd.reason));

	UNIT_ASSERT_INT(decode(&cmd, "NACK 7 486   Busy Here"), 0);
	UNIT_ASSERT_INT(cmd.code, 486);
	CU_ASSERT(!pl_strcmp(&cmd.reason, "Busy Here"));
	UNIT_ASSERT_INT(decode(&cmd, "NACK 7 699 a  b  "), 0);
	CU_ASSERT(!pl_strcmp(&cmd.reason, "a  b  "));

	UNIT_ASSERT_INT(decode(&cmd, "STATUS"), 0);
	UNIT_ASSERT_INT(cmd.type, IPC_CMD_STATUS);
	UNIT_ASSERT_INT(decode(&cmd, "PING"), 0);
	UNIT_ASSERT_INT(cmd.type, IPC_CMD_PING);

	/* exactly at the limit: PING and trailing spaces */
	memset(buf, ' ', sizeof(buf));
	memcpy(buf, "PING", 4);
	UNIT_ASSERT_INT(ipc_cmd_decode(&cmd, (uint8_t *)buf, sizeof(buf)), 0);

	/* a reason of exactly 128 characters */
	{
		char line[256];

		memset(line, 0, sizeof(line));
		strcpy(line, "NACK 1 500 ");
		memset(line + strlen(line), 'r', IPC_REASON_MAX);
		UNIT_ASSERT_INT(decode(&cmd, line), 0);
		UNIT_ASSERT_INT(cmd.reason.l, IPC_REASON_MAX);
	}
}


static void test_decode_errors(void)
{
	static const struct {
		const char *in;
		int err;
		const char *why;
	} v[] = {
		{"",                       EINVAL,   "empty"},
		{"\n",                     EINVAL,   "empty"},
		{" PING",                  EINVAL,   "leading space"},
		{"PING\r\n",               EILSEQ,   "bad character"},
		{"PING\t",                 EILSEQ,   "bad character"},
		{"PING\n\n",               EILSEQ,   "bad character"},
		{"PING\x7f",               EILSEQ,   "bad character"},
		{"PING \x80",              EILSEQ,   "bad character"},
		{"SUBSCRIBE m\xc3\xa9",    EILSEQ,   "bad character"},
		{"FOO",                    ENOSYS,   "unknown command"},
		{"ping",                   ENOSYS,   "unknown command"},
		{"HELLO1",                 ENOSYS,   "unknown command"},
		{"HELLO",                  EINVAL,   "usage: HELLO"},
		{"HELLO x",                EINVAL,   "usage: HELLO"},
		{"HELLO -1",               EINVAL,   "usage: HELLO"},
		{"HELLO 1 2",              EINVAL,   "usage: HELLO"},
		{"HELLO 1234567890",       EINVAL,   "usage: HELLO"},
		{"SUBSCRIBE",              EINVAL,   "missing app id"},
		{"SUBSCRIBE a b/c monitor x", EINVAL, "bad argument"},
		{"SUBSCRIBE a b/c monitor nostore encoding=gzip unwrap x",
		 EINVAL, "too many"},
		{"SUBSCRIBE a unwrap unwrap", EINVAL, "twice"},
		{"SUBSCRIBE a unwrap text/plain", EINVAL, "before monitor"},
		{"SUBSCRIBE a encoding=gzip encoding=br", EINVAL, "twice"},
		{"DISPOSED 1",             EINVAL,   "usage: DISPOSED"},
		{"DISPOSED 1 read",        EINVAL,   "usage: DISPOSED"},
		{"DISPOSED x displayed",   EINVAL,   "bad push id"},
		{"DISPOSED 1 displayed x", EINVAL,   "usage: DISPOSED"},
		{"DISPOSED 1 Displayed",   EINVAL,   "usage: DISPOSED"},
		{"SUBSCRIBE a encoding=", EINVAL, "bad argument"},
		{"SUBSCRIBE a encoding=gz/ip", EINVAL, "bad encoding list"},
		{"SUBSCRIBE a encoding=gzip,,br", EINVAL, "bad encoding list"},
		{"SUBSCRIBE a encoding=gzip,", EINVAL, "bad encoding list"},
		{"SUBSCRIBE a encoding=,gzip", EINVAL, "bad encoding list"},
		{"SUBSCRIBE a encoding=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		 EINVAL, "bad encoding list"},
		{"SUBSCRIBE a encoding=gzip text/plain", EINVAL, "before monitor"},
		{"SUBSCRIBE a nostore nostore", EINVAL, "twice"},
		{"SUBSCRIBE a nostore text/plain", EINVAL, "before monitor"},
		{"SUBSCRIBE a NoStore",    EINVAL,   "bad argument"},
		{"SUBSCRIBE a b c d e f g", EINVAL,  "too many"},
		{"SUBSCRIBE a text",       EINVAL,   "bad argument"},
		{"SUBSCRIBE a Monitor",    EINVAL,   "bad argument"},
		{"SUBSCRIBE a monitor monitor", EINVAL, "twice"},
		{"SUBSCRIBE a monitor text/plain", EINVAL, "before monitor"},
		{"SUBSCRIBE a text/plain text/html", EINVAL, "once"},
		{"SUBSCRIBE a text/",      EINVAL,   "bad filter"},
		{"SUBSCRIBE a /plain",     EINVAL,   "bad filter"},
		{"SUBSCRIBE a */*",        EINVAL,   "bad filter"},
		{"SUBSCRIBE a */plain",    EINVAL,   "bad filter"},
		{"SUBSCRIBE a text/pl*in", EINVAL,   "bad filter"},
		{"SUBSCRIBE a text/*x",    EINVAL,   "bad filter"},
		{"SUBSCRIBE a text/plain/x", EINVAL, "bad filter"},
		{"SUBSCRIBE a text/pl(ain", EINVAL,  "bad filter"},
		{"SUBSCRIBE a te\"t/plain", EINVAL,  "bad filter"},
		{"UNSUBSCRIBE a b",        EINVAL,   "usage: UNSUBSCRIBE"},
		{"ACK",                    EINVAL,   "usage: ACK"},
		{"ACK 1 2",                EINVAL,   "usage: ACK"},
		{"ACK x",                  EINVAL,   "bad push id"},
		{"ACK -1",                 EINVAL,   "bad push id"},
		{"ACK +1",                 EINVAL,   "bad push id"},
		{"ACK 0x10",               EINVAL,   "bad push id"},
		{"ACK 18446744073709551616", EINVAL, "bad push id"},
		{"ACK 123456789012345678901", EINVAL, "bad push id"},
		{"NACK",                   EINVAL,   "usage: NACK"},
		{"NACK 1",                 EINVAL,   "usage: NACK"},
		{"NACK x 400",             EINVAL,   "bad push id"},
		{"NACK 1 399",             EINVAL,   "bad code"},
		{"NACK 1 700",             EINVAL,   "bad code"},
		{"NACK 1 40",              EINVAL,   "bad code"},
		{"NACK 1 4000",            EINVAL,   "bad code"},
		{"NACK 1 4x0",             EINVAL,   "bad code"},
		{"STATUS x",               EINVAL,   "usage: STATUS"},
		{"PING x",                 EINVAL,   "usage: PING"},
	};
	struct ipc_cmd cmd;
	char line[IPC_CMD_MAX + 2];

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		char what[160];
		int err = decode(&cmd, v[i].in);

		(void)re_snprintf(what, sizeof(what), "decode \"%s\" = %m "
				  "(%s), want %m (%s)", v[i].in, err,
				  cmd.why ? cmd.why : "-", v[i].err, v[i].why);
		CU_assertImplementation(err == v[i].err && cmd.why &&
					strstr(cmd.why, v[i].why), __LINE__,
					what, __FILE__, "", CU_FALSE);
	}

	/* NUL inside: binary safety is for bodies, not commands */
	UNIT_ASSERT_INT(ipc_cmd_decode(&cmd, (const uint8_t *)"PI\0NG", 5),
			EILSEQ);

	/* one byte over the limit, however harmless */
	memset(line, ' ', sizeof(line));
	memcpy(line, "PING", 4);
	UNIT_ASSERT_INT(ipc_cmd_decode(&cmd, (uint8_t *)line, IPC_CMD_MAX + 1),
			EMSGSIZE);
	UNIT_ASSERT_STR(cmd.why, "command too long");

	/* a reason of 129 characters */
	memset(line, 0, sizeof(line));
	strcpy(line, "NACK 1 500 ");
	memset(line + strlen(line), 'r', IPC_REASON_MAX + 1);
	UNIT_ASSERT_INT(decode(&cmd, line), EINVAL);
	UNIT_ASSERT_STR(cmd.why, "reason too long");

	UNIT_ASSERT_INT(ipc_cmd_decode(NULL, (const uint8_t *)"PING", 4),
			EINVAL);
	UNIT_ASSERT_INT(ipc_cmd_decode(&cmd, NULL, 4), EINVAL);
	UNIT_ASSERT_INT(ipc_cmd_decode(&cmd, NULL, 0), EINVAL);
}


/* ---- codec: push records ---------------------------------------------- */

static void test_encode(void)
{
	static const char want[] =
		"PUSH\nId: 42\nApp-Id: x-wap-application:mms.ua\n"
		"Content-Type: application/vnd.wap.mms-message\n"
		"Content-Length: 23\nSender: sip:+15551234@ims.example\n"
		"Transport: sip-udp\n\n";
	struct push p = {
		.id = 42, .appid = "x-wap-application:mms.ua",
		.ctype = "application/vnd.wap.mms-message",
		.sender = "sip:+15551234@ims.example", .transport = "sip-udp",
		.body = nasty, .len = sizeof(nasty),
	};
	struct mbuf *mb = mbuf_alloc(256);
	const size_t hl = sizeof(want) - 1;

	CU_ASSERT_FATAL(mb != NULL);

	UNIT_ASSERT_INT(ipc_push_encode(mb, &p), 0);
	UNIT_ASSERT_INT(mb->end, hl + sizeof(nasty));
	CU_ASSERT(!memcmp(mb->buf, want, hl));
	CU_ASSERT(!memcmp(mb->buf + hl, nasty, sizeof(nasty)));

	/* no sender, no body */
	mbuf_reset(mb);
	p.sender = NULL;
	p.body   = NULL;
	p.len    = 0;
	UNIT_ASSERT_INT(ipc_push_encode(mb, &p), 0);
	mbuf_write_u8(mb, 0);
	UNIT_ASSERT_CONTAINS((char *)mb->buf, "\nSender: \n");
	UNIT_ASSERT_CONTAINS((char *)mb->buf, "\nContent-Length: 0\n");
	CU_ASSERT(!memcmp(mb->buf + mb->end - 3, "\n\n", 2));

	/* bytes from the network in the sender are escaped, not refused */
	mbuf_reset(mb);
	p.sender = "\"J\xc3\xb6rg\x01\" <sip:j@x>";
	UNIT_ASSERT_INT(ipc_push_encode(mb, &p), 0);
	mbuf_write_u8(mb, 0);
	UNIT_ASSERT_CONTAINS((char *)mb->buf,
			     "\nSender: \"J%C3%B6rg%01\" <sip:j@x>\n");

	/* a stored push says so, and when it came; after Transport */
	mbuf_reset(mb);
	p.sender = "sip:a@b";
	p.arrived = "1714000000.250";
	UNIT_ASSERT_INT(ipc_push_encode(mb, &p), 0);
	mbuf_write_u8(mb, 0);
	UNIT_ASSERT_CONTAINS((char *)mb->buf, "\nTransport: sip-udp\n"
			     "Stored: yes\nArrived: 1714000000.250\n\n");
	p.arrived = "1714000000\n250";
	mbuf_reset(mb);
	UNIT_ASSERT_INT(ipc_push_encode(mb, &p), EINVAL);
	p.arrived = NULL;

	/* the largest body */
	{
		static uint8_t big[IPC_BODY_MAX + 1];

		mbuf_reset(mb);
		p.sender = "sip:a@b";
		p.body = big;
		p.len  = IPC_BODY_MAX;
		UNIT_ASSERT_INT(ipc_push_encode(mb, &p), 0);
		CU_ASSERT(mb->end <= IPC_RECORD_MAX);

		mbuf_reset(mb);
		p.len = IPC_BODY_MAX + 1;
		UNIT_ASSERT_INT(ipc_push_encode(mb, &p), EMSGSIZE);
	}

	mem_deref(mb);
}


static void test_encode_errors(void)
{
	char longv[IPC_LINE_MAX + 8], esc[200];
	struct mbuf *mb = mbuf_alloc(256);
	struct push ok = {
		.id = 1, .appid = "x-wap-application:mms.ua",
		.ctype = "text/plain", .sender = "sip:a@b",
		.transport = "sip-tcp", .body = (const uint8_t *)"x", .len = 1,
	};
	struct push p;

	CU_ASSERT_FATAL(mb != NULL);

	memset(longv, 'a', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	memset(esc, 0x80, sizeof(esc) - 1);   /* 199 bytes, 597 escaped */
	esc[sizeof(esc) - 1] = '\0';

#define ENC_ERR(field, val, want) do {				\
		p = ok; p.field = val; mbuf_reset(mb);		\
		UNIT_ASSERT_INT(ipc_push_encode(mb, &p), want);	\
	} while (0)

	ENC_ERR(appid, NULL, EINVAL);
	ENC_ERR(appid, "", EINVAL);
	ENC_ERR(appid, "x-wap-application:mms ua", EINVAL);
	ENC_ERR(appid, "x-wap-application:mms\nua", EINVAL);
	ENC_ERR(appid, longv + sizeof(longv) - 1 - (APPID_MAX + 1), EINVAL);
	ENC_ERR(ctype, NULL, EINVAL);
	ENC_ERR(ctype, "", EINVAL);
	ENC_ERR(ctype, "text/plain\nId: 666", EINVAL);
	ENC_ERR(ctype, "text/plain\r", EINVAL);
	ENC_ERR(ctype, longv, EINVAL);
	ENC_ERR(transport, NULL, EINVAL);
	ENC_ERR(transport, "", EINVAL);
	ENC_ERR(transport, "sip udp", EINVAL);
	ENC_ERR(sender, longv, EINVAL);
	ENC_ERR(sender, esc, EINVAL);
	ENC_ERR(body, NULL, EINVAL);

#undef ENC_ERR

	UNIT_ASSERT_INT(ipc_push_encode(NULL, &ok), EINVAL);
	UNIT_ASSERT_INT(ipc_push_encode(mb, NULL), EINVAL);

	/* longest App-Id still goes */
	p = ok;
	p.appid = longv + sizeof(longv) - 1 - APPID_MAX;
	mbuf_reset(mb);
	UNIT_ASSERT_INT(ipc_push_encode(mb, &p), 0);

	mem_deref(mb);
}


/* A body passed as a file: the header says so, no bytes follow, and the
 * size limit for inline bodies does not apply. */
static void test_encode_fd(void)
{
	static const char want[] =
		"PUSH\nId: 9\nApp-Id: x-wap-application:mms.ua\n"
		"Content-Type: application/vnd.wap.mms-message\n"
		"Content-Length: 204800\nSender: sip:a@b\n"
		"Transport: msrp\nBody-Fd: 1\n\n";
	struct push p = {
		.id = 9, .appid = "x-wap-application:mms.ua",
		.ctype = "application/vnd.wap.mms-message",
		.sender = "sip:a@b", .transport = "msrp",
		.len = 200 * 1024, .has_fd = true, .fd = 0,
	};
	struct mbuf *mb = mbuf_alloc(256);

	CU_ASSERT_FATAL(mb != NULL);

	UNIT_ASSERT_INT(ipc_push_encode(mb, &p), 0);
	UNIT_ASSERT_INT(mb->end, sizeof(want) - 1);
	CU_ASSERT(mb->end == sizeof(want) - 1 &&
		  !memcmp(mb->buf, want, sizeof(want) - 1));

	/* a file and bytes both: which is the body? */
	mbuf_reset(mb);
	p.body = nasty;
	UNIT_ASSERT_INT(ipc_push_encode(mb, &p), EINVAL);
	p.len = sizeof(nasty);
	UNIT_ASSERT_INT(ipc_push_encode(mb, &p), EINVAL);

	/* an empty file is still a file */
	mbuf_reset(mb);
	p.body = NULL;
	p.len = 0;
	UNIT_ASSERT_INT(ipc_push_encode(mb, &p), 0);
	mbuf_write_u8(mb, 0);
	UNIT_ASSERT_CONTAINS((char *)mb->buf,
			     "\nContent-Length: 0\nSender: sip:a@b\n"
			     "Transport: msrp\nBody-Fd: 1\n\n");

	/* and without has_fd, the same length is too big */
	mbuf_reset(mb);
	p.has_fd = false;
	p.body = nasty;
	p.len = 200 * 1024;
	UNIT_ASSERT_INT(ipc_push_encode(mb, &p), EMSGSIZE);

	mem_deref(mb);
}


/* ---- client library over a socketpair --------------------------------- */

static void put(int fd, const void *p, size_t n)
{
	CU_ASSERT(send(fd, p, n, MSG_NOSIGNAL) == (ssize_t)n);
}


static void puts_(int fd, const char *s)
{
	put(fd, s, strlen(s));
}


static bool readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1;
}


/* The command the library sent last, decoded with the daemon's codec. */
static int take_cmd(int fd, struct ipc_cmd *cmd, uint8_t *buf, size_t sz)
{
	ssize_t n = recv(fd, buf, sz, MSG_DONTWAIT);

	if (n < 0)
		return errno;

	return ipc_cmd_decode(cmd, buf, (size_t)n);
}


/* A library handle on one end of a socketpair, the test on the other:
 * replies are written before the call that waits for them. */
static struct sippush *lib_pair(int *dfd)
{
	struct sippush *c;
	struct ipc_cmd cmd;
	uint8_t buf[IPC_CMD_MAX];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return NULL;

	puts_(sv[0], "OK sippush 1 test");
	c = sippush_open_fd(sv[1]);
	if (!c) {
		(void)close(sv[0]);
		return NULL;
	}

	UNIT_ASSERT_INT(take_cmd(sv[0], &cmd, buf, sizeof(buf)), 0);
	UNIT_ASSERT_INT(cmd.type, IPC_CMD_HELLO);
	UNIT_ASSERT_INT(cmd.version, 1);

	*dfd = sv[0];
	return c;
}


static void hello_with(const char *reply, int want, bool close_peer)
{
	struct sippush *c;
	int sv[2];

	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);

	if (reply)
		puts_(sv[0], reply);
	if (close_peer) {
		(void)close(sv[0]);
		sv[0] = -1;
	}

	errno = 0;
	c = sippush_open_fd(sv[1]);
	if (want) {
		CU_ASSERT(c == NULL);
		UNIT_ASSERT_INT(errno, want);
	}
	else {
		CU_ASSERT(c != NULL);
	}

	sippush_close(c);
	if (sv[0] >= 0)
		(void)close(sv[0]);
}


static void test_lib_handshake(void)
{
	hello_with("OK sippush 1 0.1.0", 0, false);
	hello_with("OK sippush 1", 0, false);
	hello_with("OK sippush 2 0.9", EPROTO, false);
	hello_with("OK sippush 10", EPROTO, false);
	hello_with("OK wpa 1", EPROTO, false);
	hello_with("ERR 505 protocol version not supported", EPROTONOSUPPORT,
		   false);
	hello_with("ERR 503 too many connections", EAGAIN, true);
	hello_with(NULL, ECONNRESET, true);

	errno = 0;
	CU_ASSERT(sippush_open_fd(-1) == NULL);
	UNIT_ASSERT_INT(errno, EBADF);

	errno = 0;
	CU_ASSERT(sippush_open("/nonexistent/sippushd.sock") == NULL);
	UNIT_ASSERT_INT(errno, ENOENT);
}


static void check_push(const struct sippush_push *p, const struct push *w)
{
	UNIT_ASSERT_INT(p->id, w->id);
	UNIT_ASSERT_STR(p->appid, w->appid);
	UNIT_ASSERT_STR(p->ctype, w->ctype);
	UNIT_ASSERT_STR(p->sender, w->sender);
	UNIT_ASSERT_STR(p->transport, w->transport);
	UNIT_ASSERT_INT(p->len, w->len);
	CU_ASSERT(p->len == w->len && !memcmp(p->body, w->body, w->len));
	CU_ASSERT(p->body[p->len] == '\0');
}


static void put_push(int fd, const struct push *p)
{
	struct mbuf *mb = mbuf_alloc(IPC_RECORD_MAX);

	CU_ASSERT_FATAL(mb != NULL);
	UNIT_ASSERT_INT(ipc_push_encode(mb, p), 0);
	put(fd, mb->buf, mb->end);
	mem_deref(mb);
}


static void test_lib_roundtrip(void)
{
	static uint8_t big[IPC_BODY_MAX];
	struct push w1 = {
		.id = 7, .appid = "x-wap-application:mms.ua",
		.ctype = "application/vnd.wap.mms-message",
		.sender = "sip:+15551234@ims.example;user=phone",
		.transport = "sip-udp", .body = nasty, .len = sizeof(nasty),
	};
	struct push w2 = {
		.id = UINT64_MAX, .appid = "x-oma-application:ulp.ua",
		.ctype = "application/octet-stream", .sender = "",
		.transport = "msrp", .body = big, .len = sizeof(big),
	};
	struct sippush_push p;
	struct sippush *c;
	struct ipc_cmd cmd;
	uint8_t buf[IPC_CMD_MAX];
	char st[64];
	int d;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + (i >> 8));

	c = lib_pair(&d);
	CU_ASSERT_FATAL(c != NULL);

	UNIT_ASSERT_INT(sippush_recv(c, &p, 0), EAGAIN);
	UNIT_ASSERT_INT(sippush_recv(c, &p, 20), ETIMEDOUT);

	/* records before the reply are kept for later, in order */
	put_push(d, &w1);
	put_push(d, &w2);
	puts_(d, "OK x-wap-application:mms.ua");
	UNIT_ASSERT_INT(sippush_subscribe(c, "mms.ua", "application/*", true),
			0);
	UNIT_ASSERT_STR(sippush_last_reply(c), "OK x-wap-application:mms.ua");
	UNIT_ASSERT_INT(sippush_pending(c), 2);

	UNIT_ASSERT_INT(take_cmd(d, &cmd, buf, sizeof(buf)), 0);
	UNIT_ASSERT_INT(cmd.type, IPC_CMD_SUBSCRIBE);
	CU_ASSERT(!pl_strcmp(&cmd.appid, "mms.ua"));
	CU_ASSERT(!pl_strcmp(&cmd.filter, "application/*"));
	CU_ASSERT(cmd.monitor);

	UNIT_ASSERT_INT(sippush_recv(c, &p, 0), 0);
	check_push(&p, &w1);

	/* the push stays valid across commands */
	puts_(d, "OK");
	UNIT_ASSERT_INT(sippush_ack(c, p.id), 0);
	UNIT_ASSERT_INT(take_cmd(d, &cmd, buf, sizeof(buf)), 0);
	UNIT_ASSERT_INT(cmd.type, IPC_CMD_ACK);
	UNIT_ASSERT_INT(cmd.push_id, 7);
	check_push(&p, &w1);

	UNIT_ASSERT_INT(sippush_recv(c, &p, 0), 0);
	check_push(&p, &w2);
	UNIT_ASSERT_INT(sippush_pending(c), 0);

	puts_(d, "OK");
	UNIT_ASSERT_INT(sippush_nack(c, UINT64_MAX, 486, "Busy Here"), 0);
	UNIT_ASSERT_INT(take_cmd(d, &cmd, buf, sizeof(buf)), 0);
	UNIT_ASSERT_INT(cmd.type, IPC_CMD_NACK);
	CU_ASSERT(cmd.push_id == UINT64_MAX);
	UNIT_ASSERT_INT(cmd.code, 486);
	CU_ASSERT(!pl_strcmp(&cmd.reason, "Busy Here"));

	puts_(d, "OK");
	UNIT_ASSERT_INT(sippush_nack(c, 3, 600, NULL), 0);
	UNIT_ASSERT_INT(take_cmd(d, &cmd, buf, sizeof(buf)), 0);
	UNIT_ASSERT_INT(cmd.code, 600);
	CU_ASSERT(!pl_isset(&cmd.reason));

	puts_(d, "OK");
	UNIT_ASSERT_INT(sippush_unsubscribe(c, NULL), 0);
	UNIT_ASSERT_INT(take_cmd(d, &cmd, buf, sizeof(buf)), 0);
	UNIT_ASSERT_INT(cmd.type, IPC_CMD_UNSUBSCRIBE);
	CU_ASSERT(!pl_isset(&cmd.appid));

	puts_(d, "OK");
	UNIT_ASSERT_INT(sippush_unsubscribe(c, "4"), 0);
	UNIT_ASSERT_INT(take_cmd(d, &cmd, buf, sizeof(buf)), 0);
	CU_ASSERT(!pl_strcmp(&cmd.appid, "4"));

	puts_(d, "OK pong");
	UNIT_ASSERT_INT(sippush_ping(c), 0);
	UNIT_ASSERT_INT(take_cmd(d, &cmd, buf, sizeof(buf)), 0);
	UNIT_ASSERT_INT(cmd.type, IPC_CMD_PING);

	puts_(d, "OK\nprotocol=1\nversion=x\n");
	UNIT_ASSERT_INT(sippush_status(c, st, sizeof(st)), 0);
	UNIT_ASSERT_STR(st, "protocol=1\nversion=x\n");
	UNIT_ASSERT_INT(take_cmd(d, &cmd, buf, sizeof(buf)), 0);
	UNIT_ASSERT_INT(cmd.type, IPC_CMD_STATUS);

	puts_(d, "OK\nprotocol=1\nversion=x\n");
	UNIT_ASSERT_INT(sippush_status(c, st, 5), ERANGE);
	UNIT_ASSERT_STR(st, "prot");
	(void)take_cmd(d, &cmd, buf, sizeof(buf));

	/* ERR codes become errno values */
	{
		static const struct {
			const char *reply;
			int err;
		} v[] = {
			{"ERR 400 bad app id (malformed)", EINVAL},
			{"ERR 403 not authorised", EPERM},
			{"ERR 404 not subscribed", ENOENT},
			{"ERR 405 unknown command", ENOSYS},
			{"ERR 409 busy: x has an owner", EBUSY},
			{"ERR 413 command too long", EMSGSIZE},
			{"ERR 428 HELLO first", EPROTO},
			{"ERR 429 too many", ENOSPC},
			{"ERR 499", EINVAL},
			{"ERR 500 internal error", EIO},
			{"ERR 599 new", EIO},
			{"ERR 40 short", EPROTO},
			{"ERR 4000 long", EPROTO},
			{"ERR abc", EPROTO},
		};

		for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
			puts_(d, v[i].reply);
			UNIT_ASSERT_INT(sippush_subscribe(c, "mms.ua", NULL,
							  false), v[i].err);
			UNIT_ASSERT_STR(sippush_last_reply(c), v[i].reply);
			(void)take_cmd(d, &cmd, buf, sizeof(buf));
		}
	}

	/* the daemon goes away */
	(void)close(d);
	UNIT_ASSERT_INT(sippush_recv(c, &p, 1000), ECONNRESET);
	UNIT_ASSERT_INT(sippush_ping(c), ECONNRESET);

	sippush_close(c);
}


/* A command that gave up leaves its reply owed: the next one skips it. */
static void test_lib_late_reply(void)
{
	struct sippush *c;
	struct ipc_cmd cmd;
	uint8_t buf[IPC_CMD_MAX];
	int d;

	c = lib_pair(&d);
	CU_ASSERT_FATAL(c != NULL);

	sippush_set_timeout(c, 30);
	UNIT_ASSERT_INT(sippush_ping(c), ETIMEDOUT);
	UNIT_ASSERT_INT(take_cmd(d, &cmd, buf, sizeof(buf)), 0);

	puts_(d, "ERR 500 late");
	puts_(d, "OK pong");
	sippush_set_timeout(c, 2000);
	UNIT_ASSERT_INT(sippush_ping(c), 0);
	UNIT_ASSERT_STR(sippush_last_reply(c), "OK pong");

	/* a late reply met by sippush_recv() is skipped there too */
	sippush_set_timeout(c, 30);
	UNIT_ASSERT_INT(sippush_ping(c), ETIMEDOUT);
	puts_(d, "OK pong");
	UNIT_ASSERT_INT(sippush_recv(c, &(struct sippush_push){0}, 50),
			ETIMEDOUT);
	puts_(d, "ERR 404 not yours");
	sippush_set_timeout(c, 2000);
	UNIT_ASSERT_INT(sippush_ack(c, 1), ENOENT);

	(void)close(d);
	sippush_close(c);
}


/* Arguments that would break the one-line syntax never leave the app. */
static void test_lib_args(void)
{
	char longid[SIPPUSH_CMD_MAX + 1], reason[SIPPUSH_REASON_MAX + 2];
	struct sippush *c;
	int d;

	c = lib_pair(&d);
	CU_ASSERT_FATAL(c != NULL);

	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';

	UNIT_ASSERT_INT(sippush_subscribe(c, NULL, NULL, false), EINVAL);
	UNIT_ASSERT_INT(sippush_subscribe(c, "", NULL, false), EINVAL);
	UNIT_ASSERT_INT(sippush_subscribe(c, "mms.ua monitor", NULL, false),
			EINVAL);
	UNIT_ASSERT_INT(sippush_subscribe(c, "mms.ua\nACK 1", NULL, false),
			EINVAL);
	UNIT_ASSERT_INT(sippush_subscribe(c, longid, NULL, false), EINVAL);
	UNIT_ASSERT_INT(sippush_subscribe(c, "mms.ua", "text", false), EINVAL);
	UNIT_ASSERT_INT(sippush_subscribe(c, "mms.ua", "text/plain monitor",
					  false), EINVAL);
	UNIT_ASSERT_INT(sippush_subscribe(c, "mms.ua", "", false), EINVAL);
	UNIT_ASSERT_INT(sippush_unsubscribe(c, "a b"), EINVAL);
	UNIT_ASSERT_INT(sippush_nack(c, 1, 399, NULL), EINVAL);
	UNIT_ASSERT_INT(sippush_nack(c, 1, 700, NULL), EINVAL);
	UNIT_ASSERT_INT(sippush_nack(c, 1, 486, "Busy\nACK 2"), EINVAL);
	UNIT_ASSERT_INT(sippush_nack(c, 1, 486, "Busy\r"), EINVAL);
	UNIT_ASSERT_INT(sippush_nack(c, 1, 486, reason), EINVAL);
	UNIT_ASSERT_INT(sippush_status(c, NULL, 10), EINVAL);
	UNIT_ASSERT_INT(sippush_recv(c, NULL, 0), EINVAL);
	UNIT_ASSERT_INT(sippush_ping(NULL), EINVAL);
	UNIT_ASSERT_INT(sippush_fd(NULL), -1);
	UNIT_ASSERT_INT(sippush_pending(NULL), 0);
	UNIT_ASSERT_STR(sippush_last_reply(NULL), "");

	CU_ASSERT(!readable(d));   /* nothing was sent */

	(void)close(d);
	sippush_close(c);
	sippush_close(NULL);
}


#define HDR(id, len) "PUSH\nId: " id "\nApp-Id: x-wap-application:mms.ua\n" \
	"Content-Type: text/plain\nContent-Length: " len "\n" \
	"Sender: sip:a@b\nTransport: sip-udp\n\n"

/* What a broken or hostile daemon could send: each is skipped with
 * EBADMSG (EMSGSIZE if over-long), and the next good one gets through. */
static void test_lib_malformed(void)
{
	static const char *const bad[] = {
		"PUSH\n",
		"PUSH\nId: 1\n",                                  /* truncated */
		HDR("1", "10") "12345",                           /* short body */
		HDR("1", "3") "12345",                            /* long body */
		HDR("1", "-1"),
		HDR("1", "70000"),
		HDR("1", "1x") "1",
		HDR("x", "0"),
		HDR("", "0"),
		HDR("-1", "0"),
		HDR("18446744073709551616", "0"),
		"PUSH\nApp-Id: a\nContent-Type: t/t\nContent-Length: 0\n"
		"Sender: \nTransport: x\n\n",                     /* no Id */
		"PUSH\nId: 1\nContent-Type: t/t\nContent-Length: 0\n"
		"Sender: \nTransport: x\n\n",                     /* no App-Id */
		"PUSH\nId: 1\nApp-Id: a\nContent-Type: t/t\nContent-Length: 0\n"
		"Sender: \n\n",                                   /* no Transport */
		"PUSH\nId: 1\nApp-Id: a\nContent-Type: t/t\n"
		"Sender: \nTransport: x\n\n",                     /* no length */
		"PUSH\nId: 1\nId: 2\nApp-Id: a\nContent-Type: t/t\n"
		"Content-Length: 0\nSender: \nTransport: x\n\n",  /* twice */
		"PUSH\nId: 1\nApp-Id: \nContent-Type: t/t\n"
		"Content-Length: 0\nSender: \nTransport: x\n\n",  /* empty app */
		"PUSH\nId:1\nApp-Id: a\nContent-Type: t/t\n"
		"Content-Length: 0\nSender: \nTransport: x\n\n",  /* no SP */
		"PUSH\nI d: 1\nApp-Id: a\nContent-Type: t/t\n"
		"Content-Length: 0\nSender: \nTransport: x\n\n",  /* bad name */
		"PUSH\n: 1\nId: 1\nApp-Id: a\nContent-Type: t/t\n"
		"Content-Length: 0\nSender: \nTransport: x\n\n",  /* no name */
		"PUSH\nId: 1\nApp-Id: a\r\nContent-Type: t/t\n"
		"Content-Length: 0\nSender: \nTransport: x\n\n",  /* CR */
		"PUSH\nId: 1\nApp-Id: a\nContent-Type: t/t\tx\n"
		"Content-Length: 0\nSender: \nTransport: x\n\n",  /* TAB */
		"PUSH\r\nId: 1\n",                                /* not a record */
		"PUSHX\n",
		"HELLO",
		"",
	};
	struct push good = {
		.id = 99, .appid = "x-wap-application:mms.ua",
		.ctype = "text/plain", .sender = "sip:a@b",
		.transport = "sip-tls", .body = nasty, .len = sizeof(nasty),
	};
	char rec[IPC_HDR_MAX + 600];
	struct sippush_push p;
	struct sippush *c;
	size_t n;
	int d;

	c = lib_pair(&d);
	CU_ASSERT_FATAL(c != NULL);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char what[80];
		int err;

		/* "" would read as end of stream: an empty message is the
		 * one thing the daemon never sends, tested separately */
		if (!*bad[i])
			continue;

		puts_(d, bad[i]);
		err = sippush_recv(c, &p, 1000);
		(void)re_snprintf(what, sizeof(what), "bad record %zu: %m",
				  i, err);
		CU_assertImplementation(err == EBADMSG, __LINE__, what,
					__FILE__, "", CU_FALSE);
	}

	/* NUL inside a header line */
	{
		static const char nul[] = "PUSH\nId: 1\0\nApp-Id: a\n"
			"Content-Type: t/t\nContent-Length: 0\nSender: \n"
			"Transport: x\n\n";

		put(d, nul, sizeof(nul) - 1);
	}
	UNIT_ASSERT_INT(sippush_recv(c, &p, 1000), EBADMSG);

	/* a header line over 512 bytes */
	n = (size_t)snprintf(rec, sizeof(rec), "PUSH\nX-Long: %0*d\n", 510, 0);
	n += (size_t)snprintf(rec + n, sizeof(rec) - n, "%s", HDR("1", "0") + 5);
	put(d, rec, n);
	UNIT_ASSERT_INT(sippush_recv(c, &p, 1000), EBADMSG);

	/* a header block over 2048 bytes, every line fine */
	n = (size_t)snprintf(rec, sizeof(rec), "PUSH\n");
	for (int i = 0; i < 5; i++)
		n += (size_t)snprintf(rec + n, sizeof(rec) - n,
				      "X-Pad: %0*d\n", 400, i);
	n += (size_t)snprintf(rec + n, sizeof(rec) - n, "%s", HDR("1", "0") + 5);
	put(d, rec, n);
	UNIT_ASSERT_INT(sippush_recv(c, &p, 1000), EBADMSG);

	/* a message longer than any record */
	{
		static uint8_t huge[IPC_RECORD_MAX + 100];

		memcpy(huge, "PUSH\n", 5);
		put(d, huge, sizeof(huge));
		UNIT_ASSERT_INT(sippush_recv(c, &p, 1000), EMSGSIZE);
	}

	/* a header from a later version is ignored; names are caseless */
	puts_(d, "PUSH\nid: 5\nX-Future: yes\nApp-Id: a\nCONTENT-TYPE: t/t\n"
	      "Content-Length: 2\nSender: \nTransport: x\n\nhi");
	UNIT_ASSERT_INT(sippush_recv(c, &p, 1000), 0);
	UNIT_ASSERT_INT(p.id, 5);
	UNIT_ASSERT_STR(p.ctype, "t/t");
	UNIT_ASSERT_STR((const char *)p.body, "hi");

	/* a bad record met while waiting for a reply keeps its place */
	puts_(d, "PUSH\nbroken");
	put_push(d, &good);
	puts_(d, "OK pong");
	UNIT_ASSERT_INT(sippush_ping(c), 0);
	UNIT_ASSERT_INT(sippush_pending(c), 2);
	UNIT_ASSERT_INT(sippush_recv(c, &p, 0), EBADMSG);
	UNIT_ASSERT_INT(sippush_recv(c, &p, 0), 0);
	check_push(&p, &good);

	(void)close(d);
	sippush_close(c);
}


/* ---- bodies as file descriptors --------------------------------------- */

enum { FD_BODY = 200 * 1024 };   /* more than IPC_BODY_MAX */
_Static_assert((int)FD_BODY > (int)IPC_BODY_MAX, "a large body");

static uint8_t fd_pat(size_t i, unsigned seed)
{
	return (uint8_t)(((i + seed) * 2654435761u) >> 13);
}


/* Open descriptors of this process. */
static int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;

	while ((de = readdir(d)))
		n += de->d_name[0] != '.';

	(void)closedir(d);
	return n - 1;   /* not the one opendir used */
}


/* A file of len bytes of pattern seed, opened read-only at offset 0. */
static int fd_file(const char *path, size_t len, unsigned seed)
{
	uint8_t *b = mem_alloc(len ? len : 1, NULL);
	int fd = -1;

	if (!b)
		return -1;

	for (size_t i = 0; i < len; i++)
		b[i] = fd_pat(i, seed);

	if (!unit_write_file(path, b, len))
		fd = open(path, O_RDONLY | O_CLOEXEC);

	mem_deref(b);
	return fd;
}


/* Does the file behind fd hold exactly len bytes of pattern seed, read
 * from its current position? */
static bool fd_holds(int fd, size_t len, unsigned seed)
{
	uint8_t b[8192];
	size_t got = 0;

	for (;;) {
		ssize_t n = read(fd, b, sizeof(b));

		if (n < 0)
			return false;
		if (n == 0)
			break;

		for (ssize_t i = 0; i < n; i++)
			if (got + (size_t)i >= len ||
			    b[i] != fd_pat(got + (size_t)i, seed))
				return false;
		got += (size_t)n;
	}

	return got == len;
}


/* One message with descriptors beside it (SCM_RIGHTS). */
static void put_fds(int sock, const void *p, size_t n, const int *fds,
		    int nfds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} ctl;
	struct iovec iov = { (void *)p, n };
	struct msghdr mh;
	struct cmsghdr *cm;

	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_iov        = &iov;
	mh.msg_iovlen     = 1;
	mh.msg_control    = ctl.buf;
	mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));

	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type  = SCM_RIGHTS;
	cm->cmsg_len   = CMSG_LEN((size_t)nfds * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));

	CU_ASSERT(sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)n);
}


static void put_push_fd(int sock, const struct push *p)
{
	struct mbuf *mb = mbuf_alloc(IPC_HDR_MAX);

	CU_ASSERT_FATAL(mb != NULL);
	UNIT_ASSERT_INT(ipc_push_encode(mb, p), 0);
	put_fds(sock, mb->buf, mb->end, &p->fd, 1);
	mem_deref(mb);
}


#define FDHDR(len) "PUSH\nId: 3\nApp-Id: x-wap-application:mms.ua\n" \
	"Content-Type: text/plain\nContent-Length: " len "\n" \
	"Sender: sip:a@b\nTransport: msrp\nBody-Fd: 1\n\n"

static void test_lib_fd(void)
{
	struct push w = {
		.id = 77, .appid = "x-oma-application:ulp.ua",
		.ctype = "application/octet-stream", .sender = "sip:b@c",
		.transport = "msrps", .len = FD_BODY, .has_fd = true,
	};
	char dir[256], file[300];
	struct sippush_push p;
	struct sippush *c;
	struct stat st1, st2;
	int d, base, fd, two[2];

	CU_ASSERT_FATAL(unit_mkdtemp(dir, sizeof(dir)) == 0);
	CU_ASSERT_FATAL(re_snprintf(file, sizeof(file), "%s/body", dir) > 0);

	c = lib_pair(&d);
	CU_ASSERT_FATAL(c != NULL);
	base = fd_count();
	CU_ASSERT_FATAL(base > 0);

	/* the push, and the sender's copy closed at once */
	w.fd = fd_file(file, FD_BODY, 1);
	CU_ASSERT_FATAL(w.fd >= 0);
	CU_ASSERT(fstat(w.fd, &st1) == 0);
	put_push_fd(d, &w);
	(void)close(w.fd);
	UNIT_ASSERT_INT(fd_count(), base);

	memset(&p, 0x5a, sizeof(p));
	UNIT_ASSERT_INT(sippush_recv(c, &p, 1000), 0);
	UNIT_ASSERT_INT(p.id, 77);
	UNIT_ASSERT_STR(p.appid, w.appid);
	UNIT_ASSERT_STR(p.ctype, w.ctype);
	UNIT_ASSERT_STR(p.sender, w.sender);
	UNIT_ASSERT_STR(p.transport, "msrps");
	CU_ASSERT_PTR_NULL(p.body);
	UNIT_ASSERT_INT(p.len, FD_BODY);
	CU_ASSERT_FATAL(p.fd >= 0);
	CU_ASSERT(fstat(p.fd, &st2) == 0 && st2.st_ino == st1.st_ino &&
		  st2.st_dev == st1.st_dev && st2.st_size == FD_BODY);
	CU_ASSERT(fd_holds(p.fd, FD_BODY, 1));
	UNIT_ASSERT_INT(fd_count(), base + 1);

	/* valid until the next sippush_recv(), then closed */
	UNIT_ASSERT_INT(sippush_recv(c, &p, 0), EAGAIN);
	UNIT_ASSERT_INT(fd_count(), base);

	/* inline bodies say fd -1 */
	puts_(d, HDR("4", "2") "hi");
	UNIT_ASSERT_INT(sippush_recv(c, &p, 1000), 0);
	UNIT_ASSERT_INT(p.fd, -1);
	UNIT_ASSERT_INT(p.len, 2);
	CU_ASSERT(p.body && !memcmp(p.body, "hi", 3));

	/* Body-Fd without a descriptor */
	puts_(d, FDHDR("204800"));
	UNIT_ASSERT_INT(sippush_recv(c, &p, 1000), EBADMSG);
	puts_(d, FDHDR("0"));
	UNIT_ASSERT_INT(sippush_recv(c, &p, 1000), EBADMSG);

	/* a descriptor without Body-Fd: refused, and not left open */
	fd = fd_file(file, 2, 2);
	CU_ASSERT_FATAL(fd >= 0);
	put_fds(d, HDR("5", "2") "hi", strlen(HDR("5", "2") "hi"), &fd, 1);
	(void)close(fd);
	UNIT_ASSERT_INT(sippush_recv(c, &p, 1000), EBADMSG);
	UNIT_ASSERT_INT(fd_count(), base);

	/* descriptors with records that are wrong otherwise: the same */
	{
		static const char *const bad[] = {
			FDHDR("2") "hi",                   /* bytes as well */
			"PUSH\nId: 3\nApp-Id: a\nContent-Type: t/t\n"
			"Content-Length: 5\nSender: \nTransport: msrp\n"
			"Body-Fd: 2\n\n",
			"PUSH\nId: 3\nApp-Id: a\nContent-Type: t/t\n"
			"Content-Length: 5\nSender: \nTransport: msrp\n"
			"Body-Fd: yes\n\n",
			"PUSH\nApp-Id: a\nContent-Type: t/t\n"
			"Content-Length: 5\nSender: \nTransport: msrp\n"
			"Body-Fd: 1\n\n",                  /* no Id */
			"PUSH\nId: 3\nApp-Id: a\nContent-Type: t/t\n"
			"Content-Length: x\nSender: \nTransport: msrp\n"
			"Body-Fd: 1\n\n",
			"PUSH\nId: 3\nApp-Id: a\nContent-Type: t/t\n"
			"Content-Length: 5\nSender: \nTransport: msrp\n"
			"Body-Fd: 1\nBody-Fd: 1\n\n",
		};

		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			char what[80];
			int err, n;

			fd = fd_file(file, 5, 3);
			CU_ASSERT_FATAL(fd >= 0);
			put_fds(d, bad[i], strlen(bad[i]), &fd, 1);
			(void)close(fd);
			err = sippush_recv(c, &p, 1000);
			n = fd_count();
			(void)re_snprintf(what, sizeof(what), "bad fd record "
					  "%zu: %m, %d fds (want %d)", i, err,
					  n, base);
			CU_assertImplementation(err == EBADMSG && n == base,
						__LINE__, what, __FILE__, "",
						CU_FALSE);
		}
	}

	/* with a message that is no record at all: closed by the next
	 * read at the latest */
	fd = fd_file(file, 5, 3);
	CU_ASSERT_FATAL(fd >= 0);
	put_fds(d, "GARBAGE", 7, &fd, 1);
	(void)close(fd);
	UNIT_ASSERT_INT(sippush_recv(c, &p, 1000), EBADMSG);
	UNIT_ASSERT_INT(sippush_recv(c, &p, 0), EAGAIN);
	UNIT_ASSERT_INT(fd_count(), base);

	/* two descriptors: one is handed over at most, none is leaked */
	w.len = 5;
	two[0] = fd_file(file, 5, 4);
	two[1] = open(file, O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(two[0] >= 0 && two[1] >= 0);
	{
		struct mbuf *mb = mbuf_alloc(IPC_HDR_MAX);

		CU_ASSERT_FATAL(mb != NULL);
		UNIT_ASSERT_INT(ipc_push_encode(mb, &w), 0);
		put_fds(d, mb->buf, mb->end, two, 2);
		mem_deref(mb);
	}
	(void)close(two[0]);
	(void)close(two[1]);
	(void)sippush_recv(c, &p, 1000);
	CU_ASSERT(fd_count() <= base + 1);
	UNIT_ASSERT_INT(sippush_recv(c, &p, 0), EAGAIN);
	UNIT_ASSERT_INT(fd_count(), base);

	/* arriving while a command waits: kept with its record */
	w.len = FD_BODY;
	w.id = 78;
	w.fd = fd_file(file, FD_BODY, 5);
	CU_ASSERT_FATAL(w.fd >= 0);
	put_push_fd(d, &w);
	(void)close(w.fd);
	(void)unlink(file);        /* the name is not needed */
	puts_(d, "OK pong");
	UNIT_ASSERT_INT(sippush_ping(c), 0);
	UNIT_ASSERT_INT(sippush_pending(c), 1);
	{
		struct ipc_cmd cmd;
		uint8_t buf[IPC_CMD_MAX];

		UNIT_ASSERT_INT(take_cmd(d, &cmd, buf, sizeof(buf)), 0);
	}
	UNIT_ASSERT_INT(sippush_recv(c, &p, 0), 0);
	UNIT_ASSERT_INT(p.id, 78);
	CU_ASSERT_PTR_NULL(p.body);
	UNIT_ASSERT_INT(p.len, FD_BODY);
	CU_ASSERT(p.fd >= 0 && fd_holds(p.fd, FD_BODY, 5));

	/* closing the handle closes what it holds: the current push's
	 * descriptor and one still queued */
	w.id = 79;
	w.fd = fd_file(file, 10, 6);
	w.len = 10;
	CU_ASSERT_FATAL(w.fd >= 0);
	put_push_fd(d, &w);
	(void)close(w.fd);
	puts_(d, "OK pong");
	UNIT_ASSERT_INT(sippush_ping(c), 0);
	UNIT_ASSERT_INT(sippush_pending(c), 1);
	UNIT_ASSERT_INT(fd_count(), base + 2);

	(void)close(d);
	sippush_close(c);
	UNIT_ASSERT_INT(fd_count(), base - 2);   /* d and the handle's */

	CU_ASSERT(unit_rmtree(dir) == 0);
}


/* ---- the server on a real socket -------------------------------------- */

struct srv {
	struct ipc *ipc;
	struct appset *apps;       /* the router is the record of */
	struct router *router;     /* subscriptions, as in the daemon */
	struct ipc_client *last;
	char app[APPID_SIZE];
	char filter[64];
	bool monitor;
	int subret;
	int ackret;
	unsigned subs, unsubs, acks, nacks, gone;
	char unsub_app[APPID_SIZE];
	bool unsub_all;
	uint64_t ack_id, nack_id;
	uint16_t nack_code;
	char nack_reason[IPC_REASON_MAX + 1];
	bool nack_null;
	struct ipc_client *gone_client;

	/* the round trip */
	char path[300];
	struct ipc_client *owner, *staller;
	struct tmr tmr;
	int stall_fd;
	unsigned flooded;
	int flood_err, flood_again, big_err, owner_after_big;
	bool acked7, acked100, staller_gone, owner_gone, nacked101;
};


static int srv_subscribe(struct ipc_client *c, const char *appid,
			 const char *filter, bool monitor,
			 const struct router_opts *opts, void *arg)
{
	struct srv *s = arg;
	(void)opts;

	++s->subs;
	s->last = c;
	str_ncpy(s->app, appid, sizeof(s->app));
	str_ncpy(s->filter, filter ? filter : "", sizeof(s->filter));
	s->monitor = monitor;

	if (s->subret || !s->router)
		return s->subret;

	return router_subscribe(s->router, c, appid, filter, monitor);
}


/* counts only what the router had: "nothing left to tell" is ENOENT */
static int srv_unsubscribe(struct ipc_client *c, const char *appid,
			   void *arg)
{
	struct srv *s = arg;
	int err;

	err = router_unsubscribe(s->router, c, appid);
	if (err)
		return err;

	++s->unsubs;
	s->unsub_all = !appid;
	str_ncpy(s->unsub_app, appid ? appid : "", sizeof(s->unsub_app));

	return 0;
}


static bool is_monitor(const struct srv *s, const struct ipc_client *c,
		       const char *appid)
{
	bool monitor = false;

	return router_subscribed(s->router, c, appid, &monitor) && monitor;
}


static int srv_ack(struct ipc_client *c, uint64_t id, void *arg)
{
	struct srv *s = arg;
	(void)c;

	++s->acks;
	s->ack_id = id;

	return s->ackret;
}


static int srv_nack(struct ipc_client *c, uint64_t id, uint16_t code,
		    const char *reason, void *arg)
{
	struct srv *s = arg;
	(void)c;

	++s->nacks;
	s->nack_id   = id;
	s->nack_code = code;
	s->nack_null = !reason;
	str_ncpy(s->nack_reason, reason ? reason : "", sizeof(s->nack_reason));

	return 0;
}


static void srv_gone(struct ipc_client *c, void *arg)
{
	struct srv *s = arg;

	++s->gone;
	s->gone_client = c;
	(void)router_unsubscribe(s->router, c, NULL);
}


static int srv_status(struct ipc_client *c, struct re_printf *pf, void *arg)
{
	struct srv *s = arg;
	(void)c;

	return re_hprintf(pf, "test_key=42\nclients=%u\ndropped=%u\n",
			  ipc_clients(s->ipc), ipc_dropped(s->ipc));
}


static const struct ipc_handlers srv_handlers = {
	.subscribeh   = srv_subscribe,
	.unsubscribeh = srv_unsubscribe,
	.ackh         = srv_ack,
	.nackh        = srv_nack,
	.goneh        = srv_gone,
	.statush      = srv_status,
};


/* Run the main loop until cond(arg) holds or ms pass. */
struct pump {
	struct tmr tmr;
	bool (*cond)(void *arg);
	void *arg;
	uint64_t end;
};


static void pump_tick(void *arg)
{
	struct pump *p = arg;

	if ((p->cond && p->cond(p->arg)) || tmr_jiffies() >= p->end) {
		re_cancel();
		return;
	}

	tmr_start(&p->tmr, 2, pump_tick, p);
}


static bool pump_until(bool (*cond)(void *arg), void *arg, uint32_t ms)
{
	struct pump p = { .cond = cond, .arg = arg };

	tmr_init(&p.tmr);
	p.end = tmr_jiffies() + ms;
	tmr_start(&p.tmr, 0, pump_tick, &p);
	(void)re_main(NULL);
	tmr_cancel(&p.tmr);

	return !cond || cond(arg);
}


static bool fd_readable(void *arg)
{
	return readable(*(int *)arg);
}


static bool flag_set(void *arg)
{
	return *(bool *)arg;
}


static bool gone_seen(void *arg)
{
	const struct srv *s = arg;

	return s->gone > 0;
}


static int raw_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;

	str_ncpy(sun.sun_path, path, sizeof(sun.sun_path));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		(void)close(fd);
		return -1;
	}

	return fd;
}


/* Send one message, let the server run, return its reply as a string. */
static const char *raw_cmd(int fd, const void *msg, size_t len)
{
	static char buf[IPC_REPLY_MAX + 1];
	ssize_t n;

	if (send(fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		return "(send failed)";

	if (!pump_until(fd_readable, &fd, 5000))
		return "(no reply)";

	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n < 0)
		return "(recv failed)";
	buf[n] = '\0';

	return buf;
}

#define RAW(fd, s) raw_cmd((fd), (s), strlen(s))


static int mkpath(char *path, size_t sz, const char *dir, const char *rel)
{
	return re_snprintf(path, sz, "%s/%s", dir, rel) < 0 ? ENAMETOOLONG : 0;
}


static void test_socket_file(void)
{
	char dir[256], sub[300], path[300], longp[200];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ipc *a = NULL, *b = NULL;
	struct stat st;
	int fd;

	(void)umask(022);
	CU_ASSERT_FATAL(unit_mkdtemp(dir, sizeof(dir)) == 0);
	CU_ASSERT_FATAL(mkpath(sub, sizeof(sub), dir, "run") == 0);
	CU_ASSERT_FATAL(mkpath(path, sizeof(path), dir, "run/s.sock") == 0);

	/* parent made 0750, socket 0660 */
	UNIT_ASSERT_INT(ipc_alloc(&a, path, NULL, NULL), 0);
	CU_ASSERT(stat(sub, &st) == 0 && S_ISDIR(st.st_mode));
	UNIT_ASSERT_INT(st.st_mode & 07777, 0750);
	CU_ASSERT(lstat(path, &st) == 0 && S_ISSOCK(st.st_mode));
	UNIT_ASSERT_INT(st.st_mode & 07777, 0660);

	/* in use: refused, and left alone */
	UNIT_ASSERT_INT(ipc_alloc(&b, path, NULL, NULL), EADDRINUSE);
	CU_ASSERT(lstat(path, &st) == 0);

	/* gone with its owner */
	a = mem_deref(a);
	CU_ASSERT(lstat(path, &st) < 0 && errno == ENOENT);

	/* stale (bound, nobody listening): replaced */
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	str_ncpy(sun.sun_path, path, sizeof(sun.sun_path));
	CU_ASSERT(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	(void)close(fd);
	CU_ASSERT(lstat(path, &st) == 0 && S_ISSOCK(st.st_mode));
	UNIT_ASSERT_INT(ipc_alloc(&a, path, NULL, NULL), 0);
	fd = raw_connect(path);
	CU_ASSERT(fd >= 0);
	if (fd >= 0)
		(void)close(fd);

	/* someone else's file at the path is not removed on exit */
	CU_ASSERT(unlink(path) == 0);
	CU_ASSERT(unit_write_file(path, "x", 1) == 0);
	a = mem_deref(a);
	CU_ASSERT(lstat(path, &st) == 0 && S_ISREG(st.st_mode));

	/* not a socket: never touched */
	UNIT_ASSERT_INT(ipc_alloc(&a, path, NULL, NULL), EEXIST);
	CU_ASSERT(lstat(path, &st) == 0 && S_ISREG(st.st_mode));
	CU_ASSERT(unlink(path) == 0);

	memset(longp, 'x', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	UNIT_ASSERT_INT(ipc_alloc(&a, longp, NULL, NULL), ENAMETOOLONG);
	UNIT_ASSERT_INT(ipc_alloc(&a, "", NULL, NULL), EINVAL);
	UNIT_ASSERT_INT(ipc_alloc(NULL, path, NULL, NULL), EINVAL);

	/* the parent is one level only */
	CU_ASSERT(mkpath(path, sizeof(path), dir, "no/such/s.sock") == 0);
	UNIT_ASSERT_INT(ipc_alloc(&a, path, NULL, NULL), ENOENT);

	CU_ASSERT(unit_rmtree(dir) == 0);
}


static void test_server_commands(void)
{
	struct srv s = { .stall_fd = -1 };
	char dir[256], path[300], line[IPC_CMD_MAX + 10];
	struct ipc_client *c;
	const char *r;
	int fd, fd2;

	CU_ASSERT_FATAL(unit_mkdtemp(dir, sizeof(dir)) == 0);
	CU_ASSERT_FATAL(mkpath(path, sizeof(path), dir, "ipc.sock") == 0);
	UNIT_ASSERT_INT(appset_alloc(&s.apps, NULL, NULL), 0);
	UNIT_ASSERT_INT(router_alloc(&s.router, s.apps, IPC_MAX_SUBS), 0);
	UNIT_ASSERT_INT(ipc_alloc(&s.ipc, path, &srv_handlers, &s), 0);
	CU_ASSERT_FATAL(s.ipc != NULL);

	fd = raw_connect(path);
	CU_ASSERT_FATAL(fd >= 0);

	UNIT_ASSERT_STR(RAW(fd, "PING"), "ERR 428 HELLO first");
	UNIT_ASSERT_STR(RAW(fd, "HELLO 2"), "ERR 505 protocol version not "
			"supported (this daemon speaks 1)");
	UNIT_ASSERT_STR(RAW(fd, "HELLO 1"), "OK sippush 1 " SIPPUSH_VERSION);
	UNIT_ASSERT_INT(ipc_clients(s.ipc), 1);

	/* unknown and malformed: ERR, and the connection stays */
	UNIT_ASSERT_STR(RAW(fd, "FOO bar"), "ERR 405 unknown command");
	UNIT_ASSERT_STR(RAW(fd, "PING"), "OK pong");
	memset(line, 'A', sizeof(line));
	UNIT_ASSERT_STR(raw_cmd(fd, line, IPC_CMD_MAX + 1),
			"ERR 413 command too long");
	UNIT_ASSERT_STR(raw_cmd(fd, "PI\0NG", 5),
			"ERR 400 bad character in command");
	UNIT_ASSERT_STR(raw_cmd(fd, "", 0), "ERR 400 empty command");
	UNIT_ASSERT_STR(RAW(fd, "ACK 12x"), "ERR 400 bad push id");
	UNIT_ASSERT_STR(RAW(fd, "PING"), "OK pong");

	/* subscriptions: app IDs normalised, errors mapped */
	UNIT_ASSERT_STR(RAW(fd, "SUBSCRIBE bad$app"),
			"ERR 400 bad app id (malformed)");
	UNIT_ASSERT_STR(RAW(fd, "SUBSCRIBE 0x7777"),
			"ERR 400 bad app id (unknown OMNA code)");
	UNIT_ASSERT_STR(RAW(fd, "SUBSCRIBE a text/plain/x"),
			"ERR 400 bad filter (type/subtype or type/*)");
	UNIT_ASSERT_INT(s.subs, 0);

	UNIT_ASSERT_STR(RAW(fd, "SUBSCRIBE MMS.UA Text/Plain monitor"),
			"OK x-wap-application:mms.ua");
	UNIT_ASSERT_INT(s.subs, 1);
	UNIT_ASSERT_STR(s.app, "x-wap-application:mms.ua");
	UNIT_ASSERT_STR(s.filter, "text/plain");
	CU_ASSERT(s.monitor);
	c = s.last;
	CU_ASSERT(is_monitor(&s, c, "x-wap-application:mms.ua"));
	CU_ASSERT(!is_monitor(&s, c, "x-wap-application:wml.ua"));
	CU_ASSERT(ipc_client_id(c) > 0);
	{
		uint32_t uid, gid, pid;

		ipc_client_cred(c, &uid, &gid, &pid);
		UNIT_ASSERT_INT(uid, getuid());
		UNIT_ASSERT_INT(gid, getgid());
		UNIT_ASSERT_INT(pid, getpid());
	}

	UNIT_ASSERT_STR(RAW(fd, "SUBSCRIBE 4"),
			"ERR 409 already subscribed to x-wap-application:mms.ua");
	s.subret = EBUSY;
	UNIT_ASSERT_STR(RAW(fd, "SUBSCRIBE wml.ua"),
			"ERR 409 busy: x-wap-application:wml.ua has an owner");
	s.subret = EPERM;
	UNIT_ASSERT_STR(RAW(fd, "SUBSCRIBE wml.ua"),
			"ERR 403 not authorised for x-wap-application:wml.ua");
	s.subret = ENOSPC;
	UNIT_ASSERT_STR(RAW(fd, "SUBSCRIBE wml.ua"), "ERR 429 full: "
			"x-wap-application:wml.ua has too many subscribers");
	s.subret = ENOMEM;
	UNIT_ASSERT_CONTAINS(RAW(fd, "SUBSCRIBE wml.ua"), "ERR 500 ");
	s.subret = 0;
	CU_ASSERT(!is_monitor(&s, c, "x-wap-application:wml.ua"));

	/* the per-connection limit */
	for (unsigned i = 1; i < IPC_MAX_SUBS; i++) {
		char cmd[64];

		(void)re_snprintf(cmd, sizeof(cmd), "SUBSCRIBE app%u", i);
		UNIT_ASSERT_CONTAINS(RAW(fd, cmd), "OK x-oma-application:app");
	}
	UNIT_ASSERT_STR(RAW(fd, "SUBSCRIBE one.more"), "ERR 429 too many "
			"subscriptions on this connection (16)");

	UNIT_ASSERT_STR(RAW(fd, "UNSUBSCRIBE wml.ua"),
			"ERR 404 not subscribed to x-wap-application:wml.ua");
	UNIT_ASSERT_STR(RAW(fd, "UNSUBSCRIBE 0x04"), "OK");
	UNIT_ASSERT_INT(s.unsubs, 1);
	UNIT_ASSERT_STR(s.unsub_app, "x-wap-application:mms.ua");
	CU_ASSERT(!is_monitor(&s, c, "x-wap-application:mms.ua"));
	UNIT_ASSERT_STR(RAW(fd, "UNSUBSCRIBE"), "OK");
	UNIT_ASSERT_INT(s.unsubs, 2);
	CU_ASSERT(s.unsub_all);
	UNIT_ASSERT_STR(RAW(fd, "UNSUBSCRIBE"), "OK");
	UNIT_ASSERT_INT(s.unsubs, 2);   /* nothing left to tell */

	/* ACK / NACK reach the handlers with the right values */
	s.ackret = ENOENT;
	UNIT_ASSERT_STR(RAW(fd, "ACK 5"), "ERR 404 unknown push id 5");
	s.ackret = EPERM;
	UNIT_ASSERT_STR(RAW(fd, "ACK 5"), "ERR 403 push 5 is not yours");
	s.ackret = 0;
	UNIT_ASSERT_STR(RAW(fd, "ACK 18446744073709551615"), "OK");
	CU_ASSERT(s.ack_id == UINT64_MAX);
	UNIT_ASSERT_STR(RAW(fd, "NACK 9 486 Busy Here"), "OK");
	UNIT_ASSERT_INT(s.nack_id, 9);
	UNIT_ASSERT_INT(s.nack_code, 486);
	UNIT_ASSERT_STR(s.nack_reason, "Busy Here");
	CU_ASSERT(!s.nack_null);
	UNIT_ASSERT_STR(RAW(fd, "NACK 10 603"), "OK");
	CU_ASSERT(s.nack_null);

	r = RAW(fd, "STATUS");
	UNIT_ASSERT_STR(r, "OK\nprotocol=1\nversion=" SIPPUSH_VERSION
			"\ntest_key=42\nclients=1\ndropped=0\n");

	/* a second client leaving on its own is not a drop */
	fd2 = raw_connect(path);
	CU_ASSERT_FATAL(fd2 >= 0);
	UNIT_ASSERT_STR(RAW(fd2, "HELLO 1"), "OK sippush 1 " SIPPUSH_VERSION);
	UNIT_ASSERT_INT(ipc_clients(s.ipc), 2);
	(void)close(fd2);
	CU_ASSERT(pump_until(gone_seen, &s, 5000));
	UNIT_ASSERT_INT(s.gone, 1);
	UNIT_ASSERT_INT(ipc_clients(s.ipc), 1);
	UNIT_ASSERT_INT(ipc_dropped(s.ipc), 0);

	/* garbage, again and again: dropped after 8 in a row */
	s.gone = 0;
	for (int i = 0; i < 7; i++)
		UNIT_ASSERT_STR(RAW(fd, "\x01\x02"),
				"ERR 400 bad character in command");
	UNIT_ASSERT_INT(ipc_clients(s.ipc), 1);
	UNIT_ASSERT_STR(RAW(fd, "garbage"), "ERR 405 unknown command");
	CU_ASSERT(pump_until(gone_seen, &s, 5000));
	UNIT_ASSERT_INT(s.gone, 1);
	CU_ASSERT(s.gone_client == c);
	UNIT_ASSERT_INT(ipc_clients(s.ipc), 0);
	UNIT_ASSERT_INT(ipc_dropped(s.ipc), 1);
	{
		char b[8];

		CU_ASSERT(recv(fd, b, sizeof(b), MSG_DONTWAIT) == 0);
	}
	(void)close(fd);

	/* NULLs are refused, not followed */
	UNIT_ASSERT_INT(ipc_send_push(NULL, NULL), EINVAL);
	UNIT_ASSERT_INT(ipc_client_id(NULL), 0);
	UNIT_ASSERT_INT(ipc_clients(NULL), 0);
	UNIT_ASSERT_INT(ipc_dropped(NULL), 0);
	CU_ASSERT(!router_subscribed(s.router, NULL, "x", NULL));

	/* destroyed with a client connected: it is closed, goneh is not
	 * called (the daemon is going away too), the file is removed */
	fd = raw_connect(path);
	CU_ASSERT_FATAL(fd >= 0);
	UNIT_ASSERT_STR(RAW(fd, "HELLO 1"), "OK sippush 1 " SIPPUSH_VERSION);
	UNIT_ASSERT_STR(RAW(fd, "SUBSCRIBE mms.ua"),
			"OK x-wap-application:mms.ua");
	s.gone = 0;
	s.ipc = mem_deref(s.ipc);
	UNIT_ASSERT_INT(s.gone, 0);
	{
		struct stat st;
		char b[8];

		CU_ASSERT(recv(fd, b, sizeof(b), 0) == 0);
		CU_ASSERT(lstat(path, &st) < 0 && errno == ENOENT);
	}
	(void)close(fd);

	CU_ASSERT(unit_rmtree(dir) == 0);
	mem_deref(s.router);
	mem_deref(s.apps);
}


/*
 * The round trip: a child process uses lib/client.c against the server
 * in this process, while a second client (here) subscribes and never
 * reads. Exit code of the child = the step that failed.
 */
static const char *const rt_sender = "sip:+15551234@ims.example;user=phone";
static const char *self;    /* argv[0], to start the child */

#define CHILD_ARG "--ipc-child"


static int child_expect_push(struct sippush *c, uint64_t id,
			     const uint8_t *body, size_t len)
{
	struct sippush_push p;

	if (sippush_recv(c, &p, 10000))
		return 1;

	if (p.id != id || strcmp(p.appid, "x-wap-application:mms.ua") ||
	    strcmp(p.ctype, "application/vnd.wap.mms-message") ||
	    strcmp(p.sender, rt_sender) || strcmp(p.transport, "sip-udp") ||
	    p.len != len || memcmp(p.body, body, len))
		return 2;

	return 0;
}


static int child_main(const char *path)
{
	struct sippush *c = NULL;
	char st[4096];
	int i;

	for (i = 0; i < 500 && !c; i++) {
		c = sippush_open(path);
		if (!c)
			(void)poll(NULL, 0, 20);
	}
	if (!c)
		return 10;

	sippush_set_timeout(c, 10000);

	if (sippush_subscribe(c, "bad$app", NULL, false) != EINVAL ||
	    strncmp(sippush_last_reply(c), "ERR 400 ", 8))
		return 11;

	/* the server sends push 7 from inside its subscribe handler, so it
	 * arrives before the OK and waits in the library */
	if (sippush_subscribe(c, "0x04", "application/*", false) ||
	    strcmp(sippush_last_reply(c), "OK x-wap-application:mms.ua"))
		return 12;
	if (sippush_pending(c) != 1)
		return 13;

	if (child_expect_push(c, 7, nasty, sizeof(nasty)))
		return 14;
	if (sippush_ack(c, 7))
		return 15;
	if (sippush_ack(c, 999) != ENOENT)
		return 16;

	/* after the staller is dropped: 100, then 101 */
	if (child_expect_push(c, 100, (const uint8_t *)"hundred", 7))
		return 17;
	if (sippush_ack(c, 100))
		return 18;
	if (sippush_status(c, st, sizeof(st)) || !strstr(st, "protocol=1\n") ||
	    !strstr(st, "test_key=42\n") || !strstr(st, "dropped=1\n"))
		return 19;
	if (child_expect_push(c, 101, nasty, sizeof(nasty)))
		return 20;
	if (sippush_nack(c, 101, 480, "Temporarily Unavailable"))
		return 21;
	if (sippush_ping(c))
		return 22;

	sippush_close(c);
	return 0;
}


static void rt_push(struct srv *s, struct ipc_client *c, uint64_t id,
		    const uint8_t *body, size_t len, int *err)
{
	struct push p = {
		.id = id, .appid = "x-wap-application:mms.ua",
		.ctype = "application/vnd.wap.mms-message",
		.sender = rt_sender, .transport = "sip-udp",
		.body = body, .len = len,
	};
	int e = ipc_send_push(c, &p);
	(void)s;

	if (err)
		*err = e;
}


/* Flood the client that never reads until the server gives up on it. */
static void flood(void *arg)
{
	static uint8_t body[32 * 1024];
	struct srv *s = arg;
	struct push p = {
		.appid = "x-oma-application:stall.ua", .ctype = "x/y",
		.sender = "sip:flood@x", .transport = "sip-tcp",
		.body = body, .len = sizeof(body),
	};

	for (s->flooded = 0; s->flooded < 200; s->flooded++) {
		p.id = 1000 + s->flooded;
		s->flood_err = ipc_send_push(s->staller, &p);
		if (s->flood_err)
			break;
	}

	/* dropped means dropped: later sends fail at once */
	s->flood_again = ipc_send_push(s->staller, &p);
}


static int rt_subscribe(struct ipc_client *c, const char *appid,
			const char *filter, bool monitor,
			const struct router_opts *opts, void *arg)
{
	struct srv *s = arg;
	(void)opts;
	(void)filter;
	(void)monitor;

	if (!strcmp(appid, "x-wap-application:mms.ua")) {
		int err;

		s->owner = c;

		/* too big for anyone: an error for this push only */
		{
			struct push p = {
				.id = 1, .appid = appid, .ctype = "x/y",
				.transport = "sip-udp", .body = nasty,
				.len = IPC_BODY_MAX + 1,
			};

			s->big_err = ipc_send_push(c, &p);
		}

		rt_push(s, c, 7, nasty, sizeof(nasty), &err);
		s->owner_after_big = err;
	}
	else if (!strcmp(appid, "x-oma-application:stall.ua")) {
		s->staller = c;
		tmr_start(&s->tmr, 0, flood, s);
	}

	return 0;
}


static int rt_ack(struct ipc_client *c, uint64_t id, void *arg)
{
	struct srv *s = arg;

	if (c != s->owner)
		return ENOENT;

	if (id == 7) {
		s->acked7 = true;

		/* now the second client, which never reads */
		s->stall_fd = raw_connect(s->path);
		if (s->stall_fd >= 0) {
			(void)send(s->stall_fd, "HELLO 1", 7, MSG_NOSIGNAL);
			(void)send(s->stall_fd, "SUBSCRIBE stall.ua", 18,
				   MSG_NOSIGNAL);
		}
		return 0;
	}

	if (id == 100) {
		s->acked100 = true;
		return 0;
	}

	return ENOENT;
}


static int rt_nack(struct ipc_client *c, uint64_t id, uint16_t code,
		   const char *reason, void *arg)
{
	struct srv *s = arg;

	if (c == s->owner && id == 101 && code == 480 && reason &&
	    !strcmp(reason, "Temporarily Unavailable"))
		s->nacked101 = true;

	return 0;
}


static void rt_gone(struct ipc_client *c, void *arg)
{
	struct srv *s = arg;

	if (c == s->staller) {
		s->staller_gone = true;
		s->staller = NULL;
		rt_push(s, s->owner, 100, (const uint8_t *)"hundred", 7, NULL);
		rt_push(s, s->owner, 101, nasty, sizeof(nasty), NULL);
	}
	else if (c == s->owner) {
		s->owner_gone = true;
		s->owner = NULL;
	}
}


static void test_server_roundtrip(void)
{
	static const struct ipc_handlers h = {
		.subscribeh = rt_subscribe,
		.ackh       = rt_ack,
		.nackh      = rt_nack,
		.goneh      = rt_gone,
		.statush    = srv_status,
	};
	struct srv s = { .stall_fd = -1 };
	char dir[256], path[300];
	int status = -1;
	pid_t pid;

	CU_ASSERT_FATAL(unit_mkdtemp(dir, sizeof(dir)) == 0);
	CU_ASSERT_FATAL(mkpath(path, sizeof(path), dir, "run/ipc.sock") == 0);
	str_ncpy(s.path, path, sizeof(s.path));   /* for the staller */
	tmr_init(&s.tmr);

	/* The child starts before the server exists: it retries. It runs
	 * a fresh copy of this program, so it inherits no heap (valgrind
	 * would call that lost) and no libre state. */
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		execl(self, self, CHILD_ARG, path, (char *)NULL);
		_exit(127);
	}

	UNIT_ASSERT_INT(ipc_alloc(&s.ipc, path, &h, &s), 0);
	if (s.ipc)
		CU_ASSERT(pump_until(flag_set, &s.owner_gone, 60000));

	CU_ASSERT(waitpid(pid, &status, 0) == pid);
	CU_ASSERT(WIFEXITED(status));
	UNIT_ASSERT_INT(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);

	UNIT_ASSERT_INT(s.big_err, EMSGSIZE);
	UNIT_ASSERT_INT(s.owner_after_big, 0);   /* not dropped for it */
	CU_ASSERT(s.acked7);
	CU_ASSERT(s.staller_gone);
	UNIT_ASSERT_INT(s.flood_err, ENOBUFS);
	UNIT_ASSERT_INT(s.flood_again, ENOBUFS);
	CU_ASSERT(s.flooded > 0 && s.flooded < 200);
	CU_ASSERT(s.acked100);
	CU_ASSERT(s.nacked101);
	CU_ASSERT(s.owner_gone);
	UNIT_ASSERT_INT(ipc_dropped(s.ipc), 1);
	UNIT_ASSERT_INT(ipc_clients(s.ipc), 0);

	if (s.stall_fd >= 0)
		(void)close(s.stall_fd);
	tmr_cancel(&s.tmr);
	mem_deref(s.ipc);
	CU_ASSERT(unit_rmtree(dir) == 0);
}


/*
 * Bodies as descriptors through the real server to a child using the
 * library: once sent at once, once queued behind records a slow client
 * has not read. The daemon's caller closes its descriptor (and here
 * even unlinks the file) right after ipc_send_push(); what the server
 * queued must still be the file, and must be closed once sent.
 */
#define FD_CHILD_ARG "--ipc-fd-child"

enum { FD_FILLERS = 12, FD_FILL_LEN = 32 * 1024, FD_BODY2 = 300 * 1024 };

struct fdsrv {
	char dir[256];
	struct ipc_client *owner;
	struct tmr tmr;
	int err1, base1, held1, after1;
	int err2, fill_err, base2, held2, after2, flushed2;
	bool open1, open2, acked1, acked2, gone;
};


static int fd_path(char *path, size_t sz, const char *dir, const char *name)
{
	return re_snprintf(path, sz, "%s/%s", dir, name) < 0 ? ENAMETOOLONG : 0;
}


static int fd_send(struct ipc_client *c, uint64_t id, const char *appid,
		   int fd, size_t len)
{
	struct push p = {
		.id = id, .appid = appid,
		.ctype = "application/vnd.wap.mms-message",
		.sender = rt_sender, .transport = "msrp",
		.len = len, .has_fd = true, .fd = fd,
	};

	return ipc_send_push(c, &p);
}


/* The slow client has read nothing since its OK: fill its socket, then
 * the file goes into the queue. */
static void fd_fill(void *arg)
{
	static uint8_t body[FD_FILL_LEN];
	struct fdsrv *s = arg;
	struct push p = {
		.appid = "x-oma-application:slow.ua", .ctype = "x/y",
		.sender = "sip:fill@x", .transport = "sip-tcp",
		.body = body, .len = sizeof(body),
	};
	char file[300];
	int fd;

	s->base2 = fd_count();

	for (unsigned i = 0; i < FD_FILLERS && !s->fill_err; i++) {
		p.id = 1000 + i;
		body[0] = (uint8_t)i;
		s->fill_err = ipc_send_push(s->owner, &p);
	}

	if (fd_path(file, sizeof(file), s->dir, "body2") ||
	    (fd = fd_file(file, FD_BODY2, 22)) < 0) {
		s->err2 = EIO;
		return;
	}

	s->err2  = fd_send(s->owner, 2, "x-oma-application:slow.ua", fd,
			   FD_BODY2);
	s->held2 = fd_count();          /* ours and the queue's */
	s->open2 = fcntl(fd, F_GETFD) >= 0;
	(void)close(fd);
	(void)unlink(file);
	s->after2 = fd_count();         /* the queue's */

	/* now the child may read */
	if (!fd_path(file, sizeof(file), s->dir, "queued"))
		(void)unit_write_file(file, "", 0);
}


static int fd_subscribe(struct ipc_client *c, const char *appid,
			const char *filter, bool monitor,
			const struct router_opts *opts, void *arg)
{
	struct fdsrv *s = arg;
	(void)opts;
	char file[300];
	int fd;
	(void)filter;
	(void)monitor;

	s->owner = c;

	if (!strcmp(appid, "x-oma-application:slow.ua")) {
		tmr_start(&s->tmr, 0, fd_fill, s);
		return 0;
	}

	/* sent at once: arrives before the OK */
	s->base1 = fd_count();
	if (fd_path(file, sizeof(file), s->dir, "body1") ||
	    (fd = fd_file(file, FD_BODY, 11)) < 0) {
		s->err1 = EIO;
		return 0;
	}

	s->err1  = fd_send(c, 1, appid, fd, FD_BODY);
	s->held1 = fd_count();          /* ours only */
	s->open1 = fcntl(fd, F_GETFD) >= 0;
	(void)close(fd);
	(void)unlink(file);
	s->after1 = fd_count();

	return 0;
}


static int fd_ack(struct ipc_client *c, uint64_t id, void *arg)
{
	struct fdsrv *s = arg;

	if (c != s->owner)
		return ENOENT;

	if (id == 1) {
		s->acked1 = true;
		return 0;
	}

	if (id == 2) {
		s->acked2 = true;
		s->flushed2 = fd_count();   /* sent, so closed */
		return 0;
	}

	return ENOENT;
}


static void fd_gone(struct ipc_client *c, void *arg)
{
	struct fdsrv *s = arg;

	if (c == s->owner) {
		s->owner = NULL;
		s->gone = true;
	}
}


static int fd_child_expect(struct sippush *c, uint64_t id, size_t len,
			   unsigned seed)
{
	struct sippush_push p;
	struct stat st;

	if (sippush_recv(c, &p, 10000))
		return 1;

	if (p.id != id || strcmp(p.sender, rt_sender) ||
	    strcmp(p.transport, "msrp") || p.body || p.len != len ||
	    p.fd < 0)
		return 2;

	if (fstat(p.fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size != (off_t)len || st.st_nlink != 0)
		return 3;

	return fd_holds(p.fd, len, seed) ? 0 : 4;
}


static int fd_child_main(const char *path)
{
	struct sippush *c = NULL;
	struct sippush_push p;
	char marker[300];
	const char *slash = strrchr(path, '/');
	int i;

	if (!slash || re_snprintf(marker, sizeof(marker), "%r/queued",
				  &(struct pl){path, (size_t)(slash - path)}) < 0)
		return 30;

	for (i = 0; i < 500 && !c; i++) {
		c = sippush_open(path);
		if (!c)
			(void)poll(NULL, 0, 20);
	}
	if (!c)
		return 31;

	sippush_set_timeout(c, 10000);

	if (sippush_subscribe(c, "mms.ua", NULL, false) ||
	    sippush_pending(c) != 1)
		return 32;
	if (fd_child_expect(c, 1, FD_BODY, 11))
		return 33;
	if (sippush_ack(c, 1))
		return 34;

	/* subscribed, then slow: nothing read until the server says */
	if (sippush_subscribe(c, "slow.ua", NULL, false) ||
	    sippush_pending(c) != 0)
		return 35;
	for (i = 0; i < 1000 && access(marker, F_OK); i++)
		(void)poll(NULL, 0, 20);
	if (i == 1000)
		return 36;

	for (i = 0; i < FD_FILLERS; i++) {
		if (sippush_recv(c, &p, 10000) || p.id != 1000u + i ||
		    p.len != FD_FILL_LEN || !p.body || p.body[0] != i ||
		    p.fd != -1)
			return 37;
	}

	if (fd_child_expect(c, 2, FD_BODY2, 22))
		return 38;
	if (sippush_ack(c, 2))
		return 39;

	sippush_close(c);
	return 0;
}


static void test_server_fd(void)
{
	static const struct ipc_handlers h = {
		.subscribeh = fd_subscribe,
		.ackh       = fd_ack,
		.goneh      = fd_gone,
	};
	struct fdsrv s = { .err1 = -1, .err2 = -1 };
	char path[300];
	int status = -1;
	struct ipc *ipc = NULL;
	pid_t pid;

	CU_ASSERT_FATAL(unit_mkdtemp(s.dir, sizeof(s.dir)) == 0);
	CU_ASSERT_FATAL(fd_path(path, sizeof(path), s.dir, "fd.sock") == 0);
	tmr_init(&s.tmr);

	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		execl(self, self, FD_CHILD_ARG, path, (char *)NULL);
		_exit(127);
	}

	UNIT_ASSERT_INT(ipc_alloc(&ipc, path, &h, &s), 0);
	if (ipc)
		CU_ASSERT(pump_until(flag_set, &s.gone, 60000));

	CU_ASSERT(waitpid(pid, &status, 0) == pid);
	CU_ASSERT(WIFEXITED(status));
	UNIT_ASSERT_INT(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);

	/* sent at once: the kernel has it, the server keeps nothing, the
	 * caller's descriptor is the caller's to close */
	UNIT_ASSERT_INT(s.err1, 0);
	CU_ASSERT(s.open1);
	UNIT_ASSERT_INT(s.held1, s.base1 + 1);
	UNIT_ASSERT_INT(s.after1, s.base1);
	CU_ASSERT(s.acked1);

	/* queued: the server holds a copy of its own, which outlives the
	 * caller's, and is closed once sent */
	UNIT_ASSERT_INT(s.fill_err, 0);
	UNIT_ASSERT_INT(s.err2, 0);
	CU_ASSERT(s.open2);
	UNIT_ASSERT_INT(s.held2, s.base2 + 2);
	UNIT_ASSERT_INT(s.after2, s.base2 + 1);
	CU_ASSERT(s.acked2);
	UNIT_ASSERT_INT(s.flushed2, s.base2);
	CU_ASSERT(s.gone);
	UNIT_ASSERT_INT(ipc_dropped(ipc), 0);

	tmr_cancel(&s.tmr);
	mem_deref(ipc);
	CU_ASSERT(unit_rmtree(s.dir) == 0);
}


static CU_TestInfo codec_tests[] = {
	{"commands decode", test_decode_ok},
	{"malformed, over-long commands refused", test_decode_errors},
	{"push record bytes", test_encode},
	{"push record field errors", test_encode_errors},
	{"push record with a file body", test_encode_fd},
	CU_TEST_INFO_NULL
};

static CU_TestInfo lib_tests[] = {
	{"handshake", test_lib_handshake},
	{"round trip with the daemon codec", test_lib_roundtrip},
	{"late replies are skipped", test_lib_late_reply},
	{"arguments checked before sending", test_lib_args},
	{"malformed and truncated records", test_lib_malformed},
	{"bodies as file descriptors", test_lib_fd},
	CU_TEST_INFO_NULL
};

static CU_TestInfo server_tests[] = {
	{"socket file", test_socket_file},
	{"commands on a real socket", test_server_commands},
	{"round trip, stalled client dropped", test_server_roundtrip},
	{"bodies as descriptors, sent and queued", test_server_fd},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"ipc codec", unit_libre_init, unit_libre_close, NULL, NULL,
	 codec_tests},
	{"client library", unit_libre_init, unit_libre_close, NULL, NULL,
	 lib_tests},
	{"ipc server", unit_libre_init, unit_libre_close, NULL, NULL,
	 server_tests},
	CU_SUITE_INFO_NULL
};


int main(int argc, char *argv[])
{
	/* a peer that closes must not kill the test with SIGPIPE */
	(void)signal(SIGPIPE, SIG_IGN);

	if (argc == 3 && !strcmp(argv[1], CHILD_ARG))
		return child_main(argv[2]);
	if (argc == 3 && !strcmp(argv[1], FD_CHILD_ARG))
		return fd_child_main(argv[2]);

	self = argv[0];
	return unit_run("test_ipc", suites);
}
