/* ipc.h: the local API socket (doc/ipc.md): clients, commands, push records. */
#ifndef SIPPUSH_IPC_H
#define SIPPUSH_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acl_cred;
struct ipc;
struct ipc_client;
struct router_opts;
struct mbuf;
struct push;
struct re_printf;

/* Protocol limits (doc/ipc.md section 2); lib/client.c has the same. */
enum {
	IPC_PROTOCOL   = 1,
	IPC_CMD_MAX    = 512,     /* one command, optional LF included */
	IPC_REASON_MAX = 128,     /* NACK reason */
	IPC_LINE_MAX   = 512,     /* one record header line, LF included */
	IPC_HDR_MAX    = 2048,    /* record header block, blank line included */
	IPC_BODY_MAX   = 65536,
	IPC_RECORD_MAX = IPC_HDR_MAX + IPC_BODY_MAX,
	IPC_REPLY_MAX  = 65536,
	IPC_MAX_SUBS   = 16,      /* per connection */
};

/**
 * What the daemon does with client requests. Every handler may be NULL.
 * Handlers may call ipc_send_push() on any client, the calling one too;
 * a client dropped meanwhile is reported through goneh later, from the
 * main loop, never from inside another ipc call.
 */
struct ipc_handlers {
	/* 0 = subscribed; errno otherwise (EPERM unauthorised, EEXIST or
	 * EBUSY owner taken, EALREADY already subscribed, EMLINK more than
	 * IPC_MAX_SUBS on this connection, ENOSPC full, E2BIG the
	 * advertised set would pass its bounds, EDQUOT the user's share of
	 * it, ...). appid is canonical, filter lower-case or NULL. Every SUBSCRIBE that parses
	 * comes here, so this is where authorization happens (the daemon's
	 * calls authz_local() with ipc_client_acl()) and where the
	 * subscription is recorded (router.c: ipc keeps no copy). */
	int  (*subscribeh)(struct ipc_client *c, const char *appid,
			   const char *filter, bool monitor,
			   const struct router_opts *opts, void *arg);
	/* After a SUBSCRIBE was taken and answered OK: what it asked for
	 * (nostore: do not hand it the pushes stored while the app was
	 * away). The daemon starts what waits for the app here. */
	void (*subscribedh)(struct ipc_client *c, const char *appid,
			    bool monitor, bool nostore, void *arg);
	/* 0, or ENOENT: c is not subscribed to appid (NULL = all) */
	int  (*unsubscribeh)(struct ipc_client *c,
			     const char *appid /* NULL = all */, void *arg);
	/* Called for owners and monitors alike; a monitor's ACK/NACK must
	 * not count. ENOENT if the push id is unknown, EPERM if it is not
	 * c's to answer (not subscribed to its app; the ACL says no). */
	int  (*ackh)(struct ipc_client *c, uint64_t push_id, void *arg);
	int  (*nackh)(struct ipc_client *c, uint64_t push_id, uint16_t code,
		      const char *reason /* NULL = none */, void *arg);
	/* Disconnected or dropped: forget c and its subscriptions, fail
	 * what it had not ACKed.
	 * c is valid until this returns. Not called when ipc is destroyed. */
	void (*goneh)(struct ipc_client *c, void *arg);
	/* DISPOSED: the owner processed or displayed a push (IMDN, RFC
	 * 5438). 0, ENOENT no such push asked for it, EPERM not c's push,
	 * EALREADY reported before, ENOTSUP no IMDN in this build. */
	int  (*disposedh)(struct ipc_client *c, uint64_t push_id,
			  bool displayed, void *arg);
	/* Extra STATUS lines, "key=value\n" each, for client c (what it
	 * may see of other apps is the daemon's ACL's to say) */
	int  (*statush)(struct ipc_client *c, struct re_printf *pf,
			void *arg);
};

int  ipc_alloc(struct ipc **ipcp, const char *path,
	       const struct ipc_handlers *h, void *arg);
int  ipc_send_push(struct ipc_client *c, const struct push *p);
void ipc_client_cred(const struct ipc_client *c, uint32_t *uid,
		     uint32_t *gid, uint32_t *pid);
const struct acl_cred *ipc_client_acl(const struct ipc_client *c);
uint32_t ipc_client_id(const struct ipc_client *c);
uint32_t ipc_clients(const struct ipc *ipc);
uint32_t ipc_dropped(const struct ipc *ipc);
uint32_t ipc_refused(const struct ipc *ipc);


/* The codec, on its own so that it can be tested without sockets. */

enum ipc_cmd_type {
	IPC_CMD_HELLO,
	IPC_CMD_SUBSCRIBE,
	IPC_CMD_UNSUBSCRIBE,
	IPC_CMD_ACK,
	IPC_CMD_NACK,
	IPC_CMD_STATUS,
	IPC_CMD_PING,
	IPC_CMD_DISPOSED,
};

/** A decoded command; the pl fields point into the decoded buffer. */
struct ipc_cmd {
	enum ipc_cmd_type type;
	uint32_t version;        /* HELLO */
	struct pl appid;         /* SUBSCRIBE; UNSUBSCRIBE (unset: all) */
	struct pl filter;        /* SUBSCRIBE (unset: any) */
	bool monitor;            /* SUBSCRIBE */
	bool nostore;            /* SUBSCRIBE: no stored pushes for me */
	struct pl encodings;     /* SUBSCRIBE encoding=LIST (unset: none) */
	bool unwrap;             /* SUBSCRIBE: message/cpim unwrapped */
	uint64_t push_id;        /* ACK, NACK, DISPOSED */
	bool displayed;          /* DISPOSED: displayed (else processed) */
	uint16_t code;           /* NACK */
	struct pl reason;        /* NACK (unset: none) */
	const char *why;         /* after an error: what was wrong */
};

int ipc_cmd_decode(struct ipc_cmd *cmd, const uint8_t *buf, size_t len);
int ipc_push_encode(struct mbuf *mb, const struct push *p);

#endif
