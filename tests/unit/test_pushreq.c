/* test_pushreq.c: target app, sender, content type and lifetime of decoded MESSAGEs. */
#include <string.h>
#include <errno.h>
#include <time.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "appset.h"
#include "config.h"
#include "push.h"
#include "ipc.h"
#include "pushreq.h"
#include "unit.h"

#define MMS  "x-wap-application:mms.ua"
#define WML  "x-wap-application:wml.ua"
#define ULP  "x-oma-application:ulp.ua"
#define CPM  "x-oma-application:cpm:ua"
#define FOO  "x-oma-application:foo.ua"

#define SUPL "application/vnd.omaloc-supl-init"

#define FROM "<sip:sender@example.com>;tag=f1"
#define AC   "Accept-Contact: *;+g.oma.pusheventapp="
#define XWAP "X-Wap-Application-Id: "
#define CT   "Content-Type: "

static const char cfg_text[] =
	"sip_aor sip:a@b\n"
	"sip_registrar sip:127.0.0.1\n"
	"route_ctype " SUPL " ulp.ua\n";

static struct appset *set;
static struct config *cfg;


static void setup(void)
{
	static const char *const served[] = {MMS, CPM};
	char (*v)[APPID_SIZE];
	char err[256] = "";

	set = NULL;
	cfg = NULL;

	CU_ASSERT(appset_alloc(&set, NULL, NULL) == 0);
	v = mem_zalloc(ARRAY_SIZE(served) * sizeof(*v), NULL);
	CU_ASSERT(v != NULL);
	if (set && v) {
		for (size_t i = 0; i < ARRAY_SIZE(served); i++)
			str_ncpy(v[i], served[i], sizeof(v[i]));
		CU_ASSERT(appset_set_static(set, (const char (*)[APPID_SIZE])v,
					    ARRAY_SIZE(served)) == 0);
	}
	mem_deref(v);

	UNIT_ASSERT_INT(config_parse(&cfg, "test.conf", cfg_text,
				     strlen(cfg_text), err, sizeof(err)), 0);
	UNIT_ASSERT_STR(err, "");
	CU_ASSERT(cfg && cfg->routec == 1);
}


static void teardown(void)
{
	set = mem_deref(set);
	cfg = mem_deref(cfg);
}


/* A MESSAGE as it comes off the wire: fixed dialog headers, the given
 * From value, extra header lines (each ending in CRLF) and a body. */
static struct sip_msg *msg_from(const char *from, const char *hdrs)
{
	struct sip_msg *msg = NULL;
	struct mbuf *mb;
	int err;

	mb = mbuf_alloc(1024);
	if (!mb)
		return NULL;

	err = mbuf_printf(mb, "MESSAGE sip:pra@192.0.2.1 SIP/2.0\r\n"
			  "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bK-1\r\n"
			  "Max-Forwards: 70\r\n"
			  "From: %s\r\n"
			  "To: <sip:pra@example.com>\r\n"
			  "Call-ID: c1@192.0.2.2\r\n"
			  "CSeq: 1 MESSAGE\r\n"
			  "%s"
			  "Content-Length: 2\r\n"
			  "\r\n"
			  "hi", from, hdrs);
	mb->pos = 0;
	if (!err)
		err = sip_msg_decode(&msg, mb);
	mem_deref(mb);

	UNIT_ASSERT_INT(err, 0);
	return err ? NULL : msg;
}


static struct sip_msg *msg_hdrs(const char *hdrs)
{
	return msg_from(FROM, hdrs);
}


/* n copies of c at p, NUL-terminated (libre's printf has no '*' width) */
static char *fill(char *p, char c, size_t n)
{
	memset(p, c, n);
	p[n] = '\0';
	return p;
}


/* pushreq_target() on a message with these extra headers */
static enum pushreq_target target_of(const char *hdrs, const struct config *c,
				     char *app, size_t sz)
{
	struct sip_msg *msg = msg_hdrs(hdrs);
	enum pushreq_target t;

	app[0] = '\0';
	if (!msg)
		return (enum pushreq_target)-1;

	t = pushreq_target(msg, c, set, app, sz);
	mem_deref(msg);
	return t;
}


