/* test_dedup.c: retransmitted requests recognised by branch, Call-ID and CSeq. */
#include <string.h>
#include <errno.h>
#include <re.h>
#include "autoconf.h"
#include "dedup.h"
#include "unit.h"

static struct dedup *dd;


static void teardown(void)
{
	dd = mem_deref(dd);
}


/* A MESSAGE with the given top Via (sent-by and branch), Call-ID and
 * CSeq: the fields a retransmission repeats. */
static struct sip_msg *msg_make(const char *sentby, const char *branch,
				const char *callid, const char *cseq)
{
	struct sip_msg *msg = NULL;
	struct mbuf *mb;
	int err;

	mb = mbuf_alloc(1024);
	if (!mb)
		return NULL;

	err = mbuf_printf(mb, "MESSAGE sip:pra@192.0.2.1 SIP/2.0\r\n"
			  "Via: SIP/2.0/UDP %s;branch=%s\r\n"
			  "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK-lower\r\n"
			  "Max-Forwards: 70\r\n"
			  "From: <sip:sender@example.com>;tag=f1\r\n"
			  "To: <sip:pra@example.com>\r\n"
			  "Call-ID: %s\r\n"
			  "CSeq: %s\r\n"
			  "Content-Type: text/plain\r\n"
			  "Content-Length: 2\r\n"
			  "\r\n"
			  "hi", sentby, branch, callid, cseq);
	mb->pos = 0;
	if (!err)
		err = sip_msg_decode(&msg, mb);
	mem_deref(mb);

	UNIT_ASSERT_INT(err, 0);
	return err ? NULL : msg;
}


#define SENTBY "192.0.2.2:5060"
#define BRANCH "z9hG4bK-1"
#define CALLID "c1@192.0.2.2"

static struct sip_msg *msg_std(const char *branch, const char *cseq)
{
	return msg_make(SENTBY, branch, CALLID, cseq);
}


struct check {
	enum dedup_state st;
	struct dedup_entry *e;
	uint16_t scode;
	const char *reason;
};


/* dedup_check() on a message built for it; the message is not kept.
 * The out-parameters start as non-NULL garbage, to see them reset. */
static struct check check_msg(struct sip_msg *msg)
{
	struct check c = {
		.e = (struct dedup_entry *)&c, .scode = 999,
		.reason = "untouched",
	};

	CU_ASSERT_FATAL(msg != NULL);
	c.st = dedup_check(dd, msg, &c.e, &c.scode, &c.reason);
	mem_deref(msg);
	return c;
}


static struct check check(const char *branch, const char *cseq)
{
	return check_msg(msg_std(branch, cseq));
}


/* Run the main loop for ms milliseconds. */
static void cancel_handler(void *arg)
{
	(void)arg;
	re_cancel();
}


static void run_for(uint32_t ms)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, ms, cancel_handler, NULL);
	(void)re_main(NULL);
	tmr_cancel(&t);
}


/* Run the main loop until dedup_count() is at most n, or ms pass. */
struct wait {
	struct tmr tmr;
	uint32_t n;
	uint64_t end;
};


static void wait_tick(void *arg)
{
	struct wait *w = arg;

	if (dedup_count(dd) <= w->n || tmr_jiffies() >= w->end) {
		re_cancel();
		return;
	}

	tmr_start(&w->tmr, 1, wait_tick, w);
}


static bool wait_count(uint32_t n, uint32_t ms)
{
	struct wait w = { .n = n };

	tmr_init(&w.tmr);
	w.end = tmr_jiffies() + ms;
	tmr_start(&w.tmr, 0, wait_tick, &w);
	(void)re_main(NULL);
	tmr_cancel(&w.tmr);

	return dedup_count(dd) <= n;
}


/* --- tests ----------------------------------------------------------- */

static void test_first_sight(void)
{
	struct check c;

	UNIT_ASSERT_INT(dedup_alloc(&dd, 32000, 100), 0);
	CU_ASSERT_FATAL(dd != NULL);
	UNIT_ASSERT_INT(dedup_count(dd), 0);

	c = check(BRANCH, "1 MESSAGE");
	UNIT_ASSERT_INT(c.st, DEDUP_NEW);
	CU_ASSERT_PTR_NOT_NULL(c.e);
	UNIT_ASSERT_INT(dedup_count(dd), 1);

	/* the retransmission: pending, no new entry */
	c = check(BRANCH, "1 MESSAGE");
	UNIT_ASSERT_INT(c.st, DEDUP_PENDING);
	CU_ASSERT_PTR_NULL(c.e);
	UNIT_ASSERT_INT(dedup_count(dd), 1);
}


