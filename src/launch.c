/* launch.c: starts an app's command on demand (app_exec): one instance, reaped, backing off when it crashes. */
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "backoff.h"
#include "spawn.h"
#include "launch.h"

#define DEBUG_MODULE "launch"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * The command of an app that has a push waiting and no subscriber. It
 * runs as the daemon runs (after privdrop: its unprivileged user), with
 * nothing of the daemon's but two variables: PATH is a fixed safe one,
 * SIPPUSH_SOCKET says where to connect, SIPPUSH_APP which app ID it was
 * started for. stdin is /dev/null, stdout and stderr go to the daemon's
 * log stream (stderr) or /dev/null under syslog. Its own process group,
 * so that a supervisor or a test can stop all it started at once.
 *
 * At most one instance per app: while the started process lives, more
 * pushes just wait for its subscription. A start "fails" when the
 * process dies of a signal or exits non-zero before the app subscribed,
 * or when no subscription came in time (launch_timeout()); after a
 * failure the next start waits 1 s, then 2, 4, ... up to 5 min
 * (jittered, backoff.c), so a command that crashes at once costs one
 * fork per back-off step, not one per push. A subscription resets it.
 * An exit 0 before the subscription is no failure: "systemctl start"
 * and "/etc/init.d/foo start" return once the service is on its way.
 */

struct lapp {
	struct le le;
	char *app;
	pid_t pid;              /* 0: none running */
	bool ready;             /* subscribed since the last start */
	bool counted;           /* this start's failure is counted already */
	uint32_t failc;         /* failures in a row */
	uint64_t not_before;    /* tmr_jiffies() of the next allowed start */
	uint64_t starts;
	uint64_t failures;
};

struct launch {
	struct list apps;
	char *sock_env;
	int logfd;
	uint32_t bmin;
	uint32_t bmax;
	uint64_t activations;
	uint64_t failures;
	launch_exit_h *exith;
	void *arg;
};

static const char safe_path[] = "PATH=/usr/local/sbin:/usr/local/bin:"
	"/usr/sbin:/usr/bin:/sbin:/bin";


static void lapp_destructor(void *arg)
{
	struct lapp *a = arg;

	list_unlink(&a->le);
	mem_deref(a->app);
}


static void destructor(void *arg)
{
	struct launch *l = arg;

	/* started apps are apps: they keep running without us */
	list_flush(&l->apps);
	mem_deref(l->sock_env);
}


/**
 * @param lp      Pointer to allocated launcher
 * @param socket  The IPC socket path, for SIPPUSH_SOCKET
 * @param logfd   Where the commands' stdout/stderr go; -1: /dev/null
 * @param exith   Optional: told when a started command ends
 * @param arg     Handler argument
 */
int launch_alloc(struct launch **lp, const char *socket, int logfd,
		 launch_exit_h *exith, void *arg)
{
	struct launch *l;
	int err;

	if (!lp || !socket || !*socket)
		return EINVAL;

	l = mem_zalloc(sizeof(*l), destructor);
	if (!l)
		return ENOMEM;

	list_init(&l->apps);
	l->logfd = logfd;
	l->exith = exith;
	l->arg   = arg;
	launch_set_backoff(l, LAUNCH_BACKOFF_MIN, LAUNCH_BACKOFF_MAX);

	err = re_sdprintf(&l->sock_env, "SIPPUSH_SOCKET=%s", socket);
	if (err)
		mem_deref(l);
	else
		*lp = l;

	return err;
}


/** The back-off bounds (tests use short ones). */
void launch_set_backoff(struct launch *l, uint32_t min_ms, uint32_t max_ms)
{
	if (!l)
		return;

	l->bmin = min_ms ? min_ms : 1;
	l->bmax = max_ms >= l->bmin ? max_ms : l->bmin;
}


static struct lapp *find(const struct launch *l, const char *app)
{
	struct le *le;

	for (le = l->apps.head; le; le = le->next) {
		struct lapp *a = le->data;

		if (!strcmp(a->app, app))
			return a;
	}

	return NULL;
}


static void failed(struct launch *l, struct lapp *a, const char *why)
{
	uint64_t delay;

	a->counted = true;
	++a->failc;
	++a->failures;
	++l->failures;

	delay = backoff_delay(a->failc, l->bmin, l->bmax, rand_u16());
	a->not_before = tmr_jiffies() + delay;

	DEBUG_WARNING("%s: %s (%u in a row); next start in %llu ms at the "
		      "earliest\n", a->app, why, a->failc,
		      (unsigned long long)delay);
}


static bool app_ok(const char *app)
{
	size_t n = app ? strlen(app) : 0;

	if (!n || n > APPID_MAX)
		return false;

	for (size_t i = 0; i < n; i++)
		if (app[i] < 0x21 || app[i] > 0x7e)
			return false;

	return true;
}


/**
 * Start app's command unless it runs already or is backing off.
 *
 * @param l     Launcher
 * @param app   Canonical app ID (from the configuration)
 * @param argv  Command: an absolute path and its arguments, NULL-ended
 *
 * @return 0 started; EALREADY its command is running; EAGAIN backing off
 *         after failures; ENOSPC too many apps; EINVAL; or why fork/exec
 *         failed (ENOENT, EACCES, ...: a failure, and backing off)
 */
