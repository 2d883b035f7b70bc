/* push.h: one push as the intake took it in: what an app gets, free of SIP, MSRP and the IPC wire format. */
#ifndef SIPPUSH_PUSH_H
#define SIPPUSH_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Built by an intake (pager.c for a MESSAGE, src/msrpsess/msg.c for an
 * MSRP message), handed to deliver_push(), turned into bytes only by
 * src/ipc/codec.c (doc/ipc.md section 6). The strings belong to the
 * intake and stay valid, like the body or the descriptor, until the
 * verdict has been reported (deliver.h): observers may read all of it.
 *
 * Adding a field: add it here (a string NULL when absent), set it in the
 * intake, and add one line to ipc_push_encode() with push_line(): a NULL
 * field is left out of the record, so apps that do not know the header
 * see exactly the record they saw before.
 */
struct push {
	uint64_t id;               /* set by deliver_push() */
	const char *appid;         /* canonical, e.g. x-wap-application:mms.ua */
	const char *ctype;         /* e.g. application/vnd.wap.mms-message */
	const char *sender;        /* identity: P-Asserted-Identity or From;
				    * NULL: sent empty */
	const char *transport;     /* "sip-udp", "sip-tcp", "sip-tls", "msrp",
				    * "msrps" */
	const char *sender_asserted; /* "yes": sender is the core's
				      * P-Asserted-Identity, "no": the From */
	const uint8_t *body;       /* the content, len bytes, or NULL with fd */
	size_t len;
	bool has_fd;               /* the content is file fd (len bytes); it
				    * travels beside the record (SCM_RIGHTS) */
	int fd;
	const char *arrived;       /* a push kept in the store while its app
				    * was away (pushstore.c): when it came,
				    * Unix time "S.mmm"; the record says
				    * "Stored: yes" and "Arrived: S.mmm".
				    * NULL: a push delivered as it came */

	/* What the request said besides (pushmeta.c), byte-exact; NULL:
	 * the request did not carry it (doc/ipc.md section 6) */
	const char *call_id;       /* Call-ID */
	const char *date;          /* Date */
	const char *initiator;     /* X-Wap-Initiator-URI */
	const char *location;      /* Content-Location */
	const char *push_flag;     /* Push-Flag, decimal */
	const char *encoding;      /* Content-Encoding other than identity
				    * (the owner takes it: the body is as
				    * sent, still encoded) */
	const char *imdn_msgid;    /* imdn.Message-ID of a message/cpim push */
	const char *imdn_dispo;    /* imdn.Disposition-Notification */
	const char *push_key;      /* pushkey.c: the same for a retry */

	/* A message/cpim push (RFC 3862) the intake could read: the inner
	 * content and the wrapper's headers. Subscribers that asked for it
	 * ("unwrap") get a record of the inner content with these as
	 * CPIM-* lines (deliver.c makes that view, with unwrapped set);
	 * the others get the wrapper whole. NULL: not CPIM. */
	const struct push_cpim *cpim;
	bool unwrapped;
};

/** The inside of a message/cpim push (strings NUL-ended, or NULL) */
struct push_cpim {
	const char *ctype;         /* inner Content-Type */
	const uint8_t *body;       /* inner content, len bytes */
	size_t len;
	const char *from;          /* URI of the CPIM From */
	const char *to;            /* URI of the first CPIM To */
	const char *datetime;      /* DateTime, as sent */
};

#endif
