/* test_regresp.c: reading Service-Route, Path, GRUUs, P-Associated-URI and outbound from a REGISTER 200. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "regresp.h"
#include "unit.h"

#define INST  "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
#define OTHER "urn:uuid:00000000-0000-0000-0000-000000000001"


/* A 200 to a REGISTER as it comes off the wire, with extra header lines. */
static struct sip_msg *resp(const char *hdrs)
{
	char text[2048];

	if (re_snprintf(text, sizeof(text), "SIP/2.0 200 OK\r\n"
			"Via: SIP/2.0/UDP 10.77.1.2:5060;branch=z9hG4bK-1;"
			"rport=5060;received=192.0.2.1\r\n"
			"From: <sip:pra@core.test>;tag=a\r\n"
			"To: <sip:pra@core.test>;tag=b\r\n"
			"Call-ID: r1@10.77.1.2\r\n"
			"CSeq: 2 REGISTER\r\n"
			"%s"
			"Content-Length: 0\r\n"
			"\r\n", hdrs) < 0) {
		CU_FAIL("message too long");
		return NULL;
	}

	return unit_sip_msg(text);
}


static struct regresp *decode(const char *hdrs)
{
	struct sip_msg *msg = resp(hdrs);
	struct regresp *rr = NULL;

	if (!msg)
		return NULL;

	UNIT_ASSERT_INT(regresp_decode(&rr, msg, INST), 0);
	mem_deref(msg);

	return rr;
}


static void print_to(char *buf, size_t sz,
		     int (*h)(struct re_printf *, const struct regresp *),
		     const struct regresp *rr)
{
	CU_ASSERT(re_snprintf(buf, sz, "%H", h, rr) >= 0);
}


/* What Kamailio 5.6 sends: our binding and another instance's, each with
 * quoted GRUUs; Service-Route split over two header fields. */
static void test_kamailio_200(void)
{
	char buf[1024];
	struct regresp *rr = decode(
		"Contact: <sip:pra@10.77.1.2:40001>;expires=300;"
		"+sip.instance=\"<" OTHER ">\";reg-id=1;"
		"pub-gruu=\"sip:pra@core.test;gr=" OTHER "\";"
		"temp-gruu=\"sip:tgruu.other@core.test;gr\", "
		"<sip:pra@10.77.1.2:5060>;expires=600;"
		"+sip.instance=\"<" INST ">\";reg-id=1;"
		"pub-gruu=\"sip:pra@core.test;gr=" INST "\";"
		"temp-gruu=\"sip:tgruu.7hs5w7fajsc7@core.test;gr\"\r\n"
		"Service-Route: <sip:orig@192.0.2.11:5060;lr>\r\n"
		"Service-Route: <sip:scscf.core.test;lr>\r\n"
		"Path: <sip:192.0.2.11;lr;ob>\r\n"
		"P-Associated-URI: <sip:pra@core.test>, <tel:+15550100>\r\n"
		"Require: outbound\r\n"
		"Flow-Timer: 25\r\n");

	if (!rr)
		return;

	UNIT_ASSERT_STR(regresp_pub_gruu(rr), "sip:pra@core.test;gr=" INST);
	UNIT_ASSERT_STR(regresp_temp_gruu(rr),
			"sip:tgruu.7hs5w7fajsc7@core.test;gr");
	UNIT_ASSERT_INT(regresp_service_routec(rr), 2);
	UNIT_ASSERT_STR(regresp_service_route(rr, 0),
			"sip:orig@192.0.2.11:5060;lr");
	UNIT_ASSERT_STR(regresp_service_route(rr, 1), "sip:scscf.core.test;lr");
	CU_ASSERT_PTR_NULL(regresp_service_route(rr, 2));
	UNIT_ASSERT_INT(regresp_pathc(rr), 1);
	UNIT_ASSERT_STR(regresp_path(rr, 0), "sip:192.0.2.11;lr;ob");
	UNIT_ASSERT_INT(regresp_assocc(rr), 2);
	UNIT_ASSERT_STR(regresp_assoc(rr, 0), "sip:pra@core.test");
	UNIT_ASSERT_STR(regresp_assoc(rr, 1), "tel:+15550100");
	CU_ASSERT_TRUE(regresp_outbound(rr));
	UNIT_ASSERT_INT(regresp_flow_timer(rr), 25);
	UNIT_ASSERT_INT(regresp_dropped(rr), 0);

	print_to(buf, sizeof(buf), regresp_route_print, rr);
	UNIT_ASSERT_STR(buf, "Route: <sip:orig@192.0.2.11:5060;lr>,"
			"<sip:scscf.core.test;lr>\r\n");

	print_to(buf, sizeof(buf), regresp_status, rr);
	UNIT_ASSERT_CONTAINS(buf, "pub_gruu=sip:pra@core.test;gr=" INST "\n");
	UNIT_ASSERT_CONTAINS(buf, "service_route=<sip:orig@192.0.2.11:5060;lr>,"
			     "<sip:scscf.core.test;lr>\n");
	UNIT_ASSERT_CONTAINS(buf, "path=<sip:192.0.2.11;lr;ob>\n");
	UNIT_ASSERT_CONTAINS(buf, "associated_uris=<sip:pra@core.test>,"
			     "<tel:+15550100>\n");
	UNIT_ASSERT_CONTAINS(buf, "outbound=yes\n");

	mem_deref(rr);
}