int launch_start(struct launch *l, const char *app, const char *const *argv)
{
	const char *envp[4];
	char *app_env = NULL;
	struct lapp *a;
	pid_t pid;
	int err;

	if (!l || !app_ok(app) || !argv || !argv[0] || argv[0][0] != '/')
		return EINVAL;

	a = find(l, app);
	if (!a) {
		if (list_count(&l->apps) >= LAUNCH_APPS_MAX)
			return ENOSPC;

		a = mem_zalloc(sizeof(*a), lapp_destructor);
		if (!a)
			return ENOMEM;

		err = str_dup(&a->app, app);
		if (err) {
			mem_deref(a);
			return err;
		}
		list_append(&l->apps, &a->le, a);
	}

	if (a->pid)
		return EALREADY;

	if (tmr_jiffies() < a->not_before)
		return EAGAIN;

	err = re_sdprintf(&app_env, "SIPPUSH_APP=%s", app);
	if (err)
		return err;

	envp[0] = safe_path;
	envp[1] = l->sock_env;
	envp[2] = app_env;
	envp[3] = NULL;

	{
		const struct spawn_opts o = {
			.argv = argv, .envp = envp, .fd_in = -1,
			.fd_out = l->logfd, .fd_err = l->logfd, .pgrp = true,
		};

		err = spawn(&pid, &o);
	}
	mem_deref(app_env);

	a->ready   = false;
	a->counted = false;
	++a->starts;
	++l->activations;

	if (err) {
		char why[160];

		(void)re_snprintf(why, sizeof(why), "cannot run %s: %m",
				  argv[0], err);
		failed(l, a, why);
		return err;
	}

	a->pid = pid;
	DEBUG_INFO("%s: started %s (pid %d)\n", app, argv[0], (int)pid);

	return 0;
}


/** The app subscribed: its start worked. */
void launch_ready(struct launch *l, const char *app)
{
	struct lapp *a = l && app ? find(l, app) : NULL;

	if (!a)
		return;

	a->ready = true;
	a->failc = 0;
	a->not_before = 0;
}


/** No subscription came in time: the start failed (once per start). */
void launch_timeout(struct launch *l, const char *app)
{
	struct lapp *a = l && app ? find(l, app) : NULL;

	if (!a || a->ready || a->counted || !a->starts)
		return;

	failed(l, a, "started, but did not subscribe in time");
}


static void exited(struct launch *l, struct lapp *a, int status)
{
	bool bad = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	bool fail = bad && !a->counted && !a->ready;
	char why[96];

	if (WIFSIGNALED(status))
		(void)re_snprintf(why, sizeof(why), "pid %d killed by signal "
				  "%d", (int)a->pid, WTERMSIG(status));
	else
		(void)re_snprintf(why, sizeof(why), "pid %d exited with %d",
				  (int)a->pid, WEXITSTATUS(status));

	a->pid = 0;

	if (fail)
		failed(l, a, why);
	else if (bad)
		DEBUG_NOTICE("%s: %s\n", a->app, why);
	else
		DEBUG_INFO("%s: %s\n", a->app, why);

	if (l->exith)
		l->exith(a->app, bad && !a->ready, l->arg);
}


/** SIGCHLD: collect every started command that ended (only ours). */
void launch_reap(struct launch *l)
{
	struct le *le;

	if (!l)
		return;

	for (le = l->apps.head; le; ) {
		struct lapp *a = le->data;
		int status = 0;
		pid_t r;

		le = le->next;   /* the exit handler may start it again */

		if (!a->pid)
			continue;

		do {
			r = waitpid(a->pid, &status, WNOHANG);
		} while (r < 0 && errno == EINTR);

		if (r == a->pid)
			exited(l, a, status);
		else if (r < 0 && errno == ECHILD)
			exited(l, a, 0);     /* somebody else reaped it */
	}
}


/** The pid of app's running command, 0 if none. */
pid_t launch_pid(const struct launch *l, const char *app)
{
	const struct lapp *a = l && app ? find(l, app) : NULL;

	return a ? a->pid : 0;
}


/** ms until app's command may be started again (0: now). */
uint64_t launch_retry_in(const struct launch *l, const char *app)
{
	const struct lapp *a = l && app ? find(l, app) : NULL;
	uint64_t now = tmr_jiffies();

	return a && a->not_before > now ? a->not_before - now : 0;
}


/** STATUS lines: totals, then one "exec=APP ..." per app started. */
int launch_status(struct re_printf *pf, const struct launch *l)
{
	struct le *le;
	int err;

	if (!l)
		return 0;

	err = re_hprintf(pf, "activations=%llu\nactivation_failures=%llu\n",
			 (unsigned long long)l->activations,
			 (unsigned long long)l->failures);

	for (le = l->apps.head; le && !err; le = le->next) {
		const struct lapp *a = le->data;

		err = re_hprintf(pf, "exec=%s running=%s starts=%llu "
				 "failures=%llu retry_in_ms=%llu\n", a->app,
				 a->pid ? "yes" : "no",
				 (unsigned long long)a->starts,
				 (unsigned long long)a->failures,
				 (unsigned long long)launch_retry_in(l,
								     a->app));
	}

	return err;
}
