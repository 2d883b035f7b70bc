/* main.c: process life: options, signals, the event loop, exit codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <signal.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "log.h"
#include "compat.h"
#include "daemon.h"
#include "privdrop.h"
#include "rundir.h"
#include "sdnotify.h"

#define DEBUG_MODULE "main"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

enum {
	EXIT_CONFIG = 2,   /* bad command line or configuration file */
};

struct app {
	const char *conf_path;
	struct daemon *daemon;
	struct tmr tmr_ready;
	int sigfd;
	int exit_code;
};

enum { READY_POLL_MS = 20 };


static void usage(FILE *f)
{
	fprintf(f,
		"usage: sippushd [-s] [-v]... -c FILE\n"
		"       sippushd -t -c FILE | -V | -h\n"
		"SIP Push Receiver Agent: registers push application IDs with\n"
		"a SIP/IP core and hands pushes to local applications.\n"
		"  -c FILE  configuration file (sippushd.conf(5))\n"
		"  -t       check the configuration file and exit\n"
		"  -s       log to syslog instead of stderr\n"
		"  -v       verbose (debug lines)\n"
		"  -V       print the version and exit\n"
		"  -h       print this help and exit\n");
}


static void exit_handler(void *arg)
{
	(void)arg;
	re_cancel();
}


static void reload(struct app *app)
{
	struct config *cfg = NULL;
	char err[1536] = "";

	/* a broken file on reload keeps the running configuration */
	if (config_load(&cfg, app->conf_path, err, sizeof(err))) {
		DEBUG_WARNING("reload failed, keeping the running "
			      "configuration: %s\n", err);
		return;
	}

	(void)daemon_reload(app->daemon, cfg);
	mem_deref(cfg);
}


static void signal_handler(int flags, void *arg)
{
	struct app *app = arg;
	struct signalfd_siginfo si;
	(void)flags;

	while (read(app->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {

		case SIGCHLD:
			daemon_child(app->daemon);
			break;

		case SIGHUP:
			DEBUG_INFO("SIGHUP: reloading %s\n", app->conf_path);
			reload(app);
			break;

		case SIGTERM:
		case SIGINT:
			DEBUG_INFO("signal %u: shutting down\n", si.ssi_signo);
			tmr_cancel(&app->tmr_ready);
			(void)sdnotify("STOPPING=1");
			daemon_stop(app->daemon, exit_handler, app);
			break;

		default:
			break;
		}
	}
}


/* systemd (Type=notify) is told READY=1 once the local socket listens
 * (daemon_alloc) and the first REGISTER is out: from then on apps can
 * connect and the core is being asked. Polled briefly, only under a
 * service manager that waits. */
static void ready_poll(void *arg)
{
	struct app *app = arg;
	int err;

	if (!daemon_reg_sent(app->daemon)) {
		tmr_start(&app->tmr_ready, READY_POLL_MS, ready_poll, app);
		return;
	}

	err = sdnotify("READY=1\nSTATUS=registering");
	if (err)
		DEBUG_WARNING("NOTIFY_SOCKET: %m\n", err);
}


/* Signals arrive as events in the loop (signalfd), so handlers run
 * with no restriction on what they may call. */
static int signals_init(struct app *app)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);   /* app_exec commands, reaped by pid */
	sigaddset(&set, SIGPIPE);

	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return errno;

	sigdelset(&set, SIGPIPE);   /* blocked and never read: ignored */

	app->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (app->sigfd < 0)
		return errno;

	return compat_fd_listen(app->sigfd, FD_READ, signal_handler, app);
}


int main(int argc, char *argv[])
{
	struct app app = { .sigfd = -1 };
	struct config *cfg = NULL;
	bool use_syslog = false, check_only = false;
	gid_t sock_gid = (gid_t)-1;
	int level = DBG_INFO;
	char errbuf[1536] = "";
	int c, err;

	while ((c = getopt(argc, argv, "c:stvVh")) != -1) {
		switch (c) {
		case 'c': app.conf_path = optarg;  break;
		case 's': use_syslog = true;       break;
		case 't': check_only = true;       break;
		case 'v': level = DBG_DEBUG;       break;
		case 'V':
			printf("sippushd %s (libre %s)\n", SIPPUSH_VERSION,
			       sys_libre_version_get());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_CONFIG;
		}
	}

	if (!app.conf_path || optind != argc) {
		usage(stderr);
		return EXIT_CONFIG;
	}

	err = libre_init();
	if (err) {
		fprintf(stderr, "sippushd: libre_init: %s\n", strerror(err));
		return 1;
	}

	log_init(use_syslog, level);
	tmr_init(&app.tmr_ready);

	err = config_load(&cfg, app.conf_path, errbuf, sizeof(errbuf));
	if (err) {
		/* always on stderr too: this is what the integrator reads */
		fprintf(stderr, "sippushd: %s\n", errbuf);
		if (use_syslog)
			DEBUG_WARNING("%s\n", errbuf);
		app.exit_code = EXIT_CONFIG;
		goto out;
	}

	if (check_only) {
		printf("%s: OK\n", app.conf_path);
		goto out;
	}

	err = signals_init(&app);
	if (err) {
		DEBUG_WARNING("signals: %m\n", err);
		app.exit_code = 1;
		goto out;
	}

	/* the daemon's directories first, then root goes (sippushd.conf(5)
	 * user): all it makes from here on is the user's */
	err = rundir_prepare(cfg, &sock_gid);
	if (err) {
		app.exit_code = 1;
		goto out;
	}

	if (geteuid() == 0 && cfg->user) {
		if (privdrop_to(cfg->user, sock_gid)) {
			DEBUG_WARNING("cannot run as user '%s': stopping\n",
				      cfg->user);
			app.exit_code = 1;
			goto out;
		}
	}
	else if (geteuid() == 0) {
		DEBUG_WARNING("running as root: set 'user' in %s to drop "
			      "privileges\n", app.conf_path);
	}

	err = daemon_alloc(&app.daemon, cfg);
	if (!err)
		err = rundir_socket_group(cfg->ipc_socket, sock_gid);
	if (err) {
		DEBUG_WARNING("cannot start: %m\n", err);
		app.exit_code = 1;
		goto out;
	}

	DEBUG_NOTICE("sippushd %s running\n", SIPPUSH_VERSION);
	if (sdnotify_wanted())
		ready_poll(&app);

	err = re_main(NULL);
	if (err) {
		DEBUG_WARNING("main loop: %m\n", err);
		app.exit_code = 1;
	}

 out:
	tmr_cancel(&app.tmr_ready);
	if (app.sigfd >= 0) {
		compat_fd_close(app.sigfd);
		(void)close(app.sigfd);
	}
	mem_deref(app.daemon);
	mem_deref(cfg);
	libre_close();
	log_close();

	return app.exit_code;
}
