/* test_cpim.c: message/cpim wrappers read (headers, NS prefixes, inner content) and written. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "cpim.h"
#include "unit.h"

/* RFC 5438 §7.1.1-like push with an IMDN request */
static const char push[] =
	"From: MR SANDERS <im:piglet@100akerwood.com>\r\n"
	"To: Depressed Donkey <im:eeyore@100akerwood.com>\r\n"
	"DateTime: 2000-12-13T13:40:00-08:00\r\n"
	"Subject: the weather will be fine today\r\n"
	"NS: imdn <urn:ietf:params:imdn>\r\n"
	"imdn.Message-ID: 34jk324j\r\n"
	"imdn.Disposition-Notification: positive-delivery, display\r\n"
	"\r\n"
	"Content-Type: text/plain\r\n"
	"Content-ID: <1234567890@foo.com>\r\n"
	"\r\n"
	"Here is the text of my message.";


static int dec(struct cpim *c, const char *s)
{
	return cpim_decode(c, (const uint8_t *)s, strlen(s));
}


static void assert_pl(const struct pl *pl, const char *want,
		      const char *file, unsigned line)
{
	char buf[256] = "";

	if (pl->p)
		(void)re_snprintf(buf, sizeof(buf), "%r", pl);
	unit_assert_str(buf, want, "pl", file, line);
}
#define PL_IS(pl, s) assert_pl(&(pl), (s), __FILE__, __LINE__)


static void test_rfc_example(void)
{
	struct cpim c;
	struct pl uri;

	UNIT_ASSERT_INT(dec(&c, push), 0);
	PL_IS(c.from, "MR SANDERS <im:piglet@100akerwood.com>");
	PL_IS(c.to, "Depressed Donkey <im:eeyore@100akerwood.com>");
	PL_IS(c.datetime, "2000-12-13T13:40:00-08:00");
	PL_IS(c.subject, "the weather will be fine today");
	PL_IS(c.imdn_msgid, "34jk324j");
	PL_IS(c.imdn_dispo, "positive-delivery, display");
	PL_IS(c.ctype, "text/plain");
	PL_IS(c.mime, "Content-Type: text/plain\r\n"
	      "Content-ID: <1234567890@foo.com>\r\n");
	PL_IS(c.body, "Here is the text of my message.");

	UNIT_ASSERT_INT(cpim_uri(&uri, &c.from), 0);
	PL_IS(uri, "im:piglet@100akerwood.com");
}


static void test_namespaces(void)
{
	struct cpim c;

	/* another prefix for the IMDN namespace, declared after use */
	UNIT_ASSERT_INT(dec(&c, "From: <sip:a@b>\r\n"
			    "rcpt.Message-ID: m1\r\n"
			    "NS: rcpt <urn:ietf:params:imdn>\r\n"
			    "\r\nContent-Type: a/b\r\n\r\nx"), 0);
	PL_IS(c.imdn_msgid, "m1");

	/* the imdn prefix bound to something else: not an IMDN header */
	UNIT_ASSERT_INT(dec(&c, "From: <sip:a@b>\r\n"
			    "NS: imdn <urn:example:other>\r\n"
			    "imdn.Message-ID: m1\r\n"
			    "imdn.Disposition-Notification: display\r\n"
			    "\r\nContent-Type: a/b\r\n\r\nx"), 0);
	CU_ASSERT(c.imdn_msgid.p == NULL);
	CU_ASSERT(c.imdn_dispo.p == NULL);

	/* undeclared prefix */
	UNIT_ASSERT_INT(dec(&c, "imdn.Message-ID: m1\r\n"
			    "\r\nContent-Type: a/b\r\n\r\nx"), 0);
	CU_ASSERT(c.imdn_msgid.p == NULL);

	/* redeclared: the last one counts */
	UNIT_ASSERT_INT(dec(&c, "NS: imdn <urn:example:other>\r\n"
			    "NS: imdn <urn:ietf:params:imdn>\r\n"
			    "imdn.Message-ID: m2\r\n"
			    "\r\nContent-Type: a/b\r\n\r\nx"), 0);
	PL_IS(c.imdn_msgid, "m2");
}


