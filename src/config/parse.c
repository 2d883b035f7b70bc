/* parse.c: reads "key value" lines from one or more files into a config, driven by the key table. */
#include <string.h>
#include <errno.h>
#include <ctype.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "config.h"
#include "config_priv.h"

#define DEBUG_MODULE "config"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * The format is libre's conf format (what baresip uses), but parsed here
 * line by line so that every error names file, line and key. libre's
 * conf_get() cannot say where a value came from.
 *
 * Nothing here knows a key: each line goes to its row in keys.c, whose
 * reader (set_*) stores the value. Defaults are read the same way from
 * the rows, so a default cannot break a limit.
 */

static const struct {
	unsigned bit;
	bool built;
	const char *what;
	const char *option;
} features[] = {
	{CF_TLS,        CONFIG_TLS,        "TLS",         "CONFIG_TLS"},
	{CF_MSRP,       CONFIG_MSRP,       "session mode (MSRP)",
	 "CONFIG_MSRP"},
	{CF_MSRP_RELAY, CONFIG_MSRP_RELAY, "MSRP relays", "CONFIG_MSRP_RELAY"},
	{CF_XML,        CONFIG_XML,        "XML (IMDN, reg-event, PUBLISH)",
	 "CONFIG_XML"},
};


int config_fail(struct parse *ps, const char *key, const char *fmt, ...)
{
	char msg[VALUE_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	(void)re_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (ps->line)
		(void)re_snprintf(ps->err, ps->errsz, "%s:%u: %s: %s",
				  ps->name, ps->line, key, msg);
	else
		(void)re_snprintf(ps->err, ps->errsz, "%s: %s: %s",
				  ps->first ? ps->first : ps->name, key, msg);

	return EINVAL;
}


/** The first Kconfig option of features the build leaves out, or NULL;
 * what is set to the feature's name. */
const char *config_missing(unsigned feats, const char **what)
{
	for (size_t i = 0; i < ARRAY_SIZE(features); i++) {
		if ((feats & features[i].bit) && !features[i].built) {
			if (what)
				*what = features[i].what;
			return features[i].option;
		}
	}

	return NULL;
}


static const struct ckey *key_find(const struct pl *k, size_t *idx)
{
	for (size_t i = 0; i < config_nkeys; i++) {
		if (!pl_strcmp(k, config_keys[i].name)) {
			*idx = i;
			return &config_keys[i];
		}
	}

	return NULL;
}


/** Did a file give this key (not just its default)? */
bool config_seen(const struct parse *ps, const char *key)
{
	for (size_t i = 0; i < config_nkeys; i++)
		if (!strcmp(config_keys[i].name, key))
			return ps->seen[i] != 0;

	return false;
}


static void *field(const struct parse *ps, const struct ckey *k)
{
	return (uint8_t *)ps->cfg + k->off;
}


/* --- value readers: a row names one of these ----------------------------- */

int config_set_str(struct parse *ps, const struct ckey *k, const struct pl *v)
{
	char **dst = field(ps, k);
	int err;

	if (k->check) {
		err = k->check(ps, k, v);
		if (err)
			return err;
	}

	*dst = mem_deref(*dst);
	return pl_strdup(dst, v);
}


int config_set_bool(struct parse *ps, const struct ckey *k,
		    const struct pl *v)
{
	bool *dst = field(ps, k);

	if (!pl_strcasecmp(v, "yes") || !pl_strcasecmp(v, "true") ||
	    !pl_strcmp(v, "1"))
		*dst = true;
	else if (!pl_strcasecmp(v, "no") || !pl_strcasecmp(v, "false") ||
		 !pl_strcmp(v, "0"))
		*dst = false;
	else
		return config_fail(ps, k->name, "'%r' is not yes or no", v);

	return 0;
}


/** A decimal number min..max; errors name key. */
int config_u32(struct parse *ps, const char *key, uint32_t *dst,
	       const struct pl *v, uint32_t min, uint32_t max)
{
	uint64_t n = 0;

	if (v->l > 10)
		return config_fail(ps, key, "'%r' is out of range (%u..%u)",
				   v, min, max);

	for (size_t i = 0; i < v->l; i++) {
		if (!isdigit((unsigned char)v->p[i]))
			return config_fail(ps, key, "'%r' is not a number", v);
		n = n * 10 + (uint64_t)(v->p[i] - '0');
	}

	if (n < min || n > max)
		return config_fail(ps, key, "%r is out of range (%u..%u)", v,
				   min, max);

	*dst = (uint32_t)n;
	return 0;
}


/* min..max in the unit of the file, stored << shift (e.g. MiB -> bytes)
 * in a 32- or 64-bit field */
int config_set_num(struct parse *ps, const struct ckey *k, const struct pl *v)
{
	uint32_t n = 0;
	uint64_t x;
	int err;

	err = config_u32(ps, k->name, &n, v, (uint32_t)k->min,
			 (uint32_t)k->max);
	if (err)
		return err;

	x = (uint64_t)n << k->shift;
	if (k->size == sizeof(uint64_t))
		*(uint64_t *)field(ps, k) = x;
	else
		*(uint32_t *)field(ps, k) = (uint32_t)x;

	return 0;
}


/* one of k->words, stored as its index */
int config_set_enum(struct parse *ps, const struct ckey *k,
		    const struct pl *v)
{
	char list[256] = "";
	size_t o = 0;

	for (unsigned i = 0; k->words[i]; i++) {
		if (!pl_strcasecmp(v, k->words[i])) {
			*(unsigned *)field(ps, k) = i;
			return 0;
		}
		o += (size_t)re_snprintf(list + o, sizeof(list) - o, "%s%s",
					 i ? ", " : "", k->words[i]);
	}

	return config_fail(ps, k->name, "'%r' is not one of %s", v, list);
}


/* a repeatable line: one more element, read by the row's elem */
int config_set_list(struct parse *ps, const struct ckey *k,
		    const struct pl *v)
{
	void **arr = field(ps, k);
	size_t *n = (size_t *)(void *)((uint8_t *)ps->cfg + k->coff);
	uint8_t tmp[1024];
	void *p;
	int err;

	if (k->size > sizeof(tmp))
		return ENOMEM;

	memset(tmp, 0, k->size);
	err = k->elem(ps, k, v, tmp, *arr, *n);
	if (err)
		return err;

	if (*n >= k->max)
		return config_fail(ps, k->name, "more than %u %s lines",
				   (unsigned)k->max, k->name);

	/* libre's mem_realloc() does not take NULL */
	p = *arr ? mem_realloc(*arr, (*n + 1) * k->size) :
		mem_zalloc(k->size, NULL);
	if (!p)
		return ENOMEM;

	memcpy((uint8_t *)p + *n * k->size, tmp, k->size);
	*arr = p;
	++*n;

	return 0;
}


/**
 * Split v into n words at blanks; with rest, the last word is the rest
 * of the line, blanks and all. Anything else is "expected WHAT".
 */
int config_words(struct parse *ps, const char *key, const struct pl *v,
		 struct pl *w, size_t n, bool rest, const char *what)
{
	struct pl r = *v;

	for (size_t i = 0; i < n; i++) {
		while (r.l && (*r.p == ' ' || *r.p == '\t'))
			pl_advance(&r, 1);
		if (!r.l)
			return config_fail(ps, key, "expected %s", what);

		w[i].p = r.p;
		if (rest && i == n - 1) {
			w[i].l = r.l;
		}
		else {
			/* by length: the value is not NUL-terminated */
			w[i].l = 0;
			while (w[i].l < r.l && r.p[w[i].l] != ' ' &&
			       r.p[w[i].l] != '\t')
				++w[i].l;
		}
		pl_advance(&r, w[i].l);
	}

	while (r.l && (*r.p == ' ' || *r.p == '\t'))
		pl_advance(&r, 1);

	return r.l ? config_fail(ps, key, "expected %s", what) : 0;
}


/** An application ID in any form, into its canonical form */
int config_app(struct parse *ps, const char *key, const struct pl *v,
	       char *id)
{
	switch (appid_normalise(id, APPID_SIZE, v)) {
	case 0:
		return 0;
	case EOVERFLOW:
		return config_fail(ps, key, "application ID '%r' is longer "
				   "than %u", v, APPID_MAX);
	case ENOENT:
		return config_fail(ps, key, "numeric application ID '%r' is "
				   "not in the OMNA registry", v);
	default:
		return config_fail(ps, key, "'%r' is not an application ID "
				   "(x-wap-application:NAME, NAME, or an OMNA "
				   "code)", v);
	}
}


/* --- lines --------------------------------------------------------------- */

static bool printable(const struct pl *v)
{
	for (size_t i = 0; i < v->l; i++)
		if (!isprint((unsigned char)v->p[i]))
			return false;

	return true;
}


static int set_key(struct parse *ps, const struct pl *k, const struct pl *v)
{
	const struct ckey *ck;
	char key[KEY_MAX + 1];
	const char *option, *what = NULL;
	size_t idx = 0;

	(void)pl_strcpy(k, key, sizeof(key));

	ck = key_find(k, &idx);
	if (!ck)
		return config_fail(ps, key, "unknown key");

	if (!v->l)
		return config_fail(ps, key, "missing value");

	if (!printable(v))
		return config_fail(ps, key, "value has control characters");

	if (v->l > VALUE_MAX)
		return config_fail(ps, key, "value longer than %u", VALUE_MAX);

	/* the same answer from -t as at start: the build decides */
	option = config_missing(ck->features, &what);
	if (option)
		return config_fail(ps, key, "%s is not built in (%s)", what,
				   option);

	if (ck->set != config_set_list && ps->seen[idx])
		return config_fail(ps, key, "given twice");
	if (ps->seen[idx] < UINT8_MAX)
		++ps->seen[idx];

	return ck->set(ps, ck, v);
}


/** One "key value" line (blank and comment lines are fine). */
int config_parse_line(struct parse *ps, struct pl line)
{
	struct pl k, v;

	/* trim; skip blanks and comments */
	while (line.l && isspace((unsigned char)line.p[0]))
		pl_advance(&line, 1);
	while (line.l && isspace((unsigned char)line.p[line.l - 1]))
		--line.l;
	if (!line.l || line.p[0] == '#')
		return 0;

	k.p = line.p;
	for (k.l = 0; k.l < line.l && !isspace((unsigned char)k.p[k.l]); k.l++)
		;

	v.p = k.p + k.l;
	v.l = line.l - k.l;
	while (v.l && isspace((unsigned char)v.p[0]))
		pl_advance(&v, 1);

	/* a trailing "# comment" after the value, as libre's conf allows;
	 * "key # comment" has no value at all */
	for (size_t i = 0; i < v.l; i++) {
		if (v.p[i] == '#' && (!i || isspace((unsigned char)v.p[i - 1]))) {
			v.l = i;
			while (v.l && isspace((unsigned char)v.p[v.l - 1]))
				--v.l;
			break;
		}
	}

	if (k.l > KEY_MAX) {
		char key[KEY_MAX + 1];
		(void)pl_strcpy(&k, key, sizeof(key));
		return config_fail(ps, key, "unknown key");
	}

	return set_key(ps, &k, &v);
}


/* --- the parser across files ----------------------------------------------- */

static void config_destructor(void *arg)
{
	config_free_fields(arg);
}


static void parser_destructor(void *arg)
{
	struct config_parser *p = arg;

	mem_deref(p->ps.cfg);     /* not handed over */
	mem_deref(p->ps.seen);
	mem_deref(p->ps.first);
}


/**
 * Start a configuration: every key at its default.
 *
 * @param pp     Pointer to allocated parser
 * @param err    Buffer for a one-line error "FILE:LINE: KEY: what"
 * @param errsz  Size of err
 */
int config_parser_alloc(struct config_parser **pp, char *err, size_t errsz)
{
	struct config_parser *p;
	struct parse *ps;
	int e = 0;

	if (!pp)
		return EINVAL;

	p = mem_zalloc(sizeof(*p), parser_destructor);
	if (!p)
		return ENOMEM;

	ps = &p->ps;
	ps->err   = err;
	ps->errsz = err ? errsz : 0;
	ps->name  = "(defaults)";
	if (ps->errsz)
		err[0] = '\0';

	ps->cfg  = mem_zalloc(sizeof(*ps->cfg), config_destructor);
	ps->seen = mem_zalloc(config_nkeys, NULL);
	if (!ps->cfg || !ps->seen) {
		mem_deref(p);
		return ENOMEM;
	}

	for (size_t i = 0; i < config_nkeys && !e; i++) {
		const struct ckey *k = &config_keys[i];
		struct pl v;

		if (!k->def)
			continue;

		pl_set_str(&v, k->def);
		e = k->set(ps, k, &v);
	}

	if (e)
		mem_deref(p);
	else
		*pp = p;

	return e;
}


/**
 * Read configuration text; name is the file name in errors. After an
 * error every later call returns it again.
 */
int config_parser_text(struct config_parser *p, const char *name,
		       const char *buf, size_t len)
{
	struct parse *ps;
	const char *end = buf + len;
	int e = 0;

	if (!p || !name || (!buf && len))
		return EINVAL;

	ps = &p->ps;
	if (ps->error)
		return ps->error;

	if (!ps->first && str_dup(&ps->first, name))
		return ENOMEM;

	ps->name = name;
	ps->line = 0;

	for (const char *s = buf; s < end && !e; ) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		struct pl line;

		line.p = s;
		line.l = nl ? (size_t)(nl - s) : (size_t)(end - s);
		++ps->line;

		if (memchr(line.p, '\0', line.l))
			e = config_fail(ps, "-", "NUL byte in file");
		else
			e = config_parse_line(ps, line);

		s = nl ? nl + 1 : end;
	}

	ps->line = 0;
	ps->error = e;

	return e;
}


