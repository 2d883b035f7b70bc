/* test_imdn.c: IMDN documents read and written, the Disposition-Notification list. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "imdn.h"
#include "xml.h"
#include "unit.h"

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\n"

/* RFC 5438 §7.2.1.1 style example */
static const char rfc_delivery[] = HEAD
	"  <message-id>34jk324j</message-id>\n"
	"  <datetime>2008-04-04T12:16:49-05:00</datetime>\n"
	"  <recipient-uri>im:bob@example.com</recipient-uri>\n"
	"  <original-recipient-uri>im:bob@example.com"
	"</original-recipient-uri>\n"
	"  <delivery-notification>\n"
	"    <status><delivered/></status>\n"
	"  </delivery-notification>\n"
	"</imdn>\n";


static int dec(struct imdn *im, const char *doc, char *err, size_t sz)
{
	return imdn_decode(im, doc, strlen(doc), err, sz);
}


static void test_decode_rfc(void)
{
	struct imdn im;
	char err[XML_ERR_SIZE];

	UNIT_ASSERT_INT(dec(&im, rfc_delivery, err, sizeof(err)), 0);
	UNIT_ASSERT_STR(im.msgid, "34jk324j");
	UNIT_ASSERT_STR(im.datetime, "2008-04-04T12:16:49-05:00");
	UNIT_ASSERT_STR(im.recipient, "im:bob@example.com");
	UNIT_ASSERT_STR(im.orig_recipient, "im:bob@example.com");
	UNIT_ASSERT_INT(im.kind, IMDN_DELIVERY);
	UNIT_ASSERT_INT(im.status, IMDN_DELIVERED);
	UNIT_ASSERT_INT(im.code, 0);
}


static void test_decode_kinds(void)
{
	static const struct {
		const char *notif, *status;
		int err;
		enum imdn_kind kind;
		enum imdn_status st;
	} t[] = {
		{"delivery-notification", "delivered", 0, IMDN_DELIVERY,
		 IMDN_DELIVERED},
		{"delivery-notification", "failed", 0, IMDN_DELIVERY,
		 IMDN_FAILED},
		{"delivery-notification", "forbidden", 0, IMDN_DELIVERY,
		 IMDN_FORBIDDEN},
		{"display-notification", "displayed", 0, IMDN_DISPLAY,
		 IMDN_DISPLAYED},
		{"display-notification", "error", 0, IMDN_DISPLAY,
		 IMDN_ERROR},
		{"processing-notification", "processed", 0, IMDN_PROCESSING,
		 IMDN_PROCESSED},
		{"processing-notification", "stored", 0, IMDN_PROCESSING,
		 IMDN_STORED},
		/* a status that does not belong to the notification */
		{"delivery-notification", "displayed", EPROTO, 0, 0},
		{"display-notification", "delivered", EPROTO, 0, 0},
		{"processing-notification", "failed", EPROTO, 0, 0},
		/* an unknown status value: no value at all */
		{"delivery-notification", "exploded", EPROTO, 0, 0},
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char doc[512], err[XML_ERR_SIZE];
		struct imdn im;

		(void)re_snprintf(doc, sizeof(doc), HEAD
				  "<message-id>a</message-id>"
				  "<datetime>2024-05-01T10:00:00Z</datetime>"
				  "<%s><status><%s/></status></%s></imdn>",
				  t[i].notif, t[i].status, t[i].notif);

		UNIT_ASSERT_INT(dec(&im, doc, err, sizeof(err)), t[i].err);
		if (t[i].err) {
			CU_ASSERT(err[0] != '\0');
			UNIT_ASSERT_STR(im.msgid, "");
			continue;
		}
		UNIT_ASSERT_INT(im.kind, t[i].kind);
		UNIT_ASSERT_INT(im.status, t[i].st);
	}
}


