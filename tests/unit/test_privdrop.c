/* test_privdrop.c: privdrop_to(); the switch itself runs in a forked
 * child (only when the suite runs as root, as in CI). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <re.h>
#include "autoconf.h"
#include "privdrop.h"
#include "unit.h"


static void test_bad_arguments(void)
{
	unit_log_capture(true);
	UNIT_ASSERT_INT(privdrop_to(NULL, (gid_t)-1), EINVAL);
	UNIT_ASSERT_INT(privdrop_to("", (gid_t)-1), EINVAL);
	unit_log_capture(false);
}


static void test_unknown_user(void)
{
	unit_log_clear();
	unit_log_capture(true);
	UNIT_ASSERT_INT(privdrop_to("no-such-user-sippushd", (gid_t)-1), ENOENT);
	UNIT_ASSERT_CONTAINS(unit_log_text(),
			     "user 'no-such-user-sippushd': no such user");
	unit_log_capture(false);
}


static void test_root_refused(void)
{
	unit_log_clear();
	unit_log_capture(true);
	UNIT_ASSERT_INT(privdrop_to("root", (gid_t)-1), EPERM);
	UNIT_ASSERT_CONTAINS(unit_log_text(), "uid 0");
	unit_log_capture(false);
}


/* Child: become nobody, staying in group EXTRA (ipc_group), then report
 * what it can still do (exit code). */
static int child_drop(gid_t extra)
{
	struct passwd *pw = getpwnam("nobody");
	gid_t groups[64];
	bool kept = false;
	int n;

	if (!pw)
		return 10;
	if (privdrop_to("nobody", extra))
		return 11;
	if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid)
		return 12;
	if (getgid() != pw->pw_gid || getegid() != pw->pw_gid)
		return 13;
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
		return 14;
	n = getgroups(64, groups);
	for (int i = 0; i < n; i++) {
		if (groups[i] == 0)
			return 15;   /* root's group 0 must be gone */
		kept |= groups[i] == extra;
	}
	if (!kept)
		return 17;
	if (access("/etc/shadow", R_OK) == 0)
		return 16;
	return 0;
}


static void test_drop_in_child(void)
{
	/* a group nobody is not in: ipc_group is kept all the same */
	struct group *gr = getgrnam("nogroup");
	gid_t extra = gr ? gr->gr_gid : 65534;
	int status = -1;
	pid_t pid;

	if (geteuid() != 0) {
		unit_log_clear();
		unit_log_capture(true);
		UNIT_ASSERT_INT(privdrop_to("nobody", (gid_t)-1), EPERM);
		UNIT_ASSERT_CONTAINS(unit_log_text(), "not running as root");
		unit_log_capture(false);
		return;
	}

	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		unit_log_capture(true);
		_exit(child_drop(extra));
	}

	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status));
	UNIT_ASSERT_INT(WEXITSTATUS(status), 0);
}


static CU_TestInfo tests[] = {
	{"bad arguments", test_bad_arguments},
	{"unknown user", test_unknown_user},
	{"uid 0 refused", test_root_refused},
	{"switch to nobody, keeping ipc_group (root only)", test_drop_in_child},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"privdrop", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_privdrop", suites);
}
