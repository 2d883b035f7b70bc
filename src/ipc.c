/* ipc.c: the local API's UNIX socket: accepts apps, parses commands, sends push records. */
#include <string.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "compat.h"
#include "ipc.h"

#define DEBUG_MODULE "ipc"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include <re_dbg.h>

/*
 * One SOCK_SEQPACKET message is one command, reply or push record, so
 * there is no framing here: a message is decoded whole or refused whole
 * (doc/ipc.md has the reasons and the syntax). Nothing in this file
 * blocks: sends are non-blocking, what the socket does not take waits in
 * a bounded per-client queue, and a client that lets it overflow (or sit
 * still too long) is dropped. A drop never calls back into the daemon
 * from inside an ipc call: goneh runs from a zero timer, so the daemon
 * can send to a list of clients without that list changing under it.
 */

enum {
	MAX_CLIENTS     = 1000,         /* libre 1.1.0 watches fds < 1024 */
	QUEUE_RECORDS   = 1024,         /* bytes bind first; 64 dropped a live
					 * app after ~10 ms of lag at 20 k/s */
	QUEUE_BYTES     = 256 * 1024,
	MAX_BAD         = 8,            /* protocol errors in a row, then drop */
	STALL_MS        = 30000,        /* a non-empty queue must move by then */
	SNDBUF          = 128 * 1024,   /* Linux doubles it: 256 KiB */
	SNDBUF_SLACK    = 64,           /* the kernel keeps a little for itself */
	READ_BATCH      = 32,           /* commands per wake-up, for fairness */
	ACCEPT_BATCH    = 16,
	ACCEPT_RETRY_MS = 1000,
	LISTEN_BACKLOG  = 16,
	PUSH_ID_DIGITS  = 20,           /* 2^64-1 */
	VERSION_DIGITS  = 9,
};

struct ipc {
	struct list clients;
	struct ipc_handlers h;
	void *arg;
	char *path;
	struct tmr tmr_accept;
	int lfd;
	dev_t dev;               /* our socket file, so that we unlink */
	ino_t ino;               /* only that one, not a successor's */
	bool bound;
	uint32_t next_id;
	uint32_t nclients;       /* not counting dropped ones awaiting goneh */
	uint32_t dropped;
};

struct outmsg {
	struct le le;
	struct mbuf *mb;
	int fd;                  /* our duplicate of a body's file, or -1 */
};

struct sub {
	struct le le;
	bool monitor;
	char appid[APPID_SIZE];
};

struct ipc_client {
	struct le le;
	struct ipc *ipc;
	struct list outq;        /* struct outmsg, what the socket did not take */
	struct list subs;        /* struct sub */
	struct tmr tmr_gone;
	struct tmr tmr_stall;
	struct ucred cred;
	size_t qbytes;
	size_t maxmsg;           /* largest message the socket accepts */
	uint32_t qcount;
	uint32_t id;
	int fd;
	unsigned bad;            /* protocol errors in a row */
	bool hello;
	bool wantw;
	bool dead;               /* dropped; goneh pending */
};


static void client_fd_handler(int flags, void *arg);


/* ---- codec ------------------------------------------------------------ */

/* RFC 7230 tchar without '*', which a filter only has as a whole subtype */
static bool tchar(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'+-.^_`|~", c));
}


static bool tokens_ok(const char *p, size_t n)
{
	if (!n)
		return false;

	for (size_t i = 0; i < n; i++)
		if (!tchar(p[i]))
			return false;

	return true;
}


static bool filter_valid(const struct pl *f)
{
	const char *slash = memchr(f->p, '/', f->l);
	size_t tl, sl;

	if (!slash)
		return false;

	tl = (size_t)(slash - f->p);
	sl = f->l - tl - 1;

	if (!tokens_ok(f->p, tl))
		return false;

	return (sl == 1 && slash[1] == '*') || tokens_ok(slash + 1, sl);
}


static bool next_token(const char **p, const char *end, struct pl *tok)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		++s;

	if (s == end)
		return false;

	tok->p = s;
	while (s < end && *s != ' ')
		++s;
	tok->l = (size_t)(s - tok->p);
	*p = s;

	return true;
}


