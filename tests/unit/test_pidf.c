/* test_pidf.c: the PIDF capability document written for PUBLISH. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "pidf.h"
#include "xml.h"
#include "unit.h"

static char trace[4096];

static int start_h(unsigned depth, const char *ns, const char *name,
		   const char **attrs, void *arg)
{
	const char *v = xml_attr(attrs, depth == 1 ? "entity" : "id");
	(void)arg;
	(void)re_snprintf(trace + strlen(trace), sizeof(trace) -
			  strlen(trace), "<%s%s%s%s>",
			  !strcmp(ns, "urn:oma:xml:prs:pidf:oma-pres") ? "op:" :
			  !strcmp(ns, "urn:ietf:params:xml:ns:pidf") ? "" :
			  "?:", name, v ? " " : "", v ? v : "");
	return 0;
}


static int end_h(unsigned depth, const char *ns, const char *name,
		 const char *text, size_t len, void *arg)
{
	struct pl pl = {text, len};
	(void)depth;
	(void)ns;
	(void)name;
	(void)arg;

	while (pl.l && strchr(" \r\n", pl.p[0]))
		pl_advance(&pl, 1);
	while (pl.l && strchr(" \r\n", pl.p[pl.l - 1]))
		pl.l--;
	(void)re_snprintf(trace + strlen(trace), sizeof(trace) -
			  strlen(trace), "%r/", &pl);
	return 0;
}


static int write_and_read(const struct pidf_service *sv, size_t n)
{
	struct mbuf *mb = mbuf_alloc(1024);
	char err[XML_ERR_SIZE];
	int e;

	trace[0] = '\0';
	if (!mb)
		return ENOMEM;

	e = pidf_encode(mb, "sip:pra@sippush.test",
			"sip:pra@127.0.0.1:5071;ob", sv, n);
	if (!e)
		e = xml_parse((char *)mb->buf, mb->end, start_h, end_h, NULL,
			      err, sizeof(err));
	mem_deref(mb);
	return e;
}


static void test_services(void)
{
	const struct pidf_service sv[] = {
		{"x-wap-application:mms.ua", NULL,
		 "application/vnd.wap.mms-message"},
		{"x-oma-application:ulp.ua", "2.0", NULL},
	};

	UNIT_ASSERT_INT(write_and_read(sv, 2), 0);
	UNIT_ASSERT_STR(trace,
		"<presence sip:pra@sippush.test>"
		"<tuple s0><status><basic>open//"
		"<op:service-description>"
		"<op:service-id>x-wap-application:mms.ua/"
		"<op:version>1.0/"
		"<op:description>application/vnd.wap.mms-message//"
		"<contact>sip:pra@127.0.0.1:5071;ob//"
		"<tuple s1><status><basic>open//"
		"<op:service-description>"
		"<op:service-id>x-oma-application:ulp.ua/"
		"<op:version>2.0//"
		"<contact>sip:pra@127.0.0.1:5071;ob///");
}


static void test_none(void)
{
	UNIT_ASSERT_INT(write_and_read(NULL, 0), 0);
	UNIT_ASSERT_STR(trace, "<presence sip:pra@sippush.test>"
			"<tuple none><status><basic>closed////");
}


static void test_escaped(void)
{
	const struct pidf_service sv[] = {
		{"x-oma-application:a&b<c>", NULL, "\"q\""},
	};

	UNIT_ASSERT_INT(write_and_read(sv, 1), 0);
	UNIT_ASSERT_CONTAINS(trace, "<op:service-id>"
			     "x-oma-application:a&b<c>/");
	UNIT_ASSERT_CONTAINS(trace, "<op:description>\"q\"/");
}


static void test_refused(void)
{
	const struct pidf_service bad[] = {{"", NULL, NULL}};
	const struct pidf_service ctl[] = {{"a\x01", NULL, NULL}};
	struct mbuf *mb = mbuf_alloc(256);

	CU_ASSERT_FATAL(mb != NULL);
	UNIT_ASSERT_INT(pidf_encode(mb, "sip:a@b", NULL, bad, 1), EINVAL);
	UNIT_ASSERT_INT(pidf_encode(mb, "sip:a@b", NULL, ctl, 1), EINVAL);
	UNIT_ASSERT_INT(pidf_encode(mb, NULL, NULL, NULL, 0), EINVAL);
	UNIT_ASSERT_INT(pidf_encode(mb, "sip:a@b", NULL, ctl,
				    PIDF_SERVICES_MAX + 1), EINVAL);
	UNIT_ASSERT_INT(pidf_encode(mb, "sip:a@b", NULL, NULL, 0), 0);
	mem_deref(mb);
}


static CU_TestInfo tests[] = {
	{"one tuple per service", test_services},
	{"no service: one closed tuple", test_none},
	{"values escaped", test_escaped},
	{"unwritable input refused", test_refused},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"pidf", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_pidf", suites);
}
