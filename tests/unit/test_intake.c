/* test_intake.c: the checks in front of every SIP request, on a real libre stack over loopback UDP and TCP. */
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <re.h>
#include "autoconf.h"
#include "intake.h"
#include "unit.h"

/*
 * The check under test reads its verdict from the request itself
 * (X-Verdict: pass, drop or reply); a second listener behind the intake
 * answers 200 "Handled" to whatever gets through.
 */

static unsigned handled;
static unsigned checked_first, checked_second;


static enum intake_verdict first_check(const struct sip_msg *msg,
				       struct intake_reply *rep, void *arg)
{
	const struct sip_hdr *h = sip_msg_xhdr(msg, "X-Verdict");
	(void)arg;

	++checked_first;
	if (!h || !pl_strcmp(&h->val, "pass"))
		return INTAKE_PASS;

	if (!pl_strcmp(&h->val, "reply")) {
		rep->scode  = 404;
		rep->reason = "Not Our URI";
		return INTAKE_REPLY;
	}

	if (!pl_strcmp(&h->val, "retry")) {
		rep->scode  = 503;
		rep->reason = "Busy";
		rep->hdrs   = "Retry-After: 7\r\n";
		return INTAKE_REPLY;
	}

	return INTAKE_DROP;
}


static enum intake_verdict second_check(const struct sip_msg *msg,
					struct intake_reply *rep, void *arg)
{
	(void)msg;
	(void)rep;
	(void)arg;

	++checked_second;
	return INTAKE_PASS;
}


static bool handler(const struct sip_msg *msg, void *arg)
{
	struct sip *sip = arg;

	++handled;
	if (pl_strcmp(&msg->met, "ACK"))
		(void)sip_reply(sip, msg, 200, "Handled");
	return true;
}


static void stop(void *arg)
{
	(void)arg;
	re_cancel();
}


/* Run the loop for ms milliseconds. */
static void spin(unsigned ms)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, ms, stop, NULL);
	(void)re_main(NULL);
	tmr_cancel(&t);
}


static char *request(char *buf, size_t sz, const char *method,
		     const char *verdict, const struct sa *from)
{
	(void)re_snprintf(buf, sz,
			  "%s sip:pra@127.0.0.1 SIP/2.0\r\n"
			  "Via: SIP/2.0/UDP %J;branch=z9hG4bK%08x\r\n"
			  "Max-Forwards: 70\r\n"
			  "From: <sip:a@b>;tag=1\r\nTo: <sip:pra@b>\r\n"
			  "Call-ID: %08x@t\r\nCSeq: 1 %s\r\n"
			  "X-Verdict: %s\r\nContent-Length: 0\r\n\r\n",
			  method, from, rand_u32(), rand_u32(), method,
			  verdict);
	return buf;
}


/* The status line of what came back on fd within the loop, or "" */
static void answer(int fd, char *out, size_t sz)
{
	char buf[2048];
	ssize_t n;

	out[0] = '\0';
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n <= 0) {
		if (n == 0)
			str_ncpy(out, "CLOSED", sz);
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r")] = '\0';
	str_ncpy(out, buf, sz);
}


