/* test_imdnpush.c: which notifications a verdict and DISPOSED reports give, sent to a libre UAS over loopback. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "cpim.h"
#include "imdn.h"
#include "imdnsend.h"
#include "imdnpush.h"
#include "unit.h"

#define AOR "sip:pra@sippush.test"
#define PSA "sip:psa@sender.test"
#define MMS "x-wap-application:mms.ua"

static struct {
	struct sip *sip;
	struct sip_lsnr *lsnr;
	struct sa addr;
	unsigned n;
	struct imdn last;
} uas;

static struct sip *our_sip;
static struct imdnsend *is;
static struct imdnpush *ip;
static char dir[256];


static bool request_handler(const struct sip_msg *msg, void *arg)
{
	struct cpim c;
	(void)arg;

	if (pl_strcmp(&msg->met, "MESSAGE"))
		return false;

	++uas.n;
	memset(&uas.last, 0, sizeof(uas.last));
	if (!cpim_decode(&c, mbuf_buf(msg->mb), mbuf_get_left(msg->mb)))
		(void)imdn_decode(&uas.last, c.body.p, c.body.l, NULL, 0);

	(void)sip_reply(uas.sip, msg, 200, "OK");
	return true;
}


static unsigned want;
static bool got(void) { return uas.n >= want; }


static void setup(uint32_t max)
{
	struct imdnsend_conf conf;
	char registrar[64];
	struct sa a;

	memset(&uas, 0, sizeof(uas));
	CU_ASSERT_FATAL(unit_mkdtemp(dir, sizeof(dir)) == 0);
	CU_ASSERT_FATAL(unit_sip_stack(&uas.sip, &uas.addr) == 0);
	CU_ASSERT_FATAL(sip_listen(&uas.lsnr, uas.sip, true, request_handler,
				   NULL) == 0);
	CU_ASSERT_FATAL(unit_sip_stack(&our_sip, &a) == 0);

	(void)re_snprintf(registrar, sizeof(registrar), "sip:%J", &uas.addr);
	memset(&conf, 0, sizeof(conf));
	conf.aor       = AOR;
	conf.registrar = registrar;
	conf.dir       = dir;
	CU_ASSERT_FATAL(imdnsend_alloc(&is, our_sip, &conf) == 0);
	CU_ASSERT_FATAL(imdnpush_alloc(&ip, is, max, 0) == 0);
}


static void teardown(void)
{
	ip = mem_deref(ip);
	is = mem_deref(is);
	(void)unit_wait_for(NULL, 20);
	uas.lsnr = mem_deref(uas.lsnr);
	sip_close(uas.sip, true);
	sip_close(our_sip, true);
	uas.sip = mem_deref(uas.sip);
	our_sip = mem_deref(our_sip);
	(void)unit_rmtree(dir);
}


static void test_positive_then_displayed(void)
{
	struct imdnpush_push p = {7, MMS, PSA, "m7",
				  "positive-delivery, display",
				  "2024-05-01T10:00:00Z"};

	setup(0);
	want = 1;
	UNIT_ASSERT_INT(imdnpush_verdict(ip, &p, 200, "OK"), 0);
	CU_ASSERT(unit_wait_for(got, 3000));
	UNIT_ASSERT_INT(uas.last.kind, IMDN_DELIVERY);
	UNIT_ASSERT_INT(uas.last.status, IMDN_DELIVERED);
	UNIT_ASSERT_STR(uas.last.msgid, "m7");
	UNIT_ASSERT_STR(uas.last.datetime, "2024-05-01T10:00:00Z");

	/* remembered for DISPOSED, with its owner */
	UNIT_ASSERT_INT(imdnpush_count(ip), 1);
	UNIT_ASSERT_STR(imdnpush_app(ip, 7), MMS);
	CU_ASSERT(imdnpush_app(ip, 8) == NULL);

	/* processed was not asked for */
	UNIT_ASSERT_INT(imdnpush_disposed(ip, 7, IMDNPUSH_PROCESSED),
			EALREADY);

	want = 2;
	UNIT_ASSERT_INT(imdnpush_disposed(ip, 7, IMDNPUSH_DISPLAYED), 0);
	CU_ASSERT(unit_wait_for(got, 3000));
	UNIT_ASSERT_INT(uas.last.kind, IMDN_DISPLAY);
	UNIT_ASSERT_INT(uas.last.status, IMDN_DISPLAYED);
	UNIT_ASSERT_STR(uas.last.msgid, "m7");

	/* owed nothing more: forgotten; a second report finds nothing */
	UNIT_ASSERT_INT(imdnpush_count(ip), 0);
	UNIT_ASSERT_INT(imdnpush_disposed(ip, 7, IMDNPUSH_DISPLAYED), ENOENT);
	(void)unit_wait_for(NULL, 100);
	UNIT_ASSERT_INT(uas.n, 2);
	teardown();
}


