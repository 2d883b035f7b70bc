/* test_imdnsend.c: IMDN notifications sent to a libre UAS over loopback: content, route, retries, the store across a restart. */
#include <string.h>
#include <dirent.h>
#include <re.h>
#include "autoconf.h"
#include "cpim.h"
#include "imdn.h"
#include "imdnsend.h"
#include "xml.h"
#include "unit.h"

#define AOR "sip:pra@sippush.test"
#define AOR2 "sip:pra2@sippush.test"
#define PSA "sip:psa@sender.test"

/* The core and the push sender in one: a second SIP stack. */
static struct {
	struct sip *sip;
	struct sip_lsnr *lsnr;
	struct sa addr;
	uint16_t answers[8];       /* answer n-th MESSAGE with answers[n] */
	unsigned n;
	char ruri[64], route[96], from[96], ctype[64];
	char body[2048];
} uas;

static struct imdnsend *is;
static char dir[256];


static bool request_handler(const struct sip_msg *msg, void *arg)
{
	const struct sip_hdr *h;
	uint16_t code;
	(void)arg;

	if (pl_strcmp(&msg->met, "MESSAGE"))
		return false;

	code = uas.n < ARRAY_SIZE(uas.answers) && uas.answers[uas.n] ?
		uas.answers[uas.n] : 200;
	++uas.n;

	(void)re_snprintf(uas.ruri, sizeof(uas.ruri), "%r", &msg->ruri);
	uas.route[0] = '\0';
	h = sip_msg_hdr(msg, SIP_HDR_ROUTE);
	if (h)
		(void)pl_strcpy(&h->val, uas.route, sizeof(uas.route));
	(void)re_snprintf(uas.from, sizeof(uas.from), "%r", &msg->from.auri);
	(void)re_snprintf(uas.ctype, sizeof(uas.ctype), "%r/%r",
			  &msg->ctyp.type, &msg->ctyp.subtype);
	(void)re_snprintf(uas.body, sizeof(uas.body), "%b",
			  mbuf_buf(msg->mb), mbuf_get_left(msg->mb));

	(void)sip_reply(uas.sip, msg, code, code == 200 ? "OK" : "Test");
	return true;
}



static unsigned want;
static bool got(void) { return uas.n >= want; }
static bool idle(void) { return imdnsend_pending(is) == 0; }


static unsigned files(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			++n;
	closedir(d);
	return n;
}



static struct sip *our_sip;

static int start_sender(void)
{
	struct imdnsend_conf conf;
	char registrar[64];

	(void)re_snprintf(registrar, sizeof(registrar), "sip:%J", &uas.addr);
	memset(&conf, 0, sizeof(conf));
	conf.aor        = AOR;
	conf.registrar  = registrar;
	conf.dir        = dir;
	conf.max        = 4;
	conf.retry_base = 40;
	conf.retry_max  = 80;
	return imdnsend_alloc(&is, our_sip, &conf);
}


static void setup(void)
{
	struct sa a;

	memset(&uas, 0, sizeof(uas));
	CU_ASSERT_FATAL(unit_mkdtemp(dir, sizeof(dir)) == 0);
	CU_ASSERT_FATAL(unit_sip_stack(&uas.sip, &uas.addr) == 0);
	CU_ASSERT_FATAL(sip_listen(&uas.lsnr, uas.sip, true, request_handler,
				   NULL) == 0);
	CU_ASSERT_FATAL(unit_sip_stack(&our_sip, &a) == 0);
	CU_ASSERT_FATAL(start_sender() == 0);
}


static void teardown(void)
{
	is = mem_deref(is);
	(void)unit_wait_for(NULL, 20);
	uas.lsnr = mem_deref(uas.lsnr);
	sip_close(uas.sip, true);
	sip_close(our_sip, true);
	uas.sip = mem_deref(uas.sip);
	our_sip = mem_deref(our_sip);
	(void)unit_rmtree(dir);
}


static const struct imdnsend_req positive = {
	PSA, "Hr1BCcvD", "2024-05-01T10:00:00Z", IMDN_DELIVERY,
	IMDN_DELIVERED, 0, NULL,
};


