/* send_msrp.c: `sippush send --msrp`, a session-mode Push Sender Agent: INVITE + MSRP, chunked. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <re.h>
#include "autoconf.h"
#include "msrp.h"
#include "siptls.h"
#include "cmd.h"

#define DEBUG_MODULE "send_msrp"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * The flow: a TCP listener for MSRP first (so the a=path we offer is
 * live before anyone can read it), then the INVITE with the offer through
 * the proxy. The 200's answer decides who dials (RFC 6135 a=setup, RFC
 * 4975 §5.4 default: the offerer). Once the connection is bound, the
 * body goes out as one MSRP message in chunks; a Success REPORT covering
 * it all is the only thing that counts as delivered. Then BYE.
 *
 * Memory stays bounded whatever the body size: at most one chunk is read
 * from the file at a time, a new chunk is written only when libre's own
 * send queue is empty (tcp_send() copies whatever the socket does not
 * take into an internal queue, up to txqsz_max, and fails with ENOSPC
 * beyond), and SENDs wait for their 200 up to WINDOW_BYTES of body (at
 * most WINDOW_MAX of them): those bytes sit in the kernel's socket
 * buffers, not here.
 *
 * The window is in bytes so that the pipe stays full whatever the chunk
 * size: with 16 SENDs of 64 KiB (1 MiB) the sender stopped each time the
 * receiver fell 1 MiB behind, and the two took turns instead of
 * overlapping (perf: the machine 45 % idle during a push).
 */

enum {
	CHUNK_DEFAULT = 65536,
	CHUNK_MAX     = 16 * 1024 * 1024,
	WINDOW_BYTES  = 8 * 1024 * 1024,  /* body on the wire unanswered */
	WINDOW_MAX    = 256,    /* SENDs on the wire without their response */
	PROGRESS_MS   = 250,
	GRACE_MS      = 2000,   /* a REPORT may trail a BYE (different paths) */
	ABORT_WAIT_MS = 1000,   /* after --abort-after's FIN, before close */
	BYE_WAIT_MS   = 3000,
	ID_LEN        = 20,
};

/* our own names: sdpmsrp.h's SETUP_* are the daemon's, with other values */
enum send_setup {
	SEND_SETUP_ACTPASS,
	SEND_SETUP_ACTIVE,
	SEND_SETUP_PASSIVE,
	SEND_SETUP_NONE,
};
enum order { ORDER_FORWARD, ORDER_REVERSE, ORDER_SHUFFLE };

/* One MSRP message: where its bytes come from and how far it got. */
struct omsg {
	const char *name;          /* for error messages */
	int fd;                    /* -1: the bytes are in mem */
	const uint8_t *mem;
	uint64_t size;
	uint64_t nchunks;
	uint64_t next;             /* chunks put on the wire so far */
	uint64_t perm_a, perm_b;   /* --order shuffle: k -> (a*k + b) mod n */
	const char *ctype;
	char msgid[ID_LEN + 1];
	bool delivered;
};

/* A SEND waiting for its response */
struct txn {
	struct le le;
	char tid[MSRP_TID_MAX + 1];
	size_t len;                /* its body bytes */
};

struct msend {
	const struct send_msrp_opts *o;
	struct sa laddr;
	struct sip *sip;
	struct sipsess_sock *sock;
	struct sipsess *sess;
	struct sdp_session *sdp;
	struct sdp_media *sdpm;
	struct mbuf *desc;         /* our SDP offer */
	struct tcp_sock *ts;
	struct tcp_conn *tc;
	struct tls_conn *sc;       /* --tls: on tc */
	struct tls *stls;          /* --tls --cert: when the receiver dials */
	struct tls *ctls;          /* --tls: when we dial */
	struct msrp_parser *parser;
	struct mbuf *txmb;         /* one encoded chunk */
	uint8_t *chunk;            /* one chunk read from a file */
	struct omsg msgv[2];
	unsigned msgc;
	unsigned turn;             /* --interleave: whose chunk is next */
	struct list txnl;
	unsigned ntxn;
	size_t inflight;           /* body bytes of the SENDs in txnl */
	struct tmr tmr_idle;
	struct tmr tmr_grace;
	enum send_setup setup;
	enum order order;
	size_t chunk_size;
	uint64_t abort_after;      /* UINT64_MAX: no --abort-after */
	uint64_t body_total;
	uint64_t body_sent;
	uint64_t t_start;
	uint64_t t_prog;
	char sid[ID_LEN + 1];
	char lpath[MSRP_PATH_MAX + 1];   /* our a=path: From-Path */
	char rpath[MSRP_PATH_MAX + 1];   /* the answer's a=path: To-Path */
	char ruri[MSRP_PATH_MAX + 1];    /* its first URI: where we dial */
	bool answered;             /* the 200's SDP is taken */
	bool we_dial;
	bool bound;                /* the connection may carry our SENDs */
	bool aborting;
	bool fin_sent;
	bool show_progress;        /* stderr is a TTY */
	bool progress_shown;
	bool sip_exited;
	bool done;
	bool status_stdout;        /* a final status (0/1), not an error */
	int ret;
	char status[256];
};

static struct msend *sig_target;   /* re_main()'s signal handler has no arg */


static void pump(struct msend *s);


static void finishv(struct msend *s, int ret, bool out, const char *fmt,
		   va_list ap)
{
	if (s->done)
		return;

	s->done = true;
	s->ret = ret;
	s->status_stdout = out;
	(void)re_vsnprintf(s->status, sizeof(s->status), fmt, ap);
	re_cancel();
}


