/* test_instance.c: the +sip.instance URN, configured or kept in state_dir. */
#include <string.h>
#include <ctype.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "instance.h"
#include "unit.h"

#define UUID1 "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"

static char tmpdir[256];


static int suite_init(void)
{
	if (unit_libre_init())
		return -1;
	return unit_mkdtemp(tmpdir, sizeof(tmpdir)) ? -1 : 0;
}


static int suite_cleanup(void)
{
	int err = 0;

	if (tmpdir[0]) {
		err = unit_rmtree(tmpdir);
		if (!err && access(tmpdir, F_OK) == 0)
			err = EEXIST;
	}
	unit_libre_close();
	return err ? -1 : 0;
}


/* A new, empty state directory for one test. */
static void fresh_dir(char *dir, size_t sz, const char *name)
{
	(void)re_snprintf(dir, sz, "%s/%s", tmpdir, name);
	CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
}


static void file_path(char *path, size_t sz, const char *dir)
{
	(void)re_snprintf(path, sz, "%s/instance", dir);
}


/* urn:uuid: + RFC 4122 random UUID, lower-case hex */
static void assert_uuid_v4_at(const char *s, const char *file, unsigned line)
{
	static const char shape[] = "xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx";
	char what[128];
	bool ok;

	ok = strlen(s) == 9 + sizeof(shape) - 1 &&
		!strncmp(s, "urn:uuid:", 9);

	for (size_t i = 0; ok && i < sizeof(shape) - 1; i++) {
		char c = s[9 + i];

		switch (shape[i]) {
		case '-': ok = c == '-'; break;
		case '4': ok = c == '4'; break;
		case 'V': ok = c && strchr("89ab", c); break;
		default:  ok = isxdigit((unsigned char)c) &&
				!isupper((unsigned char)c);
		}
	}

	(void)re_snprintf(what, sizeof(what), "'%s' is a urn:uuid v4", s);
	CU_assertImplementation(ok, line, what, file, "", CU_FALSE);
}

#define ASSERT_UUID_V4(s) assert_uuid_v4_at((s), __FILE__, __LINE__)


static void test_configured(void)
{
	char out[INSTANCE_SIZE + 4], dir[300], path[320];

	fresh_dir(dir, sizeof(dir), "configured");

	memset(out, 0, sizeof(out));
	UNIT_ASSERT_INT(instance_get(out, sizeof(out), UUID1, dir), 0);
	UNIT_ASSERT_STR(out, UUID1);

	/* it is not written to the state dir */
	file_path(path, sizeof(path), dir);
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);

	/* and no state dir is needed */
	memset(out, 0, sizeof(out));
	UNIT_ASSERT_INT(instance_get(out, INSTANCE_SIZE, UUID1, NULL), 0);
	UNIT_ASSERT_STR(out, UUID1);
}


static void test_configured_invalid(void)
{
	static const char *const bad[] = {
		"",
		"f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
		"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf",
		"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf66",
		"urn:uuid:f81d4fae-7dec-11d0-a765_00a0c91e6bf6",
		"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bfg",
		"urn:uuid:f81d4fae7-dec-11d0-a765-00a0c91e6bf6",
		"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6\n",
		"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>",
		"urn:uuid: 81d4fae-7dec-11d0-a765-00a0c91e6bf6",
	};
	char out[INSTANCE_SIZE], dir[300], path[320];

	fresh_dir(dir, sizeof(dir), "invalid");
	file_path(path, sizeof(path), dir);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		UNIT_ASSERT_INT(instance_get(out, sizeof(out), bad[i], dir),
				EINVAL);

	/* a bad configured value never falls back to a generated one */
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
}


/*
 * config_parse() accepts "URN:UUID:..." (the URN scheme and NID are
 * case-insensitive, RFC 8141); what config accepts must not make the
 * daemon fail at start.
 */
