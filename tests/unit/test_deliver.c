/* test_deliver.c: push delivery and verdicts, with real clients on the IPC socket. */
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include <re.h>
#include "autoconf.h"
#include "push.h"
#include "ipc.h"
#include "router.h"
#include "config.h"
#include "deliver.h"
#include <sippush/client.h>
#include "unit.h"

#define MMS    "x-wap-application:mms.ua"
#define CTYPE  "text/plain"
#define SENDER "sip:sender@example.com"

#define CHILD_ARG "--deliver-child"

static const char *self;    /* argv[0], to start the child */


/* ---- the NACK code map ------------------------------------------------ */

static void test_nack_map(void)
{
	static const uint16_t special[] = {
		401, 407, 408, 423, 481, 482, 483, 487, 491, 494,
	};
	unsigned bad = 0;

	for (unsigned code = 0; code <= 1000; code++) {
		uint16_t want = code;
		uint16_t got = deliver_nack_map((uint16_t)code);

		if (code < 400 || code > 699)
			want = 603;
		for (size_t i = 0; i < ARRAY_SIZE(special); i++)
			if (code == special[i])
				want = 603;

		if (got != want) {
			char what[80];

			(void)re_snprintf(what, sizeof(what),
					  "deliver_nack_map(%u) == %u (got %u)",
					  code, want, got);
			CU_assertImplementation(false, __LINE__, what,
						__FILE__, "", CU_FALSE);
			++bad;
		}
	}
	UNIT_ASSERT_INT(bad, 0);

	/* spot checks, spelled out */
	UNIT_ASSERT_INT(deliver_nack_map(400), 400);
	UNIT_ASSERT_INT(deliver_nack_map(404), 404);
	UNIT_ASSERT_INT(deliver_nack_map(415), 415);
	UNIT_ASSERT_INT(deliver_nack_map(480), 480);
	UNIT_ASSERT_INT(deliver_nack_map(486), 486);
	UNIT_ASSERT_INT(deliver_nack_map(500), 500);
	UNIT_ASSERT_INT(deliver_nack_map(600), 600);
	UNIT_ASSERT_INT(deliver_nack_map(699), 699);
	UNIT_ASSERT_INT(deliver_nack_map(401), 603);
	UNIT_ASSERT_INT(deliver_nack_map(408), 603);
	UNIT_ASSERT_INT(deliver_nack_map(487), 603);
	UNIT_ASSERT_INT(deliver_nack_map(494), 603);
	UNIT_ASSERT_INT(deliver_nack_map(0), 603);
	UNIT_ASSERT_INT(deliver_nack_map(200), 603);
	UNIT_ASSERT_INT(deliver_nack_map(399), 603);
	UNIT_ASSERT_INT(deliver_nack_map(700), 603);
	UNIT_ASSERT_INT(deliver_nack_map(UINT16_MAX), 603);
}


/* ---- no socket needed ----------------------------------------------- */

static unsigned stray_done;

static void stray_done_h(const struct push *p, uint16_t scode,
			 const char *reason, void *arg)
{
	(void)p;
	(void)scode;
	(void)reason;
	(void)arg;
	++stray_done;
}


static unsigned counts[DELIVER_OBSERVERS_MAX];
static uint16_t last_scode;

static void count_h(const struct push *p, uint16_t scode, const char *reason,
		    void *arg)
{
	unsigned *n = arg;

	CU_ASSERT_STRING_EQUAL(p->appid, MMS);
	CU_ASSERT_PTR_NOT_NULL(reason);
	last_scode = scode;
	++*n;
}


