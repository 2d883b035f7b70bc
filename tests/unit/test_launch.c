/* test_launch.c: spawn (no shell, clean stdio, descriptors, signals, exec errors) and the app launcher (one instance, reaping, back-off). */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <re.h>
#include "autoconf.h"
#include "spawn.h"
#include "launch.h"
#include "unit.h"

static char tmp[256];
static char logpath[320];
static int logfd = -1;
static struct launch *ln;
static unsigned exits, exits_failed;
static char last_exit[128];

static const char app[] = "x-wap-application:mms.ua";


static void on_exit_h(const char *a, bool failed, void *arg)
{
	(void)arg;
	++exits;
	if (failed)
		++exits_failed;
	str_ncpy(last_exit, a, sizeof(last_exit));
}


static void setup(void)
{
	tmp[0] = '\0';
	exits = exits_failed = 0;
	last_exit[0] = '\0';
	CU_ASSERT_FATAL(unit_mkdtemp(tmp, sizeof(tmp)) == 0);
	(void)re_snprintf(logpath, sizeof(logpath), "%s/log", tmp);
	logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		     0600);
	CU_ASSERT_FATAL(logfd >= 0);
	CU_ASSERT_FATAL(launch_alloc(&ln, "/run/test/sippushd.sock", logfd,
				     on_exit_h, NULL) == 0);
}


static void teardown(void)
{
	pid_t pid = launch_pid(ln, app);

	if (pid > 0) {
		(void)kill(-pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
	}
	ln = mem_deref(ln);
	if (logfd >= 0)
		(void)close(logfd);
	logfd = -1;
	if (tmp[0])
		(void)unit_rmtree(tmp);
	tmp[0] = '\0';
}


static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	(void)nanosleep(&ts, NULL);
}


/* Reap until app's command is gone (at most 5 s). */
static bool reap_gone(void)
{
	for (int i = 0; i < 500; i++) {
		launch_reap(ln);
		if (!launch_pid(ln, app))
			return true;
		sleep_ms(10);
	}

	return false;
}


static const char *logtext(void)
{
	static char buf[8192];

	if (unit_read_file(logpath, buf, sizeof(buf)) < 0)
		return "";
	return buf;
}


/* --- spawn ---------------------------------------------------------- */

static int wait_exit(pid_t pid)
{
	int status = 0;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1000;
}


static void test_spawn_stdio(void)
{
	const char *argv[] = {"cat", NULL};
	const char *envp[] = {NULL};
	struct spawn_opts o;
	int pfd[2];
	pid_t pid;

	setup();
	CU_ASSERT_FATAL(pipe(pfd) == 0);
	CU_ASSERT(write(pfd[1], "hello\n", 6) == 6);
	(void)close(pfd[1]);

	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.envp = envp;
	o.fd_in = pfd[0];
	o.fd_out = logfd;
	o.fd_err = -1;
	o.path = false;

	/* not a path, no PATH lookup asked for */
	UNIT_ASSERT_INT(spawn(&pid, &o), ENOENT);

	/* PATH lookup: the caller's PATH */
	o.path = true;
	UNIT_ASSERT_INT(spawn(&pid, &o), 0);
	UNIT_ASSERT_INT(wait_exit(pid), 0);
	UNIT_ASSERT_STR(logtext(), "hello\n");
	(void)close(pfd[0]);
}


