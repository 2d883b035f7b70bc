/* msrpsess.c: MSRP sessions of session-mode pushes: connections, chunks, spool, reports. */
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "autoconf.h"
#include "msrp.h"
#include "ranges.h"
#include "spool.h"
#include "ipc.h"
#include "router.h"
#include "deliver.h"
#include "siptls.h"
#include "msrpsess.h"

#define DEBUG_MODULE "msrpsess"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include <re_dbg.h>

/*
 * One msrpsock (a TCP/TLS listener and the table of sessions by
 * session-id) serves every session. A session is bound to exactly one
 * connection: the one we dial (a=setup active) or the first one whose
 * To-Path names its session-id (passive); another connection naming a
 * bound session gets 506, an unknown session-id 481.
 *
 * Body bytes go straight from the parser to a spool file at their
 * Byte-Range offset, so memory does not grow with the message, and
 * out-of-order or interleaved chunks (several Message-IDs on one
 * session) need nothing more than a range set per message. A message is
 * offered to the app only when every byte of it is on disk; the app gets
 * a file descriptor, and its ACK is what triggers the Success REPORT.
 *
 * With an MSRP relay (RFC 4976) one more mode exists: a shared
 * connection (struct msrplink), the one to our relay, which the relay
 * client in msrprelay.c owns. Relay sessions never dial and never bind a
 * connection of their own: each chunk on the shared connection is matched
 * to its session by the session-id of the last To-Path URI (ours, the
 * relay is in front of it), and a session's responses and REPORTs go back
 * on the shared connection. No session ever frees it.
 *
 * Handlers that could end a session (timeouts, lost connections) never
 * run the close handler from inside the parser or a socket callback: the
 * session's timer fires it from the main loop.
 */

enum {
	MSGS_MAX        = 16,      /* messages in progress per session */
	RANGES_MAX      = 1024,    /* disjoint pieces one message may have */
	UNBOUND_MS      = 10000,   /* an accepted connection must bind by then */
	CONNS_UNBOUND_MAX = 64,
	SESS_HASH       = 64,
};

struct msrpsock {
	struct tcp_sock *ts;
	struct tls *tls;
	struct sa laddr;
	struct hash *sessions;
	struct list conns;          /* accepted, not bound yet */
	struct router *router;
	struct deliver *dlv;
	char *spool_dir;
	char *ca_file;
	struct msrpsock_conf conf;
	uint64_t n_sessions;
	uint64_t n_delivered;
	uint64_t n_failed;
	uint64_t n_bytes;
	struct mconn *relay;        /* shared connection of relay sessions */
	char *relay_path;           /* its Use-Path; NULL: no relay ready */
};

struct inmsg;
struct mconn;

/** The shared connection to a relay: owned by the relay client */
struct msrplink {
	struct mconn *c;
	msrplink_estab_h *estabh;
	msrplink_resp_h *resph;
	msrplink_close_h *closeh;
	void *arg;
	int close_err;
};

struct mconn {
	struct le le;
	struct msrpsock *ms;
	struct msrpsess *sess;
	struct tcp_conn *tc;
	struct tls_conn *sc;
	struct tls *ctls;           /* our own client context (msrps, active) */
	struct msrplink *link;      /* set: shared (relay) connection */
	struct msrp_parser *parser;
	struct tmr tmr;
	bool closing;
	bool up;                    /* connected (TLS: handshake done) */
	/* the chunk being received */
	struct msrp_msg hdr;
	struct inmsg *cur;
	uint64_t off;
	uint16_t chunk_err;
	const char *chunk_why;
	bool have_hdr;
};

struct inmsg {
	struct le le;
	struct msrpsess *sess;
	char msgid[MSRP_MSGID_MAX + 1];
	char ctype[MSRP_CTYPE_MAX + 1];
	char from_path[MSRP_PATH_MAX + 1];
	struct spool *spool;
	struct ranges *ranges;
	uint64_t total;
	bool total_known;
	enum msrp_report succ;
	enum msrp_report fail;
	uint16_t failed;            /* dead message: answer chunks with this */
	struct delivery *dl;
};

struct msrpsess {
	struct le he;
	struct msrpsock *ms;
	char sid[24];
	char *path;
	char *remote_path;
	char appid[128];
	char sender[256];
	bool tls;
	bool active;
	bool relay;                 /* through a relay, never own conn */
	struct mconn *rconn;        /* relay: the shared one it was made on */
	bool bound;                 /* relay: a chunk for it has come */
	char *sdp_path;             /* relay: Use-Path, then path */
	struct mconn *conn;
	struct list msgs;
	struct tmr tmr;
	uint64_t last;              /* jiffies of the last progress */
	int close_err;
	const char *close_why;
	msrpsess_close_h *closeh;
	void *arg;
};


static void conn_close_later(struct mconn *c);


/* Where a session's responses and REPORTs go */
static struct mconn *sess_conn(const struct msrpsess *s)
{
	return s->relay ? s->rconn : s->conn;
}

static void sess_close_later(struct msrpsess *s, int err, const char *why);
static void idle_handler(void *arg);


/* --- messages ------------------------------------------------------------ */

static void inmsg_destructor(void *arg)
{
	struct inmsg *m = arg;

	list_unlink(&m->le);
	deliver_cancel(m->dl);
	mem_deref(m->spool);     /* unlinks the file */
	mem_deref(m->ranges);
}


