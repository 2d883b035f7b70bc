/* test_msrp.c: the MSRP parser and framer against RFC 4975, split anywhere, malformed and huge. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <time.h>
#include <re.h>
#include "autoconf.h"
#include "msrp.h"
#include "msrprec.h"
#include "unit.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/* random cut sets per input, on top of every single cut and byte by byte */
enum { TRIALS = 200 };

/* --- RFC 4975 examples (§4 and §7.1.2) and the bind SEND ------------- */

#define BOB   "msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp"
#define ALICE "msrp://atlanta.example.com:7654/jshA7weztas;tcp"

static const char rfc_send[] =
	"MSRP a786hjs2 SEND\r\n"
	"To-Path: " BOB "\r\n"
	"From-Path: " ALICE "\r\n"
	"Message-ID: 87652491\r\n"
	"Byte-Range: 1-25/25\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"Hey Bob, are you there?\r\n"
	"-------a786hjs2$\r\n";

static const char rfc_response[] =
	"MSRP a786hjs2 200 OK\r\n"
	"To-Path: " ALICE "\r\n"
	"From-Path: " BOB "\r\n"
	"-------a786hjs2$\r\n";

#define ALICEPC "msrp://alicepc.example.com:7777/iau39soe2843z;tcp"
#define BOBPC   "msrp://bob.example.com:8888/9di4eae923wzd;tcp"

static const char rfc_report[] =
	"MSRP dkei38sd REPORT\r\n"
	"To-Path: " ALICEPC "\r\n"
	"From-Path: " BOBPC "\r\n"
	"Message-ID: 12339sdqwer\r\n"
	"Byte-Range: 1-106/106\r\n"
	"Status: 000 200 OK\r\n"
	"-------dkei38sd$\r\n";

#define PSA "msrp://203.0.113.5:2855/kjhd37s2s20w2a;tcp"
#define PRA "msrp://192.0.2.10:9/a7e2c9f10b3d4e5f6071;tcp"

static const char bind_send[] =
	"MSRP d93kswow SEND\r\n"
	"To-Path: " PSA "\r\n"
	"From-Path: " PRA "\r\n"
	"Message-ID: 12339sdqwer\r\n"
	"Byte-Range: 1-0/0\r\n"
	"-------d93kswow$\r\n";

/* short building blocks for the rest */
#define TP  "To-Path: msrp://b.example.com:2855/s1;tcp\r\n"
#define FP  "From-Path: msrp://a.example.com:2855/s2;tcp\r\n"
#define SL  "MSRP t1234 SEND\r\n"
#define MID "Message-ID: m1\r\n"
#define CT  "Content-Type: text/plain\r\n"
#define EL  "-------t1234$\r\n"


/* Runs one input through every split and checks they agree; the whole
 * run is left in *r for the caller's own checks. */
#define CHECK_STREAM(r, buf, len) do { \
		unsigned bad_ = msrprec_check_splits((r), (const uint8_t *)(buf), \
						    (len), TRIALS, 0x2545f491u); \
		UNIT_ASSERT_INT(bad_, 0); \
	} while (0)

#define CHECK_STR(r, s) CHECK_STREAM(r, s, sizeof(s) - 1)

/* Does the log (binary: bodies may hold NULs) contain the text? */
static bool log_has(const struct msrprun *r, const char *text)
{
	const bool ok = r->log && memmem(r->log->buf, r->log->end, text,
					 strlen(text));

	if (!ok)
		msrprun_dump(text, r);

	return ok;
}


/* the log text of a run, NUL-terminated for string asserts */
static const char *logtext(struct msrprun *r)
{
	if (!r->log)
		return "";
	(void)mbuf_write_u8(r->log, 0);
	--r->log->end;
	return (const char *)r->log->buf;
}


/* --- RFC examples ---------------------------------------------------- */

static void test_rfc_send(void)
{
	struct msrprun r;

	CHECK_STR(&r, rfc_send);

	UNIT_ASSERT_STR(logtext(&r),
		"S req a786hjs2 0:SEND to=[" BOB "] from=[" ALICE "] "
		"mid=[87652491] range=1-25/25 sr=- fr=- status=0 "
		"ctype=[text/plain] body=1\n"
		"D23:Hey Bob, are you there?\n"
		"E$ 23\n"
		"R 0 0 - \n");

	UNIT_ASSERT_INT(r.last.kind, MSRP_REQUEST);
	UNIT_ASSERT_INT(r.last.method, MSRP_M_SEND);
	UNIT_ASSERT_INT(r.last.range_start, 1);
	UNIT_ASSERT_INT(r.last.range_end, 25);
	UNIT_ASSERT_INT(r.last.range_total, 25);
	CU_ASSERT_FALSE(r.last.end_star);
	CU_ASSERT_FALSE(r.last.total_star);
	UNIT_ASSERT_INT(r.last.success_report, MSRP_REP_DEFAULT);
	UNIT_ASSERT_INT(r.last.failure_report, MSRP_REP_DEFAULT);
	UNIT_ASSERT_INT(r.last.body_len, 23);
	UNIT_ASSERT_INT(r.last_flag, '$');
	msrprun_close(&r);
}


static void test_rfc_response(void)
{
	struct msrprun r;

	CHECK_STR(&r, rfc_response);

	UNIT_ASSERT_STR(logtext(&r),
		"S resp a786hjs2 200[OK] to=[" ALICE "] from=[" BOB "] "
		"mid=[] sr=- fr=- status=0 ctype=[] body=0\n"
		"E$ 0\n"
		"R 0 0 - \n");
	UNIT_ASSERT_INT(r.last.kind, MSRP_RESPONSE);
	UNIT_ASSERT_INT(r.last.scode, 200);
	UNIT_ASSERT_STR(r.last.comment, "OK");
	CU_ASSERT_FALSE(r.last.has_range);
	msrprun_close(&r);
}


static void test_rfc_report(void)
{
	struct msrprun r;

	CHECK_STR(&r, rfc_report);

	UNIT_ASSERT_STR(logtext(&r),
		"S req dkei38sd 1:REPORT to=[" ALICEPC "] from=[" BOBPC "] "
		"mid=[12339sdqwer] range=1-106/106 sr=- fr=- status=200 "
		"ctype=[] body=0\n"
		"E$ 0\n"
		"R 0 0 - \n");
	UNIT_ASSERT_INT(r.last.method, MSRP_M_REPORT);
	UNIT_ASSERT_INT(r.last.status, 200);
	msrprun_close(&r);
}


static void test_bind_send(void)
{
	struct msrprun r;

	CHECK_STR(&r, bind_send);

	UNIT_ASSERT_STR(logtext(&r),
		"S req d93kswow 0:SEND to=[" PSA "] from=[" PRA "] "
		"mid=[12339sdqwer] range=1-0/0 sr=- fr=- status=0 "
		"ctype=[] body=0\n"
		"E$ 0\n"
		"R 0 0 - \n");
	CU_ASSERT_TRUE(r.last.has_range);
	UNIT_ASSERT_INT(r.last.range_start, 1);
	UNIT_ASSERT_INT(r.last.range_end, 0);
	UNIT_ASSERT_INT(r.last.range_total, 0);
	CU_ASSERT_FALSE(r.last.has_body);
	msrprun_close(&r);
}


/* one connection's worth: bind, chunked SEND, response, REPORT */
static void test_stream_of_messages(void)
{
	static const char s[] =
		"MSRP d93kswow SEND\r\n"
		"To-Path: " PSA "\r\n"
		"From-Path: " PRA "\r\n"
		"Message-ID: 12339sdqwer\r\n"
		"Byte-Range: 1-0/0\r\n"
		"-------d93kswow$\r\n"
		"MSRP d93kswow 200 OK\r\n"
		"To-Path: " PRA "\r\n"
		"From-Path: " PSA "\r\n"
		"-------d93kswow$\r\n"
		"MSRP a786hjs2 SEND\r\n"
		"To-Path: " PRA "\r\n"
		"From-Path: " PSA "\r\n"
		"Message-ID: 87652491\r\n"
		"Success-Report: yes\r\n"
		"Byte-Range: 1-5/10\r\n"
		"Content-Type: application/octet-stream\r\n"
		"\r\n"
		"01234\r\n"
		"-------a786hjs2+\r\n"
		"MSRP a786hjs3 SEND\r\n"
		"To-Path: " PRA "\r\n"
		"From-Path: " PSA "\r\n"
		"Message-ID: 87652491\r\n"
		"Success-Report: yes\r\n"
		"Byte-Range: 6-10/10\r\n"
		"Content-Type: application/octet-stream\r\n"
		"\r\n"
		"56789\r\n"
		"-------a786hjs3$\r\n"
		"MSRP dkei38sd REPORT\r\n"
		"To-Path: " PSA "\r\n"
		"From-Path: " PRA "\r\n"
		"Message-ID: 87652491\r\n"
		"Byte-Range: 1-10/10\r\n"
		"Status: 000 200 OK\r\n"
		"-------dkei38sd$\r\n";
	struct msrprun r;

	CHECK_STR(&r, s);

	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_INT(r.starts, 5);
	UNIT_ASSERT_INT(r.ends, 5);
	UNIT_ASSERT_INT(r.data_bytes, 10);
	UNIT_ASSERT_CONTAINS(logtext(&r), "D5:01234\nE+ 5\n");
	UNIT_ASSERT_CONTAINS(logtext(&r), "D5:56789\nE$ 5\n");
	UNIT_ASSERT_CONTAINS(logtext(&r), "range=6-10/10 sr=yes fr=-");
	msrprun_close(&r);
}


/* A path the same as the last chunk's is not checked again: a changed
 * one is, whether valid (it is the one reported) or not (malformed). */
static void test_paths_per_chunk(void)
{
	static const char same_then_other[] =
		SL TP FP MID "Byte-Range: 1-0/0\r\n" EL
		SL TP FP MID "Byte-Range: 1-0/0\r\n" EL
		SL "To-Path: " PRA "\r\n" "From-Path: " PSA "\r\n" MID
		"Byte-Range: 1-0/0\r\n" EL;
	static const char then_bad[] =
		SL TP FP MID "Byte-Range: 1-0/0\r\n" EL
		SL "To-Path: msrp://b.example.com:2855/s1;tcp x\r\n" FP MID
		"Byte-Range: 1-0/0\r\n" EL;
	static const char then_bad_from[] =
		SL TP FP MID "Byte-Range: 1-0/0\r\n" EL
		SL TP "From-Path: msrp://a.example.com:2855/s2;tcp;\r\n" MID
		"Byte-Range: 1-0/0\r\n" EL;
	struct msrprun r;

	CHECK_STR(&r, same_then_other);
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_INT(r.starts, 3);
	UNIT_ASSERT_CONTAINS(logtext(&r), "to=[" PRA "] from=[" PSA "]");
	UNIT_ASSERT_CONTAINS(logtext(&r), "to=[msrp://b.example.com:2855/s1;tcp] "
			    "from=[msrp://a.example.com:2855/s2;tcp]");
	msrprun_close(&r);

	CHECK_STR(&r, then_bad);
	UNIT_ASSERT_INT(r.err, EBADMSG);
	UNIT_ASSERT_INT(r.starts, 1);
	msrprun_close(&r);

	CHECK_STR(&r, then_bad_from);
	UNIT_ASSERT_INT(r.err, EBADMSG);
	UNIT_ASSERT_INT(r.starts, 1);
	msrprun_close(&r);
}


/* --- bodies ---------------------------------------------------------- */

