/* verdict.c: libsippush: ACK and NACK, waiting for the reply or not. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "sippush/client.h"
#include "client_priv.h"


static int ack_line(char *line, size_t sz, uint64_t id)
{
	(void)snprintf(line, sz, "ACK %llu", (unsigned long long)id);
	return 0;
}


static int nack_line(char *line, size_t sz, uint64_t id, unsigned code,
		     const char *reason)
{
	if (code < 400 || code > 699)
		return EINVAL;

	if (reason) {
		size_t l = strlen(reason);

		if (l > SIPPUSH_REASON_MAX)
			return EINVAL;

		for (size_t i = 0; i < l; i++)
			if (reason[i] < 0x20 || reason[i] > 0x7e)
				return EINVAL;
	}

	(void)snprintf(line, sz, "NACK %llu %u%s%s", (unsigned long long)id,
		       code, reason && *reason ? " " : "",
		       reason ? reason : "");
	return 0;
}


SIPPUSH_API int sippush_ack(struct sippush *c, uint64_t id)
{
	char line[64];

	if (!c)
		return EINVAL;

	(void)ack_line(line, sizeof(line), id);

	return spc_command(c, line, NULL);
}


SIPPUSH_API int sippush_nack(struct sippush *c, uint64_t id, unsigned code,
			     const char *reason)
{
	char line[SIPPUSH_CMD_MAX];
	int err;

	if (!c)
		return EINVAL;

	err = nack_line(line, sizeof(line), id, code, reason);
	if (err)
		return err;

	return spc_command(c, line, NULL);
}


SIPPUSH_API int sippush_disposed(struct sippush *c, uint64_t id,
				 bool displayed)
{
	char line[64];

	if (!c)
		return EINVAL;

	(void)snprintf(line, sizeof(line), "DISPOSED %llu %s",
		       (unsigned long long)id,
		       displayed ? "displayed" : "processed");

	return spc_command(c, line, NULL);
}


/* Send a command whose reply nobody waits for: it is read and dropped
 * later, in order, like the reply of a command that gave up. */
static int send_nowait(struct sippush *c, const char *line)
{
	ssize_t n;

	if (c->gone)
		return ECONNRESET;

	do {
		n = send(c->fd, line, strlen(line),
			 MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);

	if (n < 0) {
		if (errno == EWOULDBLOCK)
			return EAGAIN;
		return errno == EPIPE ? ECONNRESET : errno;
	}

	++c->skip;
	return 0;
}


SIPPUSH_API int sippush_ack_async(struct sippush *c, uint64_t id)
{
	char line[64];

	if (!c)
		return EINVAL;

	(void)ack_line(line, sizeof(line), id);

	return send_nowait(c, line);
}


SIPPUSH_API int sippush_nack_async(struct sippush *c, uint64_t id,
				   unsigned code, const char *reason)
{
	char line[SIPPUSH_CMD_MAX];
	int err;

	if (!c)
		return EINVAL;

	err = nack_line(line, sizeof(line), id, code, reason);
	if (err)
		return err;

	return send_nowait(c, line);
}


SIPPUSH_API unsigned sippush_async_errors(const struct sippush *c)
{
	return c ? c->skip_err : 0;
}