static struct inmsg *inmsg_find(const struct msrpsess *s, const char *msgid)
{
	for (struct le *le = list_head(&s->msgs); le; le = le->next) {
		struct inmsg *m = le->data;

		if (!strcmp(m->msgid, msgid))
			return m;
	}

	return NULL;
}


/* MSRP has few status codes (RFC 4975 §10): what the app's verdict and
 * our own failures become in a REPORT. */
static uint16_t msrp_status(uint16_t sip)
{
	switch (sip) {
	case 200: return 200;
	case 400: return 400;
	case 403: return 403;
	case 413: return 413;
	case 415: return 415;
	case 408: case 480: case 503: case 504: return 408;
	default:  return 403;
	}
}


static void conn_send(struct mconn *c, struct mbuf *mb)
{
	int err;

	if (!c || !c->tc || c->closing)
		return;

	mb->pos = 0;
	err = tcp_send(c->tc, mb);
	if (err)
		DEBUG_WARNING("send on MSRP connection: %m\n", err);
}


/* A response to the current chunk, as its Failure-Report allows (§7.2):
 * "no": none at all; "partial": only failures. */
static void respond(struct mconn *c, uint16_t scode, const char *comment)
{
	char uri[MSRP_PATH_MAX + 1];
	const char *own = NULL;
	struct mbuf *mb;

	if (c->hdr.kind != MSRP_REQUEST || c->hdr.method == MSRP_M_REPORT)
		return;   /* never answer a REPORT (§7.1.2) */

	if (c->hdr.failure_report == MSRP_REP_NO ||
	    (c->hdr.failure_report == MSRP_REP_PARTIAL && scode == 200))
		return;

	mb = mbuf_alloc(512);
	if (!mb)
		return;

	/* with no session of ours (481) the URI the peer asked for is the
	 * only "own" one we have: the last one behind a relay */
	if (c->sess)
		own = c->sess->path;
	else if (c->link ?
		 !msrp_path_last(c->hdr.to_path, uri, sizeof(uri)) :
		 !msrp_path_first(c->hdr.to_path, uri, sizeof(uri)))
		own = uri;

	if (own && !msrp_response_encode(mb, &c->hdr, scode, comment, own))
		conn_send(c, mb);

	mem_deref(mb);
}


/* A REPORT for a whole message (§7.1.2-7.1.4). */
static void report(struct inmsg *m, uint16_t status, const char *comment)
{
	struct msrpsess *s = m->sess;
	struct mbuf *mb;
	char tid[MSRP_TID_MAX + 1];
	uint64_t total = m->total_known ? m->total :
		(m->ranges ? ranges_covered(m->ranges) : 0);

	if (status == 200 && m->succ != MSRP_REP_YES)
		return;
	if (status != 200 && m->fail == MSRP_REP_NO)
		return;
	if (!sess_conn(s))
		return;

	mb = mbuf_alloc(512);
	if (!mb)
		return;

	/* behind a relay the From-Path is the relay's and the sender's, so
	 * the REPORT retraces it */
	msrp_tid_make(tid, sizeof(tid));
	if (!msrp_report_encode(mb, tid, m->from_path, s->path, m->msgid, 1,
				total, total, status, comment))
		conn_send(sess_conn(s), mb);

	mem_deref(mb);
}


/* The message cannot succeed: free its bytes, keep a small tombstone so
 * that its remaining chunks are answered the same way. */
static void inmsg_fail(struct inmsg *m, uint16_t status, const char *why)
{
	if (m->failed)
		return;

	DEBUG_NOTICE("session %s message %s: %u %s\n", m->sess->sid,
		     m->msgid, status, why);

	m->failed = status;
	m->spool  = mem_deref(m->spool);
	++m->sess->ms->n_failed;
	report(m, status, why);
}


static void sess_touch(struct msrpsess *s)
{
	s->last = tmr_jiffies();
}


static void delivered(uint16_t scode, const char *reason, void *arg)
{
	struct inmsg *m = arg;
	struct msrpsess *s = m->sess;

	m->dl = NULL;

	if (scode == 200) {
		++s->ms->n_delivered;
		DEBUG_INFO("session %s message %s delivered\n", s->sid,
			   m->msgid);
		report(m, 200, "OK");
	}
	else {
		++s->ms->n_failed;
		DEBUG_NOTICE("session %s message %s: app said %u %s\n",
			     s->sid, m->msgid, scode, reason);
		report(m, msrp_status(scode), reason);
	}

	/* done either way: the spool file goes with it */
	mem_deref(m);

	if (!sess_conn(s) && list_isempty(&s->msgs))
		sess_close_later(s, ECONNRESET, "MSRP connection lost");
}


