/* test_natka.c: STUN keep-alive against a STUN server on a real UDP socket: mapping learnt, re-mapping, dead edge, no STUN, SIP still flows. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "natka.h"
#include "unit.h"

/*
 * The edge: a UDP socket answering Binding requests with libre's own
 * stun_reply(), as a STUN server on a SIP port does. Its behaviour per
 * request is scripted: answer with the real source, with a made-up NAT
 * mapping, with an error, or not at all.
 */
enum edge_mode { EDGE_REAL, EDGE_NAT, EDGE_SILENT, EDGE_ERROR };

static struct udp_sock *edge_us, *sip_us;
static struct sa edge_addr, sip_addr;
static enum edge_mode mode_before, mode_after;
static unsigned switch_after;     /* requests answered in mode_before */
static unsigned edge_reqs;
static uint16_t nat_port;
static unsigned sip_datagrams;    /* non-STUN datagrams the "SIP" socket got */

static struct natka *ka;
static struct tmr tstop, tpoke;
static unsigned events;
static enum natka_event last_ev;
static int last_err;
static struct sa last_mapped;
static bool free_in_handler;


static void edge_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct stun_unknown_attr ua;
	struct stun_msg *msg;
	enum edge_mode m;
	struct sa nat;
	(void)arg;

	if (stun_msg_decode(&msg, mb, &ua))
		return;

	m = edge_reqs++ < switch_after ? mode_before : mode_after;

	switch (m) {

	case EDGE_REAL:
		(void)stun_reply(IPPROTO_UDP, edge_us, src, 0, msg, NULL, 0,
				 false, 1, STUN_ATTR_XOR_MAPPED_ADDR, src);
		break;

	case EDGE_NAT:
		/* the NAT gave us a new public port for every request */
		(void)sa_set_str(&nat, "192.0.2.1", nat_port++);
		(void)stun_reply(IPPROTO_UDP, edge_us, src, 0, msg, NULL, 0,
				 false, 1, STUN_ATTR_XOR_MAPPED_ADDR, &nat);
		break;

	case EDGE_ERROR:
		(void)stun_ereply(IPPROTO_UDP, edge_us, src, 0, msg, 400,
				  "Bad Request", NULL, 0, false, 0);
		break;

	case EDGE_SILENT:
		break;
	}

	mem_deref(msg);
}


static void sip_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	(void)src;
	(void)mb;
	(void)arg;
	++sip_datagrams;
}


static void on_event(enum natka_event ev, int err, const struct sa *mapped,
		     void *arg)
{
	(void)arg;
	++events;
	last_ev = ev;
	last_err = err;
	last_mapped = *mapped;

	if (free_in_handler)
		ka = mem_deref(ka);

	/* each test expects at most one event: no need to wait longer */
	re_cancel();
}


static void stop(void *arg)
{
	(void)arg;
	re_cancel();
}


static int setup(void)
{
	struct sa any;

	(void)sa_set_str(&any, "127.0.0.1", 0);
	if (udp_listen(&edge_us, &any, edge_recv, NULL) ||
	    udp_listen(&sip_us, &any, sip_recv, NULL) ||
	    udp_local_get(edge_us, &edge_addr) ||
	    udp_local_get(sip_us, &sip_addr))
		return 1;

	edge_reqs = 0;
	switch_after = ~0u;
	mode_before = mode_after = EDGE_REAL;
	nat_port = 40000;
	sip_datagrams = 0;
	events = 0;
	last_err = 0;
	free_in_handler = false;
	sa_init(&last_mapped, AF_UNSPEC);
	tmr_init(&tstop);
	tmr_init(&tpoke);
	return 0;
}


static int teardown(void)
{
	tmr_cancel(&tstop);
	tmr_cancel(&tpoke);
	ka = mem_deref(ka);
	sip_us = mem_deref(sip_us);
	edge_us = mem_deref(edge_us);
	return 0;
}


