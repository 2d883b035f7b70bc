/* prefilter.h: a cheap first look at raw SIP bytes, before libre's parser sees them. */
#ifndef SIPPUSH_PREFILTER_H
#define SIPPUSH_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	PREFILTER_LINE_MAX   = 2048,   /* start line, CRLF included */
	PREFILTER_METHOD_MAX = 32,
	PREFILTER_HDRS_MAX   = 16384,  /* header block, start line included */
	PREFILTER_LINES_MAX  = 256,    /* header lines, continuations too */
	PREFILTER_ITEMS_MAX  = 256,    /* header lines plus commas in values */
	PREFILTER_HDR_MAX    = 2048,   /* one header, continuations included */
	PREFILTER_NUMHDR_MAX = 64,     /* CSeq, Max-Forwards, Expires,
					* Content-Length */
	PREFILTER_CLEN_DIGITS = 10,
};

enum prefilter_state {
	PF_IDLE,         /* stream: between messages (CRLF keep-alives) */
	PF_IDLE_CR,
	PF_LINE,         /* in the start line */
	PF_LINE_CR,
	PF_HDR_BOL,      /* at the beginning of a header line */
	PF_HDR_NAME,
	PF_HDR_COLON,    /* white space between a name and its colon */
	PF_HDR_VALUE,
	PF_HDR_CR,
	PF_EOH_CR,       /* CR of the empty line */
	PF_BODY,         /* stream: counting Content-Length bytes */
	PF_SKIP,         /* stream: dropping an oversize body */
	PF_DEAD,
};

/** What a stream or datagram was found to be */
enum prefilter_result {
	PF_OK = 0,       /* fine so far (stream) or a plausible message */
	PF_MESSAGE,      /* stream: one whole message ends here */
	PF_OVERSIZE,     /* stream: headers of a message whose body is over
			  * the limit ended here; its body is skipped */
	PF_SKIPPED,      /* stream: the oversize body ends here */
	PF_BADFRAME,     /* stream: headers of a request whose length cannot
			  * be known ended here (why says how): answer 400,
			  * then close */
	PF_JUNK,         /* not SIP: close the connection / drop */
};

/** State of one byte stream (a TCP/TLS connection) or one datagram */
struct prefilter {
	enum prefilter_state st;
	bool stream;
	bool response;
	uint8_t field;           /* start line: 0 first token, 1 second, 2 rest */
	char tok[PREFILTER_METHOD_MAX + 1];
	uint8_t tokl;
	uint32_t linel;          /* bytes of the start line so far */
	uint32_t hdrl;           /* bytes of the header block so far */
	uint32_t lines;          /* header lines so far */
	uint32_t items;          /* lines and commas so far */
	uint32_t hlen;           /* bytes of the current header */
	uint32_t hmax;           /* its bound */
	char name[2];            /* first characters of a header name */
	uint8_t namel;           /* its length, up to 0xfe */
	uint8_t wsn;             /* white space after a name, before ':' */
	char ws[8];
	uint32_t hash;           /* libre's header-name hash, so far */
	uint8_t cl_state;        /* in a Content-Length value: see .c */
	uint8_t cl_digits;
	bool in_cl;              /* the current header is Content-Length */
	bool have_cl;
	uint64_t cl;             /* current value */
	uint64_t clen;           /* the message's Content-Length */
	uint64_t left;           /* body bytes still to come */
	uint64_t body_max;       /* stream: larger bodies are PF_OVERSIZE */
	const char *bad;         /* stream: why the length is unknown */
	const char *why;         /* after PF_JUNK, PF_BADFRAME: what was wrong */
};

void prefilter_init(struct prefilter *pf, bool stream, uint64_t body_max);
size_t prefilter_feed(struct prefilter *pf, const uint8_t *p, size_t n,
		      enum prefilter_result *res);
enum prefilter_result prefilter_datagram(const uint8_t *p, size_t n,
					 const char **why);

#endif