/* Everything here looks a bit like an end-line but is not ours:
 * hyphens alone, our tid without flag, our tid as a prefix of another
 * one, another tid's full end-line, a CR before the real CRLF. */
#define LOOKALIKES \
	"line one\r\n" \
	"-------\r\n" \
	"\r\n-------t1234\r\n"       /* our tid, no flag */ \
	"\r\n-------t1234X\r\n" \
	"\r\n-------t12345$\r\n"     /* ours is a prefix of it */ \
	"\r\n-------other$\r\n"      /* another tid's end-line */ \
	"\r\n------t1234$\r\n"       /* six hyphens */ \
	"x-------t1234$\r\n"         /* no CRLF before it */ \
	"\r\r\n\n\r\n-------t123$\r\n" \
	"\r\n-------T1234$\r\n"      /* tids are case-sensitive */ \
	"ends with CR\r"

static void test_body_lookalikes(void)
{
	static const char body[] = LOOKALIKES;
	static const char s[] = SL TP FP MID CT "\r\n" LOOKALIKES "\r\n" EL;
	struct msrprun r;
	char expect[512];

	CHECK_STR(&r, s);

	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_INT(r.ends, 1);
	UNIT_ASSERT_INT(r.data_bytes, sizeof(body) - 1);
	(void)re_snprintf(expect, sizeof(expect), "D%zu:%s\nE$ %zu\n",
			  sizeof(body) - 1, body, sizeof(body) - 1);
	UNIT_ASSERT_CONTAINS(logtext(&r), expect);
	msrprun_close(&r);
}


/* The body starts with what would be our end-line if a CRLF came first */
static void test_body_starts_like_end(void)
{
	static const char s[] =
		SL TP FP CT "\r\n" "-------t1234\r\nx\r\n" EL;
	struct msrprun r;

	CHECK_STR(&r, s);
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_CONTAINS(logtext(&r), "D15:-------t1234\r\nx\nE$ 15\n");
	msrprun_close(&r);
}


/* Empty bodies: the correct form (blank line, CRLF, end-line) and the
 * common sloppy one without the CRLF; and Content-Type without body. */
static void test_empty_bodies(void)
{
	static const char proper[] = SL TP FP CT "\r\n" "\r\n" EL;
	static const char sloppy[] = SL TP FP CT "\r\n" EL;
	static const char nobody[] = SL TP FP CT EL;
	static const char crlf[]   = SL TP FP CT "\r\n" "\r\n\r\n" EL;
	struct msrprun r;

	CHECK_STR(&r, proper);
	UNIT_ASSERT_INT(r.err, 0);
	CU_ASSERT_TRUE(r.last.has_body);
	UNIT_ASSERT_INT(r.data_bytes, 0);
	UNIT_ASSERT_CONTAINS(logtext(&r), "body=1\nE$ 0\n");
	msrprun_close(&r);

	CHECK_STR(&r, sloppy);
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_CONTAINS(logtext(&r), "body=1\nE$ 0\n");
	msrprun_close(&r);

	CHECK_STR(&r, nobody);
	UNIT_ASSERT_INT(r.err, 0);
	CU_ASSERT_FALSE(r.last.has_body);
	UNIT_ASSERT_STR(r.last.ctype, "text/plain");
	msrprun_close(&r);

	/* a body of exactly one CRLF */
	CHECK_STR(&r, crlf);
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_CONTAINS(logtext(&r), "D2:\r\n\nE$ 2\n");
	msrprun_close(&r);
}


static void test_binary_body(void)
{
	const char head[] = SL TP FP "Byte-Range: 1-*/*\r\n"
		"Content-Type: application/octet-stream\r\n\r\n";
	uint8_t buf[sizeof(head) - 1 + 3 * 256 + sizeof(EL) + 1];
	size_t n = 0, blen;
	struct msrprun r;

	memcpy(buf, head, sizeof(head) - 1);
	n += sizeof(head) - 1;

	/* every byte value, NULs in a row, then CR LF CR */
	for (int i = 0; i < 256; i++)
		buf[n++] = (uint8_t)i;
	for (int i = 0; i < 256; i++)
		buf[n++] = 0;
	for (int i = 0; i < 256; i++)
		buf[n++] = (uint8_t)(255 - i);
	blen = 3 * 256;
	memcpy(buf + n, "\r\n" EL, 2 + sizeof(EL) - 1);
	n += 2 + sizeof(EL) - 1;

	CHECK_STREAM(&r, buf, n);
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_INT(r.data_bytes, blen);
	UNIT_ASSERT_INT(r.last.body_len, blen);
	CU_ASSERT_PTR_NOT_NULL(memmem(r.log->buf, r.log->end,
				      buf + sizeof(head) - 1, blen));
	msrprun_close(&r);
}


static void test_flags(void)
{
	static const char s[] =
		"MSRP aaaa SEND\r\n" TP FP MID "Byte-Range: 1-3/9\r\n" CT
		"\r\nabc\r\n-------aaaa+\r\n"
		"MSRP bbbb SEND\r\n" TP FP MID "Byte-Range: 4-6/9\r\n" CT
		"\r\ndef\r\n-------bbbb#\r\n"
		"MSRP cccc SEND\r\n" TP FP MID "Byte-Range: 4-9/9\r\n" CT
		"\r\ndefghi\r\n-------cccc$\r\n"
		"MSRP dddd 200 OK\r\n" TP FP "-------dddd#\r\n";
	struct msrprun r;

	CHECK_STR(&r, s);
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_INT(r.ends, 4);
	UNIT_ASSERT_CONTAINS(logtext(&r), "D3:abc\nE+ 3\n");
	UNIT_ASSERT_CONTAINS(logtext(&r), "D3:def\nE# 3\n");
	UNIT_ASSERT_CONTAINS(logtext(&r), "D6:defghi\nE$ 6\n");
	UNIT_ASSERT_CONTAINS(logtext(&r), "body=0\nE# 0\n");
	msrprun_close(&r);
}


static void test_byte_range_forms(void)
{
	static const struct {
		const char *range;
		const char *body;
		const char *expect;
	} v[] = {
		{"1-*/*", "abcd", "range=1-*/* "},
		{"1-*/100", "abcd", "range=1-*/100 "},
		{"1-4/*", "abcd", "range=1-4/* "},
		{"2049-4096/5000", "abcd", "range=2049-4096/5000 "},
		{"5-4/4", "", "range=5-4/4 "},
		{"01-004/0004", "abcd", "range=1-4/4 "},
		{"1-*/9007199254740992", "ab", "range=1-*/9007199254740992 "},
		{"9007199254740992-9007199254740992/9007199254740992", "a",
		 "range=9007199254740992-9007199254740992/9007199254740992 "},
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct msrprun r;
		char *s = NULL;

		CU_ASSERT_EQUAL_FATAL(re_sdprintf(&s, SL TP FP
			"Byte-Range: %s\r\n" CT "\r\n%s\r\n" EL,
			v[i].range, v[i].body), 0);
		CHECK_STREAM(&r, s, strlen(s));
		UNIT_ASSERT_INT(r.err, 0);
		UNIT_ASSERT_CONTAINS(logtext(&r), v[i].expect);
		UNIT_ASSERT_INT(r.data_bytes, strlen(v[i].body));
		msrprun_close(&r);
		mem_deref(s);
	}
}


/* The body may be shorter than the range says (an interrupted chunk)
 * but never longer: exactly the allowed bytes go out, then the error. */
static void test_body_exceeds_range(void)
{
	static const struct {
		const char *range;
		const char *body;
		size_t allowed;
	} v[] = {
		{"1-3/3", "abcdef", 3},
		{"1-*/4", "abcdef", 4},
		{"3-4/*", "a\r\nb", 2},
		{"1-0/0", "x", 0},
		{"9007199254740992-*/*", "ab", 1},
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct msrprun r;
		char *s = NULL;

		CU_ASSERT_EQUAL_FATAL(re_sdprintf(&s, SL TP FP
			"Byte-Range: %s\r\n" CT "\r\n%s\r\n" EL,
			v[i].range, v[i].body), 0);
		CHECK_STREAM(&r, s, strlen(s));
		UNIT_ASSERT_INT(r.err, EBADMSG);
		UNIT_ASSERT_INT(r.e.scode, 400);
		UNIT_ASSERT_STR(r.e.reason, "body exceeds Byte-Range");
		UNIT_ASSERT_STR(r.e.tid, "t1234");
		UNIT_ASSERT_INT(r.data_bytes, v[i].allowed);
		UNIT_ASSERT_INT(r.ends, 0);
		msrprun_close(&r);
		mem_deref(s);
	}

	/* shorter is fine */
	{
		static const char s[] = SL TP FP "Byte-Range: 1-10/10\r\n" CT
			"\r\nabc\r\n" EL;
		struct msrprun r;

		CHECK_STR(&r, s);
		UNIT_ASSERT_INT(r.err, 0);
		UNIT_ASSERT_INT(r.last.body_len, 3);
		msrprun_close(&r);
	}
}


/* --- header syntax leniency ------------------------------------------ */

static void test_header_variants(void)
{
	static const char s[] =
		"MSRP  t1234   SEND \r\n"
		"to-path:msrp://b.example.com:2855/s1;tcp\r\n"
		"FROM-PATH:  \tmsrp://relay.example.net:2855/r1;tcp "
		"  msrps://[2001:db8::1]:2855/a/b+c=;tcp;x=y \t\r\n"
		"X-Unknown: whatever: with colons\r\n"
		"message-id: Ab.-+%=9\r\n"
		"Byte-Range : 1-3/3\r\n"
		"success-report: YES\r\n"
		"Failure-Report: Partial\r\n"
		"Content-ID: <x@y>\r\n"
		"Content-Type: text/plain; charset=\"utf-8\"\r\n"
		"X-After-CT: tolerated\r\n"
		"\r\nabc\r\n" EL;
	struct msrprun r;

	CHECK_STR(&r, s);
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_STR(r.last.tid, "t1234");
	UNIT_ASSERT_STR(r.last.to_path, "msrp://b.example.com:2855/s1;tcp");
	UNIT_ASSERT_STR(r.last.from_path,
			"msrp://relay.example.net:2855/r1;tcp   "
			"msrps://[2001:db8::1]:2855/a/b+c=;tcp;x=y");
	UNIT_ASSERT_STR(r.last.message_id, "Ab.-+%=9");
	UNIT_ASSERT_INT(r.last.success_report, MSRP_REP_YES);
	UNIT_ASSERT_INT(r.last.failure_report, MSRP_REP_PARTIAL);
	UNIT_ASSERT_STR(r.last.ctype, "text/plain; charset=\"utf-8\"");
	UNIT_ASSERT_INT(r.data_bytes, 3);
	msrprun_close(&r);
}


static void test_report_values(void)
{
	static const struct {
		const char *hdr;
		enum msrp_report sr, fr;
	} v[] = {
		{"Success-Report: yes\r\n", MSRP_REP_YES, MSRP_REP_DEFAULT},
		{"Success-Report: no\r\n", MSRP_REP_NO, MSRP_REP_DEFAULT},
		{"Failure-Report: yes\r\n", MSRP_REP_DEFAULT, MSRP_REP_YES},
		{"Failure-Report: no\r\n", MSRP_REP_DEFAULT, MSRP_REP_NO},
		{"Failure-Report: partial\r\n", MSRP_REP_DEFAULT,
		 MSRP_REP_PARTIAL},
		{"Failure-Report: no\r\nSuccess-Report: yes\r\n",
		 MSRP_REP_YES, MSRP_REP_NO},
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct msrprun r;
		char *s = NULL;

		CU_ASSERT_EQUAL_FATAL(re_sdprintf(&s, SL TP FP MID "%s" EL,
						  v[i].hdr), 0);
		msrprun_init(&r);
		UNIT_ASSERT_INT(msrprun_whole(&r, (uint8_t *)s, strlen(s)), 0);
		UNIT_ASSERT_INT(r.err, 0);
		UNIT_ASSERT_INT(r.last.success_report, v[i].sr);
		UNIT_ASSERT_INT(r.last.failure_report, v[i].fr);
		msrprun_close(&r);
		mem_deref(s);
	}
}


