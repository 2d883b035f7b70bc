/* test_activate.c: pushes held while their app's command starts: released when it subscribes, refused at the timeout or when it dies, bounded. */
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "activate.h"
#include "unit.h"

#define MMS "x-wap-application:mms.ua"
#define ULP "x-oma-application:ulp.ua"

static struct activate *act;
static unsigned ready_n, refused_n;
static uint64_t refused_at;


static void held_h(bool ready, void *arg)
{
	(void)arg;

	if (ready)
		++ready_n;
	else {
		++refused_n;
		refused_at = tmr_jiffies();
	}
}


static int setup_t(unsigned timeout_ms, const char *more)
{
	struct config *cfg;
	int err;

	ready_n = refused_n = 0;
	refused_at = 0;

	cfg = unit_config("activation_timeout %u\nmax_pending 2\n%s",
			  timeout_ms, more);
	if (!cfg)
		return EINVAL;

	err = activate_alloc(&act, cfg, "/run/unit.sock", -1);
	mem_deref(cfg);

	return err;
}


static int setup(const char *more)
{
	return setup_t(300, more);
}


static void teardown(void)
{
	act = mem_deref(act);

	/* the commands a test started and left running */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}


struct pump {
	struct tmr tmr;
	unsigned want;
	uint64_t end;
};


/* SIGCHLD is not wired here: reap on every tick, as the daemon does on
 * each SIGCHLD. */
static void tick(void *arg)
{
	struct pump *p = arg;

	activate_reap(act);
	if (ready_n + refused_n >= p->want || tmr_jiffies() >= p->end) {
		re_cancel();
		return;
	}

	tmr_start(&p->tmr, 5, tick, p);
}


static bool pump(unsigned n, uint32_t ms)
{
	struct pump p = { .want = n };

	tmr_init(&p.tmr);
	p.end = tmr_jiffies() + ms;
	tmr_start(&p.tmr, 0, tick, &p);
	(void)re_main(NULL);
	tmr_cancel(&p.tmr);

	return ready_n + refused_n >= n;
}


static void test_ready(void)
{
	struct activation *a1 = NULL, *a2 = NULL, *a3 = NULL;

	CU_ASSERT_FATAL(setup("app_exec mms.ua /bin/sleep 2\n"
			      "app_exec ulp.ua /bin/sleep 2\n") == 0);
	CU_ASSERT(activate_has(act, MMS));
	CU_ASSERT(!activate_has(act, "x-wap-application:wml.ua"));

	UNIT_ASSERT_INT(activate_hold(act, MMS, held_h, NULL, &a1), 0);
	UNIT_ASSERT_INT(activate_hold(act, MMS, held_h, NULL, &a2), 0);
	UNIT_ASSERT_INT(activate_held(act), 2);

	/* bounded by max_pending */
	UNIT_ASSERT_INT(activate_hold(act, ULP, held_h, NULL, &a3), ENOSPC);

	/* the app subscribes: both go on, once each */
	activate_ready(act, MMS);
	UNIT_ASSERT_INT(ready_n, 2);
	UNIT_ASSERT_INT(refused_n, 0);
	CU_ASSERT(a1 == NULL && a2 == NULL);
	UNIT_ASSERT_INT(activate_held(act), 0);

	/* and no timeout comes later */
	CU_ASSERT(!pump(3, 500));
	UNIT_ASSERT_INT(ready_n, 2);

	{
		char *s = NULL;

		(void)re_sdprintf(&s, "%H", activate_status, act);
		UNIT_ASSERT_CONTAINS(s, "held=0\nheld_total=2\n"
				     "activation_timeouts=0\n");
		UNIT_ASSERT_CONTAINS(s, "exec=" MMS " running=yes starts=1 "
				     "failures=0");
		mem_deref(s);
	}
}


static void test_timeout(void)
{
	struct activation *a1 = NULL;
	uint64_t t0;

	CU_ASSERT_FATAL(setup("app_exec mms.ua /bin/sleep 2\n") == 0);

	t0 = tmr_jiffies();
	UNIT_ASSERT_INT(activate_hold(act, MMS, held_h, NULL, &a1), 0);
	unit_log_capture(true);
	CU_ASSERT(pump(1, 5000));
	UNIT_ASSERT_CONTAINS(unit_log_text(), "no subscription within 300 ms");
	unit_log_capture(false);
	UNIT_ASSERT_INT(refused_n, 1);
	CU_ASSERT(refused_at - t0 >= 290);
	CU_ASSERT(a1 == NULL);

	/* a failure of the start: the next waits (back-off) while the
	 * command still runs: another hold waits for it, no second one */
	UNIT_ASSERT_INT(activate_hold(act, MMS, held_h, NULL, NULL), 0);
	CU_ASSERT(pump(2, 5000));
	{
		char *s = NULL;

		(void)re_sdprintf(&s, "%H", activate_status, act);
		UNIT_ASSERT_CONTAINS(s, "starts=1 failures=1");
		UNIT_ASSERT_CONTAINS(s, "activation_timeouts=2\n");
		mem_deref(s);
	}
}


/* A command that dies before subscribing: refused at once, not at the
 * timeout; then backing off. */
static void test_dies(void)
{
	CU_ASSERT_FATAL(setup_t(30000, "app_exec mms.ua /bin/false\n") == 0);

	UNIT_ASSERT_INT(activate_hold(act, MMS, held_h, NULL, NULL), 0);
	CU_ASSERT(pump(1, 5000));
	UNIT_ASSERT_INT(refused_n, 1);

	UNIT_ASSERT_INT(activate_hold(act, MMS, held_h, NULL, NULL), EAGAIN);
	UNIT_ASSERT_INT(activate_start(act, MMS), EAGAIN);
}


static void test_errors(void)
{
	struct activation *a = NULL;

	CU_ASSERT_FATAL(setup("app_exec mms.ua /nonexistent/agent\n") == 0);

	UNIT_ASSERT_INT(activate_hold(act, ULP, held_h, NULL, &a), ENOENT);
	UNIT_ASSERT_INT(activate_hold(act, MMS, held_h, NULL, &a), ENOENT);
	CU_ASSERT(a == NULL);
	UNIT_ASSERT_INT(activate_held(act), 0);
	UNIT_ASSERT_INT(activate_hold(NULL, MMS, held_h, NULL, &a), EINVAL);
	UNIT_ASSERT_INT(activate_hold(act, MMS, NULL, NULL, &a), EINVAL);
	UNIT_ASSERT_INT(ready_n + refused_n, 0);
}


/* A hold cancelled (its sender went away) is never answered. */
static void test_cancel(void)
{
	struct activation *a = NULL;

	CU_ASSERT_FATAL(setup("app_exec mms.ua /bin/sleep 2\n") == 0);
	UNIT_ASSERT_INT(activate_hold(act, MMS, held_h, NULL, &a), 0);
	activate_cancel(a);
	UNIT_ASSERT_INT(activate_held(act), 0);
	activate_ready(act, MMS);
	CU_ASSERT(!pump(1, 500));
	UNIT_ASSERT_INT(ready_n + refused_n, 0);
}


static CU_TestInfo tests[] = {
	{"held until the app subscribes, bounded", test_ready},
	{"no subscription in time: refused", test_timeout},
	{"the command dies first: refused at once", test_dies},
	{"no command, bad arguments", test_errors},
	{"cancelled: never answered", test_cancel},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"activate", unit_libre_init, unit_libre_close, NULL, teardown, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_activate", suites);
}
