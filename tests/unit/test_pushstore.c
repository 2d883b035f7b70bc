/* test_pushstore.c: stored pushes handed to an app that subscribes: order, ACK deletes, NACK drops, no answer keeps, filters, bounds; with a real client on the IPC socket. */
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <re.h>
#include "autoconf.h"
#include "appset.h"
#include "push.h"
#include "ipc.h"
#include "router.h"
#include "config.h"
#include "deliver.h"
#include "pushstore.h"
#include <sippush/client.h>
#include "unit.h"

#define MMS    "x-wap-application:mms.ua"
#define SENDER "sip:sender@example.com"
#define CHILD_ARG "--pushstore-child"

static const char *self;


/* ---- the child: an app that subscribes and answers as each body says -- */

/*
 * Body "ack N", "nack N" (NACK 488) or "none N" (no answer). The child
 * subscribes with the filter given (or none) and runs until the server
 * closes. Exit code: a failed step.
 */
static int child_main(const char *path, const char *filter)
{
	struct sippush *c = NULL;
	int ret = 0;

	for (int i = 0; i < 500 && !c; i++) {
		c = sippush_open(path);
		if (!c)
			(void)poll(NULL, 0, 20);
	}
	if (!c)
		return 10;

	sippush_set_timeout(c, 10000);
	if (sippush_subscribe(c, "mms.ua", strcmp(filter, "-") ? filter :
			      NULL, false)) {
		sippush_close(c);
		return 11;
	}

	for (;;) {
		struct sippush_push p;
		const char *st;
		int err = sippush_recv(c, &p, 20000);

		if (err == ECONNRESET)
			break;
		if (err) {
			ret = 20;
			break;
		}

		/* every one of these is a stored push */
		st = sippush_header(c, "Stored");
		if (!st || strcmp(st, "yes") || !sippush_header(c, "Arrived") ||
		    strcmp(p.sender, SENDER)) {
			ret = 21;
			break;
		}

		if (!strncmp((const char *)p.body, "ack", 3))
			err = sippush_ack(c, p.id);
		else if (!strncmp((const char *)p.body, "nack", 4))
			err = sippush_nack(c, p.id, 488, "Not Acceptable Here");
		if (err) {
			ret = 22;
			break;
		}
	}

	sippush_close(c);
	return ret;
}


/* ---- the server: ipc, router, deliver, the push store ----------------- */

struct tst {
	char dir[256];
	char path[300];
	pid_t pid;
	struct appset *apps;
	struct router *router;
	struct ipc *ipc;
	struct deliver *d;
	struct pushstore *ps;
	struct ipc_client *owner;
	unsigned verdicts;
	char seen[512];          /* "BODY=CODE " per verdict, in order */
	bool arrived_ok;
};


static int t_subscribe(struct ipc_client *c, const char *appid,
		       const char *filter, bool monitor,
		       const struct router_opts *opts, void *arg)
{
	(void)opts;
	struct tst *t = arg;
	int err = router_subscribe(t->router, c, appid, filter, monitor);

	if (!err)
		t->owner = c;
	return err;
}


static void t_subscribed(struct ipc_client *c, const char *appid,
			 bool monitor, bool nostore, void *arg)
{
	struct tst *t = arg;
	(void)c;

	if (!monitor && !nostore)
		pushstore_drain(t->ps, appid);
}


static int t_ack(struct ipc_client *c, uint64_t id, void *arg)
{
	return deliver_ack(((struct tst *)arg)->d, c, id);
}


static int t_nack(struct ipc_client *c, uint64_t id, uint16_t code,
		  const char *reason, void *arg)
{
	return deliver_nack(((struct tst *)arg)->d, c, id, code, reason);
}


static void t_gone(struct ipc_client *c, void *arg)
{
	struct tst *t = arg;

	deliver_client_gone(t->d, c);
	(void)router_unsubscribe(t->router, c, NULL);
	if (c == t->owner)
		t->owner = NULL;
}


static const struct ipc_handlers handlers = {
	.subscribeh  = t_subscribe,
	.subscribedh = t_subscribed,
	.ackh        = t_ack,
	.nackh       = t_nack,
	.goneh       = t_gone,
};