static void assert_target(const char *hdrs, const struct config *c,
			  enum pushreq_target want, const char *want_app,
			  unsigned line)
{
	static const char *const names[] = {"NONE", "FOUND", "BAD"};
	char app[APPID_SIZE], what[1024];
	enum pushreq_target t = target_of(hdrs, c, app, sizeof(app));
	bool ok = t == want && (!want_app || !strcmp(app, want_app));

	(void)re_snprintf(what, sizeof(what), "pushreq_target(%s) == %s %s "
			  "(got %s \"%s\")", hdrs, names[want],
			  want_app ? want_app : "",
			  (unsigned)t < 3 ? names[t] : "?", app);
	CU_assertImplementation(ok, line, what, __FILE__, "", CU_FALSE);
}

#define ASSERT_TARGET(hdrs, want, app) \
	assert_target((hdrs), cfg, (want), (app), __LINE__)
#define ASSERT_TARGET_CFG(hdrs, c, want, app) \
	assert_target((hdrs), (c), (want), (app), __LINE__)


/* --- pushreq_target: Accept-Contact ---------------------------------- */

static void test_ac_single(void)
{
	ASSERT_TARGET(AC "\"mms.ua\";require;explicit\r\n", PUSHREQ_FOUND,
		      MMS);
	ASSERT_TARGET(AC "\"mms.ua\"\r\n", PUSHREQ_FOUND, MMS);
	ASSERT_TARGET(AC "mms.ua\r\n", PUSHREQ_FOUND, MMS);
	ASSERT_TARGET("Accept-Contact: *;explicit;+g.oma.pusheventapp="
		      "\"MMS.UA\"\r\n", PUSHREQ_FOUND, MMS);

	/* an Accept-Contact wins over what the other headers say */
	ASSERT_TARGET(AC "\"cpm%3Aua\"\r\n" XWAP "x-wap-application:mms.ua\r\n"
		      CT SUPL "\r\n", PUSHREQ_FOUND, CPM);
}


static void test_ac_compact(void)
{
	ASSERT_TARGET("a: *;+g.oma.pusheventapp=\"mms.ua\"\r\n",
		      PUSHREQ_FOUND, MMS);
	ASSERT_TARGET("a: *;+g.oma.pusheventapp=\"foo.ua\";require\r\n"
		      XWAP "mms.ua\r\n", PUSHREQ_FOUND, FOO);
}


static void test_ac_list(void)
{
	ASSERT_TARGET(AC "\"foo.ua,mms.ua\"\r\n", PUSHREQ_FOUND, MMS);
	ASSERT_TARGET(AC "\"foo.ua, mms.ua\";require\r\n", PUSHREQ_FOUND, MMS);
	ASSERT_TARGET(AC "\"foo.ua,wml.ua,mms.ua\";require;explicit\r\n",
		      PUSHREQ_FOUND, MMS);

	/* the first one served wins */
	ASSERT_TARGET(AC "\"mms.ua,cpm%3Aua\"\r\n", PUSHREQ_FOUND, MMS);
	ASSERT_TARGET(AC "\"cpm%3Aua,mms.ua\"\r\n", PUSHREQ_FOUND, CPM);

	/* a malformed value in the list does not hide a good one */
	ASSERT_TARGET(AC "\"bad/id,mms.ua\"\r\n", PUSHREQ_FOUND, MMS);
}


static void test_ac_two_headers(void)
{
	ASSERT_TARGET(AC "\"foo.ua\"\r\n" AC "\"mms.ua\"\r\n", PUSHREQ_FOUND,
		      MMS);
	ASSERT_TARGET(AC "\"foo.ua\"\r\n"
		      "a: *;+g.oma.pusheventapp=\"mms.ua\"\r\n",
		      PUSHREQ_FOUND, MMS);

	/* both served: the first header's */
	ASSERT_TARGET(AC "\"cpm%3Aua\"\r\n" AC "\"mms.ua\"\r\n", PUSHREQ_FOUND,
		      CPM);

	/* an Accept-Contact about something else is skipped */
	ASSERT_TARGET("Accept-Contact: *;+sip.instance=\"<urn:uuid:1>\"\r\n"
		      AC "\"mms.ua\"\r\n", PUSHREQ_FOUND, MMS);
}


