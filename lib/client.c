/* client.c: libsippush, the application side of sippushd's local API (libc only): connection, commands, push queue. */
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

/*
 * doc/ipc.md is the contract. Every message is one SOCK_SEQPACKET
 * message, so reading is "take one whole message, look at its first
 * bytes": a push record is queued, a reply answers the command waiting
 * for it. Replies come in command order, so a command that gave up
 * waiting (timeout, signal) leaves a debt of one reply, paid by skipping
 * the next one; that keeps later commands matched to their own replies.
 *
 * The socket is used with MSG_DONTWAIT and poll() throughout, so the
 * descriptor's own blocking mode does not matter.
 */


int64_t spc_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


int64_t spc_deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : spc_now_ms() + timeout_ms;
}


/* 0 when ready, ETIMEDOUT, or poll's errno (EINTR) */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int t = -1, r;

	if (deadline >= 0) {
		int64_t left = deadline - spc_now_ms();

		t = left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
	}

	r = poll(&pfd, 1, t);
	if (r < 0)
		return errno;

	return r == 0 ? ETIMEDOUT : 0;
}


/* A descriptor that came with a message nobody will use. */
void spc_drop_rxfd(struct sippush *c)
{
	if (c->rxfd >= 0)
		(void)close(c->rxfd);
	c->rxfd = -1;
}


enum { FDS_MAX = 253 };   /* the kernel's SCM_MAX_FD */


/* One whole message into c->buf, NUL-terminated, without waiting; a file
 * descriptor passed with it (SCM_RIGHTS, a large body) into c->rxfd. */
static int read_one(struct sippush *c, size_t *len)
{
	/* Room for as many descriptors as the kernel passes in one message
	 * (SCM_MAX_FD): none is ever truncated, so every extra one reaches
	 * us and is closed here. With room for one only, a 32-bit build
	 * truncates the second (CMSG_SPACE pads less than on 64-bit), and
	 * qemu-user then leaves it open in the process. */
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(FDS_MAX * sizeof(int))];
	} ctl;
	struct iovec iov = { c->buf, SIPPUSH_RECORD_MAX };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t n;

	if (c->gone)
		return ECONNRESET;

	spc_drop_rxfd(c);

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov        = &iov;
	mh.msg_iovlen     = 1;
	mh.msg_control    = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);

	/* MSG_TRUNC: the real length, so an over-long one is noticed */
	n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EWOULDBLOCK ? EAGAIN : errno;

	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
			size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) /
				sizeof(int);
			int fds[FDS_MAX];

			if (nfd > FDS_MAX)
				nfd = FDS_MAX;
			memcpy(fds, CMSG_DATA(cm), sizeof(int) * nfd);
			/* one is the protocol; close any extra */
			for (size_t i = 0; i < nfd; i++) {
				if (c->rxfd < 0)
					c->rxfd = fds[i];
				else
					(void)close(fds[i]);
			}
		}
	}

	/* the daemon sends no empty messages: this is the end */
	if (n == 0) {
		c->gone = true;
		spc_drop_rxfd(c);
		return ECONNRESET;
	}

	if ((size_t)n > SIPPUSH_RECORD_MAX || (mh.msg_flags & MSG_CTRUNC)) {
		spc_drop_rxfd(c);
		return EMSGSIZE;
	}

	c->buf[n] = '\0';
	*len = (size_t)n;

	return 0;
}


static void enqueue(struct sippush *c, struct rec *r)
{
	r->next = NULL;

	if (c->tail)
		c->tail->next = r;
	else
		c->head = r;

	c->tail = r;
	++c->nq;
}


/* A message we could not use still takes its turn in the queue, so that
 * sippush_recv() reports it where it happened. */
static int enqueue_err(struct sippush *c, int err)
{
	struct rec *r = calloc(1, sizeof(*r));

	if (!r)
		return ENOMEM;

	r->err = err;
	r->fd  = -1;
	enqueue(c, r);

	return 0;
}


static int enqueue_record(struct sippush *c, size_t len)
{
	struct rec *r = malloc(sizeof(*r) + len + 1);

	if (!r)
		return ENOMEM;

	memset(r, 0, sizeof(*r));
	memcpy(r->data, c->buf, len);
	r->data[len] = '\0';
	r->size = len;
	r->fd   = c->rxfd;      /* the record owns it now */
	c->rxfd = -1;
	r->err  = spc_parse_record(r);
	if (r->err && r->fd >= 0) {
		(void)close(r->fd);
		r->fd = -1;
	}

	enqueue(c, r);

	return 0;
}


static void rec_free(struct rec *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		(void)close(r->fd);
	free(r);
}


static bool is_reply(const uint8_t *b, size_t len)
{
	if (len >= 2 && b[0] == 'O' && b[1] == 'K')
		return len == 2 || b[2] == ' ' || b[2] == '\n';

	return len >= 4 && !memcmp(b, "ERR ", 4);
}


/* Sort one message: a record is queued; a reply sets *reply, unless it
 * pays an old debt. */
