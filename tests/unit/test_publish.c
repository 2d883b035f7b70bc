/* test_publish.c: PUBLISH of the capabilities to a libre UAS over loopback: entity tags, refresh, 412, 489. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "publish.h"
#include "route.h"
#include "unit.h"

#define AOR "sip:pra@sippush.test"

/* The presence server: a second SIP stack in this process. */
static struct {
	struct sip *sip;
	struct sip_lsnr *lsnr;
	struct sa addr;
	uint16_t answers[8];
	uint32_t expires;          /* granted */
	unsigned n;
	char ruri[64], event[32], ifmatch[32], ctype[64], route[96];
	char callid[64], expires_hdr[16];
	size_t len;
	char body[1024];
} ps;

static struct sip *our_sip;
static struct publish *pub;
static unsigned bodies;


static bool request_handler(const struct sip_msg *msg, void *arg)
{
	const struct sip_hdr *h;
	uint16_t code;
	(void)arg;

	if (pl_strcmp(&msg->met, "PUBLISH"))
		return false;

	code = ps.n < ARRAY_SIZE(ps.answers) && ps.answers[ps.n] ?
		ps.answers[ps.n] : 200;
	++ps.n;

	(void)re_snprintf(ps.ruri, sizeof(ps.ruri), "%r", &msg->ruri);
	ps.event[0] = ps.ifmatch[0] = ps.ctype[0] = ps.route[0] = '\0';
	(void)pl_strcpy(&msg->callid, ps.callid, sizeof(ps.callid));
	(void)re_snprintf(ps.expires_hdr, sizeof(ps.expires_hdr), "%r",
			  &msg->expires);
	if ((h = sip_msg_hdr(msg, SIP_HDR_EVENT)))
		(void)pl_strcpy(&h->val, ps.event, sizeof(ps.event));
	if ((h = sip_msg_hdr(msg, SIP_HDR_SIP_IF_MATCH)))
		(void)pl_strcpy(&h->val, ps.ifmatch, sizeof(ps.ifmatch));
	if ((h = sip_msg_hdr(msg, SIP_HDR_ROUTE)))
		(void)pl_strcpy(&h->val, ps.route, sizeof(ps.route));
	if (msg->ctyp.type.p)
		(void)re_snprintf(ps.ctype, sizeof(ps.ctype), "%r/%r",
				  &msg->ctyp.type, &msg->ctyp.subtype);
	ps.len = mbuf_get_left(msg->mb);
	(void)re_snprintf(ps.body, sizeof(ps.body), "%b", mbuf_buf(msg->mb),
			  ps.len);

	if (code != 200) {
		(void)sip_reply(ps.sip, msg, code, "Test");
		return true;
	}

	(void)sip_replyf(ps.sip, msg, 200, "OK",
			 "SIP-ETag: e%u\r\nExpires: %u\r\n"
			 "Content-Length: 0\r\n\r\n", ps.n, ps.expires);
	return true;
}


static int body_handler(struct mbuf *mb, void *arg)
{
	(void)arg;
	++bodies;
	return mbuf_printf(mb, "<presence n=\"%u\"/>", bodies);
}



static unsigned want;
static bool got(void) { return ps.n >= want; }
static bool published(void)
{
	return publish_state(pub) == PUBLISH_PUBLISHED;
}
static bool unsupported(void)
{
	return publish_state(pub) == PUBLISH_UNSUPPORTED;
}



static void setup(void)
{
	struct publish_conf conf;
	char registrar[64];
	struct sa a;

	memset(&ps, 0, sizeof(ps));
	bodies = 0;
	ps.expires = 1;   /* refresh at 900 ms */
	CU_ASSERT_FATAL(unit_sip_stack(&ps.sip, &ps.addr) == 0);
	CU_ASSERT_FATAL(sip_listen(&ps.lsnr, ps.sip, true, request_handler,
				   NULL) == 0);
	CU_ASSERT_FATAL(unit_sip_stack(&our_sip, &a) == 0);

	(void)re_snprintf(registrar, sizeof(registrar), "sip:%J", &ps.addr);
	memset(&conf, 0, sizeof(conf));
	conf.aor        = AOR;
	conf.registrar  = registrar;
	conf.expires    = 60;
	conf.retry_base = 40;
	conf.retry_max  = 80;
	CU_ASSERT_FATAL(publish_alloc(&pub, our_sip, &conf, body_handler,
				      NULL) == 0);
	UNIT_ASSERT_INT(publish_state(pub), PUBLISH_IDLE);
}


static void teardown(void)
{
	pub = mem_deref(pub);
	ps.lsnr = mem_deref(ps.lsnr);
	sip_close(ps.sip, true);
	sip_close(our_sip, true);
	ps.sip = mem_deref(ps.sip);
	our_sip = mem_deref(our_sip);
}


static void test_publish_refresh_modify(void)
{
	setup();

	/* initial: the document, no entity tag */
	UNIT_ASSERT_INT(publish_now(pub), 0);
	CU_ASSERT(unit_wait_for(published, 3000));
	UNIT_ASSERT_STR(ps.ruri, AOR);
	UNIT_ASSERT_CONTAINS(ps.route, ";lr>");
	UNIT_ASSERT_STR(ps.event, "presence");
	UNIT_ASSERT_STR(ps.ifmatch, "");
	UNIT_ASSERT_STR(ps.ctype, "application/pidf+xml");
	UNIT_ASSERT_STR(ps.body, "<presence n=\"1\"/>");

	/* refresh: the tag, no body (granted 1 s: at 900 ms) */
	want = 2;
	CU_ASSERT(unit_wait_for(got, 5000));
	UNIT_ASSERT_STR(ps.ifmatch, "e1");
	UNIT_ASSERT_INT(ps.len, 0);
	UNIT_ASSERT_STR(ps.ctype, "");
	UNIT_ASSERT_INT(bodies, 1);

	/* modify: the new document with the last tag */
	want = 3;
	UNIT_ASSERT_INT(publish_now(pub), 0);
	CU_ASSERT(unit_wait_for(got, 3000));
	UNIT_ASSERT_STR(ps.ifmatch, "e2");
	UNIT_ASSERT_STR(ps.body, "<presence n=\"2\"/>");
	teardown();
}


