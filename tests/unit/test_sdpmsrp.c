/* test_sdpmsrp.c: the MSRP offer read (proto, path, setup, sizes, direction, malformed SDP) and our answer written. */
#include <string.h>
#include <errno.h>
#include <re.h>
#include "autoconf.h"
#include "sdpmsrp.h"
#include "unit.h"


/* --- building blocks --------------------------------------------------- */

#define SESS "v=0\r\n" \
	"o=- 3808150405 3808150405 IN IP4 192.0.2.7\r\n" \
	"s=-\r\n" \
	"c=IN IP4 192.0.2.7\r\n" \
	"t=0 0\r\n"

#define PATH_A  "msrp://192.0.2.7:7394/s111aaa;tcp"
#define PATH_B  "msrp://192.0.2.8:7395/s222bbb;tcp"
#define PATH_S  "msrps://[2001:db8::7]:7394/s333ccc;tcp"

#define M_TCP   "m=message 7394 TCP/MSRP *\r\n"
#define M_TLS   "m=message 7394 TCP/TLS/MSRP *\r\n"
#define A_PATH  "a=path:" PATH_A "\r\n"
#define A_TYPES "a=accept-types:application/vnd.wap.mms-message text/plain\r\n"

/* what a handset sends for a large-message-mode push */
static const char offer_tcp[] =
	SESS
	M_TCP
	A_TYPES
	A_PATH
	"a=setup:actpass\r\n"
	"a=max-size:1048576\r\n"
	"a=sendonly\r\n";

static const char offer_tls[] =
	"v=0\r\n"
	"o=- 1 1 IN IP6 2001:db8::7\r\n"
	"s=-\r\n"
	"c=IN IP6 2001:db8::7\r\n"
	"t=0 0\r\n"
	M_TLS
	"a=accept-types:*\r\n"
	"a=path:" PATH_S "\r\n"
	"a=setup:active\r\n"
	"a=maxsize:65536\r\n"
	"a=fingerprint:SHA-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:"
	"6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF\r\n";


/* Decode a NUL-terminated offer; *why starts as a marker to see it set. */
static int decode(struct sdp_offer *of, const char *sdp, bool tls_ok,
		  const char **why)
{
	*why = "(untouched)";
	return sdpmsrp_offer_decode(of, (const uint8_t *)sdp, strlen(sdp),
				    tls_ok, why);
}


/* The same text with every CR removed: LF line ends. */
static char *lf_only(const char *in)
{
	size_t n = strlen(in), j = 0;
	char *out = mem_alloc(n + 1, NULL);

	if (!out)
		return NULL;

	for (size_t i = 0; i < n; i++)
		if (in[i] != '\r')
			out[j++] = in[i];
	out[j] = '\0';

	return out;
}


/* A session header, then media (written with \n), as CRLF text. */
static char *offer_of(const char *media)
{
	struct mbuf *mb = mbuf_alloc(512);
	char *s = NULL;

	if (!mb)
		return NULL;

	if (!mbuf_write_str(mb, SESS)) {
		for (const char *p = media; *p; p++) {
			if (*p == '\n')
				(void)mbuf_write_u8(mb, '\r');
			(void)mbuf_write_u8(mb, (uint8_t)*p);
		}
	}

	mb->pos = 0;
	(void)mbuf_strdup(mb, &s, mb->end);
	mem_deref(mb);

	return s;
}


/* Decode SESS + media; the error, with *of and *why filled in. */
static int decode_media(struct sdp_offer *of, const char *media, bool tls_ok,
			const char **why)
{
	char *s = offer_of(media);
	int err;

	CU_ASSERT_FATAL(s != NULL);
	err = decode(of, s, tls_ok, why);
	mem_deref(s);

	return err;
}


/* Expect an error with its reason phrase. */
static void media_fails(const char *media, bool tls_ok, int want,
			const char *why_want, unsigned line)
{
	struct sdp_offer of;
	const char *why;
	char msg[512];
	int err = decode_media(&of, media, tls_ok, &why);

	(void)re_snprintf(msg, sizeof(msg), "offer ...%s: %m \"%s\", want %m "
			  "\"%s\"", media, err, why ? why : "(null)", want,
			  why_want);
	CU_assertImplementation(err == want && why && !strcmp(why, why_want),
				line, msg, __FILE__, "", CU_FALSE);
}

#define MEDIA_FAILS(media, tls_ok, want, why) \
	media_fails((media), (tls_ok), (want), (why), __LINE__)


/* --- offers ------------------------------------------------------------ */

