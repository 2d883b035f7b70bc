/* test_regevent.c: the reg-event subscriber against libre's own notifier over loopback UDP. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "regevent.h"
#include "unit.h"

#define AOR  "sip:pra@sippush.test"
#define INST "urn:uuid:4fa3b7e2-1d0c-4c3e-9a1b-0123456789ab"

/* The notifier: a second SIP stack in this process, as the core's
 * reg-event server would be (RFC 3680 §5) */
static struct {
	struct sip *sip;
	struct sipevent_sock *sock;
	struct sipnot *not;
	struct sa addr;
	uint16_t answer;           /* 200: accept, else refuse with it */
	unsigned subscribes;
	char route[64];            /* Route of the last SUBSCRIBE */
	char ruri[64];
	char accept[64];
} nt;

/* The subscriber side */
static struct {
	struct sip *sip;
	struct sa addr;
	struct regevent *re;
	unsigned actions;
	enum reginfo_action act;
	uint32_t expires;
	char why[96];
} sb;


static void not_close_handler(int err, const struct sip_msg *msg,
			      void *arg)
{
	(void)err;
	(void)msg;
	(void)arg;
	nt.not = mem_deref(nt.not);
}


static bool subscribe_handler(const struct sip_msg *msg, void *arg)
{
	struct sipevent_event ev;
	const struct sip_hdr *h;
	(void)arg;

	++nt.subscribes;
	nt.route[0] = nt.accept[0] = '\0';
	h = sip_msg_hdr(msg, SIP_HDR_ROUTE);
	if (h)
		(void)pl_strcpy(&h->val, nt.route, sizeof(nt.route));
	h = sip_msg_hdr(msg, SIP_HDR_ACCEPT);
	if (h)
		(void)pl_strcpy(&h->val, nt.accept, sizeof(nt.accept));
	(void)re_snprintf(nt.ruri, sizeof(nt.ruri), "%r", &msg->ruri);

	if (nt.answer != 200) {
		(void)sip_reply(nt.sip, msg, nt.answer, "Refused by test");
		return true;
	}

	h = sip_msg_hdr(msg, SIP_HDR_EVENT);
	CU_ASSERT_FATAL(h != NULL);
	CU_ASSERT(sipevent_event_decode(&ev, &h->val) == 0);

	nt.not = mem_deref(nt.not);
	CU_ASSERT(sipevent_accept(&nt.not, nt.sock, msg, NULL, &ev, 200,
				  "OK", 60, 600, 3600, "notifier",
				  "application/reginfo+xml", NULL, NULL, false,
				  not_close_handler, NULL, NULL) == 0);
	return true;
}


static int contact_handler(struct re_printf *pf, void *arg)
{
	(void)arg;
	return re_hprintf(pf, "sip:pra@%J;ob", &sb.addr);
}


static void action_handler(enum reginfo_action act, uint32_t expires,
			   const char *why, void *arg)
{
	(void)arg;
	++sb.actions;
	sb.act = act;
	sb.expires = expires;
	str_ncpy(sb.why, why, sizeof(sb.why));
}




static bool have_not(void)    { return nt.not != NULL; }
static bool is_active(void)
{
	return regevent_state(sb.re) == REGEVENT_ACTIVE;
}
static unsigned want_actions;
static bool got_actions(void) { return sb.actions >= want_actions; }
static bool unsupported(void)
{
	return regevent_state(sb.re) == REGEVENT_UNSUPPORTED;
}
static bool resubscribed(void) { return nt.subscribes >= 2; }


/* --- setup ----------------------------------------------------------- */


static void setup(uint16_t answer)
{
	struct regevent_conf conf;
	char registrar[64];

	memset(&nt, 0, sizeof(nt));
	memset(&sb, 0, sizeof(sb));
	nt.answer = answer;
	want_actions = 0;

	CU_ASSERT_FATAL(unit_sip_stack(&nt.sip, &nt.addr) == 0);
	CU_ASSERT_FATAL(sipevent_listen(&nt.sock, nt.sip, 4, 4, NULL,
					NULL) == 0);
	CU_ASSERT_FATAL(unit_sip_stack(&sb.sip, &sb.addr) == 0);

	(void)re_snprintf(registrar, sizeof(registrar), "sip:%J", &nt.addr);
	memset(&conf, 0, sizeof(conf));
	conf.aor        = AOR;
	conf.registrar  = registrar;
	conf.instance   = INST;
	conf.cuser      = "pra";
	conf.expires    = 600;
	conf.retry_base = 100;
	conf.retry_max  = 400;

	CU_ASSERT_FATAL(regevent_alloc(&sb.re, sb.sip, &conf,
				       contact_handler, action_handler,
				       NULL) == 0);
	UNIT_ASSERT_INT(regevent_state(sb.re), REGEVENT_IDLE);
}


