/* sippush/client.h: client library for sippushd's local API (doc/ipc.md). */
#ifndef SIPPUSH_CLIENT_H
#define SIPPUSH_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @file client.h
 *
 * Talks protocol version 1 over sippushd's UNIX socket. Needs libc only.
 *
 * Conventions: every function returning int returns 0 on success or a
 * positive errno value; sippush_open() returns NULL and sets errno. A
 * handle must not be used by two threads at once.
 *
 * Push records can arrive while a command waits for its reply; the
 * library keeps them, in order, for sippush_recv(). So in a poll() loop,
 * call sippush_recv(c, &p, 0) until it returns EAGAIN whenever the
 * socket is readable and after every command call.
 */

#if defined(__GNUC__)
#define SIPPUSH_API __attribute__((visibility("default")))
#else
#define SIPPUSH_API
#endif

/** Where sippushd listens unless configured otherwise */
#define SIPPUSH_DEFAULT_SOCKET "/run/sippushd/sippushd.sock"

/** Environment variable that overrides the default socket path */
#define SIPPUSH_SOCKET_ENV "SIPPUSH_SOCKET"

/** Protocol version this library speaks */
#define SIPPUSH_PROTOCOL 1

/** Protocol limits (doc/ipc.md section 2) */
enum {
	SIPPUSH_CMD_MAX    = 512,    /**< one command, optional LF included */
	SIPPUSH_REASON_MAX = 128,    /**< NACK reason */
	SIPPUSH_HDR_MAX    = 2048,   /**< push record header block */
	SIPPUSH_BODY_MAX   = 65536,  /**< push body */
	SIPPUSH_RECORD_MAX = SIPPUSH_HDR_MAX + SIPPUSH_BODY_MAX,
	SIPPUSH_APPID_MAX  = 96,     /**< canonical app ID */
};

/** One connection to sippushd (opaque) */
struct sippush;

/**
 * One push, as returned by sippush_recv(). The strings and the body
 * stay valid until the next sippush_recv() or sippush_close() on the
 * same handle (commands in between do not disturb them).
 */
struct sippush_push {
	uint64_t id;             /**< for sippush_ack() / sippush_nack() */
	const char *appid;       /**< canonical, e.g. x-wap-application:mms.ua */
	const char *ctype;       /**< content type, parameters included */
	const char *sender;      /**< sender identity (sip: URI); may be "" */
	const char *transport;   /**< "sip-udp", "sip-tcp", "sip-tls", "msrp" */
	const uint8_t *body;     /**< len bytes, followed by a NUL not counted;
				      NULL when the body is in fd */
	size_t len;
	int fd;                  /**< >= 0: a large (MSRP) body as a read-only
				      file of len bytes, at offset 0, instead
				      of body. Like body, valid until the next
				      sippush_recv(); dup() it to keep it.
				      -1 otherwise. */
};

/**
 * Connect to sippushd and agree on the protocol version (HELLO).
 *
 * @param path  Socket path; NULL for $SIPPUSH_SOCKET, else
 *              SIPPUSH_DEFAULT_SOCKET
 *
 * @return New handle, or NULL with errno set: ENOENT or ECONNREFUSED (no
 *         daemon), EACCES (socket permissions), EPROTONOSUPPORT (daemon
 *         does not speak version 1), EPROTO (not a sippushd), ETIMEDOUT
 */
SIPPUSH_API struct sippush *sippush_open(const char *path);

/**
 * Like sippush_open(), over a connected SOCK_SEQPACKET socket you have
 * already (inherited, or one end of a socketpair in tests).
 *
 * @param fd  The socket; the handle owns it from now on, also on failure
 */
SIPPUSH_API struct sippush *sippush_open_fd(int fd);

/** Disconnect and free. The daemon fails every push not ACKed yet. */
SIPPUSH_API void sippush_close(struct sippush *c);

/** The socket, for poll(): readable means sippush_recv() has work. */
SIPPUSH_API int sippush_fd(const struct sippush *c);

/** How long commands wait for their reply, in ms (default 5000). */
SIPPUSH_API void sippush_set_timeout(struct sippush *c, int timeout_ms);