static bool decimal(const struct pl *pl, size_t maxdigits, uint64_t *v)
{
	uint64_t n = 0;

	if (!pl->l || pl->l > maxdigits)
		return false;

	for (size_t i = 0; i < pl->l; i++) {
		unsigned d;

		if (!isdigit((unsigned char)pl->p[i]))
			return false;

		d = (unsigned)(pl->p[i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}

	*v = n;
	return true;
}


static int bad(struct ipc_cmd *cmd, int err, const char *why)
{
	cmd->why = why;
	return err;
}


static int decode_subscribe(struct ipc_cmd *cmd, const struct pl *a,
			    size_t n)
{
	if (n < 1)
		return bad(cmd, EINVAL, "missing app id");
	if (n > 3)
		return bad(cmd, EINVAL, "too many arguments");

	cmd->appid = a[0];

	for (size_t i = 1; i < n; i++) {
		if (!pl_strcmp(&a[i], "monitor")) {
			if (cmd->monitor)
				return bad(cmd, EINVAL, "monitor given twice");
			cmd->monitor = true;
		}
		else if (memchr(a[i].p, '/', a[i].l)) {
			if (pl_isset(&cmd->filter) || cmd->monitor)
				return bad(cmd, EINVAL,
					   "filter must come once, before monitor");
			if (!filter_valid(&a[i]))
				return bad(cmd, EINVAL,
					   "bad filter (type/subtype or type/*)");
			cmd->filter = a[i];
		}
		else {
			return bad(cmd, EINVAL,
				   "bad argument (filter or \"monitor\")");
		}
	}

	return 0;
}


/**
 * Decode one command message (doc/ipc.md section 3 and 4).
 *
 * @param cmd  Decoded command; its pl fields point into buf
 * @param buf  The message as received
 * @param len  Its length
 *
 * @return 0 if success, EMSGSIZE if too long, EILSEQ for a byte outside
 *         printable ASCII, ENOSYS for an unknown command, EINVAL for bad
 *         arguments; cmd->why then says what was wrong
 */
int ipc_cmd_decode(struct ipc_cmd *cmd, const uint8_t *buf, size_t len)
{
	struct pl name, a[4], t;
	const char *p, *end;
	size_t n = 0;
	uint64_t v;

	if (!cmd)
		return EINVAL;

	memset(cmd, 0, sizeof(*cmd));

	if (!buf && len)
		return bad(cmd, EINVAL, "no buffer");
	if (len > IPC_CMD_MAX)
		return bad(cmd, EMSGSIZE, "command too long");

	if (len && buf[len - 1] == '\n')
		--len;
	if (!len)
		return bad(cmd, EINVAL, "empty command");

	for (size_t i = 0; i < len; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			return bad(cmd, EILSEQ, "bad character in command");

	if (buf[0] == ' ')
		return bad(cmd, EINVAL, "leading space");

	p   = (const char *)buf;
	end = p + len;
	(void)next_token(&p, end, &name);

	/* NACK's reason is the rest of the line, spaces and all */
	if (!pl_strcmp(&name, "NACK")) {
		cmd->type = IPC_CMD_NACK;

		if (!next_token(&p, end, &a[0]) || !next_token(&p, end, &a[1]))
			return bad(cmd, EINVAL, "usage: NACK push-id code [reason]");
		if (!decimal(&a[0], PUSH_ID_DIGITS, &cmd->push_id))
			return bad(cmd, EINVAL, "bad push id");
		if (a[1].l != 3 || !decimal(&a[1], 3, &v) || v < 400 || v > 699)
			return bad(cmd, EINVAL, "bad code (400-699)");
		cmd->code = (uint16_t)v;

		while (p < end && *p == ' ')
			++p;
		if ((size_t)(end - p) > IPC_REASON_MAX)
			return bad(cmd, EINVAL, "reason too long");
		if (p < end) {
			cmd->reason.p = p;
			cmd->reason.l = (size_t)(end - p);
		}
		return 0;
	}

	while (next_token(&p, end, &t)) {
		if (n == ARRAY_SIZE(a))
			return bad(cmd, EINVAL, "too many arguments");
		a[n++] = t;
	}

	if (!pl_strcmp(&name, "HELLO")) {
		cmd->type = IPC_CMD_HELLO;
		if (n != 1 || !decimal(&a[0], VERSION_DIGITS, &v))
			return bad(cmd, EINVAL, "usage: HELLO version");
		cmd->version = (uint32_t)v;
	}
	else if (!pl_strcmp(&name, "SUBSCRIBE")) {
		cmd->type = IPC_CMD_SUBSCRIBE;
		return decode_subscribe(cmd, a, n);
	}
	else if (!pl_strcmp(&name, "UNSUBSCRIBE")) {
		cmd->type = IPC_CMD_UNSUBSCRIBE;
		if (n > 1)
			return bad(cmd, EINVAL, "usage: UNSUBSCRIBE [app-id]");
		if (n)
			cmd->appid = a[0];
	}
	else if (!pl_strcmp(&name, "ACK")) {
		cmd->type = IPC_CMD_ACK;
		if (n != 1)
			return bad(cmd, EINVAL, "usage: ACK push-id");
		if (!decimal(&a[0], PUSH_ID_DIGITS, &cmd->push_id))
			return bad(cmd, EINVAL, "bad push id");
	}
	else if (!pl_strcmp(&name, "STATUS")) {
		cmd->type = IPC_CMD_STATUS;
		if (n)
			return bad(cmd, EINVAL, "usage: STATUS");
	}
	else if (!pl_strcmp(&name, "PING")) {
		cmd->type = IPC_CMD_PING;
		if (n)
			return bad(cmd, EINVAL, "usage: PING");
	}
	else {
		return bad(cmd, ENOSYS, "unknown command");
	}

	return 0;
}


static bool printable(const char *s, size_t *len, bool spaces)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (s[i] < (spaces ? 0x20 : 0x21) || s[i] > 0x7e)
			return false;

	*len = i;
	return true;
}


/* Sender identities come from the network: anything outside printable
 * ASCII is sent as %XX rather than refused, so a push is not lost over
 * a display-name byte. */
static int escape_sender(char *out, size_t sz, const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *s = (const unsigned char *)in; *s; s++) {
		bool plain = *s >= 0x20 && *s <= 0x7e;
		size_t need = plain ? 1 : 3;

		if (o + need >= sz)
			return EINVAL;

		if (plain) {
			out[o++] = (char)*s;
		}
		else {
			out[o++] = '%';
			out[o++] = hex[*s >> 4];
			out[o++] = hex[*s & 0xf];
		}
	}

	out[o] = '\0';
	return 0;
}


/* v in decimal, no padding */
static int write_u64(struct mbuf *mb, uint64_t v)
{
	uint8_t d[PUSH_ID_DIGITS];
	size_t n = 0;

	do {
		d[sizeof(d) - ++n] = (uint8_t)('0' + v % 10);
		v /= 10;
	} while (v);

	return mbuf_write_mem(mb, d + sizeof(d) - n, n);
}


/**
 * Encode one push record (doc/ipc.md section 6) at mb's position.
 *
 * @param mb  Buffer to write to; on error its contents are undefined
 * @param p   The push. sender may be NULL (sent empty)
 *
 * @return 0 if success, EMSGSIZE if the body is too long, EINVAL for a
 *         missing or malformed field (a header line over the limit too)
 */
int ipc_push_encode(struct mbuf *mb, const struct ipc_push *p)
{
	char sender[IPC_LINE_MAX];
	size_t al, cl, tl, sl, hdr;
	int err;

	if (!mb || !p || !p->appid || !p->ctype || !p->transport ||
	    (p->len && !p->body && !p->has_fd) || (p->has_fd && p->body))
		return EINVAL;

	if (p->len > IPC_BODY_MAX && !p->has_fd)
		return EMSGSIZE;

	if (!printable(p->appid, &al, false) || !al || al > APPID_MAX)
		return EINVAL;
	if (!printable(p->ctype, &cl, true) || !cl)
		return EINVAL;
	if (!printable(p->transport, &tl, false) || !tl)
		return EINVAL;

	err = escape_sender(sender, sizeof(sender), p->sender ? p->sender : "");
	if (err)
		return err;
	sl = strlen(sender);

	/* every line, name and LF included, within IPC_LINE_MAX */
	if (sizeof("Content-Type: ") + cl > IPC_LINE_MAX ||
	    sizeof("Sender: ") + sl > IPC_LINE_MAX ||
	    sizeof("Transport: ") + tl > IPC_LINE_MAX)
		return EINVAL;

	hdr = sizeof("PUSH\nId: \nApp-Id: \nContent-Type: \n"
		     "Content-Length: \nSender: \nTransport: \nBody-Fd: 1\n\n")
		- 1 + PUSH_ID_DIGITS + al + cl + 20 + sl + tl;
	if (hdr > IPC_HDR_MAX)
		return EINVAL;

	/* what mbuf_printf("PUSH\nId: %llu\n...") would write, piece by
	 * piece: this runs once per push, and the format parser cost more
	 * than the rest of the encoding */
	err  = mbuf_write_str(mb, "PUSH\nId: ");
	err |= write_u64(mb, p->id);
	err |= mbuf_write_str(mb, "\nApp-Id: ");
	err |= mbuf_write_mem(mb, (const uint8_t *)p->appid, al);
	err |= mbuf_write_str(mb, "\nContent-Type: ");
	err |= mbuf_write_mem(mb, (const uint8_t *)p->ctype, cl);
	err |= mbuf_write_str(mb, "\nContent-Length: ");
	err |= write_u64(mb, p->len);
	err |= mbuf_write_str(mb, "\nSender: ");
	err |= mbuf_write_mem(mb, (const uint8_t *)sender, sl);
	err |= mbuf_write_str(mb, "\nTransport: ");
	err |= mbuf_write_mem(mb, (const uint8_t *)p->transport, tl);
	err |= mbuf_write_str(mb, p->has_fd ? "\nBody-Fd: 1\n\n" : "\n\n");
	if (err)
		return err;

	/* a file body travels as a descriptor next to the record */
	if (p->has_fd)
		return 0;

	return p->len ? mbuf_write_mem(mb, p->body, p->len) : 0;
}


/* ---- clients: sending ------------------------------------------------- */

static void gone_handler(void *arg)
{
	struct ipc_client *c = arg;
	struct ipc *ipc = c->ipc;

	list_unlink(&c->le);

	if (ipc->h.goneh)
		ipc->h.goneh(c, ipc->arg);

	mem_deref(c);
}


static void close_fd(struct ipc_client *c)
{
	if (c->fd < 0)
		return;

	compat_fd_close(c->fd);
	(void)close(c->fd);
	c->fd = -1;
}


/* Stop talking to a client. counted: our decision (stalled, garbage,
 * error), reported as dropped in STATUS; otherwise the client left. */
static void client_drop(struct ipc_client *c, bool counted,
			const char *fmt, ...)
{
	char why[128] = "";
	va_list ap;

	if (c->dead)
		return;

	va_start(ap, fmt);
	(void)re_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);

	c->dead = true;
	--c->ipc->nclients;

	if (counted) {
		++c->ipc->dropped;
		DEBUG_WARNING("client %u (pid %u uid %u) dropped: %s\n", c->id,
			      (unsigned)c->cred.pid, (unsigned)c->cred.uid,
			      why);
	}
	else {
		DEBUG_INFO("client %u disconnected (%s)\n", c->id, why);
	}

	close_fd(c);
	list_flush(&c->outq);
	c->qcount = 0;
	c->qbytes = 0;
	tmr_cancel(&c->tmr_stall);
	tmr_start(&c->tmr_gone, 0, gone_handler, c);
}