static void test_args(void)
{
	struct deliver *d = NULL;
	struct push p = {
		.appid = MMS, .ctype = CTYPE, .sender = SENDER,
		.transport = "sip-udp", .body = (const uint8_t *)"x", .len = 1,
	};
	struct route rt;
	struct delivery *dl = NULL;
	struct config *cfg = unit_config("");
	char *s = NULL;

	stray_done = 0;
	memset(&rt, 0, sizeof(rt));
	CU_ASSERT_FATAL(cfg != NULL);

	UNIT_ASSERT_INT(deliver_alloc(NULL, cfg), EINVAL);
	UNIT_ASSERT_INT(deliver_alloc(&d, NULL), EINVAL);
	CU_ASSERT_PTR_NULL(d);
	UNIT_ASSERT_INT(deliver_alloc(&d, cfg), 0);
	CU_ASSERT_FATAL(d != NULL);
	mem_deref(cfg);   /* deliver holds its own reference */

	CU_ASSERT_FALSE(deliver_full(d));
	CU_ASSERT_FALSE(deliver_full(NULL));

	UNIT_ASSERT_INT(deliver_push(NULL, &rt, &p, stray_done_h, NULL, &dl),
			EINVAL);
	UNIT_ASSERT_INT(deliver_push(d, NULL, &p, stray_done_h, NULL, &dl),
			EINVAL);
	UNIT_ASSERT_INT(deliver_push(d, &rt, &p, stray_done_h, NULL, &dl),
			EINVAL);   /* no owner */
	CU_ASSERT_PTR_NULL(dl);
	CU_ASSERT_FALSE(deliver_full(d));

	UNIT_ASSERT_INT(deliver_ack(NULL, NULL, 1), EINVAL);
	UNIT_ASSERT_INT(deliver_ack(d, NULL, 1), ENOENT);
	UNIT_ASSERT_INT(deliver_nack(NULL, NULL, 1, 486, NULL), EINVAL);
	UNIT_ASSERT_INT(deliver_nack(d, NULL, 1, 486, NULL), ENOENT);
	deliver_cancel(NULL);
	deliver_client_gone(d, NULL);
	deliver_client_gone(NULL, NULL);
	/* observers: at most DELIVER_OBSERVERS_MAX, each told every report
	 * once, in order; one taken off hears nothing more */
	for (unsigned i = 0; i < DELIVER_OBSERVERS_MAX; i++)
		UNIT_ASSERT_INT(deliver_observe(d, count_h, &counts[i]), 0);
	UNIT_ASSERT_INT(deliver_observe(d, count_h, &counts[0]), ENOSPC);
	deliver_report(d, &p, 404, "Push Application Not Served");
	deliver_unobserve(d, count_h, &counts[3]);
	deliver_report(d, &p, 403, "Sender Not Authorised");
	for (unsigned i = 0; i < DELIVER_OBSERVERS_MAX; i++)
		UNIT_ASSERT_INT(counts[i], i == 3 ? 1 : 2);
	UNIT_ASSERT_INT(last_scode, 403);
	UNIT_ASSERT_INT(deliver_observe(d, count_h, &counts[3]), 0);
	UNIT_ASSERT_INT(stray_done, 0);   /* a report is not a verdict */

	deliver_set_config(NULL, NULL);
	deliver_set_config(d, NULL);
	deliver_report(NULL, &p, 404, "x");
	deliver_report(d, NULL, 404, "x");
	UNIT_ASSERT_INT(deliver_observe(NULL, stray_done_h, NULL), EINVAL);
	UNIT_ASSERT_INT(deliver_observe(d, NULL, NULL), EINVAL);
	deliver_unobserve(NULL, stray_done_h, NULL);
	UNIT_ASSERT_INT(deliver_status(NULL, NULL), 0);

	UNIT_ASSERT_INT(re_sdprintf(&s, "%H", deliver_status, d), 0);
	UNIT_ASSERT_STR(s, "pending=0\nacked=0\nnacked=0\nack_timeouts=0\n"
			"lost=0\nrate_refused=0\n");
	mem_deref(s);

	UNIT_ASSERT_INT(stray_done, 0);
	mem_deref(d);
}


/* ---- the child: lib/client.c against the server in this process ------ */

/*
 * The body of each push says what the child does with it:
 * "OWNER|MONITOR", each one of
 *   ack            ACK, which must succeed
 *   nack:CODE:TXT  NACK with that code and reason (none if TXT is empty)
 *   late           wait 1 s, then ACK, which must fail with ENOENT
 *   none           no answer
 *   exit           close everything and exit(0) without answering
 *   close          (monitor only) close the monitor connection alone
 * The monitor part only counts in "both" mode. Exit code = failed step.
 */
static int act(struct sippush *c, const struct sippush_push *p, bool monitor)
{
	char buf[128], *a, *bar;

	if (p->len >= sizeof(buf))
		return 30;
	memcpy(buf, p->body, p->len);
	buf[p->len] = '\0';

	bar = strchr(buf, '|');
	if (bar)
		*bar = '\0';
	a = monitor ? (bar ? bar + 1 : "none") : buf;

	if (!strcmp(a, "ack"))
		return sippush_ack(c, p->id) ? 31 : 0;

	if (!strcmp(a, "late")) {
		(void)poll(NULL, 0, 1000);
		return sippush_ack(c, p->id) == ENOENT ? 0 : 32;
	}

	if (!strncmp(a, "nack:", 5)) {
		char *reason = strchr(a + 5, ':');
		unsigned code = (unsigned)atoi(a + 5);

		if (!reason)
			return 33;
		++reason;
		return sippush_nack(c, p->id, (uint16_t)code,
				    *reason ? reason : NULL) ? 34 : 0;
	}

	if (!strcmp(a, "none"))
		return 0;

	if (!strcmp(a, "exit"))
		return -1;

	if (!strcmp(a, "close") && monitor)
		return -2;

	return 35;
}


static bool push_ok(const struct sippush_push *p)
{
	return !strcmp(p->appid, MMS) && !strcmp(p->ctype, CTYPE) &&
		!strcmp(p->sender, SENDER) && !strcmp(p->transport, "sip-udp");
}


static struct sippush *child_connect(const char *path, bool monitor)
{
	struct sippush *c = NULL;

	for (int i = 0; i < 500 && !c; i++) {
		c = sippush_open(path);
		if (!c)
			(void)poll(NULL, 0, 20);
	}
	if (!c)
		return NULL;