/**
 * Ask for the pushes of one application ID.
 *
 * @param c        Handle
 * @param appid    URN ("x-wap-application:mms.ua"), short name
 *                 ("mms.ua") or OMNA number ("4", "0x04")
 * @param filter   "type/subtype" or "type/ *" (without the space), or
 *                 NULL for every content type
 * @param monitor  Read-only copy: this connection's ACK/NACK does not
 *                 count, and it does not take ownership of the app ID
 *
 * @return 0, or EINVAL (bad app ID or filter), EPERM (not authorised),
 *         EBUSY (another app owns this app ID, or already subscribed),
 *         ENOSPC (too many subscriptions), other errno. The canonical
 *         app ID is in sippush_last_reply() after success ("OK <id>").
 */
SIPPUSH_API int sippush_subscribe(struct sippush *c, const char *appid,
				  const char *filter, bool monitor);

/** Flags of sippush_subscribe_ex() */
enum {
	SIPPUSH_SUB_MONITOR = 1u << 0, /**< a read-only copy (as monitor) */
	SIPPUSH_SUB_UNWRAP  = 1u << 2, /**< a message/cpim push as its inner
					    content and type, the wrapper's
					    From, To and DateTime as CPIM-*
					    header lines (RFC 3862) */
	SIPPUSH_SUB_NOSTORE = 1u << 1, /**< do not hand this connection the
					    pushes the daemon stored while no
					    owner was connected: they stay in
					    the store for a later owner */
};

/**
 * sippush_subscribe() with flags (SIPPUSH_SUB_*). The handle remembers
 * every subscription the daemon took, for sippush_reconnect().
 *
 * @return as sippush_subscribe(); EINVAL for an unknown flag
 */
SIPPUSH_API int sippush_subscribe_ex(struct sippush *c, const char *appid,
				     const char *filter, unsigned flags);

/**
 * sippush_subscribe_ex() for an app that decodes content-codings itself
 * (RFC 3261 §20.12): encodings lists them ("gzip" or "gzip,deflate",
 * no spaces). A push with those codings then comes as sent, still
 * encoded, with a Content-Encoding record line; without, its sender
 * hears 415 with Accept-Encoding.
 *
 * @return as sippush_subscribe_ex(); EINVAL for a bad list
 */
SIPPUSH_API int sippush_subscribe_enc(struct sippush *c, const char *appid,
				      const char *filter, unsigned flags,
				      const char *encodings);

/**
 * Stop the pushes of one app ID, or of all with appid NULL.
 *
 * @return 0, ENOENT (not subscribed to it), other errno
 */
SIPPUSH_API int sippush_unsubscribe(struct sippush *c, const char *appid);

/**
 * Get the next push.
 *
 * @param c           Handle
 * @param p           Filled in on success
 * @param timeout_ms  -1 waits for ever, 0 does not wait
 *
 * @return 0; EAGAIN (timeout 0 and nothing there); ETIMEDOUT; EINTR (a
 *         signal); EBADMSG (a malformed record was skipped); EMSGSIZE
 *         (an over-long message was skipped); ECONNRESET (the daemon
 *         closed the connection: close the handle, reconnect)
 */
SIPPUSH_API int sippush_recv(struct sippush *c, struct sippush_push *p,
			     int timeout_ms);

/** Number of pushes already read and waiting in the library. */
SIPPUSH_API unsigned sippush_pending(const struct sippush *c);

/**
 * Take a push: the daemon answers the sender with success.
 *
 * @return 0, ENOENT (unknown or expired push id), other errno
 */
SIPPUSH_API int sippush_ack(struct sippush *c, uint64_t id);

/**
 * Refuse a push.
 *
 * @param code    SIP status code for the sender, 400 to 699
 * @param reason  Reason phrase (printable ASCII, at most 128
 *                characters), or NULL
 *
 * @return 0, ENOENT (unknown or expired push id), EINVAL, other errno
 */
SIPPUSH_API int sippush_nack(struct sippush *c, uint64_t id, unsigned code,
			     const char *reason);

