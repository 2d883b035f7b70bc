/* test_sipcheck.c: strict request validation (RFC 3261 §8.2): each malformed request gets 400 (415, 420) and its own reason. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "sipcheck.h"
#include "unit.h"

#define VIA   "Via: SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK776\r\n"
#define MAXF  "Max-Forwards: 70\r\n"
#define FROM  "From: <sip:mmsc@operator.test>;tag=49583\r\n"
#define TO    "To: <sip:pra@example.com>\r\n"
#define CID   "Call-ID: a84b4c76e66710@192.0.2.1\r\n"
#define CSEQ  "CSeq: 1 MESSAGE\r\n"
#define CT    "Content-Type: text/plain\r\n"
#define START "MESSAGE sip:pra@example.com SIP/2.0\r\n"
#define ALL   VIA MAXF FROM TO CID CSEQ CT


/* decode text (len bytes) as a request received over tp, then check it */
static uint16_t check_n(const char *text, size_t len, enum sip_transp tp,
			struct sipcheck *chk)
{
	struct sip_msg *msg = NULL;
	struct mbuf *mb = mbuf_alloc(len + 1);
	uint16_t scode;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mb);
	(void)mbuf_write_mem(mb, (const uint8_t *)text, len);
	mb->pos = 0;

	UNIT_ASSERT_INT(sip_msg_decode(&msg, mb), 0);
	if (!msg) {
		mem_deref(mb);
		return 0xffff;
	}
	msg->tp = tp;

	/* what libre's TCP transport does: the body is Content-Length
	 * bytes, read into 32 bits */
	if (tp != SIP_TRANSP_UDP && pl_isset(&msg->clen)) {
		const uint32_t clen = pl_u32(&msg->clen);

		if (mbuf_get_left(msg->mb) >= clen)
			msg->mb->end = msg->mb->pos + clen;
	}

	scode = sipcheck_request(chk, msg);
	if (scode)
		CU_ASSERT(chk->reason && *chk->reason);

	/* chk->unsupported points into msg: a copy outlives its free
	 * (ASan: heap-use-after-free in test_extensions otherwise) */
	if (pl_isset(&chk->unsupported)) {
		static char unsup[256];

		(void)pl_strcpy(&chk->unsupported, unsup, sizeof(unsup));
		pl_set_str(&chk->unsupported, unsup);
	}

	mem_deref(msg);
	mem_deref(mb);

	return scode;
}


static uint16_t check(const char *text, struct sipcheck *chk)
{
	return check_n(text, strlen(text), SIP_TRANSP_UDP, chk);
}


static void expect(const char *text, uint16_t scode, const char *reason)
{
	struct sipcheck chk;

	UNIT_ASSERT_INT(check(text, &chk), scode);
	if (scode)
		UNIT_ASSERT_STR(chk.reason ? chk.reason : "(null)", reason);
}


static void test_good(void)
{
	struct sipcheck chk;

	expect(START ALL "Content-Length: 5\r\n\r\nhello", 0, NULL);
	expect(START ALL "\r\nno length on UDP", 0, NULL);
	expect("MESSAGE sip:pra@example.com SIP/2.0\r\n"
	       "v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKc\r\nMax-Forwards: 0\r\n"
	       "f: <sip:a@b>;tag=1\r\nt: <sip:pra@example.com>\r\ni: cid\r\n"
	       "CSeq: 2147483647 MESSAGE\r\nc: text/plain\r\nl: 2\r\n\r\nhi",
	       0, NULL);
	expect(START ALL "Content-Encoding: identity\r\n\r\n", 0, NULL);
	expect(START VIA "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK2\r\n"
	       MAXF FROM TO CID CSEQ "Subject: folded\r\n line\r\n\r\n", 0,
	       NULL);
	expect("ACK sip:pra@example.com SIP/2.0\r\n" VIA MAXF FROM TO CID
	       "CSeq: 1 ACK\r\n\r\n", 0, NULL);

	/* responses are not ours to judge */
	UNIT_ASSERT_INT(check("SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n\r\n", &chk), 0);
}


