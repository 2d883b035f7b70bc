/* msrp_priv.h: what the files of src/msrp/ share: the parser's state and the ABNF character classes. */
#ifndef SIPPUSH_MSRP_PRIV_H
#define SIPPUSH_MSRP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "msrp.h"

enum pstate {
	ST_LINE,
	ST_BODY,
	ST_DEAD,
};

enum hdr {
	H_TO_PATH,
	H_FROM_PATH,
	H_MESSAGE_ID,
	H_BYTE_RANGE,
	H_SUCCESS_REPORT,
	H_FAILURE_REPORT,
	H_STATUS,
	H_CONTENT_TYPE,
	H_USE_PATH,
	H_EXPIRES,
	H_WWW_AUTH,
	H_OTHER,
};

enum {
	HYPHENS    = 7,
	/* CRLF hyphens tid flag CRLF */
	PAT_MAX    = 2 + HYPHENS + MSRP_TID_MAX + 1 + 2,
	MNAME_MAX = sizeof(((struct msrp_msg *)0)->method_name) - 1,
};

struct msrp_parser {
	msrp_start_h *starth;
	msrp_data_h *datah;
	msrp_end_h *endh;
	void *arg;

	enum pstate st;
	struct msrp_msg msg;
	size_t tidlen;
	bool tid_known;      /* msg.tid belongs to the chunk being parsed */
	bool started;        /* the start line was parsed */
	unsigned nhdr;       /* header lines so far */
	bool paths;          /* this chunk's To-Path and From-Path read */
	unsigned seen;       /* bit per enum hdr, for duplicates */
	size_t pathlen[2];   /* To-, From-Path in msg checked valid: length
			      * + 1; 0: none (header.c) */

	/* LINE */
	size_t blk;          /* bytes of this header block before line[] */
	size_t linelen;
	char line[MSRP_HDR_MAX + 1];

	/* BODY */
	uint64_t limit;      /* most body bytes the Byte-Range allows */
	size_t m;            /* end-line bytes matched */
	size_t virt;         /* leading ones of them that are not input */
	size_t patlen;
	char pat[PAT_MAX];

	/* DEAD */
	int err;
	struct msrp_error error;
};


/* ASCII only: the locale must not change what is valid on the wire */
static inline bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}


static inline bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}


static inline bool is_alnum(int c)
{
	return is_digit(c) || is_alpha(c);
}


/* RFC 4975 §9: ident-char = ALPHANUM / "." / "-" / "+" / "%" / "=" */
static inline bool is_ident_char(int c)
{
	return is_alnum(c) || (c && strchr(".-+%=", c));
}


/* RFC 4975 §9 token (as in RFC 3261) */
static inline bool is_token_char(int c)
{
	return is_alnum(c) || (c && strchr("-.!%*_+`'~", c));
}


static inline bool is_ws(int c)
{
	return c == ' ' || c == '\t';
}


/* lex.c */
bool msrp_ident_valid(const char *s, size_t n, size_t max);
bool msrp_text_valid(const char *s);
enum hdr msrp_hdr_lookup(const char *name, size_t n);

/* uri.c */
bool msrp_pathn_valid(const char *s, size_t n);

/* parser.c */
int  msrp_parser_fail(struct msrp_parser *p, int err, uint16_t scode,
		      const char *reason);
int  msrp_parser_malformed(struct msrp_parser *p, const char *reason);

/* header.c */
int  msrp_start_line(struct msrp_parser *p, const char *s, size_t n);
int  msrp_header(struct msrp_parser *p, const char *s, size_t n);

#endif
