/* msrp.h: MSRP (RFC 4975) wire format: an incremental parser and the framer. */
#ifndef SIPPUSH_MSRP_H
#define SIPPUSH_MSRP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mbuf;
struct msrp_parser;

enum {
	MSRP_TID_MAX    = 32,    /* transact-id = ident, 4..32 chars */
	MSRP_PATH_MAX   = 1024,  /* one To-Path / From-Path value */
	MSRP_MSGID_MAX  = 64,    /* Message-ID = ident */
	MSRP_CTYPE_MAX  = 127,
	MSRP_COMMENT_MAX = 127,
	MSRP_HDR_MAX    = 8192,  /* whole header block of one chunk */
	MSRP_AUTHHDR_MAX = 1023, /* WWW-Authenticate value (RFC 4976 AUTH) */
};

/* Largest Byte-Range number and start-1+body length accepted (2^53: exact
 * in a double, far beyond any real message, and no uint64_t sum of two
 * such values can wrap). */
#define MSRP_RANGE_MAX  ((uint64_t)1 << 53)
/* "*" as range end or total in msrp_send_encode() / msrp_report_encode() */
#define MSRP_RANGE_STAR UINT64_MAX

enum msrp_kind {
	MSRP_REQUEST,
	MSRP_RESPONSE,
};

enum msrp_method {
	MSRP_M_SEND,
	MSRP_M_REPORT,
	MSRP_M_AUTH,
	MSRP_M_OTHER,      /* any other method name: answered 501 */
};

enum msrp_report {
	MSRP_REP_DEFAULT,  /* header absent */
	MSRP_REP_YES,
	MSRP_REP_NO,
	MSRP_REP_PARTIAL,  /* Failure-Report only */
};

/** The header part of one request or response chunk (RFC 4975 §9) */
struct msrp_msg {
	enum msrp_kind kind;
	char tid[MSRP_TID_MAX + 1];
	enum msrp_method method;            /* requests */
	char method_name[32];               /* requests, as received */
	uint16_t scode;                     /* responses */
	char comment[MSRP_COMMENT_MAX + 1]; /* responses, may be empty */
	char to_path[MSRP_PATH_MAX + 1];    /* space-separated URIs, raw */
	char from_path[MSRP_PATH_MAX + 1];
	char message_id[MSRP_MSGID_MAX + 1];/* "" if absent */
	bool has_range;
	uint64_t range_start;               /* 1-based, as on the wire */
	uint64_t range_end;                 /* valid if !end_star */
	bool end_star;                      /* "Byte-Range: 1-* /..." */
	uint64_t range_total;               /* valid if !total_star */
	bool total_star;
	enum msrp_report success_report;
	enum msrp_report failure_report;
	uint16_t status;                    /* REPORT "Status: 000 200 ..." */
	char ctype[MSRP_CTYPE_MAX + 1];     /* "" if no body */
	bool has_body;
	uint64_t body_len;                  /* at msrp_end_h: bytes delivered */
	/* RFC 4976 (AUTH responses from a relay) */
	char use_path[MSRP_PATH_MAX + 1];   /* "" if absent */
	bool has_expires;
	uint32_t expires;                   /* seconds */
	char www_auth[MSRP_AUTHHDR_MAX + 1];/* the first one; "" if absent */
};

/* Parser callbacks. A non-zero return stops msrp_parser_feed() and is
 * returned by it. */

/** Headers of a chunk are complete; body bytes (if any) follow */
typedef int (msrp_start_h)(const struct msrp_msg *msg, void *arg);
/** Body bytes of the current chunk, in order, in pieces of any size */
typedef int (msrp_data_h)(const uint8_t *p, size_t n, void *arg);
/** The end-line: flag is '$' (complete), '+' (more chunks) or '#'
 * (aborted) */
typedef int (msrp_end_h)(const struct msrp_msg *msg, char flag, void *arg);

/** Why a feed failed: the status a peer should hear */
struct msrp_error {
	uint16_t scode;       /* 400 malformed (EBADMSG) or header block too
			       * large (EMSGSIZE); 0 if a handler stopped it */
	const char *reason;   /* static text for a log line */
	char tid[MSRP_TID_MAX + 1]; /* the transaction, if it was known */
	/* the chunk as far as it was read, once its tid, To-Path and
	 * From-Path were (a 400 can then be answered, RFC 4975 §7.2), else
	 * NULL; points into the parser */
	const struct msrp_msg *msg;
};

/*
 * Parser contract (details in src/msrp/parser.c):
 * - Feed the TCP stream as it arrives, in pieces of any size; results do
 *   not depend on where it was cut. Body bytes are passed on at once,
 *   except at most 12 + tid length bytes that could start the end-line.
 * - msg is valid from msrp_start_h until msrp_end_h returns. With a
 *   Byte-Range, the body never exceeds it: start - 1 + body_len <=
 *   range_end (if not *), <= range_total (if not *), <= MSRP_RANGE_MAX;
 *   a longer body is an error after exactly the allowed bytes.
 * - Any non-zero return (EBADMSG, EMSGSIZE or a handler's) leaves the
 *   parser dead: every later feed returns the same until
 *   msrp_parser_reset(). MSRP cannot resynchronise after a framing
 *   error: log perr and close the connection.
 * - A handler may mem_deref() the parser if it then returns non-zero; it
 *   must not call msrp_parser_reset().
 */
int  msrp_parser_alloc(struct msrp_parser **pp, msrp_start_h *starth,
		       msrp_data_h *datah, msrp_end_h *endh, void *arg);
int  msrp_parser_feed(struct msrp_parser *p, const uint8_t *buf, size_t len,
		      struct msrp_error *perr);
void msrp_parser_reset(struct msrp_parser *p);

/* Framer: each appends one complete message to mb. */
int msrp_response_encode(struct mbuf *mb, const struct msrp_msg *req,
			 uint16_t scode, const char *comment,
			 const char *own_uri);
int msrp_send_encode(struct mbuf *mb, const char *tid, const char *to_path,
		     const char *from_path, const char *message_id,
		     uint64_t start, uint64_t end, uint64_t total,
		     const char *ctype, const char *extra_hdrs,
		     const uint8_t *body, size_t len, char flag);
int msrp_report_encode(struct mbuf *mb, const char *tid,
		       const char *to_path, const char *from_path,
		       const char *message_id, uint64_t start, uint64_t end,
		       uint64_t total, uint16_t status, const char *comment);
int msrp_auth_encode(struct mbuf *mb, const char *tid, const char *to_path,
		     const char *from_path, const char *authorization,
		     uint32_t expires);

const char *msrp_reason(uint16_t scode);

/* URIs (RFC 4975 §6) */
bool msrp_uri_valid(const char *uri);
bool msrp_path_valid(const char *path);
int  msrp_uri_session(const char *uri, char *sid, size_t sz);
int  msrp_path_first(const char *path, char *uri, size_t sz);
int  msrp_path_last(const char *path, char *uri, size_t sz);
void msrp_tid_make(char *tid, size_t sz);

#endif