/* Every byte is on disk: hand it to the app. */
static void inmsg_complete(struct inmsg *m)
{
	struct msrpsess *s = m->sess;
	struct msrpsock *ms = s->ms;
	struct ipc_push push;
	struct route rt;
	int fd, err;

	err = spool_finish(m->spool);
	if (err) {
		inmsg_fail(m, 413, "Cannot Store Content");
		return;
	}

	switch (router_lookup(ms->router, s->appid, m->ctype, &rt)) {
	case ROUTE_OK:
		break;
	case ROUTE_CTYPE:
		inmsg_fail(m, 415, "Unsupported Content Type");
		return;
	default:
		inmsg_fail(m, 408, "Push Application Not Running");
		return;
	}

	if (deliver_full(ms->dlv)) {
		inmsg_fail(m, 408, "Too Many Pending Pushes");
		return;
	}

	fd = spool_open_read(m->spool);
	if (fd < 0) {
		inmsg_fail(m, 413, "Cannot Read Content");
		return;
	}

	memset(&push, 0, sizeof(push));
	push.appid     = s->appid;
	push.ctype     = m->ctype[0] ? m->ctype : "application/octet-stream";
	push.sender    = s->sender;
	push.transport = s->tls ? "msrps" : "msrp";
	push.len       = (size_t)m->total;
	push.has_fd    = true;
	push.fd        = fd;

	err = deliver_push(ms->dlv, &rt, &push, delivered, m, &m->dl);
	(void)close(fd);   /* the IPC layer holds its own copies */
	if (err) {
		inmsg_fail(m, 408, "Push Application Not Reachable");
		return;
	}

	DEBUG_INFO("push %llu: MSRP message %s from %s for %s (%s, %llu "
		   "bytes)\n", push.id, m->msgid, s->sender, s->appid,
		   push.ctype, m->total);
}


/* --- chunks ----------------------------------------------------------------- */

static struct msrpsess *sess_lookup(const struct msrpsock *ms,
				    const char *sid);


/* A chunk on the relay connection: ours is the last To-Path URI. */
static int bind_shared(struct mconn *c, const struct msrp_msg *msg)
{
	char uri[MSRP_PATH_MAX + 1], sid[64];
	struct msrpsess *s;

	if (msrp_path_last(msg->to_path, uri, sizeof(uri)) ||
	    msrp_uri_session(uri, sid, sizeof(sid)))
		return 481;

	s = sess_lookup(c->ms, sid);
	if (!s || !s->relay || s->rconn != c)
		return 481;

	c->sess = s;

	if (!s->bound) {
		s->bound = true;
		DEBUG_INFO("session %s: first chunk through the relay\n",
			   s->sid);
		sess_touch(s);
		tmr_start(&s->tmr, c->ms->conf.idle_timeout, idle_handler, s);
	}

	return 0;
}


/* The first chunk on an accepted connection says which session it is for. */
static int bind_conn(struct mconn *c, const struct msrp_msg *msg)
{
	char uri[MSRP_PATH_MAX + 1], sid[64];
	struct msrpsess *s;

	if (c->link)
		return bind_shared(c, msg);

	if (msrp_path_first(msg->to_path, uri, sizeof(uri)) ||
	    msrp_uri_session(uri, sid, sizeof(sid)))
		return 481;

	if (c->sess)
		return strcmp(sid, c->sess->sid) ? 481 : 0;

	s = sess_lookup(c->ms, sid);
	if (!s)
		return 481;

	if (s->conn && s->conn != c)
		return 506;

	list_unlink(&c->le);
	tmr_cancel(&c->tmr);
	c->sess = s;
	s->conn = c;

	DEBUG_INFO("session %s bound to its connection\n", s->sid);
	sess_touch(s);
	tmr_start(&s->tmr, c->ms->conf.idle_timeout, idle_handler, s);

	return 0;
}


static uint16_t start_send(struct mconn *c, const struct msrp_msg *msg)
{
	struct msrpsess *s = c->sess;
	struct msrpsock *ms = c->ms;
	struct inmsg *m;
	struct route rt;
	int err;

	if (!msg->message_id[0]) {
		c->chunk_why = "Missing Message-ID";
		return 400;
	}

	if (!msg->has_body)
		return 0;    /* binding or keep-alive SEND: just a 200 */

	if (!msg->has_range || msg->range_start < 1) {
		c->chunk_why = "Missing Byte-Range";
		return 400;
	}

	m = inmsg_find(s, msg->message_id);
	if (!m) {
		if (list_count(&s->msgs) >= MSGS_MAX) {
			c->chunk_why = "Too Many Messages In Progress";
			return 413;
		}

		m = mem_zalloc(sizeof(*m), inmsg_destructor);
		if (!m)
			return 400;

		m->sess = s;
		str_ncpy(m->msgid, msg->message_id, sizeof(m->msgid));
		str_ncpy(m->ctype, msg->ctype, sizeof(m->ctype));
		str_ncpy(m->from_path, msg->from_path, sizeof(m->from_path));
		m->succ = msg->success_report;
		m->fail = msg->failure_report;
		list_append(&s->msgs, &m->le, m);

		if (router_lookup(ms->router, s->appid, m->ctype, &rt) ==
		    ROUTE_CTYPE) {
			c->chunk_why = "Unsupported Content Type";
			inmsg_fail(m, 415, c->chunk_why);
		}
		else {
			err = ranges_alloc(&m->ranges, RANGES_MAX);
			if (!err)
				err = spool_alloc(&m->spool, ms->spool_dir);
			if (err) {
				DEBUG_WARNING("spool in %s: %m\n",
					      ms->spool_dir, err);
				c->chunk_why = "Cannot Store Content";
				inmsg_fail(m, 413, c->chunk_why);
			}
		}
	}

	c->cur = m;
	c->off = msg->range_start - 1;

	if (!msg->total_star) {
		if (m->total_known && m->total != msg->range_total) {
			c->chunk_why = "Byte-Range Total Changed";
			inmsg_fail(m, 400, c->chunk_why);
		}
		m->total = msg->range_total;
		m->total_known = true;
	}

	if (!m->failed &&
	    ((m->total_known && m->total > ms->conf.max_size) ||
	     (!msg->end_star && msg->range_end > ms->conf.max_size))) {
		c->chunk_why = "Message Too Large";
		inmsg_fail(m, 413, c->chunk_why);
	}

	if (m->failed) {
		if (!c->chunk_why)
			c->chunk_why = "Message Failed";
		return m->failed;
	}

	return 0;
}


