/* appid.c: normalises push application IDs (URN, short and OMNA numeric forms). */
#include <string.h>
#include <ctype.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"

#define DEBUG_MODULE "appid"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Canonical form: the lower-case URN, "x-wap-application:mms.ua". It is
 * what the routing table is keyed by and what apps see. The feature-tag
 * form is the part after the NID ("mms.ua"), since an RFC 3840 quoted
 * token-nobang value cannot hold ':' (a ':' inside the local part is sent
 * as %3A). OMNA numeric codes map through the registry table below.
 */

static const struct {
	unsigned code;
	const char *urn;
} omna[] = {
	{0x00, "x-wap-application:*"},
	{0x01, "x-wap-application:push.sia"},
	{0x02, "x-wap-application:wml.ua"},
	{0x03, "x-wap-application:wta.ua"},
	{0x04, "x-wap-application:mms.ua"},
	{0x05, "x-wap-application:push.syncml"},
	{0x06, "x-wap-application:loc.ua"},
	{0x07, "x-wap-application:syncml.dm"},
	{0x08, "x-wap-application:drm.ua"},
	{0x09, "x-wap-application:emn.ua"},
	{0x0a, "x-wap-application:wv.ua"},
	{0x10, "x-oma-application:ulp.ua"},
	{0x11, "x-oma-application:dlota.ua"},
	{0x12, "x-oma-application:java-ams"},
	{0x13, "x-oma-application:bcast.ua"},
	{0x14, "x-oma-application:dpe.ua"},
	{0x15, "x-oma-application:cpm:ua"},
	{0x16, "x-oma-application:evvm.ua"},
	{0x17, "x-oma-application:twinning.ua"},
	{0x18, "x-oma-application:mobar.ua"},
	{0x19, "x-oma-application:snew.ua"},
	{0x8002, "x-wap-docomo:imode.mail.ua"},
};

/* New IDs are registered under this NID (OMNA rule for codes >= 0x10). */
static const char default_nid[] = "x-oma-application";


/* Characters allowed in the local part: a safe subset of token-nobang plus
 * ':' (the registry has "cpm:ua"); nothing that could act in a path or shell. */
static bool local_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' ||
		c == '_' || c == ':' || c == '*';
}


static bool nid_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.';
}


static int from_code(char *out, size_t sz, unsigned long code)
{
	for (size_t i = 0; i < ARRAY_SIZE(omna); i++) {
		if (omna[i].code == code)
			return re_snprintf(out, sz, "%s", omna[i].urn) < 0
				? ENOMEM : 0;
	}

	return ENOENT;
}


static bool is_urn(const char *s, size_t n, size_t *colon)
{
	const char *c = memchr(s, ':', n);

	if (!c || n < 3 || tolower((unsigned char)s[0]) != 'x' || s[1] != '-')
		return false;

	for (const char *p = s; p < c; p++)
		if (!nid_char(*p))
			return false;

	*colon = (size_t)(c - s);
	return true;
}


/**
 * Turn any accepted form of an application ID into the canonical URN.
 *
 * @param out  Buffer for the canonical, NUL-terminated ID
 * @param sz   Size of out (APPID_SIZE is always enough)
 * @param in   ID as received: "x-wap-application:mms.ua", "mms.ua",
 *             "0x04" or "4"
 *
 * @return 0 if success, EINVAL if malformed, ENOENT for an unregistered
 *         numeric code, EOVERFLOW if too long
 */
