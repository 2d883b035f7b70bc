/* test_acl.c: the per-application access list: rules, the one decision, acl.d drop-ins, peer credentials. */
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <re.h>
#include "autoconf.h"
#include "acl.h"
#include "unit.h"

#define SELF 4242u           /* the daemon's uid in these tests */

static const char *MMS = "x-wap-application:mms.ua";
static const char *ULP = "x-oma-application:ulp.ua";
static const char *EMN = "x-wap-application:emn.ua";


static struct acl_cred who(uint32_t uid, uint32_t gid, const uint32_t *g,
			   size_t ng)
{
	struct acl_cred c;

	memset(&c, 0, sizeof(c));
	c.uid = uid;
	c.gid = gid;
	c.pid = 77;
	for (size_t i = 0; i < ng; i++)
		c.groups[c.ngroups++] = g[i];

	return c;
}


static int add(struct acl *acl, const char *rule)
{
	char err[160] = "";

	return acl_rule_add(acl, rule, err, sizeof(err));
}


static void add_err(struct acl *acl, const char *rule, int want,
		    const char *msg)
{
	char err[160] = "";

	UNIT_ASSERT_INT(acl_rule_add(acl, rule, err, sizeof(err)), want);
	UNIT_ASSERT_CONTAINS(err, msg);
}


static void test_parse(void)
{
	struct acl *acl = NULL;

	UNIT_ASSERT_INT(acl_alloc(&acl, false, SELF), 0);

	UNIT_ASSERT_INT(add(acl, "ulp.ua own,send uid:1000"), 0);
	UNIT_ASSERT_INT(add(acl, "x-wap-application:mms.ua all gid:50 "
			    "uid:7"), 0);
	UNIT_ASSERT_INT(add(acl, "* status group:root"), 0);
	UNIT_ASSERT_INT(add(acl, "0x04 monitor user:root"), 0);
	UNIT_ASSERT_INT(add(acl, "emn.ua\town\t*"), 0);
	UNIT_ASSERT_INT(acl_count(acl), 5);

	add_err(acl, "bad$app own uid:1", EINVAL, "bad application ID");
	add_err(acl, "mms.ua read uid:1", EINVAL, "bad rights 'read'");
	add_err(acl, "mms.ua own,,send uid:1", EINVAL, "bad rights");
	add_err(acl, "mms.ua own uid:x", EINVAL, "bad principal 'uid:x'");
	add_err(acl, "mms.ua own uid:", EINVAL, "bad principal");
	add_err(acl, "mms.ua own uid:4294967295", EINVAL, "bad principal");
	add_err(acl, "mms.ua own pid:1", EINVAL, "bad principal 'pid:1'");
	add_err(acl, "mms.ua own user:", EINVAL, "bad principal");
	add_err(acl, "mms.ua own", EINVAL, "want APP RIGHTS WHO");
	add_err(acl, "", EINVAL, "want APP RIGHTS WHO");
	add_err(acl, "mms.ua own uid:1 uid:2 uid:3 uid:4 uid:5 uid:6 uid:7 "
		"uid:8 uid:9", EINVAL, "more than 8 principals");
	UNIT_ASSERT_INT(acl_count(acl), 5);

	/* an account this system does not have is left out, not an error */
	UNIT_ASSERT_INT(add(acl, "mms.ua own user:no-such-user-sippush "
			    "uid:9"), 0);
	UNIT_ASSERT_INT(acl_count(acl), 6);

	{
		char line[ACL_LINE_MAX + 16];

		memset(line, 'a', sizeof(line) - 1);
		line[sizeof(line) - 1] = '\0';
		add_err(acl, line, EINVAL, "longer than");
	}

	mem_deref(acl);

	/* bounded */
	UNIT_ASSERT_INT(acl_alloc(&acl, true, SELF), 0);
	for (int i = 0; i < ACL_RULES_MAX; i++)
		UNIT_ASSERT_INT(add(acl, "mms.ua own uid:1"), 0);
	add_err(acl, "mms.ua own uid:1", E2BIG, "more than 512");
	mem_deref(acl);
}