	sippush_set_timeout(c, 10000);
	if (sippush_subscribe(c, "mms.ua", NULL, monitor)) {
		sippush_close(c);
		return NULL;
	}

	return c;
}


static int child_main(const char *path, const char *mode)
{
	bool both = !strcmp(mode, "both");
	struct sippush *c, *m = NULL;
	int ret = 0;

	c = child_connect(path, false);
	if (!c)
		return 10;
	if (both) {
		m = child_connect(path, true);
		if (!m) {
			sippush_close(c);
			return 11;
		}
	}

	for (;;) {
		struct sippush_push p;
		int err;

		/* the monitor's copy first: the daemon sends it first, and
		 * its answer must be in before the owner's */
		if (m) {
			err = sippush_recv(m, &p, 10000);
			if (err == ECONNRESET)
				break;
			if (err) {
				ret = 20;
				break;
			}
			if (!push_ok(&p)) {
				ret = 21;
				break;
			}
			ret = act(m, &p, true);
			if (ret == -2) {
				sippush_close(m);
				m = NULL;
				ret = 0;
			}
			if (ret)
				break;
		}

		err = sippush_recv(c, &p, 10000);
		if (err == ECONNRESET)
			break;      /* the test is over */
		if (err) {
			ret = 22;
			break;
		}
		if (!push_ok(&p)) {
			ret = 23;
			break;
		}

		ret = act(c, &p, false);
		if (ret)
			break;
	}

	sippush_close(m);
	sippush_close(c);

	return ret < 0 ? 0 : ret;
}


/* ---- the server side ------------------------------------------------- */

struct tst {
	char dir[256];
	char path[300];
	pid_t pid;
	struct ipc *ipc;
	struct deliver *d;
	struct ipc_client *owner, *monitor;
	bool want_monitor;
	unsigned subs, gone;

	/* answers as they reached the handlers */
	unsigned owner_acks, owner_nacks, mon_acks, mon_nacks, enoent;
	unsigned done_at_mon;
	uint64_t ack_id;

	/* verdicts: the observer's view, and the order of the calls */
	unsigned observed, seq, observed_at, done_seq;
	uint16_t observed_scode;
	uint64_t observed_id;
	unsigned done;
	uint16_t scode;
	char reason[IPC_REASON_MAX + 1];
	uint64_t done_at;
	struct delivery *dl;
};


static void done_h(const struct push *p, uint16_t scode, const char *reason,
		   void *arg)
{
	struct tst *t = arg;
	(void)p;

	++t->done;
	t->done_seq = ++t->seq;
	t->scode = scode;
	str_ncpy(t->reason, reason ? reason : "(null)", sizeof(t->reason));
	t->done_at = tmr_jiffies();
}


static int t_subscribe(struct ipc_client *c, const char *appid,
		       const char *filter, bool monitor,
		       const struct router_opts *opts, void *arg)
{
	struct tst *t = arg;
	(void)filter;
	(void)opts;

	if (strcmp(appid, MMS))
		return EPERM;

	if (monitor)
		t->monitor = c;
	else
		t->owner = c;
	++t->subs;

	return 0;
}


static int t_ack(struct ipc_client *c, uint64_t id, void *arg)
{
	struct tst *t = arg;
	int err = deliver_ack(t->d, c, id);

	if (c == t->monitor) {
		++t->mon_acks;
		t->done_at_mon = t->done;
	}
	else {
		++t->owner_acks;
		t->ack_id = id;
	}
	if (err == ENOENT)
		++t->enoent;

	return err;
}


static int t_nack(struct ipc_client *c, uint64_t id, uint16_t code,
		  const char *reason, void *arg)
{
	struct tst *t = arg;
	int err = deliver_nack(t->d, c, id, code, reason);

	if (c == t->monitor) {
		++t->mon_nacks;
		t->done_at_mon = t->done;
	}
	else {
		++t->owner_nacks;
	}
	if (err == ENOENT)
		++t->enoent;

	return err;
}


static void t_gone(struct ipc_client *c, void *arg)
{
	struct tst *t = arg;

	++t->gone;
	deliver_client_gone(t->d, c);
	if (c == t->owner)
		t->owner = NULL;
	if (c == t->monitor)
		t->monitor = NULL;
}


static const struct ipc_handlers handlers = {
	.subscribeh = t_subscribe,
	.ackh       = t_ack,
	.nackh      = t_nack,
	.goneh      = t_gone,
};


/* Run the main loop until cond(arg) holds or ms pass. */
struct pump {
	struct tmr tmr;
	bool (*cond)(const struct tst *t);
	const struct tst *t;
	uint64_t end;
};


static void pump_tick(void *arg)
{
	struct pump *p = arg;

	if ((p->cond && p->cond(p->t)) || tmr_jiffies() >= p->end) {
		re_cancel();
		return;
	}

	tmr_start(&p->tmr, 2, pump_tick, p);
}


