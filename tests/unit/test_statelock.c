/* test_statelock.c: one daemon per state directory, across processes and after a crash. */
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include <unistd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <re.h>
#include "autoconf.h"
#include "statelock.h"
#include "unit.h"


/* Another process tries the lock: its statelock_take() result */
static int take_in_child(const char *dir, bool hold)
{
	int st, p[2];
	char c;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;

	pid = fork();
	if (pid == 0) {
		struct statelock *l = NULL;
		int err;

		(void)close(p[0]);
		err = statelock_take(&l, dir);
		(void)write(p[1], "x", 1);
		if (hold && !err)
			pause();
		_exit(err);
	}

	(void)close(p[1]);
	(void)read(p[0], &c, 1);
	(void)close(p[0]);

	if (hold) {
		/* the child holds it until killed */
		return pid;
	}

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}


static void test_lock(void)
{
	struct statelock *a = NULL, *b = NULL;
	char dir[256], path[300], buf[32];
	int st;
	pid_t holder;

	CU_ASSERT_EQUAL_FATAL(unit_mkdtemp(dir, sizeof(dir)), 0);

	UNIT_ASSERT_INT(statelock_take(&a, dir), 0);
	CU_ASSERT(statelock_holds(a, dir));
	CU_ASSERT(!statelock_holds(a, "/var/lib/other"));
	CU_ASSERT(!statelock_holds(NULL, dir));

	/* the holder's pid is in the file */
	(void)re_snprintf(path, sizeof(path), "%s/lock", dir);
	CU_ASSERT(unit_read_file(path, buf, sizeof(buf)) > 0);
	UNIT_ASSERT_INT(atoi(buf), getpid());

	/* a second open, here or in another process, does not get it */
	UNIT_ASSERT_INT(statelock_take(&b, dir), EADDRINUSE);
	CU_ASSERT(b == NULL);
	UNIT_ASSERT_INT(take_in_child(dir, false), EADDRINUSE);

	/* released: the next one gets it */
	a = mem_deref(a);
	UNIT_ASSERT_INT(take_in_child(dir, false), 0);

	/* a holder killed with SIGKILL leaves no stale lock behind */
	holder = take_in_child(dir, true);
	CU_ASSERT_FATAL(holder > 0);
	UNIT_ASSERT_INT(statelock_take(&a, dir), EADDRINUSE);
	(void)kill(holder, SIGKILL);
	(void)waitpid(holder, &st, 0);
	UNIT_ASSERT_INT(statelock_take(&a, dir), 0);
	mem_deref(a);

	/* a symlink planted as the lock file is not followed */
	CU_ASSERT_EQUAL(unlink(path), 0);
	CU_ASSERT_EQUAL(symlink("/etc/passwd", path), 0);
	UNIT_ASSERT_INT(statelock_take(&a, dir), ELOOP);

	UNIT_ASSERT_INT(statelock_take(&a, "/nonexistent/dir"), ENOENT);

	(void)unit_rmtree(dir);
}


static CU_TestInfo tests[] = {
	{"one holder at a time", test_lock},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"statelock", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_statelock", suites);
}
