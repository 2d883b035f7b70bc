/* test_sipreply.c: sipreply.c's stateless replies are byte for byte libre's sip_reply(), over real sockets. */
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <re.h>
#include "autoconf.h"
#include "sipreply.h"
#include "unit.h"

/*
 * A libre SIP stack on 127.0.0.1 answers each request twice: first with
 * libre's sip_reply()/sip_replyf(), then with sipreply_send(). A plain
 * UDP socket on 0.0.0.0 sent the request and receives both answers,
 * which must be the same bytes, sent to the same place. Every request
 * is complete (From, To, Call-ID, CSeq, Via branch, Max-Forwards):
 * libre >= 3.x answers 400 itself before any listener sees one that
 * is not (have_essential_fields() in its transp.c).
 */

struct srv {
	struct sip *sip;
	struct sip_lsnr *lsnr;
	struct sa laddr;
	uint16_t scode;
	const char *reason;
	const char *extra;
	int err_libre, err_ours;
	bool seen;
};

static struct srv srv;
static int sock = -1;
static uint16_t sport;


static bool request_handler(const struct sip_msg *msg, void *arg)
{
	struct srv *s = arg;

	if (s->extra)
		s->err_libre = sip_replyf(s->sip, msg, s->scode, s->reason,
					  "%sContent-Length: 0\r\n\r\n",
					  s->extra);
	else
		s->err_libre = sip_reply(s->sip, msg, s->scode, s->reason);

	s->err_ours = sipreply_send(s->sip, msg, s->scode, s->reason,
				    SIPREPLY_SOFTWARE, s->extra);
	s->seen = true;
	re_cancel();
	return true;
}


static void timeout_handler(void *arg)
{
	(void)arg;
	re_cancel();
}


