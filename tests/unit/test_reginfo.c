/* test_reginfo.c: reg-event documents: finding our binding, and the action each state asks for. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "reginfo.h"
#include "xml.h"
#include "unit.h"

#define AOR  "sip:pra@sippush.test"
#define CT   "sip:pra@127.0.0.1:5071;transport=tcp;ob"
#define INST "urn:uuid:4fa3b7e2-1d0c-4c3e-9a1b-0123456789ab"

static const struct reginfo_self self = {AOR, CT, INST};

/* A document with our registration and one contact (printf args:
 * registration state, contact state, contact event, expires, uri) */
#define DOC \
	"<?xml version=\"1.0\"?>\n" \
	"<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" " \
	"version=\"%u\" state=\"full\">\n" \
	" <registration aor=\"sip:pra@sippush.test\" id=\"a7\" " \
	"state=\"%s\">\n" \
	"  <contact id=\"76\" state=\"%s\" event=\"%s\"%s>\n" \
	"   <uri>%s</uri>\n" \
	"   <unknown-param name=\"+sip.instance\">" \
	"\"&lt;" INST "&gt;\"</unknown-param>\n" \
	"  </contact>\n" \
	" </registration>\n" \
	"</reginfo>\n"


static int dec(struct reginfo *ri, const char *doc)
{
	char err[XML_ERR_SIZE];

	return reginfo_decode(ri, &self, doc, strlen(doc), err, sizeof(err));
}


static enum reginfo_action act_for(const char *rstate, const char *cstate,
				   const char *event, const char *exp,
				   const char *uri, uint32_t *expires)
{
	char doc[1024];
	struct reginfo ri;

	(void)re_snprintf(doc, sizeof(doc), DOC, 1u, rstate, cstate, event,
			  exp, uri);
	if (dec(&ri, doc))
		return (enum reginfo_action)-1;

	return reginfo_action(&ri, expires);
}


static void test_found(void)
{
	char doc[1024];
	struct reginfo ri;

	(void)re_snprintf(doc, sizeof(doc), DOC, 7u, "active", "active",
			  "registered", " expires=\"3600\"", CT);
	UNIT_ASSERT_INT(dec(&ri, doc), 0);
	UNIT_ASSERT_INT(ri.version, 7);
	CU_ASSERT(ri.full);
	CU_ASSERT(ri.reg_found);
	CU_ASSERT(ri.reg_active);
	CU_ASSERT(ri.contact_found);
	CU_ASSERT(!ri.by_instance);
	CU_ASSERT(ri.contact_active);
	UNIT_ASSERT_INT(ri.event, REGINFO_EV_REGISTERED);
	CU_ASSERT(ri.has_expires);
	UNIT_ASSERT_INT(ri.expires, 3600);
	UNIT_ASSERT_INT(ri.contacts, 1);
}


static void test_actions(void)
{
	static const struct {
		const char *rstate, *cstate, *event, *exp;
		enum reginfo_action act;
		uint32_t expires;
	} t[] = {
		/* the network removed the binding: register at once */
		{"terminated", "terminated", "deactivated", "",
		 REGINFO_REREGISTER, 0},
		{"active", "terminated", "expired", "", REGINFO_REREGISTER, 0},
		{"active", "terminated", "probation",
		 " retry-after=\"30\"", REGINFO_REREGISTER, 0},
		{"active", "terminated", "x-future", "", REGINFO_REREGISTER,
		 0},
		/* removed on purpose: stop */
		{"terminated", "terminated", "rejected", "", REGINFO_STOP, 0},
		{"active", "terminated", "unregistered", "", REGINFO_STOP, 0},
		/* still there, with a (shortened) lifetime */
		{"active", "active", "shortened", " expires=\"40\"",
		 REGINFO_EXPIRES, 40},
		{"active", "active", "registered", " expires=\"600\"",
		 REGINFO_EXPIRES, 600},
		{"active", "active", "created", "", REGINFO_NOTHING, 0},
		{"init", "active", "refreshed", " expires=\"0\"",
		 REGINFO_NOTHING, 0},
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		uint32_t expires = 0;

		UNIT_ASSERT_INT(act_for(t[i].rstate, t[i].cstate, t[i].event,
					t[i].exp, CT, &expires), t[i].act);
		UNIT_ASSERT_INT(expires, t[i].expires);
	}
}