static void test_tcp(void)
{
	struct sdp_offer of;
	const char *why;

	/* garbage first, to see every field written */
	memset(&of, 0x5a, sizeof(of));
	UNIT_ASSERT_INT(decode(&of, offer_tcp, false, &why), 0);
	CU_ASSERT(!of.tls);
	UNIT_ASSERT_STR(of.path, PATH_A);
	UNIT_ASSERT_STR(of.accept_types,
			"application/vnd.wap.mms-message text/plain");
	UNIT_ASSERT_INT(of.setup, SETUP_ACTPASS);
	UNIT_ASSERT_INT(of.max_size, 1048576);
	CU_ASSERT(of.sendonly_ok);

	/* tls_ok does not matter for plain TCP */
	memset(&of, 0x5a, sizeof(of));
	UNIT_ASSERT_INT(decode(&of, offer_tcp, true, &why), 0);
	CU_ASSERT(!of.tls);
	UNIT_ASSERT_STR(of.path, PATH_A);

	/* the bare minimum: no setup, no sizes, no types, no direction */
	memset(&of, 0x5a, sizeof(of));
	UNIT_ASSERT_INT(decode_media(&of, "m=message 2855 TCP/MSRP *\n"
				     "a=path:" PATH_B "\n", false, &why), 0);
	UNIT_ASSERT_STR(of.path, PATH_B);
	UNIT_ASSERT_STR(of.accept_types, "");
	UNIT_ASSERT_INT(of.setup, SETUP_NONE);
	UNIT_ASSERT_INT(of.max_size, 0);
	CU_ASSERT(of.sendonly_ok);
	CU_ASSERT(!of.tls);

	/* names are caseless, the path is kept as sent; a relay path has
	 * two URIs; the last line need not end */
	UNIT_ASSERT_INT(decode(&of, SESS "m=message 2855 tcp/msrp *\r\n"
			       "a=PATH:msrp://relay.example:2855/r1;tcp "
			       PATH_B "  \r\n"
			       "a=Accept-Types:Text/Plain", false, &why), 0);
	UNIT_ASSERT_STR(of.path, "msrp://relay.example:2855/r1;tcp " PATH_B);
	UNIT_ASSERT_STR(of.accept_types, "Text/Plain");

	/* other m= lines before it are just skipped: an audio line, and
	 * a=path (media level only, RFC 4975) at session level */
	UNIT_ASSERT_INT(decode(&of, SESS "a=path:" PATH_B "\r\n"
			       "m=audio 49170 RTP/AVP 0\r\n"
			       "a=path:" PATH_B "\r\n"
			       "a=max-size:5\r\n"
			       M_TCP A_PATH, false, &why), 0);
	UNIT_ASSERT_STR(of.path, PATH_A);
	UNIT_ASSERT_INT(of.setup, SETUP_NONE);
	UNIT_ASSERT_INT(of.max_size, 0);
}


static void test_tls(void)
{
	struct sdp_offer of;
	const char *why;

	memset(&of, 0x5a, sizeof(of));
	UNIT_ASSERT_INT(decode(&of, offer_tls, true, &why), 0);
	CU_ASSERT(of.tls);
	UNIT_ASSERT_STR(of.path, PATH_S);
	UNIT_ASSERT_STR(of.accept_types, "*");
	UNIT_ASSERT_INT(of.setup, SETUP_ACTIVE);
	UNIT_ASSERT_INT(of.max_size, 65536);
	CU_ASSERT(of.sendonly_ok);

	UNIT_ASSERT_INT(decode(&of, offer_tls, false, &why), EPROTO);
	UNIT_ASSERT_STR(why, "MSRP over TLS Not Available");

	/* offered both ways: without TLS, the TCP line is taken */
	{
		static const char both[] =
			"m=message 7394 TCP/TLS/MSRP *\n"
			"a=path:" PATH_S "\n"
			"a=setup:passive\n"
			"m=message 7395 TCP/MSRP *\n"
			"a=path:" PATH_B "\n";

		UNIT_ASSERT_INT(decode_media(&of, both, false, &why), 0);
		CU_ASSERT(!of.tls);
		UNIT_ASSERT_STR(of.path, PATH_B);
		UNIT_ASSERT_INT(of.setup, SETUP_NONE);

		/* with TLS, the first */
		UNIT_ASSERT_INT(decode_media(&of, both, true, &why), 0);
		CU_ASSERT(of.tls);
		UNIT_ASSERT_STR(of.path, PATH_S);
		UNIT_ASSERT_INT(of.setup, SETUP_PASSIVE);
	}
}


static void test_path(void)
{
	char media[1200], longp[1100];
	struct sdp_offer of;
	const char *why;

	MEDIA_FAILS("m=message 7394 TCP/MSRP *\n"
		    "a=accept-types:*\n", false, EBADMSG, "Missing a=path");
	MEDIA_FAILS("m=message 7394 TCP/MSRP *\n"
		    "a=path\n", false, EBADMSG, "Bad MSRP Path");
	MEDIA_FAILS("m=message 7394 TCP/MSRP *\n"
		    "a=path:\n", false, EBADMSG, "Bad MSRP Path");
	MEDIA_FAILS("m=message 7394 TCP/MSRP *\n"
		    "a=path:   \n", false, EBADMSG, "Bad MSRP Path");

	/* a=path of another media line is no path for this one */
	MEDIA_FAILS("m=message 7394 TCP/MSRP *\n"
		    "m=audio 4000 RTP/AVP 0\n"
		    "a=path:" PATH_A "\n", false, EBADMSG, "Missing a=path");

	/* a name that only starts like it */
	MEDIA_FAILS("m=message 7394 TCP/MSRP *\n"
		    "a=pathx:" PATH_A "\n", false, EBADMSG, "Missing a=path");

	/* the longest path kept, and one more */
	memset(longp, 'p', sizeof(longp));
	memcpy(longp, "msrp://h/", 9);
	longp[sizeof(((struct sdp_offer *)0)->path) - 1] = '\0';
	(void)re_snprintf(media, sizeof(media), "m=message 1 TCP/MSRP *\n"
			  "a=path:%s\n", longp);
	UNIT_ASSERT_INT(decode_media(&of, media, false, &why), 0);
	UNIT_ASSERT_INT(strlen(of.path), sizeof(of.path) - 1);
	UNIT_ASSERT_STR(of.path, longp);

	longp[sizeof(((struct sdp_offer *)0)->path) - 1] = 'p';
	longp[sizeof(((struct sdp_offer *)0)->path)] = '\0';
	(void)re_snprintf(media, sizeof(media), "m=message 1 TCP/MSRP *\n"
			  "a=path:%s\n", longp);
	MEDIA_FAILS(media, false, EBADMSG, "Bad MSRP Path");

	/* the last a=path wins over an earlier one on the same line */
	UNIT_ASSERT_INT(decode_media(&of, "m=message 1 TCP/MSRP *\n"
				     "a=path:" PATH_A "\n"
				     "a=path:" PATH_B "\n", false, &why), 0);
	UNIT_ASSERT_STR(of.path, PATH_B);
}


