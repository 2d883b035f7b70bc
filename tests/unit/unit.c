/* unit.c: the common CUnit runner and helpers linked into every unit test. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <unistd.h>
#include <re.h>
#include "autoconf.h"
#define DEBUG_MODULE "unit"
#define DEBUG_LEVEL 0
#include <re_dbg.h>
#include <CUnit/Basic.h>
#include "config.h"
#include "unit.h"


static char logbuf[8192];
static size_t loglen;
static bool capture;
static bool show_log;


int unit_run(const char *name, CU_SuiteInfo *suites)
{
	unsigned fails, suites_failed, ran;
	CU_ErrorCode cerr;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "%s: CUnit: %s\n", name, CU_get_error_msg());
		return 2;
	}

	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "%s: CUnit: %s\n", name, CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}

	/* libre's dbg output would interleave with CUnit's report */
	show_log = getenv("UNIT_LOG") != NULL;
	unit_log_capture(false);

	CU_basic_set_mode(CU_BRM_VERBOSE);
	cerr = CU_basic_run_tests();

	fails         = CU_get_number_of_failures();
	suites_failed = CU_get_number_of_suites_failed();
	ran           = CU_get_number_of_tests_run();
	printf("\n%s: %u test(s) run, %u assertion(s), %u failure(s)\n",
	       name, ran, CU_get_number_of_asserts(), fails);
	/* a suite that ran nothing proves nothing (a failed suite init, a
	 * platform where it cannot start): that is a failure */
	if (!ran)
		printf("%s: FAILED: no test was run\n", name);

	CU_cleanup_registry();

	return (cerr != CUE_SUCCESS || fails || suites_failed || !ran) ?
		1 : 0;
}


int unit_libre_init(void)
{
	return libre_init() ? -1 : 0;
}


int unit_libre_close(void)
{
	unit_log_capture(false);
	libre_close();
	return 0;
}


void unit_assert_str(const char *actual, const char *expected,
		     const char *expr, const char *file, unsigned line)
{
	char msg[1024];
	bool ok = actual && expected && !strcmp(actual, expected);

	(void)snprintf(msg, sizeof(msg), "%s == \"%s\" (got \"%s\")",
			  expr, expected ? expected : "(null)",
			  actual ? actual : "(null)");
	CU_assertImplementation(ok, line, msg, file, "", CU_FALSE);
}


void unit_assert_contains(const char *hay, const char *needle,
			  const char *expr, const char *file, unsigned line)
{
	char msg[1024];
	bool ok = hay && needle && strstr(hay, needle);

	(void)snprintf(msg, sizeof(msg), "%s contains \"%s\" (got \"%s\")",
			  expr, needle ? needle : "(null)",
			  hay ? hay : "(null)");
	CU_assertImplementation(ok, line, msg, file, "", CU_FALSE);
}


void unit_assert_int(long long actual, long long expected,
		     const char *expr, const char *file, unsigned line)
{
	char msg[512];

	(void)snprintf(msg, sizeof(msg), "%s == %lld (got %lld)", expr,
		       expected, actual);
	CU_assertImplementation(actual == expected, line, msg, file, "",
				CU_FALSE);
}


struct sip_msg *unit_sip_msg(const char *text)
{
	struct sip_msg *msg = NULL;
	struct mbuf *mb;
	int err;

	mb = mbuf_alloc(strlen(text) + 1);
	if (!mb)
		return NULL;

	err = mbuf_write_str(mb, text);
	mb->pos = 0;
	if (!err)
		err = sip_msg_decode(&msg, mb);
	mem_deref(mb);

	UNIT_ASSERT_INT(err, 0);
	return err ? NULL : msg;
}


int unit_mkdtemp(char *path, size_t sz)
{
	const char *tmp = getenv("TMPDIR");

	if (re_snprintf(path, sz, "%s/sippush-unit.XXXXXX",
			tmp && *tmp ? tmp : "/tmp") < 0)
		return ENAMETOOLONG;

	return mkdtemp(path) ? 0 : errno;
}


static int rm_entry(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	(void)st;
	(void)ftw;

	return (type == FTW_DP ? rmdir(path) : unlink(path)) ? errno : 0;
}


