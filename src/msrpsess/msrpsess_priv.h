/* msrpsess_priv.h: what the files of src/msrpsess/ share: listener, connection, session and message state. */
#ifndef SIPPUSH_MSRPSESS_PRIV_H
#define SIPPUSH_MSRPSESS_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "msrp.h"
#include "push.h"
#include "pushmeta.h"
#include "msrpsess.h"

/*
 * One msrpsock (sock.c: a TCP listener, a TLS one when we have a
 * certificate, and the table of sessions by session-id) serves every
 * session. A session's URI names the listener of its transport, and
 * only a connection of that transport binds it. A session (sess.c) is bound to
 * exactly one connection (conn.c): the one we dial (a=setup active) or
 * the first one whose To-Path names its session-id (passive); another
 * connection naming a bound session gets 506, an unknown session-id 481.
 *
 * Body bytes go straight from the parser to a spool file at their
 * Byte-Range offset (msg.c), so memory does not grow with the message,
 * and out-of-order or interleaved chunks (several Message-IDs on one
 * session) need nothing more than a range set per message. A message is
 * offered to the app only when every byte of it is on disk; the app gets
 * a file descriptor, and its ACK is what triggers the Success REPORT.
 *
 * With an MSRP relay (RFC 4976) one more mode exists: a shared
 * connection (struct msrplink, link.c), the one to our relay, which the
 * relay client in msrprelay.c owns. Relay sessions never dial and never
 * bind a connection of their own: each chunk on the shared connection is
 * matched to its session by the session-id of the last To-Path URI
 * (ours, the relay is in front of it), and a session's responses and
 * REPORTs go back on the shared connection. No session ever frees it.
 *
 * Handlers that could end a session (timeouts, lost connections) never
 * run the close handler from inside the parser or a socket callback: the
 * session's timer fires it from the main loop.
 */

enum {
	MSGS_MAX        = 16,      /* messages in progress per session */
	DONE_MAX        = 8,       /* delivered Message-IDs kept per session */
	RANGES_MAX      = 1024,    /* disjoint pieces one message may have */
	UNBOUND_MS      = 10000,   /* an accepted connection must bind by then */
	CONNS_UNBOUND_MAX = 64,
	SESS_HASH       = 64,
	/* One read: 128 KiB took a 64 MiB push from ~130 recv(2) per MiB
	 * (libre's 8 KiB) to ~8; larger buys little more on loopback and
	 * would not stay in L2. */
	RX_BUF          = 128 * 1024,
	RX_TURNS        = 8,       /* full reads in a row before epoll */
};

struct msrpsock {
	struct tcp_sock *ts;        /* msrp: plain TCP */
	struct tcp_sock *tls_ts;    /* msrps: TLS, with tls only */
	struct tls *tls;
	struct sa laddr;
	struct sa tls_laddr;
	int lfd[2];                 /* ts's, tls_ts's (fdguard), or -1 */
	struct hash *sessions;
	struct list conns;          /* accepted, not bound yet */
	struct router *router;
	struct deliver *dlv;
	struct absent *ab;          /* apps that are away; NULL: refuse */
	const struct config *cfg;   /* referenced; msrpsock_set_config() */
	char *spool_dir;            /* config spool_dir */
	uint64_t n_sessions;
	uint64_t n_delivered;
	uint64_t n_failed;
	uint64_t n_bytes;
	uint64_t n_repeats;         /* SENDs for delivered content: no effect */
	struct mconn *relay;        /* shared connection of relay sessions */
	char *relay_path;           /* its Use-Path; NULL: no relay ready */
	uint8_t *rxbuf;             /* RX_BUF, shared: each read is parsed
				     * before the next one (conn.c) */
	unsigned rx_users;          /* connections that may read into it */
};

/** The shared connection to a relay: owned by the relay client */
struct msrplink {
	struct mconn *c;
	msrplink_estab_h *estabh;
	msrplink_resp_h *resph;
	msrplink_close_h *closeh;
	void *arg;
	int close_err;
};

/** One MSRP connection, accepted or dialled */
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
	tcp_estab_h *estabh;        /* the dialler's, after ours */
	int rxfd;                   /* the socket, once we read it ourselves */
	bool rx_user;               /* holds a reference on ms->rxbuf */
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

/** One incoming message: its chunks reassembled in a spool file */
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
	uint64_t held;              /* bytes of spool_max_size taken */
	enum msrp_report succ;
	enum msrp_report fail;
	uint16_t failed;            /* dead message: answer chunks with this */
	bool complete;              /* every byte in: the content is frozen */
	bool tls;                   /* its chunks come over TLS (Transport) */
	struct delivery *dl;
	struct activation *act;     /* held while its app starts (absent.c) */
	int fd;                     /* the content, open while it is delivered */
	struct push push;           /* what the app (and observers) get */
	uint8_t digest[PUSHKEY_DIGEST]; /* of a small content (Push-Key) */
	bool has_digest;
	char key[PUSHKEY_SIZE];
};

struct msrpsess {
	struct le he;
	struct msrpsock *ms;
	char sid[24];
	char *path;
	char *remote_path;
	char appid[128];
	char sender[256];
	bool asserted;           /* sender is the core's PAI */
	struct pushmeta meta;       /* the INVITE's record lines (pushmeta.c) */
	bool tls;
	bool active;
	bool relay;                 /* through a relay, never own conn */
	struct mconn *rconn;        /* relay: the shared one it was made on */
	bool bound;                 /* relay: a chunk for it has come */
	char *sdp_path;             /* relay: Use-Path, then path */
	struct mconn *conn;
	struct list msgs;
	/* Message-IDs delivered (a ring): a SEND for one is answered 200
	 * and changes nothing, not even a new push */
	char done[DONE_MAX][MSRP_MSGID_MAX + 1];
	unsigned done_next;
	struct tmr tmr;
	uint64_t last;              /* jiffies of the last progress */
	int close_err;
	const char *close_why;
	msrpsess_close_h *closeh;
	void *arg;
};

/* conn.c */
int  mconn_alloc(struct mconn **cp, struct msrpsock *ms);
int  mconn_dial(struct mconn *c, const char *uri, bool tls,
		tcp_estab_h *estabh);
void mconn_accept(struct msrpsock *ms, struct tcp_sock *ts,
		  const struct sa *peer);
void mconn_send(struct mconn *c, struct mbuf *mb);
void mconn_close_later(struct mconn *c);

/* sock.c */
const struct sa *msrpsock_laddr_tp(const struct msrpsock *ms, bool tls);

/* sess.c */
struct msrpsess *msrpsess_lookup(const struct msrpsock *ms, const char *sid);
struct mconn *msrpsess_conn(const struct msrpsess *s);
void msrpsess_touch(struct msrpsess *s);
void msrpsess_bound(struct msrpsess *s);
void msrpsess_lost(struct msrpsess *s);
bool msrpsess_relay_lost(struct le *le, void *arg);
void msrpsess_close_later(struct msrpsess *s, int err, const char *why);

/* msg.c */
int inmsg_spool_status(struct re_printf *pf);
uint16_t inmsg_start(struct msrpsess *s, const struct msrp_msg *msg,
		     struct inmsg **mp, const char **why);
uint16_t inmsg_write(struct inmsg *m, uint64_t off, const uint8_t *p,
		     size_t n, const char **why);
uint16_t inmsg_end(struct inmsg *m, const struct msrp_msg *msg, char flag,
		   uint64_t off, const char **why);
void inmsg_ready(struct inmsg *m);
void inmsg_conn_lost(struct inmsg *m);
void inmsg_fail(struct inmsg *m, uint16_t status, const char *why);

#endif
