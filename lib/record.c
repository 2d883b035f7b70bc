/* record.c: libsippush: a push record read, checked and taken apart in place (doc/ipc.md section 6). */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "sippush/client.h"
#include "client_priv.h"


static bool decimal(const char *s, size_t maxdigits, uint64_t *v)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9' || i >= maxdigits)
			return false;

		d = (unsigned)(s[i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}

	*v = n;
	return i > 0;
}


static bool name_ok(const char *s, size_t n)
{
	if (!n)
		return false;

	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-'))
			return false;
	}

	return true;
}


/* doc/ipc.md section 6; every violation is EBADMSG, never a crash */
int spc_parse_record(struct rec *r)
{
	static const char *const names[] = {
		"Id", "App-Id", "Content-Type", "Content-Length", "Sender",
		"Transport", "Body-Fd",
	};
	enum { NREQ = 6, NALL = 7 };
	const char *val[NALL] = { NULL };
	char *p = r->data + 5, *end = r->data + r->size;
	uint64_t clen;

	for (;;) {
		char *lf = memchr(p, '\n', (size_t)(end - p));
		char *colon, *v;
		size_t ll, i;

		if (!lf)
			return EBADMSG;           /* no blank line: truncated */

		if (lf + 1 - r->data > SIPPUSH_HDR_MAX)
			return EBADMSG;

		ll = (size_t)(lf - p);
		if (ll + 1 > HDR_LINE_MAX)
			return EBADMSG;

		if (!ll) {
			r->hdr_end = lf;
			p = lf + 1;
			break;
		}

		*lf = '\0';

		colon = memchr(p, ':', ll);
		if (!colon || colon[1] != ' ' || !name_ok(p, (size_t)(colon - p)))
			return EBADMSG;

		*colon = '\0';
		v = colon + 2;

		/* by length: a NUL would otherwise cut the value short */
		for (char *q = v; q < lf; q++)
			if (*q < 0x20 || *q > 0x7e)
				return EBADMSG;

		for (i = 0; i < NALL; i++) {
			if (strcasecmp(p, names[i]))
				continue;
			if (val[i])
				return EBADMSG;   /* given twice */
			val[i] = v;
			break;
		}
		/* i == NALL: a header of a later version; ignored */

		p = lf + 1;
	}

	for (size_t i = 0; i < NREQ; i++)
		if (!val[i])
			return EBADMSG;

	if (!decimal(val[0], ID_DIGITS, &r->p.id))
		return EBADMSG;

	/* a large body comes as a file descriptor, no bytes inline */
	if (val[6] || r->fd >= 0) {
		if (!val[6] || strcmp(val[6], "1") || r->fd < 0 || p != end ||
		    !decimal(val[3], 19, &clen) || clen > SIZE_MAX)
			return EBADMSG;
	}
	else if (!decimal(val[3], 6, &clen) || clen > SIPPUSH_BODY_MAX ||
		 clen != (uint64_t)(end - p)) {
		return EBADMSG;               /* truncated, or padded */
	}

	if (!*val[1] || !*val[2] || !*val[5])
		return EBADMSG;

	r->p.appid     = val[1];
	r->p.ctype     = val[2];
	r->p.sender    = val[4];
	r->p.transport = val[5];
	r->p.body      = r->fd >= 0 ? NULL : (const uint8_t *)p;
	r->p.len       = (size_t)clen;
	r->p.fd        = r->fd;

	return 0;
}


SIPPUSH_API const char *sippush_header(const struct sippush *c,
				       const char *name)
{
	const char *p;

	if (!c || !c->cur || !name)
		return NULL;

	/* spc_parse_record() left "Name\0 value\0" pairs up to hdr_end */
	for (p = c->cur->data + 5; p < c->cur->hdr_end; ) {
		const char *v = p + strlen(p) + 2;

		if (!strcasecmp(p, name))
			return v;

		p = v + strlen(v) + 1;
	}

	return NULL;
}