static void test_decode_invalid(void)
{
	static const struct {
		const char *doc;
		int err;
		const char *why;
	} t[] = {
		{"<imdn xmlns='urn:ietf:params:xml:ns:imdn'>"
		 "<message-id>a</message-id>", EBADMSG, "line 1"},
		{"<imdn><message-id>a</message-id></imdn>", EPROTO,
		 "root is not <imdn>"},
		{HEAD "<datetime>2024-05-01T10:00:00Z</datetime>"
		 "<delivery-notification><status><delivered/></status>"
		 "</delivery-notification></imdn>", EPROTO,
		 "missing <message-id>"},
		{HEAD "<message-id>a</message-id>"
		 "<delivery-notification><status><delivered/></status>"
		 "</delivery-notification></imdn>", EPROTO,
		 "missing <datetime>"},
		{HEAD "<message-id>a</message-id>"
		 "<datetime>2024-05-01T10:00:00Z</datetime></imdn>", EPROTO,
		 "missing notification"},
		{HEAD "<message-id>a</message-id>"
		 "<datetime>2024-05-01T10:00:00Z</datetime>"
		 "<delivery-notification></delivery-notification></imdn>",
		 EPROTO, "missing <status>"},
		{HEAD "<message-id>a b</message-id>"
		 "<datetime>2024-05-01T10:00:00Z</datetime>"
		 "<delivery-notification><status><delivered/></status>"
		 "</delivery-notification></imdn>", EPROTO, "<message-id>"},
		{HEAD "<message-id>a</message-id><message-id>b</message-id>"
		 "<datetime>2024-05-01T10:00:00Z</datetime>"
		 "<delivery-notification><status><delivered/></status>"
		 "</delivery-notification></imdn>", EPROTO, "repeated"},
		{HEAD "<message-id>a</message-id>"
		 "<datetime>tomorrow</datetime>"
		 "<delivery-notification><status><delivered/></status>"
		 "</delivery-notification></imdn>", EPROTO, "<datetime>"},
		{HEAD "<message-id>a</message-id>"
		 "<datetime>2024-05-01T10:00:00Z</datetime>"
		 "<delivery-notification><status><delivered/></status>"
		 "</delivery-notification>"
		 "<display-notification><status><displayed/></status>"
		 "</display-notification></imdn>", EPROTO,
		 "more than one notification"},
		{HEAD "<message-id>a</message-id>"
		 "<datetime>2024-05-01T10:00:00Z</datetime>"
		 "<delivery-notification><status><delivered/><failed/>"
		 "</status></delivery-notification></imdn>", EPROTO,
		 "more than one status value"},
		{"<!DOCTYPE imdn [<!ENTITY x 'y'>]>" HEAD "</imdn>", EPROTO,
		 "DOCTYPE"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct imdn im;
		char err[XML_ERR_SIZE];

		UNIT_ASSERT_INT(dec(&im, t[i].doc, err, sizeof(err)),
				t[i].err);
		UNIT_ASSERT_CONTAINS(err, t[i].why);
	}
}


static void test_decode_extensions(void)
{
	struct imdn im;
	char err[XML_ERR_SIZE];
	const char *doc = HEAD
		"<message-id>x-1</message-id>"
		"<datetime>2024-05-01T10:00:00Z</datetime>"
		"<subject>hello</subject>"
		"<delivery-notification><status><failed/></status>"
		"</delivery-notification>"
		"<e:thing xmlns:e='urn:example:ext'><e:deep>1</e:deep>"
		"</e:thing>"
		"<reason xmlns='urn:x-sippushd:xml:ns:imdn-reason' "
		"code='415'>Unsupported Media Type</reason>"
		"</imdn>";

	UNIT_ASSERT_INT(dec(&im, doc, err, sizeof(err)), 0);
	UNIT_ASSERT_INT(im.status, IMDN_FAILED);
	UNIT_ASSERT_INT(im.code, 415);
	UNIT_ASSERT_STR(im.reason, "Unsupported Media Type");
}


static void test_encode_roundtrip(void)
{
	static const struct imdn in[] = {
		{"Hr1BCcvD", "2024-05-01T10:00:00Z", "sip:pra@example.net",
		 "", IMDN_DELIVERY, IMDN_DELIVERED, 0, ""},
		{"a.b-c_d", "2024-05-01T10:00:00.5+02:00", "", "",
		 IMDN_DELIVERY, IMDN_FORBIDDEN, 403, "Forbidden & <gone>"},
		{"z", "2024-05-01T10:00:00Z", "", "sip:o@x", IMDN_DISPLAY,
		 IMDN_DISPLAYED, 0, ""},
		{"p", "2024-05-01T10:00:00Z", "", "", IMDN_PROCESSING,
		 IMDN_PROCESSED, 0, ""},
	};

	for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
		struct mbuf *mb = mbuf_alloc(512);
		struct imdn out;
		char err[XML_ERR_SIZE];

		CU_ASSERT_FATAL(mb != NULL);
		UNIT_ASSERT_INT(mbuf_printf(mb, "%H", imdn_encode, &in[i]), 0);
		UNIT_ASSERT_INT(imdn_decode(&out, (char *)mb->buf, mb->end,
					    err, sizeof(err)), 0);
		UNIT_ASSERT_STR(out.msgid, in[i].msgid);
		UNIT_ASSERT_STR(out.datetime, in[i].datetime);
		UNIT_ASSERT_STR(out.recipient, in[i].recipient);
		UNIT_ASSERT_STR(out.orig_recipient, in[i].orig_recipient);
		UNIT_ASSERT_INT(out.kind, in[i].kind);
		UNIT_ASSERT_INT(out.status, in[i].status);
		UNIT_ASSERT_INT(out.code, in[i].code);
		UNIT_ASSERT_STR(out.reason, in[i].reason);
		mem_deref(mb);
	}
}


static void test_encode_exact(void)
{
	struct imdn im = {"Hr1BCcvD", "2024-05-01T10:00:00Z", "", "",
			  IMDN_DELIVERY, IMDN_DELIVERED, 0, ""};
	char buf[512];

	CU_ASSERT(re_snprintf(buf, sizeof(buf), "%H", imdn_encode, &im) > 0);
	UNIT_ASSERT_STR(buf,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
		"<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\r\n"
		"<message-id>Hr1BCcvD</message-id>\r\n"
		"<datetime>2024-05-01T10:00:00Z</datetime>\r\n"
		"<delivery-notification><status><delivered/></status>"
		"</delivery-notification>\r\n"
		"</imdn>\r\n");
}