static void test_ac_require(void)
{
	/* nothing served: the named ID, and no fallback at all */
	ASSERT_TARGET(AC "\"foo.ua\";require;explicit\r\n"
		      XWAP "x-wap-application:mms.ua\r\n"
		      CT SUPL "\r\n", PUSHREQ_FOUND, FOO);
	ASSERT_TARGET(AC "\"foo.ua,wml.ua\";require\r\n" XWAP "4\r\n",
		      PUSHREQ_FOUND, FOO);
	ASSERT_TARGET(AC "\"foo.ua\";explicit;require\r\n", PUSHREQ_FOUND,
		      FOO);

	/* ;require on a header without our tag is not ours to honour */
	ASSERT_TARGET("Accept-Contact: *;+sip.instance=\"<urn:uuid:1>\";"
		      "require\r\n" XWAP "mms.ua\r\n", PUSHREQ_FOUND, MMS);

	/* require, and only malformed values */
	ASSERT_TARGET(AC "\"bad/id\";require\r\n" XWAP "mms.ua\r\n",
		      PUSHREQ_BAD, NULL);
}


/* --- pushreq_target: fallbacks --------------------------------------- */

static void test_xwap_fallback(void)
{
	ASSERT_TARGET(XWAP "x-wap-application:mms.ua\r\n", PUSHREQ_FOUND,
		      MMS);
	ASSERT_TARGET(XWAP "mms.ua\r\n", PUSHREQ_FOUND, MMS);
	ASSERT_TARGET(XWAP "4\r\n", PUSHREQ_FOUND, MMS);
	ASSERT_TARGET(XWAP "0x04\r\n", PUSHREQ_FOUND, MMS);
	ASSERT_TARGET(XWAP "0x15\r\n", PUSHREQ_FOUND, CPM);
	ASSERT_TARGET("x-wap-application-id: X-WAP-Application:MMS.UA\r\n",
		      PUSHREQ_FOUND, MMS);

	/* an Accept-Contact naming something unserved, without require */
	ASSERT_TARGET(AC "\"foo.ua\"\r\n" XWAP "mms.ua\r\n", PUSHREQ_FOUND,
		      MMS);
	ASSERT_TARGET(AC "\"foo.ua\";explicit\r\n" XWAP "4\r\n",
		      PUSHREQ_FOUND, MMS);
}


static void test_ctype_fallback(void)
{
	ASSERT_TARGET(CT SUPL "\r\n", PUSHREQ_FOUND, ULP);
	ASSERT_TARGET(CT "Application/VND.OMALOC-SUPL-INIT\r\n", PUSHREQ_FOUND,
		      ULP);
	ASSERT_TARGET(CT SUPL ";charset=x\r\n", PUSHREQ_FOUND, ULP);

	/* after Accept-Contact and X-Wap-Application-Id named unserved IDs */
	ASSERT_TARGET(AC "\"foo.ua\"\r\n" XWAP "wml.ua\r\n" CT SUPL "\r\n",
		      PUSHREQ_FOUND, ULP);

	/* not for other types, nor without the table */
	ASSERT_TARGET(CT "application/vnd.omaloc-supl-initx\r\n",
		      PUSHREQ_NONE, NULL);
	ASSERT_TARGET_CFG(CT SUPL "\r\n", NULL, PUSHREQ_NONE, NULL);
}


/* Named but not served: found, so that the caller answers 404. */
static void test_named_unserved(void)
{
	ASSERT_TARGET(AC "\"foo.ua\"\r\n", PUSHREQ_FOUND, FOO);
	ASSERT_TARGET(XWAP "wml.ua\r\n", PUSHREQ_FOUND, WML);
	ASSERT_TARGET(XWAP "2\r\n", PUSHREQ_FOUND, WML);
	ASSERT_TARGET(AC "\"foo.ua\"\r\n" XWAP "wml.ua\r\n", PUSHREQ_FOUND,
		      FOO);
	ASSERT_TARGET(AC "\"bad/id\"\r\n" XWAP "wml.ua\r\n", PUSHREQ_FOUND,
		      WML);
	ASSERT_TARGET(AC "\"foo.ua\"\r\n" XWAP "bad$id\r\n", PUSHREQ_FOUND,
		      FOO);
}