static void stall_handler(void *arg)
{
	struct ipc_client *c = arg;

	client_drop(c, true, "stalled: queue of %u records has not moved "
		    "for %u s", c->qcount, STALL_MS / 1000);
}


static void set_wantw(struct ipc_client *c, bool on)
{
	int err;

	if (c->dead || c->wantw == on)
		return;

	err = compat_fd_listen(c->fd, FD_READ | (on ? FD_WRITE : 0),
			       client_fd_handler, c);
	if (err) {
		client_drop(c, true, "fd_listen: %m", err);
		return;
	}

	c->wantw = on;
}


static bool transient(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINTR ||
		e == ENOBUFS || e == ENOMEM;
}


static void outmsg_destructor(void *arg)
{
	struct outmsg *m = arg;

	if (m->fd >= 0)
		(void)close(m->fd);
	mem_deref(m->mb);
}


/* One message, with a file descriptor beside it when fd >= 0. */
static ssize_t send_msg(int sock, const struct mbuf *mb, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { mb->buf, mb->end };
	struct msghdr mh;
	struct cmsghdr *cm;

	if (fd < 0)
		return send(sock, mb->buf, mb->end,
			    MSG_DONTWAIT | MSG_NOSIGNAL);

	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_iov        = &iov;
	mh.msg_iovlen     = 1;
	mh.msg_control    = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);

	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type  = SCM_RIGHTS;
	cm->cmsg_len   = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));

	return sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}