/* A final status for stdout, like the pager sender prints ("200 OK"). */
static void finish_status(struct msend *s, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	finishv(s, ret, true, fmt, ap);
	va_end(ap);
}


/* Anything else ends on stderr. */
static void finish_err(struct msend *s, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	finishv(s, ret, false, fmt, ap);
	va_end(ap);
}


/* For the status line: what a person reads (msrp_reason() has the
 * RFC 4975 comment tokens, for the wire). */
static const char *reason_text(uint16_t scode)
{
	switch (scode) {
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 408: return "Request Timeout";
	case 413: return "Message Too Large";
	case 415: return "Unsupported Media Type";
	case 423: return "Interval Out of Bounds";
	case 481: return "Session Does Not Exist";
	case 501: return "Not Implemented";
	case 506: return "Wrong Connection";
	default:  return msrp_reason(scode);
	}
}


static void idle_handler(void *arg)
{
	struct msend *s = arg;

	finish_err(s, CLI_EXIT_CONNECT, "timeout: nothing moved for %u s "
		   "(%s)", s->o->timeout,
		   !s->answered ? "no answer to the INVITE" :
		   !s->bound ? "no MSRP connection" :
		   s->ntxn ? "SEND responses missing" :
		   "no Success REPORT");
}


/* --timeout counts inactivity, so a 1 GiB transfer needs no huge value */
static void idle_restart(struct msend *s)
{
	tmr_start(&s->tmr_idle, s->o->timeout * 1000ULL, idle_handler, s);
}


static void progress(struct msend *s, bool last)
{
	uint64_t now = tmr_jiffies();
	double secs, rate;

	if (!s->show_progress || !s->t_start)
		return;

	if (!last && s->progress_shown && now - s->t_prog < PROGRESS_MS)
		return;

	s->t_prog = now;
	s->progress_shown = true;
	secs = (double)(now - s->t_start) / 1000.0;
	rate = secs > 0 ? (double)s->body_sent / 1e6 / secs : 0;

	fprintf(stderr, "\r%9.1f / %.1f MB %3u%% %8.1f MB/s ",
		(double)s->body_sent / 1e6, (double)s->body_total / 1e6,
		(unsigned)(s->body_total ?
			   s->body_sent * 100 / s->body_total : 100),
		rate);
	if (last)
		fputc('\n', stderr);
	fflush(stderr);
}


/* --- the body: files are read one chunk at a time, never as a whole --- */

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}


static int omsg_init(struct omsg *m, const char *file, const char *data,
		     const char *ctype, size_t chunk, enum order order)
{
	struct stat st;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	m->ctype = ctype;
	rand_str(m->msgid, sizeof(m->msgid));

	if (file) {
		m->name = file;
		m->fd = open(file, O_RDONLY | O_CLOEXEC);
		if (m->fd < 0)
			return errno;

		if (fstat(m->fd, &st) < 0)
			return errno;

		/* the size goes into every Byte-Range: it must be known */
		if (!S_ISREG(st.st_mode))
			return EINVAL;

		m->size = (uint64_t)st.st_size;
	}
	else {
		m->name = "--data";
		m->mem = (const uint8_t *)data;
		m->size = strlen(data);
	}

	if (!m->size)
		return ENODATA;

	m->nchunks = (m->size + chunk - 1) / chunk;

	/* A permutation without a table: a*k + b mod n visits every chunk
	 * once when gcd(a, n) = 1. Bounding n keeps a*k in 64 bits. */
	if (order == ORDER_SHUFFLE) {
		if (m->nchunks > UINT32_MAX)
			return EFBIG;

		m->perm_a = 1;
		if (m->nchunks > 2) {
			m->perm_a = 2 + rand_u32() % (m->nchunks - 2);
			while (gcd_u64(m->perm_a, m->nchunks) != 1)
				m->perm_a = 1 + m->perm_a % (m->nchunks - 1);
		}
		m->perm_b = rand_u32() % m->nchunks;
	}

	return 0;
}


static void omsg_close(struct omsg *m)
{
	if (m->fd >= 0)
		(void)close(m->fd);
	m->fd = -1;
}


static uint64_t chunk_index(const struct msend *s, const struct omsg *m,
			    uint64_t k)
{
	switch (s->order) {

	case ORDER_REVERSE:
		return m->nchunks - 1 - k;

	case ORDER_SHUFFLE:
		return (m->perm_a * k + m->perm_b) % m->nchunks;

	default:
		return k;
	}
}


static int omsg_read(const struct omsg *m, uint64_t off, size_t len,
		     uint8_t *buf, const uint8_t **pp)
{
	size_t got = 0;

	if (m->fd < 0) {
		*pp = m->mem + off;
		return 0;
	}

	while (got < len) {
		ssize_t n = pread(m->fd, buf + got, len - got,
				  (off_t)(off + got));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (n == 0)
			return EIO;   /* the file shrank under us */
		got += (size_t)n;
	}

	*pp = buf;
	return 0;
}


/* --- MSRP: sending --------------------------------------------------- */

static void txn_destructor(void *arg)
{
	struct txn *t = arg;

	list_unlink(&t->le);
}


static struct txn *txn_find(const struct msend *s, const char *tid)
{
	struct le *le;

	for (le = s->txnl.head; le; le = le->next) {
		struct txn *t = le->data;

		if (!strcmp(t->tid, tid))
			return t;
	}

	return NULL;
}


static void send_handler(void *arg);


