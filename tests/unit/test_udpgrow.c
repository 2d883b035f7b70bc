/* test_udpgrow.c: whole datagrams up to 64 KiB through a real libre stack over loopback UDP, junk dropped before the parser. */
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <re.h>
#include "autoconf.h"
#include "udpgrow.h"
#include "unit.h"

/*
 * A listener behind udpgrow's records what reached it (body length and
 * bytes); the sender is a plain UDP socket.
 */

static unsigned handled;
static size_t body_len;
static uint8_t body[UDPGROW_RXSZ];


static bool handler(const struct sip_msg *msg, void *arg)
{
	struct sip *sip = arg;

	++handled;
	body_len = mbuf_get_left(msg->mb);
	memcpy(body, mbuf_buf(msg->mb), body_len);
	(void)sip_reply(sip, msg, 200, "Handled");
	return true;
}


static void spin(uint32_t ms)
{
	(void)unit_wait_for(NULL, ms);
}


/* A MESSAGE with a body of len bytes (a pattern) */
static struct mbuf *message(const struct sa *from, size_t len)
{
	struct mbuf *mb = mbuf_alloc(len + 512);

	if (!mb)
		return NULL;

	(void)mbuf_printf(mb, "MESSAGE sip:pra@127.0.0.1 SIP/2.0\r\n"
			  "Via: SIP/2.0/UDP %J;branch=z9hG4bK%08x\r\n"
			  "Max-Forwards: 70\r\n"
			  "From: <sip:a@b>;tag=1\r\nTo: <sip:pra@b>\r\n"
			  "Call-ID: %08x@t\r\nCSeq: 1 MESSAGE\r\n"
			  "Content-Type: application/octet-stream\r\n"
			  "Content-Length: %zu\r\n\r\n", from, rand_u32(),
			  rand_u32(), len);
	for (size_t i = 0; i < len; i++)
		(void)mbuf_write_u8(mb, (uint8_t)(i * 7 + i / 251));

	return mb;
}


static bool pattern_ok(size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (body[i] != (uint8_t)(i * 7 + i / 251))
			return false;

	return true;
}


/* The status line that came back on fd, or "" */
static void answer(int fd, char *out, size_t sz)
{
	char buf[2048];
	ssize_t n;

	out[0] = '\0';
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\r")] = '\0';
	str_ncpy(out, buf, sz);
}


static int sender(struct sa *me)
{
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(me, 0, sizeof(*me));
	(void)sa_set_str(me, "127.0.0.1", 0);
	CU_ASSERT_FATAL(bind(u, &me->u.sa, me->len) == 0);
	me->len = sizeof(me->u);
	(void)getsockname(u, &me->u.sa, &me->len);

	return u;
}


static void send_mb(int u, const struct mbuf *mb, const struct sa *to)
{
	CU_ASSERT(sendto(u, mb->buf, mb->end, 0, &to->u.sa, to->len) ==
		  (ssize_t)mb->end);
}


/* udpgrow's listener before the handler's, as in ua.c */
static void stack(struct sip **sipp, struct udpgrow **ugp,
		  struct sip_lsnr **lsnrp, struct sa *laddr)
{
	CU_ASSERT_EQUAL_FATAL(unit_sip_stack(sipp, laddr), 0);
	UNIT_ASSERT_INT(udpgrow_alloc(ugp, *sipp), 0);
	CU_ASSERT_EQUAL_FATAL(sip_listen(lsnrp, *sipp, true, handler, *sipp),
			      0);
}


static void teardown(int u, struct sip_lsnr *lsnr, struct udpgrow *ug,
		     struct sip *sip)
{
	(void)close(u);
	mem_deref(lsnr);
	mem_deref(ug);
	sip_close(sip, true);
	mem_deref(sip);
}