static void run(uint32_t interval_s, uint32_t rto, uint32_t rc,
		uint32_t ms)
{
	struct natka_conf c = {interval_s, rto, rc};

	UNIT_ASSERT_INT(natka_alloc(&ka, sip_us, &edge_addr, &c, on_event,
				    NULL), 0);
	tmr_start(&tstop, ms, stop, NULL);
	(void)re_main(NULL);
	tmr_cancel(&tstop);
}


/* Every ~1 s a request, each answered; the mapping is the real source. */
static void test_steady(void)
{
	CU_ASSERT_FATAL(setup() == 0);

	run(1, 0, 0, 2300);

	/* at 0 s, then 0.8-1.0 s apart: 3 or 4 in 2.3 s */
	CU_ASSERT(natka_sent(ka) >= 3 && natka_sent(ka) <= 4);
	UNIT_ASSERT_INT(natka_answered(ka), natka_sent(ka));
	UNIT_ASSERT_INT(edge_reqs, natka_sent(ka));
	CU_ASSERT_FATAL(natka_mapped(ka) != NULL);
	CU_ASSERT_TRUE(sa_cmp(natka_mapped(ka), &sip_addr, SA_ALL));
	UNIT_ASSERT_INT(events, 0);
	/* the answers were taken off the socket, not given to "SIP" */
	UNIT_ASSERT_INT(sip_datagrams, 0);

	teardown();
}


/* The NAT re-maps the flow: one CHANGED with the new mapping. */
static void test_remapped(void)
{
	char buf[64];

	CU_ASSERT_FATAL(setup() == 0);
	mode_before = EDGE_NAT;

	run(1, 0, 0, 1300);

	CU_ASSERT(events >= 1);
	UNIT_ASSERT_INT(last_ev, NATKA_CHANGED);
	(void)re_snprintf(buf, sizeof(buf), "%J", &last_mapped);
	UNIT_ASSERT_STR(buf, "192.0.2.1:40001");
	(void)re_snprintf(buf, sizeof(buf), "%J", natka_mapped(ka));
	UNIT_ASSERT_STR(buf, "192.0.2.1:40001");

	teardown();
}


/* The edge answered once, then died: FAILED after the retransmissions. */
static void test_dead_edge(void)
{
	CU_ASSERT_FATAL(setup() == 0);
	switch_after = 1;
	mode_after = EDGE_SILENT;

	/* 50 ms RTO, 2 transmissions (RFC 5389 Rc): gives up 50 + 50*16 ms
	 * after the second request */
	run(1, 50, 2, 3500);

	UNIT_ASSERT_INT(events, 1);
	UNIT_ASSERT_INT(last_ev, NATKA_FAILED);
	UNIT_ASSERT_INT(last_err, ETIMEDOUT);
	UNIT_ASSERT_INT(natka_answered(ka), 1);
	/* the first request, the second one twice */
	UNIT_ASSERT_INT(edge_reqs, 3);

	teardown();
}


/* An edge that never answers STUN is not a dead flow. */
static void test_never_answered(void)
{
	CU_ASSERT_FATAL(setup() == 0);
	mode_before = EDGE_SILENT;

	run(1, 50, 1, 2500);

	UNIT_ASSERT_INT(events, 1);
	UNIT_ASSERT_INT(last_ev, NATKA_UNSUPPORTED);
	UNIT_ASSERT_INT(last_err, ETIMEDOUT);
	/* nothing more was sent after that */
	UNIT_ASSERT_INT(natka_sent(ka), 1);
	CU_ASSERT_PTR_NULL(natka_mapped(ka));

	teardown();
}


/* Error answers: unsupported at first, a failure after a success. */
static void test_error_answers(void)
{
	CU_ASSERT_FATAL(setup() == 0);
	mode_before = EDGE_ERROR;
	run(1, 50, 1, 600);
	UNIT_ASSERT_INT(events, 1);
	UNIT_ASSERT_INT(last_ev, NATKA_UNSUPPORTED);
	UNIT_ASSERT_INT(last_err, EPROTO);
	teardown();

	CU_ASSERT_FATAL(setup() == 0);
	switch_after = 1;
	mode_after = EDGE_ERROR;
	run(1, 50, 1, 1600);
	UNIT_ASSERT_INT(events, 1);
	UNIT_ASSERT_INT(last_ev, NATKA_FAILED);
	UNIT_ASSERT_INT(last_err, EPROTO);
	teardown();
}