static void test_decision(void)
{
	static const uint32_t supp[] = { 10, 60 };
	struct acl *acl = NULL;
	struct acl_cred root = who(0, 0, NULL, 0);
	struct acl_cred self = who(SELF, SELF, NULL, 0);
	struct acl_cred supl = who(1000, 1000, NULL, 0);
	struct acl_cred other = who(1001, 1001, NULL, 0);
	struct acl_cred diag = who(1002, 1002, supp, 2);   /* in group 60 */

	UNIT_ASSERT_INT(acl_alloc(&acl, true, SELF), 0);
	UNIT_ASSERT_INT(add(acl, "ulp.ua own,send uid:1000"), 0);
	UNIT_ASSERT_INT(add(acl, "ulp.ua monitor gid:60"), 0);

	/* ulp.ua is named: only what its lines grant */
	CU_ASSERT(acl_allowed(acl, &supl, ULP, ACL_OWN));
	CU_ASSERT(acl_allowed(acl, &supl, ULP, ACL_SEND));
	CU_ASSERT(!acl_allowed(acl, &supl, ULP, ACL_MONITOR));
	CU_ASSERT(!acl_allowed(acl, &other, ULP, ACL_OWN));
	CU_ASSERT(!acl_allowed(acl, &other, ULP, ACL_MONITOR));
	CU_ASSERT(!acl_allowed(acl, &other, ULP, ACL_SEND));
	CU_ASSERT(!acl_allowed(acl, &other, ULP, ACL_STATUS));

	/* a supplementary group counts */
	CU_ASSERT(acl_allowed(acl, &diag, ULP, ACL_MONITOR));
	CU_ASSERT(!acl_allowed(acl, &diag, ULP, ACL_OWN));

	/* root and the daemon's own user: everything */
	CU_ASSERT(acl_allowed(acl, &root, ULP, ACL_OWN));
	CU_ASSERT(acl_allowed(acl, &self, ULP, ACL_MONITOR));

	/* mms.ua is named by no line: acl_default allow */
	CU_ASSERT(acl_allowed(acl, &other, MMS, ACL_OWN));
	CU_ASSERT(acl_allowed(acl, &other, NULL, ACL_STATUS));

	/* no credentials, no list */
	CU_ASSERT(!acl_allowed(acl, NULL, MMS, ACL_OWN));
	CU_ASSERT(acl_allowed(NULL, &other, ULP, ACL_OWN));
	mem_deref(acl);

	/* acl_default deny: an ID without a line is closed */
	UNIT_ASSERT_INT(acl_alloc(&acl, false, SELF), 0);
	UNIT_ASSERT_INT(add(acl, "ulp.ua own uid:1000"), 0);
	CU_ASSERT(!acl_allowed(acl, &supl, MMS, ACL_OWN));
	CU_ASSERT(acl_allowed(acl, &supl, ULP, ACL_OWN));
	CU_ASSERT(!acl_allowed(acl, &supl, NULL, ACL_STATUS));
	CU_ASSERT(acl_allowed(acl, &root, MMS, ACL_OWN));

	/* "*" lines add to every ID, named or not */
	UNIT_ASSERT_INT(add(acl, "* monitor,status gid:10"), 0);
	CU_ASSERT(acl_allowed(acl, &diag, MMS, ACL_MONITOR));
	CU_ASSERT(acl_allowed(acl, &diag, ULP, ACL_MONITOR));
	CU_ASSERT(!acl_allowed(acl, &diag, ULP, ACL_OWN));
	CU_ASSERT(acl_allowed(acl, &diag, NULL, ACL_STATUS));
	CU_ASSERT(!acl_allowed(acl, &other, NULL, ACL_STATUS));
	mem_deref(acl);

	/* with acl_default allow, a "*" status line closes full STATUS to
	 * everyone else, and "*" anyone opens a named ID to all */
	UNIT_ASSERT_INT(acl_alloc(&acl, true, SELF), 0);
	UNIT_ASSERT_INT(add(acl, "* status uid:1000"), 0);
	UNIT_ASSERT_INT(add(acl, "emn.ua own,send *"), 0);
	CU_ASSERT(acl_allowed(acl, &supl, NULL, ACL_STATUS));
	CU_ASSERT(!acl_allowed(acl, &other, NULL, ACL_STATUS));
	CU_ASSERT(acl_allowed(acl, &other, EMN, ACL_OWN));
	CU_ASSERT(!acl_allowed(acl, &other, EMN, ACL_MONITOR));
	CU_ASSERT(acl_allowed(acl, &other, MMS, ACL_MONITOR));
	mem_deref(acl);
}


static int write_mode(const char *dir, const char *name, const char *text,
		      mode_t mode)
{
	char path[512];
	int err;

	(void)re_snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = unit_write_file(path, text, strlen(text));
	if (!err && chmod(path, mode) < 0)
		err = errno;

	return err;
}