static bool pump_until(bool (*cond)(const struct tst *t), const struct tst *t,
		       uint32_t ms)
{
	struct pump p = { .cond = cond, .t = t };

	tmr_init(&p.tmr);
	p.end = tmr_jiffies() + ms;
	tmr_start(&p.tmr, 0, pump_tick, &p);
	(void)re_main(NULL);
	tmr_cancel(&p.tmr);

	return !cond || cond(t);
}


static bool subscribed(const struct tst *t)
{
	return t->owner && (!t->want_monitor || t->monitor);
}


static unsigned want_done;

static bool done_reached(const struct tst *t)
{
	return t->done >= want_done;
}


static bool enoent_seen(const struct tst *t)
{
	return t->enoent > 0;
}


static bool client_gone(const struct tst *t)
{
	return t->gone > 0;
}


static bool wait_done(struct tst *t, unsigned n)
{
	want_done = n;
	return pump_until(done_reached, t, 10000);
}


static void observe_h(const struct push *p, uint16_t scode,
		      const char *reason, void *arg)
{
	struct tst *t = arg;
	(void)reason;

	++t->observed;
	t->observed_at = ++t->seq;
	t->observed_scode = scode;
	t->observed_id = p->id;
}


/* A reloaded configuration with these limits (max_pending 0: the
 * default, no line). */
static int set_limits(struct tst *t, uint32_t ack_timeout,
		      uint32_t max_pending)
{
	char pending[32] = "";
	struct config *cfg;

	if (max_pending)
		(void)re_snprintf(pending, sizeof(pending),
				  "max_pending %u\n", max_pending);

	cfg = unit_config("ack_timeout %u\n%s", ack_timeout, pending);
	if (!cfg)
		return EINVAL;

	deliver_set_config(t->d, cfg);
	mem_deref(cfg);

	return 0;
}


/* The server, a deliver with these limits, and a subscribed child. */
static int start(struct tst *t, const char *mode, uint32_t ack_timeout,
		 uint32_t max_pending)
{
	struct config *cfg;
	int err;

	memset(t, 0, sizeof(*t));
	t->pid = -1;
	t->want_monitor = !strcmp(mode, "both");

	err = unit_mkdtemp(t->dir, sizeof(t->dir));
	if (err)
		return err;
	if (re_snprintf(t->path, sizeof(t->path), "%s/ipc.sock", t->dir) < 0)
		return ENAMETOOLONG;

	cfg = unit_config("ack_timeout %u\nmax_pending %u\n", ack_timeout,
			  max_pending);
	if (!cfg)
		return EINVAL;
	err = deliver_alloc(&t->d, cfg);
	mem_deref(cfg);
	if (!err)
		err = deliver_observe(t->d, observe_h, t);
	if (err)
		return err;

	err = ipc_alloc(&t->ipc, t->path, &handlers, t);
	if (err)
		return err;

	/* a fresh copy of this program: no inherited heap or libre state */
	t->pid = fork();
	if (t->pid < 0)
		return errno;
	if (t->pid == 0) {
		execl(self, self, CHILD_ARG, t->path, mode, (char *)NULL);
		_exit(127);
	}

	return pump_until(subscribed, t, 10000) ? 0 : ETIMEDOUT;
}


/* Close the server (the child sees ECONNRESET and exits) and reap it. */
static int stop(struct tst *t)
{
	int status = -1;

	t->d = mem_deref(t->d);
	t->ipc = mem_deref(t->ipc);

	if (t->pid > 0) {
		pid_t r = 0;

		for (int i = 0; i < 1000; i++) {
			r = waitpid(t->pid, &status, WNOHANG);
			if (r != 0)
				break;
			(void)poll(NULL, 0, 10);
		}
		if (r == 0) {
			(void)kill(t->pid, SIGKILL);
			(void)waitpid(t->pid, &status, 0);
			status = -1;
		}
	}

	if (t->dir[0])
		(void)unit_rmtree(t->dir);

	return (status >= 0 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
}


static int push_body(struct tst *t, const char *body, uint64_t *idp,
		     struct delivery **dlp)
{
	struct push p = {
		.appid = MMS, .ctype = CTYPE, .sender = SENDER,
		.transport = "sip-udp", .body = (const uint8_t *)body,
		.len = strlen(body),
	};
	struct route rt;
	int err;

	memset(&rt, 0, sizeof(rt));
	rt.owner = t->owner;
	if (t->monitor) {
		rt.monitorv[0] = t->monitor;
		rt.monitorc = 1;
	}

	err = deliver_push(t->d, &rt, &p, done_h, t, dlp);
	if (idp)
		*idp = p.id;

	return err;
}


static char *status_of(const struct tst *t)
{
	char *s = NULL;

	CU_ASSERT_EQUAL(re_sdprintf(&s, "%H", deliver_status, t->d), 0);
	return s;
}

#define ASSERT_STATUS(t, needle) do { \
		char *s_ = status_of(t); \
		UNIT_ASSERT_CONTAINS(s_, (needle)); \
		mem_deref(s_); \
	} while (0)


/* ---- tests on the socket ---------------------------------------------- */

