/* sdpmsrp.c: the SDP of a session-mode push: reads the MSRP offer, writes our answer. */
#include <string.h>
#include <ctype.h>
#include <re.h>
#include "autoconf.h"
#include "sdpmsrp.h"

#define DEBUG_MODULE "sdpmsrp"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Parsed by hand rather than with libre's sdp module: that module is
 * built for RTP (it always writes a=sendrecv, answers an unknown proto
 * with port 0 but fmt "0"), while an MSRP offer is a handful of
 * attributes on one m=message line (RFC 4975 §8). Only the first
 * m=message line with a usable proto is taken; other media lines are
 * answered with port 0, as RFC 3264 §6 requires.
 */

enum { LINE_MAX_LEN = 2048 };


const char *sdpmsrp_setup_name(enum sdp_setup s)
{
	switch (s) {
	case SETUP_ACTPASS:  return "actpass";
	case SETUP_ACTIVE:   return "active";
	case SETUP_PASSIVE:  return "passive";
	case SETUP_HOLDCONN: return "holdconn";
	default:             return "";
	}
}


/**
 * Our role for an offered a=setup (RFC 6135, RFC 4145 §4.1).
 * actpass: we dial out (active), so a handset behind NAT works;
 * active: the offerer dials, we are passive; passive: we dial;
 * none: RFC 4975's default, the offerer dials us, and we send no a=setup.
 */
enum sdp_setup sdpmsrp_answer_setup(enum sdp_setup offered)
{
	switch (offered) {
	case SETUP_ACTPASS: return SETUP_ACTIVE;
	case SETUP_ACTIVE:  return SETUP_PASSIVE;
	case SETUP_PASSIVE: return SETUP_ACTIVE;
	default:            return SETUP_NONE;
	}
}


static bool attr(const struct pl *line, const char *name, struct pl *val)
{
	size_t n = strlen(name);

	if (line->l < 2 + n || strncmp(line->p, "a=", 2) ||
	    strncasecmp(line->p + 2, name, n))
		return false;

	if (line->l == 2 + n) {
		val->p = line->p + line->l;
		val->l = 0;
		return true;
	}

	if (line->p[2 + n] != ':')
		return false;

	val->p = line->p + 3 + n;
	val->l = line->l - 3 - n;
	while (val->l && isspace((unsigned char)val->p[val->l - 1]))
		--val->l;

	return true;
}


/* RFC 4566 §5: text fields may hold any byte but NUL, CR and LF (UTF-8
 * in s= or file names); other control characters are refused too. */