static void test_start_line_variants(void)
{
	static const char s[] =
		"MSRP t1234 200\r\n" TP FP EL
		"MSRP t1234 999 \xc3\xa9t\xc3\xa9 fine\r\n" TP FP EL
		"MSRP t1234 481 Session-does-not-exist\r\n" TP FP EL
		"MSRP t1234 AUTH\r\n" TP FP EL
		"MSRP t1234 NICKNAME\r\n" TP FP EL
		"MSRP abc SEND\r\n" TP FP "-------abc$\r\n"
		"MSRP 7 SEND\r\n" TP FP "-------7$\r\n";
	struct msrprun r;
	const char *log;

	CHECK_STR(&r, s);
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_INT(r.ends, 7);
	log = logtext(&r);
	UNIT_ASSERT_CONTAINS(log, "S resp t1234 200[] ");
	UNIT_ASSERT_CONTAINS(log, "S resp t1234 999[\xc3\xa9t\xc3\xa9 fine] ");
	UNIT_ASSERT_CONTAINS(log, "S resp t1234 481[Session-does-not-exist] ");
	UNIT_ASSERT_CONTAINS(log, "S req t1234 2:AUTH ");
	UNIT_ASSERT_CONTAINS(log, "S req t1234 3:NICKNAME ");
	UNIT_ASSERT_CONTAINS(log, "S req abc 0:SEND ");
	UNIT_ASSERT_CONTAINS(log, "S req 7 0:SEND ");
	msrprun_close(&r);
}


/* stray CRLFs between chunks are skipped, not an error */
static void test_blank_lines_between(void)
{
	static const char s[] = "\r\n\r\n" SL TP FP EL "\r\n" SL TP FP EL;
	struct msrprun r;

	CHECK_STR(&r, s);
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_INT(r.ends, 2);
	msrprun_close(&r);
}


/* A long comment is cut at MSRP_COMMENT_MAX, never inside a UTF-8
 * character; it is free text, not worth closing the connection for. */
static void test_comment_truncated(void)
{
	char s[1024], comment[300];
	struct msrprun r;
	size_t n;

	/* 126 ASCII bytes then "é" (2 bytes) would end at byte 128 */
	memset(comment, 'c', 126);
	memcpy(comment + 126, "\xc3\xa9xyz", 6);
	n = (size_t)re_snprintf(s, sizeof(s), "MSRP t1234 200 %s\r\n" TP FP
				EL, comment);

	CHECK_STREAM(&r, s, n);
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_INT(strlen(r.last.comment), 126);
	msrprun_close(&r);

	memset(comment, 'c', 200);
	comment[200] = '\0';
	n = (size_t)re_snprintf(s, sizeof(s), "MSRP t1234 200 %s\r\n" TP FP
				EL, comment);
	CHECK_STREAM(&r, s, n);
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_INT(strlen(r.last.comment), MSRP_COMMENT_MAX);
	msrprun_close(&r);
}


/* --- malformed frames: every class gets its own reason ---------------- */

struct bad {
	const char *in;
	int err;
	const char *reason;
	const char *tid;
};

static const struct bad bad_frames[] = {
	/* start line */
	{"HTTP/1.1 200 OK\r\n", EBADMSG, "bad start line", ""},
	{"msrp t1234 SEND\r\n", EBADMSG, "bad start line", ""},
	{"MSRPt1234 SEND\r\n", EBADMSG, "bad start line", ""},
	{"MSRP\r\n", EBADMSG, "bad start line", ""},
	{"MSRP t1234\r\n", EBADMSG, "bad start line", "t1234"},
	{"MSRP t1234 SEND extra\r\n", EBADMSG, "bad start line", "t1234"},
	{"MSRP -t1234 SEND\r\n", EBADMSG, "bad transaction ID", ""},
	{"MSRP t1/234 SEND\r\n", EBADMSG, "bad transaction ID", ""},
	{"MSRP t12_34 SEND\r\n", EBADMSG, "bad transaction ID", ""},
	{"MSRP \xc3\xa9t SEND\r\n", EBADMSG, "bad transaction ID", ""},
	{"MSRP 123456789012345678901234567890123 SEND\r\n", EBADMSG,
	 "transaction ID too long", ""},
	{"MSRP t1234 2OO OK\r\n", EBADMSG, "bad status code", "t1234"},
	{"MSRP t1234 20 OK\r\n", EBADMSG, "bad status code", "t1234"},
	{"MSRP t1234 2000 OK\r\n", EBADMSG, "bad status code", "t1234"},
	{"MSRP t1234 099 OK\r\n", EBADMSG, "bad status code", "t1234"},
	{"MSRP t1234 Send\r\n", EBADMSG, "bad method", "t1234"},
	{"MSRP t1234 SEND2\r\n", EBADMSG, "bad method", "t1234"},
	{"MSRP t1234 OK200\r\n", EBADMSG, "bad method", "t1234"},
	{"MSRP t1234 ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF\r\n", EBADMSG,
	 "method name too long", "t1234"},

	/* line structure */
	{"MSRP t1234 SEND\n", EBADMSG, "bare LF in header", ""},
	{SL TP "From-Path: msrp://a.example.com:2855/s2;tcp\n", EBADMSG,
	 "bare LF in header", "t1234"},
	{SL TP "From-Path: msrp://a\r.example.com:2855/s2;tcp\r\n", EBADMSG,
	 "bare CR in header", "t1234"},
	{SL TP FP "X-Nul: a\0b\r\n" EL, EBADMSG,
	 "control character in header", "t1234"},
	{SL TP FP "X-Esc: \x1b[1m\r\n" EL, EBADMSG,
	 "control character in header", "t1234"},
	{"\r\n\n", EBADMSG, "bare LF in header", ""},

	/* headers */
	{SL EL, EBADMSG, "missing To-Path", "t1234"},
	{SL "\r\n", EBADMSG, "missing To-Path", "t1234"},
	{SL TP EL, EBADMSG, "missing From-Path", "t1234"},
	{SL FP TP EL, EBADMSG, "From-Path before To-Path", "t1234"},
	{SL MID TP FP EL, EBADMSG, "To-Path not first", "t1234"},
	{SL TP MID FP EL, EBADMSG, "From-Path not second", "t1234"},
	{SL TP TP FP EL, EBADMSG, "duplicate header", "t1234"},
	{SL TP FP FP EL, EBADMSG, "duplicate header", "t1234"},
	{SL TP FP MID MID EL, EBADMSG, "duplicate header", "t1234"},
	{SL TP FP "Byte-Range: 1-1/1\r\nbyte-range: 1-1/1\r\n" EL, EBADMSG,
	 "duplicate header", "t1234"},
	{SL TP FP CT CT EL, EBADMSG, "duplicate header", "t1234"},
	{SL TP FP "Garbage line\r\n" EL, EBADMSG, "header without colon",
	 "t1234"},
	{SL TP FP "hello world\r\n\r\n" EL, EBADMSG, "header without colon",
	 "t1234"},
	{SL " To-Path: msrp://b.example.com:2855/s1;tcp\r\n", EBADMSG,
	 "bad header name", "t1234"},
	{SL TP FP "1abc: x\r\n" EL, EBADMSG, "bad header name", "t1234"},
	{SL TP FP ": x\r\n" EL, EBADMSG, "bad header name", "t1234"},
	{SL TP FP "X(y): x\r\n" EL, EBADMSG, "bad header name", "t1234"},

	/* paths */
	{SL "To-Path: http://b.example.com/s1\r\n", EBADMSG, "bad To-Path",
	 "t1234"},
	{SL "To-Path: msrp://b.example.com:2855/s1\r\n", EBADMSG,
	 "bad To-Path", "t1234"},
	{SL "To-Path: \r\n", EBADMSG, "bad To-Path", "t1234"},
	{SL "To-Path: msrp://:2855/s1;tcp\r\n", EBADMSG, "bad To-Path",
	 "t1234"},
	{SL "To-Path: msrp://b.example.com:65536/s1;tcp\r\n", EBADMSG,
	 "bad To-Path", "t1234"},
	{SL "To-Path: msrp://b.example.com:28x5/s1;tcp\r\n", EBADMSG,
	 "bad To-Path", "t1234"},
	{SL "To-Path: msrp://b.example.com:2855/;tcp\r\n", EBADMSG,
	 "bad To-Path", "t1234"},
	{SL "To-Path: msrp://b.example.com:2855/s1;\r\n", EBADMSG,
	 "bad To-Path", "t1234"},
	{SL "To-Path: msrp://b.example.com:2855/s1;tcp;\r\n", EBADMSG,
	 "bad To-Path", "t1234"},
	{SL "To-Path: msrp://[2001:db8::1/s1;tcp\r\n", EBADMSG,
	 "bad To-Path", "t1234"},
	{SL "To-Path: msrp://b.example.com:2855/s<1>;tcp\r\n", EBADMSG,
	 "bad To-Path", "t1234"},
	{SL TP "From-Path: msrp://a.example.com:2855/s2;tcp x\r\n", EBADMSG,
	 "bad From-Path", "t1234"},

	/* Message-ID */
	{SL TP FP "Message-ID: m@1\r\n" EL, EBADMSG, "bad Message-ID",
	 "t1234"},
	{SL TP FP "Message-ID: \r\n" EL, EBADMSG, "bad Message-ID", "t1234"},
	{SL TP FP "Message-ID: .m1\r\n" EL, EBADMSG, "bad Message-ID",
	 "t1234"},

	/* Byte-Range */
	{SL TP FP "Byte-Range: 1-2\r\n" EL, EBADMSG, "bad Byte-Range",
	 "t1234"},
	{SL TP FP "Byte-Range: a-2/3\r\n" EL, EBADMSG, "bad Byte-Range",
	 "t1234"},
	{SL TP FP "Byte-Range: 1-2/3x\r\n" EL, EBADMSG, "bad Byte-Range",
	 "t1234"},
	{SL TP FP "Byte-Range: -1/2\r\n" EL, EBADMSG, "bad Byte-Range",
	 "t1234"},
	{SL TP FP "Byte-Range: 1--2/3\r\n" EL, EBADMSG, "bad Byte-Range",
	 "t1234"},
	{SL TP FP "Byte-Range: 1 -2/3\r\n" EL, EBADMSG, "bad Byte-Range",
	 "t1234"},
	{SL TP FP "Byte-Range: *-2/3\r\n" EL, EBADMSG, "bad Byte-Range",
	 "t1234"},
	{SL TP FP "Byte-Range: 1-2/\r\n" EL, EBADMSG, "bad Byte-Range",
	 "t1234"},
	{SL TP FP "Byte-Range: 1-**/3\r\n" EL, EBADMSG, "bad Byte-Range",
	 "t1234"},
	{SL TP FP "Byte-Range: \r\n" EL, EBADMSG, "bad Byte-Range", "t1234"},
	{SL TP FP "Byte-Range: 0-2/3\r\n" EL, EBADMSG,
	 "Byte-Range start is 0", "t1234"},
	{SL TP FP "Byte-Range: 5-3/10\r\n" EL, EBADMSG,
	 "Byte-Range end before start", "t1234"},
	{SL TP FP "Byte-Range: 1-11/10\r\n" EL, EBADMSG,
	 "Byte-Range end beyond total", "t1234"},
	{SL TP FP "Byte-Range: 12-*/10\r\n" EL, EBADMSG,
	 "Byte-Range start beyond total", "t1234"},
	{SL TP FP "Byte-Range: 9007199254740993-*/*\r\n" EL, EBADMSG,
	 "Byte-Range number too large", "t1234"},
	{SL TP FP "Byte-Range: 1-9007199254740993/*\r\n" EL, EBADMSG,
	 "Byte-Range number too large", "t1234"},
	{SL TP FP "Byte-Range: 1-*/18446744073709551617\r\n" EL, EBADMSG,
	 "Byte-Range number too large", "t1234"},
	{SL TP FP "Byte-Range: 1-*/99999999999999999999999999999999\r\n" EL,
	 EBADMSG, "Byte-Range number too large", "t1234"},

	/* reports, status, content type */
	{SL TP FP "Success-Report: maybe\r\n" EL, EBADMSG,
	 "bad Success-Report", "t1234"},
	{SL TP FP "Success-Report: partial\r\n" EL, EBADMSG,
	 "bad Success-Report", "t1234"},
	{SL TP FP "Failure-Report: sometimes\r\n" EL, EBADMSG,
	 "bad Failure-Report", "t1234"},
	{SL TP FP "Failure-Report: \r\n" EL, EBADMSG, "bad Failure-Report",
	 "t1234"},
	{SL TP FP "Status: 200 OK\r\n" EL, EBADMSG, "bad Status", "t1234"},
	{SL TP FP "Status: 000 2x0 OK\r\n" EL, EBADMSG, "bad Status",
	 "t1234"},
	{SL TP FP "Status: 000 099\r\n" EL, EBADMSG, "bad Status", "t1234"},
	{SL TP FP "Status: 000 2000\r\n" EL, EBADMSG, "bad Status", "t1234"},
	{SL TP FP "Content-Type: text\r\n" EL, EBADMSG, "bad Content-Type",
	 "t1234"},
	{SL TP FP "Content-Type: /plain\r\n" EL, EBADMSG,
	 "bad Content-Type", "t1234"},
	{SL TP FP "Content-Type: text/\r\n" EL, EBADMSG,
	 "bad Content-Type", "t1234"},
	{SL TP FP "Content-Type: text/plain x\r\n" EL, EBADMSG,
	 "bad Content-Type", "t1234"},

	/* end of the header block and the end-line */
	{SL TP FP "-------other$\r\n", EBADMSG, "bad end-line", "t1234"},
	{SL TP FP "-------t1234!\r\n", EBADMSG, "bad end-line", "t1234"},
	{SL TP FP "-------t1234$x\r\n", EBADMSG, "bad end-line", "t1234"},
	{SL TP FP "-------t1234\r\n", EBADMSG, "bad end-line", "t1234"},
	{SL TP FP "\r\nabc\r\n" EL, EBADMSG, "body without Content-Type",
	 "t1234"},
	{"MSRP t1234 200 OK\r\n" TP FP CT "\r\nabc\r\n" EL, EBADMSG,
	 "response with body", "t1234"},
	{SL TP FP CT "\r\nabc\r\n-------t1234$garbage\r\n", EBADMSG,
	 "garbage after end-line", "t1234"},
	{SL TP FP CT "\r\nabc\r\n-------t1234$\n", EBADMSG,
	 "garbage after end-line", "t1234"},
	{SL TP FP CT "\r\nabc\r\n-------t1234+x$\r\n", EBADMSG,
	 "garbage after end-line", "t1234"},
	{SL TP FP CT "\r\n-------t1234# \r\n", EBADMSG,
	 "garbage after end-line", "t1234"},
};


