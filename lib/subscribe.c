/* subscribe.c: libsippush: subscriptions, kept to be made again by sippush_reconnect(). */
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


/* Remember a subscription the daemon took, replacing an older one of
 * the same app ID (it answered "OK <canonical id>"). */
static void sub_remember(struct sippush *c, const char *line)
{
	const char *id = c->reply[2] == ' ' ? c->reply + 3 : "";
	struct sub *s = NULL;
	size_t l = strcspn(id, " ");

	if (!l || l > SIPPUSH_APPID_MAX)
		return;

	for (unsigned i = 0; i < c->nsubs; i++) {
		if (strlen(c->subs[i].appid) == l &&
		    !strncmp(c->subs[i].appid, id, l))
			s = &c->subs[i];
	}

	if (!s) {
		if (c->nsubs >= SUBS_MAX)
			return;
		s = &c->subs[c->nsubs++];
	}

	memcpy(s->appid, id, l);
	s->appid[l] = '\0';
	(void)snprintf(s->line, sizeof(s->line), "%s", line);
}


static bool sub_matches(const struct sub *s, const char *appid)
{
	const char *given = s->line + 10;      /* after "SUBSCRIBE " */
	size_t l = strcspn(given, " ");

	return !strcasecmp(s->appid, appid) ||
		(strlen(appid) == l && !strncasecmp(given, appid, l));
}


static void sub_forget(struct sippush *c, const char *appid)
{
	for (unsigned i = 0; i < c->nsubs; ) {
		if (!appid || sub_matches(&c->subs[i], appid)) {
			c->subs[i] = c->subs[--c->nsubs];
			continue;
		}
		++i;
	}
}


SIPPUSH_API int sippush_subscribe_enc(struct sippush *c, const char *appid,
				      const char *filter, unsigned flags,
				      const char *encodings)
{
	char line[SIPPUSH_CMD_MAX];
	int n, err;

	if (!c || !spc_word_ok(appid) || (filter && (!spc_word_ok(filter) ||
						 !strchr(filter, '/'))) ||
	    (encodings && (!spc_word_ok(encodings) ||
			   strchr(encodings, '/'))) ||
	    (flags & ~(unsigned)(SIPPUSH_SUB_MONITOR | SIPPUSH_SUB_NOSTORE |
				 SIPPUSH_SUB_UNWRAP)))
		return EINVAL;

	n = snprintf(line, sizeof(line), "SUBSCRIBE %s%s%s%s%s%s%s%s", appid,
		     filter ? " " : "", filter ? filter : "",
		     flags & SIPPUSH_SUB_MONITOR ? " monitor" : "",
		     flags & SIPPUSH_SUB_NOSTORE ? " nostore" : "",
		     flags & SIPPUSH_SUB_UNWRAP ? " unwrap" : "",
		     encodings ? " encoding=" : "", encodings ? encodings : "");
	if (n < 0 || (size_t)n >= sizeof(line))
		return EINVAL;

	err = spc_command(c, line, NULL);
	if (!err)
		sub_remember(c, line);

	return err;
}


SIPPUSH_API int sippush_subscribe_ex(struct sippush *c, const char *appid,
				     const char *filter, unsigned flags)
{
	return sippush_subscribe_enc(c, appid, filter, flags, NULL);
}


SIPPUSH_API int sippush_subscribe(struct sippush *c, const char *appid,
				  const char *filter, bool monitor)
{
	return sippush_subscribe_ex(c, appid, filter,
				    monitor ? SIPPUSH_SUB_MONITOR : 0);
}


SIPPUSH_API int sippush_unsubscribe(struct sippush *c, const char *appid)
{
	char line[SIPPUSH_CMD_MAX];
	int n, err;

	if (!c || (appid && !spc_word_ok(appid)))
		return EINVAL;

	n = snprintf(line, sizeof(line), "UNSUBSCRIBE%s%s", appid ? " " : "",
		     appid ? appid : "");
	if (n < 0 || (size_t)n >= sizeof(line))
		return EINVAL;

	err = spc_command(c, line, NULL);
	if (!err || err == ENOENT)
		sub_forget(c, appid);

	return err;
}


SIPPUSH_API int sippush_reconnect(struct sippush *c, int timeout_ms)
{
	int64_t deadline = spc_deadline_of(timeout_ms);
	int pause = RECONNECT_MIN_MS, err, fd;
	struct sub subs[SUBS_MAX];
	unsigned nsubs;

	if (!c || !c->path)
		return EINVAL;

	/* what the old connection had is gone with it: the daemon failed
	 * (or stored) the pushes not acknowledged, the replies will not
	 * come */
	spc_flush_queue(c);
	spc_drop_rxfd(c);
	if (c->fd >= 0)
		(void)close(c->fd);
	c->fd   = -1;
	c->gone = true;
	c->skip = 0;

	for (;;) {
		int64_t left;

		err = spc_connect_to(c->path, &fd);
		if (!err) {
			c->fd   = fd;
			c->gone = false;
			err = spc_hello(c);
			if (!err)
				break;
			(void)close(c->fd);
			c->fd   = -1;
			c->gone = true;
			c->skip = 0;
		}

		/* not there (yet): the daemon is restarting */
		if (err != ENOENT && err != ECONNREFUSED && err != ETIMEDOUT &&
		    err != ECONNRESET && err != EAGAIN)
			return err;

		left = deadline < 0 ? pause : deadline - spc_now_ms();
		if (left <= 0)
			return ETIMEDOUT;

		if (poll(NULL, 0, left < pause ? (int)left : pause) < 0)
			return errno;

		pause = pause * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS :
			pause * 2;
	}

	/* the same subscriptions again, in the order made */
	memcpy(subs, c->subs, sizeof(subs));
	nsubs = c->nsubs;
	c->nsubs = 0;
	err = 0;

	for (unsigned i = 0; i < nsubs; i++) {
		int e = spc_command(c, subs[i].line, NULL);

		if (!e)
			sub_remember(c, subs[i].line);
		else if (!err)
			err = e;
	}

	return err;
}