/**
 * Report that the app processed or displayed a push it ACKed, for a
 * sender that asked for an IMDN processing or display notification
 * (the push's Imdn-Disposition-Notification line lists "processing" or
 * "display"): the daemon sends it (RFC 5438). Only the push's owner may.
 *
 * @param displayed  true: displayed to the user; false: processed
 *
 * @return 0, ENOENT (the sender did not ask for it, or the daemon
 *         forgot the push: it remembers 256 for a day), EPERM (not the
 *         owner), EBUSY (reported already), other errno
 */
SIPPUSH_API int sippush_disposed(struct sippush *c, uint64_t id,
				 bool displayed);

/**
 * A header line of the push sippush_recv() returned last, by name (case
 * does not matter), e.g. "Stored" ("yes" for a push the daemon kept in
 * its store while the app was away) or "Arrived" (when the daemon
 * received it, Unix time in seconds with milliseconds: "1714000000.250").
 *
 * Besides the six fixed ones, doc/ipc.md section 6 lists the optional
 * lines: Stored, Arrived, Call-ID, Date, X-Wap-Initiator-URI,
 * Content-Location, Push-Flag, Content-Encoding, Imdn-Message-ID,
 * Imdn-Disposition-Notification and Push-Key (the key to de-duplicate a
 * sender's retries by).
 *
 * @return the value (valid as long as the push), or NULL without one
 */
SIPPUSH_API const char *sippush_header(const struct sippush *c,
				       const char *name);

/**
 * ACK without waiting for the daemon's reply, for event loops: the
 * command is sent (never waiting, not even for room in the socket) and
 * the reply is read and dropped later, in sippush_recv() or the next
 * command, in order. A refused one (the push timed out meanwhile) only
 * shows in sippush_async_errors().
 *
 * @return 0 sent; EAGAIN no room in the socket now (wait until
 *         sippush_fd() is writable, then call again); ECONNRESET
 */
SIPPUSH_API int sippush_ack_async(struct sippush *c, uint64_t id);

/** NACK without waiting for the reply; see sippush_ack_async(). */
SIPPUSH_API int sippush_nack_async(struct sippush *c, uint64_t id,
				   unsigned code, const char *reason);

/**
 * How many replies nobody waited for were errors: refused asynchronous
 * ACK/NACKs, and the replies of commands that timed out.
 */
SIPPUSH_API unsigned sippush_async_errors(const struct sippush *c);

/**
 * Connect again after ECONNRESET (the daemon restarted): a new
 * connection to the same socket, HELLO, and the subscriptions this
 * handle had, made again in the same order. Pushes read but not
 * answered on the old connection are gone from the handle (the daemon
 * answered their senders already, or kept them in its store); so are the
 * queued ones. Waits for the daemon with pauses of 100 ms doubling to
 * 2 s. sippush_fd() changes: poll() the new descriptor.
 *
 * @param c           A handle from sippush_open() (not sippush_open_fd())
 * @param timeout_ms  How long to keep trying; -1 for ever
 *
 * @return 0; ETIMEDOUT; EINTR (a signal); EINVAL; the errno of the first
 *         subscription the daemon now refuses (EBUSY: another app owns
 *         the app ID meanwhile), the others are made and kept
 */
SIPPUSH_API int sippush_reconnect(struct sippush *c, int timeout_ms);

/**
 * The daemon's status: "key=value" lines, LF-terminated.
 *
 * @return 0, ERANGE if buf was too small (it holds what fit, NUL
 *         terminated), other errno
 */
SIPPUSH_API int sippush_status(struct sippush *c, char *buf, size_t sz);

/** Is the daemon there and answering? */
SIPPUSH_API int sippush_ping(struct sippush *c);

/**
 * The first line of the last reply, e.g. "OK x-wap-application:mms.ua"
 * or "ERR 409 busy: ...", for messages to people. Valid until the next
 * command; "" before any.
 */
SIPPUSH_API const char *sippush_last_reply(const struct sippush *c);

#ifdef __cplusplus
}
#endif

#endif