static void test_accept_types(void)
{
	char media[600], longt[400];
	struct sdp_offer of;
	const char *why;

	UNIT_ASSERT_INT(decode_media(&of, "m=message 1 TCP/MSRP *\n"
				     "a=path:" PATH_A "\n"
				     "a=accept-types:message/cpim "
				     "application/im-iscomposing+xml\t\n",
				     false, &why), EBADMSG);  /* TAB */

	UNIT_ASSERT_INT(decode_media(&of, "m=message 1 TCP/MSRP *\n"
				     "a=path:" PATH_A "\n"
				     "a=accept-types:message/cpim "
				     "application/im-iscomposing+xml  \n",
				     false, &why), 0);
	UNIT_ASSERT_STR(of.accept_types,
			"message/cpim application/im-iscomposing+xml");

	/* a=accept-wrapped-types is another attribute */
	UNIT_ASSERT_INT(decode_media(&of, "m=message 1 TCP/MSRP *\n"
				     "a=path:" PATH_A "\n"
				     "a=accept-types:message/cpim\n"
				     "a=accept-wrapped-types:*\n",
				     false, &why), 0);
	UNIT_ASSERT_STR(of.accept_types, "message/cpim");

	/* too long to keep: cut to what fits, never over the buffer */
	memset(longt, 't', sizeof(longt) - 1);
	longt[sizeof(longt) - 1] = '\0';
	(void)re_snprintf(media, sizeof(media), "m=message 1 TCP/MSRP *\n"
			  "a=path:" PATH_A "\na=accept-types:%s\n", longt);
	UNIT_ASSERT_INT(decode_media(&of, media, false, &why), 0);
	UNIT_ASSERT_INT(strlen(of.accept_types), sizeof(of.accept_types) - 1);
	CU_ASSERT(!strncmp(of.accept_types, longt, sizeof(of.accept_types) - 1));
}


static void test_setup(void)
{
	static const struct {
		const char *val;
		int err;
		enum sdp_setup setup;
		const char *why;
	} v[] = {
		{"actpass",  0,       SETUP_ACTPASS,  NULL},
		{"active",   0,       SETUP_ACTIVE,   NULL},
		{"passive",  0,       SETUP_PASSIVE,  NULL},
		{"ActPass",  0,       SETUP_ACTPASS,  NULL},
		{"PASSIVE ", 0,       SETUP_PASSIVE,  NULL},
		{"holdconn", EPROTO,  SETUP_HOLDCONN,
		 "a=setup:holdconn Not Supported"},
		{"none",     EBADMSG, SETUP_NONE,     "Bad a=setup"},
		{"garbage",  EBADMSG, SETUP_NONE,     "Bad a=setup"},
		{"activex",  EBADMSG, SETUP_NONE,     "Bad a=setup"},
		{"",         EBADMSG, SETUP_NONE,     "Bad a=setup"},
	};
	struct sdp_offer of;
	const char *why;

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		char media[256], msg[256];
		int err;

		(void)re_snprintf(media, sizeof(media),
				  "m=message 1 TCP/MSRP *\n"
				  "a=path:" PATH_A "\n"
				  "a=setup:%s\n", v[i].val);
		err = decode_media(&of, media, false, &why);

		(void)re_snprintf(msg, sizeof(msg), "a=setup:%s: %m \"%s\" "
				  "setup %d", v[i].val, err, why, of.setup);
		CU_assertImplementation(err == v[i].err &&
					(err || of.setup == v[i].setup) &&
					(!v[i].why || !strcmp(why, v[i].why)),
					__LINE__, msg, __FILE__, "", CU_FALSE);
	}

	/* a=setup alone, without a value */
	MEDIA_FAILS("m=message 1 TCP/MSRP *\n"
		    "a=path:" PATH_A "\n"
		    "a=setup\n", false, EBADMSG, "Bad a=setup");

	/* none at all: RFC 4975's default */
	UNIT_ASSERT_INT(decode_media(&of, "m=message 1 TCP/MSRP *\n"
				     "a=path:" PATH_A "\n", false, &why), 0);
	UNIT_ASSERT_INT(of.setup, SETUP_NONE);
}