static void abort_timeout(void *arg)
{
	struct msend *s = arg;

	finish_err(s, CLI_EXIT_FAIL, "--abort-after: MSRP connection closed "
		   "after %llu body bytes", s->body_sent);
}


/*
 * --abort-after: once what we wrote has left libre's queue, FIN the
 * connection mid-message (no end-line, no '#'), as a device losing its
 * link would. close() right away could turn into an RST that throws away
 * bytes still in flight, so the socket is closed only at exit.
 */
static void abort_progress(struct msend *s)
{
	if (s->fin_sent)
		return;

	if (tcp_conn_txqsz(s->tc)) {
		(void)tcp_set_send(s->tc, send_handler);
		return;
	}

	(void)shutdown(compat_tcp_conn_fd(s->tc), SHUT_WR);
	s->fin_sent = true;
	tmr_start(&s->tmr_grace, ABORT_WAIT_MS, abort_timeout, s);
}


static struct omsg *next_msg(struct msend *s, unsigned *ix)
{
	for (unsigned i = 0; i < s->msgc; i++) {
		unsigned j = (s->turn + i) % s->msgc;

		if (s->msgv[j].next < s->msgv[j].nchunks) {
			*ix = j;
			return &s->msgv[j];
		}
	}

	return NULL;
}


/* Where the body starts in an encoded SEND: after the blank line. */
static size_t body_offset(const struct mbuf *mb)
{
	for (size_t i = 0; i + 4 <= mb->end; i++)
		if (!memcmp(mb->buf + i, "\r\n\r\n", 4))
			return i + 4;

	return mb->end;
}


static int send_chunk(struct msend *s, struct omsg *m)
{
	const uint64_t idx = chunk_index(s, m, m->next);
	const uint64_t off = idx * s->chunk_size;
	const size_t len = (size_t)(m->size - off < s->chunk_size ?
				    m->size - off : s->chunk_size);
	const bool last = m->next + 1 == m->nchunks;
	const uint8_t *body = NULL;
	struct txn *t;
	bool cut = false;
	int err;

	err = omsg_read(m, off, len, s->chunk, &body);
	if (err) {
		DEBUG_WARNING("%s: read: %m\n", m->name, err);
		return err;
	}

	t = mem_zalloc(sizeof(*t), txn_destructor);
	if (!t)
		return ENOMEM;

	/* The '$' goes on the last chunk *sent*: with --order reverse or
	 * shuffle that is not the one at the end of the body, and a
	 * receiver must reassemble by Byte-Range, not by arrival. EEXIST:
	 * the body holds "-------tid", another tid will not. */
	for (int tries = 0; tries < 8; tries++) {
		msrp_tid_make(t->tid, sizeof(t->tid));
		mbuf_rewind(s->txmb);
		err = msrp_send_encode(s->txmb, t->tid, s->rpath, s->lpath,
				       m->msgid, off + 1, off + len,
				       (s->o->total_star && !last) ?
				       MSRP_RANGE_STAR : m->size, m->ctype,
				       "Success-Report: yes\r\n"
				       "Failure-Report: yes\r\n",
				       body, len, last ? '$' : '+');
		if (err != EEXIST)
			break;
	}
	if (err)
		goto out;

	if (s->body_sent + len > s->abort_after) {
		size_t keep = (size_t)(s->abort_after - s->body_sent);

		s->txmb->end = body_offset(s->txmb) + keep;
		s->aborting = true;
		cut = true;
		m->next = m->nchunks;   /* nothing more of it */
		s->body_sent += keep;
	}

	s->txmb->pos = 0;
	if (!cut || mbuf_get_left(s->txmb) > 0)
		err = tcp_send(s->tc, s->txmb);
	if (err)
		goto out;

	if (cut)
		goto out;

	t->len = len;
	list_append(&s->txnl, &t->le, t);
	t = NULL;
	++s->ntxn;
	s->inflight += len;
	++m->next;
	s->body_sent += len;

 out:
	mem_deref(t);
	return err;
}


static void send_handler(void *arg)
{
	struct msend *s = arg;

	(void)tcp_set_send(s->tc, NULL);

	if (s->aborting)
		abort_progress(s);
	else
		pump(s);
}


/* Put chunks on the wire while the window and libre's queue allow.
 * Both the bind and the SDP answer are needed: a receiver that dials us
 * may bind before its 200 (which takes the longer way, through the
 * proxy) reaches us, and the To-Path comes from that 200. */
static void pump(struct msend *s)
{
	while (!s->done && s->bound && s->answered && !s->aborting) {
		struct omsg *m;
		unsigned ix;
		int err;

		/* --abort-after 0, or exactly at a chunk boundary */
		if (s->body_sent >= s->abort_after) {
			s->aborting = true;
			break;
		}

		m = next_msg(s, &ix);
		if (!m || s->ntxn >= WINDOW_MAX ||
		    s->inflight >= WINDOW_BYTES)
			break;

		if (tcp_conn_txqsz(s->tc)) {
			(void)tcp_set_send(s->tc, send_handler);
			break;
		}

		err = send_chunk(s, m);
		if (err) {
			finish_err(s, CLI_EXIT_CONNECT, "MSRP send: %m", err);
			return;
		}

		s->turn = ix + 1;
		idle_restart(s);
		progress(s, false);
	}

	if (s->aborting && !s->done)
		abort_progress(s);
}


/* --- MSRP: receiving ------------------------------------------------- */

static int msrp_start_handler(const struct msrp_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return 0;
}