static void test_spawn_errors(void)
{
	const char *envp[] = {NULL};
	const char *nx[] = {"/nonexistent/program", NULL};
	char noexec[400];
	const char *ne[] = {noexec, NULL};
	struct spawn_opts o;
	pid_t pid = 0;

	setup();
	memset(&o, 0, sizeof(o));
	o.envp = envp;
	o.fd_in = o.fd_out = o.fd_err = -1;

	o.argv = nx;
	UNIT_ASSERT_INT(spawn(&pid, &o), ENOENT);
	CU_ASSERT(pid == 0);

	/* not executable: EACCES even for root */
	(void)re_snprintf(noexec, sizeof(noexec), "%s/script", tmp);
	UNIT_ASSERT_INT(unit_write_file(noexec, "#!/bin/sh\n", 10), 0);
	CU_ASSERT(chmod(noexec, 0644) == 0);
	o.argv = ne;
	UNIT_ASSERT_INT(spawn(&pid, &o), EACCES);

	o.argv = NULL;
	UNIT_ASSERT_INT(spawn(&pid, &o), EINVAL);

	/* no zombie was left by the failures */
	CU_ASSERT(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}


/* --- launch --------------------------------------------------------- */

/* Nothing of ours in its environment: exactly three variables. */
static void test_env(void)
{
	const char *argv[] = {"/usr/bin/env", NULL};

	setup();
	(void)setenv("SECRET_OF_THE_DAEMON", "x", 1);

	UNIT_ASSERT_INT(launch_start(ln, app, argv), 0);
	CU_ASSERT(reap_gone());
	UNIT_ASSERT_STR(logtext(),
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
			"/usr/bin:/sbin:/bin\n"
			"SIPPUSH_SOCKET=/run/test/sippushd.sock\n"
			"SIPPUSH_APP=x-wap-application:mms.ua\n");
	UNIT_ASSERT_INT(exits, 1);
	UNIT_ASSERT_INT(exits_failed, 0);
	UNIT_ASSERT_STR(last_exit, app);
	(void)unsetenv("SECRET_OF_THE_DAEMON");
}


/* A signal mask line of /proc/PID/status; ~0 if it is not there. */
static unsigned long long sigmask_of(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	return p ? strtoull(p + strlen(key), NULL, 16) : ~0ull;
}


/* "FD:TARGET " for each open descriptor of pid, in fd order. */
static void fd_list(pid_t pid, char *buf, size_t sz)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int fd = 0; fd < 64; fd++) {
		char path[64], target[256];
		ssize_t n;

		(void)re_snprintf(path, sizeof(path), "/proc/%d/fd/%d",
				  (int)pid, fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		len += (size_t)re_snprintf(buf + len, sz - len, "%d:%s ", fd,
					   target);
	}
}


/*
 * What the daemon set up for itself does not reach the command: blocked
 * signals (signalfd), ignored ones, descriptors without close-on-exec.
 * The command gets /dev/null as stdin and its own process group. Looked
 * at from outside, once launch_start() returned (the exec happened).
 */
static void test_isolation(void)
{
	const char *argv[] = {"/bin/sleep", "30", NULL};
	char status[4096], path[64], fds[1024], want[1024];
	sigset_t set, old;
	pid_t pid;
	int stray;

	setup();

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	CU_ASSERT_FATAL(sigprocmask(SIG_BLOCK, &set, &old) == 0);
	(void)signal(SIGUSR1, SIG_IGN);
	stray = open("/dev/null", O_RDONLY);    /* no O_CLOEXEC */
	CU_ASSERT(stray >= 3);

	UNIT_ASSERT_INT(launch_start(ln, app, argv), 0);
	pid = launch_pid(ln, app);
	CU_ASSERT_FATAL(pid > 0);

	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	(void)signal(SIGUSR1, SIG_DFL);
	(void)close(stray);

	(void)re_snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	CU_ASSERT_FATAL(unit_read_file(path, status, sizeof(status)) > 0);
	/* the standard signals 1..31; glibc keeps 32 and 33 for itself
	 * (sigaction refuses them) and make, for one, ignores them */
	UNIT_ASSERT_INT(sigmask_of(status, "SigBlk:\t") & 0x7fffffffu, 0);
	UNIT_ASSERT_INT(sigmask_of(status, "SigIgn:\t") & 0x7fffffffu, 0);

	/* the last descriptor of a transient open by sleep itself could
	 * show for a moment; a leaked one stays */
	(void)re_snprintf(want, sizeof(want), "0:/dev/null 1:%s 2:%s ",
			  logpath, logpath);
	for (int i = 0; i < 200; i++) {
		fd_list(pid, fds, sizeof(fds));
		if (!strcmp(fds, want))
			break;
		sleep_ms(10);
	}
	UNIT_ASSERT_STR(fds, want);

	UNIT_ASSERT_INT(getpgid(pid), pid);
	CU_ASSERT(getpgid(pid) != getpgid(0));
}


