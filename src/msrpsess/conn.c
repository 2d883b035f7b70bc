/* conn.c: one MSRP connection: parses its chunks, binds it to a session, answers each chunk. */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "msrp.h"
#include "siptls.h"
#include "msrpsess.h"
#include "msrpsess_priv.h"

#define DEBUG_MODULE "msrpsess"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


void mconn_send(struct mconn *c, struct mbuf *mb)
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
		mconn_send(c, mb);

	mem_deref(mb);
}


/* A chunk on the relay connection: ours is the last To-Path URI. */
static int bind_shared(struct mconn *c, const struct msrp_msg *msg)
{
	char uri[MSRP_PATH_MAX + 1], sid[64];
	struct msrpsess *s;

	if (msrp_path_last(msg->to_path, uri, sizeof(uri)) ||
	    msrp_uri_session(uri, sid, sizeof(sid)))
		return 481;

	s = msrpsess_lookup(c->ms, sid);
	if (!s || !s->relay || s->rconn != c)
		return 481;

	c->sess = s;

	if (!s->bound) {
		s->bound = true;
		DEBUG_INFO("session %s: first chunk through the relay\n",
			   s->sid);
		msrpsess_bound(s);
	}

	return 0;
}


/* The first chunk on an accepted connection says which session it is for. */
/*
 * RFC 4975 §7.3: a request's From-Path must be the path the sender gave
 * in its SDP (the INVITE the core brought). Knowing our session-id is
 * then not enough to inject content: the sender's own session-id, also
 * random, must be named too. Compared as URIs: session-id exactly, the
 * rest (scheme, authority, transport) without case.
 */
static bool from_sender(const struct msrpsess *s, const struct msrp_msg *msg)
{
	char a[MSRP_PATH_MAX + 1], b[MSRP_PATH_MAX + 1];
	char sa[64], sb[64];

	if (msrp_path_last(msg->from_path, a, sizeof(a)) ||
	    msrp_path_last(s->remote_path, b, sizeof(b)) ||
	    msrp_uri_session(a, sa, sizeof(sa)) ||
	    msrp_uri_session(b, sb, sizeof(sb)))
		return false;

	return !strcmp(sa, sb) && !strcasecmp(a, b);
}


static int bind_conn(struct mconn *c, const struct msrp_msg *msg)
{
	char uri[MSRP_PATH_MAX + 1], sid[64];
	struct msrpsess *s;

	if (c->link)
		return bind_shared(c, msg);

	if (msrp_path_first(msg->to_path, uri, sizeof(uri)) ||
	    msrp_uri_session(uri, sid, sizeof(sid)))
		return 481;

	/* bound: to its first session, and only its sender speaks on it */
	if (c->sess)
		return strcmp(sid, c->sess->sid) ? 481 :
			from_sender(c->sess, msg) ? 0 : 403;

	s = msrpsess_lookup(c->ms, sid);
	if (!s)
		return 481;

	if (!from_sender(s, msg))
		return 403;

	/* its URI named the listener of its transport: a plain connection
	 * for an msrps session would undo the TLS the sender asked for */
	if (s->tls != (c->sc != NULL))
		return 481;

	if (s->conn && s->conn != c)
		return 506;

	list_unlink(&c->le);
	tmr_cancel(&c->tmr);
	c->sess = s;
	s->conn = c;

	DEBUG_INFO("session %s bound to its connection\n", s->sid);
	msrpsess_bound(s);

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
			scode == 403 ? "From-Path Is Not The Sender's" :
			"Session Does Not Exist";
		return 0;
	}

	msrpsess_touch(c->sess);

	switch (msg->method) {
	case MSRP_M_SEND:
		c->chunk_err = inmsg_start(c->sess, msg, &c->cur,
					   &c->chunk_why);
		if (c->cur)
			c->off = msg->range_start - 1;
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

	if (m && !m->failed && !c->chunk_err)
		c->chunk_err = inmsg_write(m, c->off, p, n, &c->chunk_why);

	c->off += n;
	return 0;
}


