/* test_pushmeta.c: a push request's metadata read byte-exact, bounded and checked, and put on the app's record. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "push.h"
#include "ipc.h"
#include "pushmeta.h"
#include "unit.h"

#define MMS "x-wap-application:mms.ua"

#define REQ_HEAD \
	"MESSAGE sip:pra@127.0.0.1 SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n" \
	"From: <sip:psa@example.com>;tag=f1\r\n" \
	"To: <sip:pra@example.com>\r\n" \
	"CSeq: 1 MESSAGE\r\n" \
	"Max-Forwards: 70\r\n"

static const char cpim_body[] =
	"From: MR SANDERS <im:piglet@100akerwood.com>\r\n"
	"To: Depressed Donkey <im:eeyore@100akerwood.com>\r\n"
	"DateTime: 2000-12-13T13:40:00-08:00\r\n"
	"NS: imdn <urn:ietf:params:imdn>\r\n"
	"imdn.Message-ID: 34jk324j\r\n"
	"imdn.Disposition-Notification: positive-delivery, display\r\n"
	"\r\n"
	"Content-Type: Text/Plain;charset=utf-8\r\n"
	"\r\n"
	"Here is the text of my message.";


/* A request with the extra header lines hdrs and body; decoded */
static struct sip_msg *req(const char *callid, const char *hdrs,
			   const char *ctype, const char *body)
{
	char buf[4096];

	(void)re_snprintf(buf, sizeof(buf), REQ_HEAD "Call-ID: %s\r\n%s"
			  "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
			  callid, hdrs, ctype, strlen(body), body);

	return unit_sip_msg(buf);
}


static uint16_t read_req(struct pushmeta *m, struct sip_msg *msg,
			 const char *ctype, const char **reason)
{
	if (!msg)
		return 0;

	return pushmeta_read(m, msg, ctype, mbuf_buf(msg->mb),
			     mbuf_get_left(msg->mb), reason);
}


/* The record of push p, as text up to the blank line */
static void record(char *out, size_t sz, struct push *p)
{
	struct mbuf *mb = mbuf_alloc(1024);
	const char *end;

	out[0] = '\0';
	UNIT_ASSERT_INT(ipc_push_encode(mb, p), 0);
	end = strstr((const char *)mb->buf, "\n\n");
	CU_ASSERT(end != NULL);
	if (end)
		(void)re_snprintf(out, sz, "%b", mb->buf,
				  (size_t)(end + 1 - (char *)mb->buf));
	mem_deref(mb);
}


static void base_push(struct push *p, const struct sip_msg *msg,
		      const char *ctype)
{
	memset(p, 0, sizeof(*p));
	p->id        = 7;
	p->appid     = MMS;
	p->ctype     = ctype;
	p->sender    = "sip:psa@example.com";
	p->transport = "sip-udp";
	p->body      = mbuf_buf(msg->mb);
	p->len       = mbuf_get_left(msg->mb);
}