static void test_one_instance(void)
{
	const char *argv[] = {"/bin/sleep", "30", NULL};
	char st[512];
	pid_t pid;

	setup();
	launch_set_backoff(ln, 50, 50);

	UNIT_ASSERT_INT(launch_start(ln, app, argv), 0);
	pid = launch_pid(ln, app);
	CU_ASSERT_FATAL(pid > 0);

	UNIT_ASSERT_INT(launch_start(ln, app, argv), EALREADY);
	UNIT_ASSERT_INT(launch_start(ln, app, argv), EALREADY);
	UNIT_ASSERT_INT(launch_pid(ln, app), pid);
	launch_reap(ln);                        /* still running */
	UNIT_ASSERT_INT(launch_pid(ln, app), pid);

	(void)re_snprintf(st, sizeof(st), "%H", launch_status, ln);
	UNIT_ASSERT_CONTAINS(st, "activations=1\nactivation_failures=0\n");
	UNIT_ASSERT_CONTAINS(st, "exec=x-wap-application:mms.ua running=yes "
			     "starts=1 failures=0");

	/* killed before it subscribed: a failure, told to the daemon */
	CU_ASSERT(kill(-pid, SIGTERM) == 0);
	CU_ASSERT(reap_gone());
	UNIT_ASSERT_INT(exits_failed, 1);
	UNIT_ASSERT_INT(launch_start(ln, app, argv), EAGAIN);

	sleep_ms(60);
	UNIT_ASSERT_INT(launch_start(ln, app, argv), 0);
	CU_ASSERT(launch_pid(ln, app) > 0 && launch_pid(ln, app) != pid);

	(void)re_snprintf(st, sizeof(st), "%H", launch_status, ln);
	UNIT_ASSERT_CONTAINS(st, "activations=2\nactivation_failures=1\n");
}


static void test_exec_error(void)
{
	const char *argv[] = {"/nonexistent/app-daemon", "--flag", NULL};

	setup();
	unit_log_capture(true);
	UNIT_ASSERT_INT(launch_start(ln, app, argv), ENOENT);
	UNIT_ASSERT_CONTAINS(unit_log_text(), "cannot run "
			     "/nonexistent/app-daemon");
	UNIT_ASSERT_CONTAINS(unit_log_text(), "next start in");
	unit_log_capture(false);

	UNIT_ASSERT_INT(launch_pid(ln, app), 0);
	UNIT_ASSERT_INT(launch_start(ln, app, argv), EAGAIN);
	CU_ASSERT(launch_retry_in(ln, app) > 0);
	CU_ASSERT(launch_retry_in(ln, app) <= LAUNCH_BACKOFF_MIN);
}


/*
 * A command that crashes at once, and a push every 5 ms asking for it,
 * for 1.5 s: the starts follow the back-off (50, 100, 200, 200 ... ms
 * apart at least, jitter included), not the pushes.
 */
static void test_crash_loop(void)
{
	const char *argv[] = {"/bin/sh", "-c", "exit 3", NULL};
	unsigned starts = 0, refused = 0, asked = 0;
	uint64_t t0;
	char st[512];

	setup();
	launch_set_backoff(ln, 100, 400);

	for (t0 = tmr_jiffies(); tmr_jiffies() - t0 < 1500; ) {
		int err = launch_start(ln, app, argv);

		++asked;
		if (!err)
			++starts;
		else if (err == EAGAIN || err == EALREADY)
			++refused;
		sleep_ms(5);
		launch_reap(ln);
	}
	CU_ASSERT(reap_gone());

	/* at most at 0, 50, 150, 350, 550, ... 1350 ms: 9 */
	printf("(%u starts for %u requests) ", starts, asked);
	CU_ASSERT(starts >= 3);
	CU_ASSERT(starts <= 9);
	UNIT_ASSERT_INT(starts + refused, asked);
	UNIT_ASSERT_INT(exits_failed, starts);
	(void)re_snprintf(st, sizeof(st), "%H", launch_status, ln);
	{
		char want[80];

		(void)re_snprintf(want, sizeof(want),
				  "activation_failures=%u\n", starts);
		UNIT_ASSERT_CONTAINS(st, want);
	}

	/* one more failure, with a long back-off: a subscription ends it */
	sleep_ms((long)launch_retry_in(ln, app) + 1);
	launch_set_backoff(ln, 60000, 60000);
	UNIT_ASSERT_INT(launch_start(ln, app, argv), 0);
	CU_ASSERT(reap_gone());
	CU_ASSERT(launch_retry_in(ln, app) >= 30000);
	launch_ready(ln, app);
	UNIT_ASSERT_INT(launch_retry_in(ln, app), 0);
}


