/* fuzz_imdn.c: IMDN notifications from the network: imdn_decode() on message/imdn+xml, cpim_decode() on the wrapper around it, the Disposition-Notification list. */
#include <string.h>
#include <re.h>
#include "cpim.h"
#include "imdn.h"
#include "xml.h"
#include "fuzz.h"

/*
 * Invariants: a decoded document has a valid Message-ID and date and a
 * status that fits its notification; written again and read back it
 * says the same; a refused one leaves a reason for the log line and an
 * empty result. A decoded CPIM wrapper points inside the input, its
 * content within bounds. The same bytes as a Disposition-Notification
 * list give bits only when accepted.
 */

static void check_imdn(const char *doc, size_t len)
{
	struct imdn im, again;
	struct pl id;
	char err[XML_ERR_SIZE];
	struct mbuf *mb;
	int e;

	e = imdn_decode(&im, doc, len, err, sizeof(err));
	if (e) {
		FUZZ_ASSERT(err[0] != '\0' || e == ENOMEM);
		FUZZ_ASSERT(im.msgid[0] == '\0');
		return;
	}

	pl_set_str(&id, im.msgid);
	FUZZ_ASSERT(imdn_id_check(&id) == 0);
	FUZZ_ASSERT(im.datetime[0] != '\0');
	FUZZ_ASSERT(im.code == 0 || (im.code >= 100 && im.code <= 699));

	mb = mbuf_alloc(1024);
	FUZZ_ASSERT(mb);
	/* recipient URIs are copied as written: they may hold characters
	 * the writer refuses; only a clean one must round-trip */
	if (!mbuf_printf(mb, "%H", imdn_encode, &im)) {
		FUZZ_ASSERT(imdn_decode(&again, (char *)mb->buf, mb->end,
					NULL, 0) == 0);
		FUZZ_ASSERT(!strcmp(again.msgid, im.msgid));
		FUZZ_ASSERT(!strcmp(again.datetime, im.datetime));
		FUZZ_ASSERT(again.kind == im.kind);
		FUZZ_ASSERT(again.status == im.status);
		FUZZ_ASSERT(again.code == im.code);
	}
	mem_deref(mb);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpim c;
	struct pl pl;
	unsigned dispo = 0;

	check_imdn((const char *)data, size);

	if (!cpim_decode(&c, data, size)) {
		const char *end = (const char *)data + size;

		FUZZ_ASSERT(c.ctype.p && c.ctype.l);
		FUZZ_ASSERT(c.body.p >= (const char *)data &&
			    c.body.p + c.body.l <= end);
		if (c.imdn_msgid.p)
			FUZZ_ASSERT(c.imdn_msgid.p + c.imdn_msgid.l <= end);
		check_imdn(c.body.p, c.body.l);
	}

	pl.p = (const char *)data;
	pl.l = size;
	if (imdn_dispo_decode(&dispo, &pl) == 0)
		FUZZ_ASSERT((dispo & ~0xfu) == 0);

	return 0;
}