static void test_uri_match(void)
{
	/* parameters may differ; user, host and port may not */
	UNIT_ASSERT_INT(act_for("active", "terminated", "deactivated", "",
				"sip:pra@127.0.0.1:5071", NULL),
			REGINFO_REREGISTER);
	UNIT_ASSERT_INT(act_for("active", "terminated", "unregistered", "",
				"  sip:pra@127.0.0.1:5071;ob  ", NULL),
			REGINFO_STOP);

	/* another port, same instance: a replaced flow of ours. Found by
	 * instance only, so "unregistered" does not stop us. */
	UNIT_ASSERT_INT(act_for("active", "terminated", "unregistered", "",
				"sip:pra@127.0.0.1:6000", NULL),
			REGINFO_REREGISTER);
}


static void test_other_contacts(void)
{
	/* a replaced flow (old URI, our instance, terminated) next to our
	 * current contact: the current one speaks */
	const char *doc =
		"<reginfo xmlns='urn:ietf:params:xml:ns:reginfo' "
		"version='3' state='partial'>"
		"<registration aor='sip:pra@sippush.test' id='a' "
		"state='active'>"
		"<contact id='1' state='terminated' event='unregistered'>"
		"<uri>sip:pra@127.0.0.1:6000;ob</uri>"
		"<unknown-param name='+sip.instance'>&quot;&lt;" INST
		"&gt;&quot;</unknown-param></contact>"
		"<contact id='2' state='active' event='created' "
		"expires='300'><uri>" CT "</uri></contact>"
		"<contact id='3' state='terminated' event='rejected'>"
		"<uri>sip:other@10.0.0.1:5060</uri></contact>"
		"</registration>"
		"<registration aor='sip:someone@sippush.test' id='b' "
		"state='terminated'/>"
		"</reginfo>";
	struct reginfo ri;
	uint32_t expires = 0;

	UNIT_ASSERT_INT(dec(&ri, doc), 0);
	CU_ASSERT(!ri.full);
	UNIT_ASSERT_INT(ri.version, 3);
	UNIT_ASSERT_INT(ri.contacts, 3);
	CU_ASSERT(ri.contact_found && !ri.by_instance);
	UNIT_ASSERT_INT(reginfo_action(&ri, &expires), REGINFO_EXPIRES);
	UNIT_ASSERT_INT(expires, 300);
}


static void test_not_ours(void)
{
	struct reginfo ri;

	/* someone else's AOR only: nothing to do */
	UNIT_ASSERT_INT(dec(&ri,
		"<reginfo xmlns='urn:ietf:params:xml:ns:reginfo' version='0' "
		"state='full'><registration aor='sip:bob@sippush.test' id='x' "
		"state='terminated'><contact id='1' state='terminated' "
		"event='rejected'><uri>" CT "</uri></contact>"
		"</registration></reginfo>"), 0);
	CU_ASSERT(!ri.reg_found);
	UNIT_ASSERT_INT(reginfo_action(&ri, NULL), REGINFO_NOTHING);

	/* our AOR terminated without our contact: the binding is gone */
	UNIT_ASSERT_INT(dec(&ri,
		"<reginfo xmlns='urn:ietf:params:xml:ns:reginfo' version='0' "
		"state='full'><registration aor='sip:pra@sippush.test' id='x' "
		"state='terminated'/></reginfo>"), 0);
	CU_ASSERT(ri.reg_found && !ri.reg_active && !ri.contact_found);
	UNIT_ASSERT_INT(reginfo_action(&ri, NULL), REGINFO_REREGISTER);

	/* our AOR active, contact not listed: not enough to act on */
	UNIT_ASSERT_INT(dec(&ri,
		"<reginfo xmlns='urn:ietf:params:xml:ns:reginfo' version='0' "
		"state='full'><registration aor='sip:pra@sippush.test' id='x' "
		"state='active'><contact id='1' state='active'>"
		"<uri>sip:pra@10.1.1.1:5060</uri></contact>"
		"</registration></reginfo>"), 0);
	CU_ASSERT(ri.reg_found && !ri.contact_found);
	UNIT_ASSERT_INT(reginfo_action(&ri, NULL), REGINFO_NOTHING);

	/* the AOR may come with parameters or another port */
	UNIT_ASSERT_INT(dec(&ri,
		"<reginfo xmlns='urn:ietf:params:xml:ns:reginfo' version='0' "
		"state='full'><registration aor='sip:pra@SIPPUSH.test;x=y' "
		"id='x' state='active'/></reginfo>"), 0);
	CU_ASSERT(ri.reg_found);
}


