/* files.c: configuration from files: the main one and drop-in directories. */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
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


/* DIR/ *.conf, sorted by name, into names (at most FILES_MAX, each
 * mem-allocated; the caller frees n of them). A missing directory has
 * none. */
static int dropin_names(struct parse *ps, const char *dir, char **names,
			size_t *np)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	int e = 0;

	*np = 0;

	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		e = errno;
		(void)re_snprintf(ps->err, ps->errsz, "%s: cannot open: %m",
				  dir, e);
		return e;
	}

	while ((de = readdir(d)) && !e) {
		if (!dropin_name(de->d_name))
			continue;
		if (n >= FILES_MAX) {
			(void)re_snprintf(ps->err, ps->errsz, "%s: more than %u "
					  "files", dir, FILES_MAX);
			e = EFBIG;
			break;
		}
		e = re_sdprintf(&names[n], "%s/%s", dir, de->d_name);
		if (!e)
			++n;
	}
	closedir(d);

	qsort(names, n, sizeof(names[0]), name_cmp);
	*np = n;

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

	e = dropin_names(&p->ps, dir, names, &n);

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
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd, e = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		(void)re_snprintf(ps->err, ps->errsz, "%s: cannot open: %m",
				  path, e);
		return e;
	}

	/* whoever may write a drop-in decides what the daemon runs: root
	 * or the daemon's own user, nobody through a group (as acl.d) */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		(void)re_snprintf(ps->err, ps->errsz, "%s: not a regular file "
				  "owned by root and writable by its owner "
				  "only", path);
		e = EPERM;
		goto out;
	}

	if (st.st_size > CONFIG_FILE_MAX) {
		(void)re_snprintf(ps->err, ps->errsz, "%s: larger than %u "
				  "bytes", path, CONFIG_FILE_MAX);
		e = EFBIG;
		goto out;
	}

	buf = mem_alloc((size_t)st.st_size + 1, NULL);
	if (!buf) {
		e = ENOMEM;
		goto out;
	}

	n = read(fd, buf, (size_t)st.st_size);
	if (n < 0) {
		e = errno;
		(void)re_snprintf(ps->err, ps->errsz, "%s: %m", path, e);
		goto out;
	}

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

 out:
	mem_deref(buf);
	(void)close(fd);
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

	e = dropin_names(ps, dir, names, &n);

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