/* A push session is one way: bodies the receiver might send are
 * answered (below) but not kept. */
static int msrp_data_handler(const uint8_t *p, size_t n, void *arg)
{
	(void)p;
	(void)n;
	(void)arg;
	return 0;
}


static void respond(struct msend *s, const struct msrp_msg *req,
		    uint16_t scode)
{
	struct mbuf *mb;
	const char *uri;
	int err;

	/* RFC 4975 §7.2: no response with Failure-Report: no, and only
	 * errors with partial */
	if (req->failure_report == MSRP_REP_NO ||
	    (req->failure_report == MSRP_REP_PARTIAL && scode == 200))
		return;

	/* our From-Path is our own URI only: we are the last hop */
	uri = s->lpath;

	mb = mbuf_alloc(512);
	if (!mb)
		return;

	err = msrp_response_encode(mb, req, scode, NULL, uri);
	if (!err) {
		mb->pos = 0;
		err = tcp_send(s->tc, mb);
	}
	if (err)
		DEBUG_WARNING("response %u: %m\n", scode, err);

	mem_deref(mb);
}


static bool to_us(const struct msend *s, const char *to_path)
{
	char uri[MSRP_PATH_MAX + 1], sid[MSRP_PATH_MAX + 1];

	if (msrp_path_last(to_path, uri, sizeof(uri)) ||
	    msrp_uri_session(uri, sid, sizeof(sid)))
		return false;

	return !strcmp(sid, s->sid);
}


static struct omsg *msg_by_id(struct msend *s, const char *msgid)
{
	for (unsigned i = 0; i < s->msgc; i++)
		if (!strcmp(s->msgv[i].msgid, msgid))
			return &s->msgv[i];

	return NULL;
}


static void handle_report(struct msend *s, const struct msrp_msg *msg)
{
	struct omsg *m = msg_by_id(s, msg->message_id);
	bool whole;

	if (!m) {
		DEBUG_INFO("REPORT for unknown Message-ID '%s'\n",
			   msg->message_id);
		return;
	}

	if (msg->status != 200) {
		finish_status(s, CLI_EXIT_FAIL, "REPORT %u", msg->status);
		return;
	}

	/* a Success REPORT may cover part of the message (RFC 4975 §7.1.2):
	 * only one covering all of it means delivered */
	whole = !msg->has_range ||
		(msg->range_start == 1 && !msg->end_star &&
		 msg->range_end == m->size);
	if (!whole) {
		DEBUG_INFO("partial Success REPORT %llu-%llu of %llu\n",
			   msg->range_start, msg->range_end, m->size);
		return;
	}

	m->delivered = true;

	for (unsigned i = 0; i < s->msgc; i++)
		if (!s->msgv[i].delivered)
			return;

	progress(s, true);
	finish_status(s, CLI_EXIT_OK, "200 OK");
}


static void handle_response(struct msend *s, const struct msrp_msg *msg)
{
	struct txn *t = txn_find(s, msg->tid);

	if (!t)
		return;   /* a late one after a failure, or not ours */

	if (msg->scode / 100 != 2) {
		finish_status(s, CLI_EXIT_FAIL, "%u %s", msg->scode,
			      msg->comment[0] ? msg->comment :
			      reason_text(msg->scode));
		return;
	}

	s->inflight -= t->len;
	mem_deref(t);
	--s->ntxn;
	pump(s);
}


static int msrp_end_handler(const struct msrp_msg *msg, char flag,
			    void *arg)
{
	struct msend *s = arg;
	(void)flag;

	if (msg->kind == MSRP_RESPONSE) {
		handle_response(s, msg);
		return 0;
	}

	switch (msg->method) {

	case MSRP_M_REPORT:
		/* never answered (RFC 4975 §7.1.2) */
		handle_report(s, msg);
		break;

	case MSRP_M_SEND:
		if (!to_us(s, msg->to_path)) {
			respond(s, msg, 481);
			break;
		}

		respond(s, msg, 200);

		/* the first SEND on a connection the receiver opened binds
		 * it to the session (RFC 4975 §5.4): only then may we send */
		if (!s->bound) {
			s->bound = true;
			s->t_start = tmr_jiffies();
			pump(s);
		}
		break;

	default:
		respond(s, msg, 501);
		break;
	}

	return 0;
}


/* --- MSRP: the connection -------------------------------------------- */

static void tcp_recv_handler(struct mbuf *mb, void *arg)
{
	struct msend *s = arg;
	struct msrp_error e;
	int err;

	if (s->done)
		return;

	idle_restart(s);

	memset(&e, 0, sizeof(e));
	err = msrp_parser_feed(s->parser, mbuf_buf(mb), mbuf_get_left(mb), &e);
	if (err)
		finish_err(s, CLI_EXIT_CONNECT, "bad MSRP from the receiver: "
			   "%u %s", e.scode, e.reason ? e.reason : "");
}


static void tcp_close_handler(int err, void *arg)
{
	struct msend *s = arg;

	if (s->aborting) {
		abort_timeout(s);
		return;
	}

	if (!s->bound && s->we_dial) {
		finish_err(s, CLI_EXIT_CONNECT, "MSRP connect to %s: %m%s",
			   s->ruri, err ? err : ECONNREFUSED,
			   s->sc && s->o->ca && tls_peer_verify(s->sc) ?
			   " (the receiver's certificate does not verify "
			   "against --ca)" : "");
		return;
	}

	finish_err(s, CLI_EXIT_CONNECT, "MSRP connection closed by the "
		   "receiver (%m) after %llu body bytes",
		   err ? err : ECONNRESET, s->body_sent);
}