static void test_escapes(void)
{
	ASSERT_TARGET(AC "\"cpm%3Aua\"\r\n", PUSHREQ_FOUND, CPM);
	ASSERT_TARGET(AC "\"cpm%3aua\"\r\n", PUSHREQ_FOUND, CPM);
	ASSERT_TARGET(AC "\"x-wap-application%3Amms.ua\"\r\n", PUSHREQ_FOUND,
		      MMS);
	ASSERT_TARGET(AC "\"x-oma-application%3Acpm%3Aua\"\r\n",
		      PUSHREQ_FOUND, CPM);
	ASSERT_TARGET(AC "\"foo.ua,x-wap-application%3Amms.ua\"\r\n",
		      PUSHREQ_FOUND, MMS);

	/* only %3A is an escape */
	ASSERT_TARGET(AC "\"mms%2Eua\"\r\n", PUSHREQ_BAD, NULL);
}


static void test_malformed(void)
{
	char hdrs[512], val[256], app[APPID_SIZE];

	ASSERT_TARGET(AC "\"bad/id\"\r\n", PUSHREQ_BAD, NULL);
	ASSERT_TARGET(AC "\"a b\"\r\n", PUSHREQ_BAD, NULL);
	ASSERT_TARGET(AC "\"mms.ua;x\"\r\n", PUSHREQ_BAD, NULL);
	ASSERT_TARGET(AC "\"x-wap-application%3A\"\r\n", PUSHREQ_BAD, NULL);
	ASSERT_TARGET(XWAP "bad$id\r\n", PUSHREQ_BAD, NULL);
	ASSERT_TARGET(XWAP "0x7777\r\n", PUSHREQ_BAD, NULL);
	ASSERT_TARGET(AC "\"bad/id\"\r\n" XWAP "a b\r\n", PUSHREQ_BAD, NULL);

	/* a 200-character value */
	(void)re_snprintf(hdrs, sizeof(hdrs), AC "\"%s\"\r\n",
			  fill(val, 'x', 200));
	UNIT_ASSERT_INT(target_of(hdrs, cfg, app, sizeof(app)), PUSHREQ_BAD);
	UNIT_ASSERT_INT(strlen(hdrs), strlen(AC) + 204);

	/* something else naming an app makes it usable after all */
	ASSERT_TARGET(AC "\"bad/id\"\r\n" XWAP "mms.ua\r\n", PUSHREQ_FOUND,
		      MMS);
	ASSERT_TARGET(AC "\"a b\"\r\n" CT SUPL "\r\n", PUSHREQ_FOUND, ULP);
}


static void test_none(void)
{
	struct sip_msg *msg;
	char app[APPID_SIZE];

	ASSERT_TARGET("", PUSHREQ_NONE, NULL);
	ASSERT_TARGET(CT "text/plain\r\n", PUSHREQ_NONE, NULL);
	ASSERT_TARGET("Accept-Contact: *;+sip.instance=\"<urn:uuid:1>\";"
		      "require\r\n", PUSHREQ_NONE, NULL);
	ASSERT_TARGET("Accept-Contact: *;audio\r\n", PUSHREQ_NONE, NULL);
	ASSERT_TARGET_CFG("", NULL, PUSHREQ_NONE, NULL);

	msg = msg_hdrs(XWAP "mms.ua\r\n");
	CU_ASSERT_FATAL(msg != NULL);
	UNIT_ASSERT_INT(pushreq_target(NULL, cfg, set, app, sizeof(app)),
			PUSHREQ_NONE);
	UNIT_ASSERT_INT(pushreq_target(msg, cfg, set, NULL, sizeof(app)),
			PUSHREQ_NONE);
	UNIT_ASSERT_INT(pushreq_target(msg, cfg, set, app, 0), PUSHREQ_NONE);

	/* no appset: nothing is served, the named ID is still found */
	UNIT_ASSERT_INT(pushreq_target(msg, cfg, NULL, app, sizeof(app)),
			PUSHREQ_FOUND);
	UNIT_ASSERT_STR(app, MMS);
	mem_deref(msg);
}


/* --- pushreq_sender -------------------------------------------------- */

static int sender_of(const char *from, const char *hdrs, char *buf,
		     size_t sz)
{
	struct sip_msg *msg = msg_from(from, hdrs);
	int err;

	buf[0] = '\0';
	if (!msg)
		return -1;

	err = pushreq_sender(msg, buf, sz, NULL);
	mem_deref(msg);
	return err;
}