static void test_ack(void)
{
	static uint8_t big[IPC_BODY_MAX + 1];
	struct tst t;
	uint64_t id1 = 0, id2 = 0;

	UNIT_ASSERT_INT(start(&t, "owner", 5000, 16), 0);
	CU_ASSERT_FATAL(t.owner != NULL);

	UNIT_ASSERT_INT(push_body(&t, "ack", &id1, &t.dl), 0);
	CU_ASSERT_PTR_NOT_NULL(t.dl);
	CU_ASSERT(id1 != 0);
	ASSERT_STATUS(&t, "pending=1\n");
	UNIT_ASSERT_INT(t.done, 0);   /* never from inside deliver_push() */

	CU_ASSERT(wait_done(&t, 1));
	UNIT_ASSERT_INT(t.done, 1);
	UNIT_ASSERT_INT(t.scode, 200);
	UNIT_ASSERT_STR(t.reason, "OK");
	CU_ASSERT_PTR_NULL(t.dl);         /* cleared when done */

	/* the observers heard it once, before the intake */
	UNIT_ASSERT_INT(t.observed, 1);
	UNIT_ASSERT_INT(t.observed_scode, 200);
	CU_ASSERT(t.observed_id == id1);
	CU_ASSERT(t.observed_at < t.done_seq);
	CU_ASSERT(t.ack_id == id1);
	UNIT_ASSERT_INT(t.owner_acks, 1);

	/* the next one gets the next id */
	UNIT_ASSERT_INT(push_body(&t, "ack", &id2, NULL), 0);
	CU_ASSERT(id2 == id1 + 1);
	CU_ASSERT(wait_done(&t, 2));
	UNIT_ASSERT_INT(t.scode, 200);
	CU_ASSERT(t.ack_id == id2);

	/* an ACK for a finished push is unknown now */
	UNIT_ASSERT_INT(deliver_ack(t.d, t.owner, id1), ENOENT);
	UNIT_ASSERT_INT(deliver_nack(t.d, t.owner, id1, 486, NULL), ENOENT);

	/* no push or no verdict handler: refused, nothing sent */
	{
		struct push p = {
			.appid = MMS, .ctype = CTYPE, .sender = SENDER,
			.transport = "sip-udp", .body = (const uint8_t *)"ack",
			.len = 3,
		};
		struct route rt;
		struct delivery *dl = NULL;

		memset(&rt, 0, sizeof(rt));
		rt.owner = t.owner;
		UNIT_ASSERT_INT(deliver_push(t.d, &rt, NULL, done_h, &t, &dl),
				EINVAL);
		UNIT_ASSERT_INT(deliver_push(t.d, &rt, &p, NULL, &t, &dl),
				EINVAL);
		CU_ASSERT_PTR_NULL(dl);
		CU_ASSERT(p.id == 0);
	}

	/* too big to hand over: refused at once, no verdict */
	{
		struct push p = {
			.appid = MMS, .ctype = CTYPE, .sender = SENDER,
			.transport = "sip-udp", .body = big,
			.len = sizeof(big),
		};
		struct route rt;
		struct delivery *dl = NULL;

		memset(&rt, 0, sizeof(rt));
		rt.owner = t.owner;
		UNIT_ASSERT_INT(deliver_push(t.d, &rt, &p, done_h, &t, &dl),
				EMSGSIZE);
		CU_ASSERT_PTR_NULL(dl);
		CU_ASSERT_FALSE(deliver_full(t.d));
	}
	ASSERT_STATUS(&t, "pending=0\nacked=2\nnacked=0\nack_timeouts=0\n"
		      "lost=0\n");

	/* still usable afterwards */
	UNIT_ASSERT_INT(push_body(&t, "ack", NULL, NULL), 0);
	CU_ASSERT(wait_done(&t, 3));
	UNIT_ASSERT_INT(t.done, 3);
	UNIT_ASSERT_INT(t.scode, 200);

	UNIT_ASSERT_INT(stop(&t), 0);
}


static void test_nack(void)
{
	static const struct {
		const char *body;
		uint16_t scode;
		const char *reason;
	} v[] = {
		{"nack:486:Busy Here",       486, "Busy Here"},
		{"nack:415:",                415, "Push Refused"},
		{"nack:408:Request Timeout", 603, "Request Timeout"},
		{"nack:487:",                603, "Push Refused"},
		{"nack:401:Unauthorized",    603, "Unauthorized"},
		{"nack:600:Busy Everywhere", 600, "Busy Everywhere"},
		{"nack:699:x",               699, "x"},
	};
	struct tst t;

	UNIT_ASSERT_INT(start(&t, "owner", 5000, 16), 0);
	CU_ASSERT_FATAL(t.owner != NULL);

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		UNIT_ASSERT_INT(push_body(&t, v[i].body, NULL, &t.dl), 0);
		CU_ASSERT(wait_done(&t, (unsigned)i + 1));
		UNIT_ASSERT_INT(t.done, i + 1);
		UNIT_ASSERT_INT(t.scode, v[i].scode);
		UNIT_ASSERT_STR(t.reason, v[i].reason);
		CU_ASSERT_PTR_NULL(t.dl);
	}

	UNIT_ASSERT_INT(t.owner_nacks, ARRAY_SIZE(v));
	ASSERT_STATUS(&t, "pending=0\nacked=0\nnacked=7\n");

	UNIT_ASSERT_INT(stop(&t), 0);
}