static void run_bad(const struct bad *b, size_t len)
{
	struct msrprun r;

	CHECK_STREAM(&r, b->in, len);

	UNIT_ASSERT_INT(r.err, b->err);
	UNIT_ASSERT_INT(r.e.scode, 400);
	UNIT_ASSERT_STR(r.e.reason ? r.e.reason : "(null)", b->reason);
	UNIT_ASSERT_STR(r.e.tid, b->tid);
	if (r.err != b->err || strcmp(r.e.reason ? r.e.reason : "",
				      b->reason))
		fprintf(stderr, "input: %.*s\n", (int)len, b->in);
	UNIT_ASSERT_INT(r.ends, 0);
	msrprun_close(&r);
}


static void test_malformed(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_frames); i++) {
		const struct bad *b = &bad_frames[i];
		size_t len = strlen(b->in);

		/* the one with an embedded NUL */
		if (strstr(b->in, "X-Nul: a"))
			len = sizeof(SL TP FP "X-Nul: a\0b\r\n" EL) - 1;

		run_bad(b, len);
	}
}


/* --- limits ---------------------------------------------------------- */

/* A start line with a header of n bytes padding the block to exactly
 * blk bytes (start line + headers + end-line, CRLFs included). */
static char *block_of(size_t blk)
{
	const size_t fixed = sizeof(SL TP FP EL) - 1 + sizeof("X-Pad: \r\n")
		- 1;
	char *s;

	if (blk < fixed)
		return NULL;

	s = mem_zalloc(blk + 1, NULL);
	if (!s)
		return NULL;

	(void)re_snprintf(s, blk + 1, SL TP FP "X-Pad: ");
	memset(s + strlen(s), 'p', blk - fixed);
	strcpy(s + strlen(s), "\r\n" EL);

	return s;
}


