/* test_config_away.c: the keys of apps that are away: app_exec and its exec_dir drop-ins, activation_timeout, app_store, store_dir. */
#include <string.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "unit.h"

#define BASE "sip_aor sip:alice@example.com\nsip_registrar sip:example.com\n" \
	"sip_transports udp,tcp\n"

static char tmp[256];
static char dir[320];       /* tmp/exec.d */
static char conf[320];      /* tmp/sippushd.conf */
static char err[1024];


static void setup(void)
{
	tmp[0] = '\0';
	CU_ASSERT_FATAL(unit_mkdtemp(tmp, sizeof(tmp)) == 0);
	(void)re_snprintf(dir, sizeof(dir), "%s/exec.d", tmp);
	(void)re_snprintf(conf, sizeof(conf), "%s/sippushd.conf", tmp);
	err[0] = '\0';
}


static void teardown(void)
{
	if (tmp[0])
		(void)unit_rmtree(tmp);
	tmp[0] = '\0';
}


/* the main file: BASE, exec_dir, and more lines */
static int load(struct config **cfgp, const char *more)
{
	char text[4096];

	(void)re_snprintf(text, sizeof(text), BASE "exec_dir %s\n%s", dir,
			  more);
	if (unit_write_file(conf, text, strlen(text)))
		return EIO;

	return config_load(cfgp, conf, err, sizeof(err));
}


static void dropin(const char *name, const char *text, mode_t mode)
{
	char path[512];

	(void)mkdir(dir, 0755);
	(void)re_snprintf(path, sizeof(path), "%s/%s", dir, name);
	CU_ASSERT_FATAL(unit_write_file(path, text, strlen(text)) == 0);
	CU_ASSERT_FATAL(chmod(path, mode) == 0);
}


static bool advertised(const struct config *cfg, const char *app)
{
	for (size_t i = 0; i < cfg->appc; i++)
		if (!strcmp(cfg->apps[i], app))
			return true;
	return false;
}


static void test_exec_lines(void)
{
	struct config *cfg = NULL;

	setup();
	UNIT_ASSERT_INT(load(&cfg, "app_exec mms.ua /usr/libexec/mms-agent "
			     "--once  -v\n"
			     "app_exec 0x01 /bin/true\n"
			     "activation_timeout 2500\n"), 0);
	CU_ASSERT_FATAL(cfg != NULL);
	UNIT_ASSERT_STR(err, "");

	UNIT_ASSERT_INT(cfg->execc, 2);
	UNIT_ASSERT_STR(cfg->execs[0].appid, "x-wap-application:mms.ua");
	UNIT_ASSERT_STR(cfg->execs[0].cmd, "/usr/libexec/mms-agent --once  -v");
	UNIT_ASSERT_STR(cfg->execs[1].appid, "x-wap-application:push.sia");
	UNIT_ASSERT_INT(cfg->activation_timeout, 2500);

	/* served while nobody runs it */
	CU_ASSERT(advertised(cfg, "x-wap-application:mms.ua"));
	CU_ASSERT(advertised(cfg, "x-wap-application:push.sia"));
	mem_deref(cfg);

	/* defaults */
	UNIT_ASSERT_INT(load(&cfg, ""), 0);
	UNIT_ASSERT_INT(cfg->execc, 0);
	UNIT_ASSERT_INT(cfg->storec, 0);
	UNIT_ASSERT_INT(cfg->activation_timeout, 5000);
	CU_ASSERT(cfg->store_dir == NULL);
	mem_deref(cfg);

	{
		struct config *c2 = NULL;

		CU_ASSERT(config_parse(&c2, "x", BASE, strlen(BASE), err,
				       sizeof(err)) == 0);
		UNIT_ASSERT_STR(c2->exec_dir, "/etc/sippushd/exec.d");
		mem_deref(c2);
	}
}


static void expect(const char *more, const char *msg_part)
{
	struct config *cfg = NULL;

	err[0] = '\0';
	/* EINVAL for a bad line; EPERM, ELOOP... for an unusable file */
	CU_ASSERT(load(&cfg, more) != 0);
	CU_ASSERT(cfg == NULL);
	UNIT_ASSERT_CONTAINS(err, msg_part);
	mem_deref(cfg);
}


static void test_exec_errors(void)
{
	setup();
	expect("app_exec mms.ua\n", ":5: app_exec: expected APP-ID "
	       "/PATH/TO/COMMAND [ARGS...]");
	expect("app_exec mms.ua mms-agent\n", "app_exec: 'mms-agent' is not "
	       "an absolute path (no shell runs it)");
	expect("app_exec mms.ua ./agent\n", "is not an absolute path");
	expect("app_exec mms.ua /a\napp_exec x-wap-application:mms.ua /b\n",
	       ":6: app_exec: a command for x-wap-application:mms.ua is "
	       "given already");
	expect("app_exec mms.ua /a 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
	       "app_exec: more than 16 words");
	expect("app_exec %bad /a\n", "is not an application ID");
	expect("activation_timeout 50\n", "activation_timeout");
	expect("activation_timeout 30001\n", "activation_timeout");
}


