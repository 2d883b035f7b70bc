/* ipc_priv.h: what the files of src/ipc/ share: the listener, a client and its queue. */
#ifndef SIPPUSH_IPC_PRIV_H
#define SIPPUSH_IPC_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include "acl.h"
#include "loglimit.h"

/*
 * One SOCK_SEQPACKET message is one command, reply or push record, so
 * there is no framing here: a message is decoded whole or refused whole
 * (doc/ipc.md has the reasons and the syntax). Nothing in src/ipc/
 * blocks: sends are non-blocking, what the socket does not take waits in
 * a bounded per-client queue, and a client that lets it overflow (or sit
 * still too long) is dropped. A drop never calls back into the daemon
 * from inside an ipc call: goneh runs from a zero timer, so the daemon
 * can send to a list of clients without that list changing under it.
 */

enum {
	MAX_CLIENTS     = 1000,         /* libre 1.1.0 watches fds < 1024 */
	PRIV_SLOTS      = 32,           /* of them, for root and our own user
					 * only: `sippush status` always gets
					 * in */
	MAX_PER_UID     = 64,           /* connections of one other user */
	HELLO_MS        = 3000,         /* a client says HELLO by then, or
					 * goes: 1,000 silent ones filled the
					 * table for good */
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
	uint32_t refused;        /* connections refused at accept */
	struct loglimit ll_bad;  /* what clients can make us log: */
	struct loglimit ll_drop; /* bounded (loglimit.c) */
	struct loglimit ll_refuse;
};

struct outmsg {
	struct le le;
	struct mbuf *mb;
	int fd;                  /* our duplicate of a body's file, or -1 */
};

struct ipc_client {
	struct le le;
	struct ipc *ipc;
	struct list outq;        /* struct outmsg, what the socket did not take */
	struct tmr tmr_gone;
	struct tmr tmr_stall;
	struct tmr tmr_hello;    /* no HELLO yet: closed when it fires */
	struct acl_cred cred;    /* at connect time, groups included */
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


/* client.c */
void ipc_client_new(struct ipc *ipc, int fd);
void ipc_client_drop(struct ipc_client *c, bool counted, const char *fmt,
		     ...);
int  ipc_client_send(struct ipc_client *c, struct mbuf *mb);
void ipc_reply(struct ipc_client *c, const char *fmt, ...);
void ipc_client_hello(struct ipc_client *c);
bool ipc_log_ok(struct loglimit *ll, uint32_t *left_out);

/* cmd.c */
void ipc_cmd_handle(struct ipc_client *c, const uint8_t *buf, size_t len);

#endif