/* A plain registrar: nothing of it; no Route line, no GRUU. */
static void test_plain_200(void)
{
	char buf[256];
	struct regresp *rr = decode(
		"Contact: <sip:pra@10.77.1.2:5060>;expires=600\r\n");

	if (!rr)
		return;

	CU_ASSERT_PTR_NULL(regresp_pub_gruu(rr));
	CU_ASSERT_PTR_NULL(regresp_temp_gruu(rr));
	UNIT_ASSERT_INT(regresp_service_routec(rr), 0);
	UNIT_ASSERT_INT(regresp_pathc(rr), 0);
	UNIT_ASSERT_INT(regresp_assocc(rr), 0);
	CU_ASSERT_FALSE(regresp_outbound(rr));
	UNIT_ASSERT_INT(regresp_flow_timer(rr), 0);

	print_to(buf, sizeof(buf), regresp_route_print, rr);
	UNIT_ASSERT_STR(buf, "");
	print_to(buf, sizeof(buf), regresp_status, rr);
	UNIT_ASSERT_STR(buf, "outbound=no\n");

	mem_deref(rr);
}


/* Another instance's GRUU is never taken for ours, even if it is the
 * only one; an IPv6 literal in a route is kept. */
static void test_other_instance(void)
{
	struct regresp *rr = decode(
		"Contact: <sip:pra@[fd77:1::2]:5060>;expires=600;"
		"+sip.instance=\"<" OTHER ">\";"
		"pub-gruu=\"sip:pra@core.test;gr=" OTHER "\"\r\n"
		"Service-Route: <sip:orig@[fd77:2::11]:5060;lr>\r\n"
		"Require: path, outbound\r\n");

	if (!rr)
		return;

	CU_ASSERT_PTR_NULL(regresp_pub_gruu(rr));
	UNIT_ASSERT_STR(regresp_service_route(rr, 0),
			"sip:orig@[fd77:2::11]:5060;lr");
	CU_ASSERT_TRUE(regresp_outbound(rr));

	mem_deref(rr);
}


/* Hostile or broken values are dropped and counted, never kept. */
static void test_hostile(void)
{
	char big[700];
	char hdrs[1600];
	struct regresp *rr;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';

	(void)re_snprintf(hdrs, sizeof(hdrs),
		"Contact: <sip:pra@10.77.1.2:5060>;"
		"+sip.instance=\"<" INST ">\";"
		"pub-gruu=\"sip:pra@core.test;gr=x\\\"y\";"
		"temp-gruu=\"http://evil.example/\"\r\n"
		"Service-Route: <sip:%s.example;lr>\r\n"
		"Service-Route: <sip:a.example;lr>, <sip:b.example;lr>, "
		"<sip:c.example;lr>, <sip:d.example;lr>, <sip:e.example;lr>\r\n"
		"Path: <sip:'; rm -rf /@x.example;lr>\r\n"
		"P-Associated-URI: <mailto:x@example.com>, <tel:+1>\r\n",
		big);
	rr = decode(hdrs);
	if (!rr)
		return;

	/* the quote and the http: GRUU are refused */
	CU_ASSERT_PTR_NULL(regresp_pub_gruu(rr));
	CU_ASSERT_PTR_NULL(regresp_temp_gruu(rr));
	/* the overlong one dropped; a..d kept; e beyond the bound */
	UNIT_ASSERT_INT(regresp_service_routec(rr), REGRESP_MAX_ROUTES);
	UNIT_ASSERT_STR(regresp_service_route(rr, 0), "sip:a.example;lr");
	UNIT_ASSERT_STR(regresp_service_route(rr, 3), "sip:d.example;lr");
	/* a space inside the URI */
	UNIT_ASSERT_INT(regresp_pathc(rr), 0);
	/* mailto: is no SIP URI; tel: is allowed here */
	UNIT_ASSERT_INT(regresp_assocc(rr), 1);
	UNIT_ASSERT_STR(regresp_assoc(rr, 0), "tel:+1");
	UNIT_ASSERT_INT(regresp_dropped(rr), 6);

	mem_deref(rr);
}


static void test_args(void)
{
	struct regresp *rr = NULL;
	struct sip_msg *msg = resp("");

	CU_ASSERT_EQUAL(regresp_decode(NULL, msg, INST), EINVAL);
	CU_ASSERT_EQUAL(regresp_decode(&rr, NULL, INST), EINVAL);
	CU_ASSERT_EQUAL(regresp_decode(&rr, msg, NULL), EINVAL);
	CU_ASSERT_PTR_NULL(rr);
	CU_ASSERT_PTR_NULL(regresp_pub_gruu(NULL));
	UNIT_ASSERT_INT(regresp_service_routec(NULL), 0);
	CU_ASSERT_FALSE(regresp_outbound(NULL));
	mem_deref(msg);
}


static CU_TestInfo tests[] = {
	{"Kamailio's 200: GRUUs, Service-Route, Path, PAU", test_kamailio_200},
	{"plain registrar: nothing", test_plain_200},
	{"another instance's GRUU is not ours", test_other_instance},
	{"hostile values dropped and counted", test_hostile},
	{"arguments", test_args},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"regresp", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_regresp", suites);
}