/* Our side dialled: our first SEND binds the connection. */
static void tcp_estab_handler(void *arg)
{
	struct msend *s = arg;

	idle_restart(s);
	s->bound = true;
	s->t_start = tmr_jiffies();
	pump(s);
}


static void conn_setup(struct msend *s)
{
	/* room for one whole chunk plus the odd response, so a chunk the
	 * socket did not take never fails with ENOSPC */
	tcp_conn_txqsz_set(s->tc, s->chunk_size + MSRP_HDR_MAX + 65536);
}


/* The receiver dials (a=setup:active): accept the first connection. It
 * may come before its 200 reaches us, as the 200 takes the proxy path. */
static void tcp_conn_handler(const struct sa *peer, void *arg)
{
	struct msend *s = arg;
	int err;

	if (s->tc || s->done || (s->answered && s->we_dial)) {
		DEBUG_INFO("extra MSRP connection from %J refused\n", peer);
		tcp_reject(s->ts);
		return;
	}

	/* offered msrps: only with a certificate to show (--cert) */
	if (s->o->tls && !s->stls) {
		DEBUG_INFO("MSRP connection from %J refused: no --cert\n",
			   peer);
		tcp_reject(s->ts);
		return;
	}

	err = tcp_accept(&s->tc, s->ts, NULL, tcp_recv_handler,
			 tcp_close_handler, s);
	if (err) {
		tcp_reject(s->ts);
		return;
	}

	if (s->stls) {
		err = tls_start_tcp(&s->sc, s->stls, s->tc, 0);
		if (err) {
			DEBUG_WARNING("TLS on MSRP connection from %J: %m\n",
				      peer, err);
			s->tc = mem_deref(s->tc);
			return;
		}
	}

	conn_setup(s);
	idle_restart(s);
}


static int msrp_uri_sa(struct sa *sa, char *h, size_t hsz, const char *uri,
		       bool tls)
{
	struct pl scheme, host, port;

	/* msrp://host:port/session;tcp, host may be [v6] (RFC 4975 §6) */
	if (re_regex(uri, strlen(uri), "[a-z]+://\\[[^\\]]+\\]:[0-9]+/",
		     &scheme, &host, &port) &&
	    re_regex(uri, strlen(uri), "[a-z]+://[^:/\\[]+:[0-9]+/",
		     &scheme, &host, &port))
		return EINVAL;

	/* the scheme is the transport we offered (msrps: with --tls) */
	if (pl_strcasecmp(&scheme, tls ? "msrps" : "msrp"))
		return ENOTSUP;

	if (pl_strcpy(&host, h, hsz))
		return EINVAL;

	return sa_set_str(sa, h, pl_u32(&port));
}


/* --tls: the receiver's certificate is checked against --ca for the
 * host of its a=path (an IP literal against an IP subjectAltName). */
static int tls_dial(struct msend *s, const char *host)
{
	struct siptls_conf tc;
	int err;

	if (s->o->ca) {
		memset(&tc, 0, sizeof(tc));
		tc.ca_file = s->o->ca;
		tc.host    = host;
		tc.verify  = true;
		err = siptls_alloc(&s->ctls, &tc);
	}
	else {
		fprintf(stderr, "sippush send: warning: no --ca: the "
			"receiver's certificate is NOT verified\n");
		err = tls_alloc(&s->ctls, TLS_METHOD_SSLV23, NULL, NULL);
	}
	if (err)
		return err;

	return tls_start_tcp(&s->sc, s->ctls, s->tc, 0);
}


static void dial(struct msend *s)
{
	char host[128];
	struct sa peer;
	int err;

	err = msrp_uri_sa(&peer, host, sizeof(host), s->ruri, s->o->tls);
	if (err) {
		finish_status(s, CLI_EXIT_FAIL, "cannot use the answer's "
			      "a=path %s: %m", s->ruri, err);
		return;
	}

	err = tcp_connect(&s->tc, &peer, tcp_estab_handler, tcp_recv_handler,
			  tcp_close_handler, s);
	if (err) {
		finish_err(s, CLI_EXIT_CONNECT, "MSRP connect to %J: %m",
			   &peer, err);
		return;
	}

	if (s->o->tls) {
		err = tls_dial(s, host);
		if (err) {
			finish_err(s, CLI_EXIT_CONNECT, "TLS to %J: %m",
				   &peer, err);
			return;
		}
	}

	conn_setup(s);
}


/* --- SIP ------------------------------------------------------------- */

static bool type_accepted(const char *ctype, const char *accept)
{
	size_t tl = strcspn(ctype, "; \t");
	struct pl tok, rest;

	pl_set_str(&rest, accept);

	while (!re_regex(rest.p, rest.l, "[^ \t]+", &tok)) {
		const char *slash = memchr(tok.p, '/', tok.l);

		if (!pl_strcmp(&tok, "*"))
			return true;

		if (tok.l == tl && !strncasecmp(tok.p, ctype, tl))
			return true;

		/* type/ * */
		if (slash && tok.l == (size_t)(slash - tok.p) + 2 &&
		    slash[1] == '*' &&
		    !strncasecmp(tok.p, ctype, (size_t)(slash - tok.p) + 1))
			return true;

		rest.l -= (size_t)(tok.p + tok.l - rest.p);
		rest.p = tok.p + tok.l;
	}

	return false;
}


