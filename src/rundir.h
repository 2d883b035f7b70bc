/* rundir.h: the directories the daemon makes for itself, owned by the account it runs as, and the socket's group. */
#ifndef SIPPUSH_RUNDIR_H
#define SIPPUSH_RUNDIR_H

#include <sys/types.h>

struct config;

int rundir_make(const char *path, mode_t mode, uid_t uid, gid_t gid);
int rundir_prepare(const struct config *cfg, gid_t *sock_gid);
int rundir_socket_group(const char *sock, gid_t gid);

#endif
