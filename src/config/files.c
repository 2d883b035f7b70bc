/* files.c: configuration from files: the main one and drop-in directories. */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <dirent.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "config_priv.h"


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


static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}


static bool dropin_name(const char *n)
{
	size_t l = strlen(n);

	/* "*.conf", not hidden: editors' backups and dpkg's leftovers are
	 * not read */
	return n[0] != '.' && l > 5 && !strcmp(n + l - 5, ".conf");
}


/**
 * Read the drop-in files DIR/ *.conf (no blanks) in name order, at most
 * FILES_MAX of them. A missing directory is no error.
 */
int config_parser_dir(struct config_parser *p, const char *dir)
{
	char *names[FILES_MAX];
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int e = 0;

	if (!p || !dir)
		return EINVAL;

	if (p->ps.error)
		return p->ps.error;

	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		e = errno;
		(void)re_snprintf(p->ps.err, p->ps.errsz, "%s: cannot open: "
				  "%m", dir, e);
		p->ps.error = e;
		return e;
	}

	while ((de = readdir(d)) && !e) {
		if (!dropin_name(de->d_name))
			continue;
		if (n >= FILES_MAX) {
			(void)re_snprintf(p->ps.err, p->ps.errsz, "%s: more "
					  "than %u files", dir, FILES_MAX);
			e = EFBIG;
			break;
		}
		e = re_sdprintf(&names[n], "%s/%s", dir, de->d_name);
		if (!e)
			++n;
	}
	closedir(d);

	qsort(names, n, sizeof(names[0]), name_cmp);

	for (size_t i = 0; i < n; i++) {
		if (!e)
			e = config_parser_file(p, names[i]);
		mem_deref(names[i]);
	}

	if (e)
		p->ps.error = e;
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