static void test_max_size(void)
{
	static const struct {
		const char *line;
		uint64_t want;
	} v[] = {
		{"a=max-size:1048576",             1048576},
		{"a=maxsize:2048",                 2048},       /* live networks */
		{"a=MAX-SIZE:7",                   7},
		{"a=max-size:18446744073709551615", UINT64_MAX},
		{"a=max-size:4096 ",               4096},
		{"a=max-size:12k",                 0},          /* not a number */
		{"a=max-size:",                    0},
		{"a=max-sizes:99",                 0},          /* other name */
		{"a=x-max-size:99",                0},
	};
	struct sdp_offer of;
	const char *why;

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		char media[256], msg[256];
		int err;

		(void)re_snprintf(media, sizeof(media),
				  "m=message 1 TCP/MSRP *\n"
				  "a=path:" PATH_A "\n%s\n", v[i].line);
		err = decode_media(&of, media, false, &why);

		(void)re_snprintf(msg, sizeof(msg), "%s: %m, max_size %llu, "
				  "want %llu", v[i].line, err,
				  (unsigned long long)of.max_size,
				  (unsigned long long)v[i].want);
		CU_assertImplementation(!err && of.max_size == v[i].want,
					__LINE__, msg, __FILE__, "", CU_FALSE);
	}
}


static void test_direction(void)
{
	struct sdp_offer of;
	const char *why;

	MEDIA_FAILS("m=message 1 TCP/MSRP *\n"
		    "a=path:" PATH_A "\n"
		    "a=recvonly\n", false, EPROTO, "Offer Does Not Send");
	MEDIA_FAILS("m=message 1 TCP/MSRP *\n"
		    "a=inactive\n"
		    "a=path:" PATH_A "\n", false, EPROTO, "Offer Does Not Send");
	MEDIA_FAILS("m=message 1 TCP/MSRP *\n"
		    "a=path:" PATH_A "\n"
		    "a=sendonly\n"
		    "a=recvonly\n", false, EPROTO, "Offer Does Not Send");

	UNIT_ASSERT_INT(decode_media(&of, "m=message 1 TCP/MSRP *\n"
				     "a=path:" PATH_A "\n"
				     "a=sendrecv\n", false, &why), 0);
	CU_ASSERT(of.sendonly_ok);
	UNIT_ASSERT_INT(decode_media(&of, "m=message 1 TCP/MSRP *\n"
				     "a=path:" PATH_A "\n"
				     "a=sendonly\n", false, &why), 0);
	CU_ASSERT(of.sendonly_ok);
}


static void test_no_msrp(void)
{
	/* audio only */
	MEDIA_FAILS("m=audio 49170 RTP/AVP 0\n"
		    "a=rtpmap:0 PCMU/8000\n", false, EPROTO, "No MSRP Media");
	MEDIA_FAILS("m=audio 49170 RTP/AVP 0\n"
		    "m=video 51372 RTP/AVP 31\n", true, EPROTO,
		    "No MSRP Media");

	/* no media at all */
	MEDIA_FAILS("", false, EPROTO, "No MSRP Media");

	/* an m=message, but none we can take */
	MEDIA_FAILS("m=message 7394 TCP/WS/MSRP *\n"
		    "a=path:" PATH_A "\n", false, EPROTO,
		    "No Acceptable MSRP Media");
	MEDIA_FAILS("m=message 7394 TCP/WS/MSRP *\n"
		    "a=path:" PATH_A "\n", true, EPROTO,
		    "No Acceptable MSRP Media");
	MEDIA_FAILS("m=message 7394 UDP/MSRP *\n"
		    "a=path:" PATH_A "\n", true, EPROTO,
		    "No Acceptable MSRP Media");
	MEDIA_FAILS("m=message 0 TCP/MSRP *\n"
		    "a=path:" PATH_A "\n", false, EPROTO,
		    "No Acceptable MSRP Media");
}


/* A rejected (port 0) m=message line, then a good one: the second is
 * taken, with its own attributes only. */
static void test_port0_then_good(void)
{
	struct sdp_offer of;
	const char *why;

	UNIT_ASSERT_INT(decode_media(&of, "m=message 0 TCP/MSRP *\n"
				     "a=path:" PATH_A "\n"
				     "a=setup:passive\n"
				     "a=max-size:11\n"
				     "a=accept-types:text/plain\n"
				     "a=recvonly\n"
				     "m=message 7395 TCP/MSRP *\n"
				     "a=path:" PATH_B "\n"
				     "a=accept-types:*\n",
				     false, &why), 0);
	UNIT_ASSERT_STR(of.path, PATH_B);
	UNIT_ASSERT_STR(of.accept_types, "*");
	UNIT_ASSERT_INT(of.setup, SETUP_NONE);
	UNIT_ASSERT_INT(of.max_size, 0);
	CU_ASSERT(of.sendonly_ok);

	/* an unknown proto first, the same */
	UNIT_ASSERT_INT(decode_media(&of, "m=message 7394 TCP/WS/MSRP *\n"
				     "a=path:" PATH_A "\n"
				     "a=setup:garbage\n"
				     "m=message 7395 TCP/MSRP *\n"
				     "a=path:" PATH_B "\n",
				     false, &why), 0);
	UNIT_ASSERT_STR(of.path, PATH_B);
}