static int start_handler(const struct msrp_msg *msg, void *arg)
{
	struct mconn *c = arg;
	uint16_t scode;

	c->hdr       = *msg;
	c->have_hdr  = true;
	c->cur       = NULL;
	if (c->link)
		c->sess = NULL;   /* matched again for every chunk */
	c->chunk_err = 0;
	c->chunk_why = NULL;
	c->off       = 0;

	if (msg->kind == MSRP_RESPONSE)
		return 0;   /* to our bind SEND or a REPORT: nothing to do */

	scode = (uint16_t)bind_conn(c, msg);
	if (scode) {
		c->chunk_err = scode;
		c->chunk_why = scode == 506 ? "Session Already Bound" :
			"Session Does Not Exist";
		return 0;
	}

	sess_touch(c->sess);

	switch (msg->method) {
	case MSRP_M_SEND:
		c->chunk_err = start_send(c, msg);
		break;
	case MSRP_M_REPORT:
		break;
	default:
		/* AUTH is for relays; we are an endpoint */
		c->chunk_err = 501;
		c->chunk_why = "Method Not Implemented";
		break;
	}

	return 0;
}


static int data_handler(const uint8_t *p, size_t n, void *arg)
{
	struct mconn *c = arg;
	struct inmsg *m = c->cur;
	struct msrpsock *ms = c->ms;
	int err;

	if (!m || m->failed || c->chunk_err) {
		c->off += n;
		return 0;
	}

	if (c->off + n > ms->conf.max_size) {
		c->chunk_err = 413;
		c->chunk_why = "Message Too Large";
		inmsg_fail(m, 413, c->chunk_why);
		return 0;
	}

	err = spool_write(m->spool, c->off, p, n);
	if (err) {
		DEBUG_WARNING("spool write: %m\n", err);
		c->chunk_err = 413;
		c->chunk_why = "Cannot Store Content";
		inmsg_fail(m, 413, c->chunk_why);
		return 0;
	}

	c->off += n;
	ms->n_bytes += n;
	return 0;
}


static int end_handler(const struct msrp_msg *msg, char flag, void *arg)
{
	struct mconn *c = arg;
	struct inmsg *m = c->cur;
	uint64_t first;
	int err;

	c->have_hdr = false;

	if (msg->kind == MSRP_RESPONSE) {
		/* on the relay connection: answers to the relay client's AUTH
		 * (ours to SENDs never need one) */
		if (c->link && c->link->resph)
			c->link->resph(msg, c->link->arg);
		return 0;
	}

	if (c->chunk_err) {
		respond(c, c->chunk_err, c->chunk_why);
		/* an unbound connection that named no session of ours; the
		 * relay's connection carries others */
		if (!c->sess && !c->link)
			conn_close_later(c);
		return 0;
	}

	if (msg->method != MSRP_M_SEND)
		return 0;

	if (!m) {
		respond(c, 200, "OK");
		return 0;
	}

	if (flag == '#') {
		/* the sender aborted the message: drop what we have */
		respond(c, 200, "OK");
		DEBUG_INFO("session %s message %s aborted by sender\n",
			   m->sess->sid, m->msgid);
		mem_deref(m);
		c->cur = NULL;
		return 0;
	}

	first = msg->range_start - 1;
	if (c->off > first) {
		err = ranges_add(m->ranges, first, c->off);
		if (err) {
			respond(c, 413, "Too Fragmented");
			inmsg_fail(m, 413, "Too Fragmented");
			return 0;
		}
	}

	/* "a-b/ *" on the last chunk: the end of this chunk is the size */
	if (flag == '$' && !m->total_known) {
		m->total = c->off;
		m->total_known = true;
	}

	respond(c, 200, "OK");

	if (!m->dl && m->total_known && ranges_complete(m->ranges, m->total))
		inmsg_complete(m);

	return 0;
}


/* --- connections ------------------------------------------------------------- */

/* The session's transport is gone: partial messages die with it (RFC 4975
 * §5.4: a session does not survive its connection). */
static void sess_lost(struct msrpsess *s)
{
	for (struct le *le = list_head(&s->msgs); le; ) {
		struct inmsg *m = le->data;

		le = le->next;
		if (!m->dl) {
			if (!m->failed && m->ranges) {
				DEBUG_NOTICE("session %s message %s: "
					     "connection lost, %llu "
					     "bytes discarded\n",
					     s->sid, m->msgid,
					     ranges_covered(m->ranges));
			}
			mem_deref(m);
		}
	}

	if (list_isempty(&s->msgs))
		sess_close_later(s, ECONNRESET, "MSRP connection lost");
}


static bool relay_lost(struct le *le, void *arg)
{
	struct msrpsess *s = le->data;

	if (s->relay && s->rconn == arg) {
		s->rconn = NULL;
		sess_lost(s);
	}

	return false;
}