/**
 * Check the whole and hand over the configuration; frees the parser.
 *
 * @return 0, EINVAL (the error text says why), ENOMEM, or the error of
 *         an earlier call
 */
int config_parser_done(struct config_parser *p, struct config **cfgp)
{
	struct parse *ps;
	int e;

	if (!p)
		return EINVAL;

	ps = &p->ps;
	e = ps->error;
	if (!e && !cfgp)
		e = EINVAL;
	if (!e)
		e = config_check_whole(ps);
	if (!e)
		e = str_dup(&ps->cfg->path, ps->first ? ps->first : "");

	if (e && ps->errsz && !ps->err[0])
		(void)re_snprintf(ps->err, ps->errsz, "%s: %m",
				  ps->first ? ps->first : "config", e);

	if (!e) {
		*cfgp = ps->cfg;
		ps->cfg = NULL;
	}

	mem_deref(p);
	return e;
}


/**
 * Parse configuration text.
 *
 * @param cfgp   Pointer to allocated configuration
 * @param name   Name used in error messages (the file name)
 * @param buf    Text
 * @param len    Length of text
 * @param err    Buffer for a one-line error "NAME:LINE: KEY: what"
 * @param errsz  Size of err
 *
 * @return 0 if success, EINVAL on a bad file, ENOMEM
 */
int config_parse(struct config **cfgp, const char *name, const char *buf,
		 size_t len, char *err, size_t errsz)
{
	struct config_parser *p = NULL;
	int e;

	if (!cfgp || !name || (!buf && len))
		return EINVAL;

	e = config_parser_alloc(&p, err, errsz);
	if (e)
		return e;

	(void)config_parser_text(p, name, buf, len);

	return config_parser_done(p, cfgp);
}
