/* files.c: configuration from files: the main one and drop-in directories. */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <unistd.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "config_priv.h"
#include "dropin.h"


/** Read one file (at most 64 KiB). */
int config_parser_file(struct config_parser *p, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	struct parse *ps;
	FILE *f;
	int e;

	if (!p || !path)
		return EINVAL;

	ps = &p->ps;
	if (ps->error)
		return ps->error;

	f = fopen(path, "r");
	if (!f) {
		e = errno;
		(void)re_snprintf(ps->err, ps->errsz, "%s: cannot open: %m",
				  path, e);
		goto out;
	}

	buf = mem_alloc(CONFIG_FILE_MAX + 1, NULL);
	if (!buf) {
		e = ENOMEM;
		goto out;
	}

	len = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f)) {
		e = EIO;
		(void)re_snprintf(ps->err, ps->errsz, "%s: read error", path);
		goto out;
	}
	if (len > CONFIG_FILE_MAX) {
		e = EFBIG;
		(void)re_snprintf(ps->err, ps->errsz, "%s: larger than %u "
				  "bytes", path, CONFIG_FILE_MAX);
		goto out;
	}

	e = config_parser_text(p, path, buf, len);

 out:
	if (f)
		fclose(f);
	mem_deref(buf);
	if (e)
		ps->error = e;
	return e;
}


/**
 * Read the drop-in files DIR/ *.conf (no blanks) in name order, at most
 * FILES_MAX of them. A missing directory is no error.
 */
int config_parser_dir(struct config_parser *p, const char *dir)
{
	char *names[FILES_MAX];
	size_t n = 0;
	int e;

	if (!p || !dir)
		return EINVAL;

	if (p->ps.error)
		return p->ps.error;

	e = dropin_list(dir, names, FILES_MAX, &n, p->ps.err, p->ps.errsz);

	for (size_t i = 0; i < n; i++) {
		if (!e)
			e = config_parser_file(p, names[i]);
		mem_deref(names[i]);
	}

	if (e)
		p->ps.error = e;
	return e;
}


/* One drop-in of config_dropins(): only KEY lines. */
static int dropin_file(struct parse *ps, const char *path, const char *key)
{
	const char *saved_name = ps->name;
	size_t kl = strlen(key);
	char *buf = NULL;
	size_t n = 0;
	int e;

	e = dropin_read(&buf, &n, path, (uint32_t)geteuid(), CONFIG_FILE_MAX,
			ps->err, ps->errsz);
	if (e)
		return e;

	ps->name = path;
	ps->line = 0;

	for (const char *s = buf, *end = buf + n; s < end && !e; ) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		struct pl line, t;

		line.p = s;
		line.l = nl ? (size_t)(nl - s) : (size_t)(end - s);
		s = nl ? nl + 1 : end;
		++ps->line;

		t = line;
		while (t.l && (*t.p == ' ' || *t.p == '\t'))
			pl_advance(&t, 1);
		if (!t.l || *t.p == '#' || *t.p == '\r')
			continue;

		if (memchr(line.p, '\0', line.l))
			e = config_fail(ps, "-", "NUL byte in file");
		else if (t.l <= kl || strncmp(t.p, key, kl) ||
			 (t.p[kl] != ' ' && t.p[kl] != '\t'))
			e = config_fail(ps, key, "only %s lines belong in a "
					"drop-in", key);
		else
			e = config_parse_line(ps, line);
	}

	ps->name = saved_name;
	ps->line = 0;

	mem_deref(buf);
	return e;
}


/**
 * Read the drop-ins of dir (packages ship them, acl.d style): every
 * NAME.conf in name order, at most FILES_MAX, each with KEY lines only
 * (and comments), owned by root or us and writable by the owner only.
 * A missing directory is no error.
 */
int config_dropins(struct parse *ps, const char *dir, const char *key)
{
	char *names[FILES_MAX];
	size_t n = 0;
	int e;

	if (!ps || !dir || !key)
		return EINVAL;

	e = dropin_list(dir, names, FILES_MAX, &n, ps->err, ps->errsz);

	for (size_t i = 0; i < n; i++) {
		if (!e)
			e = dropin_file(ps, names[i], key);
		mem_deref(names[i]);
	}

	return e;
}


/**
 * Load and check a configuration file.
 */
int config_load(struct config **cfgp, const char *path, char *err,
		size_t errsz)
{
	struct config_parser *p = NULL;
	int e;

	if (!cfgp || !path)
		return EINVAL;

	e = config_parser_alloc(&p, err, errsz);
	if (e)
		return e;

	(void)config_parser_file(p, path);

	return config_parser_done(p, cfgp);
}