static void conn_destructor(void *arg)
{
	struct mconn *c = arg;
	struct msrpsess *s = c->sess;

	tmr_cancel(&c->tmr);
	list_unlink(&c->le);
	mem_deref(c->sc);
	mem_deref(c->tc);
	mem_deref(c->ctls);
	mem_deref(c->parser);

	if (c->link) {
		struct msrpsock *ms = c->ms;

		if (ms->relay == c) {
			ms->relay = NULL;
			ms->relay_path = mem_deref(ms->relay_path);
		}

		/* its sessions lose their transport; a Use-Path from a later
		 * connection does not lead to them */
		(void)hash_apply(ms->sessions, relay_lost, c);
		c->link->c = NULL;
		return;
	}

	if (s && s->conn == c) {
		s->conn = NULL;
		sess_lost(s);
	}
}


static void close_tmr(void *arg)
{
	mem_deref(arg);
}


/* The relay client owns a shared connection: it hears of the loss (from
 * the main loop) and frees it. */
static void link_lost_tmr(void *arg)
{
	struct mconn *c = arg;
	struct msrplink *l = c->link;

	if (l && l->closeh)
		l->closeh(l->close_err ? l->close_err : ECONNRESET, l->arg);
}


static void conn_close_later(struct mconn *c)
{
	if (c->closing)
		return;

	c->closing = true;
	tmr_start(&c->tmr, 0, c->link ? link_lost_tmr : close_tmr, c);
}


static void recv_handler(struct mbuf *mb, void *arg)
{
	struct mconn *c = arg;
	struct msrp_error perr;
	int err;

	if (c->closing)
		return;

	err = msrp_parser_feed(c->parser, mbuf_buf(mb), mbuf_get_left(mb),
			       &perr);
	if (err) {
		DEBUG_NOTICE("malformed MSRP from connection%s%s: %u %s\n",
			     c->sess ? " of session " : "",
			     c->sess ? c->sess->sid : "", perr.scode,
			     perr.reason);
		if (c->have_hdr) {
			respond(c, perr.scode, perr.reason);
		}
		conn_close_later(c);
	}
}


static void close_handler(int err, void *arg)
{
	struct mconn *c = arg;

	DEBUG_INFO("MSRP connection%s%s closed (%m)\n",
		   c->sess ? " of session " : "", c->sess ? c->sess->sid : "",
		   err);
	/* msrps we dialled: say why the handshake failed, if it was the
	 * peer's certificate */
	if (c->ctls && !c->up && c->ms->conf.tls_verify &&
	    tls_peer_verify(c->sc))
		DEBUG_WARNING("msrps: MSRP peer's certificate rejected (not "
			      "valid for its a=path host under tls_ca_file):"
			      " connection%s%s refused\n",
			      c->sess ? " of session " : "",
			      c->sess ? c->sess->sid : "");
	c->tc = mem_deref(c->tc);
	if (c->link)
		c->link->close_err = err;
	conn_close_later(c);
}


static void unbound_timeout(void *arg)
{
	struct mconn *c = arg;

	DEBUG_NOTICE("MSRP connection never named a session: closed\n");
	mem_deref(c);
}


static int conn_alloc(struct mconn **cp, struct msrpsock *ms)
{
	struct mconn *c;
	int err;

	c = mem_zalloc(sizeof(*c), conn_destructor);
	if (!c)
		return ENOMEM;

	c->ms = ms;
	tmr_init(&c->tmr);

	err = msrp_parser_alloc(&c->parser, start_handler, data_handler,
				end_handler, c);
	if (err)
		mem_deref(c);
	else
		*cp = c;

	return err;
}


static void accept_handler(const struct sa *peer, void *arg)
{
	struct msrpsock *ms = arg;
	struct mconn *c = NULL;
	int err;

	if (list_count(&ms->conns) >= CONNS_UNBOUND_MAX) {
		DEBUG_NOTICE("too many unbound MSRP connections: refusing "
			     "%J\n", peer);
		tcp_reject(ms->ts);
		return;
	}

	err = conn_alloc(&c, ms);
	if (err) {
		tcp_reject(ms->ts);
		return;
	}

	err = tcp_accept(&c->tc, ms->ts, NULL, recv_handler, close_handler,
			 c);
	if (err)
		goto out;

	if (ms->tls) {
		err = tls_start_tcp(&c->sc, ms->tls, c->tc, 0);
		if (err)
			goto out;
	}

	list_append(&ms->conns, &c->le, c);
	tmr_start(&c->tmr, UNBOUND_MS, unbound_timeout, c);
	DEBUG_PRINTF("MSRP connection from %J\n", peer);

 out:
	if (err) {
		DEBUG_WARNING("accept MSRP connection from %J: %m\n", peer,
			      err);
		tcp_reject(ms->ts);
		mem_deref(c);
	}
}


/* --- sessions ------------------------------------------------------------------ */

static bool sess_cmp(struct le *le, void *arg)
{
	const struct msrpsess *s = le->data;

	return 0 == strcmp(s->sid, arg);
}


static struct msrpsess *sess_lookup(const struct msrpsock *ms,
				    const char *sid)
{
	struct le *le = hash_lookup(ms->sessions, hash_joaat_str(sid),
				    sess_cmp, (void *)sid);

	return le ? le->data : NULL;
}