static void test_configured_upper_case(void)
{
	static const char text[] =
		"sip_aor sip:alice@example.com\n"
		"sip_registrar sip:example.com\n"
		"sip_transports udp\n"
		"sip_instance URN:UUID:F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6\n";
	struct config *cfg = NULL;
	char out[INSTANCE_SIZE], err[256] = "";

	UNIT_ASSERT_INT(config_parse(&cfg, "t.conf", text, sizeof(text) - 1,
				     err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);

	memset(out, 0, sizeof(out));
	UNIT_ASSERT_INT(instance_get(out, sizeof(out), cfg->sip_instance,
				     NULL), 0);
	CU_ASSERT_EQUAL(strcasecmp(out, UUID1), 0);

	mem_deref(cfg);
}


static void test_bad_args(void)
{
	char out[INSTANCE_SIZE + 1];

	UNIT_ASSERT_INT(instance_get(NULL, sizeof(out), UUID1, NULL), EINVAL);
	UNIT_ASSERT_INT(instance_get(out, INSTANCE_SIZE - 1, UUID1, NULL),
			EINVAL);
	UNIT_ASSERT_INT(instance_get(out, 0, UUID1, NULL), EINVAL);
	UNIT_ASSERT_INT(instance_get(out, sizeof(out), NULL, NULL), EINVAL);
}


static void test_create_and_keep(void)
{
	char a[INSTANCE_SIZE], b[INSTANCE_SIZE], dir[300], path[320],
		tmp[330], file[128];
	struct stat st;

	fresh_dir(dir, sizeof(dir), "fresh");
	file_path(path, sizeof(path), dir);

	memset(a, 0, sizeof(a));
	UNIT_ASSERT_INT(instance_get(a, sizeof(a), NULL, dir), 0);
	ASSERT_UUID_V4(a);

	/* kept as "VALUE\n", with no temporary file left behind */
	UNIT_ASSERT_INT(unit_read_file(path, file, sizeof(file)),
			strlen(a) + 1);
	CU_ASSERT_EQUAL(strncmp(file, a, strlen(a)), 0);
	UNIT_ASSERT_STR(file + strlen(a), "\n");
	(void)re_snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT(S_ISREG(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 0022, 0);

	/* the second call reads it back and does not rewrite it */
	memset(b, 0, sizeof(b));
	UNIT_ASSERT_INT(instance_get(b, sizeof(b), NULL, dir), 0);
	UNIT_ASSERT_STR(b, a);
	{
		struct stat st2;

		CU_ASSERT_EQUAL(stat(path, &st2), 0);
		CU_ASSERT_EQUAL(st2.st_ino, st.st_ino);
		CU_ASSERT_EQUAL(st2.st_mtim.tv_sec, st.st_mtim.tv_sec);
		CU_ASSERT_EQUAL(st2.st_mtim.tv_nsec, st.st_mtim.tv_nsec);
	}
}


/* Two devices (state dirs) get different IDs. */
static void test_random(void)
{
	char a[INSTANCE_SIZE], b[INSTANCE_SIZE], d1[300], d2[300];

	fresh_dir(d1, sizeof(d1), "rand1");
	fresh_dir(d2, sizeof(d2), "rand2");

	UNIT_ASSERT_INT(instance_get(a, sizeof(a), NULL, d1), 0);
	UNIT_ASSERT_INT(instance_get(b, sizeof(b), NULL, d2), 0);
	ASSERT_UUID_V4(a);
	ASSERT_UUID_V4(b);
	CU_ASSERT_NOT_EQUAL(strcmp(a, b), 0);
}


/* A stored UUID is kept as it is, whatever its version or line end. */
static void test_existing_kept(void)
{
	static const char *const files[] = {
		UUID1 "\n",
		UUID1,
		UUID1 "\r\n",
		UUID1 "\nanother line\n",
	};
	char out[INSTANCE_SIZE], dir[300], path[320], back[128];

	fresh_dir(dir, sizeof(dir), "existing");
	file_path(path, sizeof(path), dir);

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		CU_ASSERT_FATAL(!unit_write_file(path, files[i],
						 strlen(files[i])));
		memset(out, 0, sizeof(out));
		UNIT_ASSERT_INT(instance_get(out, sizeof(out), NULL, dir), 0);
		UNIT_ASSERT_STR(out, UUID1);

		/* untouched */
		CU_ASSERT(unit_read_file(path, back, sizeof(back)) >= 0);
		UNIT_ASSERT_STR(back, files[i]);
	}
}


static void test_corrupt_replaced(void)
{
	static const char *const files[] = {
		"",
		"\n",
		"garbage\n",
		"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf\n",
		"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6 trailing\n",
		" " UUID1 "\n",
		"\x01\x02\x03\xff\xfe",
		"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
		"0123456789012345678901234567890123456789\n",
	};
	char out[INSTANCE_SIZE], again[INSTANCE_SIZE], dir[300], path[320],
		back[128];

	fresh_dir(dir, sizeof(dir), "corrupt");
	file_path(path, sizeof(path), dir);

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		CU_ASSERT_FATAL(!unit_write_file(path, files[i],
						 strlen(files[i])));

		unit_log_capture(true);
		memset(out, 0, sizeof(out));
		UNIT_ASSERT_INT(instance_get(out, sizeof(out), NULL, dir), 0);
		ASSERT_UUID_V4(out);
		UNIT_ASSERT_CONTAINS(unit_log_text(),
				     "does not hold a urn:uuid");
		unit_log_capture(false);

		/* the file now holds the new value, which is then kept */
		CU_ASSERT(unit_read_file(path, back, sizeof(back)) > 0);
		CU_ASSERT_EQUAL(strncmp(back, out, strlen(out)), 0);
		UNIT_ASSERT_INT(instance_get(again, sizeof(again), NULL, dir),
				0);
		UNIT_ASSERT_STR(again, out);
	}
}