int unit_rmtree(const char *path)
{
	if (!path || !*path)
		return EINVAL;

	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}


int unit_write_file(const char *path, const void *buf, size_t len)
{
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;

	if (len && write(fd, buf, len) != (ssize_t)len)
		err = errno ? errno : EIO;

	if (close(fd) < 0 && !err)
		err = errno;

	return err;
}


/* Reads a whole (small) file as a string; -1 if it is missing or too big. */
int unit_read_file(const char *path, char *buf, size_t sz)
{
	ssize_t n;
	int fd;

	if (!sz)
		return -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;

	n = read(fd, buf, sz);
	(void)close(fd);

	if (n < 0 || (size_t)n >= sz)
		return -1;

	buf[n] = '\0';
	return (int)n;
}


static void log_handler(int level, const char *p, size_t len, void *arg)
{
	(void)level;
	(void)arg;

	if (show_log)
		fprintf(stderr, "%.*s", (int)len, p);

	if (!capture)
		return;

	if (len > sizeof(logbuf) - 1 - loglen)
		len = sizeof(logbuf) - 1 - loglen;

	memcpy(logbuf + loglen, p, len);
	loglen += len;
	logbuf[loglen] = '\0';
}


/* Collect dbg_* output from now on (on), or drop it again (off). It is
 * only printed if UNIT_LOG is set in the environment. */
void unit_log_capture(bool on)
{
	unit_log_clear();
	capture = on;
	dbg_handler_set(log_handler, NULL);
}


const char *unit_log_text(void)
{
	return logbuf;
}


void unit_log_clear(void)
{
	loglen = 0;
	logbuf[0] = '\0';
}


/* --- main loop and SIP peers for suites that talk over loopback ------- */

struct wait {
	struct tmr tmr;
	unit_cond_h *cond;
	uint64_t end;
};


static void wait_tick(void *arg)
{
	struct wait *w = arg;

	if ((w->cond && w->cond()) || tmr_jiffies() >= w->end) {
		re_cancel();
		return;
	}

	tmr_start(&w->tmr, 2, wait_tick, w);
}


/* Run the main loop until cond() holds or ms pass (NULL cond: ms pass);
 * returns what cond() says at the end. */
bool unit_wait_for(unit_cond_h *cond, uint32_t ms)
{
	struct wait w = {.cond = cond};

	tmr_init(&w.tmr);
	w.end = tmr_jiffies() + ms;
	tmr_start(&w.tmr, 0, wait_tick, &w);
	(void)re_main(NULL);
	tmr_cancel(&w.tmr);

	return cond ? cond() : true;
}


/* A SIP stack on a free UDP port of 127.0.0.1 (no DNS: IP targets). */
int unit_sip_stack(struct sip **sipp, struct sa *addr)
{
	struct sa laddr;
	int err;

	err = sip_alloc(sipp, NULL, 8, 8, 8, "test", NULL, NULL);
	if (err)
		return err;

	(void)sa_set_str(&laddr, "127.0.0.1", 0);
	err = sip_transp_add(*sipp, SIP_TRANSP_UDP, &laddr);
	if (err)
		return err;

	return sip_transp_laddr(*sipp, addr, SIP_TRANSP_UDP, NULL);
}


/* A valid configuration: the required keys, then the lines of fmt. */
struct config *unit_config(const char *fmt, ...)
{
	struct config *cfg = NULL;
	char text[4096], err[512] = "";
	va_list ap;
	int n;

	n = re_snprintf(text, sizeof(text), "sip_aor sip:unit@example.com\n"
			"sip_registrar sip:127.0.0.1;transport=udp\n");
	if (n < 0)
		return NULL;

	va_start(ap, fmt);
	(void)re_vsnprintf(text + n, sizeof(text) - (size_t)n, fmt, ap);
	va_end(ap);

	if (config_parse(&cfg, "unit.conf", text, strlen(text), err,
			 sizeof(err))) {
		fprintf(stderr, "unit_config: %s\n", err);
		return NULL;
	}

	return cfg;
}