static int take(struct sippush *c, size_t len, bool *reply)
{
	*reply = false;

	if (len >= 5 && !memcmp(c->buf, "PUSH\n", 5))
		return enqueue_record(c, len);

	if (!is_reply(c->buf, len))
		return enqueue_err(c, EBADMSG);

	if (c->skip) {
		--c->skip;
		if (c->buf[0] == 'E')
			++c->skip_err;
		return 0;
	}

	*reply = true;
	return 0;
}


static int wait_reply(struct sippush *c, size_t *len)
{
	int64_t deadline = spc_deadline_of(c->timeout_ms);

	for (;;) {
		bool reply;
		size_t n;
		int err;

		err = read_one(c, &n);
		if (err == EAGAIN) {
			err = wait_fd(c->fd, POLLIN, deadline);
			if (err)
				return err;
			continue;
		}
		if (err == EMSGSIZE) {
			err = enqueue_err(c, EMSGSIZE);
			if (err)
				return err;
			continue;
		}
		if (err)
			return err;

		err = take(c, n, &reply);
		if (err)
			return err;

		if (reply) {
			*len = n;
			return 0;
		}
	}
}


/* After the peer closed: a reply still queued in the socket, if any. */
static int last_words(struct sippush *c, size_t *len)
{
	for (;;) {
		bool reply;
		size_t n;
		int err = read_one(c, &n);

		if (err == EMSGSIZE)
			continue;
		if (err == EAGAIN)
			return ECONNRESET;   /* nothing left: no answer */
		if (err)
			return err;

		err = take(c, n, &reply);
		if (err)
			return err;

		if (reply) {
			*len = n;
			return 0;
		}
	}
}


static int send_line(struct sippush *c, const char *line, size_t len)
{
	int64_t deadline = spc_deadline_of(c->timeout_ms);

	for (;;) {
		ssize_t n = send(c->fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		int err;

		if (n >= 0)
			return 0;

		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return errno == EPIPE ? ECONNRESET : errno;

		err = wait_fd(c->fd, POLLOUT, deadline);
		if (err)
			return err;
	}
}


static int errno_of(unsigned code)
{
	switch (code) {

	case 400: return EINVAL;
	case 403: return EPERM;
	case 404: return ENOENT;
	case 405: return ENOSYS;
	case 409: return EBUSY;
	case 413: return EMSGSIZE;
	case 428: return EPROTO;
	case 429: return ENOSPC;
	case 503: return EAGAIN;
	case 505: return EPROTONOSUPPORT;
	default:  return code >= 400 && code < 500 ? EINVAL : EIO;
	}
}


/* Send one command, wait for its reply (in c->buf, first line in
 * c->reply); 0 for OK, the errno of an ERR, or why there was none. */
int spc_command(struct sippush *c, const char *line, size_t *rlen)
{
	size_t n, l;
	int err;

	c->reply[0] = '\0';

	if (c->gone)
		return ECONNRESET;

	err = send_line(c, line, strlen(line));
	if (err == ECONNRESET) {
		/* the daemon may have said why before it closed (ERR 503 at
		 * connect): that is the answer, if it is there */
		err = last_words(c, &n);
		if (err)
			return err;
	}
	else if (err) {
		return err;
	}
	else {
		err = wait_reply(c, &n);
	}
	if (err) {
		if (!c->gone)
			++c->skip;
		return err;
	}

	for (l = 0; l < n && l < sizeof(c->reply) - 1 && c->buf[l] != '\n';
	     l++)
		c->reply[l] = (char)c->buf[l];
	c->reply[l] = '\0';

	if (rlen)
		*rlen = n;

	if (c->buf[0] == 'O')
		return 0;

	/* "ERR " 3DIGIT [SP text] */
	if (n < 7 || c->buf[4] < '1' || c->buf[4] > '9' ||
	    c->buf[5] < '0' || c->buf[5] > '9' ||
	    c->buf[6] < '0' || c->buf[6] > '9' || (n > 7 && c->buf[7] != ' '))
		return EPROTO;

	return errno_of((unsigned)((c->buf[4] - '0') * 100 +
				   (c->buf[5] - '0') * 10 + (c->buf[6] - '0')));
}


/* Arguments go into a line of space-separated tokens: no room for
 * spaces or control characters, or a caller's string could add words. */
bool spc_word_ok(const char *s)
{
	if (!s || !*s)
		return false;

	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;

	return true;
}


/* HELLO on c->fd: the daemon must speak version 1. */
int spc_hello(struct sippush *c)
{
	int err = spc_command(c, "HELLO 1", NULL);

	if (!err && (strncmp(c->reply, "OK sippush 1", 12) ||
		     (c->reply[12] && c->reply[12] != ' ')))
		err = EPROTO;

	return err;
}


SIPPUSH_API struct sippush *sippush_open_fd(int fd)
{
	struct sippush *c;
	int err;

	if (fd < 0) {
		errno = EBADF;
		return NULL;
	}

	c = calloc(1, sizeof(*c));
	if (!c) {
		(void)close(fd);
		errno = ENOMEM;
		return NULL;
	}

	c->fd = fd;
	c->rxfd = -1;
	c->timeout_ms = DEFAULT_TIMEOUT_MS;

	err = spc_hello(c);
	if (err) {
		sippush_close(c);
		errno = err;
		return NULL;
	}

	return c;
}


static const char *path_of(const char *path)
{
	if (!path) {
		path = getenv(SIPPUSH_SOCKET_ENV);
		if (!path || !*path)
			path = SIPPUSH_DEFAULT_SOCKET;
	}

	return path;
}


/* A connected socket to path, or an errno. */
int spc_connect_to(const char *path, int *fdp)
{
	struct sockaddr_un sun;
	int64_t deadline;
	int fd, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return ENAMETOOLONG;
	strcpy(sun.sun_path, path);

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;

	/* non-blocking, so that a hung daemon cannot hang us here */
	deadline = spc_deadline_of(DEFAULT_TIMEOUT_MS);
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		e = errno;

		if (e == EINTR)
			continue;

		if (e != EAGAIN || spc_now_ms() >= deadline) {
			(void)close(fd);
			return e == EAGAIN ? ETIMEDOUT : e;
		}

		(void)poll(NULL, 0, CONNECT_RETRY_MS);
	}

	*fdp = fd;
	return 0;
}


