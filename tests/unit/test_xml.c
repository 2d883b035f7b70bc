/* test_xml.c: the bounded expat reader and the escaping printer. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "xml.h"
#include "unit.h"

/* Records the events as text: "+ns|name@depth", "-name=text". */
static char trace[2048];

static int start_h(unsigned depth, const char *ns, const char *name,
		   const char **attrs, void *arg)
{
	const char *a = xml_attr(attrs, "a");
	(void)arg;

	(void)re_snprintf(trace + strlen(trace), sizeof(trace) -
			  strlen(trace), "+%s|%s@%u%s%s ", ns, name, depth,
			  a ? " a=" : "", a ? a : "");
	return 0;
}


static int end_h(unsigned depth, const char *ns, const char *name,
		 const char *text, size_t len, void *arg)
{
	(void)depth;
	(void)ns;
	(void)arg;

	(void)re_snprintf(trace + strlen(trace), sizeof(trace) -
			  strlen(trace), "-%s=%b ", name, text, len);
	return 0;
}


static int parse(const char *doc, char *err, size_t errsz)
{
	trace[0] = '\0';
	return xml_parse(doc, strlen(doc), start_h, end_h, NULL, err, errsz);
}


static void test_namespaces(void)
{
	char err[XML_ERR_SIZE];

	UNIT_ASSERT_INT(parse("<r xmlns='urn:a' xmlns:b='urn:b'>"
			      "<b:x a='1'>t&amp;u</b:x><y>v</y></r>",
			      err, sizeof(err)), 0);
	UNIT_ASSERT_STR(trace, "+urn:a|r@1 +urn:b|x@2 a=1 -x=t&u "
			"+urn:a|y@2 -y=v -r= ");
	UNIT_ASSERT_STR(err, "");

	/* no namespace at all */
	UNIT_ASSERT_INT(parse("<r><x>1</x></r>", NULL, 0), 0);
	UNIT_ASSERT_STR(trace, "+|r@1 +|x@2 -x=1 -r= ");
}


static void test_malformed(void)
{
	char err[XML_ERR_SIZE];

	UNIT_ASSERT_INT(parse("<r><x></r>", err, sizeof(err)), EBADMSG);
	UNIT_ASSERT_CONTAINS(err, "line 1:");
	UNIT_ASSERT_CONTAINS(err, "mismatched tag");

	UNIT_ASSERT_INT(parse("<r>\n<x>", err, sizeof(err)), EBADMSG);
	UNIT_ASSERT_CONTAINS(err, "line 2:");

	UNIT_ASSERT_INT(parse("", err, sizeof(err)), EBADMSG);
	UNIT_ASSERT_INT(parse("<r/><r/>", err, sizeof(err)), EBADMSG);
	UNIT_ASSERT_INT(parse("<r xmlns:p='urn:p'><q:x/></r>", err,
			      sizeof(err)), EBADMSG);
	UNIT_ASSERT_INT(xml_parse(NULL, 0, NULL, NULL, NULL, err,
				  sizeof(err)), EINVAL);
}


static void test_no_dtd(void)
{
	char err[XML_ERR_SIZE];
	const char *laughs =
		"<?xml version='1.0'?>\n"
		"<!DOCTYPE r [<!ENTITY a 'aaaaaaaaaa'>"
		"<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]>\n"
		"<r>&b;</r>";
	const char *ext =
		"<!DOCTYPE r SYSTEM 'file:///etc/passwd'><r/>";

	UNIT_ASSERT_INT(parse(laughs, err, sizeof(err)), EPROTO);
	UNIT_ASSERT_CONTAINS(err, "DOCTYPE not allowed");
	UNIT_ASSERT_STR(trace, "");

	UNIT_ASSERT_INT(parse(ext, err, sizeof(err)), EPROTO);

	/* an undeclared entity is not well-formed */
	UNIT_ASSERT_INT(parse("<r>&x;</r>", err, sizeof(err)), EBADMSG);
}