static struct sip_lsnr *nt_lsnr;

static bool nt_request_handler(const struct sip_msg *msg, void *arg)
{
	if (pl_strcmp(&msg->met, "SUBSCRIBE"))
		return false;
	return subscribe_handler(msg, arg);
}


static void start(uint16_t answer)
{
	setup(answer);
	CU_ASSERT_FATAL(sip_listen(&nt_lsnr, nt.sip, true,
				   nt_request_handler, NULL) == 0);
}


static void teardown(void)
{
	/* let the un-SUBSCRIBE and the final NOTIFY go through */
	sb.re = mem_deref(sb.re);
	(void)unit_wait_for(NULL, 50);
	nt.not = mem_deref(nt.not);
	nt_lsnr = mem_deref(nt_lsnr);
	nt.sock = mem_deref(nt.sock);
	(void)unit_wait_for(NULL, 20);

	sip_close(sb.sip, true);
	sip_close(nt.sip, true);
	sb.sip = mem_deref(sb.sip);
	nt.sip = mem_deref(nt.sip);
}


static int notify(unsigned version, const char *rstate, const char *cstate,
		  const char *event, const char *expires)
{
	struct mbuf *mb = NULL;
	int err;

	err = sipevent_notifyf(nt.not, &mb, SIPEVENT_ACTIVE, 0, 0,
		"<?xml version=\"1.0\"?>\r\n"
		"<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" "
		"version=\"%u\" state=\"full\">\r\n"
		"<registration aor=\"" AOR "\" id=\"a\" state=\"%s\">\r\n"
		"<contact id=\"c\" state=\"%s\" event=\"%s\"%s>\r\n"
		"<uri>sip:pra@%J;transport=udp</uri>\r\n"
		"</contact></registration></reginfo>\r\n",
		version, rstate, cstate, event, expires, &sb.addr);
	mem_deref(mb);
	return err;
}


/* --- tests ----------------------------------------------------------- */

static void test_subscribe_and_act(void)
{
	start(200);

	UNIT_ASSERT_INT(regevent_start(sb.re), 0);
	UNIT_ASSERT_INT(regevent_state(sb.re), REGEVENT_SUBSCRIBING);
	CU_ASSERT_FATAL(unit_wait_for(have_not, 3000));

	/* the SUBSCRIBE went to our AOR through the registrar */
	UNIT_ASSERT_STR(nt.ruri, AOR);
	UNIT_ASSERT_CONTAINS(nt.route, "127.0.0.1");
	UNIT_ASSERT_CONTAINS(nt.route, ";lr>");
	UNIT_ASSERT_STR(nt.accept, "application/reginfo+xml");

	/* a second start while subscribed sends nothing */
	UNIT_ASSERT_INT(regevent_start(sb.re), 0);

	/* initial state: active, 600 s left */
	want_actions = 1;
	UNIT_ASSERT_INT(notify(0, "active", "active", "registered",
			       " expires=\"600\""), 0);
	CU_ASSERT(unit_wait_for(got_actions, 3000));
	CU_ASSERT(is_active());
	UNIT_ASSERT_INT(sb.act, REGINFO_EXPIRES);
	UNIT_ASSERT_INT(sb.expires, 600);

	/* shortened */
	want_actions = 2;
	UNIT_ASSERT_INT(notify(1, "active", "active", "shortened",
			       " expires=\"30\""), 0);
	CU_ASSERT(unit_wait_for(got_actions, 3000));
	UNIT_ASSERT_INT(sb.act, REGINFO_EXPIRES);
	UNIT_ASSERT_INT(sb.expires, 30);

	/* the network deactivated our binding: register again */
	want_actions = 3;
	UNIT_ASSERT_INT(notify(2, "terminated", "terminated", "deactivated",
			       ""), 0);
	CU_ASSERT(unit_wait_for(got_actions, 3000));
	UNIT_ASSERT_INT(sb.act, REGINFO_REREGISTER);
	UNIT_ASSERT_CONTAINS(sb.why, "deactivated");

	/* an older version is old news */
	want_actions = 4;
	UNIT_ASSERT_INT(notify(1, "terminated", "terminated", "rejected",
			       ""), 0);
	CU_ASSERT(!unit_wait_for(got_actions, 300));
	UNIT_ASSERT_INT(sb.actions, 3);

	/* removed for good */
	UNIT_ASSERT_INT(notify(3, "terminated", "terminated", "rejected",
			       ""), 0);
	CU_ASSERT(unit_wait_for(got_actions, 3000));
	UNIT_ASSERT_INT(sb.act, REGINFO_STOP);

	UNIT_ASSERT_INT(nt.subscribes, 1);
	UNIT_ASSERT_INT(regevent_subscribes(sb.re), 1);
	UNIT_ASSERT_INT(regevent_notifies(sb.re), 5);

	teardown();
}