static void test_done(void)
{
	struct check c, first;

	UNIT_ASSERT_INT(dedup_alloc(&dd, 32000, 100), 0);

	first = check(BRANCH, "1 MESSAGE");
	UNIT_ASSERT_INT(first.st, DEDUP_NEW);
	CU_ASSERT_FATAL(first.e != NULL);

	dedup_finish(dd, first.e, 486, "Busy Here");
	UNIT_ASSERT_INT(dedup_count(dd), 1);

	c = check(BRANCH, "1 MESSAGE");
	UNIT_ASSERT_INT(c.st, DEDUP_DONE);
	CU_ASSERT_PTR_NULL(c.e);
	UNIT_ASSERT_INT(c.scode, 486);
	UNIT_ASSERT_STR(c.reason, "Busy Here");

	/* and again: the answer does not wear out */
	c = check(BRANCH, "1 MESSAGE");
	UNIT_ASSERT_INT(c.st, DEDUP_DONE);
	UNIT_ASSERT_INT(c.scode, 486);
	UNIT_ASSERT_STR(c.reason, "Busy Here");
	UNIT_ASSERT_INT(dedup_count(dd), 1);

	/* no reason, and a reason longer than is kept */
	c = check("z9hG4bK-2", "1 MESSAGE");
	CU_ASSERT_FATAL(c.e != NULL);
	dedup_finish(dd, c.e, 200, NULL);
	c = check("z9hG4bK-2", "1 MESSAGE");
	UNIT_ASSERT_INT(c.st, DEDUP_DONE);
	UNIT_ASSERT_INT(c.scode, 200);
	UNIT_ASSERT_STR(c.reason, "");

	c = check("z9hG4bK-3", "1 MESSAGE");
	CU_ASSERT_FATAL(c.e != NULL);
	dedup_finish(dd, c.e, 480, "Push Application Went Away, and a "
		     "reason phrase much longer than this table keeps");
	c = check("z9hG4bK-3", "1 MESSAGE");
	UNIT_ASSERT_INT(c.st, DEDUP_DONE);
	UNIT_ASSERT_INT(c.scode, 480);
	CU_ASSERT_NSTRING_EQUAL(c.reason, "Push Application Went Away, and",
				31);
	CU_ASSERT(strlen(c.reason) < 64);

	/* nothing to finish */
	dedup_finish(dd, NULL, 200, "OK");
	dedup_finish(NULL, NULL, 200, "OK");
	UNIT_ASSERT_INT(dedup_count(dd), 3);
}


/* Only a request with the same identity is a retransmission. */
static void test_identity(void)
{
	struct check c;

	UNIT_ASSERT_INT(dedup_alloc(&dd, 32000, 100), 0);

	c = check(BRANCH, "1 MESSAGE");
	CU_ASSERT_FATAL(c.e != NULL);
	dedup_finish(dd, c.e, 200, "OK");

	UNIT_ASSERT_INT(check("z9hG4bK-other", "1 MESSAGE").st, DEDUP_NEW);
	UNIT_ASSERT_INT(check(BRANCH, "2 MESSAGE").st, DEDUP_NEW);
	UNIT_ASSERT_INT(check(BRANCH, "1 INVITE").st, DEDUP_NEW);
	UNIT_ASSERT_INT(check_msg(msg_make(SENTBY, BRANCH, "c2@192.0.2.2",
					   "1 MESSAGE")).st, DEDUP_NEW);
	UNIT_ASSERT_INT(check_msg(msg_make("192.0.2.3:5060", BRANCH, CALLID,
					   "1 MESSAGE")).st, DEDUP_NEW);
	UNIT_ASSERT_INT(check_msg(msg_make("192.0.2.2:5070", BRANCH, CALLID,
					   "1 MESSAGE")).st, DEDUP_NEW);
	UNIT_ASSERT_INT(dedup_count(dd), 7);

	/* the first one is still answered the same */
	c = check(BRANCH, "1 MESSAGE");
	UNIT_ASSERT_INT(c.st, DEDUP_DONE);
	UNIT_ASSERT_INT(c.scode, 200);

	/* the others are pending on their own */
	UNIT_ASSERT_INT(check(BRANCH, "2 MESSAGE").st, DEDUP_PENDING);
	UNIT_ASSERT_INT(check("z9hG4bK-other", "1 MESSAGE").st,
			DEDUP_PENDING);

	/* a pre-3261 branch without the magic cookie works the same */
	c = check("1a2b3c", "7 MESSAGE");
	UNIT_ASSERT_INT(c.st, DEDUP_NEW);
	CU_ASSERT_FATAL(c.e != NULL);
	UNIT_ASSERT_INT(check("1a2b3c", "7 MESSAGE").st, DEDUP_PENDING);
	UNIT_ASSERT_INT(check("1a2b3c", "8 MESSAGE").st, DEDUP_NEW);
	dedup_finish(dd, c.e, 403, "Forbidden");
	c = check("1a2b3c", "7 MESSAGE");
	UNIT_ASSERT_INT(c.st, DEDUP_DONE);
	UNIT_ASSERT_INT(c.scode, 403);
}