static void sess_destructor(void *arg)
{
	struct msrpsess *s = arg;

	tmr_cancel(&s->tmr);
	hash_unlink(&s->he);
	list_flush(&s->msgs);
	if (s->conn) {
		s->conn->sess = NULL;
		mem_deref(s->conn);
	}
	/* the shared connection stays; it only forgets the chunk's owner */
	if (s->rconn && s->rconn->sess == s) {
		s->rconn->sess = NULL;
		s->rconn->cur  = NULL;
	}
	mem_deref(s->sdp_path);
	mem_deref(s->path);
	mem_deref(s->remote_path);
}


static void close_handler_tmr(void *arg)
{
	struct msrpsess *s = arg;
	msrpsess_close_h *h = s->closeh;

	s->closeh = NULL;
	if (h)
		h(s->close_err, s->close_why, s->arg);
}


static void sess_close_later(struct msrpsess *s, int err, const char *why)
{
	if (!s->closeh)
		return;

	s->close_err = err;
	s->close_why = why;
	tmr_start(&s->tmr, 0, close_handler_tmr, s);
}


static void idle_handler(void *arg)
{
	struct msrpsess *s = arg;
	uint64_t idle = s->ms->conf.idle_timeout;
	uint64_t since = tmr_jiffies() - s->last;

	if (since < idle) {
		tmr_start(&s->tmr, idle - since, idle_handler, s);
		return;
	}

	DEBUG_NOTICE("session %s: no progress for %llu ms: closing\n",
		     s->sid, since);
	sess_close_later(s, ETIMEDOUT, "MSRP Session Timed Out");
}


static void connect_timeout(void *arg)
{
	struct msrpsess *s = arg;

	DEBUG_NOTICE("session %s: MSRP connection not established in %u ms\n",
		     s->sid, s->ms->conf.connect_timeout);
	sess_close_later(s, ETIMEDOUT, "MSRP Connection Timed Out");
}


/**
 * Make a session for an accepted INVITE. Its a=path is ready at once;
 * msrpsess_start() begins connecting (active) or waiting (passive).
 */
int msrpsess_alloc(struct msrpsess **sp, struct msrpsock *ms,
		   const struct msrpsess_conf *sc, msrpsess_close_h *closeh,
		   void *arg)
{
	struct msrpsess *s;
	uint8_t rnd[9];
	int err;

	if (!sp || !ms || !sc || !sc->appid || !sc->remote_path)
		return EINVAL;

	s = mem_zalloc(sizeof(*s), sess_destructor);
	if (!s)
		return ENOMEM;

	tmr_init(&s->tmr);
	list_init(&s->msgs);
	s->ms     = ms;
	s->tls    = sc->tls;
	s->active = sc->active;
	s->closeh = closeh;
	s->arg    = arg;
	str_ncpy(s->appid, sc->appid, sizeof(s->appid));
	str_ncpy(s->sender, sc->sender ? sc->sender : "", sizeof(s->sender));

	/* unguessable: the session-id is what binds a connection */
	rand_bytes(rnd, sizeof(rnd));
	(void)re_snprintf(s->sid, sizeof(s->sid), "%w", rnd, sizeof(rnd));

	err  = str_dup(&s->remote_path, sc->remote_path);
	err |= re_sdprintf(&s->path, "%s://%J/%s;tcp",
			   s->tls ? "msrps" : "msrp", &ms->laddr, s->sid);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	/* RFC 4976 §6.1: the relay's Use-Path goes in front of our URI */
	if (sc->relay) {
		if (!ms->relay || !ms->relay_path) {
			err = ENOTCONN;
			goto out;
		}
		s->relay  = true;
		s->rconn  = ms->relay;
		s->active = false;
		err = re_sdprintf(&s->sdp_path, "%s %s", ms->relay_path,
				  s->path);
		if (err)
			goto out;
	}

	hash_append(ms->sessions, hash_joaat_str(s->sid), &s->he, s);
	++ms->n_sessions;

 out:
	if (err)
		mem_deref(s);
	else
		*sp = s;

	return err;
}


const char *msrpsess_path(const struct msrpsess *s)
{
	return s ? s->path : NULL;
}


/** The a=path to answer with: the relay's Use-Path and ours, or ours */
const char *msrpsess_sdp_path(const struct msrpsess *s)
{
	if (!s)
		return NULL;

	return s->sdp_path ? s->sdp_path : s->path;
}


static void active_estab(void *arg)
{
	struct mconn *c = arg;
	struct msrpsess *s = c->sess;
	char tid[MSRP_TID_MAX + 1], msgid[MSRP_MSGID_MAX + 1];
	struct mbuf *mb;

	c->up = true;
	if (!s)
		return;

	DEBUG_INFO("session %s: connected out; binding\n", s->sid);

	/* RFC 4975 §5.4: the active side binds the connection with a SEND
	 * at once, an empty one when it has nothing to say */
	mb = mbuf_alloc(512);
	if (!mb)
		return;

	msrp_tid_make(tid, sizeof(tid));
	msrp_tid_make(msgid, sizeof(msgid));
	if (!msrp_send_encode(mb, tid, s->remote_path, s->path, msgid, 1, 0,
			      0, NULL, NULL, NULL, 0, '$'))
		conn_send(c, mb);

	mem_deref(mb);
	sess_touch(s);
	tmr_start(&s->tmr, s->ms->conf.idle_timeout, idle_handler, s);
}


/* "msrp[s]://[user@]host:port/session;tcp" -> host and port; the host
 * must be an IP literal (DNS is not done for MSRP peers here). */
static int uri_hostport(const char *uri, char *host, size_t sz,
			struct sa *peer)
{
	const char *a = strstr(uri, "://"), *end, *at, *colon;
	size_t hl;
	uint32_t port = 0;

