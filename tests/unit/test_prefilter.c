/* test_prefilter.c: the pre-filter before libre's SIP parser: datagrams, streams in any split, libre's framing. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "prefilter.h"
#include "unit.h"

#define MSG_HDRS \
	"MESSAGE sip:pra@example.com SIP/2.0\r\n" \
	"Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\n" \
	"Max-Forwards: 70\r\n" \
	"From: <sip:a@example.com>;tag=1\r\n" \
	"To: <sip:pra@example.com>\r\n" \
	"Call-ID: c1\r\n" \
	"CSeq: 1 MESSAGE\r\n"

static const char msg5[] = MSG_HDRS "Content-Length: 5\r\n\r\nhello";
static const char msg0[] = MSG_HDRS "Content-Length: 0\r\n\r\n";


static enum prefilter_result dgram(const char *s, const char **why)
{
	*why = NULL;
	return prefilter_datagram((const uint8_t *)s, strlen(s), why);
}


static void test_datagram(void)
{
	static const uint8_t stun[20] = {0x00, 0x01, 0x00, 0x00,
					 0x21, 0x12, 0xa4, 0x42};
	const char *why;

	UNIT_ASSERT_INT(dgram(msg5, &why), PF_OK);
	UNIT_ASSERT_INT(dgram(MSG_HDRS "\r\n", &why), PF_OK);
	UNIT_ASSERT_INT(dgram("SIP/2.0 200 OK\r\nVia: x\r\n\r\n", &why),
			PF_OK);
	UNIT_ASSERT_INT(dgram("SIP/2.0 180 \r\n\r\n", &why), PF_OK);
	UNIT_ASSERT_INT(dgram("OPTIONS sip:a SIP/2.0\n\n", &why), PF_OK);
	UNIT_ASSERT_INT(dgram("\r\n\r\n", &why), PF_OK);
	UNIT_ASSERT_INT(prefilter_datagram(stun, sizeof(stun), &why), PF_OK);

	/* on UDP the body is the rest: Content-Length is sipcheck's */
	UNIT_ASSERT_INT(dgram(MSG_HDRS "Content-Length: x\r\n\r\n", &why),
			PF_OK);
	/* a NUL in a header name is answered 400 by sipcheck, not here */
	UNIT_ASSERT_INT(prefilter_datagram((const uint8_t *)
		"MESSAGE sip:a SIP/2.0\r\nX-F\0o: 1\r\n\r\n", 37, &why), PF_OK);
}


static void junk_is(const char *s, const char *reason)
{
	const char *why = NULL;

	UNIT_ASSERT_INT(dgram(s, &why), PF_JUNK);
	UNIT_ASSERT_STR(why ? why : "(null)", reason);
}