static void test_sender(void)
{
	char buf[PUSHREQ_SENDER_MAX + 1];

	/* P-Asserted-Identity is preferred */
	UNIT_ASSERT_INT(sender_of("\"Bob\" <sip:bob@example.com>;tag=1",
				  "P-Asserted-Identity: \"Alice Example\" "
				  "<sip:alice@example.com>\r\n", buf,
				  sizeof(buf)), 0);
	UNIT_ASSERT_STR(buf, "sip:alice@example.com");

	UNIT_ASSERT_INT(sender_of(FROM, "P-Asserted-Identity: "
				  "<tel:+15551234567>\r\n", buf, sizeof(buf)),
			0);
	UNIT_ASSERT_STR(buf, "tel:+15551234567");

	UNIT_ASSERT_INT(sender_of(FROM, "P-Asserted-Identity: "
				  "<sip:+15551234567@ims.example;user=phone>"
				  "\r\n", buf, sizeof(buf)), 0);
	UNIT_ASSERT_STR(buf, "sip:+15551234567@ims.example;user=phone");

	/* the first of two */
	UNIT_ASSERT_INT(sender_of(FROM, "P-Asserted-Identity: <sip:a@x>\r\n"
				  "P-Asserted-Identity: <tel:+1555>\r\n",
				  buf, sizeof(buf)), 0);
	UNIT_ASSERT_STR(buf, "sip:a@x");

	/* else From */
	UNIT_ASSERT_INT(sender_of("\"Bob\" <sip:bob@example.com;user=phone>"
				  ";tag=f1", "", buf, sizeof(buf)), 0);
	UNIT_ASSERT_STR(buf, "sip:bob@example.com;user=phone");
	UNIT_ASSERT_INT(sender_of("sip:bob@example.com;tag=f1", "", buf,
				  sizeof(buf)), 0);
	UNIT_ASSERT_STR(buf, "sip:bob@example.com");

	/* which of the two it was */
	{
		struct sip_msg *msg = msg_from(FROM, "P-Asserted-Identity: "
					       "<sip:a@x>\r\n");
		bool asserted = false;

		CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
		UNIT_ASSERT_INT(pushreq_sender(msg, buf, sizeof(buf),
					       &asserted), 0);
		CU_ASSERT(asserted);
		mem_deref(msg);

		msg = msg_from(FROM, "");
		CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
		UNIT_ASSERT_INT(pushreq_sender(msg, buf, sizeof(buf),
					       &asserted), 0);
		CU_ASSERT(!asserted);
		mem_deref(msg);
	}
}


/* "<sip:uu...u@x>;tag=1" with a URI of exactly len characters */
static const char *from_len(char *buf, size_t len)
{
	char user[400];

	(void)re_snprintf(buf, 420, "<sip:%s@x>;tag=1",
			  fill(user, 'u', len - strlen("sip:@x")));
	return buf;
}


static void test_sender_limits(void)
{
	char buf[PUSHREQ_SENDER_MAX + 1], from[420], pai[440];

	/* exactly 255 characters */
	UNIT_ASSERT_INT(sender_of(from_len(from, PUSHREQ_SENDER_MAX), "", buf,
				  sizeof(buf)), 0);
	UNIT_ASSERT_INT(strlen(buf), PUSHREQ_SENDER_MAX);
	CU_ASSERT_NSTRING_EQUAL(buf, "sip:uuu", 7);

	/* 256: too long */
	UNIT_ASSERT_INT(sender_of(from_len(from, PUSHREQ_SENDER_MAX + 1), "",
				  buf, sizeof(buf)), EOVERFLOW);

	/* the same through P-Asserted-Identity */
	(void)re_snprintf(pai, sizeof(pai), "P-Asserted-Identity: %b\r\n",
			  from, strcspn(from, ";"));
	UNIT_ASSERT_INT(sender_of(FROM, pai, buf, sizeof(buf)), EOVERFLOW);
	(void)re_snprintf(pai, sizeof(pai), "P-Asserted-Identity: %s\r\n",
			  from_len(from, PUSHREQ_SENDER_MAX));
	*strchr(pai, ';') = '\0';
	strcat(pai, "\r\n");
	UNIT_ASSERT_INT(sender_of(FROM, pai, buf, sizeof(buf)), 0);
	UNIT_ASSERT_INT(strlen(buf), PUSHREQ_SENDER_MAX);

	/* a small buffer: "sip:sender@example.com" is 22 characters */
	UNIT_ASSERT_INT(sender_of(FROM, "", buf, 10), EOVERFLOW);
	UNIT_ASSERT_INT(sender_of(FROM, "", buf, 22), EOVERFLOW);
	UNIT_ASSERT_INT(sender_of(FROM, "", buf, 23), 0);
	UNIT_ASSERT_STR(buf, "sip:sender@example.com");

	/* bytes outside printable ASCII */
	UNIT_ASSERT_INT(sender_of("<sip:j\xc3\xb6rg@example.com>;tag=1", "",
				  buf, sizeof(buf)), EBADMSG);

	UNIT_ASSERT_INT(pushreq_sender(NULL, buf, sizeof(buf), NULL), EINVAL);
}