static void test_store_lines(void)
{
	struct config *cfg = NULL;

	setup();
	UNIT_ASSERT_INT(load(&cfg, "app_store mms.ua 100 1048576\n"
			     "app_store ulp.ua 1 4294967295\n"
			     "store_dir /var/spool/sippushd\n"), 0);
	CU_ASSERT_FATAL(cfg != NULL);
	UNIT_ASSERT_INT(cfg->storec, 2);
	UNIT_ASSERT_STR(cfg->stores[0].appid, "x-wap-application:mms.ua");
	UNIT_ASSERT_INT(cfg->stores[0].count, 100);
	UNIT_ASSERT_INT(cfg->stores[0].bytes, 1048576);
	UNIT_ASSERT_INT(cfg->stores[1].bytes, 4294967295u);
	UNIT_ASSERT_STR(cfg->store_dir, "/var/spool/sippushd");
	CU_ASSERT(advertised(cfg, "x-oma-application:ulp.ua"));
	mem_deref(cfg);

	expect("app_store mms.ua 100\n", "app_store: expected APP-ID COUNT "
	       "BYTES");
	expect("app_store mms.ua 0 10\n", "app_store");
	expect("app_store mms.ua 65537 10\n", "app_store");
	expect("app_store mms.ua 1 4294967296\n", "app_store");
	expect("app_store mms.ua 1 10 x\n", "expected APP-ID COUNT BYTES");
	expect("app_store mms.ua 1 1\napp_store 4 2 2\n", "has a store "
	       "already");
	expect("store_dir var/store\n", "store_dir: 'var/store' is not an "
	       "absolute path");
}


/* Packages ship app_exec lines in exec_dir; nothing else belongs there,
 * and only root (or we) may have written it. */
static void test_dropins(void)
{
	struct config *cfg = NULL;

	setup();
	dropin("20-mms.conf", "# shipped by mms-agent\n"
	       "app_exec mms.ua /usr/libexec/mms-agent\n\n", 0644);
	dropin("10-supl.conf", "app_exec\tulp.ua /usr/sbin/supl --push\n",
	       0600);
	dropin("README", "not a drop-in: ignored\n", 0644);
	dropin(".30-hidden.conf", "app_exec x /y\n", 0644);
	dropin("40-editor.conf~", "app_exec x /y\n", 0644);

	UNIT_ASSERT_INT(load(&cfg, "app_exec 0x01 /bin/true\n"), 0);
	UNIT_ASSERT_STR(err, "");
	CU_ASSERT_FATAL(cfg != NULL);

	/* the main file's first, then the drop-ins in name order */
	UNIT_ASSERT_INT(cfg->execc, 3);
	UNIT_ASSERT_STR(cfg->execs[0].appid, "x-wap-application:push.sia");
	UNIT_ASSERT_STR(cfg->execs[1].appid, "x-oma-application:ulp.ua");
	UNIT_ASSERT_STR(cfg->execs[1].cmd, "/usr/sbin/supl --push");
	UNIT_ASSERT_STR(cfg->execs[2].cmd, "/usr/libexec/mms-agent");
	CU_ASSERT(advertised(cfg, "x-oma-application:ulp.ua"));
	mem_deref(cfg);

	/* an app given twice: the drop-in's line is named */
	expect("app_exec mms.ua /other\n", "/exec.d/20-mms.conf:2: app_exec: "
	       "a command for x-wap-application:mms.ua is given already");

	/* other keys do not belong there */
	dropin("50-evil.conf", "app_exec evil.ua /a\nsip_registrar sip:evil\n",
	       0644);
	expect("", "/exec.d/50-evil.conf:2: app_exec: only app_exec lines "
	       "belong in a drop-in");
	dropin("50-evil.conf", "app_exec evil.ua /a\n", 0664);
	expect("", "/exec.d/50-evil.conf: not a regular file owned by root "
	       "and writable by its owner only");
	dropin("50-evil.conf", "app_exec evil.ua /a\n", 0646);
	expect("", "writable by its owner only");
	dropin("50-evil.conf", "app_exec mms.ua /usr/libexec/mms-agent\n",
	       0644);
	expect("", "given already");

	{
		char path[512];

		(void)re_snprintf(path, sizeof(path), "%s/50-evil.conf", dir);
		(void)unlink(path);
		/* a link is not followed */
		CU_ASSERT(symlink("/etc/passwd", path) == 0);
		expect("", "50-evil.conf: cannot open");
		(void)unlink(path);
	}

	/* the directory itself may be missing */
	(void)unit_rmtree(dir);
	UNIT_ASSERT_INT(load(&cfg, ""), 0);
	mem_deref(cfg);
}


/* Drop-ins are read again on reload, like the main file: a changed set of
 * commands applies at once. */
static void test_reload_class(void)
{
	struct config *a = NULL, *b = NULL;
	char keys[256];

	setup();
	UNIT_ASSERT_INT(load(&a, "app_store mms.ua 1 1\n"), 0);
	dropin("1.conf", "app_exec ulp.ua /x\n", 0644);
	UNIT_ASSERT_INT(load(&b, "app_store mms.ua 2 1\n"
			     "activation_timeout 1000\n"), 0);
	CU_ASSERT_FATAL(a && b);

	/* new apps are advertised (app), which applies at once too */
	UNIT_ASSERT_INT(config_changes(a, b, keys, sizeof(keys)),
			CONFIG_RELOAD_NOW);
	mem_deref(b);

	UNIT_ASSERT_INT(load(&b, "app_store mms.ua 1 1\n"
			     "store_dir /other\n"), 0);
	/* a new store_dir too (the old one's pushes stay where they are) */
	UNIT_ASSERT_INT(config_changes(a, b, keys, sizeof(keys)),
			CONFIG_RELOAD_NOW);
	UNIT_ASSERT_CONTAINS(keys, "store_dir");

	mem_deref(a);
	mem_deref(b);
}


static CU_TestInfo tests[] = {
	{"app_exec lines, activation_timeout", test_exec_lines},
	{"app_exec errors", test_exec_errors},
	{"app_store lines, store_dir", test_store_lines},
	{"exec_dir drop-ins: app_exec only, root's only", test_dropins},
	{"reload: commands, stores, store_dir apply at once",
	 test_reload_class},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"config_away", unit_libre_init, unit_libre_close, NULL, teardown,
	 tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_config_away", suites);
}