/* Attributes after the taken line belong to other media. */
static void test_no_leak(void)
{
	struct sdp_offer of;
	const char *why;

	UNIT_ASSERT_INT(decode_media(&of, "m=message 7394 TCP/MSRP *\n"
				     "a=path:" PATH_A "\n"
				     "a=accept-types:text/plain\n"
				     "m=message 7395 TCP/MSRP *\n"
				     "a=path:" PATH_B "\n"
				     "a=accept-types:*\n"
				     "a=setup:passive\n"
				     "a=max-size:99\n"
				     "a=recvonly\n"
				     "m=audio 4000 RTP/AVP 0\n"
				     "a=inactive\n"
				     "a=setup:garbage\n"
				     "a=path\n",
				     false, &why), 0);
	UNIT_ASSERT_STR(of.path, PATH_A);
	UNIT_ASSERT_STR(of.accept_types, "text/plain");
	UNIT_ASSERT_INT(of.setup, SETUP_NONE);
	UNIT_ASSERT_INT(of.max_size, 0);
	CU_ASSERT(of.sendonly_ok);
	CU_ASSERT(!of.tls);

	/* nor does a later TLS line change the transport */
	UNIT_ASSERT_INT(decode_media(&of, "m=message 7394 TCP/MSRP *\n"
				     "a=path:" PATH_A "\n"
				     "m=message 7395 TCP/TLS/MSRP *\n"
				     "a=path:" PATH_S "\n",
				     true, &why), 0);
	CU_ASSERT(!of.tls);
	UNIT_ASSERT_STR(of.path, PATH_A);
}


static void test_line_ends(void)
{
	struct sdp_offer crlf, lf;
	const char *why;
	char *s;

	UNIT_ASSERT_INT(decode(&crlf, offer_tcp, false, &why), 0);

	s = lf_only(offer_tcp);
	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT(!strchr(s, '\r'));
	memset(&lf, 0x5a, sizeof(lf));
	UNIT_ASSERT_INT(decode(&lf, s, false, &why), 0);
	mem_deref(s);

	UNIT_ASSERT_STR(lf.path, PATH_A);
	CU_ASSERT(!memcmp(&crlf, &lf, sizeof(lf)));

	s = lf_only(offer_tls);
	CU_ASSERT_FATAL(s != NULL);
	UNIT_ASSERT_INT(decode(&lf, s, true, &why), 0);
	UNIT_ASSERT_STR(lf.path, PATH_S);
	UNIT_ASSERT_INT(lf.max_size, 65536);
	UNIT_ASSERT_INT(decode(&lf, s, false, &why), EPROTO);
	UNIT_ASSERT_STR(why, "MSRP over TLS Not Available");
	mem_deref(s);

	/* mixed, as some gateways do */
	UNIT_ASSERT_INT(decode(&lf, "v=0\no=- 1 1 IN IP4 192.0.2.7\r\n"
			       "s=-\nc=IN IP4 192.0.2.7\r\nt=0 0\n"
			       M_TCP "a=path:" PATH_B "\n"
			       "a=setup:active\r\n", false, &why), 0);
	UNIT_ASSERT_STR(lf.path, PATH_B);
	UNIT_ASSERT_INT(lf.setup, SETUP_ACTIVE);

	/* a path with the CR left on would not be a path */
	CU_ASSERT(!strchr(crlf.path, '\r'));
	CU_ASSERT(!strchr(crlf.accept_types, '\r'));
}


static void test_not_sdp(void)
{
	static const char *const v[] = {
		"",
		"v",
		"v=",
		"v=1\r\n" M_TCP A_PATH,
		"V=0\r\n" M_TCP A_PATH,
		"\r\nv=0\r\n" M_TCP A_PATH,
		" v=0\r\n" M_TCP A_PATH,
		"o=- 1 1 IN IP4 192.0.2.7\r\nv=0\r\n" M_TCP A_PATH,
		"MSRP a786hjs2 SEND\r\n",
	};
	struct sdp_offer of;
	const char *why;

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		char msg[160];
		int err = decode(&of, v[i], false, &why);

		(void)re_snprintf(msg, sizeof(msg), "not SDP %zu: %m \"%s\"",
				  i, err, why);
		CU_assertImplementation(err == EBADMSG &&
					!strcmp(why, "Bad SDP"), __LINE__,
					msg, __FILE__, "", CU_FALSE);
	}

	/* "v=0" alone is SDP, with nothing in it */
	UNIT_ASSERT_INT(decode(&of, "v=0", false, &why), EPROTO);
	UNIT_ASSERT_STR(why, "No MSRP Media");

	/* malformed m= lines */
	MEDIA_FAILS("m=message\n", false, EBADMSG, "Bad SDP");
	MEDIA_FAILS("m=message 7394\n", false, EBADMSG, "Bad SDP");
	MEDIA_FAILS("m=message x TCP/MSRP *\n", false, EBADMSG, "Bad SDP");
	MEDIA_FAILS("m=message 7394 TCP/MSRP\n", false, EBADMSG, "Bad SDP");
	MEDIA_FAILS("m=\n", false, EBADMSG, "Bad SDP");

	/* arguments */
	UNIT_ASSERT_INT(sdpmsrp_offer_decode(NULL, (const uint8_t *)offer_tcp,
					     strlen(offer_tcp), false, &why),
			EINVAL);
	UNIT_ASSERT_INT(sdpmsrp_offer_decode(&of, NULL, 10, false, &why),
			EINVAL);
	UNIT_ASSERT_INT(sdpmsrp_offer_decode(&of, (const uint8_t *)offer_tcp,
					     strlen(offer_tcp), false, NULL),
			EINVAL);
}


