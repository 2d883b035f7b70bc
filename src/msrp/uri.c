/* uri.c: MSRP URIs and paths (RFC 4975 §6), transaction identifiers. */
#include <string.h>
#include <strings.h>
#include <re.h>
#include "autoconf.h"
#include "msrp.h"
#include "msrp_priv.h"

#define DEBUG_MODULE "msrp"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/* --- URIs ------------------------------------------------------------ */

/* host [":" port] with host = "[" IPv6 "]" / IPv4 / reg-name */
static bool hostport_valid(const char *s, size_t n)
{
	size_t i = 0, ps;
	uint32_t port = 0;

	if (!n)
		return false;

	if (s[0] == '[') {
		for (i = 1; i < n && s[i] != ']'; i++) {
			const char c = s[i];

			if (!(is_alnum(c) || c == ':' || c == '.' ||
			      c == '%'))
				return false;
		}
		if (i >= n || i == 1)
			return false;
		++i;
	}
	else {
		for (; i < n && s[i] != ':'; i++) {
			const char c = s[i];

			if (!(is_alnum(c) || (c && strchr("-._~%", c))))
				return false;
		}
		if (!i)
			return false;
	}

	if (i == n)
		return true;

	if (s[i] != ':')
		return false;

	ps = ++i;
	for (; i < n; i++) {
		if (!is_digit(s[i]) || i - ps >= 5)
			return false;
		port = port * 10 + (uint32_t)(s[i] - '0');
	}

	return i > ps && port <= 65535;
}


struct uri_parts {
	const char *sid;
	size_t sidlen;
};


/*
 * MSRP-URI = msrp-scheme "://" authority ["/" session-id] ";" transport
 *            *( ";" URI-parameter )
 * The transport is mandatory (RFC 4975 §6); userinfo is allowed but not
 * inspected beyond "no separators in it".
 */
static bool uri_parse(const char *s, size_t n, struct uri_parts *u)
{
	size_t i, as, at;

	if (n > 7 && !strncasecmp(s, "msrp://", 7))
		i = 7;
	else if (n > 8 && !strncasecmp(s, "msrps://", 8))
		i = 8;
	else
		return false;

	as = at = i;
	for (; i < n && s[i] != '/' && s[i] != ';'; i++) {
		const unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f)
			return false;
		if (c == '@')
			at = i + 1;
	}
	if (!hostport_valid(s + at, i - at) || (at > as && at - 1 == as))
		return false;

	u->sid = NULL;
	u->sidlen = 0;
	if (i < n && s[i] == '/') {
		const size_t ss = ++i;

		for (; i < n && s[i] != ';'; i++) {
			const char c = s[i];

			if (!(is_alnum(c) || (c && strchr("-._~+=/%", c))))
				return false;
		}
		if (i == ss)
			return false;
		u->sid = s + ss;
		u->sidlen = i - ss;
	}

	if (i >= n || s[i] != ';')
		return false;

	/* transport = "tcp" / 1*ALPHANUM */
	{
		const size_t ts = ++i;

		while (i < n && is_alnum(s[i]))
			++i;
		if (i == ts)
			return false;
	}

	/* URI-parameter = token ["=" token] */
	while (i < n) {
		size_t ps;

		if (s[i] != ';')
			return false;
		ps = ++i;
		for (; i < n && s[i] != ';'; i++) {
			if (!is_token_char(s[i]) && s[i] != '=')
				return false;
		}
		if (i == ps)
			return false;
	}

	return true;
}


/* 1*MSRP-URI separated by white space, at most max bytes */
bool msrp_pathn_valid(const char *s, size_t n)
{
	size_t i = 0, count = 0;

	while (i < n) {
		struct uri_parts u;
		size_t us;

		while (i < n && is_ws(s[i]))
			++i;
		if (i == n)
			break;
		us = i;
		while (i < n && !is_ws(s[i]))
			++i;
		if (!uri_parse(s + us, i - us, &u))
			return false;
		++count;
	}

	return count > 0;
}


/**
 * Is this one syntactically valid msrp: or msrps: URI (RFC 4975 §6)?
 */
bool msrp_uri_valid(const char *uri)
{
	struct uri_parts u;

	return uri && uri_parse(uri, strlen(uri), &u);
}


/**
 * Is this a valid To-Path / From-Path / a=path value: one or more URIs
 * separated by spaces, at most MSRP_PATH_MAX bytes?
 */
bool msrp_path_valid(const char *path)
{
	size_t n;

	if (!path)
		return false;

	n = strlen(path);

	return n <= MSRP_PATH_MAX && msrp_pathn_valid(path, n);
}


/**
 * The session-id of an MSRP URI: "msrp://h:1/SID;tcp" gives "SID".
 *
 * @return 0, EINVAL (not a valid URI), ENOENT (URI has no session-id),
 *         EOVERFLOW (sid does not fit in sz)
 */
int msrp_uri_session(const char *uri, char *sid, size_t sz)
{
	struct uri_parts u;

	if (!uri || !sid || !sz)
		return EINVAL;

	if (!uri_parse(uri, strlen(uri), &u))
		return EINVAL;

	if (!u.sid)
		return ENOENT;

	if (u.sidlen >= sz)
		return EOVERFLOW;

	memcpy(sid, u.sid, u.sidlen);
	sid[u.sidlen] = '\0';

	return 0;
}


static int path_pick(const char *path, char *uri, size_t sz, bool last)
{
	const char *p, *s = NULL;
	size_t n = 0;

	if (!path || !uri || !sz)
		return EINVAL;

	for (p = path; *p; ) {
		size_t l;

		while (is_ws(*p))
			++p;
		l = strcspn(p, " \t");
		if (!l)
			break;
		if (!s || last) {
			s = p;
			n = l;
		}
		p += l;
	}

	if (!s)
		return EINVAL;

	if (n >= sz)
		return EOVERFLOW;

	memcpy(uri, s, n);
	uri[n] = '\0';

	return 0;
}


/**
 * The first URI of a path (the next hop / the previous hop of a request:
 * where a response goes, RFC 4975 §7.2).
 *
 * @return 0, EINVAL (empty path), EOVERFLOW (does not fit in sz)
 */
int msrp_path_first(const char *path, char *uri, size_t sz)
{
	return path_pick(path, uri, sz, false);
}


/**
 * The last URI of a path (the endpoint itself; in From-Path: the sender).
 *
 * @return 0, EINVAL (empty path), EOVERFLOW (does not fit in sz)
 */
int msrp_path_last(const char *path, char *uri, size_t sz)
{
	return path_pick(path, uri, sz, true);
}


/**
 * A random transaction identifier (also fit for a Message-ID or an
 * a=path session-id): min(sz - 1, MSRP_TID_MAX) letters and digits.
 * sz should be at least 9 (8 characters: 47 bits); with sz < 5 the
 * result would not be a valid ident and tid is set to "".
 */
void msrp_tid_make(char *tid, size_t sz)
{
	static const char alnum[] =
		"0123456789"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz";
	size_t n, i = 0;

	if (!tid || !sz)
		return;

	n = min(sz - 1, (size_t)MSRP_TID_MAX);
	if (n < 4) {
		tid[0] = '\0';
		return;
	}

	while (i < n) {
		uint8_t rnd[MSRP_TID_MAX];

		rand_bytes(rnd, sizeof(rnd));
		for (size_t k = 0; k < sizeof(rnd) && i < n; k++) {
			/* 248 = 4 * 62: dropping the rest keeps it unbiased */
			if (rnd[k] < 248)
				tid[i++] = alnum[rnd[k] % 62];
		}
	}

	tid[n] = '\0';
}


