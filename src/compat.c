/* compat.c: the one place that knows which libre version it is built against. */
#include <re.h>
#include "autoconf.h"
#include "compat.h"

/*
 * LIBRE_VERNUM comes from `pkg-config --modversion libre` (Makefile):
 * 10100 for Debian 12's 1.1.0, 20001 for Debian 13 / OpenWrt's 2.0.1.
 * Both have the same fd_listen(); libre 3.6 added a handle argument
 * (struct re_fhs **), which is the branch below.
 */

#if LIBRE_VERNUM >= 30600
#error "libre >= 3.6 changed fd_listen(): add the re_fhs handle here"
#endif


/** Watch a file descriptor in the main loop. */
int compat_fd_listen(int fd, int flags, fd_h *fh, void *arg)
{
	return fd_listen(fd, flags, fh, arg);
}


/** Stop watching a file descriptor. */
void compat_fd_close(int fd)
{
	fd_close(fd);
}