static void test_binary_and_length(void)
{
	static const uint8_t bin[] =
		"To: <sip:x@y>\r\n\r\n"
		"Content-Type: application/octet-stream\r\n"
		"Content-Length: 5\r\n\r\n"
		"\x00\r\n\xff\x01";
	struct cpim c;

	UNIT_ASSERT_INT(cpim_decode(&c, bin, sizeof(bin) - 1), 0);
	UNIT_ASSERT_INT(c.body.l, 5);
	CU_ASSERT(!memcmp(c.body.p, "\x00\r\n\xff\x01", 5));

	/* one line end after the content is tolerated */
	UNIT_ASSERT_INT(dec(&c, "\r\nContent-Type: a/b\r\n"
			    "Content-Length: 3\r\n\r\nabc\r\n"), 0);
	PL_IS(c.body, "abc");

	/* anything else beyond it, or too little, is not */
	UNIT_ASSERT_INT(dec(&c, "\r\nContent-Type: a/b\r\n"
			    "Content-Length: 3\r\n\r\nabcd"), EBADMSG);
	UNIT_ASSERT_INT(dec(&c, "\r\nContent-Type: a/b\r\n"
			    "Content-Length: 3\r\n\r\nab"), EBADMSG);
	UNIT_ASSERT_INT(dec(&c, "\r\nContent-Type: a/b\r\n"
			    "Content-Length: 3x\r\n\r\nabc"), EBADMSG);
	UNIT_ASSERT_INT(dec(&c, "\r\nContent-Type: a/b\r\n"
			    "Content-Length: 99999999999\r\n\r\nabc"),
			EBADMSG);

	/* empty content, bare LF line ends */
	UNIT_ASSERT_INT(dec(&c, "From: <sip:a@b>\n\nContent-Type: a/b\n\n"),
			0);
	UNIT_ASSERT_INT(c.body.l, 0);
	PL_IS(c.from, "<sip:a@b>");
}


static void test_malformed(void)
{
	static const char * const bad[] = {
		"",                                         /* nothing */
		"From: <sip:a@b>\r\n",                      /* no blank line */
		"From: <sip:a@b>\r\n\r\nContent-Type: a/b", /* no 2nd one */
		"From: <sip:a@b>\r\n\r\nX-Other: 1\r\n\r\nx",  /* no ctype */
		"From <sip:a@b>\r\n\r\nContent-Type: a/b\r\n\r\nx",
		": v\r\n\r\nContent-Type: a/b\r\n\r\nx",
		" folded: v\r\n\r\nContent-Type: a/b\r\n\r\nx",
		"a..b: v\r\n\r\nContent-Type: a/b\r\n\r\nx",
		".b: v\r\n\r\nContent-Type: a/b\r\n\r\nx",
		"From: <a>\r\nFrom: <b>\r\n\r\nContent-Type: a/b\r\n\r\nx",
		"\r\nContent-Type: a/b\r\nContent-Type: c/d\r\n\r\nx",
		"\r\nContent-Type:\r\n\r\nx",
		"\r\nx.Content-Type: a/b\r\n\r\nx",
		"NS: nothing here\r\n\r\nContent-Type: a/b\r\n\r\nx",
		"Fr\rom: x\r\n\r\nContent-Type: a/b\r\n\r\nx",
	};
	struct cpim c;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int err = dec(&c, bad[i]);

		if (err != EBADMSG)
			printf("\n  case %zu: %d\n", i, err);
		UNIT_ASSERT_INT(err, EBADMSG);
	}

	/* a NUL inside a header line */
	UNIT_ASSERT_INT(cpim_decode(&c, (const uint8_t *)"A: \0\r\n\r\n"
				    "Content-Type: a/b\r\n\r\n", 26),
			EBADMSG);
}