static void test_timeout(void)
{
	struct tst t;
	uint64_t t0;

	UNIT_ASSERT_INT(start(&t, "owner", 200, 16), 0);
	CU_ASSERT_FATAL(t.owner != NULL);

	t0 = tmr_jiffies();
	UNIT_ASSERT_INT(push_body(&t, "late", NULL, &t.dl), 0);
	CU_ASSERT(wait_done(&t, 1));
	UNIT_ASSERT_INT(t.done, 1);
	UNIT_ASSERT_INT(t.scode, 408);
	UNIT_ASSERT_STR(t.reason, "Push Not Acknowledged");
	CU_ASSERT_PTR_NULL(t.dl);
	CU_ASSERT(t.done_at - t0 >= 200);
	CU_ASSERT(t.done_at - t0 < 1000);
	ASSERT_STATUS(&t, "pending=0\nacked=0\nnacked=0\nack_timeouts=1\n");

	/* the ACK after the timeout is refused (the child checks ENOENT)
	 * and changes nothing */
	CU_ASSERT(pump_until(enoent_seen, &t, 10000));
	UNIT_ASSERT_INT(t.enoent, 1);
	UNIT_ASSERT_INT(t.done, 1);
	ASSERT_STATUS(&t, "acked=0\n");

	/* a new limit applies to the next push */
	UNIT_ASSERT_INT(set_limits(&t, 5000, 16), 0);
	UNIT_ASSERT_INT(push_body(&t, "ack", NULL, NULL), 0);
	CU_ASSERT(wait_done(&t, 2));
	UNIT_ASSERT_INT(t.scode, 200);

	UNIT_ASSERT_INT(stop(&t), 0);
}


static void test_gone(void)
{
	struct tst t;
	struct ipc_client *owner;
	uint64_t id1 = 0;

	UNIT_ASSERT_INT(start(&t, "owner", 5000, 16), 0);
	CU_ASSERT_FATAL(t.owner != NULL);
	owner = t.owner;

	/* two un-answered pushes, then the app exits */
	UNIT_ASSERT_INT(push_body(&t, "none", &id1, &t.dl), 0);
	UNIT_ASSERT_INT(push_body(&t, "exit", NULL, NULL), 0);
	ASSERT_STATUS(&t, "pending=2\n");

	CU_ASSERT(wait_done(&t, 2));
	UNIT_ASSERT_INT(t.done, 2);
	UNIT_ASSERT_INT(t.scode, 480);
	UNIT_ASSERT_STR(t.reason, "Push Application Went Away");
	CU_ASSERT_PTR_NULL(t.dl);
	UNIT_ASSERT_INT(t.gone, 1);
	ASSERT_STATUS(&t, "pending=0\nacked=0\nnacked=0\nack_timeouts=0\n"
		      "lost=2\n");

	/* nothing of it is left */
	UNIT_ASSERT_INT(deliver_ack(t.d, owner, id1), ENOENT);

	/* and no timeout comes later */
	(void)pump_until(NULL, &t, 300);
	UNIT_ASSERT_INT(t.done, 2);

	UNIT_ASSERT_INT(stop(&t), 0);
}


static void test_monitor(void)
{
	struct tst t;

	UNIT_ASSERT_INT(start(&t, "both", 5000, 16), 0);
	CU_ASSERT_FATAL(t.owner != NULL && t.monitor != NULL);

	/* the monitor ACKs first: no verdict until the owner does */
	UNIT_ASSERT_INT(push_body(&t, "ack|ack", NULL, &t.dl), 0);
	CU_ASSERT(wait_done(&t, 1));
	UNIT_ASSERT_INT(t.mon_acks, 1);
	UNIT_ASSERT_INT(t.done_at_mon, 0);
	UNIT_ASSERT_INT(t.owner_acks, 1);
	UNIT_ASSERT_INT(t.done, 1);
	UNIT_ASSERT_INT(t.scode, 200);

	/* a monitor's NACK does not count either */
	UNIT_ASSERT_INT(push_body(&t, "nack:486:Busy Here|nack:500:Monitor",
				  NULL, &t.dl), 0);
	CU_ASSERT(wait_done(&t, 2));
	UNIT_ASSERT_INT(t.mon_nacks, 1);
	UNIT_ASSERT_INT(t.done_at_mon, 1);
	UNIT_ASSERT_INT(t.done, 2);
	UNIT_ASSERT_INT(t.scode, 486);
	UNIT_ASSERT_STR(t.reason, "Busy Here");

	/* the monitor's ACK against an owner's NACK */
	UNIT_ASSERT_INT(push_body(&t, "nack:600:No|ack", NULL, &t.dl), 0);
	CU_ASSERT(wait_done(&t, 3));
	UNIT_ASSERT_INT(t.mon_acks, 2);
	UNIT_ASSERT_INT(t.done_at_mon, 2);
	UNIT_ASSERT_INT(t.scode, 600);

	/* a silent monitor does not hold anything up */
	UNIT_ASSERT_INT(push_body(&t, "ack|none", NULL, &t.dl), 0);
	CU_ASSERT(wait_done(&t, 4));
	UNIT_ASSERT_INT(t.scode, 200);

	UNIT_ASSERT_INT(t.enoent, 0);
	ASSERT_STATUS(&t, "pending=0\nacked=2\nnacked=2\n");

	UNIT_ASSERT_INT(stop(&t), 0);
}


