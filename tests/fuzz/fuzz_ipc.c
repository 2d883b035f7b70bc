/* fuzz_ipc.c: the local API's command decoder (src/ipc/codec.c) and what cmd.c does with a SUBSCRIBE's app ID. */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "appid.h"
#include "push.h"
#include "ipc.h"
#include "fuzz.h"

/*
 * One input is one SOCK_SEQPACKET message from a local client (hostile or
 * buggy). Invariants: a command decodes or is refused with a reason; what
 * a decoded command holds points into the message and respects the
 * documented limits (doc/ipc.md); a SUBSCRIBE's app ID normalises or is
 * refused; a push record built from the same bytes (as sender and
 * content type) is refused or keeps the record's framing intact.
 */

static void inside(const struct pl *pl, const uint8_t *data, size_t size)
{
	if (!pl->p)
		return;
	FUZZ_ASSERT((const uint8_t *)pl->p >= data);
	FUZZ_ASSERT((const uint8_t *)pl->p + pl->l <= data + size);
}


/* A record is header lines, a blank line, then exactly len body bytes. */
static void check_record(const struct mbuf *mb, size_t len)
{
	const uint8_t *p = mb->buf;
	size_t hdr = 0;

	for (size_t i = 0; i + 1 < mb->end; i++) {
		if (p[i] == '\n' && p[i + 1] == '\n') {
			hdr = i + 2;
			break;
		}
	}
	FUZZ_ASSERT(hdr > 0);
	FUZZ_ASSERT(mb->end - hdr == len);
	for (size_t i = 0; i + 1 < hdr; i++)
		FUZZ_ASSERT(p[i] >= 0x20 || p[i] == '\n');
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char canon[APPID_SIZE], *s;
	struct ipc_cmd cmd;
	struct push push;
	struct mbuf *mb;
	int err;

	err = ipc_cmd_decode(&cmd, data, size);
	if (err) {
		FUZZ_ASSERT(err == EMSGSIZE || err == EILSEQ || err == ENOSYS ||
			    err == EINVAL);
		FUZZ_ASSERT(cmd.why && *cmd.why);
	}
	else {
		FUZZ_ASSERT(size <= IPC_CMD_MAX);
		inside(&cmd.appid, data, size);
		inside(&cmd.filter, data, size);
		inside(&cmd.reason, data, size);
		FUZZ_ASSERT(cmd.reason.l <= IPC_REASON_MAX);
		if (cmd.type == IPC_CMD_NACK)
			FUZZ_ASSERT(cmd.code >= 400 && cmd.code <= 699);
		if (pl_isset(&cmd.appid) &&
		    !appid_normalise(canon, sizeof(canon), &cmd.appid)) {
			char again[APPID_SIZE];

			FUZZ_ASSERT(appid_normalise_str(again, sizeof(again),
							canon) == 0);
			FUZZ_ASSERT(!strcmp(again, canon));
		}
	}

	/* the same bytes as network-supplied fields of a push record */
	s = fuzz_strdup(data, size);
	memset(&push, 0, sizeof(push));
	push.id        = 1;
	push.appid     = "x-wap-application:mms.ua";
	push.ctype     = s;
	push.sender    = s;
	push.transport = "sip-udp";
	push.body      = data;
	push.len       = size;

	mb = mbuf_alloc(256);
	FUZZ_ASSERT(mb != NULL);
	if (!ipc_push_encode(mb, &push))
		check_record(mb, size);
	mem_deref(mb);
	free(s);

	return 0;
}