static int suite_init(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	struct timeval tv = {2, 0};

	if (libre_init())
		return -1;

	sa_set_str(&srv.laddr, "127.0.0.1", 0);
	if (sip_alloc(&srv.sip, NULL, 32, 32, 32, SIPREPLY_SOFTWARE,
		      NULL, NULL) ||
	    sip_transp_add(srv.sip, SIP_TRANSP_UDP, &srv.laddr) ||
	    sip_transp_laddr(srv.sip, &srv.laddr, SIP_TRANSP_UDP, NULL) ||
	    sip_listen(&srv.lsnr, srv.sip, true, request_handler, &srv))
		return -1;

	/* on 0.0.0.0: answers to 127.0.0.2 (a Via's sent-by) arrive too */
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	if (sock < 0 || bind(sock, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(sock, (struct sockaddr *)&a, &alen) ||
	    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	sport = ntohs(a.sin_port);

	return 0;
}


static int suite_cleanup(void)
{
	if (sock >= 0)
		(void)close(sock);
	mem_deref(srv.lsnr);
	if (srv.sip)
		sip_close(srv.sip, true);
	mem_deref(srv.sip);
	libre_close();
	return 0;
}


/* req: the request with "%u" for our port wherever it appears */
static void check_same(const char *req, uint16_t scode, const char *reason,
		       const char *extra, const char *expect_in_reply)
{
	char text[2048], a[2048], b[2048];
	struct tmr tmr;
	ssize_t na, nb;
	int n;

	n = re_snprintf(text, sizeof(text), req, sport, sport, sport);
	CU_ASSERT_FATAL(n > 0);

	srv.scode  = scode;
	srv.reason = reason;
	srv.extra  = extra;
	srv.seen   = false;
	srv.err_libre = srv.err_ours = -1;

	CU_ASSERT_FATAL(sendto(sock, text, (size_t)n, 0,
			       &srv.laddr.u.sa, srv.laddr.len) == n);

	tmr_init(&tmr);
	tmr_start(&tmr, 3000, timeout_handler, NULL);
	(void)re_main(NULL);
	tmr_cancel(&tmr);

	CU_ASSERT_FATAL(srv.seen);
	UNIT_ASSERT_INT(srv.err_libre, 0);
	UNIT_ASSERT_INT(srv.err_ours, 0);

	na = recv(sock, a, sizeof(a) - 1, 0);
	nb = recv(sock, b, sizeof(b) - 1, 0);
	CU_ASSERT_FATAL(na > 0 && nb > 0);
	a[na] = '\0';
	b[nb] = '\0';

	UNIT_ASSERT_STR(b, a);
	UNIT_ASSERT_CONTAINS(b, expect_in_reply);
}


/* rport asked for: filled in, received= added, our To-tag */
static void test_rport(void)
{
	check_same("MESSAGE sip:pra@127.0.0.1 SIP/2.0\r\n"
		   "Via: SIP/2.0/UDP 127.0.0.1:%u;rport;branch=z9hG4bK1\r\n"
		   "Max-Forwards: 70\r\n"
		   "From: <sip:a@example.com>;tag=f1\r\n"
		   "To: <sip:pra@example.com>\r\n"
		   "Call-ID: rport-1\r\n"
		   "CSeq: 7 MESSAGE\r\n"
		   "Content-Type: text/plain\r\n"
		   "Content-Length: 2\r\n\r\nhi",
		   200, "OK", NULL, ";received=127.0.0.1\r\n");
}


/* no rport, sent-by is the source: Via as is; a second Via, Record-Route
 * (left out) and a To that has a tag (kept, none added) */
static void test_plain_two_vias(void)
{
	check_same("MESSAGE sip:pra@127.0.0.1 SIP/2.0\r\n"
		   "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK2\r\n"
		   "Via: SIP/2.0/TCP 192.0.2.7:5060;branch=z9hG4bKx;"
		   "received=192.0.2.8\r\n"
		   "Record-Route: <sip:p1.example.com;lr>\r\n"
		   "Max-Forwards: 69\r\n"
		   "From: \"A\" <sip:a@example.com>;tag=f2\r\n"
		   "To: <sip:pra@example.com>;tag=already\r\n"
		   "Call-ID: two-vias@host\r\n"
		   "CSeq: 1 MESSAGE\r\n"
		   "Content-Length: 0\r\n\r\n",
		   202, "Accepted", NULL, "To: <sip:pra@example.com>;tag=already\r\n");
}


/* sent-by is another address: received= without rport, sent there */
static void test_received_elsewhere(void)
{
	check_same("MESSAGE sip:pra@127.0.0.1 SIP/2.0\r\n"
		   "Via: SIP/2.0/UDP 127.0.0.2:%u;branch=z9hG4bK3\r\n"
		   "Max-Forwards: 70\r\n"
		   "From: <sip:a@example.com>;tag=f3\r\n"
		   "To: <sip:pra@example.com>\r\n"
		   "Call-ID: elsewhere\r\n"
		   "CSeq: 2 MESSAGE\r\n"
		   "Content-Length: 0\r\n\r\n",
		   503, "Too Many Pending Pushes", "Retry-After: 5\r\n",
		   "Retry-After: 5\r\nContent-Length: 0\r\n\r\n");
}


/* 100 Trying: no To-tag; compact header names copied as they came */
static void test_trying_compact(void)
{
	check_same("MESSAGE sip:pra@127.0.0.1 SIP/2.0\r\n"
		   "v: SIP/2.0/UDP 127.0.0.1:%u;rport;branch=z9hG4bK4\r\n"
		   "Max-Forwards: 70\r\n"
		   "f: <sip:a@example.com>;tag=f4\r\n"
		   "t: <sip:pra@example.com>\r\n"
		   "i: compact\r\n"
		   "CSeq: 3 MESSAGE\r\n"
		   "l: 0\r\n\r\n",
		   100, "Trying", NULL, "t: <sip:pra@example.com>\r\n");
}


static void test_encode_args(void)
{
	struct mbuf *mb = mbuf_alloc(64);
	bool rport;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mb);
	UNIT_ASSERT_INT(sipreply_encode(mb, NULL, 200, "OK", NULL, NULL,
					&rport), EINVAL);
	UNIT_ASSERT_INT(sipreply_send(NULL, NULL, 200, "OK", NULL, NULL),
			EINVAL);
	mem_deref(mb);
}


static CU_TestInfo tests[] = {
	{"rport filled in, received, To-tag", test_rport},
	{"two Vias, Record-Route, To with a tag", test_plain_two_vias},
	{"received= for another sent-by, extra lines", test_received_elsewhere},
	{"100 Trying, compact names", test_trying_compact},
	{"bad arguments", test_encode_args},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"sipreply", suite_init, suite_cleanup, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_sipreply", suites);
}
