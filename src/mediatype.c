/* mediatype.c: content types: their syntax, their type/subtype part, and filter matching. */
#include <string.h>
#include <strings.h>
#include "mediatype.h"

/*
 * The one grammar for a content type anywhere in the daemon: a MESSAGE's
 * or an MSRP chunk's Content-Type, a route_ctype line, an app's filter.
 *
 *     media-type = type "/" subtype [ *WSP ";" parameters ]
 *     type, subtype = 1*tchar      (RFC 7230 tchar, without "*")
 *     filter     = type "/" subtype / type "/" "*"
 *
 * "*" is kept out of tokens so that a wildcard can only be a whole
 * subtype. Parameters are never compared: a filter names a media type.
 */


/* RFC 7230 tchar without "*"; ASCII only, whatever the locale */
static bool tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || (c && strchr("!#$%&'+-.^_`|~", c));
}


static size_t token(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && tchar(s[i]))
		++i;

	return i;
}


/**
 * Is s (n bytes, not NUL-terminated) a content type, or with
 * MEDIATYPE_WILDCARD a filter?
 */
bool mediatype_valid(const char *s, size_t n, unsigned flags)
{
	size_t i, t;

	if (!s)
		return false;

	t = token(s, n);
	if (!t || t == n || s[t] != '/')
		return false;

	i = t + 1;
	if ((flags & MEDIATYPE_WILDCARD) && i < n && s[i] == '*')
		t = 1;
	else
		t = token(s + i, n - i);
	if (!t)
		return false;
	i += t;

	if (i == n)
		return true;
	if (!(flags & MEDIATYPE_PARAMS))
		return false;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		++i;

	return i == n || s[i] == ';';
}


/** Length of the "type/subtype" part of a content type (no parameters) */
size_t mediatype_len(const char *ctype)
{
	return ctype ? strcspn(ctype, "; \t") : 0;
}


/**
 * Does a content type pass a filter? Filters are "type/subtype" and
 * "type/ *"; NULL, "", "*" and "* / *" (no blanks) pass everything.
 * Compared case-insensitively, parameters of ctype ignored.
 */
bool mediatype_match(const char *filter, const char *ctype)
{
	const char *slash;
	size_t fl, cl;

	if (!filter || !*filter || !strcmp(filter, "*") ||
	    !strcmp(filter, "*/*"))
		return true;

	if (!ctype)
		return false;

	fl = strlen(filter);
	cl = mediatype_len(ctype);

	slash = strchr(filter, '/');
	if (slash && !strcmp(slash, "/*")) {
		size_t tl = (size_t)(slash - filter) + 1;   /* "type/" */

		return cl > tl && !strncasecmp(filter, ctype, tl);
	}

	return fl == cl && !strncasecmp(filter, ctype, fl);
}