/* --- pushreq_ctype --------------------------------------------------- */

static int ctype_of(const char *hdrs, char *buf, size_t sz)
{
	struct sip_msg *msg = msg_hdrs(hdrs);
	int err;

	buf[0] = '\0';
	if (!msg)
		return -1;

	err = pushreq_ctype(msg, buf, sz);
	mem_deref(msg);
	return err;
}


static void test_ctype(void)
{
	char buf[PUSHREQ_CTYPE_MAX + 1];

	UNIT_ASSERT_INT(ctype_of(CT "TEXT/Plain;Charset=UTF-8\r\n", buf,
				 sizeof(buf)), 0);
	UNIT_ASSERT_STR(buf, "text/plain;Charset=UTF-8");

	UNIT_ASSERT_INT(ctype_of(CT "Application/VND.WAP.MMS-Message\r\n",
				 buf, sizeof(buf)), 0);
	UNIT_ASSERT_STR(buf, "application/vnd.wap.mms-message");

	UNIT_ASSERT_INT(ctype_of(CT "text/plain; charset=\"UTF-8\"\r\n", buf,
				 sizeof(buf)), 0);
	UNIT_ASSERT_STR(buf, "text/plain; charset=\"UTF-8\"");

	UNIT_ASSERT_INT(ctype_of("c: Text/HTML\r\n", buf, sizeof(buf)), 0);
	UNIT_ASSERT_STR(buf, "text/html");

	UNIT_ASSERT_INT(ctype_of("", buf, sizeof(buf)), ENOENT);
	UNIT_ASSERT_INT(ctype_of(XWAP "mms.ua\r\n", buf, sizeof(buf)), ENOENT);

	/* non-printable in the media type */
	UNIT_ASSERT_INT(ctype_of(CT "t\xc3\xa9xt/plain\r\n", buf, sizeof(buf)),
			EBADMSG);

	UNIT_ASSERT_INT(pushreq_ctype(NULL, buf, sizeof(buf)), EINVAL);
}


/* "Content-Type: application/xx...x" of a media type len long */
static const char *ctype_len(char *buf, size_t len)
{
	char sub[300];

	(void)re_snprintf(buf, 400, CT "application/%s\r\n",
			  fill(sub, 'x', len - strlen("application/")));
	return buf;
}


/* PUSHREQ_CTYPE_MAX characters fit a PUSHREQ_CTYPE_MAX + 1 buffer. */
static void test_ctype_limit(void)
{
	char buf[PUSHREQ_CTYPE_MAX + 1], hdr[400];

	UNIT_ASSERT_INT(ctype_of(ctype_len(hdr, PUSHREQ_CTYPE_MAX - 1), buf,
				 sizeof(buf)), 0);
	UNIT_ASSERT_INT(strlen(buf), PUSHREQ_CTYPE_MAX - 1);

	UNIT_ASSERT_INT(ctype_of(ctype_len(hdr, PUSHREQ_CTYPE_MAX + 1), buf,
				 sizeof(buf)), EOVERFLOW);
	UNIT_ASSERT_INT(ctype_of(ctype_len(hdr, 200), buf, sizeof(buf)),
			EOVERFLOW);

	UNIT_ASSERT_INT(ctype_of(ctype_len(hdr, PUSHREQ_CTYPE_MAX), buf,
				 sizeof(buf)), 0);
	UNIT_ASSERT_INT(strlen(buf), PUSHREQ_CTYPE_MAX);
}


/* What pushreq_ctype() passes must be fit for an IPC header line: the
 * parameters come from the network as much as the media type does. */