static void test_bounds(void)
{
	char err[XML_ERR_SIZE];
	char *doc;
	size_t n = 0;

	doc = mem_zalloc(XML_DOC_MAX + 64, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);

	/* nesting: XML_DEPTH_MAX is fine, one more is not */
	for (unsigned i = 0; i < XML_DEPTH_MAX; i++)
		n += (size_t)re_snprintf(doc + n, 8, "<e>");
	for (unsigned i = 0; i < XML_DEPTH_MAX; i++)
		n += (size_t)re_snprintf(doc + n, 8, "</e>");
	UNIT_ASSERT_INT(parse(doc, err, sizeof(err)), 0);

	n = 0;
	for (unsigned i = 0; i <= XML_DEPTH_MAX; i++)
		n += (size_t)re_snprintf(doc + n, 8, "<e>");
	for (unsigned i = 0; i <= XML_DEPTH_MAX; i++)
		n += (size_t)re_snprintf(doc + n, 8, "</e>");
	UNIT_ASSERT_INT(parse(doc, err, sizeof(err)), EOVERFLOW);
	UNIT_ASSERT_CONTAINS(err, "nested too deep");

	/* text of one element: XML_TEXT_MAX is fine, one more is not */
	memcpy(doc, "<e>", 3);
	memset(doc + 3, 'x', XML_TEXT_MAX);
	memcpy(doc + 3 + XML_TEXT_MAX, "</e>", 5);
	UNIT_ASSERT_INT(parse(doc, err, sizeof(err)), 0);
	memset(doc + 3, 'x', XML_TEXT_MAX + 1);
	memcpy(doc + 4 + XML_TEXT_MAX, "</e>", 5);
	UNIT_ASSERT_INT(parse(doc, err, sizeof(err)), EOVERFLOW);
	UNIT_ASSERT_CONTAINS(err, "element text too long");

	/* whole document */
	memset(doc, ' ', XML_DOC_MAX + 1);
	memcpy(doc, "<e/>", 4);
	UNIT_ASSERT_INT(xml_parse(doc, XML_DOC_MAX + 1, NULL, NULL, NULL,
				  err, sizeof(err)), EOVERFLOW);
	UNIT_ASSERT_INT(xml_parse(doc, XML_DOC_MAX, NULL, NULL, NULL,
				  err, sizeof(err)), 0);

	mem_deref(doc);
}


static int refuse_h(unsigned depth, const char *ns, const char *name,
		    const char **attrs, void *arg)
{
	(void)ns;
	(void)attrs;
	++*(unsigned *)arg;
	return (depth == 2 && !strcmp(name, "no")) ? EPERM : 0;
}


static void test_handler_stops(void)
{
	char err[XML_ERR_SIZE];
	unsigned calls = 0;
	const char *doc = "<r><ok/><no/><after/></r>";

	UNIT_ASSERT_INT(xml_parse(doc, strlen(doc), refuse_h, NULL, &calls,
				  err, sizeof(err)), EPERM);
	UNIT_ASSERT_INT(calls, 3);    /* nothing after the refusal */
	UNIT_ASSERT_CONTAINS(err, "refused");
}


static void test_escape(void)
{
	char buf[128];

	CU_ASSERT(re_snprintf(buf, sizeof(buf), "%H", xml_escape,
			      "a<b>&\"c'\td") > 0);
	UNIT_ASSERT_STR(buf, "a&lt;b&gt;&amp;&quot;c&apos;\td");

	CU_ASSERT(re_snprintf(buf, sizeof(buf), "%H", xml_escape, "") == 0);
	CU_ASSERT(re_snprintf(buf, sizeof(buf), "%H", xml_escape,
			      "plain \xc3\xa9") > 0);
	UNIT_ASSERT_STR(buf, "plain \xc3\xa9");

	/* a control character cannot be carried: refused */
	CU_ASSERT(re_snprintf(buf, sizeof(buf), "%H", xml_escape,
			      "bell\x07") < 0);
}


static CU_TestInfo tests[] = {
	{"namespaces, attributes and text", test_namespaces},
	{"malformed XML refused with a line number", test_malformed},
	{"DOCTYPE refused (entities, external)", test_no_dtd},
	{"depth, text and size bounds", test_bounds},
	{"a handler error stops the parse", test_handler_stops},
	{"escaping", test_escape},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"xml", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_xml", suites);
}