static void test_encode_refuses(void)
{
	struct imdn ok = {"a", "2024-05-01T10:00:00Z", "", "",
			  IMDN_DELIVERY, IMDN_DELIVERED, 0, ""};
	struct imdn im;
	char buf[512];

	im = ok;
	strcpy(im.msgid, "a<b");
	CU_ASSERT(re_snprintf(buf, sizeof(buf), "%H", imdn_encode, &im) < 0);

	im = ok;
	im.msgid[0] = '\0';
	CU_ASSERT(re_snprintf(buf, sizeof(buf), "%H", imdn_encode, &im) < 0);

	im = ok;
	strcpy(im.datetime, "now");
	CU_ASSERT(re_snprintf(buf, sizeof(buf), "%H", imdn_encode, &im) < 0);

	im = ok;
	im.status = IMDN_DISPLAYED;   /* not a delivery status */
	CU_ASSERT(re_snprintf(buf, sizeof(buf), "%H", imdn_encode, &im) < 0);

	im = ok;
	strcpy(im.recipient, "sip:\x01@x");
	CU_ASSERT(re_snprintf(buf, sizeof(buf), "%H", imdn_encode, &im) < 0);

	CU_ASSERT(re_snprintf(buf, sizeof(buf), "%H", imdn_encode, &ok) > 0);
}


static void test_dispo(void)
{
	static const struct {
		const char *val;
		int err;
		unsigned bits;
	} t[] = {
		{"positive-delivery", 0, IMDN_WANT_POSITIVE},
		{"positive-delivery, negative-delivery", 0,
		 IMDN_WANT_POSITIVE | IMDN_WANT_NEGATIVE},
		{"Negative-Delivery,display ,  processing", 0,
		 IMDN_WANT_NEGATIVE | IMDN_WANT_DISPLAY |
		 IMDN_WANT_PROCESSING},
		{"display, x-future", 0, IMDN_WANT_DISPLAY},
		{"x-future", 0, 0},
		{"", EBADMSG, 0},
		{"display,", EBADMSG, 0},
		{",display", EBADMSG, 0},
		{"display;q=1", EBADMSG, 0},
		{"a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a", EBADMSG, 0},
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct pl pl;
		unsigned bits = 0xdead;

		pl_set_str(&pl, t[i].val);
		UNIT_ASSERT_INT(imdn_dispo_decode(&bits, &pl), t[i].err);
		if (!t[i].err)
			UNIT_ASSERT_INT(bits, t[i].bits);
		else
			UNIT_ASSERT_INT(bits, 0xdead);
	}
}


static void test_id_and_negative(void)
{
	struct pl pl;
	char big[IMDN_ID_MAX + 2];

	pl_set_str(&pl, "34jk324j");
	UNIT_ASSERT_INT(imdn_id_check(&pl), 0);
	pl_set_str(&pl, "a/b");
	UNIT_ASSERT_INT(imdn_id_check(&pl), EBADMSG);
	pl_set_str(&pl, "");
	UNIT_ASSERT_INT(imdn_id_check(&pl), EBADMSG);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pl_set_str(&pl, big);
	UNIT_ASSERT_INT(imdn_id_check(&pl), EBADMSG);
	pl.l--;
	UNIT_ASSERT_INT(imdn_id_check(&pl), 0);

	UNIT_ASSERT_INT(imdn_negative_status(403), IMDN_FORBIDDEN);
	UNIT_ASSERT_INT(imdn_negative_status(603), IMDN_FORBIDDEN);
	UNIT_ASSERT_INT(imdn_negative_status(500), IMDN_ERROR);
	UNIT_ASSERT_INT(imdn_negative_status(0), IMDN_ERROR);
	UNIT_ASSERT_INT(imdn_negative_status(415), IMDN_FAILED);
	UNIT_ASSERT_INT(imdn_negative_status(480), IMDN_FAILED);
	UNIT_ASSERT_STR(imdn_status_name(IMDN_STORED), "stored");
	UNIT_ASSERT_STR(imdn_kind_name(IMDN_DISPLAY), "display-notification");
}


static CU_TestInfo tests[] = {
	{"RFC 5438 delivery example", test_decode_rfc},
	{"each notification and status", test_decode_kinds},
	{"invalid documents refused with a reason", test_decode_invalid},
	{"extensions skipped, our reason read", test_decode_extensions},
	{"written documents read back", test_encode_roundtrip},
	{"written document byte-exact", test_encode_exact},
	{"unwritable notifications refused", test_encode_refuses},
	{"Disposition-Notification list", test_dispo},
	{"Message-ID check, negative status", test_id_and_negative},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"imdn", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_imdn", suites);
}