static void test_expiry(void)
{
	struct check c, p;

	UNIT_ASSERT_INT(dedup_alloc(&dd, 50, 100), 0);

	c = check(BRANCH, "1 MESSAGE");
	CU_ASSERT_FATAL(c.e != NULL);
	p = check("z9hG4bK-pending", "1 MESSAGE");
	CU_ASSERT_FATAL(p.e != NULL);

	dedup_finish(dd, c.e, 200, "OK");
	UNIT_ASSERT_INT(check(BRANCH, "1 MESSAGE").st, DEDUP_DONE);
	UNIT_ASSERT_INT(dedup_count(dd), 2);

	run_for(150);

	/* the answered one is gone, the pending one never expires */
	UNIT_ASSERT_INT(dedup_count(dd), 1);
	UNIT_ASSERT_INT(check("z9hG4bK-pending", "1 MESSAGE").st,
			DEDUP_PENDING);

	c = check(BRANCH, "1 MESSAGE");
	UNIT_ASSERT_INT(c.st, DEDUP_NEW);
	CU_ASSERT_PTR_NOT_NULL(c.e);
	UNIT_ASSERT_INT(dedup_count(dd), 2);

	/* both answered, both expire, and the timer stops */
	dedup_finish(dd, c.e, 200, "OK");
	dedup_finish(dd, p.e, 408, "Push Not Acknowledged");
	UNIT_ASSERT_INT(check("z9hG4bK-pending", "1 MESSAGE").st, DEDUP_DONE);
	run_for(150);
	UNIT_ASSERT_INT(dedup_count(dd), 0);
	UNIT_ASSERT_INT(check("z9hG4bK-pending", "1 MESSAGE").st, DEDUP_NEW);
	UNIT_ASSERT_INT(dedup_count(dd), 1);
}


/* Entries answered at different times expire one after the other. */
static void test_expiry_in_order(void)
{
	struct check a, b;

	UNIT_ASSERT_INT(dedup_alloc(&dd, 300, 100), 0);

	a = check("z9hG4bK-a", "1 MESSAGE");
	b = check("z9hG4bK-b", "1 MESSAGE");
	CU_ASSERT_FATAL(a.e && b.e);

	dedup_finish(dd, a.e, 200, "OK");
	run_for(150);
	dedup_finish(dd, b.e, 486, "Busy Here");
	UNIT_ASSERT_INT(dedup_count(dd), 2);

	/* a goes about 150 ms before b: b is still there when a is gone */
	CU_ASSERT(wait_count(1, 2000));
	UNIT_ASSERT_INT(dedup_count(dd), 1);
	b = check("z9hG4bK-b", "1 MESSAGE");
	UNIT_ASSERT_INT(b.st, DEDUP_DONE);
	UNIT_ASSERT_INT(b.scode, 486);

	CU_ASSERT(wait_count(0, 2000));
	UNIT_ASSERT_INT(dedup_count(dd), 0);
	UNIT_ASSERT_INT(check("z9hG4bK-a", "1 MESSAGE").st, DEDUP_NEW);
	UNIT_ASSERT_INT(check("z9hG4bK-b", "1 MESSAGE").st, DEDUP_NEW);
}