static void observe_h(const struct push *p, uint16_t scode,
		      const char *reason, void *arg)
{
	struct tst *t = arg;
	size_t l = strlen(t->seen);
	(void)reason;

	++t->verdicts;
	t->arrived_ok = p->arrived && strchr(p->arrived, '.');
	(void)re_snprintf(t->seen + l, sizeof(t->seen) - l, "%b=%u ",
			  p->body, p->len, scode);
}


struct pump {
	struct tmr tmr;
	const struct tst *t;
	unsigned want;
	uint64_t end;
};


static void pump_tick(void *arg)
{
	struct pump *p = arg;

	if (p->t->verdicts >= p->want || tmr_jiffies() >= p->end) {
		re_cancel();
		return;
	}

	tmr_start(&p->tmr, 2, pump_tick, p);
}


/* Run the loop until n verdicts were seen, or ms passed. */
static bool pump(const struct tst *t, unsigned n, uint32_t ms)
{
	struct pump p = { .t = t, .want = n };

	tmr_init(&p.tmr);
	p.end = tmr_jiffies() + ms;
	tmr_start(&p.tmr, 0, pump_tick, &p);
	(void)re_main(NULL);
	tmr_cancel(&p.tmr);

	return t->verdicts >= n;
}


static int setup(struct tst *t, const char *more)
{
	char ids[1][APPID_SIZE] = { MMS };
	struct config *cfg;
	int err;

	memset(t, 0, sizeof(*t));
	t->pid = -1;

	err = unit_mkdtemp(t->dir, sizeof(t->dir));
	if (err)
		return err;
	(void)re_snprintf(t->path, sizeof(t->path), "%s/ipc.sock", t->dir);

	cfg = unit_config("store_dir %s/store\nack_timeout 400\n"
			  "app_store mms.ua 10 100000\n%s", t->dir, more);
	if (!cfg)
		return EINVAL;

	err  = appset_alloc(&t->apps, NULL, NULL);
	err |= appset_set_static(t->apps, (const char (*)[APPID_SIZE])ids,
				 1);
	err |= router_alloc(&t->router, t->apps, IPC_MAX_SUBS);
	err |= deliver_alloc(&t->d, cfg);
	err |= deliver_observe(t->d, observe_h, t);
	err |= pushstore_alloc(&t->ps, cfg, t->router, t->d);
	mem_deref(cfg);
	if (err)
		return err;

	return ipc_alloc(&t->ipc, t->path, &handlers, t);
}


/* Store a push with this body (and type) as the pager would. */
static int put(struct tst *t, const char *body, const char *ctype)
{
	struct push p = {
		.appid = MMS, .ctype = ctype ? ctype : "text/plain",
		.sender = SENDER, .transport = "sip-udp",
		.body = (const uint8_t *)body, .len = strlen(body),
	};

	return pushstore_put(t->ps, &p, 0, NULL);
}


/* The app comes: a child subscribes (with a filter, or "-"). */
static void app_comes(struct tst *t, const char *filter)
{
	t->pid = fork();
	CU_ASSERT_FATAL(t->pid >= 0);
	if (t->pid == 0) {
		execl(self, self, CHILD_ARG, t->path, filter, (char *)NULL);
		_exit(127);
	}
}


static int teardown_tst(struct tst *t)
{
	int status = -1;

	t->ps  = mem_deref(t->ps);
	t->ipc = mem_deref(t->ipc);
	t->d   = mem_deref(t->d);
	t->router = mem_deref(t->router);
	t->apps = mem_deref(t->apps);

	if (t->pid > 0) {
		pid_t r = 0;

		for (int i = 0; i < 1000 && !r; i++) {
			r = waitpid(t->pid, &status, WNOHANG);
			if (!r)
				(void)poll(NULL, 0, 10);
		}
		if (!r) {
			(void)kill(t->pid, SIGKILL);
			(void)waitpid(t->pid, &status, 0);
			status = -1;
		}
	}

	if (t->dir[0])
		(void)unit_rmtree(t->dir);

	return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}