static int end_handler(const struct msrp_msg *msg, char flag, void *arg)
{
	struct mconn *c = arg;
	struct inmsg *m = c->cur;
	const char *why = NULL;
	uint16_t scode;

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
			mconn_close_later(c);
		return 0;
	}

	if (msg->method != MSRP_M_SEND)
		return 0;

	if (!m) {
		respond(c, 200, "OK");
		return 0;
	}

	c->cur = flag == '#' ? NULL : m;
	scode = inmsg_end(m, msg, flag, c->off, &why);
	if (scode) {
		respond(c, scode, why);
		inmsg_fail(m, scode, why);
		return 0;
	}

	respond(c, 200, "OK");

	if (flag != '#')
		inmsg_ready(m);

	return 0;
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

	/* the buffer goes with the last reader: nothing held while idle */
	if (c->rx_user && --c->ms->rx_users == 0)
		c->ms->rxbuf = mem_deref(c->ms->rxbuf);

	if (c->link) {
		struct msrpsock *ms = c->ms;

		if (ms->relay == c) {
			ms->relay = NULL;
			ms->relay_path = mem_deref(ms->relay_path);
		}

		/* its sessions lose their transport; a Use-Path from a later
		 * connection does not lead to them */
		(void)hash_apply(ms->sessions, msrpsess_relay_lost, c);
		c->link->c = NULL;
		return;
	}

	if (s && s->conn == c) {
		s->conn = NULL;
		msrpsess_lost(s);
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


void mconn_close_later(struct mconn *c)
{
	if (c->closing)
		return;

	c->closing = true;
	tmr_start(&c->tmr, 0, c->link ? link_lost_tmr : close_tmr, c);
}


/* Bytes of the stream, however they were read */
static void feed(struct mconn *c, const uint8_t *p, size_t n)
{
	struct msrp_error perr;
	int err;

	err = msrp_parser_feed(c->parser, p, n, &perr);
	if (err) {
		DEBUG_NOTICE("malformed MSRP from connection%s%s: %u %s\n",
			     c->sess ? " of session " : "",
			     c->sess ? c->sess->sid : "", perr.scode,
			     perr.reason);
		/* RFC 4975 §7.2: a malformed request gets 400, if its tid and
		 * paths were read (the response goes to its From-Path); MSRP
		 * cannot find the next chunk, so the connection goes */
		if (!c->have_hdr && perr.msg) {
			c->hdr = *perr.msg;
			c->have_hdr = true;
		}
		if (c->have_hdr && perr.scode)
			respond(c, perr.scode, perr.reason);
		mconn_close_later(c);
	}
}


/*
 * Reading. libre 1.1.0 reads a connection 8 KiB at a time into a fresh
 * mbuf, with a getsockopt(SO_ERROR) before each recv: a 64 MiB push cost
 * ~550 system calls per MiB in the daemon (strace -c), a plain reader 11.
 * Where libre lets us (compat_tcp_rx_take: before 3.6) plain TCP is read
 * here instead: RX_BUF at a time into one buffer that every connection
 * shares (a read is parsed, and its body written to the spool, before
 * the next one), again while reads come back full, up to RX_TURNS before
 * epoll is asked again. TLS stays libre's (its helper decrypts), in
 * LIBRE_RXSZ reads. libre's send path takes the descriptor back while its
 * send queue is not empty (a peer that stops reading our responses):
 * its reads reach recv_handler() then, which takes it back once the
 * queue is empty.
 */
enum { LIBRE_RXSZ = 65536 };   /* below malloc's mmap threshold */

static void close_handler(int err, void *arg);


static void rx_handler(int flags, void *arg)
{
	struct mconn *c = arg;
	uint8_t *buf = c->ms->rxbuf;
	(void)flags;

	mem_ref(c);

	for (int i = 0; i < RX_TURNS && c->tc && !c->closing; i++) {
		ssize_t n = recv(c->rxfd, buf, RX_BUF, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				close_handler(errno, c);
			break;
		}
		if (n == 0) {
			close_handler(0, c);
			break;
		}

		feed(c, buf, (size_t)n);
		if ((size_t)n < RX_BUF)
			break;     /* the socket is empty: no EAGAIN round */
	}

	mem_deref(c);
}


/* Read plain TCP ourselves from now on, if libre allows it. */
static void rx_take(struct mconn *c)
{
	struct msrpsock *ms = c->ms;

	if (!c->tc || c->sc || c->closing)
		return;

	if (!ms->rxbuf) {
		ms->rxbuf = mem_alloc(RX_BUF, NULL);
		if (!ms->rxbuf)
			goto libre;
	}

	if (compat_tcp_rx_take(c->tc, rx_handler, c, &c->rxfd)) {
		if (!ms->rx_users)
			ms->rxbuf = mem_deref(ms->rxbuf);
		goto libre;
	}

	if (!c->rx_user) {
		c->rx_user = true;
		++ms->rx_users;
	}
	return;

 libre:
	tcp_conn_rxsz_set(c->tc, LIBRE_RXSZ);
}


static void recv_handler(struct mbuf *mb, void *arg)
{
	struct mconn *c = arg;

	if (c->closing)
		return;

	feed(c, mbuf_buf(mb), mbuf_get_left(mb));

	/* libre had it back for its send queue: ours again once empty */
	if (c->rx_user && c->tc && !c->closing && !tcp_conn_txqsz(c->tc))
		rx_take(c);
}


static void close_handler(int err, void *arg)
{
	struct mconn *c = arg;

	DEBUG_INFO("MSRP connection%s%s closed (%m)\n",
		   c->sess ? " of session " : "", c->sess ? c->sess->sid : "",
		   err);
	/* msrps we dialled: say why the handshake failed, if it was the
	 * peer's certificate */
	if (c->ctls && !c->up && c->ms->cfg->tls_verify &&
	    tls_peer_verify(c->sc))
		DEBUG_WARNING("msrps: MSRP peer's certificate rejected (not "
			      "valid for its a=path host under tls_ca_file):"
			      " connection%s%s refused\n",
			      c->sess ? " of session " : "",
			      c->sess ? c->sess->sid : "");
	c->tc = mem_deref(c->tc);
	if (c->link)
		c->link->close_err = err;
	mconn_close_later(c);
}


static void unbound_timeout(void *arg)
{
	struct mconn *c = arg;

	DEBUG_NOTICE("MSRP connection never named a session: closed\n");
	mem_deref(c);
}


int mconn_alloc(struct mconn **cp, struct msrpsock *ms)
{
	struct mconn *c;
	int err;

	c = mem_zalloc(sizeof(*c), conn_destructor);
	if (!c)
		return ENOMEM;

	c->ms = ms;
	c->rxfd = -1;
	tmr_init(&c->tmr);

	err = msrp_parser_alloc(&c->parser, start_handler, data_handler,
				end_handler, c);
	if (err)
		mem_deref(c);
	else
		*cp = c;

	return err;
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


/* Connected (TLS: handshake done): from now on plain TCP is ours to read */
static void conn_estab(void *arg)
{
	struct mconn *c = arg;

	rx_take(c);
	if (c->estabh)
		c->estabh(c);
}


/**
 * Dial the host of an MSRP URI (an IP literal) and, with tls, start
 * msrps with a context of our own: the peer's name is this URI's, and
 * with tls_verify its certificate is checked against tls_ca_file.
 *
 * @return 0, EINVAL (not IP:port), or an errno of the connect
 */
int mconn_dial(struct mconn *c, const char *uri, bool tls,
	       tcp_estab_h *estabh)
{
	struct msrpsock *ms = c->ms;
	struct siptls_conf tc;
	char host[256];
	struct sa peer;
	int err;

	if (uri_hostport(uri, host, sizeof(host), &peer))
		return EINVAL;

	c->estabh = estabh;
	err = tcp_connect(&c->tc, &peer, conn_estab, recv_handler,
			  close_handler, c);
	if (err || !tls)
		return err;

	tcp_conn_rxsz_set(c->tc, LIBRE_RXSZ);

	memset(&tc, 0, sizeof(tc));
	tc.ca_file = ms->cfg->tls_ca_file;
	tc.host    = host;
	tc.verify  = ms->cfg->tls_verify;

	err = siptls_alloc(&c->ctls, &tc);
	if (!err)
		err = tls_start_tcp(&c->sc, c->ctls, c->tc, 0);

	return err;
}


/** A listener (ts: plain or TLS) has a new connection: it must name a
 * session of its transport soon. */
void mconn_accept(struct msrpsock *ms, struct tcp_sock *ts,
		  const struct sa *peer)
{
	struct mconn *c = NULL;
	int err;

	if (list_count(&ms->conns) >= CONNS_UNBOUND_MAX) {
		DEBUG_NOTICE("too many unbound MSRP connections: refusing "
			     "%J\n", peer);
		tcp_reject(ts);
		return;
	}

	err = mconn_alloc(&c, ms);
	if (err) {
		tcp_reject(ts);
		return;
	}

	/* conn_estab: libre marks the connection up on its first
	 * writable event; taking the descriptor before that would leave it
	 * "connecting" for libre's send queue */
	err = tcp_accept(&c->tc, ts, conn_estab, recv_handler,
			 close_handler, c);
	if (err)
		goto out;

	if (ts == ms->tls_ts) {
		err = tls_start_tcp(&c->sc, ms->tls, c->tc, 0);
		if (err)
			goto out;
		tcp_conn_rxsz_set(c->tc, LIBRE_RXSZ);
	}

	list_append(&ms->conns, &c->le, c);
	tmr_start(&c->tmr, UNBOUND_MS, unbound_timeout, c);
	DEBUG_PRINTF("MSRP connection from %J\n", peer);

 out:
	if (err) {
		DEBUG_WARNING("accept MSRP connection from %J: %m\n", peer,
			      err);
		tcp_reject(ts);
		mem_deref(c);
	}
}