static void test_long_lines(void)
{
	enum { LMAX = 2048 };
	char media[LMAX + 200], pad[LMAX + 8];
	struct sdp_offer of;
	const char *why;
	int n;

	/* an unknown attribute of exactly 2048 characters: fine */
	memset(pad, 'x', sizeof(pad));
	pad[LMAX - strlen("a=x-pad:")] = '\0';
	n = re_snprintf(media, sizeof(media), "m=message 1 TCP/MSRP *\n"
			"a=path:" PATH_A "\na=x-pad:%s\n", pad);
	CU_ASSERT_FATAL(n > 0);
	UNIT_ASSERT_INT(decode_media(&of, media, false, &why), 0);
	UNIT_ASSERT_STR(of.path, PATH_A);

	/* one more */
	pad[LMAX - strlen("a=x-pad:")] = 'x';
	pad[LMAX - strlen("a=x-pad:") + 1] = '\0';
	(void)re_snprintf(media, sizeof(media), "m=message 1 TCP/MSRP *\n"
			  "a=path:" PATH_A "\na=x-pad:%s\n", pad);
	MEDIA_FAILS(media, false, EBADMSG, "Bad SDP");

	/* also at session level, and in the last line without an end */
	(void)re_snprintf(media, sizeof(media), "i=%sxxxxxx\n"
			  "m=message 1 TCP/MSRP *\na=path:" PATH_A "\n", pad);
	MEDIA_FAILS(media, false, EBADMSG, "Bad SDP");
	(void)re_snprintf(media, sizeof(media), "m=message 1 TCP/MSRP *\n"
			  "a=path:" PATH_A "\na=x-pad:%s", pad);
	MEDIA_FAILS(media, false, EBADMSG, "Bad SDP");
}


static void test_control_chars(void)
{
	static const char *const v[] = {
		"m=message 1 TCP/MSRP *\na=path:msrp://h:1/a\x01;tcp\n",
		"m=message 1 TCP/MSRP *\na=path:" PATH_A "\na=x:\x1b[31m\n",
		"m=message 1 TCP/MSRP *\na=path:" PATH_A "\ta\n",
		"m=message 1 TCP/MSRP *\na=path:" PATH_A "\na=x:\x7f\n",
		"m=message 1 TCP/MSRP *\na=path:" PATH_A "\r\r\n",
		"m=message 1 TCP/MSRP *\na=path:" PATH_A "\ra=setup:x\n",
		"i=\x07\nm=message 1 TCP/MSRP *\na=path:" PATH_A "\n",
		/* after the taken media too: the whole SDP is read */
		"m=message 1 TCP/MSRP *\na=path:" PATH_A "\n"
		"m=audio 1 RTP/AVP 0\na=x:\x02\n",
	};
	struct sdp_offer of;
	const char *why;

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		char msg[200];
		int err = decode_media(&of, v[i], false, &why);

		(void)re_snprintf(msg, sizeof(msg), "control %zu: %m \"%s\"",
				  i, err, why);
		CU_assertImplementation(err == EBADMSG &&
					!strcmp(why, "Bad SDP"), __LINE__,
					msg, __FILE__, "", CU_FALSE);
	}

	/* a NUL inside, passed by length */
	{
		static const char nul[] = SESS M_TCP "a=path:msrp://h:1/a\0b;tcp"
			"\r\n";

		why = NULL;
		UNIT_ASSERT_INT(sdpmsrp_offer_decode(&of, (const uint8_t *)nul,
						     sizeof(nul) - 1, false,
						     &why), EBADMSG);
		UNIT_ASSERT_STR(why, "Bad SDP");
	}
}


/*
 * RFC 4566 section 5: text fields (s=, i=, and attribute values such as
 * a=file-selector's name) are ISO 10646 in UTF-8 and "may contain any
 * octet with the exceptions of 0x00 (Nul), 0x0a (ASCII newline), and
 * 0x0d (ASCII carriage return)". A valid offer is not a Bad SDP.
 */
static void test_utf8_text(void)
{
	struct sdp_offer of;
	const char *why;

	UNIT_ASSERT_INT(decode(&of, "v=0\r\n"
			       "o=- 1 1 IN IP4 192.0.2.7\r\n"
			       "s=J\xc3\xb6rg's push\r\n"
			       "c=IN IP4 192.0.2.7\r\n"
			       "t=0 0\r\n"
			       M_TCP A_PATH, false, &why), 0);
	UNIT_ASSERT_STR(of.path, PATH_A);

	UNIT_ASSERT_INT(decode_media(&of, "m=message 1 TCP/MSRP *\n"
				     "a=path:" PATH_A "\n"
				     "a=file-selector:name:\"R\xc3\xa9sum\xc3\xa9"
				     ".pdf\" type:application/pdf size:1234\n",
				     false, &why), 0);
	UNIT_ASSERT_STR(of.path, PATH_A);
}


/* --- answers ----------------------------------------------------------- */

