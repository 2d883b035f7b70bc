/* fuzz_sdp.c: the SDP offer of a session-mode INVITE (src/sdpmsrp.c), and the path helpers invite.c applies to it. */
#include <string.h>
#include <re.h>
#include "msrp.h"
#include "sdpmsrp.h"
#include "fuzz.h"

/*
 * Invariants: an offer is either taken (non-empty path, a known setup,
 * the offerer sends) or refused as malformed (400) or unacceptable (488)
 * with a reason phrase; what is taken fits its buffers and holds no
 * control characters; our answer for it encodes.
 */

static void no_ctl(const char *s, size_t sz)
{
	size_t n = strnlen(s, sz);

	FUZZ_ASSERT(n < sz);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const bool tls_ok = fuzz_hash(data, size) & 1;
	char uri[MSRP_PATH_MAX + 1], sid[64];
	const char *why = NULL;
	struct sdp_offer of;
	struct sdp_answer an;
	struct mbuf *mb;
	int err;

	err = sdpmsrp_offer_decode(&of, data, size, tls_ok, &why);
	FUZZ_ASSERT(why != NULL);
	if (err) {
		FUZZ_ASSERT(err == EBADMSG || err == EPROTO);
		FUZZ_ASSERT(*why);
		return 0;
	}

	FUZZ_ASSERT(of.path[0]);
	FUZZ_ASSERT(!of.tls || tls_ok);
	FUZZ_ASSERT(of.sendonly_ok);
	FUZZ_ASSERT(of.setup != SETUP_HOLDCONN);
	no_ctl(of.path, sizeof(of.path));
	no_ctl(of.accept_types, sizeof(of.accept_types));

	/* what invite.c and src/msrpsess/ do with the path */
	if (!msrp_path_first(of.path, uri, sizeof(uri))) {
		no_ctl(uri, sizeof(uri));
		(void)msrp_uri_valid(uri);
		(void)msrp_uri_session(uri, sid, sizeof(sid));
	}
	if (!msrp_path_last(of.path, uri, sizeof(uri)))
		no_ctl(uri, sizeof(uri));
	(void)msrp_path_valid(of.path);

	memset(&an, 0, sizeof(an));
	an.addr         = "127.0.0.1";
	an.port         = 2855;
	an.tls          = of.tls;
	an.path         = "msrp://127.0.0.1:2855/fuzz;tcp";
	an.accept_types = of.accept_types;
	an.max_size     = of.max_size;
	an.setup        = sdpmsrp_answer_setup(of.setup);
	an.sess_id      = 1;

	mb = mbuf_alloc(512);
	FUZZ_ASSERT(mb != NULL);
	FUZZ_ASSERT(sdpmsrp_answer_encode(mb, &an) == 0);
	mem_deref(mb);

	return 0;
}
