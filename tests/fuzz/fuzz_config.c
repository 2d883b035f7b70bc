/* fuzz_config.c: the configuration parser (config_parse) on any file content. */
#include <string.h>
#include <re.h>
#include "config.h"
#include "fuzz.h"

/*
 * Invariants: a file is taken or refused with a message "NAME:LINE: ..."
 * (what sippushd -t prints); a taken file keeps the documented bounds
 * that the daemon relies on; parsing is deterministic and leak-free.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = NULL, *again = NULL;
	char err[256] = "x", err2[256] = "y";
	int e, e2;

	e = config_parse(&cfg, "fuzz.conf", (const char *)data, size, err,
			 sizeof(err));
	e2 = config_parse(&again, "fuzz.conf", (const char *)data, size, err2,
			  sizeof(err2));
	FUZZ_ASSERT(e == e2);
	FUZZ_ASSERT(!strcmp(err, err2));

	if (e) {
		FUZZ_ASSERT(e == EINVAL);
		FUZZ_ASSERT(cfg == NULL);
		FUZZ_ASSERT(!strncmp(err, "fuzz.conf:", 10));
		return 0;
	}

	FUZZ_ASSERT(cfg != NULL && again != NULL);
	FUZZ_ASSERT(err[0] == '\0');
	FUZZ_ASSERT(config_sip_equal(cfg, again));
	FUZZ_ASSERT(cfg->sip_aor && cfg->sip_registrar);
	FUZZ_ASSERT(cfg->transports);
	FUZZ_ASSERT(cfg->max_message_size > 0);
	for (size_t i = 0; i < cfg->appc; i++)
		FUZZ_ASSERT(memchr(cfg->apps[i], '\0', APPID_SIZE));

	mem_deref(cfg);
	mem_deref(again);

	return 0;
}
