/* log.c: routes libre's dbg_* output (ours and libre's own) to stderr (with <N> level prefixes) or syslog. */
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <re.h>
#include "autoconf.h"
#include "log.h"

#define DEBUG_MODULE "log"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


static struct {
	bool syslog;
} logst = { false };


/* DBG_* levels are numerically the syslog priorities, so they pass through. */
static void log_handler(int level, const char *p, size_t len, void *arg)
{
	(void)arg;

	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		--len;

	if (logst.syslog) {
		syslog(level, "%.*s", (int)len, p);
		return;
	}

	static const char *const tag[] = {"emerg", "alert", "crit", "error",
					  "warning", "notice", "info",
					  "debug"};
	/* "<N>" first: journald (and anything reading sd-daemon(3)
	 * prefixes) files the line at its own level, not all as info */
	level = level >= 0 && level <= 7 ? level : 7;
	fprintf(stderr, "<%d>sippushd %s: %.*s\n", level, tag[level],
		(int)len, p);
}


/**
 * Start logging; every dbg_printf from here on goes through log_handler.
 *
 * @param use_syslog  Log to syslog (daemon facility) instead of stderr
 * @param level       Highest DBG_* level that is printed
 */
void log_init(bool use_syslog, int level)
{
	logst.syslog = use_syslog;

	if (use_syslog)
		openlog("sippushd", LOG_PID | LOG_NDELAY, LOG_DAEMON);

	dbg_init(level, DBG_NONE);
	dbg_handler_set(log_handler, NULL);
}


void log_close(void)
{
	dbg_handler_set(NULL, NULL);
	if (logst.syslog)
		closelog();
	logst.syslog = false;
}



/** True when log lines go to syslog (a child's stderr then has nowhere
 * useful to go). */
bool log_syslog(void)
{
	return logst.syslog;
}
