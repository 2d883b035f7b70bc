/* spawn.c: start a program without a shell: own process group, chosen stdio, nothing else inherited. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "spawn.h"

/*
 * fork + execve, never a shell: the arguments come from a configuration
 * file or a command line and stay a vector, so nothing is re-parsed.
 * What the parent has set up for itself does not leak into the child:
 * the daemon blocks its signals for signalfd and the CLI ignores
 * SIGPIPE, and both masks would be inherited across exec; libre's
 * sockets are not all close-on-exec. So the child unblocks and resets
 * every signal and closes every descriptor above 2 before exec.
 *
 * An exec failure is reported through a close-on-exec pipe: the parent
 * gets ENOENT/EACCES as the return value instead of an exit code 127
 * to interpret later. The pipe closes at exec, so the parent's wait is
 * only as long as fork + exec (no deadline needed).
 *
 * Both callers are single-threaded, so the child may allocate (the
 * directory listing below) between fork and exec.
 */

enum {
	FD_SCRATCH = 10,        /* stdio sources are moved up here first */
	FD_LOOP_MAX = 65536,    /* without /proc: close up to this */
};


/* Close every descriptor >= 3 but keep. */
static void close_rest(int keep)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	long max;

	if (d) {
		int dfd = dirfd(d);

		while ((de = readdir(d))) {
			char *end;
			long fd = strtol(de->d_name, &end, 10);

			if (*end || end == de->d_name || fd < 3 ||
			    fd == dfd || fd == keep)
				continue;
			(void)close((int)fd);
		}
		closedir(d);
		return;
	}

	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > FD_LOOP_MAX)
		max = FD_LOOP_MAX;

	for (int fd = 3; fd < max; fd++)
		if (fd != keep)
			(void)close(fd);
}


static void child_fail(int wfd, int err)
{
	ssize_t n;

	do {
		n = write(wfd, &err, sizeof(err));
	} while (n < 0 && errno == EINTR);

	_exit(127);
}


static void child(const struct spawn_opts *o, int wfd)
{
	const int want[3] = { o->fd_in, o->fd_out, o->fd_err };
	int src[3], null = -1;
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		(void)sigaction(s, &sa, NULL);   /* EINVAL for some: fine */

	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		child_fail(wfd, errno);

	if (o->pgrp && setpgid(0, 0) < 0)
		child_fail(wfd, errno);

	/* sources up out of the way, so that dup2 onto 0..2 cannot clobber
	 * one that is still needed */
	for (int i = 0; i < 3; i++) {
		int fd = want[i];

		if (fd < 0) {
			if (null < 0) {
				null = open("/dev/null", O_RDWR | O_CLOEXEC);
				if (null < 0)
					child_fail(wfd, errno);
			}
			fd = null;
		}

		src[i] = fcntl(fd, F_DUPFD_CLOEXEC, FD_SCRATCH);
		if (src[i] < 0)
			child_fail(wfd, errno);
	}

	for (int i = 0; i < 3; i++)
		if (dup2(src[i], i) < 0)
			child_fail(wfd, errno);

	close_rest(wfd);

	if (o->path)
		execvpe(o->argv[0], (char *const *)o->argv,
			(char *const *)o->envp);
	else
		execve(o->argv[0], (char *const *)o->argv,
		       (char *const *)o->envp);

	child_fail(wfd, errno);
}


/**
 * Start a program.
 *
 * @param pidp  Its pid (also its process group with o->pgrp)
 * @param o     What and how
 *
 * @return 0 once it runs the program; the errno of fork, of exec (ENOENT,
 *         EACCES, ENOEXEC, ...) or of the set-up in the child; EINVAL
 */
int spawn(pid_t *pidp, const struct spawn_opts *o)
{
	int pfd[2], cerr = 0, status;
	ssize_t n;
	pid_t pid;

	if (!pidp || !o || !o->argv || !o->argv[0] || !*o->argv[0] ||
	    !o->envp)
		return EINVAL;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return errno;

	pid = fork();
	if (pid < 0) {
		int err = errno;

		(void)close(pfd[0]);
		(void)close(pfd[1]);
		return err;
	}

	if (pid == 0) {
		(void)close(pfd[0]);
		child(o, pfd[1]);
	}

	(void)close(pfd[1]);

	/* both sides: whoever runs first, the group exists before anyone
	 * signals it */
	if (o->pgrp)
		(void)setpgid(pid, pid);

	do {
		n = read(pfd[0], &cerr, sizeof(cerr));
	} while (n < 0 && errno == EINTR);
	(void)close(pfd[0]);

	if (n == (ssize_t)sizeof(cerr)) {
		/* it never ran the program: collect it now */
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return cerr ? cerr : EIO;
	}

	*pidp = pid;
	return 0;
}