static void dequeue(struct ipc_client *c, struct outmsg *m)
{
	c->qbytes -= m->mb->end;
	--c->qcount;
	list_unlink(&m->le);
	mem_deref(m);
}


static void flush(struct ipc_client *c)
{
	bool progress = false;
	struct le *le;

	while (!c->dead && (le = list_head(&c->outq))) {
		struct outmsg *m = le->data;
		ssize_t n;

		n = send_msg(c->fd, m->mb, m->fd);
		if (n < 0) {
			int e = errno;

			if (transient(e))
				break;

			if (e == EMSGSIZE) {
				/* checked against maxmsg before queueing,
				 * so only a shrunken SO_SNDBUF gets here */
				DEBUG_WARNING("client %u: record of %zu bytes "
					      "too big, discarded\n", c->id,
					      m->mb->end);
				dequeue(c, m);
				continue;
			}

			client_drop(c, e != EPIPE && e != ECONNRESET,
				    "send: %m", e);
			return;
		}

		dequeue(c, m);
		progress = true;
	}

	if (c->dead)
		return;

	if (list_isempty(&c->outq)) {
		tmr_cancel(&c->tmr_stall);
		set_wantw(c, false);
	}
	else if (progress) {
		tmr_start(&c->tmr_stall, STALL_MS, stall_handler, c);
	}
}


/* Send or queue one message, with file descriptor fd beside it if
 * fd >= 0. 0, ENOBUFS (client dropped, now or before), EMSGSIZE (too big
 * for this socket; nothing else happens). */
static int client_send_fd(struct ipc_client *c, struct mbuf *mb, int fd)
{
	struct outmsg *m;

	if (c->dead)
		return ENOBUFS;

	if (mb->end > c->maxmsg)
		return EMSGSIZE;

	if (list_isempty(&c->outq)) {
		ssize_t n = send_msg(c->fd, mb, fd);
		int e = errno;

		if (n >= 0)
			return 0;

		if (e == EMSGSIZE)
			return EMSGSIZE;

		if (!transient(e)) {
			client_drop(c, e != EPIPE && e != ECONNRESET,
				    "send: %m", e);
			return ENOBUFS;
		}
	}

	if (c->qcount + 1 > QUEUE_RECORDS ||
	    c->qbytes + mb->end > QUEUE_BYTES) {
		client_drop(c, true, "stalled: queue full (%u records, "
			    "%zu bytes)", c->qcount, c->qbytes);
		return ENOBUFS;
	}

	m = mem_zalloc(sizeof(*m), outmsg_destructor);
	if (!m)
		return ENOMEM;

	/* queued: keep our own copy, the caller's may be closed at once */
	m->fd = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
	if (fd >= 0 && m->fd < 0) {
		mem_deref(m);
		return errno ? errno : EBADF;
	}

	m->mb = mem_ref(mb);
	list_append(&c->outq, &m->le, m);
	++c->qcount;
	c->qbytes += mb->end;

	if (!tmr_isrunning(&c->tmr_stall))
		tmr_start(&c->tmr_stall, STALL_MS, stall_handler, c);

	set_wantw(c, true);

	return c->dead ? ENOBUFS : 0;
}


static int client_send(struct ipc_client *c, struct mbuf *mb)
{
	return client_send_fd(c, mb, -1);
}


static void reply(struct ipc_client *c, const char *fmt, ...)
{
	char buf[IPC_CMD_MAX];
	struct mbuf *mb;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = re_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	if (n < 0)
		n = re_snprintf(buf, sizeof(buf), "ERR 500 internal error");

	mb = mbuf_alloc((size_t)n);
	if (!mb || mbuf_write_mem(mb, (const uint8_t *)buf, (size_t)n)) {
		client_drop(c, true, "out of memory");
		goto out;
	}

	(void)client_send(c, mb);

 out:
	mem_deref(mb);
}


/**
 * Send one push record to a client.
 *
 * @return 0 if sent or queued, ENOBUFS if the client is dropped (now or
 *         earlier; goneh follows), EMSGSIZE if the record is too big for
 *         the client's socket, EINVAL for a field the codec refuses
 */