static void test_probe_and_sizes(void)
{
	struct sip *sip = NULL;
	struct udpgrow *ug = NULL;
	struct sip_lsnr *lsnr = NULL;
	struct sa laddr, me;
	struct mbuf *mb;
	char got[256], st[512];
	int u;

	stack(&sip, &ug, &lsnr, &laddr);
	u = sender(&me);
	handled = 0;

	/* the probe is taken, and never reaches a handler */
	UNIT_ASSERT_INT(udpgrow_probe(ug, &laddr), 0);
	spin(100);
	UNIT_ASSERT_INT(handled, 0);
	(void)re_snprintf(st, sizeof(st), "%H", udpgrow_status, ug);
	UNIT_ASSERT_CONTAINS(st, "udp_grown=1\n");

	/* 20,000, 60,000 and 65,000 body bytes: whole, byte for byte */
	const size_t sizes[] = {20000, 60000, 65000};
	for (size_t i = 0; i < 3; i++) {
		mb = message(&me, sizes[i]);
		send_mb(u, mb, &laddr);
		mem_deref(mb);
		spin(100);
		answer(u, got, sizeof(got));
		UNIT_ASSERT_STR(got, "SIP/2.0 200 Handled");
		UNIT_ASSERT_INT(body_len, sizes[i]);
		CU_ASSERT(pattern_ok(sizes[i]));
	}
	UNIT_ASSERT_INT(handled, 3);

	/* 8,000 bytes of junk: dropped before libre's parser, no answer */
	mb = mbuf_alloc(8000);
	memset(mb->buf, 'x', 8000);
	mb->end = 8000;
	send_mb(u, mb, &laddr);
	mem_deref(mb);
	spin(100);
	answer(u, got, sizeof(got));
	UNIT_ASSERT_STR(got, "");
	UNIT_ASSERT_INT(handled, 3);
	(void)re_snprintf(st, sizeof(st), "%H", udpgrow_status, ug);
	UNIT_ASSERT_CONTAINS(st, "udp_junk_dropped=1\n");

	/* a keep-alive (CRLF) is not junk */
	CU_ASSERT(sendto(u, "\r\n\r\n", 4, 0, &laddr.u.sa, laddr.len) == 4);
	spin(50);
	(void)re_snprintf(st, sizeof(st), "%H", udpgrow_status, ug);
	UNIT_ASSERT_CONTAINS(st, "udp_junk_dropped=1\n");

	/* flushed: the socket is libre's alone again */
	udpgrow_flush(ug);
	mb = message(&me, 100);
	send_mb(u, mb, &laddr);
	mem_deref(mb);
	spin(100);
	UNIT_ASSERT_INT(handled, 4);

	teardown(u, lsnr, ug, sip);
}


/* No probe: the first large datagram may be cut, and is dropped (the
 * sender retransmits); the socket is grown from it, and the next is
 * whole. */
static void test_first_request_grows(void)
{
	struct sip *sip = NULL;
	struct udpgrow *ug = NULL;
	struct sip_lsnr *lsnr = NULL;
	struct sa laddr, me;
	struct mbuf *mb;
	char got[256], st[512];
	int u;

	stack(&sip, &ug, &lsnr, &laddr);
	u = sender(&me);
	handled = 0;

	mb = message(&me, 20000);
	send_mb(u, mb, &laddr);
	spin(100);
	answer(u, got, sizeof(got));
	UNIT_ASSERT_STR(got, "");
	UNIT_ASSERT_INT(handled, 0);

	send_mb(u, mb, &laddr);
	mem_deref(mb);
	spin(100);
	answer(u, got, sizeof(got));
	UNIT_ASSERT_STR(got, "SIP/2.0 200 Handled");
	UNIT_ASSERT_INT(body_len, 20000);
	CU_ASSERT(pattern_ok(20000));

	(void)re_snprintf(st, sizeof(st), "%H", udpgrow_status, ug);
	UNIT_ASSERT_CONTAINS(st, "udp_grown=1\n");
	UNIT_ASSERT_CONTAINS(st, "udp_cut_dropped=1\n");

	/* a small one before growing is taken as it is */
	udpgrow_flush(ug);
	mb = message(&me, 10);
	send_mb(u, mb, &laddr);
	mem_deref(mb);
	spin(100);
	answer(u, got, sizeof(got));
	UNIT_ASSERT_STR(got, "SIP/2.0 200 Handled");

	teardown(u, lsnr, ug, sip);
}


static CU_TestInfo tests[] = {
	{"probe, 20/60/65 KB whole, junk dropped", test_probe_and_sizes},
	{"without probe: cut dropped, then grown", test_first_request_grows},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"udpgrow", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_udpgrow", suites);
}
