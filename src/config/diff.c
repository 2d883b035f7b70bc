/* diff.c: what two configurations differ in and what applying it takes; freeing; the key list. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "config_priv.h"


static const void *at(const struct config *cfg, size_t off)
{
	return (const uint8_t *)cfg + off;
}


/** Free what the table says a config holds (its destructor's job). */
void config_free_fields(struct config *cfg)
{
	if (!cfg)
		return;

	for (size_t i = 0; i < config_nkeys; i++) {
		const struct ckey *k = &config_keys[i];
		void **p = (void **)(void *)((uint8_t *)cfg + k->off);

		if (k->kind != CK_VAL)
			*p = mem_deref(*p);
	}

	cfg->path = mem_deref(cfg->path);
}


static bool key_equal(const struct ckey *k, const struct config *a,
		      const struct config *b)
{
	const char *sa, *sb;
	size_t na, nb;

	switch (k->kind) {

	case CK_STR:
		sa = *(char *const *)at(a, k->off);
		sb = *(char *const *)at(b, k->off);
		return (!sa && !sb) || (sa && sb && !strcmp(sa, sb));

	case CK_VAL:
		return !memcmp(at(a, k->off), at(b, k->off), k->size);

	case CK_LIST:
		na = *(const size_t *)at(a, k->coff);
		nb = *(const size_t *)at(b, k->coff);
		/* elements are zeroed before they are read: no stray
		 * padding bytes */
		return na == nb && (!na ||
			!memcmp(*(void *const *)at(a, k->off),
				*(void *const *)at(b, k->off), na * k->size));
	}

	return false;
}


/**
 * What applying b in place of a takes: the highest reload class of the
 * keys that differ (CONFIG_RELOAD_NOW when none does).
 *
 * @param keys  NULL, or filled with the names of the keys of that class
 *              that differ, space-separated (cut at sz)
 */
enum config_reload config_changes(const struct config *a,
				  const struct config *b, char *keys,
				  size_t sz)
{
	if (keys && sz)
		keys[0] = '\0';

	if (!a || !b)
		return CONFIG_RELOAD_RESTART;

	for (int r = CONFIG_RELOAD_RESTART; r > CONFIG_RELOAD_NOW; r--) {
		if (config_keys_changed(a, b, (enum config_reload)r, keys, sz))
			return (enum config_reload)r;
	}

	(void)config_keys_changed(a, b, CONFIG_RELOAD_NOW, keys, sz);
	return CONFIG_RELOAD_NOW;
}


/**
 * The names of the keys of reload class cls that differ between a and b,
 * space-separated (cut at sz).
 *
 * @return how many differ
 */
unsigned config_keys_changed(const struct config *a, const struct config *b,
			     enum config_reload cls, char *keys, size_t sz)
{
	unsigned n = 0;
	size_t o = 0;

	if (keys && sz)
		keys[0] = '\0';

	for (size_t i = 0; a && b && i < config_nkeys; i++) {
		const struct ckey *k = &config_keys[i];
		int w;

		if (k->reload != cls || key_equal(k, a, b))
			continue;

		++n;
		if (!keys || o >= sz)
			continue;
		w = re_snprintf(keys + o, sz - o, "%s%s", o ? " " : "",
				k->name);
		if (w > 0)
			o += (size_t)w;
	}

	return n;
}


/** True if a reload needs no new SIP stack or registration. */
bool config_sip_equal(const struct config *a, const struct config *b)
{
	return !config_keys_changed(a, b, CONFIG_RELOAD_STACK, NULL, 0);
}


/** The i-th key's name; NULL past the last */
const char *config_key_name(size_t i)
{
	return i < config_nkeys ? config_keys[i].name : NULL;
}


/** The Kconfig option the i-th key needs and the build lacks, or NULL */
const char *config_key_feature(size_t i)
{
	return config_missing(i < config_nkeys ? config_keys[i].features : 0,
			      NULL);
}


enum config_reload config_key_reload(size_t i)
{
	return i < config_nkeys ? config_keys[i].reload :
		CONFIG_RELOAD_RESTART;
}