int ipc_send_push(struct ipc_client *c, const struct ipc_push *p)
{
	struct mbuf *mb;
	int err;

	if (!c || !p)
		return EINVAL;

	if (c->dead)
		return ENOBUFS;

	if (p->len > IPC_BODY_MAX && !p->has_fd)
		return EMSGSIZE;

	mb = mbuf_alloc(IPC_HDR_MAX + (p->has_fd ? 0 : p->len));
	if (!mb)
		return ENOMEM;

	err = ipc_push_encode(mb, p);
	if (err) {
		DEBUG_WARNING("push %llu: cannot encode for client %u: %m\n",
			      (unsigned long long)p->id, c->id, err);
		goto out;
	}

	err = client_send_fd(c, mb, p->has_fd ? p->fd : -1);
	if (err == EMSGSIZE) {
		DEBUG_WARNING("push %llu: record of %zu bytes does not fit "
			      "client %u's socket (%zu)\n",
			      (unsigned long long)p->id, mb->end, c->id,
			      c->maxmsg);
	}
	else if (!err) {
		DEBUG_PRINTF("push %llu (%zu bytes) to client %u\n",
			     (unsigned long long)p->id, p->len, c->id);
	}

 out:
	mem_deref(mb);
	return err;
}


/* ---- clients: commands ------------------------------------------------ */

static struct sub *find_sub(const struct ipc_client *c, const char *appid)
{
	for (struct le *le = list_head(&c->subs); le; le = le->next) {
		struct sub *s = le->data;

		if (!strcmp(s->appid, appid))
			return s;
	}

	return NULL;
}


static void protocol_error(struct ipc_client *c, uint16_t code,
			   const char *why, size_t len)
{
	(void)len;   /* only for the log line, which small builds drop */

	DEBUG_NOTICE("client %u: refused command (%zu bytes): %u %s\n",
		     c->id, len, code, why);

	reply(c, "ERR %u %s", code, why);

	if (++c->bad >= MAX_BAD)
		client_drop(c, true, "%u bad commands in a row", c->bad);
}


static int canon_appid(struct ipc_client *c, char *out,
		       const struct pl *in)
{
	int err = appid_normalise(out, APPID_SIZE, in);

	if (err) {
		DEBUG_NOTICE("client %u: bad app id \"%r\": %m\n", c->id, in,
			     err);
		reply(c, "ERR 400 bad app id (%s)",
		      err == ENOENT ? "unknown OMNA code" :
		      err == EOVERFLOW ? "too long" : "malformed");
	}

	return err;
}


static void cmd_subscribe(struct ipc_client *c, const struct ipc_cmd *cmd)
{
	char canon[APPID_SIZE], filter[IPC_CMD_MAX];
	struct ipc *ipc = c->ipc;
	struct sub *s;
	int err;

	if (canon_appid(c, canon, &cmd->appid))
		return;

	if (find_sub(c, canon)) {
		reply(c, "ERR 409 already subscribed to %s", canon);
		return;
	}

	if (list_count(&c->subs) >= IPC_MAX_SUBS) {
		reply(c, "ERR 429 too many subscriptions on this connection "
		      "(%u)", IPC_MAX_SUBS);
		return;
	}

	if (pl_isset(&cmd->filter)) {
		size_t i;

		for (i = 0; i < cmd->filter.l; i++)
			filter[i] = (char)tolower((unsigned char)cmd->filter.p[i]);
		filter[i] = '\0';
	}

	s = mem_zalloc(sizeof(*s), NULL);
	if (!s) {
		reply(c, "ERR 500 out of memory");
		return;
	}

	/* recorded first, so that ipc_client_is_monitor() works inside
	 * the handler (which may already send pushes to c) */
	strcpy(s->appid, canon);
	s->monitor = cmd->monitor;
	list_append(&c->subs, &s->le, s);

	/* Authorization is the handler's: the daemon's subscribeh passes
	 * every SUBSCRIBE, owner or monitor, through its one authorization
	 * function (authz_subscribe(), where the per-app ACL goes; it allows
	 * all today) with the SO_PEERCRED credentials. No second opinion
	 * here, so there is one place to read and change. */
	err = ipc->h.subscribeh ?
		ipc->h.subscribeh(c, canon, pl_isset(&cmd->filter) ? filter :
				  NULL, cmd->monitor, ipc->arg) : 0;
	if (err) {
		list_unlink(&s->le);
		mem_deref(s);

		DEBUG_INFO("client %u: subscribe %s refused: %m\n", c->id,
			   canon, err);

		switch (err) {

		case EPERM:
		case EACCES:
			reply(c, "ERR 403 not authorised for %s", canon);
			break;

		case EEXIST:
		case EBUSY:
		case EADDRINUSE:
			reply(c, "ERR 409 busy: %s has an owner", canon);
			break;

		case EALREADY:
			reply(c, "ERR 409 already subscribed to %s", canon);
			break;

		case EINVAL:
			reply(c, "ERR 400 refused: %s", canon);
			break;

		case ENOSPC:
			reply(c, "ERR 429 full: %s has too many subscribers",
			      canon);
			break;

		default:
			reply(c, "ERR 500 internal error (%m)", err);
			break;
		}
		return;
	}

	DEBUG_INFO("client %u subscribed to %s%s%s%s\n", c->id, canon,
		   pl_isset(&cmd->filter) ? " for " : "",
		   pl_isset(&cmd->filter) ? filter : "",
		   cmd->monitor ? " as monitor" : "");

	reply(c, "OK %s", canon);
}