static void test_datagram_junk(void)
{
	char big[PREFILTER_LINE_MAX + 64];
	char *many;
	struct mbuf *mb;

	junk_is("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"method too long");
	junk_is("MES SAGE sip:a SIP/2.0\r\n\r\n", "bad SIP version");
	junk_is("MESSAGE  sip:a SIP/2.0\r\n\r\n", "empty Request-URI");
	junk_is(" MESSAGE sip:a SIP/2.0\r\n\r\n",
		"start line begins with a space");
	junk_is("MESSAGE sip:a sip/2.0\r\n\r\n", "bad SIP version");
	junk_is("MESSAGE sip:a SIP/2.0 \r\n\r\n", "bad SIP version");
	junk_is("MESSAGE sip:\x01 SIP/2.0\r\n\r\n",
		"bad character in Request-URI");
	junk_is("HTTP/1.1 200 OK\r\n\r\n", "bad method");
	junk_is("SIP/2.0 2000 OK\r\n\r\n", "bad status code");
	junk_is("SIP/2.0 099 Early\r\n\r\n", "bad status code");
	junk_is("SIP/2.0 200\r\n\r\n", "bad status code");
	junk_is("MESSAGE sip:a SIP/2.0\rX: 1\r\n\r\n", "bare CR");
	junk_is("MESSAGE sip:a SIP/2.0\r\nX: 1\r \r\n\r\n", "bare CR");
	junk_is("MESSAGE sip:a SIP/2.0\r\nNoColon\r\n\r\n",
		"header line without a colon");
	junk_is("MESSAGE sip:a SIP/2.0\r\n: v\r\n\r\n",
		"header without a name");
	junk_is("MESSAGE sip:a SIP/2.0\r\n folded: v\r\n\r\n",
		"continuation without a header");
	junk_is("MESSAGE sip:a SIP/2.0\r\nX: 1\r\n", "incomplete header block");
	junk_is("\r\nMESSAGE sip:a SIP/2.0\r\n\r\n", "bad method");

	memset(big, 'a', sizeof(big));
	memcpy(big, "MESSAGE sip:", 12);
	big[sizeof(big) - 1] = '\0';
	junk_is(big, "start line too long");

	mb = mbuf_alloc(8192);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mb);
	(void)mbuf_write_str(mb, "MESSAGE sip:a SIP/2.0\r\n");
	for (int i = 0; i <= PREFILTER_LINES_MAX; i++)
		(void)mbuf_write_str(mb, "A: 1\r\n");
	(void)mbuf_write_str(mb, "\r\n");
	(void)mbuf_write_u8(mb, 0);
	junk_is((const char *)mb->buf, "too many header lines");

	mbuf_rewind(mb);
	(void)mbuf_write_str(mb, "MESSAGE sip:a SIP/2.0\r\n");
	for (int i = 0; i <= PREFILTER_HDRS_MAX / 1000; i++) {
		(void)mbuf_write_str(mb, "A: ");
		for (int k = 0; k < 995; k++)
			(void)mbuf_write_u8(mb, 'x');
		(void)mbuf_write_str(mb, "\r\n");
	}
	(void)mbuf_write_str(mb, "\r\n");
	(void)mbuf_write_u8(mb, 0);
	many = (char *)mb->buf;
	junk_is(many, "header block too large");

	/* one header: bounded; the numbers libre reads by regex, tighter */
	mbuf_rewind(mb);
	(void)mbuf_write_str(mb, "MESSAGE sip:a SIP/2.0\r\nSubject: ");
	for (int i = 0; i < PREFILTER_HDR_MAX; i++)
		(void)mbuf_write_u8(mb, 'x');
	(void)mbuf_write_str(mb, "\r\n\r\n");
	(void)mbuf_write_u8(mb, 0);
	junk_is((const char *)mb->buf, "header too long");

	mbuf_rewind(mb);
	(void)mbuf_write_str(mb, "MESSAGE sip:a SIP/2.0\r\nCSeq: ");
	for (int i = 0; i < PREFILTER_NUMHDR_MAX; i++)
		(void)mbuf_write_u8(mb, '1');
	(void)mbuf_write_str(mb, " MESSAGE\r\n\r\n");
	(void)mbuf_write_u8(mb, 0);
	junk_is((const char *)mb->buf, "header too long");

	/* libre allocates per comma-separated item */
	mbuf_rewind(mb);
	(void)mbuf_write_str(mb, "MESSAGE sip:a SIP/2.0\r\nContact: ");
	for (int i = 0; i < PREFILTER_ITEMS_MAX; i++)
		(void)mbuf_write_str(mb, ", ");
	(void)mbuf_write_str(mb, "\r\n\r\n");
	(void)mbuf_write_u8(mb, 0);
	junk_is((const char *)mb->buf, "too many header items");
	mem_deref(mb);
}


/* feed s in pieces of `step` bytes; return the message end offsets */
static size_t stream_ends(const char *s, size_t len, size_t step,
			  size_t *ends, size_t max, enum prefilter_result *last,
			  uint64_t body_max)
{
	struct prefilter pf;
	size_t pos = 0, n = 0;

	prefilter_init(&pf, true, body_max);
	*last = PF_OK;

	while (pos < len) {
		size_t lim = pos + step < len ? pos + step : len;

		while (pos < lim) {
			enum prefilter_result r;

			pos += prefilter_feed(&pf, (const uint8_t *)s + pos,
					      lim - pos, &r);
			*last = r;
			if (r == PF_JUNK)
				return n;
			if (r != PF_OK && n < max)
				ends[n++] = pos;
			if (r == PF_BADFRAME)
				return n;
		}
	}

	return n;
}


