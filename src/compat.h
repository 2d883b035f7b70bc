/* compat.h: every difference between the libre versions we build against. */
#ifndef SIPPUSH_COMPAT_H
#define SIPPUSH_COMPAT_H

struct compat_fd;

int  compat_fd_listen(int fd, int flags, fd_h *fh, void *arg);
void compat_fd_close(int fd);

#endif