static void test_positive(void)
{
	struct cpim c;
	struct imdn im;
	struct pl uri;
	char err[XML_ERR_SIZE];

	setup();
	want = 1;
	UNIT_ASSERT_INT(imdnsend_queue(is, &positive), 0);
	CU_ASSERT(unit_wait_for(got, 3000));
	CU_ASSERT(unit_wait_for(idle, 3000));

	/* to the push sender, through the core, from us */
	UNIT_ASSERT_STR(uas.ruri, PSA);
	UNIT_ASSERT_CONTAINS(uas.route, ";lr>");
	UNIT_ASSERT_STR(uas.from, AOR);
	UNIT_ASSERT_STR(uas.ctype, "message/cpim");

	/* RFC 5438 §7.1.1: a CPIM wrapper with our own imdn.Message-ID */
	UNIT_ASSERT_INT(cpim_decode(&c, (uint8_t *)uas.body,
				    strlen(uas.body)), 0);
	CU_ASSERT(cpim_uri(&uri, &c.to) == 0 && !pl_strcmp(&uri, PSA));
	CU_ASSERT(cpim_uri(&uri, &c.from) == 0 && !pl_strcmp(&uri, AOR));
	UNIT_ASSERT_INT(c.imdn_msgid.l, 16);
	CU_ASSERT(c.imdn_dispo.p == NULL);  /* no receipts for receipts */
	CU_ASSERT(!pl_strcmp(&c.ctype, "message/imdn+xml"));
	UNIT_ASSERT_CONTAINS(uas.body, "Content-Disposition: notification");

	/* the document: about the push's Message-ID and date */
	UNIT_ASSERT_INT(imdn_decode(&im, c.body.p, c.body.l, err,
				    sizeof(err)), 0);
	UNIT_ASSERT_STR(im.msgid, "Hr1BCcvD");
	UNIT_ASSERT_STR(im.datetime, "2024-05-01T10:00:00Z");
	UNIT_ASSERT_STR(im.recipient, AOR);
	UNIT_ASSERT_INT(im.kind, IMDN_DELIVERY);
	UNIT_ASSERT_INT(im.status, IMDN_DELIVERED);

	UNIT_ASSERT_INT(imdnsend_sent(is), 1);
	UNIT_ASSERT_INT(files(), 0);   /* answered at once: no flash write */
	teardown();
}


static void test_negative_and_display(void)
{
	struct imdnsend_req neg = {PSA, "m1", NULL, IMDN_DELIVERY,
				   IMDN_FORBIDDEN, 403, "Forbidden"};
	struct imdnsend_req disp = {PSA, "m2", NULL, IMDN_DISPLAY,
				    IMDN_DISPLAYED, 0, NULL};
	struct cpim c;
	struct imdn im;

	setup();
	want = 1;
	UNIT_ASSERT_INT(imdnsend_queue(is, &neg), 0);
	CU_ASSERT(unit_wait_for(got, 3000));
	UNIT_ASSERT_INT(cpim_decode(&c, (uint8_t *)uas.body,
				    strlen(uas.body)), 0);
	UNIT_ASSERT_INT(imdn_decode(&im, c.body.p, c.body.l, NULL, 0), 0);
	UNIT_ASSERT_INT(im.status, IMDN_FORBIDDEN);
	UNIT_ASSERT_INT(im.code, 403);
	UNIT_ASSERT_STR(im.reason, "Forbidden");
	CU_ASSERT(im.datetime[0] != '\0');     /* now, when not known */

	want = 2;
	UNIT_ASSERT_INT(imdnsend_queue(is, &disp), 0);
	CU_ASSERT(unit_wait_for(got, 3000));
	UNIT_ASSERT_INT(cpim_decode(&c, (uint8_t *)uas.body,
				    strlen(uas.body)), 0);
	UNIT_ASSERT_INT(imdn_decode(&im, c.body.p, c.body.l, NULL, 0), 0);
	UNIT_ASSERT_STR(im.msgid, "m2");
	UNIT_ASSERT_INT(im.kind, IMDN_DISPLAY);
	UNIT_ASSERT_INT(im.status, IMDN_DISPLAYED);
	teardown();
}


static void test_retry_then_store(void)
{
	setup();

	/* 503, 480, then 200: three attempts, kept on disk meanwhile */
	uas.answers[0] = 503;
	uas.answers[1] = 480;
	want = 2;
	UNIT_ASSERT_INT(imdnsend_queue(is, &positive), 0);
	CU_ASSERT(unit_wait_for(got, 3000));
	UNIT_ASSERT_INT(files(), 1);
	UNIT_ASSERT_INT(imdnsend_pending(is), 1);

	want = 3;
	CU_ASSERT(unit_wait_for(got, 3000));
	CU_ASSERT(unit_wait_for(idle, 3000));
	UNIT_ASSERT_INT(uas.n, 3);
	UNIT_ASSERT_INT(imdnsend_sent(is), 1);
	UNIT_ASSERT_INT(files(), 0);
	teardown();
}