static void test_header_block_limit(void)
{
	struct msrprun r;
	char *s;

	s = block_of(MSRP_HDR_MAX);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	UNIT_ASSERT_INT(strlen(s), MSRP_HDR_MAX);
	msrprun_init(&r);
	(void)msrprun_whole(&r, (uint8_t *)s, strlen(s));
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_INT(r.ends, 1);
	msrprun_close(&r);
	msrprun_init(&r);
	(void)msrprun_bytes(&r, (uint8_t *)s, strlen(s));
	UNIT_ASSERT_INT(r.err, 0);
	msrprun_close(&r);
	mem_deref(s);

	s = block_of(MSRP_HDR_MAX + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	msrprun_init(&r);
	(void)msrprun_whole(&r, (uint8_t *)s, strlen(s));
	UNIT_ASSERT_INT(r.err, EMSGSIZE);
	UNIT_ASSERT_INT(r.e.scode, 400);
	UNIT_ASSERT_STR(r.e.reason, "header block too large");
	UNIT_ASSERT_STR(r.e.tid, "t1234");
	UNIT_ASSERT_INT(r.starts, 0);
	msrprun_close(&r);
	msrprun_init(&r);
	(void)msrprun_bytes(&r, (uint8_t *)s, strlen(s));
	UNIT_ASSERT_INT(r.err, EMSGSIZE);
	msrprun_close(&r);
	mem_deref(s);

	/* endless garbage without a newline: stopped at the limit */
	s = mem_zalloc(3 * MSRP_HDR_MAX, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	memset(s, 'A', 3 * MSRP_HDR_MAX);
	msrprun_init(&r);
	(void)msrprun_whole(&r, (uint8_t *)s, 3 * MSRP_HDR_MAX);
	UNIT_ASSERT_INT(r.err, EMSGSIZE);
	UNIT_ASSERT_STR(r.e.tid, "");
	msrprun_close(&r);
	mem_deref(s);
}


/* Each bounded field: the longest allowed passes, one more fails. */
static void test_field_limits(void)
{
	char tid[MSRP_TID_MAX + 2], mid[MSRP_MSGID_MAX + 2];
	char ctype[MSRP_CTYPE_MAX + 2], method[40], sid[MSRP_PATH_MAX + 2];
	const size_t uri_fixed = strlen("msrp://h:1/;tcp");
	struct msrprun r;
	char *s = NULL;

	/* tid */
	memset(tid, 'T', sizeof(tid));
	tid[MSRP_TID_MAX] = '\0';
	CU_ASSERT_EQUAL_FATAL(re_sdprintf(&s, "MSRP %s SEND\r\n" TP FP
					  "-------%s$\r\n", tid, tid), 0);
	CHECK_STREAM(&r, s, strlen(s));
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_STR(r.last.tid, tid);
	msrprun_close(&r);
	s = mem_deref(s);

	/* the tid is also the end-line's: a body with a 32-char tid */
	CU_ASSERT_EQUAL_FATAL(re_sdprintf(&s, "MSRP %s SEND\r\n" TP FP CT
					  "\r\nx\r\n-------%s\r\n"
					  "\r\n-------%s$\r\n",
					  tid, tid, tid), 0);
	CHECK_STREAM(&r, s, strlen(s));
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_INT(r.data_bytes, 3 + 7 + MSRP_TID_MAX + 2);
	msrprun_close(&r);
	s = mem_deref(s);

	tid[MSRP_TID_MAX] = 'T';
	tid[MSRP_TID_MAX + 1] = '\0';
	CU_ASSERT_EQUAL_FATAL(re_sdprintf(&s, "MSRP %s SEND\r\n", tid), 0);
	CHECK_STREAM(&r, s, strlen(s));
	UNIT_ASSERT_STR(r.e.reason, "transaction ID too long");
	msrprun_close(&r);
	s = mem_deref(s);

	/* Message-ID */
	memset(mid, 'M', sizeof(mid));
	mid[MSRP_MSGID_MAX] = '\0';
	CU_ASSERT_EQUAL_FATAL(re_sdprintf(&s, SL TP FP "Message-ID: %s\r\n"
					  EL, mid), 0);
	CHECK_STREAM(&r, s, strlen(s));
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_STR(r.last.message_id, mid);
	msrprun_close(&r);
	s = mem_deref(s);

	mid[MSRP_MSGID_MAX] = 'M';
	mid[MSRP_MSGID_MAX + 1] = '\0';
	CU_ASSERT_EQUAL_FATAL(re_sdprintf(&s, SL TP FP "Message-ID: %s\r\n"
					  EL, mid), 0);
	CHECK_STREAM(&r, s, strlen(s));
	UNIT_ASSERT_STR(r.e.reason, "Message-ID too long");
	msrprun_close(&r);
	s = mem_deref(s);

	/* Content-Type */
	memset(ctype, 'c', sizeof(ctype));
	memcpy(ctype, "text/", 5);
	ctype[MSRP_CTYPE_MAX] = '\0';
	CU_ASSERT_EQUAL_FATAL(re_sdprintf(&s, SL TP FP "Content-Type: %s\r\n"
					  "\r\nx\r\n" EL, ctype), 0);
	CHECK_STREAM(&r, s, strlen(s));
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_STR(r.last.ctype, ctype);
	msrprun_close(&r);
	s = mem_deref(s);

	ctype[MSRP_CTYPE_MAX] = 'c';
	ctype[MSRP_CTYPE_MAX + 1] = '\0';
	CU_ASSERT_EQUAL_FATAL(re_sdprintf(&s, SL TP FP "Content-Type: %s\r\n"
					  "\r\nx\r\n" EL, ctype), 0);
	CHECK_STREAM(&r, s, strlen(s));
	UNIT_ASSERT_STR(r.e.reason, "Content-Type too long");
	msrprun_close(&r);
	s = mem_deref(s);

	/* method names: 31 letters fit method_name[32] */
	memset(method, 'X', sizeof(method));
	method[31] = '\0';
	CU_ASSERT_EQUAL_FATAL(re_sdprintf(&s, "MSRP t1234 %s\r\n" TP FP EL,
					  method), 0);
	CHECK_STREAM(&r, s, strlen(s));
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_INT(r.last.method, MSRP_M_OTHER);
	UNIT_ASSERT_STR(r.last.method_name, method);
	msrprun_close(&r);
	s = mem_deref(s);

	method[31] = 'X';
	method[32] = '\0';
	CU_ASSERT_EQUAL_FATAL(re_sdprintf(&s, "MSRP t1234 %s\r\n", method),
			      0);
	CHECK_STREAM(&r, s, strlen(s));
	UNIT_ASSERT_STR(r.e.reason, "method name too long");
	msrprun_close(&r);
	s = mem_deref(s);

	/* a path of exactly MSRP_PATH_MAX bytes, and one more */
	memset(sid, 'S', sizeof(sid));
	sid[MSRP_PATH_MAX - uri_fixed] = '\0';
	CU_ASSERT_EQUAL_FATAL(re_sdprintf(&s, SL "To-Path: msrp://h:1/%s;tcp"
					  "\r\n" FP EL, sid), 0);
	CHECK_STREAM(&r, s, strlen(s));
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_INT(strlen(r.last.to_path), MSRP_PATH_MAX);
	msrprun_close(&r);
	s = mem_deref(s);

	sid[MSRP_PATH_MAX - uri_fixed] = 'S';
	sid[MSRP_PATH_MAX - uri_fixed + 1] = '\0';
	CU_ASSERT_EQUAL_FATAL(re_sdprintf(&s, SL "To-Path: msrp://h:1/%s;tcp"
					  "\r\n" FP EL, sid), 0);
	CHECK_STREAM(&r, s, strlen(s));
	UNIT_ASSERT_STR(r.e.reason, "To-Path too long");
	msrprun_close(&r);
	s = mem_deref(s);

	CU_ASSERT_EQUAL_FATAL(re_sdprintf(&s, SL TP "From-Path: "
					  "msrp://h:1/%s;tcp\r\n" EL, sid), 0);
	CHECK_STREAM(&r, s, strlen(s));
	UNIT_ASSERT_STR(r.e.reason, "From-Path too long");
	msrprun_close(&r);
	s = mem_deref(s);
}


/* --- parser life cycle ----------------------------------------------- */

struct stopper {
	int start_ret, data_ret, end_ret;
	unsigned starts, datas, ends;
	struct msrp_parser **pp;   /* deref'd by the handler if set */
};


static int stop_start(const struct msrp_msg *msg, void *arg)
{
	struct stopper *st = arg;

	(void)msg;
	++st->starts;
	if (st->start_ret && st->pp)
		*st->pp = mem_deref(*st->pp);

	return st->start_ret;
}


static int stop_data(const uint8_t *p, size_t n, void *arg)
{
	struct stopper *st = arg;

	(void)p;
	(void)n;
	++st->datas;
	if (st->data_ret && st->pp)
		*st->pp = mem_deref(*st->pp);

	return st->data_ret;
}


static int stop_end(const struct msrp_msg *msg, char flag, void *arg)
{
	struct stopper *st = arg;

	(void)msg;
	(void)flag;
	++st->ends;
	if (st->end_ret && st->pp)
		*st->pp = mem_deref(*st->pp);

	return st->end_ret;
}


static void test_handler_stops(void)
{
	static const char s[] = SL TP FP CT "\r\nabc\r\n" EL SL TP FP EL;
	const int which[3] = {0, 1, 2};

	for (size_t w = 0; w < ARRAY_SIZE(which); w++) {
		struct msrp_parser *p = NULL;
		struct stopper st;
		struct msrp_error e;

		memset(&st, 0, sizeof(st));
		if (w == 0)
			st.start_ret = EPROTO;
		else if (w == 1)
			st.data_ret = EPROTO;
		else
			st.end_ret = EPROTO;

		UNIT_ASSERT_INT(msrp_parser_alloc(&p, stop_start, stop_data,
						  stop_end, &st), 0);
		memset(&e, 0, sizeof(e));
		UNIT_ASSERT_INT(msrp_parser_feed(p, (const uint8_t *)s,
						 sizeof(s) - 1, &e), EPROTO);
		UNIT_ASSERT_INT(e.scode, 0);
		UNIT_ASSERT_STR(e.reason, "stopped by handler");
		UNIT_ASSERT_STR(e.tid, "t1234");
		UNIT_ASSERT_INT(st.starts, 1);
		UNIT_ASSERT_INT(st.ends, w == 2 ? 1 : 0);

		/* dead until reset */
		memset(&e, 0, sizeof(e));
		UNIT_ASSERT_INT(msrp_parser_feed(p, (const uint8_t *)"x", 1,
						 &e), EPROTO);
		UNIT_ASSERT_STR(e.reason, "stopped by handler");
		UNIT_ASSERT_INT(msrp_parser_feed(p, NULL, 0, NULL), EPROTO);
		UNIT_ASSERT_INT(st.starts, 1);

		msrp_parser_reset(p);
		memset(&st, 0, sizeof(st));
		UNIT_ASSERT_INT(msrp_parser_feed(p, (const uint8_t *)s,
						 sizeof(s) - 1, &e), 0);
		UNIT_ASSERT_INT(st.starts, 2);
		UNIT_ASSERT_INT(st.ends, 2);
		mem_deref(p);
	}
}


/* A handler that drops the last reference to the parser (the connection
 * closes from inside) must not make the parser touch freed memory. */
static void test_handler_frees_parser(void)
{
	static const char s[] = SL TP FP CT "\r\nabc\r\n" EL SL TP FP EL;

	for (int w = 0; w < 3; w++) {
		struct msrp_parser *p = NULL;
		struct stopper st;
		struct msrp_error e;

		memset(&st, 0, sizeof(st));
		st.pp = &p;
		if (w == 0)
			st.start_ret = ECONNRESET;
		else if (w == 1)
			st.data_ret = ECONNRESET;
		else
			st.end_ret = ECONNRESET;

		UNIT_ASSERT_INT(msrp_parser_alloc(&p, stop_start, stop_data,
						  stop_end, &st), 0);
		UNIT_ASSERT_INT(msrp_parser_feed(p, (const uint8_t *)s,
						 sizeof(s) - 1, &e),
				ECONNRESET);
		CU_ASSERT_PTR_NULL(p);
		UNIT_ASSERT_STR(e.tid, "t1234");
	}
}


static void test_error_then_reset(void)
{
	static const char bad[] = "GET / HTTP/1.1\r\n";
	struct msrp_parser *p = NULL;
	struct stopper st;
	struct msrp_error e;

	memset(&st, 0, sizeof(st));
	UNIT_ASSERT_INT(msrp_parser_alloc(&p, stop_start, stop_data,
					  stop_end, &st), 0);

	UNIT_ASSERT_INT(msrp_parser_feed(p, (const uint8_t *)bad,
					 sizeof(bad) - 1, &e), EBADMSG);
	UNIT_ASSERT_STR(e.reason, "bad start line");

	/* a valid chunk after the error is not looked at */
	UNIT_ASSERT_INT(msrp_parser_feed(p, (const uint8_t *)rfc_send,
					 sizeof(rfc_send) - 1, &e), EBADMSG);
	UNIT_ASSERT_INT(st.starts, 0);

	msrp_parser_reset(p);
	UNIT_ASSERT_INT(msrp_parser_feed(p, (const uint8_t *)rfc_send,
					 sizeof(rfc_send) - 1, &e), 0);
	UNIT_ASSERT_INT(st.starts, 1);
	UNIT_ASSERT_INT(st.ends, 1);

	/* reset in the middle of a body: the next chunk parses */
	UNIT_ASSERT_INT(msrp_parser_feed(p, (const uint8_t *)rfc_send,
					 sizeof(rfc_send) - 1 - 10, &e), 0);
	msrp_parser_reset(p);
	UNIT_ASSERT_INT(msrp_parser_feed(p, (const uint8_t *)rfc_response,
					 sizeof(rfc_response) - 1, &e), 0);
	UNIT_ASSERT_INT(st.starts, 3);
	UNIT_ASSERT_INT(st.ends, 2);

	/* bad arguments */
	UNIT_ASSERT_INT(msrp_parser_feed(NULL, (const uint8_t *)"x", 1, &e),
			EINVAL);
	UNIT_ASSERT_INT(msrp_parser_feed(p, NULL, 1, &e), EINVAL);
	UNIT_ASSERT_INT(msrp_parser_feed(p, NULL, 0, &e), 0);
	UNIT_ASSERT_INT(msrp_parser_alloc(NULL, NULL, NULL, NULL, NULL),
			EINVAL);
	msrp_parser_reset(NULL);

	mem_deref(p);

	/* no handlers at all */
	UNIT_ASSERT_INT(msrp_parser_alloc(&p, NULL, NULL, NULL, NULL), 0);
	UNIT_ASSERT_INT(msrp_parser_feed(p, (const uint8_t *)rfc_send,
					 sizeof(rfc_send) - 1, &e), 0);
	mem_deref(p);
}


/* --- 1 GiB through bounded memory ------------------------------------ */

enum {
	FEED  = 64 * 1024,
	HOLD  = 2 + 7 + MSRP_TID_MAX + 1 + 2,   /* most bytes held back */
};

struct big {
	uint64_t bytes;
	uint64_t sum;
	unsigned ends;
	uint64_t body_len;
};


static int big_data(const uint8_t *p, size_t n, void *arg)
{
	struct big *b = arg;
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += p[i];

	b->sum += s;
	b->bytes += n;

	return 0;
}


static int big_end(const struct msrp_msg *msg, char flag, void *arg)
{
	struct big *b = arg;

	CU_ASSERT_EQUAL(flag, '$');
	++b->ends;
	b->body_len = msg->body_len;

	return 0;
}


/* feed one input to a fresh parser; the error it ends with */
static int feed_err(const char *in, struct msrp_error *e)
{
	struct msrp_parser *p = NULL;
	int err;

	memset(e, 0, sizeof(*e));
	if (msrp_parser_alloc(&p, NULL, NULL, NULL, NULL))
		return ENOMEM;
	err = msrp_parser_feed(p, (const uint8_t *)in, strlen(in), e);
	/* e->msg points into the parser: copy what the test looks at */
	if (e->msg) {
		static struct msrp_msg kept;

		kept = *e->msg;
		e->msg = &kept;
	}
	mem_deref(p);

	return err;
}


static void test_error_carries_chunk(void)
{
	struct msrp_error e;

	/* after both paths: the chunk so far, to answer 400 to */
	UNIT_ASSERT_INT(feed_err(SL TP FP "Byte-Range: 1-x/5\r\n" EL, &e),
			EBADMSG);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e.msg);
	UNIT_ASSERT_STR(e.msg->tid, "t1234");
	UNIT_ASSERT_STR(e.msg->from_path,
			"msrp://a.example.com:2855/s2;tcp");
	UNIT_ASSERT_INT(e.msg->kind, MSRP_REQUEST);
	UNIT_ASSERT_INT(e.msg->method, MSRP_M_SEND);

	UNIT_ASSERT_INT(feed_err(SL TP FP MID "Failure-Report: no\r\n"
				 "Message-ID: m2\r\n" EL, &e), EBADMSG);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e.msg);
	UNIT_ASSERT_INT(e.msg->failure_report, MSRP_REP_NO);

	/* a bad From-Path, or none yet: nowhere to answer */
	UNIT_ASSERT_INT(feed_err(SL TP "From-Path: nope\r\n" EL, &e),
			EBADMSG);
	CU_ASSERT_PTR_NULL(e.msg);
	UNIT_ASSERT_INT(feed_err(SL TP "Byte-Range: 1-x/5\r\n" EL, &e),
			EBADMSG);
	CU_ASSERT_PTR_NULL(e.msg);
	UNIT_ASSERT_INT(feed_err(SL "X: y\r\n" EL, &e), EBADMSG);
	CU_ASSERT_PTR_NULL(e.msg);

	/* the paths kept from the last chunk are not this one's */
	UNIT_ASSERT_INT(feed_err(SL TP FP MID CT "\r\nhi\r\n" EL
				 "MSRP t9 SEND\r\n" TP "Byte-Range: 1-x/5\r\n"
				 "-------t9$\r\n", &e), EBADMSG);
	UNIT_ASSERT_STR(e.tid, "t9");
	CU_ASSERT_PTR_NULL(e.msg);
}