/* A monitor going away does not fail the owner's push. */
static void test_monitor_gone(void)
{
	struct tst t;

	UNIT_ASSERT_INT(start(&t, "both", 5000, 16), 0);
	CU_ASSERT_FATAL(t.owner != NULL && t.monitor != NULL);

	/* the monitor closes on its copy; the owner ACKs after that */
	UNIT_ASSERT_INT(push_body(&t, "ack|close", NULL, &t.dl), 0);
	CU_ASSERT(wait_done(&t, 1));
	UNIT_ASSERT_INT(t.done, 1);
	UNIT_ASSERT_INT(t.scode, 200);
	UNIT_ASSERT_STR(t.reason, "OK");

	/* the monitor's disconnect was seen, and failed nothing */
	CU_ASSERT(pump_until(client_gone, &t, 10000));
	UNIT_ASSERT_INT(t.gone, 1);
	CU_ASSERT_PTR_NULL(t.monitor);
	CU_ASSERT_PTR_NOT_NULL(t.owner);
	ASSERT_STATUS(&t, "pending=0\nacked=1\nnacked=0\nack_timeouts=0\n"
		      "lost=0\n");

	/* pushes go on to the owner alone */
	UNIT_ASSERT_INT(push_body(&t, "nack:486:Busy Here", NULL, &t.dl), 0);
	CU_ASSERT(wait_done(&t, 2));
	UNIT_ASSERT_INT(t.scode, 486);

	UNIT_ASSERT_INT(stop(&t), 0);
}


static void test_full(void)
{
	struct tst t;
	struct delivery *a = NULL, *b = NULL, *c = NULL;

	UNIT_ASSERT_INT(start(&t, "owner", 5000, 2), 0);
	CU_ASSERT_FATAL(t.owner != NULL);

	CU_ASSERT_FALSE(deliver_full(t.d));
	UNIT_ASSERT_INT(push_body(&t, "none", NULL, &a), 0);
	CU_ASSERT_FALSE(deliver_full(t.d));
	UNIT_ASSERT_INT(push_body(&t, "none", NULL, &b), 0);
	CU_ASSERT_TRUE(deliver_full(t.d));

	/* limits change on reload */
	UNIT_ASSERT_INT(set_limits(&t, 5000, 3), 0);
	CU_ASSERT_FALSE(deliver_full(t.d));
	UNIT_ASSERT_INT(set_limits(&t, 5000, 1), 0);
	CU_ASSERT_TRUE(deliver_full(t.d));
	UNIT_ASSERT_INT(set_limits(&t, 5000, 0), 0);   /* the default, 256 */
	CU_ASSERT_FALSE(deliver_full(t.d));
	UNIT_ASSERT_INT(set_limits(&t, 5000, 2), 0);
	CU_ASSERT_TRUE(deliver_full(t.d));

	/* a cancelled push frees its place */
	CU_ASSERT_FATAL(a != NULL);
	deliver_cancel(a);
	CU_ASSERT_PTR_NULL(a);
	CU_ASSERT_FALSE(deliver_full(t.d));

	UNIT_ASSERT_INT(push_body(&t, "exit", NULL, &c), 0);
	CU_ASSERT_TRUE(deliver_full(t.d));

	/* the app leaves: b and c fail, a (cancelled) says nothing */
	CU_ASSERT(pump_until(client_gone, &t, 10000));
	(void)pump_until(NULL, &t, 50);
	UNIT_ASSERT_INT(t.done, 2);
	UNIT_ASSERT_INT(t.scode, 480);
	CU_ASSERT_PTR_NULL(b);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_FALSE(deliver_full(t.d));
	ASSERT_STATUS(&t, "pending=0\n");

	UNIT_ASSERT_INT(stop(&t), 0);
}