	if (!a)
		return EINVAL;
	a += 3;
	end = a + strcspn(a, "/;");
	at = memchr(a, '@', (size_t)(end - a));
	if (at)
		a = at + 1;

	if (*a == '[') {
		const char *rb = memchr(a, ']', (size_t)(end - a));

		if (!rb || rb[1] != ':')
			return EINVAL;
		hl = (size_t)(rb - a - 1);
		colon = rb + 1;
		++a;
	}
	else {
		colon = memchr(a, ':', (size_t)(end - a));
		if (!colon)
			return EINVAL;
		hl = (size_t)(colon - a);
	}

	if (!hl || hl >= sz)
		return EINVAL;

	for (const char *p = colon + 1; p < end; p++) {
		if (*p < '0' || *p > '9' || port > 65535)
			return EINVAL;
		port = port * 10 + (uint32_t)(*p - '0');
	}
	if (!port || port > 65535)
		return EINVAL;

	memcpy(host, a, hl);
	host[hl] = '\0';

	return sa_set_str(peer, host, (uint16_t)port);
}


static int connect_out(struct msrpsess *s)
{
	char uri[MSRP_PATH_MAX + 1], host[256];
	struct msrpsock *ms = s->ms;
	struct mconn *c = NULL;
	struct sa peer;
	int err;

	/* the first hop of the offerer's path is where we dial */
	err = msrp_path_first(s->remote_path, uri, sizeof(uri));
	if (err)
		return err;

	if (uri_hostport(uri, host, sizeof(host), &peer)) {
		DEBUG_WARNING("session %s: cannot dial '%s' (IP:port only)\n",
			      s->sid, uri);
		return EINVAL;
	}

	err = conn_alloc(&c, ms);
	if (err)
		return err;

	err = tcp_connect(&c->tc, &peer, active_estab, recv_handler,
			  close_handler, c);
	if (err)
		goto out;

	if (s->tls) {
		struct siptls_conf tc;

		memset(&tc, 0, sizeof(tc));
		tc.ca_file = ms->ca_file;
		tc.host    = host;
		tc.verify  = ms->conf.tls_verify;
		if (!tc.verify)
			DEBUG_WARNING("session %s: tls_verify is no: the MSRP "
				      "peer's certificate is NOT checked\n",
				      s->sid);

		/* a context of our own: the peer's name is this session's */
		err = siptls_alloc(&c->ctls, &tc);
		if (!err)
			err = tls_start_tcp(&c->sc, c->ctls, c->tc, 0);
		if (err)
			goto out;
	}

	c->sess = s;
	s->conn = c;

 out:
	if (err)
		mem_deref(c);

	return err;
}


/**
 * Begin the transport: dial out now (we answered a=setup:active; not
 * waiting for the ACK, RFC 6135) or wait for the peer's connection.
 */
int msrpsess_start(struct msrpsess *s)
{
	int err;

	if (!s)
		return EINVAL;

	sess_touch(s);

	/* through a relay: its path is the transport, nothing to dial */
	if (!s->active || s->relay) {
		tmr_start(&s->tmr, s->ms->conf.connect_timeout,
			  connect_timeout, s);
		return 0;
	}

	tmr_start(&s->tmr, s->ms->conf.connect_timeout, connect_timeout, s);
	err = connect_out(s);
	if (err)
		sess_close_later(s, err, "Cannot Connect MSRP");

	return err;
}


/* --- the shared connection to a relay ------------------------------------------ */

static void link_destructor(void *arg)
{
	struct msrplink *l = arg;

	/* the connection's destructor sees c->link and detaches the
	 * relay sessions */
	mem_deref(l->c);
}


static void link_estab(void *arg)
{
	struct mconn *c = arg;

	c->up = true;
	if (c->link && c->link->estabh)
		c->link->estabh(c->link->arg);
}


/**
 * Open the connection to a relay that all relay sessions share.
 *
 * @param lp      The link; freeing it closes the connection
 * @param ms      The listener whose sessions it carries
 * @param uri     msrp[s]://IP:port[;tcp] of the relay
 * @param estabh  Connected (TLS may still be in progress: send anyway)
 * @param resph   A response arrived on it (AUTH: the caller matches tids)
 * @param closeh  Lost; called from the main loop, may free the link
 */
int msrplink_connect(struct msrplink **lp, struct msrpsock *ms,
		     const char *uri, msrplink_estab_h *estabh,
		     msrplink_resp_h *resph, msrplink_close_h *closeh,
		     void *arg)
{
	struct msrplink *l;
	char host[256];
	struct sa peer;
	bool tls;
	int err;

	if (!lp || !ms || !uri)
		return EINVAL;

	tls = !strncasecmp(uri, "msrps:", 6);
	if (uri_hostport(uri, host, sizeof(host), &peer))
		return EINVAL;

	l = mem_zalloc(sizeof(*l), link_destructor);
	if (!l)
		return ENOMEM;

	l->estabh = estabh;
	l->resph  = resph;
	l->closeh = closeh;
	l->arg    = arg;

	err = conn_alloc(&l->c, ms);
	if (err)
		goto out;

	l->c->link = l;

	err = tcp_connect(&l->c->tc, &peer, link_estab, recv_handler,
			  close_handler, l->c);
	if (err)
		goto out;

	if (tls) {
		struct siptls_conf tc;

		memset(&tc, 0, sizeof(tc));
		tc.ca_file = ms->ca_file;
		tc.host    = host;
		tc.verify  = ms->conf.tls_verify;

		err = siptls_alloc(&l->c->ctls, &tc);
		if (!err)
			err = tls_start_tcp(&l->c->sc, l->c->ctls, l->c->tc, 0);
		if (err)
			goto out;
	}

 out:
	if (err)
		mem_deref(l);
	else
		*lp = l;

	return err;
}