static void test_max(void)
{
	struct check a, b, c, e;

	UNIT_ASSERT_INT(dedup_alloc(&dd, 60000, 3), 0);

	a = check("z9hG4bK-a", "1 MESSAGE");
	b = check("z9hG4bK-b", "1 MESSAGE");
	c = check("z9hG4bK-c", "1 MESSAGE");
	CU_ASSERT_FATAL(a.e && b.e && c.e);

	/* b answered first: it is the oldest answered one */
	dedup_finish(dd, b.e, 202, "B");
	dedup_finish(dd, a.e, 200, "A");
	UNIT_ASSERT_INT(dedup_count(dd), 3);

	/* a fourth: b makes room */
	UNIT_ASSERT_INT(check("z9hG4bK-d", "1 MESSAGE").st, DEDUP_NEW);
	UNIT_ASSERT_INT(dedup_count(dd), 3);
	a = check("z9hG4bK-a", "1 MESSAGE");
	UNIT_ASSERT_INT(a.st, DEDUP_DONE);
	UNIT_ASSERT_STR(a.reason, "A");
	UNIT_ASSERT_INT(check("z9hG4bK-c", "1 MESSAGE").st, DEDUP_PENDING);
	UNIT_ASSERT_INT(check("z9hG4bK-d", "1 MESSAGE").st, DEDUP_PENDING);

	/* b is new again, and a (the only answered one) makes room */
	b = check("z9hG4bK-b", "1 MESSAGE");
	UNIT_ASSERT_INT(b.st, DEDUP_NEW);
	UNIT_ASSERT_INT(dedup_count(dd), 3);

	/* now all pending: nothing is evicted, the table grows */
	e = check("z9hG4bK-e", "1 MESSAGE");
	UNIT_ASSERT_INT(e.st, DEDUP_NEW);
	CU_ASSERT_PTR_NOT_NULL(e.e);
	UNIT_ASSERT_INT(dedup_count(dd), 4);
	UNIT_ASSERT_INT(check("z9hG4bK-b", "1 MESSAGE").st, DEDUP_PENDING);
	UNIT_ASSERT_INT(check("z9hG4bK-c", "1 MESSAGE").st, DEDUP_PENDING);
	UNIT_ASSERT_INT(check("z9hG4bK-d", "1 MESSAGE").st, DEDUP_PENDING);
	UNIT_ASSERT_INT(check("z9hG4bK-e", "1 MESSAGE").st, DEDUP_PENDING);
	UNIT_ASSERT_INT(dedup_count(dd), 4);

	/* over the limit, one answered entry goes per new one: the table
	 * shrinks back only as requests are answered */
	dedup_finish(dd, e.e, 200, "E");
	UNIT_ASSERT_INT(check("z9hG4bK-f", "1 MESSAGE").st, DEDUP_NEW);
	UNIT_ASSERT_INT(dedup_count(dd), 4);
	UNIT_ASSERT_INT(check("z9hG4bK-e", "1 MESSAGE").st, DEDUP_NEW);
	UNIT_ASSERT_INT(dedup_count(dd), 5);
}


static void test_max_one(void)
{
	struct check a;

	UNIT_ASSERT_INT(dedup_alloc(&dd, 60000, 1), 0);

	for (int i = 0; i < 50; i++) {
		char br[32];

		(void)re_snprintf(br, sizeof(br), "z9hG4bK-%d", i);
		a = check(br, "1 MESSAGE");
		UNIT_ASSERT_INT(a.st, DEDUP_NEW);
		CU_ASSERT_FATAL(a.e != NULL);
		dedup_finish(dd, a.e, 200, "OK");
		UNIT_ASSERT_INT(dedup_count(dd), 1);
		UNIT_ASSERT_INT(check(br, "1 MESSAGE").st, DEDUP_DONE);
	}
}