static void cmd_unsubscribe(struct ipc_client *c, const struct ipc_cmd *cmd)
{
	struct ipc *ipc = c->ipc;
	char canon[APPID_SIZE];
	struct sub *s;

	if (!pl_isset(&cmd->appid)) {
		if (!list_isempty(&c->subs) && ipc->h.unsubscribeh)
			ipc->h.unsubscribeh(c, NULL, ipc->arg);
		list_flush(&c->subs);
		DEBUG_INFO("client %u unsubscribed from all\n", c->id);
		reply(c, "OK");
		return;
	}

	if (canon_appid(c, canon, &cmd->appid))
		return;

	s = find_sub(c, canon);
	if (!s) {
		reply(c, "ERR 404 not subscribed to %s", canon);
		return;
	}

	if (ipc->h.unsubscribeh)
		ipc->h.unsubscribeh(c, canon, ipc->arg);

	list_unlink(&s->le);
	mem_deref(s);

	DEBUG_INFO("client %u unsubscribed from %s\n", c->id, canon);
	reply(c, "OK");
}


static void ack_reply(struct ipc_client *c, const char *what, uint64_t id,
		      int err)
{
	(void)what;   /* for the debug line, which small builds leave out */

	switch (err) {

	case 0:
		DEBUG_PRINTF("client %u: %s %llu\n", c->id, what,
			     (unsigned long long)id);
		reply(c, "OK");
		break;

	case ENOENT:
		reply(c, "ERR 404 unknown push id %llu",
		      (unsigned long long)id);
		break;

	case EPERM:
	case EACCES:
		reply(c, "ERR 403 push %llu is not yours",
		      (unsigned long long)id);
		break;

	default:
		reply(c, "ERR 500 internal error (%m)", err);
		break;
	}
}


static int status_vph(const char *p, size_t size, void *arg)
{
	return mbuf_write_mem(arg, (const uint8_t *)p, size);
}


static void cmd_status(struct ipc_client *c)
{
	struct ipc *ipc = c->ipc;
	struct re_printf pf;
	struct mbuf *mb;
	int err;

	mb = mbuf_alloc(512);
	if (!mb) {
		reply(c, "ERR 500 out of memory");
		return;
	}

	pf.vph = status_vph;
	pf.arg = mb;

	/* the daemon's statush reports the rest, ipc_clients() and
	 * ipc_dropped() included */
	err = re_hprintf(&pf, "OK\nprotocol=%u\nversion=%s\n", IPC_PROTOCOL,
			 SIPPUSH_VERSION);
	if (!err && ipc->h.statush)
		err = ipc->h.statush(&pf, ipc->arg);
	if (!err && mb->end > IPC_REPLY_MAX)
		err = EOVERFLOW;

	if (err) {
		DEBUG_WARNING("status: %m\n", err);
		reply(c, "ERR 500 status failed (%m)", err);
		goto out;
	}

	/* the reply is text by contract, whatever a handler printed */
	for (size_t i = 0; i < mb->end; i++)
		if (mb->buf[i] != '\n' && (mb->buf[i] < 0x20 ||
					   mb->buf[i] > 0x7e))
			mb->buf[i] = '?';

	if (client_send(c, mb) == EMSGSIZE)
		reply(c, "ERR 500 status too long for the socket");

 out:
	mem_deref(mb);
}


static void handle_cmd(struct ipc_client *c, const uint8_t *buf, size_t len)
{
	struct ipc *ipc = c->ipc;
	char reason[IPC_REASON_MAX + 1];
	struct ipc_cmd cmd;
	int err;

	err = ipc_cmd_decode(&cmd, buf, len);
	if (err) {
		protocol_error(c, err == EMSGSIZE ? 413 :
			       err == ENOSYS ? 405 : 400, cmd.why, len);
		return;
	}

	if (!c->hello && cmd.type != IPC_CMD_HELLO) {
		protocol_error(c, 428, "HELLO first", len);
		return;
	}

	c->bad = 0;

	switch (cmd.type) {

	case IPC_CMD_HELLO:
		if (cmd.version != IPC_PROTOCOL) {
			DEBUG_NOTICE("client %u wants protocol %u\n", c->id,
				     cmd.version);
			reply(c, "ERR 505 protocol version not supported "
			      "(this daemon speaks %u)", IPC_PROTOCOL);
			break;
		}
		c->hello = true;
		reply(c, "OK sippush %u %s", IPC_PROTOCOL, SIPPUSH_VERSION);
		break;

	case IPC_CMD_SUBSCRIBE:
		cmd_subscribe(c, &cmd);
		break;

	case IPC_CMD_UNSUBSCRIBE:
		cmd_unsubscribe(c, &cmd);
		break;

	case IPC_CMD_ACK:
		ack_reply(c, "ACK", cmd.push_id, ipc->h.ackh ?
			  ipc->h.ackh(c, cmd.push_id, ipc->arg) : ENOENT);
		break;

	case IPC_CMD_NACK:
		if (pl_isset(&cmd.reason))
			(void)pl_strcpy(&cmd.reason, reason, sizeof(reason));
		ack_reply(c, "NACK", cmd.push_id, ipc->h.nackh ?
			  ipc->h.nackh(c, cmd.push_id, cmd.code,
				       pl_isset(&cmd.reason) ? reason : NULL,
				       ipc->arg) : ENOENT);
		break;

	case IPC_CMD_STATUS:
		cmd_status(c);
		break;

	case IPC_CMD_PING:
		reply(c, "OK pong");
		break;
	}
}


