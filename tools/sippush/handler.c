/* handler.c: "sippush listen --exec": one run of a command per push, its exit status the verdict. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sippush/client.h>
#include "spawn.h"
#include "handler.h"

/*
 * The shell's way to take pushes: a script per push, no library. The
 * command gets the body on stdin (a file of its own, seekable, so a
 * command that does not read it never blocks us) and the metadata in
 * SIPPUSH_* variables, beside the environment the listener was given.
 * It runs in a process group of its own, so that a timeout can kill
 * everything it started; then the push is NACKed with 408.
 *
 * The exit status is the verdict: 0 is ACK; the sysexits(3) codes are
 * NACKs with the SIP status that says the same to the sender (table
 * below, doc/ipc.md and sippush(1)), --nack-code EXIT=CODE adds to and
 * overrides it; anything else, a signal too, is NACK 500.
 *
 * Sender, content type and app ID come from the network: they are given
 * as variables, never as words of a command line, and no shell sees
 * them unless the command is one.
 */

extern char **environ;

static const struct handler_map sysexits_map[] = {
	{64, 500},   /* EX_USAGE: the handler was called wrongly */
	{65, 400},   /* EX_DATAERR: the content is malformed */
	{66, 400},   /* EX_NOINPUT: no usable content */
	{67, 404},   /* EX_NOUSER: addressed to nobody here */
	{68, 404},   /* EX_NOHOST */
	{69, 503},   /* EX_UNAVAILABLE: the service is down */
	{70, 500},   /* EX_SOFTWARE */
	{71, 500},   /* EX_OSERR */
	{72, 500},   /* EX_OSFILE */
	{73, 500},   /* EX_CANTCREAT */
	{74, 500},   /* EX_IOERR */
	{75, 480},   /* EX_TEMPFAIL: try again later */
	{76, 415},   /* EX_PROTOCOL: a content type it does not take */
	{77, 403},   /* EX_NOPERM: this sender may not */
	{78, 500},   /* EX_CONFIG */
};

enum { ENV_OURS = 12 };


/** Add "EXIT=CODE" (EXIT 1..255, CODE 400..699); EINVAL if malformed. */
int handler_map_add(struct handler *h, const char *spec)
{
	char *end;
	long e, c;

	if (!h || !spec)
		return EINVAL;

	errno = 0;
	e = strtol(spec, &end, 10);
	if (errno || end == spec || *end != '=' || e < 1 || e > 255)
		return EINVAL;

	c = strtol(end + 1, &end, 10);
	if (errno || *end || c < 400 || c > 699)
		return EINVAL;

	for (size_t i = 0; i < h->mapc; i++) {
		if (h->map[i].exit == (int)e) {
			h->map[i].code = (unsigned)c;
			return 0;
		}
	}

	if (h->mapc >= HANDLER_MAP_MAX)
		return ENOSPC;

	h->map[h->mapc].exit = (int)e;
	h->map[h->mapc].code = (unsigned)c;
	++h->mapc;

	return 0;
}


/**
 * The verdict for an exit status: 0 (ACK) for 0, else a NACK code.
 *
 * @param exit  0..255, or 128+N for death by signal N (as a shell says)
 */
unsigned handler_code_of(const struct handler *h, int exit, char *reason,
			 size_t sz)
{
	if (exit == 0) {
		(void)snprintf(reason, sz, "OK");
		return 0;
	}

	for (size_t i = 0; h && i < h->mapc; i++) {
		if (h->map[i].exit == exit) {
			(void)snprintf(reason, sz, "Handler Exit %d", exit);
			return h->map[i].code;
		}
	}

	for (size_t i = 0; i < sizeof(sysexits_map) /
		     sizeof(sysexits_map[0]); i++) {
		if (sysexits_map[i].exit == exit) {
			(void)snprintf(reason, sz, "Handler Exit %d", exit);
			return sysexits_map[i].code;
		}
	}

	(void)snprintf(reason, sz, "Handler Failed (exit %d)", exit);
	return 500;
}


/* stdin for the command: the body in a file of its own, at offset 0 */
static int body_fd(const struct sippush_push *p)
{
	char path[64];
	size_t done = 0;
	int fd;

	if (p->fd >= 0) {
		/* a new open file: its offset is the command's alone */
		(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", p->fd);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		fd = fcntl(p->fd, F_DUPFD_CLOEXEC, 3);
		if (fd >= 0)
			(void)lseek(fd, 0, SEEK_SET);
		return fd;
	}

	fd = memfd_create("sippush-body", MFD_CLOEXEC);
	if (fd < 0)
		return -1;

	while (done < p->len) {
		ssize_t n = write(fd, p->body + done, p->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			(void)close(fd);
			return -1;
		}
		done += (size_t)n;
	}

	if (lseek(fd, 0, SEEK_SET) < 0) {
		(void)close(fd);
		return -1;
	}

	return fd;
}


/* The listener's environment without SIPPUSH_* (a stale SIPPUSH_BODY
 * must not survive), plus ours. *bufp and the array are malloc'd. */
static int build_env(const struct handler *h, const struct sippush *c,
		     const struct sippush_push *p, char ***envp, char **bufp)
{
	const char *stored = sippush_header(c, "Stored");
	const char *arrived = sippush_header(c, "Arrived");
	size_t n = 0, k = 0, sz;
	char **env, *buf, *w;
	int len;

	for (char **e = environ; e && *e; e++)
		++n;

	env = calloc(n + ENV_OURS + 1, sizeof(*env));
	if (!env)
		return ENOMEM;

	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, "SIPPUSH_", 8))
			env[k++] = *e;

	sz = 1024 + strlen(p->appid) + strlen(p->ctype) + strlen(p->sender) +
		strlen(p->transport) + strlen(h->socket) +
		(h->dir ? 2 * strlen(h->dir) : 0) + (arrived ?
						       strlen(arrived) : 0);
	buf = malloc(sz);
	if (!buf) {
		free(env);
		return ENOMEM;
	}

	w = buf;
