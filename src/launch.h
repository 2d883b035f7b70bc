/* launch.h: starts an app's command on demand (app_exec): one instance, reaped, backing off when it crashes. */
#ifndef SIPPUSH_LAUNCH_H
#define SIPPUSH_LAUNCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct launch;
struct re_printf;

enum {
	LAUNCH_APPS_MAX    = 64,      /* apps with a command */
	LAUNCH_BACKOFF_MIN = 1000,    /* ms after the first failure */
	LAUNCH_BACKOFF_MAX = 300000,  /* ms at most between attempts */
};

/** A started command ended (any way): app is the app ID it was for. */
typedef void (launch_exit_h)(const char *app, bool failed, void *arg);

int  launch_alloc(struct launch **lp, const char *socket, int logfd,
		  launch_exit_h *exith, void *arg);
void launch_set_backoff(struct launch *l, uint32_t min_ms, uint32_t max_ms);
int  launch_start(struct launch *l, const char *app,
		  const char *const *argv);
void launch_ready(struct launch *l, const char *app);
void launch_timeout(struct launch *l, const char *app);
void launch_reap(struct launch *l);
pid_t launch_pid(const struct launch *l, const char *app);
uint64_t launch_retry_in(const struct launch *l, const char *app);
int  launch_status(struct re_printf *pf, const struct launch *l);

#endif