static void test_ctype_params_checked(void)
{
	static const char *const hdrs[] = {
		CT "text/plain;charset=\"\xc3\xa9\"\r\n",
		CT "text/plain;a=\x01\r\n",
		CT "text/plain;a=\x7f\r\n",
	};
	char buf[PUSHREQ_CTYPE_MAX + 1];

	for (size_t i = 0; i < ARRAY_SIZE(hdrs); i++) {
		char what[160];
		int err = ctype_of(hdrs[i], buf, sizeof(buf));

		(void)re_snprintf(what, sizeof(what), "pushreq_ctype() of a "
				  "non-printable parameter (case %zu) == "
				  "EBADMSG (got %d, \"%s\")", i, err,
				  err ? "" : buf);
		CU_assertImplementation(err == EBADMSG, __LINE__, what,
					__FILE__, "", CU_FALSE);
	}

	/* a TAB is legal whitespace in SIP, but must not reach the app */
	{
		struct mbuf *mb = mbuf_alloc(256);
		struct push p = {
			.appid = MMS, .ctype = buf, .sender = "sip:a@b",
			.transport = "sip-udp", .body = (const uint8_t *)"hi",
			.len = 2,
		};
		int err = ctype_of(CT "text/plain;\tcharset=utf-8\r\n", buf,
				   sizeof(buf));

		CU_ASSERT_FATAL(mb != NULL);
		if (!err)
			UNIT_ASSERT_INT(ipc_push_encode(mb, &p), 0);
		else
			UNIT_ASSERT_INT(err, EBADMSG);
		mem_deref(mb);
	}
}


/* --- pushreq_expired ------------------------------------------------- */

/* Sat, 13 Nov 2010 23:29:00 GMT */
#define T_DATE "Sat, 13 Nov 2010 23:29:00 GMT"
static const time_t t_date = 1289690940;


static bool expired_of(const char *hdrs, time_t now)
{
	struct sip_msg *msg = msg_hdrs(hdrs);
	bool e;

	CU_ASSERT_FATAL(msg != NULL);
	e = pushreq_expired(msg, now);
	mem_deref(msg);
	return e;
}


static void test_expired(void)
{
	time_t now = time(NULL);
	char hdrs[128], date[64];
	struct tm tm;

	CU_ASSERT_FALSE(expired_of("", now));
	CU_ASSERT_FALSE(expired_of("Date: " T_DATE "\r\n", now));

	CU_ASSERT_TRUE(expired_of("Expires: 0\r\n", now));
	CU_ASSERT_TRUE(expired_of("Date: " T_DATE "\r\nExpires: 0\r\n",
				  t_date));

	/* Date long past + 10 s */
	CU_ASSERT_TRUE(expired_of("Date: " T_DATE "\r\nExpires: 10\r\n", now));

	/* Date now + 3600 s */
	CU_ASSERT_FATAL(gmtime_r(&now, &tm) != NULL);
	CU_ASSERT_FATAL(strftime(date, sizeof(date),
				 "%a, %d %b %Y %H:%M:%S GMT", &tm) > 0);
	(void)re_snprintf(hdrs, sizeof(hdrs), "Date: %s\r\nExpires: 3600\r\n",
			  date);
	CU_ASSERT_FALSE(expired_of(hdrs, now));
	CU_ASSERT_FALSE(expired_of(hdrs, now + 3600));
	CU_ASSERT_TRUE(expired_of(hdrs, now + 3601));

	/* the edge: Date + Expires is still good, one second later not */
	CU_ASSERT_FALSE(expired_of("Date: " T_DATE "\r\nExpires: 10\r\n",
				   t_date + 10));
	CU_ASSERT_TRUE(expired_of("Date: " T_DATE "\r\nExpires: 10\r\n",
				  t_date + 11));
	CU_ASSERT_FALSE(expired_of("Date: " T_DATE "\r\nExpires: 10\r\n",
				   t_date - 100));

	/* without a usable Date only Expires: 0 says anything */
	CU_ASSERT_FALSE(expired_of("Expires: 10\r\n", now));
	CU_ASSERT_FALSE(expired_of("Date: yesterday\r\nExpires: 10\r\n", now));
	CU_ASSERT_FALSE(expired_of("Date: 13 Nov 2010 23:29:00 GMT\r\n"
				   "Expires: 10\r\n", now));

	CU_ASSERT_FALSE(pushreq_expired(NULL, now));
}