static void test_answer_setup(void)
{
	UNIT_ASSERT_INT(sdpmsrp_answer_setup(SETUP_ACTPASS), SETUP_ACTIVE);
	UNIT_ASSERT_INT(sdpmsrp_answer_setup(SETUP_ACTIVE), SETUP_PASSIVE);
	UNIT_ASSERT_INT(sdpmsrp_answer_setup(SETUP_PASSIVE), SETUP_ACTIVE);
	UNIT_ASSERT_INT(sdpmsrp_answer_setup(SETUP_NONE), SETUP_NONE);
	UNIT_ASSERT_INT(sdpmsrp_answer_setup(SETUP_HOLDCONN), SETUP_NONE);

	UNIT_ASSERT_STR(sdpmsrp_setup_name(SETUP_ACTPASS), "actpass");
	UNIT_ASSERT_STR(sdpmsrp_setup_name(SETUP_ACTIVE), "active");
	UNIT_ASSERT_STR(sdpmsrp_setup_name(SETUP_PASSIVE), "passive");
	UNIT_ASSERT_STR(sdpmsrp_setup_name(SETUP_HOLDCONN), "holdconn");
	UNIT_ASSERT_STR(sdpmsrp_setup_name(SETUP_NONE), "");
	UNIT_ASSERT_STR(sdpmsrp_setup_name((enum sdp_setup)99), "");
}


static char *answer_text(const struct sdp_answer *an, int *errp)
{
	struct mbuf *mb = mbuf_alloc(256);
	char *s = NULL;
	int err;

	CU_ASSERT_FATAL(mb != NULL);

	err = sdpmsrp_answer_encode(mb, an);
	if (!err) {
		mb->pos = 0;
		err = mbuf_strdup(mb, &s, mb->end);
	}

	mem_deref(mb);
	if (errp)
		*errp = err;

	return s;
}


static void test_answer_encode(void)
{
	struct sdp_answer an = {
		.addr = "192.0.2.10", .port = 2855, .tls = false,
		.path = "msrp://192.0.2.10:2855/a7e2c9f1;tcp",
		.accept_types = "application/vnd.wap.mms-message",
		.max_size = 268435456, .setup = SETUP_ACTIVE,
		.sess_id = 3808150405u,
	};
	char *s;
	int err;

	s = answer_text(&an, &err);
	UNIT_ASSERT_INT(err, 0);
	UNIT_ASSERT_STR(s,
			"v=0\r\n"
			"o=sippushd 3808150405 3808150405 IN IP4 192.0.2.10\r\n"
			"s=-\r\n"
			"c=IN IP4 192.0.2.10\r\n"
			"t=0 0\r\n"
			"m=message 2855 TCP/MSRP *\r\n"
			"a=path:msrp://192.0.2.10:2855/a7e2c9f1;tcp\r\n"
			"a=accept-types:application/vnd.wap.mms-message\r\n"
			"a=max-size:268435456\r\n"
			"a=setup:active\r\n"
			"a=recvonly\r\n");
	mem_deref(s);

	/* IPv6, TLS, no size, no setup, default types */
	an.addr = "2001:db8::10";
	an.port = 65535;
	an.tls = true;
	an.path = "msrps://[2001:db8::10]:65535/z;tcp";
	an.accept_types = NULL;
	an.max_size = 0;
	an.setup = SETUP_NONE;
	an.sess_id = 0;
	s = answer_text(&an, &err);
	UNIT_ASSERT_INT(err, 0);
	UNIT_ASSERT_STR(s,
			"v=0\r\n"
			"o=sippushd 0 0 IN IP6 2001:db8::10\r\n"
			"s=-\r\n"
			"c=IN IP6 2001:db8::10\r\n"
			"t=0 0\r\n"
			"m=message 65535 TCP/TLS/MSRP *\r\n"
			"a=path:msrps://[2001:db8::10]:65535/z;tcp\r\n"
			"a=accept-types:*\r\n"
			"a=recvonly\r\n");
	mem_deref(s);

	/* "" is no types either; passive; the largest size */
	an.accept_types = "";
	an.setup = SETUP_PASSIVE;
	an.max_size = UINT64_MAX;
	s = answer_text(&an, &err);
	UNIT_ASSERT_INT(err, 0);
	UNIT_ASSERT_CONTAINS(s, "\r\na=accept-types:*\r\n"
			     "a=max-size:18446744073709551615\r\n"
			     "a=setup:passive\r\na=recvonly\r\n");
	mem_deref(s);

	/* with a size, without setup; IPv4 with a setup but no size */
	an.addr = "198.51.100.1";
	an.path = "msrp://198.51.100.1:1/x;tcp";
	an.tls = false;
	an.port = 1;
	an.accept_types = "text/plain";
	an.max_size = 1;
	an.setup = SETUP_NONE;
	an.sess_id = UINT32_MAX;
	s = answer_text(&an, &err);
	UNIT_ASSERT_INT(err, 0);
	UNIT_ASSERT_STR(s,
			"v=0\r\n"
			"o=sippushd 4294967295 4294967295 IN IP4 198.51.100.1\r\n"
			"s=-\r\n"
			"c=IN IP4 198.51.100.1\r\n"
			"t=0 0\r\n"
			"m=message 1 TCP/MSRP *\r\n"
			"a=path:msrp://198.51.100.1:1/x;tcp\r\n"
			"a=accept-types:text/plain\r\n"
			"a=max-size:1\r\n"
			"a=recvonly\r\n");
	mem_deref(s);

	an.max_size = 0;
	an.setup = SETUP_ACTIVE;
	s = answer_text(&an, &err);
	UNIT_ASSERT_INT(err, 0);
	UNIT_ASSERT_CONTAINS(s, "\r\na=accept-types:text/plain\r\n"
			     "a=setup:active\r\na=recvonly\r\n");
	CU_ASSERT(s && !strstr(s, "max-size"));
	mem_deref(s);

	/* arguments */
	{
		struct mbuf *mb = mbuf_alloc(64);
		struct sdp_answer bad = an;

		CU_ASSERT_FATAL(mb != NULL);
		UNIT_ASSERT_INT(sdpmsrp_answer_encode(NULL, &an), EINVAL);
		UNIT_ASSERT_INT(sdpmsrp_answer_encode(mb, NULL), EINVAL);
		bad.addr = NULL;
		UNIT_ASSERT_INT(sdpmsrp_answer_encode(mb, &bad), EINVAL);
		bad = an;
		bad.path = NULL;
		UNIT_ASSERT_INT(sdpmsrp_answer_encode(mb, &bad), EINVAL);
		UNIT_ASSERT_INT(mb->end, 0);
		mem_deref(mb);
	}
}


