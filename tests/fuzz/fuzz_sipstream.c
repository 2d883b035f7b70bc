/* fuzz_sipstream.c: the pre-filter on a TCP/TLS byte stream frames messages exactly as libre's SIP transport does. */
#include <string.h>
#include <re.h>
#include "prefilter.h"
#include "fuzz.h"

/*
 * The intake passes a stream to libre only as far as the pre-filter
 * accepted it, one whole message at a time. That is only safe if both
 * agree where each message ends: libre (src/sip/transp.c) skips CRLF
 * pairs, decodes a header block and takes Content-Length bytes of body.
 * Invariants, for any stream cut anywhere:
 * 1. the pre-filter's result does not depend on the cuts;
 * 2. every message it reports complete is one libre frames to the same
 *    end, or one libre refuses outright (then the connection closes);
 *    libre never waits for more bytes of a message the pre-filter says
 *    is complete, nor frames past its end.
 */

enum {
	BODY_MAX = 65536,
	ENDS_MAX = 64,
	CUTS_MAX = 8,
};

struct run {
	size_t ends[ENDS_MAX];
	size_t nends;
	size_t accepted;        /* bytes up to the last boundary */
	enum prefilter_result last;
};


static void pf_run(struct run *r, const uint8_t *data, size_t size,
		   const size_t *cuts, size_t ncuts)
{
	struct prefilter pf;
	size_t pos = 0, k = 0;

	memset(r, 0, sizeof(*r));
	prefilter_init(&pf, true, BODY_MAX);

	while (pos < size) {
		const size_t lim = k < ncuts ? cuts[k] : size;
		enum prefilter_result res;
		size_t n;

		if (lim <= pos) {
			++k;
			continue;
		}

		n = prefilter_feed(&pf, data + pos, lim - pos, &res);
		pos += n;
		r->last = res;

		if (res == PF_MESSAGE && r->nends < ENDS_MAX) {
			r->ends[r->nends++] = pos;
			r->accepted = pos;
		}
		if (res == PF_JUNK || res == PF_OVERSIZE ||
		    res == PF_BADFRAME || r->nends == ENDS_MAX)
			return;
	}
}


/* src/sip/transp.c tcp_recv_handler(), over the accepted bytes */
static void libre_check(const struct run *r, const uint8_t *data)
{
	size_t pos = 0, m = 0;

	while (m < r->nends) {
		struct sip_msg *msg = NULL;
		struct mbuf *mb;
		uint32_t clen;
		int err;

		if (r->ends[m] - pos >= 2 && !memcmp(data + pos, "\r\n", 2)) {
			pos += 2;
			continue;
		}

		FUZZ_ASSERT(pos < r->ends[m]);

		mb = mbuf_alloc(r->accepted - pos);
		FUZZ_ASSERT(mb != NULL);
		(void)mbuf_write_mem(mb, data + pos, r->accepted - pos);
		mb->pos = 0;

		err = sip_msg_decode(&msg, mb);
		if (err) {
			/* libre may refuse what the pre-filter let pass
			 * (and closes the connection); it must not wait */
			FUZZ_ASSERT(err != ENODATA);
			mem_deref(mb);
			return;
		}

		FUZZ_ASSERT(msg->clen.p != NULL);
		clen = pl_u32(&msg->clen);
		FUZZ_ASSERT(mbuf_get_left(mb) >= clen);
		FUZZ_ASSERT(pos + mb->pos + clen == r->ends[m]);

		pos = r->ends[m++];
		mem_deref(msg);
		mem_deref(mb);
	}
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run whole, cut;
	size_t cuts[CUTS_MAX], ncuts;

	pf_run(&whole, data, size, NULL, 0);

	ncuts = fuzz_cuts(data, size, cuts, CUTS_MAX);
	pf_run(&cut, data, size, cuts, ncuts);

	FUZZ_ASSERT(whole.nends == cut.nends);
	FUZZ_ASSERT(!memcmp(whole.ends, cut.ends,
			    whole.nends * sizeof(whole.ends[0])));
	FUZZ_ASSERT(whole.last == cut.last);

	libre_check(&whole, data);

	return 0;
}