static void test_fields_byte_exact(void)
{
	struct pushmeta m;
	struct push p;
	const char *reason = NULL;
	char rec[2048];
	struct sip_msg *msg = req("a84b4c76e66710@pc33",
		"Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n"
		"X-Wap-Initiator-URI: http://psa.example.com/news?id=1\r\n"
		"Content-Location: http://psa.example.com/p/42;v=1\r\n"
		"Push-Flag: 3\r\n",
		"text/plain", "hello");

	if (!msg)
		return;

	UNIT_ASSERT_INT(read_req(&m, msg, "text/plain", &reason), 0);
	base_push(&p, msg, "text/plain");
	pushmeta_apply(&m, &p);

	UNIT_ASSERT_STR(p.call_id, "a84b4c76e66710@pc33");
	UNIT_ASSERT_STR(p.date, "Sat, 13 Nov 2010 23:29:00 GMT");
	UNIT_ASSERT_STR(p.initiator, "http://psa.example.com/news?id=1");
	UNIT_ASSERT_STR(p.location, "http://psa.example.com/p/42;v=1");
	UNIT_ASSERT_STR(p.push_flag, "3");
	CU_ASSERT(p.encoding == NULL);
	CU_ASSERT(p.imdn_msgid == NULL);
	CU_ASSERT(p.imdn_dispo == NULL);
	CU_ASSERT(p.cpim == NULL);
	CU_ASSERT(p.push_key != NULL && strlen(p.push_key) == PUSHKEY_LEN);

	record(rec, sizeof(rec), &p);
	UNIT_ASSERT_CONTAINS(rec, "\nTransport: sip-udp\n"
			     "Call-ID: a84b4c76e66710@pc33\n"
			     "Date: Sat, 13 Nov 2010 23:29:00 GMT\n"
			     "X-Wap-Initiator-URI: "
			     "http://psa.example.com/news?id=1\n"
			     "Content-Location: "
			     "http://psa.example.com/p/42;v=1\n"
			     "Push-Flag: 3\n"
			     "Push-Key: ");
	CU_ASSERT(strstr(rec, "Imdn-") == NULL);
	CU_ASSERT(strstr(rec, "Content-Encoding") == NULL);
	CU_ASSERT(strstr(rec, "Sender-Asserted") == NULL);

	/* the intake says whose identity Sender is: right after Transport */
	p.sender_asserted = "yes";
	record(rec, sizeof(rec), &p);
	UNIT_ASSERT_CONTAINS(rec, "\nTransport: sip-udp\n"
			     "Sender-Asserted: yes\n"
			     "Call-ID: a84b4c76e66710@pc33\n");

	mem_deref(msg);
}


/* Nothing but a Call-ID: the record gains Call-ID and Push-Key only */
static void test_absent_fields(void)
{
	struct pushmeta m;
	struct push p;
	const char *reason = NULL;
	char rec[2048];
	struct sip_msg *msg = req("c1", "", "text/plain", "x");

	if (!msg)
		return;

	UNIT_ASSERT_INT(read_req(&m, msg, "text/plain", &reason), 0);
	base_push(&p, msg, "text/plain");
	pushmeta_apply(&m, &p);
	CU_ASSERT(!p.date && !p.initiator && !p.location && !p.push_flag);

	record(rec, sizeof(rec), &p);
	UNIT_ASSERT_CONTAINS(rec, "Transport: sip-udp\nCall-ID: c1\n"
			     "Push-Key: ");
	mem_deref(msg);
}


static void expect_400(const char *callid, const char *hdrs,
		       const char *want_reason, unsigned line)
{
	struct pushmeta m;
	const char *reason = NULL;
	struct sip_msg *msg = req(callid, hdrs, "text/plain", "x");

	if (!msg)
		return;

	unit_assert_int(read_req(&m, msg, "text/plain", &reason), 400,
			"pushmeta_read", __FILE__, line);
	unit_assert_str(reason ? reason : "(null)", want_reason, "reason",
			__FILE__, line);
	mem_deref(msg);
}
#define EXPECT_400(c, h, r) expect_400((c), (h), (r), __LINE__)


