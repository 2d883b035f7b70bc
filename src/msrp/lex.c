/* lex.c: MSRP tokens (RFC 4975 §9): idents, text, media types, header names, reason phrases. */
#include <string.h>
#include <strings.h>
#include <re.h>
#include "autoconf.h"
#include "msrp.h"
#include "msrp_priv.h"

#define DEBUG_MODULE "msrp"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

static const char *const hdr_names[] = {
	"To-Path", "From-Path", "Message-ID", "Byte-Range",
	"Success-Report", "Failure-Report", "Status", "Content-Type",
	"Use-Path", "Expires", "WWW-Authenticate",
};


/* ident = ALPHANUM 3*31ident-char. The minimum of 4 is not enforced:
 * a short tid harms nobody but its sender, and rejecting it would cost
 * the connection. */
bool msrp_ident_valid(const char *s, size_t n, size_t max)
{
	if (!n || n > max || !is_alnum(s[0]))
		return false;

	for (size_t i = 1; i < n; i++) {
		if (!is_ident_char(s[i]))
			return false;
	}

	return true;
}


/* utf8text = *(HTAB / %x20-7E / UTF8-NONASCII): no CR, LF or other
 * control character can get into a line we write */
bool msrp_text_valid(const char *s)
{
	for (; *s; s++) {
		const unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}

	return true;
}



enum hdr msrp_hdr_lookup(const char *name, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(hdr_names); i++) {
		if (strlen(hdr_names[i]) == n &&
		    !strncasecmp(hdr_names[i], name, n))
			return (enum hdr)i;
	}

	return H_OTHER;
}


/**
 * The RFC 4975 §10 / IANA text for a status code ("" if unknown).
 */
const char *msrp_reason(uint16_t scode)
{
	switch (scode) {

	case 200: return "OK";
	case 400: return "Unintelligible";
	case 401: return "Unauthorized";
	case 403: return "Action-not-allowed";
	case 408: return "Transaction-did-not-complete-in-allotted-time";
	case 413: return "Stop-sending-message";
	case 415: return "MIME-not-understood";
	case 423: return "Parameter-out-of-bounds";
	case 481: return "Session-does-not-exist";
	case 501: return "Request-method-not-understood";
	case 506: return "Session-already-in-use";
	default:  return "";
	}
}