/* Headers too long for a key: served, just not deduplicated. */
static void test_absurd(void)
{
	char callid[300];
	struct check c;

	UNIT_ASSERT_INT(dedup_alloc(&dd, 60000, 10), 0);

	memset(callid, 'c', 250);
	callid[250] = '\0';

	c = check_msg(msg_make(SENTBY, BRANCH, callid, "1 MESSAGE"));
	UNIT_ASSERT_INT(c.st, DEDUP_NEW);
	CU_ASSERT_PTR_NULL(c.e);
	UNIT_ASSERT_INT(dedup_count(dd), 0);

	c = check_msg(msg_make(SENTBY, BRANCH, callid, "1 MESSAGE"));
	UNIT_ASSERT_INT(c.st, DEDUP_NEW);
	UNIT_ASSERT_INT(dedup_count(dd), 0);

	/* a long one that still fits is kept */
	callid[150] = '\0';
	c = check_msg(msg_make(SENTBY, BRANCH, callid, "1 MESSAGE"));
	UNIT_ASSERT_INT(c.st, DEDUP_NEW);
	CU_ASSERT_PTR_NOT_NULL(c.e);
	c = check_msg(msg_make(SENTBY, BRANCH, callid, "1 MESSAGE"));
	UNIT_ASSERT_INT(c.st, DEDUP_PENDING);
}


static void test_many(void)
{
	enum { N = 5000 };
	struct dedup_entry **ev;
	unsigned ok = 0;

	UNIT_ASSERT_INT(dedup_alloc(&dd, 60000, N), 0);
	ev = mem_zalloc(N * sizeof(*ev), NULL);
	CU_ASSERT_FATAL(ev != NULL);

	for (unsigned i = 0; i < N; i++) {
		char cs[32];
		struct check c;

		(void)re_snprintf(cs, sizeof(cs), "%u MESSAGE", i + 1);
		c = check(BRANCH, cs);
		ok += c.st == DEDUP_NEW && c.e;
		ev[i] = c.e;
		if (i % 2 && c.e)
			dedup_finish(dd, c.e, 200 + (i % 100), "x");
	}
	UNIT_ASSERT_INT(ok, N);
	UNIT_ASSERT_INT(dedup_count(dd), N);

	ok = 0;
	for (unsigned i = 0; i < N; i++) {
		char cs[32];
		struct check c;

		(void)re_snprintf(cs, sizeof(cs), "%u MESSAGE", i + 1);
		c = check(BRANCH, cs);
		if (i % 2)
			ok += c.st == DEDUP_DONE && c.scode == 200 + (i % 100);
		else
			ok += c.st == DEDUP_PENDING;
	}
	UNIT_ASSERT_INT(ok, N);

	mem_deref(ev);
}


static void test_bad_args(void)
{
	struct dedup *d2 = NULL;

	UNIT_ASSERT_INT(dedup_alloc(NULL, 100, 10), EINVAL);
	UNIT_ASSERT_INT(dedup_alloc(&d2, 100, 0), EINVAL);
	CU_ASSERT_PTR_NULL(d2);
	UNIT_ASSERT_INT(dedup_count(NULL), 0);

	/* freed with entries in both states and its timer running */
	UNIT_ASSERT_INT(dedup_alloc(&dd, 100, 10), 0);
	{
		struct check a = check("z9hG4bK-a", "1 MESSAGE");

		CU_ASSERT_FATAL(a.e != NULL);
		(void)check("z9hG4bK-b", "1 MESSAGE");
		dedup_finish(dd, a.e, 200, "OK");
	}
	UNIT_ASSERT_INT(dedup_count(dd), 2);
	dd = mem_deref(dd);
	run_for(150);   /* a timer left behind would fire here */
}


static CU_TestInfo dedup_tests[] = {
	{"first sight, then pending", test_first_sight},
	{"finished: same answer again", test_done},
	{"branch, sent-by, Call-ID and CSeq", test_identity},
	{"answered entries expire after ttl", test_expiry},
	{"expiry in answer order", test_expiry_in_order},
	{"max: oldest answered evicted, pending never", test_max},
	{"max 1", test_max_one},
	{"over-long headers", test_absurd},
	{"5000 entries", test_many},
	{"bad arguments, freed while busy", test_bad_args},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"dedup", unit_libre_init, unit_libre_close, NULL, teardown,
	 dedup_tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_dedup", suites);
}