static void test_missing(void)
{
	expect(START MAXF FROM TO CID CSEQ "\r\n", 400, "Missing Via");
	expect(START VIA FROM TO CID CSEQ "\r\n", 400, "Missing Max-Forwards");
	expect(START VIA MAXF TO CID CSEQ "\r\n", 400, "Missing From");
	expect(START VIA MAXF FROM CID CSEQ "\r\n", 400, "Missing To");
	expect(START VIA MAXF FROM TO CSEQ "\r\n", 400, "Missing Call-ID");
	expect(START VIA MAXF FROM TO CID "\r\n", 400, "Missing CSeq");
}


static void test_multiple(void)
{
	expect(START ALL FROM "\r\n", 400, "Multiple From Headers");
	expect(START ALL "t: <sip:other@example.com>\r\n\r\n", 400,
	       "Multiple To Headers");
	expect(START ALL "i: x\r\n\r\n", 400, "Multiple Call-ID Headers");
	expect(START ALL CSEQ "\r\n", 400, "Multiple CSeq Headers");
	expect(START ALL MAXF "\r\n", 400, "Multiple Max-Forwards Headers");
	expect(START ALL "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
	       400, "Multiple Content-Length Headers");
	expect(START ALL "c: text/html\r\n\r\n", 400,
	       "Multiple Content-Type Headers");
}


static void test_cseq(void)
{
	expect(START VIA MAXF FROM TO CID "CSeq: 1 INVITE\r\n\r\n", 400,
	       "CSeq Method Mismatch");
	expect(START VIA MAXF FROM TO CID "CSeq: 1 message\r\n\r\n", 400,
	       "CSeq Method Mismatch");
	/* libre reads "-1 MESSAGE" as 1 */
	expect(START VIA MAXF FROM TO CID "CSeq: -1 MESSAGE\r\n\r\n", 400,
	       "Bad CSeq");
	expect(START VIA MAXF FROM TO CID "CSeq: 2147483648 MESSAGE\r\n\r\n",
	       400, "Bad CSeq Number");
	/* libre reads it as 1 */
	expect(START VIA MAXF FROM TO CID "CSeq: 4294967297 MESSAGE\r\n\r\n",
	       400, "Bad CSeq Number");
	expect(START VIA MAXF FROM TO CID "CSeq: 1 MESSAGE x\r\n\r\n", 400,
	       "Bad CSeq");
}


static void test_maxfwd(void)
{
	expect(START VIA "Max-Forwards: 256\r\n" FROM TO CID CSEQ "\r\n", 400,
	       "Bad Max-Forwards");
	expect(START VIA "Max-Forwards: -1\r\n" FROM TO CID CSEQ "\r\n", 400,
	       "Bad Max-Forwards");
	expect(START VIA "Max-Forwards: 7a\r\n" FROM TO CID CSEQ "\r\n", 400,
	       "Bad Max-Forwards");
}


static void test_content_length(void)
{
	struct sipcheck chk;
	static const char wrap[] = START ALL
		"Content-Length: 4294967301\r\n\r\nhello";

	/* UDP: the datagram's body is what counts (RFC 3261 §18.3) */
	expect(START ALL "Content-Length: 5\r\n\r\n0123456789", 400,
	       "Content-Length Mismatch");
	expect(START ALL "Content-Length: 10\r\n\r\n01234", 400,
	       "Content-Length Mismatch");
	expect(START ALL "Content-Length: 0x5\r\n\r\nhello", 400,
	       "Bad Content-Length");

	/* TCP: libre framed 5 bytes from the wrapped 32-bit value */
	UNIT_ASSERT_INT(check_n(wrap, sizeof(wrap) - 1, SIP_TRANSP_TCP, &chk),
			400);
	UNIT_ASSERT_STR(chk.reason, "Bad Content-Length");
}


