/* test_route.c: the route set of our own requests: registrar or outbound proxy first, then a REGISTER 200's Service-Route (RFC 3608). */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "regresp.h"
#include "route.h"
#include "unit.h"

#define INST "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"


/* A REGISTER 200 with the given extra header lines, decoded. */
static struct regresp *regresp_of(const char *hdrs)
{
	struct regresp *rr = NULL;
	struct sip_msg *msg;
	char text[1024];

	CU_ASSERT_FATAL(re_snprintf(text, sizeof(text), "SIP/2.0 200 OK\r\n"
				    "Via: SIP/2.0/UDP 10.77.1.2:5060;"
				    "branch=z9hG4bK-1\r\n"
				    "From: <sip:pra@core.test>;tag=a\r\n"
				    "To: <sip:pra@core.test>;tag=b\r\n"
				    "Call-ID: r1@10.77.1.2\r\n"
				    "CSeq: 2 REGISTER\r\n"
				    "%s"
				    "Content-Length: 0\r\n\r\n", hdrs) > 0);
	msg = unit_sip_msg(text);
	CU_ASSERT_FATAL(msg != NULL);
	UNIT_ASSERT_INT(regresp_decode(&rr, msg, INST), 0);
	mem_deref(msg);

	return rr;
}


/* Entries are kept without ";lr": libre's sip_dialog_alloc() adds it. */
static const char *printed(const struct route_set *rs)
{
	static char buf[1024];

	CU_ASSERT(re_snprintf(buf, sizeof(buf), "%H", route_set_print,
			      rs) >= 0);
	return buf;
}


static void test_registrar_then_service_route(void)
{
	struct route_set *rs = NULL;
	struct regresp *rr;

	UNIT_ASSERT_INT(route_set_alloc(&rs, "sip:core.test;transport=tcp",
					NULL), 0);
	UNIT_ASSERT_INT(route_set_count(rs), 1);
	UNIT_ASSERT_STR(route_set_v(rs)[0], "sip:core.test;transport=tcp");

	/* no proxy: the Service-Route replaces the registrar hop */
	rr = regresp_of("Service-Route: <sip:orig@10.0.0.1:5060;lr>,"
			"<sip:scscf.core.test;lr;transport=tcp>\r\n");
	UNIT_ASSERT_INT(route_set_update(rs, rr), 0);
	UNIT_ASSERT_INT(route_set_count(rs), 2);
	UNIT_ASSERT_STR(printed(rs), "<sip:orig@10.0.0.1:5060>,"
			"<sip:scscf.core.test;transport=tcp>");
	mem_deref(rr);

	/* a later 200 without one: back to the registrar */
	rr = regresp_of("");
	UNIT_ASSERT_INT(route_set_update(rs, rr), 0);
	UNIT_ASSERT_STR(printed(rs), "<sip:core.test;transport=tcp>");
	mem_deref(rr);

	UNIT_ASSERT_INT(route_set_update(rs, NULL), 0);
	UNIT_ASSERT_INT(route_set_count(rs), 1);

	mem_deref(rs);
}


static void test_proxy_first(void)
{
	struct route_set *rs = NULL;
	struct regresp *rr;

	UNIT_ASSERT_INT(route_set_alloc(&rs, "sip:core.test",
					"sip:edge.core.test"), 0);
	UNIT_ASSERT_INT(route_set_count(rs), 1);
	UNIT_ASSERT_STR(printed(rs), "<sip:edge.core.test>");

	/* RFC 3608 §6.1: the outbound proxy, then the Service-Route */
	rr = regresp_of("Service-Route: <sip:orig@10.0.0.1:5060;lr>\r\n");
	UNIT_ASSERT_INT(route_set_update(rs, rr), 0);
	UNIT_ASSERT_INT(route_set_count(rs), 2);
	UNIT_ASSERT_STR(route_set_v(rs)[0], "sip:edge.core.test");
	UNIT_ASSERT_STR(route_set_v(rs)[1], "sip:orig@10.0.0.1:5060");
	mem_deref(rr);

	/* the most regresp keeps still fits beside the proxy */
	rr = regresp_of("Service-Route: <sip:a.test;lr>,<sip:b.test;lr>,"
			"<sip:c.test;lr>,<sip:d.test;lr>,<sip:e.test;lr>\r\n");
	UNIT_ASSERT_INT(route_set_update(rs, rr), 0);
	UNIT_ASSERT_INT(route_set_count(rs), 1 + REGRESP_MAX_ROUTES);
	UNIT_ASSERT_STR(route_set_v(rs)[REGRESP_MAX_ROUTES],
			"sip:d.test");
	mem_deref(rr);

	mem_deref(rs);
}


static void test_lr_forms(void)
{
	struct route_set *rs = NULL;

	UNIT_ASSERT_INT(route_set_alloc(&rs, "sip:core.test", "sip:[fd77:1::1]"
					":5060;lr=on;transport=tcp"), 0);
	UNIT_ASSERT_STR(route_set_v(rs)[0],
			"sip:[fd77:1::1]:5060;transport=tcp");
	mem_deref(rs);

	/* a parameter that only starts with lr stays */
	UNIT_ASSERT_INT(route_set_alloc(&rs, "sip:core.test;lrx;maddr=a",
					NULL), 0);
	UNIT_ASSERT_STR(route_set_v(rs)[0], "sip:core.test;lrx;maddr=a");
	mem_deref(rs);
}


static void test_args(void)
{
	struct route_set *rs = NULL;

	UNIT_ASSERT_INT(route_set_alloc(NULL, "sip:core.test", NULL), EINVAL);
	UNIT_ASSERT_INT(route_set_alloc(&rs, NULL, NULL), EINVAL);
	UNIT_ASSERT_INT(route_set_alloc(&rs, "not a uri", NULL), EINVAL);
	CU_ASSERT_PTR_NULL(rs);
	UNIT_ASSERT_INT(route_set_update(NULL, NULL), EINVAL);
	UNIT_ASSERT_INT(route_set_count(NULL), 0);
	CU_ASSERT_PTR_NULL(route_set_v(NULL));
}


static CU_TestInfo tests[] = {
	{"registrar first, Service-Route replaces it",
	 test_registrar_then_service_route},
	{"outbound proxy first, Service-Route after it", test_proxy_first},
	{"lr and lr=on dropped (libre adds it), lrx kept", test_lr_forms},
	{"arguments", test_args},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"route", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_route", suites);
}