static bool printable(const struct pl *v)
{
	for (size_t i = 0; i < v->l; i++) {
		unsigned char c = (unsigned char)v->p[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}

	return true;
}


/**
 * Read an offer.
 *
 * @param of      Result
 * @param p       SDP text
 * @param n       Length
 * @param tls_ok  Whether TCP/TLS/MSRP can be accepted
 * @param why     On error, a reason phrase for the 488
 *
 * @return 0, or EPROTO (nothing acceptable: 488), EBADMSG (malformed: 400)
 */
int sdpmsrp_offer_decode(struct sdp_offer *of, const uint8_t *p, size_t n,
			 bool tls_ok, const char **why)
{
	const char *s, *end;
	bool in_media = false, taken = false, seen_message = false;
	bool tls_refused = false;

	if (!of || !p || !why)
		return EINVAL;

	s   = (const char *)p;
	end = s + n;

	memset(of, 0, sizeof(*of));
	of->sendonly_ok = true;
	*why = "Not Acceptable Here";

	if (n < 3 || strncmp(s, "v=0", 3)) {
		*why = "Bad SDP";
		return EBADMSG;
	}

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		struct pl line, v;

		line.p = s;
		line.l = nl ? (size_t)(nl - s) : (size_t)(end - s);
		s = nl ? nl + 1 : end;
		if (line.l && line.p[line.l - 1] == '\r')
			--line.l;

		if (line.l > LINE_MAX_LEN || !printable(&line)) {
			*why = "Bad SDP";
			return EBADMSG;
		}

		if (line.l >= 2 && !strncmp(line.p, "m=", 2)) {
			struct pl media, port, proto, fmt;

			in_media = false;
			if (taken)
				continue;

			if (re_regex(line.p, line.l, "m=[^ ]+ [0-9]+[^ ]* [^ ]+ [^]*",
				     &media, &port, NULL, &proto, &fmt)) {
				*why = "Bad SDP";
				return EBADMSG;
			}

			if (pl_strcasecmp(&media, "message"))
				continue;
			seen_message = true;

			if (!pl_strcmp(&port, "0"))
				continue;

			if (!pl_strcasecmp(&proto, "TCP/MSRP")) {
				of->tls = false;
			}
			else if (!pl_strcasecmp(&proto, "TCP/TLS/MSRP")) {
				if (!tls_ok) {
					tls_refused = true;
					continue;
				}
				of->tls = true;
			}
			else {
				continue;
			}

			in_media = true;
			taken = true;
			continue;
		}

		if (!in_media)
			continue;

		if (attr(&line, "path", &v)) {
			if (!v.l || v.l >= sizeof(of->path)) {
				*why = "Bad MSRP Path";
				return EBADMSG;
			}
			(void)pl_strcpy(&v, of->path, sizeof(of->path));
		}
		else if (attr(&line, "accept-types", &v)) {
			if (v.l >= sizeof(of->accept_types))
				v.l = sizeof(of->accept_types) - 1;
			(void)pl_strcpy(&v, of->accept_types,
					sizeof(of->accept_types));
		}
		else if (attr(&line, "setup", &v)) {
			if (!pl_strcasecmp(&v, "actpass"))
				of->setup = SETUP_ACTPASS;
			else if (!pl_strcasecmp(&v, "active"))
				of->setup = SETUP_ACTIVE;
			else if (!pl_strcasecmp(&v, "passive"))
				of->setup = SETUP_PASSIVE;
			else if (!pl_strcasecmp(&v, "holdconn"))
				of->setup = SETUP_HOLDCONN;
			else {
				*why = "Bad a=setup";
				return EBADMSG;
			}
		}
		else if (attr(&line, "max-size", &v) ||
			 attr(&line, "maxsize", &v)) {
			/* "maxsize" is what some live networks send */
			of->max_size = pl_u64(&v);
		}
		else if (attr(&line, "recvonly", &v) ||
			 attr(&line, "inactive", &v)) {
			of->sendonly_ok = false;
		}
	}

	if (!taken) {
		*why = tls_refused ? "MSRP over TLS Not Available" :
			seen_message ? "No Acceptable MSRP Media" :
			"No MSRP Media";
		return EPROTO;
	}

	if (!of->path[0]) {
		*why = "Missing a=path";
		return EBADMSG;
	}

	if (!of->sendonly_ok) {
		*why = "Offer Does Not Send";
		return EPROTO;
	}

	if (of->setup == SETUP_HOLDCONN) {
		*why = "a=setup:holdconn Not Supported";
		return EPROTO;
	}

	return 0;
}


/**
 * Write our answer: one m=message line with our path, the app's accepted
 * types, our size limit, recvonly (a push only flows to us), and the
 * a=setup role when the offer had one.
 */
int sdpmsrp_answer_encode(struct mbuf *mb, const struct sdp_answer *an)
{
	int err;

	if (!mb || !an || !an->addr || !an->path)
		return EINVAL;

	err = mbuf_printf(mb,
			  "v=0\r\n"
			  "o=sippushd %u %u IN IP%c %s\r\n"
			  "s=-\r\n"
			  "c=IN IP%c %s\r\n"
			  "t=0 0\r\n"
			  "m=message %u %s *\r\n"
			  "a=path:%s\r\n"
			  "a=accept-types:%s\r\n",
			  an->sess_id, an->sess_id,
			  strchr(an->addr, ':') ? '6' : '4', an->addr,
			  strchr(an->addr, ':') ? '6' : '4', an->addr,
			  an->port, an->tls ? "TCP/TLS/MSRP" : "TCP/MSRP",
			  an->path,
			  an->accept_types && *an->accept_types ?
			  an->accept_types : "*");

	if (an->max_size)
		err |= mbuf_printf(mb, "a=max-size:%llu\r\n", an->max_size);

	if (an->setup != SETUP_NONE)
		err |= mbuf_printf(mb, "a=setup:%s\r\n",
				   sdpmsrp_setup_name(an->setup));

	err |= mbuf_printf(mb, "a=recvonly\r\n");

	return err;
}