SIPPUSH_API struct sippush *sippush_open(const char *path)
{
	struct sippush *c;
	int fd, err;

	path = path_of(path);

	err = spc_connect_to(path, &fd);
	if (err) {
		errno = err;
		return NULL;
	}

	c = sippush_open_fd(fd);
	if (!c)
		return NULL;

	/* kept for sippush_reconnect() */
	c->path = strdup(path);
	if (!c->path) {
		sippush_close(c);
		errno = ENOMEM;
		return NULL;
	}

	return c;
}


void spc_flush_queue(struct sippush *c)
{
	struct rec *r;

	while ((r = c->head)) {
		c->head = r->next;
		rec_free(r);
	}

	c->tail = NULL;
	c->nq = 0;
}


SIPPUSH_API void sippush_close(struct sippush *c)
{
	if (!c)
		return;

	spc_flush_queue(c);
	rec_free(c->cur);
	spc_drop_rxfd(c);
	if (c->fd >= 0)
		(void)close(c->fd);
	free(c->path);
	free(c);
}


SIPPUSH_API int sippush_fd(const struct sippush *c)
{
	return c ? c->fd : -1;
}


SIPPUSH_API void sippush_set_timeout(struct sippush *c, int timeout_ms)
{
	if (c)
		c->timeout_ms = timeout_ms;
}


SIPPUSH_API int sippush_recv(struct sippush *c, struct sippush_push *p,
			     int timeout_ms)
{
	int64_t deadline;

	if (!c || !p)
		return EINVAL;

	rec_free(c->cur);
	c->cur = NULL;

	deadline = spc_deadline_of(timeout_ms);

	for (;;) {
		struct rec *r = c->head;
		bool reply;
		size_t n;
		int err;

		if (r) {
			c->head = r->next;
			if (!c->head)
				c->tail = NULL;
			--c->nq;

			if (r->err) {
				err = r->err;
				rec_free(r);
				return err;
			}

			c->cur = r;
			*p = r->p;
			return 0;
		}

		err = read_one(c, &n);
		if (err == EAGAIN) {
			if (!timeout_ms)
				return EAGAIN;
			err = wait_fd(c->fd, POLLIN, deadline);
			if (err)
				return err;
			continue;
		}
		if (err)
			return err;

		/* a reply here is a late one, owed to a command that gave
		 * up, or one nobody asked for: either way not ours */
		err = take(c, n, &reply);
		if (err)
			return err;
	}
}


SIPPUSH_API unsigned sippush_pending(const struct sippush *c)
{
	return c ? c->nq : 0;
}


SIPPUSH_API int sippush_status(struct sippush *c, char *buf, size_t sz)
{
	const uint8_t *lf;
	size_t n, l, off;
	int err;

	if (!c || !buf || !sz)
		return EINVAL;

	buf[0] = '\0';

	err = spc_command(c, "STATUS", &n);
	if (err)
		return err;

	lf  = memchr(c->buf, '\n', n);
	off = lf ? (size_t)(lf + 1 - c->buf) : n;
	l   = n - off;

	if (l >= sz) {
		memcpy(buf, c->buf + off, sz - 1);
		buf[sz - 1] = '\0';
		return ERANGE;
	}

	memcpy(buf, c->buf + off, l);
	buf[l] = '\0';

	return 0;
}


SIPPUSH_API int sippush_ping(struct sippush *c)
{
	if (!c)
		return EINVAL;

	return spc_command(c, "PING", NULL);
}


SIPPUSH_API const char *sippush_last_reply(const struct sippush *c)
{
	return c ? c->reply : "";
}