int msrplink_send(struct msrplink *l, struct mbuf *mb)
{
	if (!l || !l->c || !l->c->tc || l->c->closing || !mb)
		return ENOTCONN;

	mb->pos = 0;
	return tcp_send(l->c->tc, mb);
}


/**
 * The relay is ready (its AUTH succeeded) with this Use-Path, or not
 * (use_path NULL). New sessions go through it; sessions already made
 * keep the path they were answered with.
 */
int msrpsock_set_relay(struct msrpsock *ms, struct msrplink *l,
		       const char *use_path)
{
	char *p = NULL;
	int err;

	if (!ms)
		return EINVAL;

	if (!l || !l->c || !use_path) {
		ms->relay_path = mem_deref(ms->relay_path);
		return 0;
	}

	err = str_dup(&p, use_path);
	if (err)
		return err;

	mem_deref(ms->relay_path);
	ms->relay_path = p;
	ms->relay = l->c;

	return 0;
}


/** Where the listener is: the host part of our own MSRP URIs */
const struct sa *msrpsock_laddr(const struct msrpsock *ms)
{
	return ms ? &ms->laddr : NULL;
}


/** The relay's Use-Path while it is ready, else NULL */
const char *msrpsock_relay_path(const struct msrpsock *ms)
{
	return ms && ms->relay ? ms->relay_path : NULL;
}


/* --- the listener ------------------------------------------------------------- */

static void sock_destructor(void *arg)
{
	struct msrpsock *ms = arg;

	list_flush(&ms->conns);
	hash_flush(ms->sessions);
	mem_deref(ms->sessions);
	mem_deref(ms->ts);
	mem_deref(ms->tls);
	mem_deref(ms->spool_dir);
	mem_deref(ms->ca_file);
	mem_deref(ms->router);
	mem_deref(ms->dlv);
}


void msrpsock_set_conf(struct msrpsock *ms, const struct msrpsock_conf *c)
{
	if (!ms || !c)
		return;

	ms->conf.max_size        = c->max_size;
	ms->conf.connect_timeout = c->connect_timeout ? c->connect_timeout :
		30000;
	ms->conf.idle_timeout    = c->idle_timeout ? c->idle_timeout : 60000;
	ms->conf.tls_verify      = c->tls_verify;
}


/**
 * Listen for MSRP connections.
 *
 * @param msp         Pointer to allocated listener
 * @param laddr       Address and port (0: any free port)
 * @param server_tls  TLS context with our certificate for msrps, or NULL
 * @param conf        Limits and spool directory
 * @param router      Routing table (checked again when a message completes)
 * @param dlv         Delivery to apps
 */
int msrpsock_alloc(struct msrpsock **msp, const struct sa *laddr,
		   struct tls *server_tls, const struct msrpsock_conf *conf,
		   struct router *router, struct deliver *dlv)
{
	struct msrpsock *ms;
	int err;

	if (!msp || !laddr || !conf || !conf->spool_dir || !router || !dlv)
		return EINVAL;

	ms = mem_zalloc(sizeof(*ms), sock_destructor);
	if (!ms)
		return ENOMEM;

	list_init(&ms->conns);
	ms->router = mem_ref(router);
	ms->dlv    = mem_ref(dlv);
	ms->tls    = mem_ref(server_tls);
	msrpsock_set_conf(ms, conf);

	err  = str_dup(&ms->spool_dir, conf->spool_dir);
	if (conf->ca_file)
		err |= str_dup(&ms->ca_file, conf->ca_file);
	if (err)
		goto out;

	err = hash_alloc(&ms->sessions, SESS_HASH);
	if (err)
		goto out;

	(void)spool_dir_clean(ms->spool_dir);

	err = tcp_listen(&ms->ts, laddr, accept_handler, ms);
	if (err) {
		DEBUG_WARNING("MSRP listen on %J: %m\n", laddr, err);
		goto out;
	}

	err = tcp_sock_local_get(ms->ts, &ms->laddr);
	if (err)
		goto out;

	DEBUG_INFO("MSRP on %J%s\n", &ms->laddr, server_tls ? " (tls)" : "");

 out:
	if (err)
		mem_deref(ms);
	else
		*msp = ms;

	return err;
}


/** Can TCP/TLS/MSRP be offered? Only with a certificate to show. */
bool msrpsess_tls_ok(const struct msrpsock *ms)
{
	return ms && ms->tls;
}


int msrpsock_port(const struct msrpsock *ms)
{
	return ms ? sa_port(&ms->laddr) : 0;
}


int msrpsock_status(struct re_printf *pf, const struct msrpsock *ms)
{
	if (!ms)
		return 0;

	return re_hprintf(pf, "msrp_sessions=%llu\nmsrp_delivered=%llu\n"
			  "msrp_failed=%llu\nmsrp_bytes=%llu\n",
			  ms->n_sessions, ms->n_delivered, ms->n_failed,
			  ms->n_bytes);
}