static void test_negative(void)
{
	struct imdnpush_push p = {9, MMS, PSA, "m9",
				  "negative-delivery, display", NULL};
	struct imdnpush_push q = {10, MMS, PSA, "m10", "positive-delivery",
				  NULL};

	setup(0);

	/* refused: negative-delivery with the code; no display owed */
	want = 1;
	UNIT_ASSERT_INT(imdnpush_verdict(ip, &p, 415,
					 "Unsupported Media Type"), 0);
	CU_ASSERT(unit_wait_for(got, 3000));
	UNIT_ASSERT_INT(uas.last.status, IMDN_FAILED);
	UNIT_ASSERT_INT(uas.last.code, 415);
	UNIT_ASSERT_STR(uas.last.reason, "Unsupported Media Type");
	UNIT_ASSERT_INT(imdnpush_count(ip), 0);

	/* refused but only positive was asked for: nothing */
	UNIT_ASSERT_INT(imdnpush_verdict(ip, &q, 480, "Offline"), 0);
	/* accepted but only negative was asked for: nothing */
	UNIT_ASSERT_INT(imdnpush_verdict(ip, &p, 200, "OK"), 0);
	(void)unit_wait_for(NULL, 150);
	UNIT_ASSERT_INT(uas.n, 1);
	teardown();
}


static void test_not_asked_or_bad(void)
{
	struct imdnpush_push none = {1, MMS, PSA, NULL, NULL, NULL};
	struct imdnpush_push badlist = {2, MMS, PSA, "m", "display;x", NULL};
	struct imdnpush_push badid = {3, MMS, PSA, "a b", "display", NULL};
	struct imdnpush_push baddate = {4, MMS, PSA, "m4",
					"positive-delivery", "yesterday"};

	setup(0);
	UNIT_ASSERT_INT(imdnpush_verdict(ip, &none, 200, "OK"), 0);
	UNIT_ASSERT_INT(imdnpush_verdict(ip, &badlist, 200, "OK"), EBADMSG);
	UNIT_ASSERT_INT(imdnpush_verdict(ip, &badid, 200, "OK"), EBADMSG);

	/* a DateTime that is not RFC 3339: ours instead */
	want = 1;
	UNIT_ASSERT_INT(imdnpush_verdict(ip, &baddate, 200, "OK"), 0);
	CU_ASSERT(unit_wait_for(got, 3000));
	UNIT_ASSERT_STR(uas.last.msgid, "m4");
	CU_ASSERT(strcmp(uas.last.datetime, "yesterday") != 0);
	UNIT_ASSERT_INT(uas.n, 1);
	teardown();
}


static void test_bounded(void)
{
	setup(3);

	for (uint64_t id = 1; id <= 5; id++) {
		struct imdnpush_push p = {id, MMS, PSA, "m", "display", NULL};

		UNIT_ASSERT_INT(imdnpush_verdict(ip, &p, 200, "OK"), 0);
	}

	/* the oldest went first */
	UNIT_ASSERT_INT(imdnpush_count(ip), 3);
	CU_ASSERT(imdnpush_app(ip, 1) == NULL);
	CU_ASSERT(imdnpush_app(ip, 2) == NULL);
	CU_ASSERT(imdnpush_app(ip, 3) != NULL);
	CU_ASSERT(imdnpush_app(ip, 5) != NULL);
	UNIT_ASSERT_INT(imdnpush_disposed(ip, 1, IMDNPUSH_DISPLAYED), ENOENT);
	teardown();
}


static CU_TestInfo tests[] = {
	{"positive-delivery, then displayed on DISPOSED",
	 test_positive_then_displayed},
	{"negative-delivery with the code; only what was asked",
	 test_negative},
	{"nothing asked, bad requests, bad DateTime", test_not_asked_or_bad},
	{"remembered pushes bounded", test_bounded},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"imdnpush", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_imdnpush", suites);
}