static void test_permanent_refusal(void)
{
	setup();
	unit_log_capture(true);
	uas.answers[0] = 404;
	want = 1;
	UNIT_ASSERT_INT(imdnsend_queue(is, &positive), 0);
	CU_ASSERT(unit_wait_for(idle, 3000));
	(void)unit_wait_for(NULL, 200);
	UNIT_ASSERT_INT(uas.n, 1);        /* not again */
	UNIT_ASSERT_INT(imdnsend_dropped(is), 1);
	UNIT_ASSERT_CONTAINS(unit_log_text(), "refused by " PSA " (404");
	unit_log_capture(false);
	teardown();
}


static void test_survives_restart(void)
{
	struct cpim c;
	struct imdn im;

	setup();

	/* the sender is unreachable for now */
	for (size_t i = 0; i < ARRAY_SIZE(uas.answers); i++)
		uas.answers[i] = 503;
	want = 2;
	UNIT_ASSERT_INT(imdnsend_queue(is, &positive), 0);
	CU_ASSERT(unit_wait_for(got, 3000));
	UNIT_ASSERT_INT(files(), 1);

	/* the daemon stops and starts again; the sender is back */
	is = mem_deref(is);
	UNIT_ASSERT_INT(files(), 1);
	memset(uas.answers, 0, sizeof(uas.answers));
	uas.n = 0;
	want = 1;
	UNIT_ASSERT_INT(start_sender(), 0);
	UNIT_ASSERT_INT(imdnsend_pending(is), 1);
	CU_ASSERT(unit_wait_for(got, 3000));
	CU_ASSERT(unit_wait_for(idle, 3000));
	UNIT_ASSERT_INT(files(), 0);

	UNIT_ASSERT_INT(cpim_decode(&c, (uint8_t *)uas.body,
				    strlen(uas.body)), 0);
	UNIT_ASSERT_INT(imdn_decode(&im, c.body.p, c.body.l, NULL, 0), 0);
	UNIT_ASSERT_STR(im.msgid, "Hr1BCcvD");
	teardown();
}


static void test_refused_early(void)
{
	struct imdnsend_req rq = positive;

	setup();

	/* nothing answers: the queue fills up to its bound (4) */
	uas.lsnr = mem_deref(uas.lsnr);
	for (unsigned i = 0; i < 4; i++)
		UNIT_ASSERT_INT(imdnsend_queue(is, &positive), 0);
	UNIT_ASSERT_INT(imdnsend_queue(is, &positive), ENOSPC);

	rq.to = "not a uri";
	UNIT_ASSERT_INT(imdnsend_queue(is, &rq), EINVAL);
	rq.to = "sip:a@b>\r\nX: y";
	UNIT_ASSERT_INT(imdnsend_queue(is, &rq), EINVAL);
	rq = positive;
	rq.msgid = "bad id";
	UNIT_ASSERT_INT(imdnsend_queue(is, &rq), EINVAL);
	rq = positive;
	rq.status = IMDN_DISPLAYED;      /* not a delivery status */
	UNIT_ASSERT_INT(imdnsend_queue(is, &rq), EINVAL);
	teardown();
}


/* A reload to another sip_aor: notifications go out as the new one */
static void test_new_identity(void)
{
	struct cpim c;
	struct pl uri;

	setup();
	UNIT_ASSERT_INT(imdnsend_set_identity(is, AOR2, "pra2", "secret2"),
			0);
	UNIT_ASSERT_INT(imdnsend_set_identity(is, NULL, NULL, NULL), EINVAL);

	want = 1;
	UNIT_ASSERT_INT(imdnsend_queue(is, &positive), 0);
	CU_ASSERT(unit_wait_for(got, 3000));
	CU_ASSERT(unit_wait_for(idle, 3000));
	UNIT_ASSERT_STR(uas.from, AOR2);
	UNIT_ASSERT_INT(cpim_decode(&c, (uint8_t *)uas.body,
				    strlen(uas.body)), 0);
	CU_ASSERT(cpim_uri(&uri, &c.from) == 0 && !pl_strcmp(&uri, AOR2));
	UNIT_ASSERT_CONTAINS(uas.body, "<recipient-uri>" AOR2);
	teardown();
}


static CU_TestInfo tests[] = {
	{"positive-delivery: route, CPIM, document", test_positive},
	{"negative-delivery with reason, display", test_negative_and_display},
	{"503/480 retried, kept on disk meanwhile", test_retry_then_store},
	{"404: dropped with a log line", test_permanent_refusal},
	{"unsent notification survives a restart", test_survives_restart},
	{"bounds and bad input refused", test_refused_early},
	{"reload to another AOR: sent as the new one", test_new_identity},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"imdnsend", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_imdnsend", suites);
}