static void test_bounds_and_characters(void)
{
	char longv[400], hdr[512];

	memset(longv, 'a', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';

	/* Call-ID over 255 bytes */
	longv[PUSHMETA_CALLID_MAX + 1] = '\0';
	EXPECT_400(longv, "", "Call-ID Too Long For The Push Record");

	/* exactly at the bound: taken */
	longv[PUSHMETA_CALLID_MAX] = '\0';
	{
		struct pushmeta m;
		const char *reason = NULL;
		struct sip_msg *msg = req(longv, "", "text/plain", "x");

		UNIT_ASSERT_INT(read_req(&m, msg, "text/plain", &reason), 0);
		UNIT_ASSERT_INT(strlen(m.call_id), PUSHMETA_CALLID_MAX);
		mem_deref(msg);
	}

	/* a URI over 255 bytes */
	memset(longv, 'a', PUSHMETA_URI_MAX + 1);
	longv[PUSHMETA_URI_MAX + 1] = '\0';
	(void)re_snprintf(hdr, sizeof(hdr), "X-Wap-Initiator-URI: %s\r\n",
			  longv);
	EXPECT_400("c", hdr, "Bad X-Wap-Initiator-URI");
	(void)re_snprintf(hdr, sizeof(hdr), "Content-Location: %s\r\n", longv);
	EXPECT_400("c", hdr, "Bad Content-Location");

	/* outside printable ASCII (UTF-8, DEL) */
	EXPECT_400("c", "Date: Sat, 13 Nov 2010 23:29:00 GM\xc3\xa9\r\n",
		   "Bad Date");
	EXPECT_400("c", "X-Wap-Initiator-URI: http://a/\x7f\r\n",
		   "Bad X-Wap-Initiator-URI");

	/* twice */
	EXPECT_400("c", "Push-Flag: 1\r\nPush-Flag: 2\r\n", "Bad Push-Flag");
	EXPECT_400("c", "Content-Location: a\r\nContent-Location: b\r\n",
		   "Bad Content-Location");

	/* Push-Flag is a number 0..255 */
	EXPECT_400("c", "Push-Flag: 256\r\n", "Bad Push-Flag");
	EXPECT_400("c", "Push-Flag: 1a\r\n", "Bad Push-Flag");
	EXPECT_400("c", "Push-Flag: 1000\r\n", "Bad Push-Flag");
}


static void test_encoding(void)
{
	static const struct {
		const char *hdrs;
		int err;
		const char *want;
	} v[] = {
		{"Content-Encoding: identity\r\n", 0, ""},
		{"Content-Encoding: GZip\r\n", 0, "gzip"},
		{"Content-Encoding: gzip, identity , br\r\n", 0, "gzip, br"},
		{"Content-Encoding: gzip\r\ne: deflate\r\n", 0, "gzip, deflate"},
		{"Content-Encoding: gz/ip\r\n", EBADMSG, ""},
		{"Content-Encoding: gzip,,br\r\n", EBADMSG, ""},
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct sip_msg *msg = req("c", v[i].hdrs, "text/plain", "x");
		char buf[PUSHMETA_ENC_MAX + 1] = "?";

		if (!msg)
			continue;
		UNIT_ASSERT_INT(pushmeta_encoding(buf, sizeof(buf), msg),
				v[i].err);
		if (!v[i].err)
			UNIT_ASSERT_STR(buf, v[i].want);
		mem_deref(msg);
	}

	/* too many codings for the record */
	{
		struct sip_msg *msg = req("c", "Content-Encoding: aaaaaaaaaa, "
			"bbbbbbbbbb, cccccccccc, dddddddddd, eeeeeeeeee, "
			"ffffffffff\r\n", "text/plain", "x");
		char buf[PUSHMETA_ENC_MAX + 1];

		UNIT_ASSERT_INT(pushmeta_encoding(buf, sizeof(buf), msg),
				EOVERFLOW);
		mem_deref(msg);
	}

	EXPECT_400("c", "Content-Encoding: gz ip\r\n", "Bad Content-Encoding");
}


static void test_cpim_imdn(void)
{
	struct pushmeta m;
	struct push p;
	const char *reason = NULL;
	char rec[2048];
	struct sip_msg *msg = req("c1", "", "message/cpim", cpim_body);

	if (!msg)
		return;

	UNIT_ASSERT_INT(read_req(&m, msg, "message/cpim", &reason), 0);
	base_push(&p, msg, "message/cpim");
	pushmeta_apply(&m, &p);

	UNIT_ASSERT_STR(p.imdn_msgid, "34jk324j");
	UNIT_ASSERT_STR(p.imdn_dispo, "positive-delivery, display");
	CU_ASSERT(p.cpim != NULL);
	if (p.cpim) {
		UNIT_ASSERT_STR(p.cpim->ctype, "text/plain;charset=utf-8");
		UNIT_ASSERT_STR(p.cpim->from, "im:piglet@100akerwood.com");
		UNIT_ASSERT_STR(p.cpim->to, "im:eeyore@100akerwood.com");
		UNIT_ASSERT_STR(p.cpim->datetime, "2000-12-13T13:40:00-08:00");
		UNIT_ASSERT_INT(p.cpim->len, 31);
		CU_ASSERT(p.cpim->len == 31 &&
			  !memcmp(p.cpim->body,
				  "Here is the text of my message.", 31));
	}

	record(rec, sizeof(rec), &p);
	UNIT_ASSERT_CONTAINS(rec, "Imdn-Message-ID: 34jk324j\n"
			     "Imdn-Disposition-Notification: "
			     "positive-delivery, display\nPush-Key: ");
	CU_ASSERT(strstr(rec, "CPIM-From") == NULL);

	/* the unwrapped view (deliver.c): inner type, CPIM-* lines */
	if (p.cpim) {
		p.unwrapped = true;
		p.ctype = p.cpim->ctype;
		p.body  = p.cpim->body;
		p.len   = p.cpim->len;
		record(rec, sizeof(rec), &p);
		UNIT_ASSERT_CONTAINS(rec, "Content-Type: text/plain;"
				     "charset=utf-8\nContent-Length: 31\n");
		UNIT_ASSERT_CONTAINS(rec, "CPIM-From: im:piglet@100akerwood.com\n"
				     "CPIM-To: im:eeyore@100akerwood.com\n"
				     "CPIM-DateTime: 2000-12-13T13:40:00-08:00\n");
	}
	mem_deref(msg);

	/* a wrapper that does not parse: refused for everyone */
	msg = req("c1", "", "message/cpim", "no header block at all");
	if (msg) {
		UNIT_ASSERT_INT(read_req(&m, msg, "message/cpim", &reason),
				400);
		UNIT_ASSERT_STR(reason, "Bad CPIM Wrapper");
		mem_deref(msg);
	}

	/* not CPIM by type: the body is not looked at */
	msg = req("c1", "", "text/plain", cpim_body);
	if (msg) {
		UNIT_ASSERT_INT(read_req(&m, msg, "text/plain", &reason), 0);
		CU_ASSERT(!m.is_cpim && !m.imdn_msgid[0]);
		mem_deref(msg);
	}
}


/* A retry (new Call-ID, same content) keeps the key; another push not */
static void test_push_key_stable(void)
{
	struct pushmeta m1, m2, m3;
	struct push p1, p2, p3;
	const char *reason = NULL;
	struct sip_msg *a = req("first", "Content-Location: id-1\r\n",
				"text/plain", "x");
	struct sip_msg *b = req("retry", "Content-Location: id-1\r\n",
				"text/plain", "x");
	struct sip_msg *c = req("other", "Content-Location: id-2\r\n",
				"text/plain", "x");

	if (!a || !b || !c)
		goto out;

	UNIT_ASSERT_INT(read_req(&m1, a, "text/plain", &reason), 0);
	UNIT_ASSERT_INT(read_req(&m2, b, "text/plain", &reason), 0);
	UNIT_ASSERT_INT(read_req(&m3, c, "text/plain", &reason), 0);
	base_push(&p1, a, "text/plain");
	base_push(&p2, b, "text/plain");
	base_push(&p3, c, "text/plain");
	pushmeta_apply(&m1, &p1);
	pushmeta_apply(&m2, &p2);
	pushmeta_apply(&m3, &p3);

	CU_ASSERT(p1.push_key && p2.push_key && p3.push_key);
	if (p1.push_key && p2.push_key && p3.push_key) {
		UNIT_ASSERT_STR(p1.push_key, p2.push_key);
		CU_ASSERT(strcmp(p1.push_key, p3.push_key) != 0);
	}

 out:
	mem_deref(a);
	mem_deref(b);
	mem_deref(c);
}


/* Kept in the store and given back (pushstore.c): the same record */
static void test_store_roundtrip(void)
{
	struct pushmeta m, back;
	struct push p, q;
	const char *reason = NULL;
	char rec1[2048], rec2[2048], txt[1024];
	struct mbuf *lines;
	struct sip_msg *msg = req("k7@host",
		"Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n"
		"X-Wap-Initiator-URI: http://psa.example.com/n\r\n"
		"Push-Flag: 4\r\n", "message/cpim", cpim_body);

	lines = mbuf_alloc(512);
	if (!msg || !lines)
		goto out;

	UNIT_ASSERT_INT(read_req(&m, msg, "message/cpim", &reason), 0);
	base_push(&p, msg, "message/cpim");
	pushmeta_apply(&m, &p);
	record(rec1, sizeof(rec1), &p);

	UNIT_ASSERT_INT(pushmeta_print(lines, &p), 0);
	(void)re_snprintf(txt, sizeof(txt), "%b", lines->buf, lines->end);
	UNIT_ASSERT_CONTAINS(txt, "Call-ID: k7@host\n");

	/* other lines of the store's meta around them are skipped */
	pushmeta_parse(&back, "Content-Type: message/cpim\nSender: x\n",
		       strlen("Content-Type: message/cpim\nSender: x\n"));
	CU_ASSERT(!back.call_id[0] && !back.key[0]);
	pushmeta_parse(&back, (char *)lines->buf, lines->end);
	UNIT_ASSERT_INT(pushmeta_cpim(&back, "message/cpim", p.body, p.len),
			0);

	base_push(&q, msg, "message/cpim");
	pushmeta_point(&back, &q);
	q.push_key = back.key[0] ? back.key : NULL;
	record(rec2, sizeof(rec2), &q);
	UNIT_ASSERT_STR(rec2, rec1);
	CU_ASSERT(q.cpim != NULL);

	/* a bad value is left out, not the whole */
	pushmeta_parse(&back, "Call-ID: \001bad\nPush-Flag: 4\n",
		       strlen("Call-ID: \001bad\nPush-Flag: 4\n"));
	CU_ASSERT(!back.call_id[0]);
	UNIT_ASSERT_STR(back.push_flag, "4");

 out:
	mem_deref(lines);
	mem_deref(msg);
}


/* A content in a file (MSRP) is keyed by its digest, or not at all */
static void test_key_of_a_file(void)
{
	struct push p;
	uint8_t d[PUSHKEY_DIGEST];
	char k1[PUSHKEY_SIZE], k2[PUSHKEY_SIZE];

	memset(&p, 0, sizeof(p));
	p.appid  = MMS;
	p.ctype  = "text/plain";
	p.sender = "sip:psa@example.com";
	p.has_fd = true;
	p.len    = 5;
	UNIT_ASSERT_INT(pushmeta_key(k1, sizeof(k1), &p, NULL), EINVAL);

	pushkey_digest(d, (const uint8_t *)"hello", 5);
	UNIT_ASSERT_INT(pushmeta_key(k1, sizeof(k1), &p, d), 0);

	/* the same content in memory: the same key */
	p.has_fd = false;
	p.body   = (const uint8_t *)"hello";
	UNIT_ASSERT_INT(pushmeta_key(k2, sizeof(k2), &p, NULL), 0);
	UNIT_ASSERT_STR(k2, k1);
}


static CU_TestInfo tests[] = {
	{"fields byte-exact on the record", test_fields_byte_exact},
	{"absent fields left out", test_absent_fields},
	{"bounds and characters: 400", test_bounds_and_characters},
	{"Content-Encoding list", test_encoding},
	{"message/cpim: inner content, IMDN fields", test_cpim_imdn},
	{"Push-Key stable across a retry", test_push_key_stable},
	{"store round trip: the same record", test_store_roundtrip},
	{"Push-Key of a content in a file", test_key_of_a_file},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"pushmeta", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_pushmeta", suites);
}