static void test_one_gib(void)
{
	static const char head[] = SL TP FP MID
		"Byte-Range: 1-*/*\r\n"
		"Content-Type: application/octet-stream\r\n\r\n";
	static const char tail[] = "\r\n" EL;
	/* under valgrind 1 GiB would take minutes: the same code path, with
	 * the same checks, on 64 MiB */
	const uint64_t total = RUNNING_ON_VALGRIND ? (64ull << 20) :
		(1ull << 30);
	struct msrp_parser *p = NULL;
	struct big b;
	uint8_t *chunk;
	uint64_t fed = 0, chunk_sum = 0, expect_sum;
	struct mallinfo2 m0, m1;
	struct msrp_error e;
	struct timespec t0, t1;
	double secs;

	memset(&b, 0, sizeof(b));
	chunk = malloc(FEED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(chunk);

	/* a chunk full of near-misses: CRs, CRLF-hyphens, our tid without
	 * flag, and one that straddles every feed boundary */
	for (size_t i = 0; i < FEED; i++)
		chunk[i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i + 64 < FEED; i += 4093)
		memcpy(chunk + i, "\r\n-------t1234\r\r\n-------t123$", 29);
	memcpy(chunk + FEED - 10, "\r\n-------t", 10);
	memcpy(chunk, "1234-", 5);
	for (size_t i = 0; i < FEED; i++)
		chunk_sum += chunk[i];
	expect_sum = chunk_sum * (total / FEED);

	UNIT_ASSERT_INT(msrp_parser_alloc(&p, NULL, big_data, big_end, &b),
			0);
	UNIT_ASSERT_INT(msrp_parser_feed(p, (const uint8_t *)head,
					 sizeof(head) - 1, &e), 0);

	m0 = mallinfo2();
	clock_gettime(CLOCK_MONOTONIC, &t0);

	while (fed < total) {
		int err = msrp_parser_feed(p, chunk, FEED, &e);

		if (err) {
			UNIT_ASSERT_INT(err, 0);
			break;
		}
		fed += FEED;

		/* only what might start the end-line is held back */
		if (fed - b.bytes > HOLD) {
			UNIT_ASSERT_INT(fed - b.bytes, HOLD);
			break;
		}
	}

	clock_gettime(CLOCK_MONOTONIC, &t1);
	m1 = mallinfo2();

	UNIT_ASSERT_INT(msrp_parser_feed(p, (const uint8_t *)tail,
					 sizeof(tail) - 1, &e), 0);

	UNIT_ASSERT_INT(b.bytes, total);
	UNIT_ASSERT_INT(b.body_len, total);
	UNIT_ASSERT_INT(b.ends, 1);
	CU_ASSERT(b.sum == expect_sum);
	/* nothing allocated while streaming (0 under ASan/valgrind, whose
	 * allocators mallinfo2 does not see) */
	CU_ASSERT(m1.uordblks <= m0.uordblks + 4096);

	secs = (double)(t1.tv_sec - t0.tv_sec) +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("\n  %llu MiB in %.2f s ", (unsigned long long)(total >> 20),
	       secs);

	mem_deref(p);
	free(chunk);
}


/* --- framer ---------------------------------------------------------- */

static struct msrp_msg parse_one(const char *s, size_t len)
{
	struct msrprun r;
	struct msrp_msg m;

	msrprun_init(&r);
	(void)msrprun_whole(&r, (const uint8_t *)s, len);
	CU_ASSERT_EQUAL(r.err, 0);
	m = r.last;
	msrprun_close(&r);

	return m;
}


static const char *mbtext(struct mbuf *mb)
{
	(void)mbuf_write_u8(mb, 0);
	--mb->end;
	--mb->pos;
	return (const char *)mb->buf;
}


static void test_response_exact(void)
{
	struct msrp_msg req = parse_one(rfc_send, sizeof(rfc_send) - 1);
	struct mbuf *mb = mbuf_alloc(256);

	CU_ASSERT_PTR_NOT_NULL_FATAL(mb);

	/* RFC 4975 §4: the 200 to Alice's SEND, byte for byte */
	UNIT_ASSERT_INT(msrp_response_encode(mb, &req, 200, NULL, BOB), 0);
	UNIT_ASSERT_STR(mbtext(mb), rfc_response);

	mbuf_reset(mb);
	UNIT_ASSERT_INT(msrp_response_encode(mb, &req, 413, NULL, BOB), 0);
	UNIT_ASSERT_STR(mbtext(mb),
			"MSRP a786hjs2 413 Stop-sending-message\r\n"
			"To-Path: " ALICE "\r\n"
			"From-Path: " BOB "\r\n"
			"-------a786hjs2$\r\n");

	mbuf_reset(mb);
	UNIT_ASSERT_INT(msrp_response_encode(mb, &req, 481, "", BOB), 0);
	UNIT_ASSERT_STR(mbtext(mb),
			"MSRP a786hjs2 481\r\n"
			"To-Path: " ALICE "\r\n"
			"From-Path: " BOB "\r\n"
			"-------a786hjs2$\r\n");

	mbuf_reset(mb);
	UNIT_ASSERT_INT(msrp_response_encode(mb, &req, 415, "No thanks",
					     BOB), 0);
	UNIT_ASSERT_CONTAINS(mbtext(mb), "MSRP a786hjs2 415 No thanks\r\n");

	mbuf_reset(mb);
	UNIT_ASSERT_INT(msrp_response_encode(mb, &req, 299, NULL, BOB), 0);
	UNIT_ASSERT_CONTAINS(mbtext(mb), "MSRP a786hjs2 299\r\n");

	/* a peer's short tid is echoed as it came */
	str_ncpy(req.tid, "7", sizeof(req.tid));
	mbuf_reset(mb);
	UNIT_ASSERT_INT(msrp_response_encode(mb, &req, 200, NULL, BOB), 0);
	UNIT_ASSERT_CONTAINS(mbtext(mb), "MSRP 7 200 OK\r\n");
	UNIT_ASSERT_CONTAINS(mbtext(mb), "-------7$\r\n");

	mem_deref(mb);
}


/* via a relay: the response goes to the previous hop, the first URI */
static void test_response_via_relay(void)
{
	static const char s[] =
		"MSRP r123 SEND\r\n"
		"To-Path: msrps://relay.example.net:2855/rs;tcp " PRA "\r\n"
		"From-Path: msrps://relay2.example.net:2855/r2;tcp " PSA "\r\n"
		"Message-ID: m1\r\n"
		"-------r123$\r\n";
	struct msrp_msg req = parse_one(s, sizeof(s) - 1);
	struct mbuf *mb = mbuf_alloc(256);

	CU_ASSERT_PTR_NOT_NULL_FATAL(mb);
	UNIT_ASSERT_INT(msrp_response_encode(mb, &req, 200, NULL,
		"msrps://relay.example.net:2855/rs;tcp"), 0);
	UNIT_ASSERT_STR(mbtext(mb),
			"MSRP r123 200 OK\r\n"
			"To-Path: msrps://relay2.example.net:2855/r2;tcp\r\n"
			"From-Path: msrps://relay.example.net:2855/rs;tcp\r\n"
			"-------r123$\r\n");
	mem_deref(mb);
}


static void test_response_refused(void)
{
	struct msrp_msg rep = parse_one(rfc_report, sizeof(rfc_report) - 1);
	struct msrp_msg rsp = parse_one(rfc_response,
					sizeof(rfc_response) - 1);
	struct msrp_msg req = parse_one(rfc_send, sizeof(rfc_send) - 1);
	struct mbuf *mb = mbuf_alloc(64);

	CU_ASSERT_PTR_NOT_NULL_FATAL(mb);

	/* RFC 4975 §7.1.2: a REPORT is never answered; nor a response */
	UNIT_ASSERT_INT(msrp_response_encode(mb, &rep, 200, NULL, BOB),
			EINVAL);
	UNIT_ASSERT_INT(msrp_response_encode(mb, &rsp, 200, NULL, BOB),
			EINVAL);

	UNIT_ASSERT_INT(msrp_response_encode(mb, &req, 99, NULL, BOB), EINVAL);
	UNIT_ASSERT_INT(msrp_response_encode(mb, &req, 1000, NULL, BOB),
			EINVAL);
	UNIT_ASSERT_INT(msrp_response_encode(mb, &req, 200, "a\r\nX: y", BOB),
			EINVAL);
	UNIT_ASSERT_INT(msrp_response_encode(mb, &req, 200, NULL,
					     BOB "\r\nX: y"), EINVAL);
	UNIT_ASSERT_INT(msrp_response_encode(mb, &req, 200, NULL, NULL),
			EINVAL);
	UNIT_ASSERT_INT(msrp_response_encode(mb, &req, 200, NULL,
					     BOB " " ALICE), EINVAL);
	UNIT_ASSERT_INT(msrp_response_encode(NULL, &req, 200, NULL, BOB),
			EINVAL);
	UNIT_ASSERT_INT(msrp_response_encode(mb, NULL, 200, NULL, BOB),
			EINVAL);

	/* nothing was written by any of these */
	UNIT_ASSERT_INT(mb->end, 0);
	UNIT_ASSERT_INT(mb->pos, 0);
	mem_deref(mb);
}


static void test_report_exact(void)
{
	struct mbuf *mb = mbuf_alloc(256);

	CU_ASSERT_PTR_NOT_NULL_FATAL(mb);

	UNIT_ASSERT_INT(msrp_report_encode(mb, "dkei38sd", ALICEPC, BOBPC,
					   "12339sdqwer", 1, 106, 106, 200,
					   NULL), 0);
	UNIT_ASSERT_STR(mbtext(mb), rfc_report);

	mbuf_reset(mb);
	UNIT_ASSERT_INT(msrp_report_encode(mb, "dkei38sd", ALICEPC, BOBPC,
					   "12339sdqwer", 1, MSRP_RANGE_STAR,
					   MSRP_RANGE_STAR, 413,
					   "Too big for us"), 0);
	UNIT_ASSERT_STR(mbtext(mb),
			"MSRP dkei38sd REPORT\r\n"
			"To-Path: " ALICEPC "\r\n"
			"From-Path: " BOBPC "\r\n"
			"Message-ID: 12339sdqwer\r\n"
			"Byte-Range: 1-*/*\r\n"
			"Status: 000 413 Too big for us\r\n"
			"-------dkei38sd$\r\n");

	mbuf_reset(mb);
	UNIT_ASSERT_INT(msrp_report_encode(mb, "dkei38sd", ALICEPC, BOBPC,
					   "12339sdqwer", 1, 0, 0, 200, ""),
			0);
	UNIT_ASSERT_CONTAINS(mbtext(mb), "Byte-Range: 1-0/0\r\n"
			     "Status: 000 200\r\n");

	/* refused */
	mbuf_reset(mb);
	UNIT_ASSERT_INT(msrp_report_encode(mb, "dk", ALICEPC, BOBPC, "m/1",
					   1, 1, 1, 200, NULL), EINVAL);
	UNIT_ASSERT_INT(msrp_report_encode(mb, "dk/", ALICEPC, BOBPC, "m1",
					   1, 1, 1, 200, NULL), EINVAL);
	UNIT_ASSERT_INT(msrp_report_encode(mb, "dke", ALICEPC, BOBPC, "m1",
					   1, 1, 1, 200, NULL), EINVAL);
	UNIT_ASSERT_INT(msrp_report_encode(mb, "dkei", "", BOBPC, "m1",
					   1, 1, 1, 200, NULL), EINVAL);
	UNIT_ASSERT_INT(msrp_report_encode(mb, "dkei", ALICEPC, BOBPC, "m1",
					   0, 1, 1, 200, NULL), EINVAL);
	UNIT_ASSERT_INT(msrp_report_encode(mb, "dkei", ALICEPC, BOBPC, "m1",
					   3, 1, 5, 200, NULL), EINVAL);
	UNIT_ASSERT_INT(msrp_report_encode(mb, "dkei", ALICEPC, BOBPC, "m1",
					   1, 6, 5, 200, NULL), EINVAL);
	UNIT_ASSERT_INT(msrp_report_encode(mb, "dkei", ALICEPC, BOBPC, "m1",
					   1, 1, 1, 99, NULL), EINVAL);
	UNIT_ASSERT_INT(msrp_report_encode(mb, "dkei", ALICEPC, BOBPC, "m1",
					   1, 1, 1, 200, "x\ny"), EINVAL);
	UNIT_ASSERT_INT(msrp_report_encode(mb, "dkei", ALICEPC, BOBPC, "m1",
					   MSRP_RANGE_MAX + 1, MSRP_RANGE_STAR,
					   MSRP_RANGE_STAR, 200, NULL),
			EINVAL);
	UNIT_ASSERT_INT(mb->end, 0);
	mem_deref(mb);
}


static void test_send_exact(void)
{
	struct mbuf *mb = mbuf_alloc(256);
	static const char body[] = "Hey Bob, are you there?";

	CU_ASSERT_PTR_NOT_NULL_FATAL(mb);

	/* the binding SEND of RFC 4975 §5.4 */
	UNIT_ASSERT_INT(msrp_send_encode(mb, "d93kswow", PSA, PRA,
					 "12339sdqwer", 1, 0, 0, NULL, NULL,
					 NULL, 0, '$'), 0);
	UNIT_ASSERT_STR(mbtext(mb), bind_send);

	/* with a body (RFC 4975 §4, with the byte count right) */
	mbuf_reset(mb);
	UNIT_ASSERT_INT(msrp_send_encode(mb, "a786hjs2", BOB, ALICE,
					 "87652491", 1, 23, 23, "text/plain",
					 NULL, (const uint8_t *)body,
					 sizeof(body) - 1, '$'), 0);
	UNIT_ASSERT_STR(mbtext(mb),
			"MSRP a786hjs2 SEND\r\n"
			"To-Path: " BOB "\r\n"
			"From-Path: " ALICE "\r\n"
			"Message-ID: 87652491\r\n"
			"Byte-Range: 1-23/23\r\n"
			"Content-Type: text/plain\r\n"
			"\r\n"
			"Hey Bob, are you there?\r\n"
			"-------a786hjs2$\r\n");

	/* extra headers go before Content-Type, CRLF added if missing */
	mbuf_reset(mb);
	UNIT_ASSERT_INT(msrp_send_encode(mb, "a786hjs2", BOB, ALICE,
					 "87652491", 1, MSRP_RANGE_STAR, 100,
					 "text/plain",
					 "Success-Report: yes\r\n"
					 "Failure-Report: no",
					 (const uint8_t *)"abc", 3, '+'), 0);
	UNIT_ASSERT_STR(mbtext(mb),
			"MSRP a786hjs2 SEND\r\n"
			"To-Path: " BOB "\r\n"
			"From-Path: " ALICE "\r\n"
			"Message-ID: 87652491\r\n"
			"Byte-Range: 1-*/100\r\n"
			"Success-Report: yes\r\n"
			"Failure-Report: no\r\n"
			"Content-Type: text/plain\r\n"
			"\r\n"
			"abc\r\n"
			"-------a786hjs2+\r\n");

	/* a keepalive: empty SEND with Failure-Report: no */
	mbuf_reset(mb);
	UNIT_ASSERT_INT(msrp_send_encode(mb, "k1k1", PSA, PRA, "k2k2", 1, 0,
					 0, NULL, "Failure-Report: no\r\n",
					 NULL, 0, '$'), 0);
	UNIT_ASSERT_STR(mbtext(mb),
			"MSRP k1k1 SEND\r\n"
			"To-Path: " PSA "\r\n"
			"From-Path: " PRA "\r\n"
			"Message-ID: k2k2\r\n"
			"Byte-Range: 1-0/0\r\n"
			"Failure-Report: no\r\n"
			"-------k1k1$\r\n");
	mem_deref(mb);
}


static void test_send_refused(void)
{
	struct mbuf *mb = mbuf_alloc(64);
	const uint8_t *b = (const uint8_t *)"abc";
	static const char tidbody[] = "x-------t1234y";

	CU_ASSERT_PTR_NOT_NULL_FATAL(mb);

#define SEND(tid, to, mid, s, e, t, ct, ex, body, len, flag) \
	msrp_send_encode(mb, tid, to, PRA, mid, s, e, t, ct, ex, body, len, \
			 flag)

	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 1, 3, 3, "text/plain",
			     NULL, b, 3, '$'), 0);
	mbuf_reset(mb);

	UNIT_ASSERT_INT(SEND("t 1", PSA, "m1", 1, 3, 3, "a/b", NULL, b, 3,
			     '$'), EINVAL);
	/* our own tids keep the RFC minimum of 4 (a peer's may be shorter) */
	UNIT_ASSERT_INT(SEND("abc", PSA, "m1", 1, 3, 3, "a/b", NULL, b, 3,
			     '$'), EINVAL);
	UNIT_ASSERT_INT(SEND(NULL, PSA, "m1", 1, 3, 3, "a/b", NULL, b, 3,
			     '$'), EINVAL);
	UNIT_ASSERT_INT(SEND("t1234", PSA "\r\nX: y", "m1", 1, 3, 3, "a/b",
			     NULL, b, 3, '$'), EINVAL);
	UNIT_ASSERT_INT(SEND("t1234", "", "m1", 1, 3, 3, "a/b", NULL, b, 3,
			     '$'), EINVAL);
	UNIT_ASSERT_INT(SEND("t1234", PSA, NULL, 1, 3, 3, "a/b", NULL, b, 3,
			     '$'), EINVAL);
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m 1", 1, 3, 3, "a/b", NULL, b, 3,
			     '$'), EINVAL);
	/* range must match the body */
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 1, 4, 4, "a/b", NULL, b, 3,
			     '$'), EINVAL);
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 1, 3, 2, "a/b", NULL, b, 3,
			     '$'), EINVAL);
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 2, MSRP_RANGE_STAR, 3,
			     "a/b", NULL, b, 3, '$'), EINVAL);
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 0, 2, 3, "a/b", NULL, b, 3,
			     '$'), EINVAL);
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 1, 3, 3, "a/b", NULL, NULL,
			     3, '$'), EINVAL);
	/* content type needed with a body, and clean */
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 1, 3, 3, NULL, NULL, b, 3,
			     '$'), EINVAL);
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 1, 3, 3, "text", NULL, b, 3,
			     '$'), EINVAL);
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 1, 3, 3, "a/b\r\nX: y", NULL,
			     b, 3, '$'), EINVAL);
	/* flags */
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 1, 3, 3, "a/b", NULL, b, 3,
			     'x'), EINVAL);
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 1, 3, 3, "a/b", NULL, b, 3,
			     '\0'), EINVAL);
	/* extra headers: no empty line, no header we write ourselves */
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 1, 3, 3, "a/b",
			     "A: b\r\n\r\nC: d", b, 3, '$'), EINVAL);
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 1, 3, 3, "a/b",
			     "\r\n", b, 3, '$'), EINVAL);
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 1, 3, 3, "a/b",
			     "No colon", b, 3, '$'), EINVAL);
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 1, 3, 3, "a/b",
			     "A: b\nC: d", b, 3, '$'), EINVAL);
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 1, 3, 3, "a/b",
			     "content-type: x/y", b, 3, '$'), EINVAL);
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 1, 3, 3, "a/b",
			     "Byte-Range: 1-3/3", b, 3, '$'), EINVAL);
	/* the body holds the end-line's tid: choose another tid */
	UNIT_ASSERT_INT(SEND("t1234", PSA, "m1", 1, sizeof(tidbody) - 1,
			     sizeof(tidbody) - 1, "a/b", NULL,
			     (const uint8_t *)tidbody, sizeof(tidbody) - 1,
			     '$'), EEXIST);
	UNIT_ASSERT_INT(SEND("t9999", PSA, "m1", 1, sizeof(tidbody) - 1,
			     sizeof(tidbody) - 1, "a/b", NULL,
			     (const uint8_t *)tidbody, sizeof(tidbody) - 1,
			     '$'), 0);
	mbuf_reset(mb);
	UNIT_ASSERT_INT(msrp_send_encode(NULL, "t1234", PSA, PRA, "m1", 1, 0,
					 0, NULL, NULL, NULL, 0, '$'), EINVAL);

	UNIT_ASSERT_INT(mb->end, 0);