static void test_dropins(void)
{
	struct acl_cred supl = who(1000, 1000, NULL, 0);
	struct acl_cred other = who(1001, 1001, NULL, 0);
	struct acl *acl = NULL;
	char dir[256], err[256] = "";

	CU_ASSERT_EQUAL_FATAL(unit_mkdtemp(dir, sizeof(dir)), 0);

	/* missing directory: nothing to load, no error */
	UNIT_ASSERT_INT(acl_alloc(&acl, true, (uint32_t)getuid()), 0);
	UNIT_ASSERT_INT(acl_load_dir(acl, "/nonexistent/acl.d", err,
				     sizeof(err)), 0);
	UNIT_ASSERT_INT(acl_count(acl), 0);

	CU_ASSERT_EQUAL(write_mode(dir, "20-ulp.conf",
		"# SUPL client\n"
		"\n"
		"app_acl ulp.ua own,send uid:1000   \n"
		"  app_acl\tulp.ua monitor uid:1002\n", 0644), 0);
	CU_ASSERT_EQUAL(write_mode(dir, "10-mms.conf",
		"app_acl mms.ua all uid:1001\n", 0600), 0);
	/* not a drop-in: ignored */
	CU_ASSERT_EQUAL(write_mode(dir, "90-x.conf.dpkg-old",
		"garbage\n", 0644), 0);
	CU_ASSERT_EQUAL(write_mode(dir, ".hidden.conf", "garbage\n", 0644),
			0);

	UNIT_ASSERT_INT(acl_load_dir(acl, dir, err, sizeof(err)), 0);
	UNIT_ASSERT_INT(acl_count(acl), 3);
	CU_ASSERT(acl_allowed(acl, &supl, ULP, ACL_OWN));
	CU_ASSERT(!acl_allowed(acl, &other, ULP, ACL_OWN));
	CU_ASSERT(acl_allowed(acl, &other, MMS, ACL_OWN));
	CU_ASSERT(!acl_allowed(acl, &supl, MMS, ACL_OWN));
	mem_deref(acl);

	/* a bad line: FILE:LINE: what */
	CU_ASSERT_EQUAL(write_mode(dir, "30-bad.conf",
		"app_acl emn.ua own uid:1\n"
		"app_acl emn.ua fly uid:1\n", 0644), 0);
	UNIT_ASSERT_INT(acl_alloc(&acl, true, (uint32_t)getuid()), 0);
	UNIT_ASSERT_INT(acl_load_dir(acl, dir, err, sizeof(err)), EINVAL);
	UNIT_ASSERT_CONTAINS(err, "/30-bad.conf:2: app_acl: bad rights 'fly'");
	mem_deref(acl);

	CU_ASSERT_EQUAL(write_mode(dir, "30-bad.conf",
		"app_exec emn.ua /bin/true\n", 0644), 0);
	UNIT_ASSERT_INT(acl_alloc(&acl, true, (uint32_t)getuid()), 0);
	UNIT_ASSERT_INT(acl_load_dir(acl, dir, err, sizeof(err)), EINVAL);
	UNIT_ASSERT_CONTAINS(err, "/30-bad.conf:1: only app_acl lines");
	mem_deref(acl);

	/* writable by others: it could grant anything, so it is refused */
	CU_ASSERT_EQUAL(write_mode(dir, "30-bad.conf",
		"app_acl emn.ua own *\n", 0666), 0);
	UNIT_ASSERT_INT(acl_alloc(&acl, true, (uint32_t)getuid()), 0);
	UNIT_ASSERT_INT(acl_load_dir(acl, dir, err, sizeof(err)), EPERM);
	UNIT_ASSERT_CONTAINS(err, "/30-bad.conf: not a regular file owned by "
			     "root and writable by its owner only");
	mem_deref(acl);

	/* a symlink is not followed */
	{
		char path[512];

		(void)re_snprintf(path, sizeof(path), "%s/30-bad.conf", dir);
		CU_ASSERT_EQUAL(unlink(path), 0);
		CU_ASSERT_EQUAL(symlink("10-mms.conf", path), 0);
	}
	UNIT_ASSERT_INT(acl_alloc(&acl, true, (uint32_t)getuid()), 0);
	UNIT_ASSERT_INT(acl_load_dir(acl, dir, err, sizeof(err)), ELOOP);
	mem_deref(acl);

	(void)unit_rmtree(dir);
}


static void test_cred(void)
{
	struct acl_cred cr;
	gid_t g[ACL_GROUPS_MAX];
	char buf[256];
	int sv[2], ng;

	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);

	UNIT_ASSERT_INT(acl_cred_get(&cr, sv[0]), 0);
	UNIT_ASSERT_INT(cr.uid, getuid());
	UNIT_ASSERT_INT(cr.gid, getgid());
	UNIT_ASSERT_INT(cr.pid, getpid());

	/* the supplementary groups the kernel has for this process */
	ng = getgroups(ACL_GROUPS_MAX, g);
	CU_ASSERT(ng >= 0);
	for (int i = 0; i < ng; i++) {
		bool found = false;

		for (size_t j = 0; j < cr.ngroups; j++)
			found |= cr.groups[j] == (uint32_t)g[i];
		CU_ASSERT(found);
	}

	(void)re_snprintf(buf, sizeof(buf), "%H", acl_cred_print, &cr);
	UNIT_ASSERT_CONTAINS(buf, "uid ");

	UNIT_ASSERT_INT(acl_cred_get(&cr, -1), EBADF);

	(void)close(sv[0]);
	(void)close(sv[1]);
}


static CU_TestInfo tests[] = {
	{"app_acl rules", test_parse},
	{"the decision", test_decision},
	{"acl.d drop-ins", test_dropins},
	{"peer credentials", test_cred},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"acl", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_acl", suites);
}