/* recv() gives 0 both for an empty message and at end of stream; only
 * the latter comes with a hang-up. */
static bool peer_closed(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDHUP };
	int r = poll(&pfd, 1, 0);

	return r < 0 ||
		(r == 1 && (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR)));
}


static void read_cmds(struct ipc_client *c)
{
	uint8_t buf[IPC_CMD_MAX + 1];

	for (int i = 0; i < READ_BATCH && !c->dead; i++) {
		/* MSG_TRUNC: the real length, so over-long is detected */
		ssize_t n = recv(c->fd, buf, sizeof(buf),
				 MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0) {
			int e = errno;

			if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR)
				return;

			client_drop(c, e != ECONNRESET, "recv: %m", e);
			return;
		}

		if (n == 0 && peer_closed(c->fd)) {
			client_drop(c, false, "closed by peer");
			return;
		}

		handle_cmd(c, buf, (size_t)n < sizeof(buf) ? (size_t)n :
			   sizeof(buf));
	}
}


static void client_fd_handler(int flags, void *arg)
{
	struct ipc_client *c = arg;

	if (flags & FD_WRITE)
		flush(c);

	/* a hang-up may come with commands still queued: read them first */
	if (!c->dead && (flags & (FD_READ | FD_EXCEPT)))
		read_cmds(c);
}


/* ---- accepting -------------------------------------------------------- */

static void client_destructor(void *arg)
{
	struct ipc_client *c = arg;

	tmr_cancel(&c->tmr_gone);
	tmr_cancel(&c->tmr_stall);
	list_unlink(&c->le);
	close_fd(c);
	list_flush(&c->outq);
	list_flush(&c->subs);
}


static void set_sndbuf(struct ipc_client *c)
{
	int v = SNDBUF;
	socklen_t l = sizeof(v);

	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));

	if (getsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &v, &l) < 0 ||
	    v <= SNDBUF_SLACK) {
		c->maxmsg = 0;
		return;
	}

	c->maxmsg = (size_t)v - SNDBUF_SLACK;
	if (c->maxmsg < IPC_RECORD_MAX)
		DEBUG_WARNING("client %u: SO_SNDBUF is only %d: records "
			      "over %zu bytes will fail (raise "
			      "net.core.wmem_max)\n", c->id, v, c->maxmsg);
}


static void client_new(struct ipc *ipc, int fd)
{
	struct ipc_client *c;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int err;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0) {
		DEBUG_WARNING("SO_PEERCRED: %m; closing connection\n", errno);
		(void)close(fd);
		return;
	}

	if (ipc->nclients >= MAX_CLIENTS) {
		static const char msg[] = "ERR 503 too many connections";

		DEBUG_WARNING("refusing pid %u uid %u: %u connections\n",
			      (unsigned)cred.pid, (unsigned)cred.uid,
			      ipc->nclients);
		(void)send(fd, msg, sizeof(msg) - 1,
			   MSG_DONTWAIT | MSG_NOSIGNAL);
		(void)close(fd);
		return;
	}

	c = mem_zalloc(sizeof(*c), client_destructor);
	if (!c) {
		(void)close(fd);
		return;
	}

	c->fd   = fd;
	c->ipc  = ipc;
	c->cred = cred;
	list_init(&c->outq);
	list_init(&c->subs);
	tmr_init(&c->tmr_gone);
	tmr_init(&c->tmr_stall);

	if (++ipc->next_id == 0)
		++ipc->next_id;
	c->id = ipc->next_id;

	set_sndbuf(c);

	err = compat_fd_listen(fd, FD_READ, client_fd_handler, c);
	if (err) {
		DEBUG_WARNING("fd_listen: %m; closing connection\n", err);
		mem_deref(c);
		return;
	}

	list_append(&ipc->clients, &c->le, c);
	++ipc->nclients;

	DEBUG_INFO("client %u connected: pid %u uid %u gid %u\n", c->id,
		   (unsigned)cred.pid, (unsigned)cred.uid, (unsigned)cred.gid);
}


static void accept_handler(int flags, void *arg);


static void accept_resume(void *arg)
{
	struct ipc *ipc = arg;
	int err;

	err = compat_fd_listen(ipc->lfd, FD_READ, accept_handler, ipc);
	if (err)
		DEBUG_WARNING("fd_listen: %m; no more connections\n", err);
}


static void accept_handler(int flags, void *arg)
{
	struct ipc *ipc = arg;
	(void)flags;

	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int fd = accept4(ipc->lfd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			int e = errno;

			if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR)
				return;
			if (e == ECONNABORTED)
				continue;

			/* out of fds or memory: the socket would stay
			 * readable and spin the loop, so pause instead */
			DEBUG_WARNING("accept: %m; pausing %u ms\n", e,
				      ACCEPT_RETRY_MS);
			compat_fd_close(ipc->lfd);
			tmr_start(&ipc->tmr_accept, ACCEPT_RETRY_MS,
				  accept_resume, ipc);
			return;
		}

		client_new(ipc, fd);
	}
}


/* ---- the socket file -------------------------------------------------- */

