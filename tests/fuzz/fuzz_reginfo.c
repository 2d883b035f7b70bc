/* fuzz_reginfo.c: reg-event documents from the network: reginfo_decode() and the action reginfo_action() draws from it. */
#include <string.h>
#include <re.h>
#include "reginfo.h"
#include "xml.h"
#include "fuzz.h"

/*
 * Invariants: a refused document leaves a reason and says nothing about
 * us; an accepted one mentions our contact only inside our registration;
 * the action is one of the four and only REGINFO_EXPIRES gives a
 * lifetime, a non-zero one; STOP never comes from a contact found by
 * instance only (a replaced flow must not stop the registration).
 */

static const struct reginfo_self self = {
	"sip:pra@sippush.test", "sip:pra@127.0.0.1:5071;transport=tcp;ob",
	"urn:uuid:4fa3b7e2-1d0c-4c3e-9a1b-0123456789ab",
};


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reginfo ri;
	enum reginfo_action act;
	char err[XML_ERR_SIZE];
	uint32_t expires = 0;
	int e;

	e = reginfo_decode(&ri, &self, (const char *)data, size, err,
			   sizeof(err));
	if (e) {
		FUZZ_ASSERT(err[0] != '\0' || e == ENOMEM || e == EPROTO);
		FUZZ_ASSERT(!ri.reg_found && !ri.contact_found);
		FUZZ_ASSERT(reginfo_action(&ri, &expires) == REGINFO_NOTHING);
		return 0;
	}

	FUZZ_ASSERT(!ri.contact_found || ri.reg_found);
	FUZZ_ASSERT(!ri.by_instance || ri.contact_found);

	act = reginfo_action(&ri, &expires);
	FUZZ_ASSERT(act == REGINFO_NOTHING || act == REGINFO_REREGISTER ||
		    act == REGINFO_STOP || act == REGINFO_EXPIRES);
	FUZZ_ASSERT((act == REGINFO_EXPIRES) == (expires != 0));
	FUZZ_ASSERT(act != REGINFO_STOP || !ri.by_instance);
	FUZZ_ASSERT(reginfo_action_name(act)[0] != '?');

	return 0;
}
