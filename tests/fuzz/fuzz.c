/* fuzz.c: helpers the harnesses share (quiet libre, invariant failures, copies). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#define DEBUG_MODULE "fuzz"
#define DEBUG_LEVEL 0
#include <re_dbg.h>
#include "appid.h"
#include "appset.h"
#include "config.h"
#include "fuzz.h"


static void dbg_drop(int level, const char *p, size_t len, void *arg)
{
	(void)level;
	(void)p;
	(void)len;
	(void)arg;
}


void fuzz_quiet(void)
{
	dbg_init(DBG_EMERG, 0);
	dbg_handler_set(dbg_drop, NULL);
}


void fuzz_fail(const char *file, unsigned line, const char *what)
{
	fprintf(stderr, "%s:%u: invariant failed: %s\n", file, line, what);
	abort();
}


char *fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';

	return s;
}


/* FNV-1a */
uint32_t fuzz_hash(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < size; i++) {
		h ^= data[i];
		h *= 16777619u;
	}

	return h;
}


/* the harnesses that need no setup of their own use this one */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}


size_t fuzz_cuts(const uint8_t *data, size_t size, size_t *cuts, size_t max)
{
	uint32_t h = fuzz_hash(data, size);
	size_t n;

	if (!size || !max)
		return 0;

	n = 1 + h % max;
	for (size_t i = 0; i < n; i++) {
		h ^= h << 13;    /* xorshift32 */
		h ^= h >> 17;
		h ^= h << 5;
		cuts[i] = h % (size + 1);
		for (size_t k = i; k > 0 && cuts[k - 1] > cuts[k]; k--) {
			const size_t t = cuts[k];

			cuts[k] = cuts[k - 1];
			cuts[k - 1] = t;
		}
	}

	return n;
}


void fuzz_setup_apps(struct config **cfgp, struct appset **appsp,
		     const char *text)
{
	char err[256];

	if (config_parse(cfgp, "fuzz.conf", text, strlen(text), err,
			 sizeof(err)) ||
	    appset_alloc(appsp, NULL, NULL) ||
	    appset_set_static(*appsp,
			      (const char (*)[APPID_SIZE])(*cfgp)->apps,
			      (*cfgp)->appc))
		fuzz_fail(__FILE__, __LINE__, err);
}