static void test_stream_framing(void)
{
	char two[2 * sizeof(msg5) + 16];
	size_t ends[4], n, len;
	enum prefilter_result last;

	len = (size_t)re_snprintf(two, sizeof(two), "\r\n\r\n%s\r\n%s", msg5,
				  msg0);

	/* any split gives the same boundaries */
	for (size_t step = 1; step <= len; step++) {
		n = stream_ends(two, len, step, ends, 4, &last, 65536);
		UNIT_ASSERT_INT(n, 2);
		UNIT_ASSERT_INT(ends[0], 4 + strlen(msg5));
		UNIT_ASSERT_INT(ends[1], len);
		UNIT_ASSERT_INT(last, PF_MESSAGE);
	}
}


static void stream_result_is(const char *s, enum prefilter_result want,
			     const char *reason)
{
	enum prefilter_result r;
	struct prefilter pf;
	size_t used;

	prefilter_init(&pf, true, 65536);
	used = prefilter_feed(&pf, (const uint8_t *)s, strlen(s), &r);
	UNIT_ASSERT_INT(r, want);
	UNIT_ASSERT_STR(pf.why ? pf.why : "(null)", reason);
	/* a bad length is known at the end of the headers */
	if (want == PF_BADFRAME)
		UNIT_ASSERT_INT(used, strlen(s));

	/* dead stays dead */
	UNIT_ASSERT_INT(prefilter_feed(&pf, (const uint8_t *)"\r\n", 2, &r), 0);
	UNIT_ASSERT_INT(r, PF_JUNK);
}


static void stream_junk_is(const char *s, const char *reason)
{
	stream_result_is(s, PF_JUNK, reason);
}


static void stream_bad_is(const char *s, const char *reason)
{
	stream_result_is(s, PF_BADFRAME, reason);
}


/* A name with bytes >= 0x80 is Content-Length exactly when libre's own
 * hash says so, whatever the libc and char's signedness: C, 36 x 0xff
 * and tail (both tails found by fuzz_sipstream on glibc/x86, the second
 * against a fix that treated every high byte as negative). */
static void high_byte_name(const char *tail)
{
	char name[64], msg[256];
	size_t n = 0;

	name[n++] = 'C';
	while (n < 37)
		name[n++] = (char)0xff;
	memcpy(name + n, tail, strlen(tail));
	n += strlen(tail);

	CU_ASSERT_FATAL(re_snprintf(msg, sizeof(msg), MSG_HDRS "%b: 0\r\n\r\n",
				    name, n) > 0);
	if ((hash_joaat_ci(name, n) & 0xfff) == SIP_HDR_CONTENT_LENGTH) {
		enum prefilter_result r;
		struct prefilter pf;

		prefilter_init(&pf, true, 65536);
		UNIT_ASSERT_INT(prefilter_feed(&pf, (const uint8_t *)msg,
					       strlen(msg), &r), strlen(msg));
		UNIT_ASSERT_INT(r, PF_MESSAGE);
	}
	else {
		stream_bad_is(msg, "Missing Content-Length");
	}
}