/* SIP datagrams from the edge, and STUN from elsewhere, pass through. */
static void poke(void *arg)
{
	struct mbuf *mb = mbuf_alloc(64);
	struct udp_sock *other = NULL;
	struct sa any;
	(void)arg;

	if (!mb)
		return;

	/* a SIP keep-alive CRLF and a request line from the edge */
	(void)mbuf_write_str(mb, "OPTIONS sip:x SIP/2.0\r\n\r\n");
	mb->pos = 0;
	(void)udp_send(edge_us, &sip_addr, mb);

	/* a STUN Binding success that is no answer of ours, from the edge
	 * (unknown transaction) */
	(void)sa_set_str(&any, "127.0.0.1", 0);
	if (!udp_listen(&other, &any, NULL, NULL)) {
		mb->pos = mb->end = 0;
		(void)stun_msg_encode(mb, STUN_METHOD_BINDING,
				      STUN_CLASS_SUCCESS_RESP,
				      (const uint8_t *)"0123456789ab", NULL,
				      NULL, 0, false, 0x00, 0);
		mb->pos = 0;
		(void)udp_send(edge_us, &sip_addr, mb);
		/* ... and the same from another address */
		mb->pos = 0;
		(void)udp_send(other, &sip_addr, mb);
		mem_deref(other);
	}
	mem_deref(mb);
}


static void test_sip_passes(void)
{
	CU_ASSERT_FATAL(setup() == 0);
	tmr_start(&tpoke, 300, poke, NULL);

	run(1, 0, 0, 700);

	UNIT_ASSERT_INT(sip_datagrams, 3);
	UNIT_ASSERT_INT(natka_answered(ka), 1);
	UNIT_ASSERT_INT(events, 0);

	teardown();
}


/* The owner frees the keep-alive in its handler (re-REGISTER does). */
static void test_free_in_handler(void)
{
	CU_ASSERT_FATAL(setup() == 0);
	mode_before = EDGE_NAT;
	free_in_handler = true;

	run(1, 0, 0, 3000);

	UNIT_ASSERT_INT(events, 1);
	CU_ASSERT_PTR_NULL(ka);

	teardown();
}


static void test_status_args(void)
{
	struct natka_conf c = {25, 0, 0};
	struct natka *k = NULL;
	char buf[256];

	CU_ASSERT_FATAL(setup() == 0);
	UNIT_ASSERT_INT(natka_alloc(&k, NULL, &edge_addr, &c, on_event,
				    NULL), EINVAL);
	UNIT_ASSERT_INT(natka_alloc(&k, sip_us, &edge_addr, NULL, on_event,
				    NULL), EINVAL);
	c.interval = 0;
	UNIT_ASSERT_INT(natka_alloc(&k, sip_us, &edge_addr, &c, on_event,
				    NULL), EINVAL);
	CU_ASSERT_PTR_NULL(k);

	run(25, 0, 0, 300);
	(void)re_snprintf(buf, sizeof(buf), "%H", natka_status, ka);
	UNIT_ASSERT_CONTAINS(buf, "keepalive=stun 25s\n");
	UNIT_ASSERT_CONTAINS(buf, "reflexive_address=127.0.0.1:");
	UNIT_ASSERT_CONTAINS(buf, "keepalive_sent=1\nkeepalive_answered=1\n");
	teardown();
}


static CU_TestInfo tests[] = {
	{"steady: answered, mapping learnt", test_steady},
	{"NAT re-mapped: CHANGED", test_remapped},
	{"dead edge: FAILED after retransmissions", test_dead_edge},
	{"no STUN at the edge: UNSUPPORTED", test_never_answered},
	{"error answers", test_error_answers},
	{"SIP and foreign STUN pass through", test_sip_passes},
	{"freed in its own handler", test_free_in_handler},
	{"status and arguments", test_status_args},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"natka", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_natka", suites);
}