#undef SEND
	mem_deref(mb);
}


/* Whatever the framer writes, the parser reads back the same, in any
 * split; bodies carry the nastiest bytes we can think of. */
static void test_round_trip(void)
{
	uint8_t body[600];
	char tid[MSRP_TID_MAX + 1];
	struct mbuf *mb = mbuf_alloc(2048);
	struct msrprun r;
	size_t blen = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mb);

	msrp_tid_make(tid, sizeof(tid));
	for (int i = 0; i < 256; i++)
		body[blen++] = (uint8_t)i;
	memcpy(body + blen, "\r\n-------\r\n-------x$\r\n\r\n", 23);
	blen += 23;
	memset(body + blen, 0, 100);
	blen += 100;
	body[blen++] = '\r';

	UNIT_ASSERT_INT(msrp_send_encode(mb, tid, PSA " " PRA, PRA, "mid-1",
					 11, 10 + blen, 5000,
					 "application/octet-stream",
					 "Success-Report: yes\r\n"
					 "Failure-Report: partial\r\n"
					 "X-Other: kept out",
					 body, blen, '+'), 0);
	UNIT_ASSERT_INT(msrp_response_encode(mb, &(struct msrp_msg){
				.kind = MSRP_REQUEST, .tid = "abcd",
				.from_path = PSA " " PRA}, 200, NULL, PRA),
			0);
	UNIT_ASSERT_INT(msrp_report_encode(mb, "rrrr", PSA, PRA, "mid-1", 1,
					   5000, 5000, 200, NULL), 0);
	UNIT_ASSERT_INT(msrp_send_encode(mb, "bbbb", PSA, PRA, "mid-2", 1,
					 0, 0, NULL, NULL, NULL, 0, '$'), 0);

	CHECK_STREAM(&r, mb->buf, mb->end);
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_INT(r.starts, 4);
	UNIT_ASSERT_INT(r.ends, 4);
	UNIT_ASSERT_INT(r.data_bytes, blen);
	CU_ASSERT_PTR_NOT_NULL(memmem(r.log->buf, r.log->end, body, blen));
	CU_ASSERT(log_has(&r, "range=11-"));
	CU_ASSERT(log_has(&r, "/5000 sr=yes fr=partial status=0 "
			  "ctype=[application/octet-stream] body=1\n"));
	CU_ASSERT(log_has(&r, "S resp abcd 200[OK] to=[" PSA "] from=[" PRA
			  "]"));
	CU_ASSERT(log_has(&r, "S req rrrr 1:REPORT "));
	CU_ASSERT(log_has(&r, "range=1-0/0 "));
	CU_ASSERT(log_has(&r, "E+ 380\n"));
	msrprun_close(&r);
	mem_deref(mb);
}