static void test_stream_clen(void)
{
	enum prefilter_result last;
	size_t ends[4];
	static const char spaced[] = MSG_HDRS
		"Content-Length :  3  \r\n\r\nabc";
	static const char twice[] = MSG_HDRS
		"Content-Length: 3\r\nl: 3\r\n\r\nabc";
	/* libre takes any name with Content-Length's 12-bit hash as one */
	static const char hashed[] = MSG_HDRS
		"Content-Length: 1\r\nYAcvo: 3\r\n\r\nabc";

	stream_bad_is(MSG_HDRS "\r\n", "Missing Content-Length");
	stream_bad_is(MSG_HDRS "Content-Length: 4294967301\r\n\r\n",
		      "Bad Content-Length");
	stream_bad_is(MSG_HDRS "Content-Length: 99999999999\r\n\r\n",
		      "Bad Content-Length");
	stream_bad_is(MSG_HDRS "Content-Length: 5x\r\n\r\n",
		      "Bad Content-Length");
	stream_bad_is(MSG_HDRS "Content-Length: 5 5\r\n\r\n",
		      "Bad Content-Length");
	stream_bad_is(MSG_HDRS "Content-Length:\r\n\r\n",
		      "Bad Content-Length");
	stream_bad_is(MSG_HDRS "Content-Length: 5\r\nl: 3\r\n\r\n",
		      "Multiple Content-Length Headers");
	stream_bad_is(MSG_HDRS "Content-Length: 5\r\n 3\r\n\r\n",
		      "Bad Content-Length");
	stream_bad_is(MSG_HDRS "Content-Length: 1\r\nYAcvo: 3\r\n\r\n",
		      "Multiple Content-Length Headers");
	high_byte_name("onTent-Length");
	high_byte_name("onTe\xf7nt-Length");
	stream_junk_is("\r\r", "bare CR");
	stream_junk_is("\nMESSAGE", "bad method");

	for (size_t step = 1; step < sizeof(spaced); step++) {
		UNIT_ASSERT_INT(stream_ends(spaced, sizeof(spaced) - 1, step,
					    ends, 4, &last, 65536), 1);
		UNIT_ASSERT_INT(ends[0], sizeof(spaced) - 1);
		UNIT_ASSERT_INT(stream_ends(twice, sizeof(twice) - 1, step,
					    ends, 4, &last, 65536), 1);
		UNIT_ASSERT_INT(ends[0], sizeof(twice) - 1);
	}

	UNIT_ASSERT_INT(stream_ends(hashed, sizeof(hashed) - 1, 7, ends, 4,
				    &last, 65536), 1);
	UNIT_ASSERT_INT(last, PF_BADFRAME);
}


static void test_stream_oversize(void)
{
	static const char big[] = MSG_HDRS "Content-Length: 10\r\n\r\n"
		"0123456789" "\r\n" MSG_HDRS "Content-Length: 2\r\n\r\nok";
	const size_t hdrs = sizeof(MSG_HDRS "Content-Length: 10\r\n\r\n") - 1;
	enum prefilter_result r;
	struct prefilter pf;
	size_t pos = 0;

	for (size_t step = 1; step < sizeof(big); step++) {
		enum prefilter_result seen[3];
		size_t at[3], k = 0;

		prefilter_init(&pf, true, 9);
		pos = 0;
		while (pos < sizeof(big) - 1) {
			size_t lim = pos + step < sizeof(big) - 1 ?
				pos + step : sizeof(big) - 1;

			while (pos < lim) {
				pos += prefilter_feed(&pf, (const uint8_t *)big +
						      pos, lim - pos, &r);
				CU_ASSERT(r != PF_JUNK);
				if (r != PF_OK && k < 3) {
					seen[k] = r;
					at[k++] = pos;
				}
			}
		}

		UNIT_ASSERT_INT(k, 3);
		UNIT_ASSERT_INT(seen[0], PF_OVERSIZE);
		UNIT_ASSERT_INT(at[0], hdrs);
		UNIT_ASSERT_INT(seen[1], PF_SKIPPED);
		UNIT_ASSERT_INT(at[1], hdrs + 10);
		UNIT_ASSERT_INT(seen[2], PF_MESSAGE);
		UNIT_ASSERT_INT(at[2], sizeof(big) - 1);
	}
}


/* the cost is linear: a megabyte of junk is refused at its start */
static void test_junk_is_cheap(void)
{
	enum prefilter_result r;
	struct prefilter pf;
	static uint8_t junk[1 << 20];
	size_t used;

	memset(junk, 'A', sizeof(junk));
	prefilter_init(&pf, true, 65536);
	used = prefilter_feed(&pf, junk, sizeof(junk), &r);
	UNIT_ASSERT_INT(r, PF_JUNK);
	CU_ASSERT(used <= PREFILTER_METHOD_MAX + 1);
}


static CU_TestInfo tests[] = {
	{"datagrams libre may parse", test_datagram},
	{"junk datagrams, each with its reason", test_datagram_junk},
	{"stream framing in every split", test_stream_framing},
	{"Content-Length on a stream, as libre frames it", test_stream_clen},
	{"oversize body: headers, skip, next message", test_stream_oversize},
	{"junk refused at its start", test_junk_is_cheap},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"prefilter", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_prefilter", suites);
}
