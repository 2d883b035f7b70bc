/* unit.h: shared helpers for the CUnit suites (runner, checks, temp files). */
#ifndef SIPPUSH_UNIT_H
#define SIPPUSH_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <CUnit/CUnit.h>

/*
 * Each test_*.c ends with
 *
 *     int main(void) { return unit_run("name", suites); }
 *
 * unit_run() prints CUnit's basic-mode report and returns non-zero if any
 * assertion failed, a suite's init/cleanup failed or CUnit itself failed.
 */
int unit_run(const char *name, CU_SuiteInfo *suites);

/* Suite init/cleanup for suites that use libre memory. */
int unit_libre_init(void);
int unit_libre_close(void);

/* Assertions that print both values on failure. */
void unit_assert_str(const char *actual, const char *expected,
		     const char *expr, const char *file, unsigned line);
void unit_assert_int(long long actual, long long expected,
		     const char *expr, const char *file, unsigned line);

void unit_assert_contains(const char *hay, const char *needle,
			  const char *expr, const char *file, unsigned line);

#define UNIT_ASSERT_CONTAINS(hay, needle) \
	unit_assert_contains((hay), (needle), #hay, __FILE__, __LINE__)
#define UNIT_ASSERT_STR(actual, expected) \
	unit_assert_str((actual), (expected), #actual, __FILE__, __LINE__)
#define UNIT_ASSERT_INT(actual, expected) \
	unit_assert_int((long long)(actual), (long long)(expected), \
			#actual, __FILE__, __LINE__)

/* A SIP message decoded from its wire text (asserts it decodes). */
struct sip_msg;
struct sip_msg *unit_sip_msg(const char *text);

/* Temporary files and directories (removed again by unit_rmtree). */
int  unit_mkdtemp(char *path, size_t sz);
int  unit_rmtree(const char *path);
int  unit_write_file(const char *path, const void *buf, size_t len);
int  unit_read_file(const char *path, char *buf, size_t sz);

/* Capture of libre dbg_* output (e.g. DEBUG_WARNING), for log checks.
 * Not captured output is dropped; set UNIT_LOG=1 to see it on stderr. */
void unit_log_capture(bool on);
const char *unit_log_text(void);
void unit_log_clear(void);

/* Main loop and SIP peers, for suites that talk over loopback. */
struct sa;
struct sip;
typedef bool (unit_cond_h)(void);
bool unit_wait_for(unit_cond_h *cond, uint32_t ms);
int  unit_sip_stack(struct sip **sipp, struct sa *addr);

/* A configuration with the required keys (sip_aor, sip_registrar) and
 * the "key value" lines of fmt; NULL (error printed) if it does not
 * parse. mem_deref() it. */
struct config;
struct config *unit_config(const char *fmt, ...);

#endif