/* --- URIs, paths, tids, reasons -------------------------------------- */

static void test_uri_session(void)
{
	static const struct {
		const char *uri;
		int err;
		const char *sid;
	} v[] = {
		{ALICE, 0, "jshA7weztas"},
		{"msrps://[2001:db8::1]:2855/abc/def;tcp;foo=bar", 0,
		 "abc/def"},
		{"MSRP://user@host:1/s-._~+=;tcp", 0, "s-._~+="},
		{"msrp://10.0.0.1/x;tcp", 0, "x"},
		{"msrp://host:2855;tcp", ENOENT, ""},
		{"msrp://host:2855/s", EINVAL, ""},
		{"msrp://host:2855/s;", EINVAL, ""},
		{"msrp://host:99999/s;tcp", EINVAL, ""},
		{"msrp://@host/s;tcp", EINVAL, ""},
		{"msrp://host/s;tcp;", EINVAL, ""},
		{"msrp:///s;tcp", EINVAL, ""},
		{"sip:alice@example.com", EINVAL, ""},
		{"msrp://", EINVAL, ""},
		{"", EINVAL, ""},
		{"msrp://a b/s;tcp", EINVAL, ""},
	};
	char sid[64];

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		sid[0] = '\0';
		UNIT_ASSERT_INT(msrp_uri_session(v[i].uri, sid, sizeof(sid)),
				v[i].err);
		if (!v[i].err)
			UNIT_ASSERT_STR(sid, v[i].sid);
		CU_ASSERT_EQUAL(msrp_uri_valid(v[i].uri),
				v[i].err != EINVAL);
	}

	UNIT_ASSERT_INT(msrp_uri_session(ALICE, sid, 12), 0);
	UNIT_ASSERT_INT(msrp_uri_session(ALICE, sid, 11), EOVERFLOW);
	UNIT_ASSERT_INT(msrp_uri_session(NULL, sid, sizeof(sid)), EINVAL);
	UNIT_ASSERT_INT(msrp_uri_session(ALICE, NULL, 10), EINVAL);
	UNIT_ASSERT_INT(msrp_uri_session(ALICE, sid, 0), EINVAL);
	CU_ASSERT_FALSE(msrp_uri_valid(NULL));
}


static void test_paths(void)
{
	char uri[128], big[MSRP_PATH_MAX + 2];

	UNIT_ASSERT_INT(msrp_path_first(PSA " " PRA, uri, sizeof(uri)), 0);
	UNIT_ASSERT_STR(uri, PSA);
	UNIT_ASSERT_INT(msrp_path_last(PSA " " PRA, uri, sizeof(uri)), 0);
	UNIT_ASSERT_STR(uri, PRA);
	UNIT_ASSERT_INT(msrp_path_first(" \t" PSA "  \t", uri, sizeof(uri)),
			0);
	UNIT_ASSERT_STR(uri, PSA);
	UNIT_ASSERT_INT(msrp_path_last(" " PSA " ", uri, sizeof(uri)), 0);
	UNIT_ASSERT_STR(uri, PSA);
	UNIT_ASSERT_INT(msrp_path_last("a b\tc ", uri, sizeof(uri)), 0);
	UNIT_ASSERT_STR(uri, "c");
	UNIT_ASSERT_INT(msrp_path_first("", uri, sizeof(uri)), EINVAL);
	UNIT_ASSERT_INT(msrp_path_last("  ", uri, sizeof(uri)), EINVAL);
	UNIT_ASSERT_INT(msrp_path_first(NULL, uri, sizeof(uri)), EINVAL);
	UNIT_ASSERT_INT(msrp_path_first(PSA, uri, strlen(PSA)), EOVERFLOW);
	UNIT_ASSERT_INT(msrp_path_first(PSA, uri, strlen(PSA) + 1), 0);

	CU_ASSERT_TRUE(msrp_path_valid(PSA));
	CU_ASSERT_TRUE(msrp_path_valid(PSA " " PRA));
	CU_ASSERT_FALSE(msrp_path_valid(""));
	CU_ASSERT_FALSE(msrp_path_valid(" "));
	CU_ASSERT_FALSE(msrp_path_valid(PSA " x"));
	CU_ASSERT_FALSE(msrp_path_valid(NULL));

	memcpy(big, "msrp://h:1/", 11);
	memset(big + 11, 's', sizeof(big) - 11);
	memcpy(big + MSRP_PATH_MAX - 4, ";tcp", 5);
	UNIT_ASSERT_INT(strlen(big), MSRP_PATH_MAX);
	CU_ASSERT_TRUE(msrp_path_valid(big));
	memcpy(big + MSRP_PATH_MAX - 4, "s;tcp", 6);
	CU_ASSERT_FALSE(msrp_path_valid(big));
}


static void test_tid_make(void)
{
	char a[MSRP_TID_MAX + 1], b[MSRP_TID_MAX + 1], c[9], d[4], e[64];
	struct msrprun r;
	char *s = NULL;

	msrp_tid_make(a, sizeof(a));
	msrp_tid_make(b, sizeof(b));
	UNIT_ASSERT_INT(strlen(a), MSRP_TID_MAX);
	CU_ASSERT_STRING_NOT_EQUAL(a, b);
	for (size_t i = 0; a[i]; i++)
		CU_ASSERT(strchr("0123456789"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz", a[i]) != NULL);

	msrp_tid_make(c, sizeof(c));
	UNIT_ASSERT_INT(strlen(c), 8);
	msrp_tid_make(e, sizeof(e));
	UNIT_ASSERT_INT(strlen(e), MSRP_TID_MAX);
	memset(d, 'x', sizeof(d));
	msrp_tid_make(d, sizeof(d));
	UNIT_ASSERT_STR(d, "");
	msrp_tid_make(NULL, 10);

	/* and the parser takes it */
	CU_ASSERT_EQUAL_FATAL(re_sdprintf(&s, "MSRP %s SEND\r\n" TP FP
					  "-------%s$\r\n", a, a), 0);
	msrprun_init(&r);
	(void)msrprun_whole(&r, (uint8_t *)s, strlen(s));
	UNIT_ASSERT_INT(r.err, 0);
	UNIT_ASSERT_STR(r.last.tid, a);
	msrprun_close(&r);
	mem_deref(s);
}


static void test_reasons(void)
{
	UNIT_ASSERT_STR(msrp_reason(200), "OK");
	UNIT_ASSERT_STR(msrp_reason(400), "Unintelligible");
	UNIT_ASSERT_STR(msrp_reason(403), "Action-not-allowed");
	UNIT_ASSERT_STR(msrp_reason(408),
			"Transaction-did-not-complete-in-allotted-time");
	UNIT_ASSERT_STR(msrp_reason(413), "Stop-sending-message");
	UNIT_ASSERT_STR(msrp_reason(415), "MIME-not-understood");
	UNIT_ASSERT_STR(msrp_reason(423), "Parameter-out-of-bounds");
	UNIT_ASSERT_STR(msrp_reason(481), "Session-does-not-exist");
	UNIT_ASSERT_STR(msrp_reason(501), "Request-method-not-understood");
	UNIT_ASSERT_STR(msrp_reason(506), "Session-already-in-use");
	UNIT_ASSERT_STR(msrp_reason(299), "");
}


static CU_TestInfo rfc_tests[] = {
	{"RFC 4975 SEND with body", test_rfc_send},
	{"RFC 4975 200 response", test_rfc_response},
	{"RFC 4975 REPORT with Status", test_rfc_report},
	{"empty binding SEND (1-0/0)", test_bind_send},
	{"a connection's stream of messages", test_stream_of_messages},
	{"paths checked again only when they change", test_paths_per_chunk},
	CU_TEST_INFO_NULL
};

static CU_TestInfo body_tests[] = {
	{"end-line lookalikes in the body", test_body_lookalikes},
	{"body starting like the end-line", test_body_starts_like_end},
	{"empty bodies, sloppy and proper", test_empty_bodies},
	{"binary body with NULs", test_binary_body},
	{"flags + # $", test_flags},
	{"Byte-Range forms with *", test_byte_range_forms},
	{"body longer than Byte-Range", test_body_exceeds_range},
	CU_TEST_INFO_NULL
};

static CU_TestInfo syntax_tests[] = {
	{"header case, spacing, unknown, order", test_header_variants},
	{"Success-/Failure-Report values", test_report_values},
	{"start line variants", test_start_line_variants},
	{"blank lines between chunks", test_blank_lines_between},
	{"long comment truncated on UTF-8", test_comment_truncated},
	{"every malformed class", test_malformed},
	{"header block limit", test_header_block_limit},
	{"field length limits", test_field_limits},
	CU_TEST_INFO_NULL
};

static CU_TestInfo life_tests[] = {
	{"handler stops the feed", test_handler_stops},
	{"handler frees the parser", test_handler_frees_parser},
	{"error, dead until reset", test_error_then_reset},
	{"error carries the chunk once its paths are read",
	 test_error_carries_chunk},
	{"1 GiB body in bounded memory", test_one_gib},
	CU_TEST_INFO_NULL
};

static CU_TestInfo framer_tests[] = {
	{"response, exact text", test_response_exact},
	{"response through a relay", test_response_via_relay},
	{"response refused (REPORT, injection)", test_response_refused},
	{"REPORT, exact text", test_report_exact},
	{"SEND, exact text", test_send_exact},
	{"SEND refused", test_send_refused},
	{"framer output parses back", test_round_trip},
	CU_TEST_INFO_NULL
};

static CU_TestInfo uri_tests[] = {
	{"msrp_uri_session / msrp_uri_valid", test_uri_session},
	{"msrp_path_first / last / valid", test_paths},
	{"msrp_tid_make", test_tid_make},
	{"msrp_reason", test_reasons},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"msrp rfc examples", unit_libre_init, unit_libre_close, NULL, NULL,
	 rfc_tests},
	{"msrp bodies", unit_libre_init, unit_libre_close, NULL, NULL,
	 body_tests},
	{"msrp syntax", unit_libre_init, unit_libre_close, NULL, NULL,
	 syntax_tests},
	{"msrp parser life", unit_libre_init, unit_libre_close, NULL, NULL,
	 life_tests},
	{"msrp framer", unit_libre_init, unit_libre_close, NULL, NULL,
	 framer_tests},
	{"msrp uris", unit_libre_init, unit_libre_close, NULL, NULL,
	 uri_tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_msrp", suites);
}