static void test_bad_body(void)
{
	struct mbuf *mb = NULL;

	start(200);
	unit_log_capture(true);

	UNIT_ASSERT_INT(regevent_start(sb.re), 0);
	CU_ASSERT_FATAL(unit_wait_for(have_not, 3000));

	want_actions = 1;
	UNIT_ASSERT_INT(sipevent_notifyf(nt.not, &mb, SIPEVENT_ACTIVE, 0, 0,
					 "<reginfo xmlns=\"urn:ietf:params:xml:"
					 "ns:reginfo\" version=\"0\" state="
					 "\"full\"><oops></reginfo>"), 0);
	mem_deref(mb);
	CU_ASSERT(!unit_wait_for(got_actions, 300));
	UNIT_ASSERT_CONTAINS(unit_log_text(), "reginfo refused: line 1:");
	UNIT_ASSERT_INT(sb.actions, 0);

	unit_log_capture(false);
	teardown();
}


static void test_not_offered(void)
{
	static const uint16_t codes[] = {489, 404, 501};

	for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
		start(codes[i]);
		unit_log_capture(true);

		UNIT_ASSERT_INT(regevent_start(sb.re), 0);
		CU_ASSERT(unit_wait_for(unsupported, 3000));
		UNIT_ASSERT_CONTAINS(unit_log_text(),
				     "reg-event not offered by the core");

		/* no retry, not even when asked again */
		UNIT_ASSERT_INT(regevent_start(sb.re), 0);
		(void)unit_wait_for(NULL, 500);   /* > retry_max */
		UNIT_ASSERT_INT(nt.subscribes, 1);
		UNIT_ASSERT_INT(regevent_subscribes(sb.re), 1);

		unit_log_capture(false);
		teardown();
	}
}


static void test_retry_after_failure(void)
{
	start(503);

	UNIT_ASSERT_INT(regevent_start(sb.re), 0);
	CU_ASSERT(unit_wait_for(resubscribed, 3000));
	CU_ASSERT(regevent_state(sb.re) != REGEVENT_UNSUPPORTED);

	/* back-off: 50..100 ms, then 100..200, then 200..400: never more
	 * than 5 in this time, whatever the load */
	(void)unit_wait_for(NULL, 500);
	CU_ASSERT(nt.subscribes <= 5);

	teardown();
}


static void test_terminated_resubscribes(void)
{
	start(200);

	UNIT_ASSERT_INT(regevent_start(sb.re), 0);
	CU_ASSERT_FATAL(unit_wait_for(have_not, 3000));
	UNIT_ASSERT_INT(notify(0, "active", "active", "registered", ""), 0);
	CU_ASSERT(unit_wait_for(is_active, 3000));

	/* the notifier ends the subscription (deactivated): at once again */
	UNIT_ASSERT_INT(sipevent_notify(nt.not, NULL, SIPEVENT_TERMINATED,
					SIPEVENT_DEACTIVATED, 0), 0);
	CU_ASSERT(unit_wait_for(resubscribed, 3000));
	UNIT_ASSERT_INT(nt.subscribes, 2);

	teardown();
}


static CU_TestInfo tests[] = {
	{"subscribe through the route, act on documents",
	 test_subscribe_and_act},
	{"malformed document refused with a log line", test_bad_body},
	{"489/404/501: not asked again", test_not_offered},
	{"503: retried with back-off", test_retry_after_failure},
	{"terminated (deactivated): subscribed again",
	 test_terminated_resubscribes},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"regevent", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_regevent", suites);
}
