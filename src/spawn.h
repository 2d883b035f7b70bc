/* spawn.h: start a program without a shell: own process group, chosen stdio, nothing else inherited. */
#ifndef SIPPUSH_SPAWN_H
#define SIPPUSH_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

/** How to start it; libc only, shared by the daemon and the CLI. */
struct spawn_opts {
	const char *const *argv;  /* argv[0]: the program (a path, or a
				   * name looked up in PATH with path) */
	const char *const *envp;  /* the whole environment */
	int fd_in;                /* stdin, stdout, stderr: a descriptor, */
	int fd_out;               /* or -1 for /dev/null */
	int fd_err;
	bool pgrp;                /* in a process group of its own */
	bool path;                /* look argv[0] up in PATH */
};

int spawn(pid_t *pidp, const struct spawn_opts *o);

#endif
