/* activate.c: a push for an app that has a command (app_exec) and no owner waits here while the command starts it. */
#include <string.h>
#include <errno.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "launch.h"
#include "activate.h"

#define DEBUG_MODULE "activate"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * On a device the apps that take pushes are often not running. Instead
 * of 480, a push for an app with an app_exec line is held: its command
 * is started (launch.c: one instance, back-off after failures) and the
 * push waits until the app subscribes as owner, then goes the normal
 * way. The sender's transaction waits meanwhile, as it does for an ACK;
 * activation_timeout (default 5 s, at most 30 s) keeps that well inside
 * the 32 s a proxy gives it. Not in time, or the command failed before
 * the app subscribed: 480, as before.
 *
 * Held pushes are bounded by max_pending, like those waiting for an ACK.
 */

struct activate {
	struct list held;            /* struct activation */
	struct launch *launch;
	const struct config *cfg;
	uint64_t held_total;
	uint64_t released;
	uint64_t timeouts;
};

struct activation {
	struct le le;
	struct activate *a;
	char app[APPID_SIZE];
	struct tmr tmr;
	activate_h *h;
	void *arg;
	struct activation **actp;
};


static void activation_destructor(void *arg)
{
	struct activation *act = arg;

	tmr_cancel(&act->tmr);
	list_unlink(&act->le);
	if (act->actp)
		*act->actp = NULL;
}


static void destructor(void *arg)
{
	struct activate *a = arg;

	/* the intakes cancel theirs first; what is left has nobody to tell */
	list_flush(&a->held);
	mem_deref(a->launch);
	mem_deref((void *)a->cfg);
}


/* End one hold: out of the list first, so the handler may hold again. */
static void release(struct activation *act, bool ready)
{
	activate_h *h = act->h;
	void *arg = act->arg;

	act->h = NULL;
	mem_deref(act);

	if (h)
		h(ready, arg);
}


/* Every push held for app, one way or the other. */
static void release_app(struct activate *a, const char *app, bool ready)
{
	struct list done = LIST_INIT;
	struct le *le;

	for (le = a->held.head; le; ) {
		struct activation *act = le->data;

		le = le->next;
		if (strcmp(act->app, app))
			continue;

		list_unlink(&act->le);
		list_append(&done, &act->le, act);
	}

	while ((le = list_head(&done))) {
		struct activation *act = le->data;

		list_unlink(le);
		if (ready)
			++a->released;
		release(act, ready);
	}
}


static void exit_handler(const char *app, bool failed, void *arg)
{
	struct activate *a = arg;

	/* died before it subscribed: no use waiting for the timeout */
	if (failed)
		release_app(a, app, false);
}


/**
 * @param ap      Pointer to allocated activation state
 * @param cfg     Configuration (app_exec, activation_timeout,
 *                max_pending); referenced
 * @param socket  The IPC socket, for the commands' SIPPUSH_SOCKET
 * @param logfd   The commands' stdout/stderr; -1: /dev/null
 */
int activate_alloc(struct activate **ap, const struct config *cfg,
		   const char *socket, int logfd)
{
	struct activate *a;
	int err;

	if (!ap || !cfg || !socket)
		return EINVAL;

	a = mem_zalloc(sizeof(*a), destructor);
	if (!a)
		return ENOMEM;

	list_init(&a->held);
	a->cfg = mem_ref((void *)cfg);

	err = launch_alloc(&a->launch, socket, logfd, exit_handler, a);
	if (err)
		mem_deref(a);
	else
		*ap = a;

	return err;
}


/** A reloaded configuration; held pushes keep their timers. */
void activate_set_config(struct activate *a, const struct config *cfg)
{
	if (!a || !cfg)
		return;

	mem_deref((void *)a->cfg);
	a->cfg = mem_ref((void *)cfg);
}


static const struct config_exec *exec_of(const struct activate *a,
					 const char *app)
{
	for (size_t i = 0; a && app && i < a->cfg->execc; i++)
		if (!strcmp(a->cfg->execs[i].appid, app))
			return &a->cfg->execs[i];

	return NULL;
}


