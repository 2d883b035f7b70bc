/* client.c: one app's connection: reads its commands, sends or queues its records, drops it when it stalls. */
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
#include "push.h"
#include "ipc.h"
#include "ipc_priv.h"

#define DEBUG_MODULE "ipc"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


static void client_fd_handler(int flags, void *arg);


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
void ipc_client_drop(struct ipc_client *c, bool counted,
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
		uint32_t left_out;

		++c->ipc->dropped;
		if (ipc_log_ok(&c->ipc->ll_drop, &left_out))
			DEBUG_WARNING("client %u (pid %u uid %u) dropped: %s%s\n",
				      c->id, (unsigned)c->cred.pid,
				      (unsigned)c->cred.uid, why, left_out ?
				      " (and others, not logged)" : "");
	}
	else {
		DEBUG_INFO("client %u disconnected (%s)\n", c->id, why);
	}

	close_fd(c);
	list_flush(&c->outq);
	c->qcount = 0;
	c->qbytes = 0;
	tmr_cancel(&c->tmr_stall);
	tmr_cancel(&c->tmr_hello);
	tmr_start(&c->tmr_gone, 0, gone_handler, c);
}


/** A log line a client can cause: at most LOGLIMIT_LINES a while. */
bool ipc_log_ok(struct loglimit *ll, uint32_t *left_out)
{
	return loglimit_ok(ll, tmr_jiffies(), left_out);
}


static void hello_handler(void *arg)
{
	struct ipc_client *c = arg;

	ipc_client_drop(c, true, "no HELLO within %u ms", HELLO_MS);
}


/** The client said HELLO: it may stay. */
void ipc_client_hello(struct ipc_client *c)
{
	c->hello = true;
	tmr_cancel(&c->tmr_hello);
}


static void stall_handler(void *arg)
{
	struct ipc_client *c = arg;

	ipc_client_drop(c, true, "stalled: queue of %u records has not moved "
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
		ipc_client_drop(c, true, "fd_listen: %m", err);
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

			ipc_client_drop(c, e != EPIPE && e != ECONNRESET,
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
			ipc_client_drop(c, e != EPIPE && e != ECONNRESET,
				    "send: %m", e);
			return ENOBUFS;
		}
	}

	if (c->qcount + 1 > QUEUE_RECORDS ||
	    c->qbytes + mb->end > QUEUE_BYTES) {
		ipc_client_drop(c, true, "stalled: queue full (%u records, "
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


int ipc_client_send(struct ipc_client *c, struct mbuf *mb)
{
	return client_send_fd(c, mb, -1);
}


void ipc_reply(struct ipc_client *c, const char *fmt, ...)
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
		ipc_client_drop(c, true, "out of memory");
		goto out;
	}

	(void)ipc_client_send(c, mb);

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
int ipc_send_push(struct ipc_client *c, const struct push *p)
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

			ipc_client_drop(c, e != ECONNRESET, "recv: %m", e);
			return;
		}

		if (n == 0 && peer_closed(c->fd)) {
			ipc_client_drop(c, false, "closed by peer");
			return;
		}

		ipc_cmd_handle(c, buf, (size_t)n < sizeof(buf) ? (size_t)n :
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
	tmr_cancel(&c->tmr_hello);
	list_unlink(&c->le);
	close_fd(c);
	list_flush(&c->outq);
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


/* Root and our own user (`sippush status`, the integrator's tools) */
static bool privileged(const struct acl_cred *cr)
{
	return cr->uid == 0 || cr->uid == (uint32_t)geteuid();
}


/* Why a new connection is not taken, or NULL. No user but root and
 * ours can take the last PRIV_SLOTS slots or more than MAX_PER_UID. */
static const char *refusal(const struct ipc *ipc, const struct acl_cred *cr)
{
	uint32_t same = 0;
	struct le *le;

	if (ipc->nclients >= MAX_CLIENTS)
		return "too many connections";

	if (privileged(cr))
		return NULL;

	if (ipc->nclients >= MAX_CLIENTS - PRIV_SLOTS)
		return "too many connections";

	LIST_FOREACH(&ipc->clients, le) {
		const struct ipc_client *o = le->data;

		if (!o->dead && o->cred.uid == cr->uid)
			++same;
	}

	return same >= MAX_PER_UID ? "too many connections from your user" :
		NULL;
}


void ipc_client_new(struct ipc *ipc, int fd)
{
	struct ipc_client *c;
	struct acl_cred cred;
	const char *why;
	int err;

	/* who it is, supplementary groups too, for every ACL decision */
	err = acl_cred_get(&cred, fd);
	if (err) {
		DEBUG_WARNING("SO_PEERCRED: %m; closing connection\n", err);
		(void)close(fd);
		return;
	}

	why = refusal(ipc, &cred);
	if (why) {
		char msg[80];
		uint32_t left_out;
		int n;

		++ipc->refused;
		if (ipc_log_ok(&ipc->ll_refuse, &left_out))
			DEBUG_WARNING("refusing pid %u uid %u: %s (%u "
				      "connections)%s\n", cred.pid, cred.uid,
				      why, ipc->nclients, left_out ?
				      "; more refusals not logged" : "");
		n = re_snprintf(msg, sizeof(msg), "ERR 503 %s", why);
		if (n > 0)
			(void)send(fd, msg, (size_t)n,
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
	tmr_init(&c->tmr_gone);
	tmr_init(&c->tmr_stall);
	tmr_init(&c->tmr_hello);

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
	tmr_start(&c->tmr_hello, HELLO_MS, hello_handler, c);

	DEBUG_INFO("client %u connected: pid %u uid %u gid %u\n", c->id,
		   (unsigned)cred.pid, (unsigned)cred.uid, (unsigned)cred.gid);
}