static void test_unwritable(void)
{
	char out[INSTANCE_SIZE], file[300], dir[320], missing[320];
	char longdir[400];

	/* a state dir "under" a regular file: ENOTDIR even for root */
	(void)re_snprintf(file, sizeof(file), "%s/plainfile", tmpdir);
	CU_ASSERT_FATAL(!unit_write_file(file, "x", 1));
	(void)re_snprintf(dir, sizeof(dir), "%s/state", file);

	memset(out, 0, sizeof(out));
	unit_log_capture(true);
	UNIT_ASSERT_INT(instance_get(out, sizeof(out), NULL, dir), ENOTDIR);
	UNIT_ASSERT_CONTAINS(unit_log_text(), "cannot keep instance ID");
	unit_log_capture(false);

	/* a state dir that does not exist is not created */
	(void)re_snprintf(missing, sizeof(missing), "%s/no/such/dir", tmpdir);
	UNIT_ASSERT_INT(instance_get(out, sizeof(out), NULL, missing), ENOENT);
	CU_ASSERT_NOT_EQUAL(access(missing, F_OK), 0);

	/* a path that does not fit */
	memset(longdir, 'd', sizeof(longdir));
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	UNIT_ASSERT_INT(instance_get(out, sizeof(out), NULL, longdir),
			ENAMETOOLONG);
}


static CU_TestInfo tests[] = {
	{"configured value", test_configured},
	{"configured value invalid", test_configured_invalid},
	{"configured value accepted by config", test_configured_upper_case},
	{"bad arguments", test_bad_args},
	{"created once, then kept", test_create_and_keep},
	{"random per device", test_random},
	{"existing value kept", test_existing_kept},
	{"corrupt file replaced", test_corrupt_replaced},
	{"unwritable state dir", test_unwritable},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"instance_get", suite_init, suite_cleanup, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_instance", suites);
}