static void test_invalid(void)
{
	static const struct {
		const char *doc;
		int err;
		const char *why;
	} t[] = {
		{"<reginfo xmlns='urn:ietf:params:xml:ns:reginfo' "
		 "version='1' state='full'>", EBADMSG, "line 1"},
		{"<reginfo version='1' state='full'/>", EPROTO, "root"},
		{"<reginfo xmlns='urn:ietf:params:xml:ns:reginfo' "
		 "state='full'/>", EPROTO, "version"},
		{"<reginfo xmlns='urn:ietf:params:xml:ns:reginfo' "
		 "version='-1' state='full'/>", EPROTO, "version"},
		{"<reginfo xmlns='urn:ietf:params:xml:ns:reginfo' "
		 "version='99999999999' state='full'/>", EPROTO, "version"},
		{"<reginfo xmlns='urn:ietf:params:xml:ns:reginfo' "
		 "version='1' state='some'/>", EPROTO, "state"},
		{"<reginfo xmlns='urn:ietf:params:xml:ns:reginfo' "
		 "version='1' state='full'><registration id='x' "
		 "state='active'/></reginfo>", EPROTO, "without aor"},
		{"<reginfo xmlns='urn:ietf:params:xml:ns:reginfo' "
		 "version='1' state='full'><registration aor='" AOR "' "
		 "id='x' state='active'><contact id='1' event='expired'>"
		 "<uri>" CT "</uri></contact></registration></reginfo>",
		 EPROTO, "<contact> without state"},
		{"<reginfo xmlns='urn:ietf:params:xml:ns:reginfo' "
		 "version='1' state='full'><registration aor='" AOR "' "
		 "id='x' state='active'><contact id='1' state='active' "
		 "expires='soon'><uri>" CT "</uri></contact></registration>"
		 "</reginfo>", EPROTO, "bad expires"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct reginfo ri;
		char err[XML_ERR_SIZE];

		UNIT_ASSERT_INT(reginfo_decode(&ri, &self, t[i].doc,
					       strlen(t[i].doc), err,
					       sizeof(err)), t[i].err);
		UNIT_ASSERT_CONTAINS(err, t[i].why);
		CU_ASSERT(!ri.reg_found);
	}
}


static void test_many_contacts(void)
{
	struct mbuf *mb = mbuf_alloc(32768);
	struct reginfo ri;
	char err[XML_ERR_SIZE];

	CU_ASSERT_FATAL(mb != NULL);
	(void)mbuf_printf(mb, "<reginfo xmlns='urn:ietf:params:xml:ns:"
			  "reginfo' version='1' state='full'><registration "
			  "aor='" AOR "' id='x' state='active'>");
	for (unsigned i = 0; i < 257; i++)
		(void)mbuf_printf(mb, "<contact id='%u' state='active'/>", i);
	(void)mbuf_printf(mb, "</registration></reginfo>");

	UNIT_ASSERT_INT(reginfo_decode(&ri, &self, (char *)mb->buf, mb->end,
				       err, sizeof(err)), EOVERFLOW);
	UNIT_ASSERT_CONTAINS(err, "too many contacts");
	mem_deref(mb);
}


static void test_names(void)
{
	UNIT_ASSERT_STR(reginfo_event_name(REGINFO_EV_DEACTIVATED),
			"deactivated");
	UNIT_ASSERT_STR(reginfo_event_name(REGINFO_EV_OTHER), "other");
	UNIT_ASSERT_STR(reginfo_action_name(REGINFO_STOP), "stop");
}


static CU_TestInfo tests[] = {
	{"our contact found by URI", test_found},
	{"action per state and event", test_actions},
	{"URI match ignores parameters, instance fallback", test_uri_match},
	{"other contacts and registrations", test_other_contacts},
	{"documents not about our contact", test_not_ours},
	{"invalid documents refused with a reason", test_invalid},
	{"contacts bounded", test_many_contacts},
	{"names", test_names},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"reginfo", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_reginfo", suites);
}