static int normalise(char *out, size_t sz, const struct pl *in)
{
	size_t colon, n;
	const char *s;
	int len;

	if (!out || !sz || !pl_isset(in))
		return EINVAL;

	s = in->p;
	n = in->l;

	if (n > APPID_MAX)
		return EOVERFLOW;

	/* numeric: "0x04" (hex) or "4" (decimal), as WSP headers carry it */
	if (isdigit((unsigned char)s[0])) {
		unsigned long code = 0;
		bool hex = n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
		size_t i = hex ? 2 : 0, first = i;

		for (; i < n; i++) {
			int c = tolower((unsigned char)s[i]);

			if (hex && isxdigit(c))
				code = code * 16 + (unsigned)(isdigit(c) ? c - '0' : c - 'a' + 10);
			else if (!hex && isdigit(c))
				code = code * 10 + (unsigned)(c - '0');
			else
				goto shortform;  /* e.g. "3gpp.ua" is a short name */
		}

		/* all digits: a code, and the registry has none this long */
		if (n == first || n - first > 6)
			return EINVAL;

		return from_code(out, sz, code);
	}

 shortform:
	if (is_urn(s, n, &colon)) {
		if (colon + 1 >= n)
			return EINVAL;
		len = re_snprintf(out, sz, "%b", s, n);
		s += colon + 1;
		n -= colon + 1;
	}
	else {
		size_t i;

		/* short form: take the NID the registry gives it, else OMA's */
		for (i = 0; i < ARRAY_SIZE(omna); i++) {
			const char *loc = strchr(omna[i].urn, ':');

			if (loc && strlen(loc + 1) == n &&
			    !strncasecmp(loc + 1, s, n))
				break;
		}

		if (i < ARRAY_SIZE(omna))
			len = re_snprintf(out, sz, "%s", omna[i].urn);
		else if (memchr(s, ':', n))
			return EINVAL;   /* "urn:foo": neither URN nor name */
		else
			len = re_snprintf(out, sz, "%s:%b", default_nid, s, n);
	}

	if (len < 0 || (size_t)len >= sz)
		return EOVERFLOW;
	if ((size_t)len > APPID_MAX)
		return EOVERFLOW;

	for (size_t i = 0; i < n; i++)
		if (!local_char(s[i]))
			return EINVAL;
	if (!n)
		return EINVAL;

	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);

	return 0;
}


/**
 * Turn any accepted form of an application ID into the canonical URN.
 * On error out holds "" (never a half-checked ID).
 */
int appid_normalise(char *out, size_t sz, const struct pl *in)
{
	int err = normalise(out, sz, in);

	if (err && out && sz)
		out[0] = '\0';

	return err;
}


int appid_normalise_str(char *out, size_t sz, const char *in)
{
	struct pl pl;

	if (!in)
		return EINVAL;

	pl_set_str(&pl, in);
	return appid_normalise(out, sz, &pl);
}


static int escape_colons(char *out, size_t sz, const char *in)
{
	size_t o = 0;

	for (; *in; in++) {
		size_t rl = *in == ':' ? 3 : 1;

		if (o + rl >= sz)
			return EOVERFLOW;

		if (*in == ':')
			memcpy(out + o, "%3A", 3);
		else
			out[o] = *in;
		o += rl;
	}

	out[o] = '\0';
	return 0;
}


/**
 * Print the value used in +g.oma.pusheventapp for a canonical ID.
 *
 * The local part alone ("mms.ua") when it maps back to the same ID, which
 * is what networks send; otherwise (another namespace, "x-acme:push")
 * the whole URN. Either way ':' becomes "%3A" so that the value stays an
 * RFC 3840 token-nobang.
 */
int appid_ftag_value(char *out, size_t sz, const char *canon)
{
	char back[APPID_SIZE];
	const char *loc;
	struct pl pl;
	int err;

	if (!out || !sz || !canon)
		return EINVAL;

	loc = strchr(canon, ':');
	loc = loc ? loc + 1 : canon;

	err = escape_colons(out, sz, loc);
	if (err)
		return err;

	pl_set_str(&pl, out);
	if (!appid_from_ftag(back, sizeof(back), &pl) && !strcmp(back, canon))
		return 0;

	return escape_colons(out, sz, canon);
}


/**
 * Canonical ID from one feature-tag value as found in Accept-Contact.
 *
 * The value is a short name or a URN, possibly with %3A escapes.
 */
int appid_from_ftag(char *out, size_t sz, const struct pl *val)
{
	char buf[APPID_SIZE];
	size_t o = 0;
	struct pl pl;

	if (!pl_isset(val))
		return EINVAL;

	for (size_t i = 0; i < val->l; i++) {
		char c = val->p[i];

		if (o + 1 >= sizeof(buf))
			return EOVERFLOW;

		if (c == '%' && i + 2 < val->l && val->p[i + 1] == '3' &&
		    (val->p[i + 2] == 'A' || val->p[i + 2] == 'a')) {
			c = ':';
			i += 2;
		}
		buf[o++] = c;
	}

	pl.p = buf;
	pl.l = o;

	return appid_normalise(out, sz, &pl);
}


/**
 * OMNA numeric code of a canonical ID, or -1 if it has none.
 */
int appid_code(const char *canon)
{
	if (!canon)
		return -1;

	for (size_t i = 0; i < ARRAY_SIZE(omna); i++)
		if (!strcmp(omna[i].urn, canon))
			return (int)omna[i].code;

	return -1;
}