static void test_in_order(void)
{
	struct tst t;

	UNIT_ASSERT_INT(setup(&t, ""), 0);
	UNIT_ASSERT_INT(put(&t, "ack 1", NULL), 0);
	UNIT_ASSERT_INT(put(&t, "ack 2", NULL), 0);
	UNIT_ASSERT_INT(put(&t, "ack 3", NULL), 0);
	UNIT_ASSERT_INT(pushstore_count(t.ps, MMS), 3);

	app_comes(&t, "-");
	CU_ASSERT(pump(&t, 3, 10000));
	UNIT_ASSERT_STR(t.seen, "ack 1=200 ack 2=200 ack 3=200 ");
	CU_ASSERT(t.arrived_ok);
	UNIT_ASSERT_INT(pushstore_count(t.ps, MMS), 0);

	{
		char *s = NULL;

		(void)re_sdprintf(&s, "%H", pushstore_status, t.ps);
		UNIT_ASSERT_CONTAINS(s, "stored=0\nstored_total=3\n"
				     "stored_handed=3\n");
		UNIT_ASSERT_CONTAINS(s, "store=" MMS " pushes=0 bytes=0 "
				     "max_pushes=10 max_bytes=100000\n");
		mem_deref(s);
	}

	UNIT_ASSERT_INT(teardown_tst(&t), 0);
}


/* A NACK: the app saw it and said no; it goes (the sender had its 202). */
static void test_nack_drops(void)
{
	struct tst t;

	UNIT_ASSERT_INT(setup(&t, ""), 0);
	UNIT_ASSERT_INT(put(&t, "nack 1", NULL), 0);
	UNIT_ASSERT_INT(put(&t, "ack 2", NULL), 0);

	unit_log_capture(true);
	app_comes(&t, "-");
	CU_ASSERT(pump(&t, 2, 10000));
	UNIT_ASSERT_CONTAINS(unit_log_text(), "refused by the app (488 Not "
			     "Acceptable Here): dropped");
	unit_log_capture(false);
	UNIT_ASSERT_STR(t.seen, "nack 1=488 ack 2=200 ");
	UNIT_ASSERT_INT(pushstore_count(t.ps, MMS), 0);

	UNIT_ASSERT_INT(teardown_tst(&t), 0);
}


/* No answer in time: it stays, and the hand-over stops until the next
 * subscription. */
static void test_no_answer_keeps(void)
{
	struct tst t;

	UNIT_ASSERT_INT(setup(&t, ""), 0);
	UNIT_ASSERT_INT(put(&t, "none 1", NULL), 0);
	UNIT_ASSERT_INT(put(&t, "ack 2", NULL), 0);

	app_comes(&t, "-");
	CU_ASSERT(pump(&t, 1, 10000));
	/* nothing more comes after the 408 */
	CU_ASSERT(!pump(&t, 2, 800));
	UNIT_ASSERT_STR(t.seen, "none 1=408 ");
	UNIT_ASSERT_INT(pushstore_count(t.ps, MMS), 2);

	UNIT_ASSERT_INT(teardown_tst(&t), 0);
}


/* The owner's filter: what it does not take stays for another owner. */
static void test_filter(void)
{
	struct tst t;

	UNIT_ASSERT_INT(setup(&t, ""), 0);
	UNIT_ASSERT_INT(put(&t, "ack png", "image/png"), 0);
	UNIT_ASSERT_INT(put(&t, "ack text", "text/plain"), 0);

	app_comes(&t, "text/*");
	CU_ASSERT(pump(&t, 1, 10000));
	CU_ASSERT(!pump(&t, 2, 500));
	UNIT_ASSERT_STR(t.seen, "ack text=200 ");
	UNIT_ASSERT_INT(pushstore_count(t.ps, MMS), 1);

	UNIT_ASSERT_INT(teardown_tst(&t), 0);
}


