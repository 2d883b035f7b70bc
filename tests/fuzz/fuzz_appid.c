/* fuzz_appid.c: application IDs from the network: appid_* and the Accept-Contact / X-Wap-Application-Id reading of pushreq_target(). */
#include <ctype.h>
#include <string.h>
#include <re.h>
#include "appid.h"
#include "appset.h"
#include "config.h"
#include "pushreq.h"
#include "fuzz.h"

/*
 * Invariants: a canonical ID is short, lower-case, made of characters
 * that are safe in a path, a command or a log line, and normalises to
 * itself; its feature-tag value reads back to it; whatever an
 * Accept-Contact or X-Wap-Application-Id header holds, the target found
 * is canonical or the request is refused as malformed.
 */

static struct config *cfg;
static struct appset *apps;

static const char cfg_text[] =
	"sip_aor sip:pra@example.com\n"
	"sip_registrar sip:127.0.0.1\n"
	"app mms.ua\n"
	"app x-oma-application:ulp.ua\n"
	"route_ctype application/vnd.omaloc-supl-init ulp.ua\n";


int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	fuzz_setup_apps(&cfg, &apps, cfg_text);

	return 0;
}


static void canonical(const char *canon)
{
	char again[APPID_SIZE], ftag[3 * APPID_SIZE];
	struct pl pl;
	size_t n = strnlen(canon, APPID_SIZE);

	FUZZ_ASSERT(n > 0 && n <= APPID_MAX);
	FUZZ_ASSERT(strchr(canon, ':'));
	for (size_t i = 0; i < n; i++) {
		const char c = canon[i];

		FUZZ_ASSERT(islower((unsigned char)c) ||
			    isdigit((unsigned char)c) ||
			    strchr(".-_:*", c));
	}

	FUZZ_ASSERT(appid_normalise_str(again, sizeof(again), canon) == 0);
	FUZZ_ASSERT(!strcmp(again, canon));

	if (!appid_ftag_value(ftag, sizeof(ftag), canon)) {
		pl_set_str(&pl, ftag);
		FUZZ_ASSERT(appid_from_ftag(again, sizeof(again), &pl) == 0);
		FUZZ_ASSERT(!strcmp(again, canon));
	}
}


/* data as the value of header `name` in an otherwise fixed MESSAGE */
static void in_header(const char *name, const uint8_t *data, size_t size)
{
	char app[APPID_SIZE];
	struct sip_msg *msg = NULL;
	struct mbuf *mb;

	mb = mbuf_alloc(512 + size);
	FUZZ_ASSERT(mb != NULL);
	(void)mbuf_printf(mb,
			  "MESSAGE sip:pra@example.com SIP/2.0\r\n"
			  "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n"
			  "Max-Forwards: 70\r\n"
			  "From: <sip:s@example.com>;tag=1\r\n"
			  "To: <sip:pra@example.com>\r\n"
			  "Call-ID: fuzz\r\n"
			  "CSeq: 1 MESSAGE\r\n"
			  "Content-Type: application/vnd.omaloc-supl-init\r\n"
			  "%s: ", name);
	/* one header line: line breaks would start other headers */
	for (size_t i = 0; i < size; i++)
		(void)mbuf_write_u8(mb, data[i] == '\r' || data[i] == '\n' ?
				    ' ' : data[i]);
	(void)mbuf_write_str(mb, "\r\nContent-Length: 1\r\n\r\nx");
	mb->pos = 0;

	if (!sip_msg_decode(&msg, mb)) {
		app[0] = '\0';
		if (pushreq_target(msg, cfg, apps, app, sizeof(app)) ==
		    PUSHREQ_FOUND)
			canonical(app);
		mem_deref(msg);
	}
	mem_deref(mb);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char canon[APPID_SIZE];
	struct pl pl;
	int err;

	pl.p = (const char *)data;
	pl.l = size;

	err = appid_normalise(canon, sizeof(canon), &pl);
	if (!err) {
		canonical(canon);
		(void)appid_code(canon);
	}
	else {
		FUZZ_ASSERT(err == EINVAL || err == ENOENT ||
			    err == EOVERFLOW);
	}

	if (!appid_from_ftag(canon, sizeof(canon), &pl))
		canonical(canon);

	if (size <= 2048) {
		in_header("Accept-Contact", data, size);
		in_header("X-Wap-Application-Id", data, size);
	}

	return 0;
}