#define ADD(...) do {                                           \
		len = snprintf(w, sz - (size_t)(w - buf), __VA_ARGS__); \
		env[k++] = w;                                           \
		w += len + 1;                                           \
	} while (0)

	ADD("SIPPUSH_ID=%llu", (unsigned long long)p->id);
	ADD("SIPPUSH_APP=%s", p->appid);
	ADD("SIPPUSH_CONTENT_TYPE=%s", p->ctype);
	ADD("SIPPUSH_SENDER=%s", p->sender);
	ADD("SIPPUSH_TRANSPORT=%s", p->transport);
	ADD("SIPPUSH_LENGTH=%zu", p->len);
	ADD("SIPPUSH_STORED=%s", stored && !strcmp(stored, "yes") ? "yes" :
	    "no");
	if (arrived)
		ADD("SIPPUSH_ARRIVED=%s", arrived);
	ADD("SIPPUSH_SOCKET=%s", h->socket);
	if (h->dir) {
		ADD("SIPPUSH_BODY=%s/%llu.body", h->dir,
		    (unsigned long long)p->id);
		ADD("SIPPUSH_META=%s/%llu.meta", h->dir,
		    (unsigned long long)p->id);
	}
#undef ADD

	env[k] = NULL;
	*envp = env;
	*bufp = buf;

	return 0;
}


static int64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* Wait for pid until deadline (< 0: for ever); SIGCHLD is blocked.
 * 0 and its wait status, or ETIMEDOUT. */
static int wait_child(pid_t pid, int64_t deadline, int *status)
{
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);

	for (;;) {
		struct timespec ts;
		int64_t left;
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return errno;

		if (deadline >= 0) {
			left = deadline - now_ms();
			if (left <= 0)
				return ETIMEDOUT;
		}
		else {
			left = 3600000;
		}

		ts.tv_sec  = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;

		/* EAGAIN (time), EINTR (another signal): look again */
		(void)sigtimedwait(&chld, NULL, &ts);
	}
}


/**
 * Run the command for one push and turn its end into a verdict. The
 * body files (h->dir) must be written before; the verdict is for the
 * caller to send.
 *
 * @return 0 (v filled, also when the command failed); an errno if it
 *         could not be started (v says NACK 500 then)
 */
int handler_run(const struct handler *h, const struct sippush *c,
		const struct sippush_push *p, struct handler_verdict *v)
{
	char **env = NULL, *envbuf = NULL;
	sigset_t chld, old;
	int in, err, status = 0;
	pid_t pid;

	if (!h || !h->argv || !h->argv[0] || !p || !v)
		return EINVAL;

	memset(v, 0, sizeof(*v));
	v->exit = -1;
	v->code = 500;
	(void)snprintf(v->reason, sizeof(v->reason), "Handler Not Started");

	in = body_fd(p);
	if (in < 0)
		return errno ? errno : EIO;

	err = build_env(h, c, p, &env, &envbuf);
	if (err) {
		(void)close(in);
		return err;
	}

	/* before the fork: a child that ends at once must not be missed */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	(void)sigprocmask(SIG_BLOCK, &chld, &old);

	{
		/* the command's output goes to our stderr: stdout is the
		 * listener's, one line (or JSON object) per push */
		const struct spawn_opts o = {
			.argv = (const char *const *)h->argv,
			.envp = (const char *const *)env,
			.fd_in = in, .fd_out = STDERR_FILENO,
			.fd_err = STDERR_FILENO, .pgrp = true, .path = true,
		};

		err = spawn(&pid, &o);
	}

	(void)close(in);
	free(env);
	free(envbuf);

	if (err) {
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		(void)snprintf(v->reason, sizeof(v->reason),
			       "Handler Not Started");
		return err;
	}

	err = wait_child(pid, h->timeout_ms ? now_ms() + h->timeout_ms : -1,
			 &status);
	if (err == ETIMEDOUT) {
		/* all it started, not only itself */
		(void)kill(-pid, SIGKILL);
		(void)wait_child(pid, -1, &status);
		v->timed_out = true;
	}

	(void)sigprocmask(SIG_SETMASK, &old, NULL);

	if (v->timed_out) {
		v->exit = WIFSIGNALED(status) ? 128 + WTERMSIG(status) :
			WEXITSTATUS(status);
		v->code = 408;
		(void)snprintf(v->reason, sizeof(v->reason),
			       "Handler Timed Out");
		return 0;
	}

	if (WIFSIGNALED(status)) {
		v->exit = 128 + WTERMSIG(status);
		v->code = 500;
		(void)snprintf(v->reason, sizeof(v->reason),
			       "Handler Killed (signal %d)", WTERMSIG(status));
		return 0;
	}

	v->exit = WEXITSTATUS(status);
	v->code = handler_code_of(h, v->exit, v->reason, sizeof(v->reason));

	return 0;
}