static void test_bounds(void)
{
	struct mbuf *mb = mbuf_alloc(8192);
	struct cpim c;

	CU_ASSERT_FATAL(mb != NULL);

	/* CPIM_HDR_MAX header lines are fine, one more is not */
	for (unsigned i = 0; i < CPIM_HDR_MAX; i++)
		(void)mbuf_printf(mb, "X-H%u: v\r\n", i);
	(void)mbuf_printf(mb, "\r\nContent-Type: a/b\r\n\r\nx");
	UNIT_ASSERT_INT(cpim_decode(&c, mb->buf, mb->end), 0);

	mbuf_rewind(mb);
	for (unsigned i = 0; i <= CPIM_HDR_MAX; i++)
		(void)mbuf_printf(mb, "X-H%u: v\r\n", i);
	(void)mbuf_printf(mb, "\r\nContent-Type: a/b\r\n\r\nx");
	UNIT_ASSERT_INT(cpim_decode(&c, mb->buf, mb->end), EOVERFLOW);

	/* line length */
	mbuf_rewind(mb);
	(void)mbuf_printf(mb, "Subject: ");
	for (unsigned i = 0; i < CPIM_LINE_MAX; i++)
		(void)mbuf_write_u8(mb, 's');
	(void)mbuf_printf(mb, "\r\n\r\nContent-Type: a/b\r\n\r\nx");
	UNIT_ASSERT_INT(cpim_decode(&c, mb->buf, mb->end), EOVERFLOW);

	/* NS declarations */
	mbuf_rewind(mb);
	for (unsigned i = 0; i <= CPIM_NS_MAX; i++)
		(void)mbuf_printf(mb, "NS: p%u <urn:x:%u>\r\n", i, i);
	(void)mbuf_printf(mb, "\r\nContent-Type: a/b\r\n\r\nx");
	UNIT_ASSERT_INT(cpim_decode(&c, mb->buf, mb->end), EOVERFLOW);

	mem_deref(mb);
}


static void test_encode(void)
{
	static const char xml[] = "<imdn/>";
	struct cpim_out o = {
		.from = "sip:pra@sippush.test", .to = "sip:psa@x.test",
		.datetime = "2024-05-01T10:00:05Z", .imdn_msgid = "n1",
		.ctype = "message/imdn+xml", .disposition = "notification",
		.body = (const uint8_t *)xml, .len = sizeof(xml) - 1,
	};
	struct mbuf *mb = mbuf_alloc(512);
	struct cpim c;
	char buf[512];

	CU_ASSERT_FATAL(mb != NULL);
	CU_ASSERT(re_snprintf(buf, sizeof(buf), "%H", cpim_encode, &o) > 0);
	UNIT_ASSERT_STR(buf,
		"From: <sip:pra@sippush.test>\r\n"
		"To: <sip:psa@x.test>\r\n"
		"DateTime: 2024-05-01T10:00:05Z\r\n"
		"NS: imdn <urn:ietf:params:imdn>\r\n"
		"imdn.Message-ID: n1\r\n"
		"\r\n"
		"Content-Type: message/imdn+xml\r\n"
		"Content-Disposition: notification\r\n"
		"Content-Length: 7\r\n"
		"\r\n"
		"<imdn/>");

	/* and it reads back */
	UNIT_ASSERT_INT(mbuf_printf(mb, "%H", cpim_encode, &o), 0);
	UNIT_ASSERT_INT(cpim_decode(&c, mb->buf, mb->end), 0);
	PL_IS(c.imdn_msgid, "n1");
	PL_IS(c.ctype, "message/imdn+xml");
	PL_IS(c.body, "<imdn/>");
	mem_deref(mb);

	/* a value that would break the framing */
	o.to = "sip:a@b>\r\nX: y";
	CU_ASSERT(re_snprintf(buf, sizeof(buf), "%H", cpim_encode, &o) < 0);
	o.to = "sip:a@b";
	o.ctype = NULL;
	CU_ASSERT(re_snprintf(buf, sizeof(buf), "%H", cpim_encode, &o) < 0);
}


static CU_TestInfo tests[] = {
	{"RFC 5438 style push", test_rfc_example},
	{"NS prefixes resolved", test_namespaces},
	{"binary content, Content-Length, LF", test_binary_and_length},
	{"malformed wrappers refused", test_malformed},
	{"header, line and NS bounds", test_bounds},
	{"written wrapper byte-exact and read back", test_encode},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"cpim", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_cpim", suites);
}