static int answer_handler(const struct sip_msg *msg, void *arg)
{
	struct msend *s = arg;
	const char *path, *setup, *msz, *types;
	uint64_t max_size = 0;
	int err;

	idle_restart(s);

	err = sdp_decode(s->sdp, msg->mb, false);
	if (err) {
		finish_status(s, CLI_EXIT_FAIL, "%u %r: no usable MSRP stream "
			      "in the SDP answer (%m)", msg->scode,
			      &msg->reason, err);
		return err;
	}

	s->answered = true;

	if (!sdp_media_rport(s->sdpm)) {
		finish_status(s, CLI_EXIT_FAIL, "%u %r: the answer refuses the "
			      "MSRP stream (port 0)", msg->scode,
			      &msg->reason);
		return EPROTO;
	}

	path = sdp_media_rattr(s->sdpm, "path");
	if (!path || str_len(path) >= sizeof(s->rpath) ||
	    msrp_path_first(path, s->ruri, sizeof(s->ruri))) {
		finish_status(s, CLI_EXIT_FAIL, "%u %r: the answer has no "
			      "usable a=path", msg->scode, &msg->reason);
		return EPROTO;
	}
	str_ncpy(s->rpath, path, sizeof(s->rpath));

	msz = sdp_media_rattr(s->sdpm, "max-size");
	if (!msz)
		msz = sdp_media_rattr(s->sdpm, "maxsize");
	if (msz)
		max_size = strtoull(msz, NULL, 10);

	types = sdp_media_rattr(s->sdpm, "accept-types");

	for (unsigned i = 0; i < s->msgc && !s->o->force; i++) {
		const struct omsg *m = &s->msgv[i];

		if (max_size && m->size > max_size) {
			finish_status(s, CLI_EXIT_FAIL, "413 Message Too Large "
				      "(%llu bytes, the answer's a=max-size "
				      "is %llu)", m->size, max_size);
			return EFBIG;
		}

		if (types && !type_accepted(m->ctype, types)) {
			finish_status(s, CLI_EXIT_FAIL, "415 Unsupported Media "
				      "Type (%s, the answer's accept-types "
				      "are %s)", m->ctype, types);
			return EPROTO;
		}
	}

	/* Who dials (RFC 6135 §4, RFC 4975 §5.4): our own fixed role
	 * wins; after actpass or no a=setup, only an answer of "active"
	 * makes the receiver dial, anything else leaves it to us. */
	setup = sdp_media_rattr(s->sdpm, "setup");
	switch (s->setup) {

	case SEND_SETUP_ACTIVE:
		s->we_dial = true;
		break;

	case SEND_SETUP_PASSIVE:
		s->we_dial = false;
		break;

	default:
		s->we_dial = !setup || str_casecmp(setup, "active");
		break;
	}

	if (s->we_dial && s->tc) {
		/* it dialled anyway, before its 200: use that connection */
		s->we_dial = false;
	}

	return 0;
}


static void estab_handler(const struct sip_msg *msg, void *arg)
{
	struct msend *s = arg;
	(void)msg;

	if (s->done)
		return;

	idle_restart(s);

	if (s->we_dial)
		dial(s);
	else
		pump(s);   /* in case the receiver bound before its 200 came */
}


static void bye_grace(void *arg)
{
	struct msend *s = arg;

	finish_status(s, CLI_EXIT_FAIL, "BYE from the receiver before a "
		      "Success REPORT");
}


static void close_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct msend *s = arg;

	if (s->done)
		return;

	if (msg && msg->scode >= 300) {
		finish_status(s, CLI_EXIT_FAIL, "%u %r", msg->scode,
			      &msg->reason);
		return;
	}

	if (!s->answered) {
		finish_err(s, CLI_EXIT_CONNECT, "INVITE: %m",
			   err ? err : EPROTO);
		return;
	}

	/* a BYE: the REPORT may still be on its way over TCP */
	tmr_start(&s->tmr_grace, GRACE_MS, bye_grace, s);
}


/* We only send: an INVITE to us gets a decline, not a session. */
static void conn_handler(const struct sip_msg *msg, void *arg)
{
	struct msend *s = arg;

	(void)sip_treply(NULL, s->sip, msg, 603, "Decline");
}


static void exit_handler(void *arg)
{
	struct msend *s = arg;

	s->sip_exited = true;
	re_cancel();
}


static void signal_handler(int sig)
{
	if (sig_target)
		finish_err(sig_target, CLI_EXIT_CONNECT, "interrupted "
			   "(signal %d)", sig);
}


static void bye_wait_timeout(void *arg)
{
	(void)arg;
	re_cancel();
}


/* --- setup ----------------------------------------------------------- */