/** Does app have a command (app_exec)? */
bool activate_has(const struct activate *a, const char *app)
{
	return exec_of(a, app) != NULL;
}


/**
 * Start app's command unless it runs already or is backing off.
 *
 * @return 0 started or running; EAGAIN backing off after failures;
 *         ENOENT no app_exec for app; why it could not be started
 */
int activate_start(struct activate *a, const char *app)
{
	const struct config_exec *ex = exec_of(a, app);
	const char *argv[CONFIG_EXEC_ARGS + 1];
	char cmd[CONFIG_EXEC_MAX + 1];
	size_t n = 0;
	char *p;
	int err;

	if (!ex)
		return ENOENT;

	/* no shell: words at blanks (the config checked the count) */
	str_ncpy(cmd, ex->cmd, sizeof(cmd));
	for (p = cmd; *p && n < CONFIG_EXEC_ARGS; ) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		argv[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			++p;
	}
	argv[n] = NULL;

	err = launch_start(a->launch, app, argv);

	return err == EALREADY ? 0 : err;
}


static void timeout_handler(void *arg)
{
	struct activation *act = arg;
	struct activate *a = act->a;

	++a->timeouts;
	DEBUG_NOTICE("%s: no subscription within %u ms: the push is "
		     "refused\n", act->app, a->cfg->activation_timeout);

	/* one failure of the start, however many pushes waited */
	launch_timeout(a->launch, act->app);
	release(act, false);
}


/**
 * Hold a push for app until it subscribes: start its command (once)
 * and wait at most activation_timeout.
 *
 * @param a     Activation state
 * @param app   Canonical app ID with an app_exec line
 * @param h     Called once: ready, or not (480)
 * @param arg   Handler argument
 * @param actp  Optional: the hold, to cancel it (cleared when it ends)
 *
 * @return 0 held (h will be called); EAGAIN backing off; ENOSPC too many
 *         held; ENOENT no command; or why the command could not start.
 *         h is not called then.
 */
int activate_hold(struct activate *a, const char *app, activate_h *h,
		  void *arg, struct activation **actp)
{
	struct activation *act;
	int err;

	if (!a || !app || !h)
		return EINVAL;

	if (list_count(&a->held) >= a->cfg->max_pending)
		return ENOSPC;

	err = activate_start(a, app);
	if (err)
		return err;

	act = mem_zalloc(sizeof(*act), activation_destructor);
	if (!act)
		return ENOMEM;

	act->a   = a;
	act->h   = h;
	act->arg = arg;
	str_ncpy(act->app, app, sizeof(act->app));
	tmr_init(&act->tmr);
	tmr_start(&act->tmr, a->cfg->activation_timeout, timeout_handler,
		  act);
	list_append(&a->held, &act->le, act);
	++a->held_total;

	if (actp) {
		act->actp = actp;
		*actp = act;
	}

	DEBUG_PRINTF("%s: push held until it subscribes\n", app);

	return 0;
}


/** Forget a hold without an answer (the sender went away). */
void activate_cancel(struct activation *act)
{
	if (!act)
		return;

	act->h = NULL;
	mem_deref(act);
}


/**
 * An owner subscribed to app: its start worked, and every push held for
 * it goes on (its handler routes and delivers it).
 */
void activate_ready(struct activate *a, const char *app)
{
	if (!a || !app)
		return;

	launch_ready(a->launch, app);
	release_app(a, app, true);
}


/** SIGCHLD: collect the commands that ended. */
void activate_reap(struct activate *a)
{
	if (a)
		launch_reap(a->launch);
}


unsigned activate_held(const struct activate *a)
{
	return a ? list_count(&a->held) : 0;
}


/** STATUS lines: held pushes, then the launcher's. */
int activate_status(struct re_printf *pf, const struct activate *a)
{
	int err;

	if (!a)
		return 0;

	err = re_hprintf(pf, "held=%u\nheld_total=%llu\n"
			 "activation_timeouts=%llu\n", list_count(&a->held),
			 (unsigned long long)a->held_total,
			 (unsigned long long)a->timeouts);
	err |= launch_status(pf, a->launch);

	return err;
}