static void test_412_starts_over(void)
{
	setup();
	ps.answers[1] = 412;

	UNIT_ASSERT_INT(publish_now(pub), 0);
	CU_ASSERT(unit_wait_for(published, 3000));

	/* the refresh gets 412: the whole document again, without a tag */
	want = 3;
	CU_ASSERT(unit_wait_for(got, 5000));
	UNIT_ASSERT_STR(ps.ifmatch, "");
	UNIT_ASSERT_STR(ps.body, "<presence n=\"2\"/>");
	CU_ASSERT(unit_wait_for(published, 3000));
	teardown();
}


static void test_not_offered(void)
{
	setup();
	unit_log_capture(true);
	ps.answers[0] = 489;

	UNIT_ASSERT_INT(publish_now(pub), 0);
	CU_ASSERT(unit_wait_for(unsupported, 3000));
	UNIT_ASSERT_CONTAINS(unit_log_text(), "PUBLISH not taken by the core");

	UNIT_ASSERT_INT(publish_now(pub), 0);
	(void)unit_wait_for(NULL, 300);
	UNIT_ASSERT_INT(ps.n, 1);
	UNIT_ASSERT_INT(publish_sent(pub), 1);
	unit_log_capture(false);
	teardown();
}


static void test_retry(void)
{
	setup();
	ps.answers[0] = 503;
	ps.answers[1] = 500;
	ps.expires = 60;

	UNIT_ASSERT_INT(publish_now(pub), 0);
	CU_ASSERT(unit_wait_for(published, 3000));
	UNIT_ASSERT_INT(ps.n, 3);
	UNIT_ASSERT_STR(ps.ifmatch, "");   /* full again after failures */
	UNIT_ASSERT_INT(bodies, 3);
	teardown();
}


static unsigned dones;
static void done_handler(void *arg)
{
	(void)arg;
	++dones;
}
static bool done(void) { return dones > 0; }


static void test_remove(void)
{
	setup();
	ps.expires = 60;
	dones = 0;

	/* nothing published yet: nothing to remove, nothing sent */
	UNIT_ASSERT_INT(publish_remove(pub, done_handler, NULL), ENOENT);
	UNIT_ASSERT_INT(ps.n, 0);
	teardown();

	setup();
	ps.expires = 60;
	UNIT_ASSERT_INT(publish_now(pub), 0);
	CU_ASSERT(unit_wait_for(published, 3000));
	UNIT_ASSERT_STR(ps.expires_hdr, "60");

	/* RFC 3903 §4.5: Expires: 0 with the tag, no body */
	want = 2;
	UNIT_ASSERT_INT(publish_remove(pub, done_handler, NULL), 0);
	CU_ASSERT(unit_wait_for(done, 3000));
	UNIT_ASSERT_INT(ps.n, 2);
	UNIT_ASSERT_STR(ps.expires_hdr, "0");
	UNIT_ASSERT_STR(ps.ifmatch, "e1");
	UNIT_ASSERT_INT(ps.len, 0);
	UNIT_ASSERT_INT(dones, 1);
	UNIT_ASSERT_INT(publish_state(pub), PUBLISH_IDLE);
	UNIT_ASSERT_INT(publish_remove(pub, done_handler, NULL), EALREADY);

	/* and nothing after it */
	UNIT_ASSERT_INT(publish_now(pub), 0);
	(void)unit_wait_for(NULL, 200);
	UNIT_ASSERT_INT(ps.n, 2);
	teardown();
}


static void test_route_change(void)
{
	struct route_set *rs = NULL;
	char callid[64], proxy[80];

	setup();
	ps.expires = 60;
	UNIT_ASSERT_INT(publish_now(pub), 0);
	CU_ASSERT(unit_wait_for(published, 3000));
	str_ncpy(callid, ps.callid, sizeof(callid));
	CU_ASSERT(strstr(ps.route, "transport=udp") == NULL);

	/* another route set (e.g. a new outbound proxy): the next PUBLISH
	 * takes it, in a new dialog, and keeps our entity tag */
	(void)re_snprintf(proxy, sizeof(proxy), "sip:%J;transport=udp",
			  &ps.addr);
	CU_ASSERT_FATAL(route_set_alloc(&rs, proxy, proxy) == 0);
	publish_set_routes(pub, rs);

	want = 2;
	UNIT_ASSERT_INT(publish_now(pub), 0);
	CU_ASSERT(unit_wait_for(got, 3000));
	UNIT_ASSERT_CONTAINS(ps.route, "transport=udp");
	UNIT_ASSERT_STR(ps.ifmatch, "e1");
	CU_ASSERT(strcmp(callid, ps.callid) != 0);
	mem_deref(rs);
	teardown();
}


static CU_TestInfo tests[] = {
	{"publish, refresh with the tag, modify", test_publish_refresh_modify},
	{"412: the whole document again", test_412_starts_over},
	{"489: not published again", test_not_offered},
	{"503/500: retried with back-off", test_retry},
	{"remove: Expires 0 with the tag, then silence", test_remove},
	{"a new route set: new dialog, same tag", test_route_change},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"publish", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_publish", suites);
}