/* Our answer read back by the offer parser: it says recvonly, so as an
 * offer it is refused for that (and only that); without that line the
 * parser gives back every value we put in. */
static void reparse(const struct sdp_answer *an, enum sdp_setup want_setup)
{
	struct sdp_offer of;
	const char *why;
	char *s, *rv;
	int err;

	s = answer_text(an, &err);
	UNIT_ASSERT_INT(err, 0);
	CU_ASSERT_FATAL(s != NULL);

	UNIT_ASSERT_INT(decode(&of, s, an->tls, &why), EPROTO);
	UNIT_ASSERT_STR(why, "Offer Does Not Send");

	/* the direction line is the last one: cut it off */
	rv = strstr(s, "a=recvonly\r\n");
	CU_ASSERT_FATAL(rv != NULL);
	UNIT_ASSERT_INT(strlen(rv), strlen("a=recvonly\r\n"));
	*rv = '\0';

	memset(&of, 0x5a, sizeof(of));
	UNIT_ASSERT_INT(decode(&of, s, an->tls, &why), 0);
	CU_ASSERT(of.tls == an->tls);
	UNIT_ASSERT_STR(of.path, an->path);
	UNIT_ASSERT_STR(of.accept_types, an->accept_types &&
			*an->accept_types ? an->accept_types : "*");
	CU_ASSERT(of.max_size == an->max_size);
	UNIT_ASSERT_INT(of.setup, want_setup);
	CU_ASSERT(of.sendonly_ok);

	/* and a TLS answer is no use to a side without TLS */
	if (an->tls) {
		UNIT_ASSERT_INT(decode(&of, s, false, &why), EPROTO);
		UNIT_ASSERT_STR(why, "MSRP over TLS Not Available");
	}

	mem_deref(s);
}


static void test_answer_reparse(void)
{
	struct sdp_answer an = {
		.addr = "192.0.2.10", .port = 2855,
		.path = "msrp://192.0.2.10:2855/a7e2c9f1;tcp",
		.accept_types = "application/vnd.wap.mms-message text/plain",
		.max_size = 268435456, .setup = SETUP_ACTIVE, .sess_id = 7,
	};

	reparse(&an, SETUP_ACTIVE);

	an.setup = SETUP_PASSIVE;
	an.max_size = 0;
	an.accept_types = NULL;
	reparse(&an, SETUP_PASSIVE);

	an.addr = "2001:db8::10";
	an.path = "msrps://[2001:db8::10]:2855/b;tcp";
	an.tls = true;
	an.setup = SETUP_NONE;
	an.max_size = UINT64_MAX;
	an.accept_types = "*";
	reparse(&an, SETUP_NONE);

	/* the whole exchange: an offer, our role, the answer, read back */
	{
		struct sdp_offer of;
		const char *why;

		UNIT_ASSERT_INT(decode(&of, offer_tcp, false, &why), 0);
		an.addr = "192.0.2.10";
		an.path = "msrp://192.0.2.10:2855/c;tcp";
		an.tls = of.tls;
		an.setup = sdpmsrp_answer_setup(of.setup);
		an.max_size = 1048576;
		an.accept_types = "application/vnd.wap.mms-message";
		reparse(&an, SETUP_ACTIVE);
	}
}


static CU_TestInfo offer_tests[] = {
	{"TCP/MSRP offer", test_tcp},
	{"TCP/TLS/MSRP: taken or refused", test_tls},
	{"a=path: missing, empty, longest", test_path},
	{"a=accept-types", test_accept_types},
	{"a=setup values", test_setup},
	{"a=max-size and a=maxsize", test_max_size},
	{"recvonly and inactive refused", test_direction},
	{"no usable m=message", test_no_msrp},
	{"port 0 line, then a good one", test_port0_then_good},
	{"later media attributes do not leak", test_no_leak},
	{"CRLF, LF and mixed line ends", test_line_ends},
	{"not SDP, malformed m= lines", test_not_sdp},
	{"over-long lines", test_long_lines},
	{"control characters", test_control_chars},
	{"UTF-8 in text fields (RFC 4566 section 5)", test_utf8_text},
	CU_TEST_INFO_NULL
};

static CU_TestInfo answer_tests[] = {
	{"our a=setup role, setup names", test_answer_setup},
	{"answer text, IPv4 and IPv6", test_answer_encode},
	{"answer read back", test_answer_reparse},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"sdp offer", unit_libre_init, unit_libre_close, NULL, NULL,
	 offer_tests},
	{"sdp answer", unit_libre_init, unit_libre_close, NULL, NULL,
	 answer_tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_sdpmsrp", suites);
}