static int parse_opts(struct msend *s, const struct send_msrp_opts *o)
{
	const char *setup = o->setup ? o->setup : "actpass";
	const char *order = o->order ? o->order : "forward";
	char *end;

	s->chunk_size = CHUNK_DEFAULT;
	if (o->chunk_size) {
		unsigned long long v = strtoull(o->chunk_size, &end, 10);

		if (*end || !*o->chunk_size || !v || v > CHUNK_MAX) {
			fprintf(stderr, "sippush send: --chunk-size must be "
				"1..%d\n", (int)CHUNK_MAX);
			return EINVAL;
		}
		s->chunk_size = (size_t)v;
	}

	if (!strcmp(setup, "actpass"))
		s->setup = SEND_SETUP_ACTPASS;
	else if (!strcmp(setup, "active"))
		s->setup = SEND_SETUP_ACTIVE;
	else if (!strcmp(setup, "passive"))
		s->setup = SEND_SETUP_PASSIVE;
	else if (!strcmp(setup, "none"))
		s->setup = SEND_SETUP_NONE;
	else {
		fprintf(stderr, "sippush send: --setup actpass|active|passive"
			"|none\n");
		return EINVAL;
	}

	if (!strcmp(order, "forward"))
		s->order = ORDER_FORWARD;
	else if (!strcmp(order, "reverse"))
		s->order = ORDER_REVERSE;
	else if (!strcmp(order, "shuffle"))
		s->order = ORDER_SHUFFLE;
	else {
		fprintf(stderr, "sippush send: --order forward|reverse|"
			"shuffle\n");
		return EINVAL;
	}

	s->abort_after = UINT64_MAX;
	if (o->abort_after) {
		s->abort_after = strtoull(o->abort_after, &end, 10);
		if (*end || !*o->abort_after || *o->abort_after == '-') {
			fprintf(stderr, "sippush send: --abort-after BYTES\n");
			return EINVAL;
		}
	}

	if ((o->ca || o->cert) && !o->tls) {
		fprintf(stderr, "sippush send: --ca and --cert need --tls\n");
		return EINVAL;
	}

	/* the receiver may dial us unless we said we dial */
	if (o->tls && !o->cert && s->setup != SEND_SETUP_ACTIVE) {
		fprintf(stderr, "sippush send: --tls needs --cert FILE (our "
			"certificate and key) unless --setup active\n");
		return EINVAL;
	}

	if ((o->interleave_type && !o->interleave) ||
	    (o->interleave_type && strpbrk(o->interleave_type, "\r\n"))) {
		fprintf(stderr, "sippush send: --interleave-type needs "
			"--interleave\n");
		return EINVAL;
	}

	return 0;
}


static int open_bodies(struct msend *s, const struct send_msrp_opts *o)
{
	const char *what = o->file ? o->file : "--data";
	int err;

	err = omsg_init(&s->msgv[0], o->file, o->data, o->type,
			s->chunk_size, s->order);
	s->msgc = 1;
	if (!err && o->interleave) {
		what = o->interleave;
		err = omsg_init(&s->msgv[1], o->interleave, NULL,
				o->interleave_type ? o->interleave_type :
				"application/octet-stream",
				s->chunk_size, s->order);
		s->msgc = 2;
	}

	if (err) {
		fprintf(stderr, "sippush send: %s: %s\n", what,
			err == EINVAL ? "not a regular file (MSRP needs the "
			"size up front)" :
			err == ENODATA ? "empty body" :
			err == EFBIG ? "too many chunks to shuffle" :
			strerror(err));
		return err;
	}

	for (unsigned i = 0; i < s->msgc; i++)
		s->body_total += s->msgv[i].size;

	return 0;
}


static int msrp_listen(struct msend *s)
{
	struct sa la;
	int err;

	sa_cpy(&la, &s->laddr);
	sa_set_port(&la, 0);

	err = tcp_listen(&s->ts, &la, tcp_conn_handler, s);
	if (err)
		return err;

	err = tcp_sock_local_get(s->ts, &la);
	if (err)
		return err;

	rand_str(s->sid, sizeof(s->sid));
	if (sa_af(&la) == AF_INET6)
		re_snprintf(s->lpath, sizeof(s->lpath), "%s://[%j]:%u/%s;tcp",
			    s->o->tls ? "msrps" : "msrp", &la, sa_port(&la),
			    s->sid);
	else
		re_snprintf(s->lpath, sizeof(s->lpath), "%s://%j:%u/%s;tcp",
			    s->o->tls ? "msrps" : "msrp", &la, sa_port(&la),
			    s->sid);

	sa_cpy(&s->laddr, &la);
	return 0;
}


static int offer_encode(struct msend *s, struct mbuf **descp)
{
	static const char *const names[] = {
		[SEND_SETUP_ACTPASS] = "actpass",
		[SEND_SETUP_ACTIVE]  = "active",
		[SEND_SETUP_PASSIVE] = "passive",
	};
	int err;

	err = sdp_session_alloc(&s->sdp, &s->laddr);
	if (err)
		return err;

	err = sdp_media_add(&s->sdpm, s->sdp, "message", sa_port(&s->laddr),
			    s->o->tls ? "TCP/TLS/MSRP" : "TCP/MSRP");
	if (err)
		return err;

	/* MSRP has no payload types: the format list is "*" */
	err = sdp_format_add(NULL, s->sdpm, false, "*", NULL, 0, 0, NULL,
			     NULL, NULL, false, NULL);
	if (err)
		return err;

	sdp_media_set_ldir(s->sdpm, SDP_SENDONLY);
	err  = sdp_media_set_lattr(s->sdpm, true, "path", "%s", s->lpath);
	err |= sdp_media_set_lattr(s->sdpm, true, "accept-types", "*");
	if (s->setup != SEND_SETUP_NONE)
		err |= sdp_media_set_lattr(s->sdpm, true, "setup", "%s",
					   names[s->setup]);
	if (err)
		return err;

	return sdp_encode(descp, s->sdp, true);
}


/* The offer, made once in sip_start(), for each INVITE sent. */
static int desc_handler(struct mbuf **descp, const struct sa *src,
			const struct sa *dst, void *arg)
{
	struct msend *s = arg;
	(void)src;
	(void)dst;

	if (!s->desc)
		return EINVAL;

	*descp = mem_ref(s->desc);
	return 0;
}


