/* fuzz_msrp.c: the MSRP parser (src/msrp/) on any byte stream: same result however it is cut, responses that parse back. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "msrp.h"
#include "../unit/msrprec.h"
#include "fuzz.h"

/*
 * Invariants checked for every input:
 * 1. the callbacks and the result do not depend on how the stream is cut
 *    (whole, at cut points derived from the input, and byte by byte for
 *    inputs up to BYTEWISE_MAX);
 * 2. a chunk's body never exceeds its Byte-Range (parser contract);
 * 3. the response we would send for any parsed request that gets one
 *    parses back as a response with the same transaction id;
 * 4. a failed feed names a status for the peer (400) and a reason;
 *    when it hands back the chunk (its tid and paths were read), the
 *    400 src/msrpsess/conn.c answers with parses back with that tid.
 */

enum {
	BYTEWISE_MAX = 1024,
	CUTS_MAX     = 8,
};

static const char own_uri[] = "msrp://127.0.0.1:2855/fuzz;tcp";

struct check {
	struct msrp_parser *p;
	uint64_t body;
	unsigned responses;
};


/* What src/msrpsess/ answers a request with must be well-formed and
 * parse back with its tid and status; false if it could not be encoded */
static bool check_response(const struct msrp_msg *req, uint16_t scode,
			   const char *comment)
{
	struct msrprun r;
	struct mbuf *mb;
	bool encoded;

	mb = mbuf_alloc(512);
	FUZZ_ASSERT(mb != NULL);
	encoded = !msrp_response_encode(mb, req, scode, comment, own_uri);
	if (encoded) {
		msrprun_init(&r);
		FUZZ_ASSERT(msrprun_whole(&r, mb->buf, mb->end) == 0);
		FUZZ_ASSERT(r.err == 0);
		FUZZ_ASSERT(r.starts == 1 && r.ends == 1);
		FUZZ_ASSERT(r.last.kind == MSRP_RESPONSE);
		FUZZ_ASSERT(!strcmp(r.last.tid, req->tid));
		FUZZ_ASSERT(r.last.scode == scode);
		msrprun_close(&r);
	}
	mem_deref(mb);

	return encoded;
}


static int chk_start(const struct msrp_msg *msg, void *arg)
{
	struct check *c = arg;

	c->body = 0;

	if (msg->kind != MSRP_REQUEST || msg->method == MSRP_M_REPORT)
		return 0;

	if (check_response(msg, 200, NULL))
		++c->responses;

	return 0;
}


static int chk_data(const uint8_t *p, size_t n, void *arg)
{
	struct check *c = arg;

	(void)p;
	FUZZ_ASSERT(n > 0);
	c->body += n;

	return 0;
}


static int chk_end(const struct msrp_msg *msg, char flag, void *arg)
{
	struct check *c = arg;

	FUZZ_ASSERT(flag == '$' || flag == '+' || flag == '#');
	FUZZ_ASSERT(msg->body_len == c->body);

	if (msg->has_range) {
		const uint64_t last = msg->range_start - 1 + msg->body_len;

		FUZZ_ASSERT(msg->range_start >= 1);
		FUZZ_ASSERT(last <= MSRP_RANGE_MAX);
		if (!msg->end_star)
			FUZZ_ASSERT(last <= msg->range_end);
		if (!msg->total_star)
			FUZZ_ASSERT(last <= msg->range_total);
	}

	return 0;
}


/* 4. the 400 for a chunk that failed after its paths were read
 * (src/msrpsess/conn.c answers it, RFC 4975 §7.2) */
static void check_error_response(const struct msrp_error *e)
{
	FUZZ_ASSERT(e->msg->tid[0] != '\0');
	FUZZ_ASSERT(!strcmp(e->msg->tid, e->tid));
	if (e->msg->kind == MSRP_REQUEST)
		(void)check_response(e->msg, e->scode, e->reason);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msrprun whole, other;
	struct msrp_error e;
	struct check c;
	size_t cuts[CUTS_MAX], ncuts;
	int err;

	/* 1. whole vs cut */
	msrprun_init(&whole);
	FUZZ_ASSERT(msrprun_whole(&whole, data, size) == 0);

	ncuts = fuzz_cuts(data, size, cuts, CUTS_MAX);
	msrprun_init(&other);
	FUZZ_ASSERT(msrprun_feed(&other, data, size, cuts, ncuts) == 0);
	if (!msrprun_equal(&whole, &other)) {
		msrprun_dump("whole", &whole);
		msrprun_dump("cut", &other);
		fuzz_fail(__FILE__, __LINE__, "whole != cut");
	}
	msrprun_close(&other);

	if (size <= BYTEWISE_MAX) {
		msrprun_init(&other);
		FUZZ_ASSERT(msrprun_bytes(&other, data, size) == 0);
		if (!msrprun_equal(&whole, &other)) {
			msrprun_dump("whole", &whole);
			msrprun_dump("bytes", &other);
			fuzz_fail(__FILE__, __LINE__, "whole != byte by byte");
		}
		msrprun_close(&other);
	}

	/* 4. an error has a status and a reason */
	if (whole.err == EBADMSG || whole.err == EMSGSIZE) {
		FUZZ_ASSERT(whole.e.scode == 400);
		FUZZ_ASSERT(whole.e.reason != NULL);
	}
	else {
		FUZZ_ASSERT(whole.err == 0);
	}
	msrprun_close(&whole);

	/* 2., 3. */
	memset(&c, 0, sizeof(c));
	FUZZ_ASSERT(msrp_parser_alloc(&c.p, chk_start, chk_data, chk_end,
				      &c) == 0);
	memset(&e, 0, sizeof(e));
	err = msrp_parser_feed(c.p, data, size, &e);
	FUZZ_ASSERT(err == 0 || err == EBADMSG || err == EMSGSIZE);
	if (err && e.msg)
		check_error_response(&e);
	mem_deref(c.p);

	return 0;
}