/* "systemctl start foo" exits 0 before foo subscribes: no failure. */
static void test_exit_zero(void)
{
	const char *argv[] = {"/bin/true", NULL};

	setup();
	UNIT_ASSERT_INT(launch_start(ln, app, argv), 0);
	CU_ASSERT(reap_gone());
	UNIT_ASSERT_INT(exits, 1);
	UNIT_ASSERT_INT(exits_failed, 0);
	UNIT_ASSERT_INT(launch_start(ln, app, argv), 0);
	CU_ASSERT(reap_gone());

	/* ... unless no subscription follows in time */
	launch_timeout(ln, app);
	UNIT_ASSERT_INT(launch_start(ln, app, argv), EAGAIN);
}


static void test_timeout(void)
{
	const char *argv[] = {"/bin/sleep", "30", NULL};
	char st[512];
	pid_t pid;

	setup();
	UNIT_ASSERT_INT(launch_start(ln, app, argv), 0);
	pid = launch_pid(ln, app);

	launch_timeout(ln, app);
	launch_timeout(ln, app);            /* counted once per start */
	UNIT_ASSERT_INT(launch_start(ln, app, argv), EALREADY);

	(void)kill(-pid, SIGKILL);
	CU_ASSERT(reap_gone());

	(void)re_snprintf(st, sizeof(st), "%H", launch_status, ln);
	UNIT_ASSERT_CONTAINS(st, "activation_failures=1\n");
	UNIT_ASSERT_CONTAINS(st, "running=no starts=1 failures=1");
}


static void test_subscribed_then_gone(void)
{
	const char *argv[] = {"/bin/sleep", "30", NULL};
	pid_t pid;

	setup();
	UNIT_ASSERT_INT(launch_start(ln, app, argv), 0);
	pid = launch_pid(ln, app);
	launch_ready(ln, app);
	launch_timeout(ln, app);            /* too late to matter */

	(void)kill(-pid, SIGKILL);
	CU_ASSERT(reap_gone());

	/* it ran as the app: the next push may start it at once */
	UNIT_ASSERT_INT(exits_failed, 0);
	UNIT_ASSERT_INT(launch_retry_in(ln, app), 0);
}


static void test_bad_input(void)
{
	const char *rel[] = {"sleep", "1", NULL};
	const char *ok[] = {"/bin/true", NULL};
	const char *empty[] = {NULL};
	struct launch *l2 = NULL;

	setup();
	UNIT_ASSERT_INT(launch_alloc(&l2, "", -1, NULL, NULL), EINVAL);
	UNIT_ASSERT_INT(launch_alloc(&l2, NULL, -1, NULL, NULL), EINVAL);

	UNIT_ASSERT_INT(launch_start(ln, app, rel), EINVAL);
	UNIT_ASSERT_INT(launch_start(ln, app, empty), EINVAL);
	UNIT_ASSERT_INT(launch_start(ln, "", ok), EINVAL);
	UNIT_ASSERT_INT(launch_start(ln, "a b", ok), EINVAL);
	UNIT_ASSERT_INT(launch_start(ln, NULL, ok), EINVAL);

	/* bounded */
	for (int i = 0; i < LAUNCH_APPS_MAX; i++) {
		char a[32];

		(void)re_snprintf(a, sizeof(a), "app%d", i);
		UNIT_ASSERT_INT(launch_start(ln, a, ok), 0);
	}
	UNIT_ASSERT_INT(launch_start(ln, "one.too.many", ok), ENOSPC);

	for (int i = 0; i < 500 && waitpid(-1, NULL, WNOHANG) >= 0; i++)
		sleep_ms(10);
}


static CU_TestInfo spawn_tests[] = {
	{"stdio and PATH lookup", test_spawn_stdio},
	{"exec errors returned, no zombie", test_spawn_errors},
	CU_TEST_INFO_NULL
};

static CU_TestInfo launch_tests[] = {
	{"clean environment plus SIPPUSH_SOCKET, SIPPUSH_APP", test_env},
	{"no signals, descriptors or stdin of the daemon", test_isolation},
	{"one instance per app; killed: back-off", test_one_instance},
	{"exec error: logged, backing off", test_exec_error},
	{"crash loop: starts follow the back-off", test_crash_loop},
	{"exit 0 before subscribing is no failure", test_exit_zero},
	{"no subscription in time: one failure", test_timeout},
	{"ended after subscribing: no back-off", test_subscribed_then_gone},
	{"bad input and bounds", test_bad_input},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"spawn", unit_libre_init, unit_libre_close, NULL, teardown,
	 spawn_tests},
	{"launch", unit_libre_init, unit_libre_close, NULL, teardown,
	 launch_tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_launch", suites);
}