static void test_bytes(void)
{
	static const char nul_name[] = START ALL "X-Fo\0o: bar\r\n\r\n";
	static const char nul_val[] = START ALL "Subject: a\0b\r\n\r\n";
	struct sipcheck chk;

	UNIT_ASSERT_INT(check_n(nul_name, sizeof(nul_name) - 1,
				SIP_TRANSP_UDP, &chk), 400);
	UNIT_ASSERT_STR(chk.reason, "Bad Header Name");
	UNIT_ASSERT_INT(check_n(nul_val, sizeof(nul_val) - 1, SIP_TRANSP_UDP,
				&chk), 400);
	UNIT_ASSERT_STR(chk.reason, "Bad Header Value");
	expect(START ALL "Sub ject: x\r\n\r\n", 400, "Bad Header Name");
	expect(START ALL "Subject: \x1b[31m\r\n\r\n", 400, "Bad Header Value");
}


/* libre files headers by a 12-bit hash of the name: these collide */
static void test_hash_collisions(void)
{
	struct sip_msg *msg = NULL;
	struct mbuf *mb;
	static const char forged[] = START ALL
		"YAiye: <sip:slp@operator.test>\r\n\r\n";

	/* what libre makes of it: the stranger is P-Asserted-Identity */
	mb = mbuf_alloc(sizeof(forged));
	CU_ASSERT_PTR_NOT_NULL_FATAL(mb);
	(void)mbuf_write_str(mb, forged);
	mb->pos = 0;
	UNIT_ASSERT_INT(sip_msg_decode(&msg, mb), 0);
	CU_ASSERT_PTR_NOT_NULL(sip_msg_hdr(msg, SIP_HDR_P_ASSERTED_IDENTITY));
	mem_deref(msg);
	mem_deref(mb);

	expect(forged, 400, "Ambiguous Header Name");
	expect(START ALL "YAcup: <sip:slp@operator.test>\r\n\r\n", 400,
	       "Ambiguous Header Name");
	expect(START ALL "YAcvo: 0\r\n\r\n", 400, "Ambiguous Header Name");
	expect(START VIA MAXF FROM TO CID "YAawi: 7 MESSAGE\r\n\r\n", 400,
	       "Ambiguous Header Name");
}


static void test_extensions(void)
{
	struct sipcheck chk;

	UNIT_ASSERT_INT(check(START ALL "Require: 100rel, foo\r\n\r\n", &chk),
			420);
	UNIT_ASSERT_STR(chk.reason, "Bad Extension");
	CU_ASSERT(!pl_strcmp(&chk.unsupported, "100rel, foo"));

	/* a MESSAGE's coding is its owner's to take (admit.c) */
	UNIT_ASSERT_INT(check(START ALL "Content-Encoding: gzip\r\n\r\n", &chk),
			0);

#define OPT "OPTIONS sip:pra@example.com SIP/2.0\r\n" VIA MAXF FROM TO CID \
	"CSeq: 1 OPTIONS\r\n" CT
	UNIT_ASSERT_INT(check(OPT "Content-Encoding: gzip\r\n\r\n", &chk),
			415);
	UNIT_ASSERT_STR(chk.reason, "Unsupported Content-Encoding");
	UNIT_ASSERT_STR(chk.hdrs, "Accept-Encoding: identity\r\n");
	UNIT_ASSERT_INT(check(OPT "e: identity, gzip\r\n\r\n", &chk), 415);
	UNIT_ASSERT_INT(check(OPT "e: identity\r\n\r\n", &chk), 0);
#undef OPT
}


static CU_TestInfo tests[] = {
	{"well-formed requests pass", test_good},
	{"mandatory headers (§8.1.1)", test_missing},
	{"single headers", test_multiple},
	{"CSeq number and method", test_cseq},
	{"Max-Forwards 0..255", test_maxfwd},
	{"Content-Length equals the body", test_content_length},
	{"NUL and control bytes", test_bytes},
	{"libre's header-name hash collisions", test_hash_collisions},
	{"Require 420, Content-Encoding 415", test_extensions},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"sipcheck", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_sipcheck", suites);
}