static int sip_start(struct msend *s)
{
	const struct send_msrp_opts *o = s->o;
	const char *routev[1];
	char *hdrs = NULL;
	struct sa la;
	int err;

	sa_cpy(&la, &s->laddr);
	sa_set_port(&la, 0);

	err = sip_alloc(&s->sip, NULL, 16, 16, 16,
			"sippush/" SIPPUSH_VERSION, exit_handler, s);
	if (err)
		return err;

	err  = sip_transp_add(s->sip, SIP_TRANSP_UDP, &la);
	err |= sip_transp_add(s->sip, SIP_TRANSP_TCP, &la);
	if (err)
		return err;

	err = sipsess_listen(&s->sock, s->sip, 16, conn_handler, s);
	if (err)
		return err;

	err = offer_encode(s, &s->desc);
	if (err)
		goto out;
	s->desc->pos = 0;

	err = re_sdprintf(&hdrs, "Accept-Contact: *;+g.oma.pusheventapp=\"%s\""
			  ";require;explicit\r\n"
			  "Request-Disposition: no-fork\r\n"
			  "%s",
			  o->ftag, o->hdrs ? o->hdrs : "");
	if (err)
		goto out;

	/* libre puts the proxy in a Route header (with ;lr) and sends the
	 * INVITE there */
	routev[0] = o->proxy;
	err = compat_sipsess_connect(&s->sess, s->sock, o->to, o->from, "psa",
				     routev, 1, "application/sdp",
				     desc_handler, answer_handler,
				     estab_handler, close_handler, s, hdrs);

 out:
	mem_deref(hdrs);
	return err;
}


static void teardown(struct msend *s)
{
	struct tmr tmr;

	tmr_init(&tmr);
	tmr_cancel(&s->tmr_idle);
	tmr_cancel(&s->tmr_grace);

	list_flush(&s->txnl);

	if (!s->sip)
		goto out;

	/* BYE first, the MSRP connection after it: a receiver that sees
	 * the connection drop in a live session takes it for a failure.
	 * An established session sends its BYE when released; the SIP
	 * stack calls exit_handler once nothing is pending any more. */
	s->sess = mem_deref(s->sess);
	s->sock = mem_deref(s->sock);
	sip_close(s->sip, false);

	if (!s->sip_exited) {
		tmr_start(&tmr, BYE_WAIT_MS, bye_wait_timeout, NULL);
		(void)re_main(NULL);
		tmr_cancel(&tmr);
	}

	if (!s->sip_exited)
		sip_close(s->sip, true);

	/* sip_close(false) took our reference; the destructor gave one
	 * back before calling exit_handler */
	if (s->sip_exited)
		mem_deref(s->sip);
	s->sip = NULL;

 out:
	s->sc = mem_deref(s->sc);   /* before its TCP connection */
	s->tc = mem_deref(s->tc);
	s->ts = mem_deref(s->ts);
	s->ctls = mem_deref(s->ctls);
	s->stls = mem_deref(s->stls);
}


int send_msrp(const struct send_msrp_opts *o, const struct sa *laddr)
{
	struct msend s;
	int err;

	memset(&s, 0, sizeof(s));
	s.o = o;
	sa_cpy(&s.laddr, laddr);
	tmr_init(&s.tmr_idle);
	tmr_init(&s.tmr_grace);
	list_init(&s.txnl);
	s.msgv[0].fd = s.msgv[1].fd = -1;
	s.show_progress = isatty(STDERR_FILENO) == 1;

	if (parse_opts(&s, o)) {
		s.ret = CLI_EXIT_USAGE;
		goto out;
	}

	if (open_bodies(&s, o)) {
		s.ret = CLI_EXIT_USAGE;
		goto out;
	}

	if (o->cert) {
		err = tls_alloc(&s.stls, TLS_METHOD_SSLV23, o->cert, NULL);
		if (err) {
			fprintf(stderr, "sippush send: --cert %s: %s (a PEM "
				"file with certificate and key)\n", o->cert,
				strerror(err));
			s.ret = CLI_EXIT_USAGE;
			goto out;
		}
	}

	s.txmb = mbuf_alloc(s.chunk_size + MSRP_HDR_MAX + 128);
	s.chunk = mem_alloc(s.chunk_size, NULL);
	if (!s.txmb || !s.chunk) {
		err = ENOMEM;
		goto fail;
	}

	err = msrp_parser_alloc(&s.parser, msrp_start_handler,
				msrp_data_handler, msrp_end_handler, &s);
	if (err)
		goto fail;

	/* listening before the offer names the port */
	err = msrp_listen(&s);
	if (err)
		goto fail;

	err = sip_start(&s);
	if (err)
		goto fail;

	idle_restart(&s);
	sig_target = &s;
	(void)re_main(signal_handler);
	sig_target = NULL;

	if (s.progress_shown && !(s.done && s.ret == CLI_EXIT_OK))
		fputc('\n', stderr);

	if (s.status_stdout)
		printf("%s\n", s.status);
	else
		fprintf(stderr, "sippush send: %s\n", s.status);
	fflush(stdout);
	goto out;

 fail:
	fprintf(stderr, "sippush send: %s\n", strerror(err));
	s.ret = CLI_EXIT_CONNECT;

 out:
	teardown(&s);
	mem_deref(s.parser);
	mem_deref(s.desc);
	mem_deref(s.sdp);
	mem_deref(s.txmb);
	mem_deref(s.chunk);
	for (unsigned i = 0; i < 2; i++)
		omsg_close(&s.msgv[i]);

	return s.ret;
}