static uint64_t expiry_of(const char *hdrs, time_t now)
{
	struct sip_msg *msg = msg_hdrs(hdrs);
	uint64_t e;

	CU_ASSERT_FATAL(msg != NULL);
	e = pushreq_expiry(msg, now);
	mem_deref(msg);
	return e;
}


/* For the store: when a kept push is to be dropped. */
static void test_expiry(void)
{
	UNIT_ASSERT_INT(expiry_of("", 5000), 0);
	UNIT_ASSERT_INT(expiry_of("Date: " T_DATE "\r\n", 5000), 0);
	UNIT_ASSERT_INT(expiry_of("Expires: x\r\n", 5000), 0);
	UNIT_ASSERT_INT(expiry_of("Expires: 10\r\n", 5000), 5010);
	UNIT_ASSERT_INT(expiry_of("Expires: 0\r\n", 5000), 5000);
	UNIT_ASSERT_INT(expiry_of("Date: " T_DATE "\r\nExpires: 60\r\n",
				  5000), t_date + 60);
	UNIT_ASSERT_INT(expiry_of("Date: yesterday\r\nExpires: 60\r\n",
				  5000), 5060);
	UNIT_ASSERT_INT(pushreq_expiry(NULL, 5000), 0);
}


/* Expires is delta-seconds below 2^32 (RFC 3261 section 20.19): a value
 * out of that range, or no number at all, is not "Expires: 0". */
static void test_expires_not_zero(void)
{
	time_t now = time(NULL);

	CU_ASSERT_FALSE(expired_of("Expires: 4294967295\r\n", now));
	CU_ASSERT_FALSE(expired_of("Expires: 4294967296\r\n", now));
	CU_ASSERT_FALSE(expired_of("Expires: 42949672960\r\n", now));
	CU_ASSERT_FALSE(expired_of("Expires: soon\r\n", now));
}


/* --- pushreq_transport ----------------------------------------------- */

static void test_transport(void)
{
	struct sip_msg *msg = msg_hdrs("");

	CU_ASSERT_FATAL(msg != NULL);

	msg->tp = SIP_TRANSP_UDP;
	UNIT_ASSERT_STR(pushreq_transport(msg), "sip-udp");
	msg->tp = SIP_TRANSP_TCP;
	UNIT_ASSERT_STR(pushreq_transport(msg), "sip-tcp");
	msg->tp = SIP_TRANSP_TLS;
	UNIT_ASSERT_STR(pushreq_transport(msg), "sip-tls");
	msg->tp = SIP_TRANSP_WS;
	UNIT_ASSERT_STR(pushreq_transport(msg), "sip");
	msg->tp = SIP_TRANSP_NONE;
	UNIT_ASSERT_STR(pushreq_transport(msg), "sip");
	UNIT_ASSERT_STR(pushreq_transport(NULL), "sip");

	mem_deref(msg);
}


static CU_TestInfo target_tests[] = {
	{"Accept-Contact, one value", test_ac_single},
	{"Accept-Contact, compact form a:", test_ac_compact},
	{"Accept-Contact, list value", test_ac_list},
	{"two Accept-Contact headers", test_ac_two_headers},
	{";require: no fallback", test_ac_require},
	{"X-Wap-Application-Id fallback", test_xwap_fallback},
	{"route_ctype fallback", test_ctype_fallback},
	{"named but not served", test_named_unserved},
	{"%3A escapes", test_escapes},
	{"malformed IDs", test_malformed},
	{"no ID anywhere", test_none},
	CU_TEST_INFO_NULL
};

static CU_TestInfo field_tests[] = {
	{"sender: P-Asserted-Identity, else From", test_sender},
	{"sender: limits", test_sender_limits},
	{"content type", test_ctype},
	{"content type: length limit", test_ctype_limit},
	{"content type: parameters checked", test_ctype_params_checked},
	{"expiry", test_expired},
	{"expiry: odd Expires values", test_expires_not_zero},
	{"expiry time of a push kept in the store", test_expiry},
	{"transport names", test_transport},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"pushreq target", unit_libre_init, unit_libre_close, setup, teardown,
	 target_tests},
	{"pushreq fields", unit_libre_init, unit_libre_close, setup, teardown,
	 field_tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_pushreq", suites);
}