/* Bounds and refusals of pushstore_put(). */
static void test_put(void)
{
	struct tst t;
	struct push p = {
		.appid = "x-wap-application:wml.ua", .ctype = "text/plain",
		.transport = "sip-udp", .body = (const uint8_t *)"x",
		.len = 1,
	};

	UNIT_ASSERT_INT(setup(&t, "app_store ulp.ua 2 10\n"), 0);

	/* no store directory until the first push is stored */
	{
		char dir[400];

		(void)re_snprintf(dir, sizeof(dir), "%s/store", t.dir);
		CU_ASSERT(access(dir, F_OK) < 0);
		UNIT_ASSERT_INT(put(&t, "ack 1", NULL), 0);
		CU_ASSERT(access(dir, F_OK) == 0);
	}

	/* not stored for */
	CU_ASSERT(!pushstore_has(t.ps, p.appid));
	UNIT_ASSERT_INT(pushstore_put(t.ps, &p, 0, NULL), ENOENT);

	/* count and bytes: 5 + meta > 10 */
	p.appid = "x-oma-application:ulp.ua";
	CU_ASSERT(pushstore_has(t.ps, p.appid));
	p.sender = NULL;
	UNIT_ASSERT_INT(pushstore_put(t.ps, &p, 0, NULL), ENOSPC);

	/* a value that would break the meta lines */
	p.appid = MMS;
	p.ctype = "text/plain\nSender: forged";
	UNIT_ASSERT_INT(pushstore_put(t.ps, &p, 0, NULL), EINVAL);

	/* already expired: stored, and dropped at once with a log line */
	p.ctype = "text/plain";
	unit_log_capture(true);
	UNIT_ASSERT_INT(pushstore_put(t.ps, &p, (uint64_t)time(NULL) - 1,
				      NULL), 0);
	UNIT_ASSERT_CONTAINS(unit_log_text(), "expired at");
	unit_log_capture(false);
	UNIT_ASSERT_INT(pushstore_count(t.ps, MMS), 1);

	UNIT_ASSERT_INT(teardown_tst(&t), -1);
}


/* A reload that names another store_dir: the old one's pushes stay on
 * disk, untouched, and are there again when it is named again. */
static void test_new_dir(void)
{
	struct config *c2, *c1;
	struct tst t;

	UNIT_ASSERT_INT(setup(&t, ""), 0);
	UNIT_ASSERT_INT(put(&t, "ack 1", NULL), 0);
	UNIT_ASSERT_INT(pushstore_count(t.ps, MMS), 1);

	c2 = unit_config("store_dir %s/other\napp_store mms.ua 10 100000\n",
			 t.dir);
	c1 = unit_config("store_dir %s/store\napp_store mms.ua 10 100000\n",
			 t.dir);
	CU_ASSERT_FATAL(c1 && c2);

	unit_log_capture(true);
	pushstore_set_config(t.ps, c2);
	UNIT_ASSERT_CONTAINS(unit_log_text(), "stay there");
	unit_log_capture(false);
	UNIT_ASSERT_INT(pushstore_count(t.ps, MMS), 0);
	UNIT_ASSERT_INT(put(&t, "ack 2", NULL), 0);
	UNIT_ASSERT_INT(pushstore_count(t.ps, MMS), 1);

	pushstore_set_config(t.ps, c1);
	UNIT_ASSERT_INT(pushstore_count(t.ps, MMS), 1);

	mem_deref(c1);
	mem_deref(c2);
	UNIT_ASSERT_INT(teardown_tst(&t), -1);
}


static CU_TestInfo tests[] = {
	{"handed over in order, deleted after ACK", test_in_order},
	{"a NACK drops it", test_nack_drops},
	{"no answer: kept, hand-over stops", test_no_answer_keeps},
	{"the owner's filter: the rest stays", test_filter},
	{"put: bounds, unknown app, bad values, expired", test_put},
	{"a new store_dir leaves the old one's pushes", test_new_dir},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"pushstore", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(int argc, char *argv[])
{
	(void)signal(SIGPIPE, SIG_IGN);

	if (argc == 4 && !strcmp(argv[1], CHILD_ARG))
		return child_main(argv[2], argv[3]);

	self = argv[0];
	return unit_run("test_pushstore", suites);
}