static int make_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;

	if (!slash || slash == path)
		return 0;

	if ((size_t)(slash - path) >= sizeof(dir))
		return ENAMETOOLONG;

	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';

	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;

	if (errno != ENOENT)
		return errno;

	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return errno;

	DEBUG_INFO("created %s\n", dir);
	return 0;
}


/* A socket file left by a crash is removed, one in use never: a connect
 * that gets anything but "refused" means someone is there. */
static int clear_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, r, e;

	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : errno;

	if (!S_ISSOCK(st.st_mode)) {
		DEBUG_WARNING("%s exists and is not a socket; not touching "
			      "it\n", sun->sun_path);
		return EEXIST;
	}

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;

	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	e = errno;
	(void)close(fd);

	if (r == 0 || e != ECONNREFUSED) {
		DEBUG_WARNING("%s is in use (another sippushd?)\n",
			      sun->sun_path);
		return EADDRINUSE;
	}

	DEBUG_INFO("removing stale socket %s\n", sun->sun_path);
	if (unlink(sun->sun_path) < 0 && errno != ENOENT)
		return errno;

	return 0;
}


static void ipc_destructor(void *arg)
{
	struct ipc *ipc = arg;
	struct stat st;

	tmr_cancel(&ipc->tmr_accept);
	list_flush(&ipc->clients);

	if (ipc->lfd >= 0) {
		compat_fd_close(ipc->lfd);
		(void)close(ipc->lfd);
	}

	if (ipc->bound && lstat(ipc->path, &st) == 0 &&
	    st.st_dev == ipc->dev && st.st_ino == ipc->ino)
		(void)unlink(ipc->path);

	mem_deref(ipc->path);
}


/**
 * Listen on the local API socket.
 *
 * @param ipcp  Pointer to allocated ipc
 * @param path  Socket file (config ipc_socket)
 * @param h     Handlers, copied; NULL for none
 * @param arg   Handler argument
 *
 * @return 0 if success, EADDRINUSE if a daemon listens there already,
 *         EEXIST if the path is something else, errno otherwise
 */
int ipc_alloc(struct ipc **ipcp, const char *path,
	      const struct ipc_handlers *h, void *arg)
{
	struct sockaddr_un sun;
	struct ipc *ipc;
	struct stat st;
	mode_t um;
	int err, r;

	if (!ipcp || !str_isset(path))
		return EINVAL;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return ENAMETOOLONG;
	strcpy(sun.sun_path, path);

	ipc = mem_zalloc(sizeof(*ipc), ipc_destructor);
	if (!ipc)
		return ENOMEM;

	ipc->lfd = -1;
	list_init(&ipc->clients);
	tmr_init(&ipc->tmr_accept);
	if (h)
		ipc->h = *h;
	ipc->arg = arg;

	err = str_dup(&ipc->path, path);
	if (err)
		goto out;

	err = make_parent(path);
	if (err)
		goto out;

	err = clear_stale(&sun);
	if (err)
		goto out;

	ipc->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
			  SOCK_CLOEXEC, 0);
	if (ipc->lfd < 0) {
		err = errno;
		goto out;
	}

	/* born 0660: no moment in which others could connect */
	um = umask(0117);
	r = bind(ipc->lfd, (struct sockaddr *)&sun, sizeof(sun));
	err = errno;
	(void)umask(um);
	if (r < 0)
		goto out;

	ipc->bound = true;
	if (lstat(path, &st) < 0 || chmod(path, 0660) < 0) {
		err = errno;
		goto out;
	}
	ipc->dev = st.st_dev;
	ipc->ino = st.st_ino;

	if (listen(ipc->lfd, LISTEN_BACKLOG) < 0) {
		err = errno;
		goto out;
	}

	err = compat_fd_listen(ipc->lfd, FD_READ, accept_handler, ipc);
	if (err)
		goto out;

	DEBUG_INFO("listening on %s (protocol %u)\n", path, IPC_PROTOCOL);

 out:
	if (err) {
		DEBUG_WARNING("%s: %m\n", path, err);
		mem_deref(ipc);
	}
	else {
		*ipcp = ipc;
	}

	return err;
}


/** Credentials of the client's process, as seen at connect time. */
void ipc_client_cred(const struct ipc_client *c, uint32_t *uid,
		     uint32_t *gid, uint32_t *pid)
{
	if (uid)
		*uid = c ? (uint32_t)c->cred.uid : (uint32_t)-1;
	if (gid)
		*gid = c ? (uint32_t)c->cred.gid : (uint32_t)-1;
	if (pid)
		*pid = c ? (uint32_t)c->cred.pid : 0;
}


/** Number for log lines; unique while the daemon runs (until wrap). */
uint32_t ipc_client_id(const struct ipc_client *c)
{
	return c ? c->id : 0;
}


/** Did c subscribe to appid (canonical) as a read-only monitor? */
bool ipc_client_is_monitor(const struct ipc_client *c, const char *appid)
{
	const struct sub *s = c && appid ? find_sub(c, appid) : NULL;

	return s && s->monitor;
}


uint32_t ipc_clients(const struct ipc *ipc)
{
	return ipc ? ipc->nclients : 0;
}


/** Clients the daemon dropped (stalled, garbage, errors) since start. */
uint32_t ipc_dropped(const struct ipc *ipc)
{
	return ipc ? ipc->dropped : 0;
}