static void test_udp_tcp(void)
{
	struct sip *sip = NULL;
	struct intake *in = NULL;
	struct sip_lsnr *lsnr = NULL;
	struct sa laddr, tladdr, me;
	char req[1024], got[256], st[512];
	int u, t;

	memset(&laddr, 0, sizeof(laddr));
	(void)sa_set_str(&laddr, "127.0.0.1", 0);
	CU_ASSERT_EQUAL_FATAL(sip_alloc(&sip, NULL, 16, 16, 16, "t", NULL,
					NULL), 0);
	CU_ASSERT_EQUAL_FATAL(sip_transp_add(sip, SIP_TRANSP_UDP, &laddr), 0);
	CU_ASSERT_EQUAL_FATAL(sip_transp_add(sip, SIP_TRANSP_TCP, &laddr), 0);
	CU_ASSERT_EQUAL_FATAL(sip_transp_laddr(sip, &laddr, SIP_TRANSP_UDP,
					       NULL), 0);
	CU_ASSERT_EQUAL_FATAL(sip_transp_laddr(sip, &tladdr, SIP_TRANSP_TCP,
					       NULL), 0);

	UNIT_ASSERT_INT(intake_alloc(&in, sip), 0);
	UNIT_ASSERT_INT(intake_add(in, "first", first_check, NULL), 0);
	UNIT_ASSERT_INT(intake_add(in, "second", second_check, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(sip_listen(&lsnr, sip, true, handler, sip), 0);

	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&me, 0, sizeof(me));
	(void)sa_set_str(&me, "127.0.0.1", 0);
	CU_ASSERT_FATAL(bind(u, &me.u.sa, me.len) == 0);
	me.len = sizeof(me.u);
	(void)getsockname(u, &me.u.sa, &me.len);

	handled = checked_first = checked_second = 0;

	/* pass: every check, then the handler */
	request(req, sizeof(req), "MESSAGE", "pass", &me);
	CU_ASSERT(sendto(u, req, strlen(req), 0, &laddr.u.sa, laddr.len) > 0);
	spin(200);
	answer(u, got, sizeof(got));
	UNIT_ASSERT_STR(got, "SIP/2.0 200 Handled");
	UNIT_ASSERT_INT(handled, 1);
	UNIT_ASSERT_INT(checked_second, 1);

	/* drop: nothing comes back, later checks and handlers never run */
	request(req, sizeof(req), "MESSAGE", "drop", &me);
	CU_ASSERT(sendto(u, req, strlen(req), 0, &laddr.u.sa, laddr.len) > 0);
	spin(200);
	answer(u, got, sizeof(got));
	UNIT_ASSERT_STR(got, "");
	UNIT_ASSERT_INT(handled, 1);
	UNIT_ASSERT_INT(checked_second, 1);

	/* reply: the check's answer, with its header */
	request(req, sizeof(req), "OPTIONS", "reply", &me);
	CU_ASSERT(sendto(u, req, strlen(req), 0, &laddr.u.sa, laddr.len) > 0);
	spin(200);
	answer(u, got, sizeof(got));
	UNIT_ASSERT_STR(got, "SIP/2.0 404 Not Our URI");
	request(req, sizeof(req), "MESSAGE", "retry", &me);
	CU_ASSERT(sendto(u, req, strlen(req), 0, &laddr.u.sa, laddr.len) > 0);
	spin(200);
	{
		char buf[2048];
		ssize_t n = recv(u, buf, sizeof(buf) - 1, MSG_DONTWAIT);

		CU_ASSERT_FATAL(n > 0);
		buf[n] = '\0';
		UNIT_ASSERT_CONTAINS(buf, "SIP/2.0 503 Busy\r\n");
		UNIT_ASSERT_CONTAINS(buf, "\r\nRetry-After: 7\r\n");
	}

	/* an ACK is never answered, whatever the check says */
	request(req, sizeof(req), "ACK", "reply", &me);
	CU_ASSERT(sendto(u, req, strlen(req), 0, &laddr.u.sa, laddr.len) > 0);
	spin(200);
	answer(u, got, sizeof(got));
	UNIT_ASSERT_STR(got, "");
	UNIT_ASSERT_INT(handled, 1);

	/* TCP: a dropped request closes the connection */
	t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(connect(t, &tladdr.u.sa, tladdr.len) == 0);
	spin(100);
	request(req, sizeof(req), "MESSAGE", "drop", &me);
	CU_ASSERT(send(t, req, strlen(req), 0) > 0);
	spin(300);
	answer(t, got, sizeof(got));
	UNIT_ASSERT_STR(got, "CLOSED");
	(void)close(t);
	spin(100);

	(void)re_snprintf(st, sizeof(st), "%H", intake_status, in);
	UNIT_ASSERT_CONTAINS(st, "intake_first_dropped=3\n");
	UNIT_ASSERT_CONTAINS(st, "intake_first_refused=2\n");
	UNIT_ASSERT_CONTAINS(st, "intake_second_dropped=0\n");
	UNIT_ASSERT_INT(checked_first, 6);

	/* bounded list */
	for (int i = 2; i < 8; i++)
		UNIT_ASSERT_INT(intake_add(in, "more", second_check, NULL), 0);
	UNIT_ASSERT_INT(intake_add(in, "more", second_check, NULL), E2BIG);

	(void)close(u);
	mem_deref(lsnr);
	mem_deref(in);
	sip_close(sip, true);
	mem_deref(sip);
}


static CU_TestInfo tests[] = {
	{"pass, drop, reply on UDP and TCP", test_udp_tcp},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"intake", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_intake", suites);
}
