/* test_rundir.c: rundir_make() and rundir_prepare() on real directories: levels made, modes, owners (root only), what exists left alone. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "rundir.h"
#include "unit.h"


static char dir[256];


static int setup(void)
{
	return unit_libre_init() || unit_mkdtemp(dir, sizeof(dir));
}


static int teardown(void)
{
	int err = unit_rmtree(dir);

	return unit_libre_close() || err;
}


/* path's mode bits (07777), or -1 */
static long mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (long)(st.st_mode & 07777);
}


static void test_levels(void)
{
	char p[400], top[300];
	mode_t um = umask(0077);   /* the mode asked for wins over it */

	(void)re_snprintf(top, sizeof(top), "%s/a", dir);
	(void)re_snprintf(p, sizeof(p), "%s/a/b/c/", dir);
	UNIT_ASSERT_INT(rundir_make(p, 0750, (uid_t)-1, (gid_t)-1), 0);
	(void)umask(um);

	UNIT_ASSERT_INT(mode_of(top), 0750);
	(void)re_snprintf(p, sizeof(p), "%s/a/b/c", dir);
	UNIT_ASSERT_INT(mode_of(p), 0750);

	/* again: nothing to do, nothing changed */
	UNIT_ASSERT_INT(chmod(top, 0755), 0);
	UNIT_ASSERT_INT(rundir_make(p, 0700, (uid_t)-1, (gid_t)-1), 0);
	UNIT_ASSERT_INT(mode_of(top), 0755);
	UNIT_ASSERT_INT(mode_of(p), 0750);
}


static void test_errors(void)
{
	char f[300], p[400];

	(void)re_snprintf(f, sizeof(f), "%s/file", dir);
	CU_ASSERT_FATAL(unit_write_file(f, "x", 1) == 0);

	UNIT_ASSERT_INT(rundir_make(f, 0700, (uid_t)-1, (gid_t)-1), ENOTDIR);
	(void)re_snprintf(p, sizeof(p), "%s/file/below", dir);
	UNIT_ASSERT_INT(rundir_make(p, 0700, (uid_t)-1, (gid_t)-1), ENOTDIR);
	UNIT_ASSERT_INT(rundir_make("relative/dir", 0700, (uid_t)-1,
				    (gid_t)-1), EINVAL);
	UNIT_ASSERT_INT(rundir_make(NULL, 0700, (uid_t)-1, (gid_t)-1), EINVAL);
}


/* As root with "user": every directory made belongs to the user, the
 * socket's to ipc_group; one that existed keeps its owner. */
static void test_prepare_as_root(void)
{
	struct passwd *pw = getpwnam("nobody");
	struct group *gr = getgrnam("nogroup");
	struct config *cfg;
	char p[400], run[300], state[300];
	gid_t sgid = 0;
	struct stat st;

	if (geteuid() != 0 || !pw || !gr)
		return;   /* CI runs the suite as root */

	(void)re_snprintf(run, sizeof(run), "%s/run/sippushd", dir);
	(void)re_snprintf(state, sizeof(state), "%s/lib/sippushd", dir);
	cfg = unit_config("user nobody\nipc_group nogroup\n"
			  "ipc_socket %s/sock\nstate_dir %s\n"
			  "store_dir %s/store\n%s", run, state, state,
			  CONFIG_MSRP ? "spool_dir /x\n" : "");
	CU_ASSERT_FATAL(cfg != NULL);

	/* the spool shares the socket's directory (the defaults) */
	if (CONFIG_MSRP) {
		cfg->spool_dir = mem_deref(cfg->spool_dir);
		CU_ASSERT_FATAL(re_sdprintf(&cfg->spool_dir, "%s/spool",
					    run) == 0);
	}

	/* state_dir's parent exists, root's */
	(void)re_snprintf(p, sizeof(p), "%s/lib", dir);
	CU_ASSERT_FATAL(mkdir(p, 0755) == 0);

	UNIT_ASSERT_INT(rundir_prepare(cfg, &sgid), 0);
	UNIT_ASSERT_INT(sgid, gr->gr_gid);

	CU_ASSERT_EQUAL(stat(run, &st), 0);
	UNIT_ASSERT_INT(st.st_uid, pw->pw_uid);
	UNIT_ASSERT_INT(st.st_gid, gr->gr_gid);   /* members reach the socket */
	UNIT_ASSERT_INT(st.st_mode & 07777, 0750);

	CU_ASSERT_EQUAL(stat(state, &st), 0);
	UNIT_ASSERT_INT(st.st_uid, pw->pw_uid);
	UNIT_ASSERT_INT(st.st_gid, pw->pw_gid);
	UNIT_ASSERT_INT(st.st_mode & 07777, 0750);

	/* the store waits for its first push (no flash write before) */
	(void)re_snprintf(p, sizeof(p), "%s/store", state);
	CU_ASSERT(stat(p, &st) < 0 && errno == ENOENT);

	if (CONFIG_MSRP) {
		CU_ASSERT_EQUAL(stat(cfg->spool_dir, &st), 0);
		UNIT_ASSERT_INT(st.st_uid, pw->pw_uid);
		UNIT_ASSERT_INT(st.st_mode & 07777, 0700);
	}

	/* what existed before is root's still */
	(void)re_snprintf(p, sizeof(p), "%s/lib", dir);
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	UNIT_ASSERT_INT(st.st_uid, 0);

	mem_deref(cfg);
}


static void test_prepare_unknown_group(void)
{
	struct config *cfg;
	gid_t sgid = 0;

	cfg = unit_config("ipc_group no-such-group-sippushd\n"
			  "ipc_socket %s/s/sock\nstate_dir %s/st\n", dir, dir);
	CU_ASSERT_FATAL(cfg != NULL);

	unit_log_clear();
	unit_log_capture(true);
	UNIT_ASSERT_INT(rundir_prepare(cfg, &sgid), ENOENT);
	UNIT_ASSERT_CONTAINS(unit_log_text(), "no such group");
	unit_log_capture(false);

	mem_deref(cfg);
}


static CU_TestInfo tests[] = {
	{"each missing level, with the mode asked for", test_levels},
	{"a file in the way, a relative path", test_errors},
	{"as root: the user's, the socket's to ipc_group (root only)",
	 test_prepare_as_root},
	{"an unknown ipc_group", test_prepare_unknown_group},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"rundir", setup, teardown, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_rundir", suites);
}
