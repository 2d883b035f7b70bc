/* json.h: the CLI's machine-readable output (--json): one object per line. */
#ifndef SIPPUSH_JSON_H
#define SIPPUSH_JSON_H

#include <stdio.h>

struct sippush;
struct sippush_push;

/** What listen did with a push, for json_push(). */
struct json_outcome {
	const char *body;        /* the body file written, or NULL */
	const char *meta;        /* the meta file written, or NULL */
	const char *verdict;     /* "ack", "nack", or NULL (monitor) */
	unsigned code;           /* the NACK's code */
	int exit;                /* --exec: the command's exit, -1: none */
};

void json_str(FILE *f, const char *s);
int  json_push(FILE *f, const struct sippush *c,
	       const struct sippush_push *p, const struct json_outcome *o);
int  json_status(FILE *f, const char *text);

#endif
