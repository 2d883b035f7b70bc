/* sdnotify.c: tells systemd (Type=notify) "READY=1" and "STOPPING=1" over $NOTIFY_SOCKET, without libsystemd. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "sdnotify.h"

/*
 * The protocol (sd_notify(3)): one datagram of "KEY=VALUE" lines to the
 * AF_UNIX socket named by $NOTIFY_SOCKET, a path or, with a leading '@',
 * an abstract name. No reply. Without the variable there is no one to
 * tell, and that is not an error.
 */


/** True when a service manager waits for our state. */
bool sdnotify_wanted(void)
{
	const char *p = getenv("NOTIFY_SOCKET");

	return p && (p[0] == '/' || p[0] == '@') && p[1];
}


/**
 * Send a state, e.g. "READY=1".
 *
 * @return 0 if sent or not wanted, else an errno value
 */
int sdnotify(const char *state)
{
	const char *p = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	size_t n;
	ssize_t w;
	int fd, err = 0;

	if (!state)
		return EINVAL;
	if (!sdnotify_wanted())
		return 0;

	n = strlen(p);
	if (n >= sizeof(sun.sun_path))
		return ENAMETOOLONG;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, p, n);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';     /* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;

	w = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&sun, len);
	if (w < 0)
		err = errno;

	(void)close(fd);

	return err;
}