static void test_cancel(void)
{
	struct tst t;
	uint64_t id = 0;

	UNIT_ASSERT_INT(start(&t, "owner", 200, 16), 0);
	CU_ASSERT_FATAL(t.owner != NULL);

	UNIT_ASSERT_INT(push_body(&t, "late", &id, &t.dl), 0);
	CU_ASSERT_FATAL(t.dl != NULL);
	ASSERT_STATUS(&t, "pending=1\n");

	deliver_cancel(t.dl);
	CU_ASSERT_PTR_NULL(t.dl);
	ASSERT_STATUS(&t, "pending=0\n");
	UNIT_ASSERT_INT(deliver_ack(t.d, t.owner, id), ENOENT);

	/* past the ACK timeout and past the app's late ACK: silence */
	CU_ASSERT(pump_until(enoent_seen, &t, 10000));
	(void)pump_until(NULL, &t, 300);
	UNIT_ASSERT_INT(t.done, 0);
	ASSERT_STATUS(&t, "pending=0\nacked=0\nnacked=0\nack_timeouts=0\n"
		      "lost=0\n");

	/* cancelled without dlp: the handle from the return still works */
	{
		struct delivery *dl = NULL;

		UNIT_ASSERT_INT(push_body(&t, "none", NULL, &dl), 0);
		CU_ASSERT_FATAL(dl != NULL);
		deliver_cancel(dl);
		CU_ASSERT_PTR_NULL(dl);
	}

	/* a push after that is delivered as usual */
	UNIT_ASSERT_INT(push_body(&t, "ack", NULL, &t.dl), 0);
	CU_ASSERT(wait_done(&t, 1));
	UNIT_ASSERT_INT(t.done, 1);
	UNIT_ASSERT_INT(t.scode, 200);

	UNIT_ASSERT_INT(stop(&t), 0);
}


/* Freeing the deliver with pushes pending: no verdict, no timer left. */
static void test_free_pending(void)
{
	struct tst t;

	UNIT_ASSERT_INT(start(&t, "owner", 100, 16), 0);
	CU_ASSERT_FATAL(t.owner != NULL);

	UNIT_ASSERT_INT(push_body(&t, "none", NULL, &t.dl), 0);
	UNIT_ASSERT_INT(push_body(&t, "none", NULL, NULL), 0);
	t.d = mem_deref(t.d);
	CU_ASSERT_PTR_NULL(t.dl);

	(void)pump_until(NULL, &t, 250);
	UNIT_ASSERT_INT(t.done, 0);

	UNIT_ASSERT_INT(stop(&t), 0);
}


/* sender_rate: a burst of twice the rate per sender, then refused; the
 * other senders unaffected; 0 is no limit; a reload applies at once */
static void test_sender_rate(void)
{
	struct config *cfg = unit_config("sender_rate 2\n");
	struct deliver *d = NULL;
	char buf[512];

	CU_ASSERT_FATAL(cfg != NULL);
	UNIT_ASSERT_INT(deliver_alloc(&d, cfg), 0);
	mem_deref(cfg);
	CU_ASSERT_FATAL(d != NULL);

	for (int i = 0; i < 4; i++)
		CU_ASSERT_TRUE(deliver_rate_ok(d, "sip:flood@evil.example"));
	CU_ASSERT_FALSE(deliver_rate_ok(d, "sip:flood@evil.example"));
	CU_ASSERT_FALSE(deliver_rate_ok(d, "sip:flood@evil.example"));
	CU_ASSERT_TRUE(deliver_rate_ok(d, "sip:mmsc@operator.test"));
	CU_ASSERT_TRUE(deliver_rate_ok(d, NULL));
	CU_ASSERT_FALSE(deliver_rate_ok(NULL, "x"));

	(void)re_snprintf(buf, sizeof(buf), "%H", deliver_status, d);
	UNIT_ASSERT_CONTAINS(buf, "rate_refused=2\n");

	cfg = unit_config("sender_rate 0\n");
	CU_ASSERT_FATAL(cfg != NULL);
	deliver_set_config(d, cfg);
	mem_deref(cfg);
	for (int i = 0; i < 100; i++)
		CU_ASSERT_TRUE(deliver_rate_ok(d, "sip:flood@evil.example"));

	mem_deref(d);
}


static CU_TestInfo map_tests[] = {
	{"NACK code map, 0..1000", test_nack_map},
	{"bad arguments", test_args},
	{"sender_rate", test_sender_rate},
	CU_TEST_INFO_NULL
};

static CU_TestInfo socket_tests[] = {
	{"ACK: 200 OK", test_ack},
	{"NACK: mapped code", test_nack},
	{"no answer: 408 after ack_timeout", test_timeout},
	{"app disconnects: 480", test_gone},
	{"a monitor's answer does not count", test_monitor},
	{"a monitor's disconnect", test_monitor_gone},
	{"max_pending", test_full},
	{"cancelled: no verdict", test_cancel},
	{"freed with pushes pending", test_free_pending},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"deliver map", unit_libre_init, unit_libre_close, NULL, NULL,
	 map_tests},
	{"deliver on a real socket", unit_libre_init, unit_libre_close, NULL,
	 NULL, socket_tests},
	CU_SUITE_INFO_NULL
};


int main(int argc, char *argv[])
{
	/* a peer that closes must not kill the test with SIGPIPE */
	(void)signal(SIGPIPE, SIG_IGN);

	if (argc == 4 && !strcmp(argv[1], CHILD_ARG))
		return child_main(argv[2], argv[3]);

	self = argv[0];
	return unit_run("test_deliver", suites);
}
