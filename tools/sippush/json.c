/* json.c: the CLI's machine-readable output (--json): one object per line. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sippush/client.h>
#include "json.h"

/*
 * One JSON object per line (JSON Lines), so that a shell reads it with
 * `while read -r line` and jq, and a line is only ever printed whole.
 * No library: the values are app IDs, content types, sender URIs and
 * counters, and escaping is all that is needed. The protocol keeps them
 * printable ASCII; a byte above 0x7e still comes out escaped (\u00XX),
 * never raw.
 */

enum { STATUS_KEYS_MAX = 256 };


void json_str(FILE *f, const char *s)
{
	fputc('"', f);

	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		switch (ch) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f);  break;
		case '\r': fputs("\\r", f);  break;
		case '\t': fputs("\\t", f);  break;
		default:
			if (ch < 0x20 || ch > 0x7e)
				fprintf(f, "\\u%04x", ch);
			else
				fputc(ch, f);
			break;
		}
	}

	fputc('"', f);
}


/* An integer JSON can carry exactly: no sign, no leading zero, < 2^53. */
static bool is_number(const char *s, size_t n)
{
	if (!n || n > 15 || (n > 1 && s[0] == '0'))
		return false;

	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;

	return true;
}


static void value(FILE *f, const char *s, size_t n)
{
	char *v;

	if (is_number(s, n)) {
		fwrite(s, 1, n, f);
		return;
	}

	v = strndup(s, n);
	json_str(f, v ? v : "");
	free(v);
}


/**
 * One push as a JSON object and a newline:
 * {"id":N,"app":"..","type":"..","length":N,"sender":"..",
 *  "transport":"..","stored":false[,"arrived":".."][,"body":".."]
 *  [,"meta":".."][,"verdict":"ack"|"nack"][,"code":N][,"exit":N]}
 */
int json_push(FILE *f, const struct sippush *c, const struct sippush_push *p,
	      const struct json_outcome *o)
{
	const char *stored = sippush_header(c, "Stored");
	const char *arrived = sippush_header(c, "Arrived");

	fprintf(f, "{\"id\":%llu,\"app\":", (unsigned long long)p->id);
	json_str(f, p->appid);
	fputs(",\"type\":", f);
	json_str(f, p->ctype);
	fprintf(f, ",\"length\":%zu,\"sender\":", p->len);
	json_str(f, p->sender);
	fputs(",\"transport\":", f);
	json_str(f, p->transport);
	fprintf(f, ",\"stored\":%s", stored && !strcmp(stored, "yes") ?
		"true" : "false");
	if (arrived) {
		fputs(",\"arrived\":", f);
		json_str(f, arrived);
	}

	if (o && o->body) {
		fputs(",\"body\":", f);
		json_str(f, o->body);
	}
	if (o && o->meta) {
		fputs(",\"meta\":", f);
		json_str(f, o->meta);
	}
	if (o && o->verdict) {
		fputs(",\"verdict\":", f);
		json_str(f, o->verdict);
		if (o->code)
			fprintf(f, ",\"code\":%u", o->code);
	}
	if (o && o->exit >= 0)
		fprintf(f, ",\"exit\":%d", o->exit);

	fputs("}\n", f);

	return ferror(f) ? EIO : 0;
}


struct skey {
	const char *k;
	size_t kl;
	unsigned count;
	bool done;
};


/* "name rest k=v k=v" -> {"name":"name","k":v,...}; a plain value as is */
static void entry(FILE *f, const char *v, size_t n)
{
	const char *sp = memchr(v, ' ', n);
	const char *p, *end = v + n;
	bool pairs = sp != NULL;

	/* words after the first must all be k=v, or it is just text */
	for (p = sp ? sp + 1 : end; p < end && pairs; ) {
		const char *te = memchr(p, ' ', (size_t)(end - p));

		if (!te)
			te = end;
		if (!memchr(p, '=', (size_t)(te - p)) || *p == '=')
			pairs = false;
		p = te + 1;
	}

	if (!pairs) {
		value(f, v, n);
		return;
	}

	fputs("{\"name\":", f);
	value(f, v, (size_t)(sp - v));

	for (p = sp + 1; p < end; ) {
		const char *tok_end = memchr(p, ' ', (size_t)(end - p));
		const char *eq;

		if (!tok_end)
			tok_end = end;

		eq = memchr(p, '=', (size_t)(tok_end - p));
		if (eq) {
			char *k = strndup(p, (size_t)(eq - p));

			fputc(',', f);
			json_str(f, k ? k : "");
			fputc(':', f);
			value(f, eq + 1, (size_t)(tok_end - eq - 1));
			free(k);
		}

		p = tok_end + 1;
	}

	fputc('}', f);
}


/**
 * STATUS text ("key=value" lines) as one JSON object and a newline. A
 * key that comes more than once (route=, exec=) becomes an array; a
 * value of several words with k=v pairs an object; integers numbers.
 */
int json_status(FILE *f, const char *text)
{
	struct skey *keys;
	size_t nk = 0;
	const char *line;
	bool first = true;

	keys = calloc(STATUS_KEYS_MAX, sizeof(*keys));
	if (!keys)
		return ENOMEM;

	/* count first: which keys are arrays */
	for (line = text; line && *line; ) {
		const char *lf = strchr(line, '\n');
		const char *eq = memchr(line, '=', lf ? (size_t)(lf - line) :
					strlen(line));
		size_t i;

		if (eq) {
			size_t kl = (size_t)(eq - line);

			for (i = 0; i < nk; i++)
				if (keys[i].kl == kl &&
				    !memcmp(keys[i].k, line, kl))
					break;
			if (i == nk && nk < STATUS_KEYS_MAX) {
				keys[nk].k  = line;
				keys[nk].kl = kl;
				++nk;
			}
			if (i < nk)
				++keys[i].count;
		}

		line = lf ? lf + 1 : NULL;
	}

	fputc('{', f);

	for (size_t i = 0; i < nk; i++) {
		bool arr = keys[i].count > 1;

		if (!first)
			fputc(',', f);
		first = false;

		{
			char *k = strndup(keys[i].k, keys[i].kl);

			json_str(f, k ? k : "");
			free(k);
		}
		fputs(arr ? ":[" : ":", f);

		/* every line of this key, in order */
		for (line = text, first = true; line && *line; ) {
			const char *lf = strchr(line, '\n');
			size_t ll = lf ? (size_t)(lf - line) : strlen(line);

			if (ll > keys[i].kl && line[keys[i].kl] == '=' &&
			    !memcmp(line, keys[i].k, keys[i].kl)) {
				if (!first)
					fputc(',', f);
				first = false;
				entry(f, line + keys[i].kl + 1,
				      ll - keys[i].kl - 1);
				if (!arr)
					break;
			}
			line = lf ? lf + 1 : NULL;
		}

		if (arr)
			fputc(']', f);
		first = false;
	}

	fputs("}\n", f);
	free(keys);

	return ferror(f) ? EIO : 0;
}
