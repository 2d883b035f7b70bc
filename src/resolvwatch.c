/* resolvwatch.c: re-reads the DNS servers when resolv.conf changes (inotify, symlinks followed). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/inotify.h>
#include <re.h>
#include "autoconf.h"
#include "compat.h"
#include "resolvwatch.h"

#define DEBUG_MODULE "resolvwatch"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * resolv.conf is rarely a plain file that is rewritten in place: DHCP
 * clients and netifd write a new file and rename it over the old one,
 * and on OpenWrt /etc/resolv.conf is a symlink to /tmp/resolv.conf(.d/…),
 * whose directory may not even exist at boot. So we watch the directory
 * of every name on the symlink chain for that one name (a rename or a new
 * link shows there), the final file's inode for writes in place, and, for
 * a directory that does not exist yet, its parent for its creation. Any
 * of these restarts a short timer; when it fires the chain is followed
 * again, the watches renewed and the servers re-read, and the handler
 * runs only if the server list differs. No polling: nothing wakes us
 * unless something in those directories changes.
 */

enum {
	MAX_NAMES  = 6,        /* symlink hops + missing-directory steps */
	MAX_FILE   = 65536,    /* bytes of resolv.conf read */
	EV_BUF     = 4096,
	DIR_MASK   = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
		     IN_ONLYDIR,
	FILE_MASK  = IN_CLOSE_WRITE | IN_MODIFY,
};

struct name_watch {
	int wd;
	char *dir;
	char *base;
};

struct resolvwatch {
	int fd;
	char *path;
	struct name_watch nv[MAX_NAMES];
	size_t nc;
	int file_wd;
	struct sa srvv[RESOLVWATCH_MAX_NS];
	uint32_t srvc;
	struct tmr tmr;
	uint32_t debounce_ms;
	uint32_t changes;      /* handler calls */
	uint32_t wakeups;      /* inotify reads */
	resolvwatch_h *h;
	void *arg;
};


static void unwatch(struct resolvwatch *rw)
{
	for (size_t i = 0; i < rw->nc; i++) {
		if (rw->nv[i].wd >= 0)
			(void)inotify_rm_watch(rw->fd, rw->nv[i].wd);
		rw->nv[i].dir  = mem_deref(rw->nv[i].dir);
		rw->nv[i].base = mem_deref(rw->nv[i].base);
	}
	rw->nc = 0;

	if (rw->file_wd >= 0)
		(void)inotify_rm_watch(rw->fd, rw->file_wd);
	rw->file_wd = -1;
}


static void destructor(void *arg)
{
	struct resolvwatch *rw = arg;

	tmr_cancel(&rw->tmr);
	if (rw->fd >= 0) {
		unwatch(rw);
		compat_fd_close(rw->fd);
		(void)close(rw->fd);
	}
	mem_deref(rw->path);
}


/* Split path into a directory ("." if none) and the last component. */
static int split(const char *path, char **dir, char **base)
{
	const char *slash = strrchr(path, '/');
	struct pl d, b;

	if (!slash) {
		pl_set_str(&d, ".");
		pl_set_str(&b, path);
	}
	else {
		d.p = path;
		d.l = slash == path ? 1 : (size_t)(slash - path);
		pl_set_str(&b, slash + 1);
	}

	if (!b.l)
		return EINVAL;

	*dir = NULL;
	*base = NULL;
	if (pl_strdup(dir, &d) || pl_strdup(base, &b)) {
		*dir = mem_deref(*dir);
		return ENOMEM;
	}

	return 0;
}


/* Watch dir for name; if dir is missing, its parent for dir instead. */
static int watch_name(struct resolvwatch *rw, const char *path)
{
	char *dir = NULL, *base = NULL;
	int err, wd;

	while (rw->nc < MAX_NAMES) {
		err = split(path, &dir, &base);
		if (err)
			return err;

		wd = inotify_add_watch(rw->fd, dir, DIR_MASK);
		rw->nv[rw->nc].wd   = wd;
		rw->nv[rw->nc].dir  = dir;
		rw->nv[rw->nc].base = base;
		++rw->nc;

		if (wd >= 0)
			return 0;

		if (errno != ENOENT && errno != ENOTDIR) {
			err = errno;
			DEBUG_WARNING("cannot watch %s: %m\n", dir, err);
			return err;
		}

		/* wait for the directory to appear in its parent */
		if (!strcmp(dir, "/") || !strcmp(dir, "."))
			return ENOENT;
		path = dir;
	}

	return E2BIG;
}


/* Follow the symlink chain of rw->path, watching each name's directory. */
static void watch_chain(struct resolvwatch *rw)
{
	char cur[PATH_MAX], link[PATH_MAX];

	unwatch(rw);
	str_ncpy(cur, rw->path, sizeof(cur));

	while (rw->nc < MAX_NAMES) {
		const char *slash;
		ssize_t n;

		if (watch_name(rw, cur))
			break;

		n = readlink(cur, link, sizeof(link) - 1);
		if (n <= 0)
			break;   /* not a link (or gone): the end of the chain */
		link[n] = '\0';

		slash = strrchr(cur, '/');
		if (link[0] == '/' || !slash) {
			str_ncpy(cur, link, sizeof(cur));
		}
		else {
			size_t dl = (size_t)(slash - cur) + 1;

			if (dl + (size_t)n >= sizeof(cur))
				break;
			memcpy(cur + dl, link, (size_t)n + 1);
		}
	}

	/* writes in place: the final file itself (the kernel follows the
	 * links); missing now is fine, a directory event brings us back */
	rw->file_wd = inotify_add_watch(rw->fd, rw->path, FILE_MASK);
}


static bool same(const struct sa *a, uint32_t an, const struct sa *b,
		 uint32_t bn)
{
	if (an != bn)
		return false;

	for (uint32_t i = 0; i < an; i++)
		if (!sa_cmp(&a[i], &b[i], SA_ALL))
			return false;

	return true;
}


static void tmr_handler(void *arg)
{
	struct resolvwatch *rw = arg;
	struct sa srvv[RESOLVWATCH_MAX_NS];
	uint32_t srvc = RESOLVWATCH_MAX_NS;
	int err;

	watch_chain(rw);

	err = resolvwatch_read(rw->path, srvv, &srvc);
	if (err)
		srvc = 0;

	if (same(srvv, srvc, rw->srvv, rw->srvc)) {
		DEBUG_PRINTF("%s changed, same name servers\n", rw->path);
		return;
	}

	memcpy(rw->srvv, srvv, sizeof(srvv[0]) * srvc);
	rw->srvc = srvc;
	++rw->changes;

	if (srvc)
		DEBUG_INFO("%s: %u name server%s, first %J\n", rw->path, srvc,
			   srvc == 1 ? "" : "s", &srvv[0]);
	else
		DEBUG_NOTICE("%s: no name servers (%m)\n", rw->path,
			     err ? err : ENOENT);

	if (rw->h)
		rw->h(rw->srvv, rw->srvc, rw->arg);
}


static bool relevant(const struct resolvwatch *rw,
		     const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW)
		return true;

	if (ev->wd == rw->file_wd)
		return (ev->mask & (FILE_MASK | IN_IGNORED)) != 0;

	if (!ev->len)
		return false;

	for (size_t i = 0; i < rw->nc; i++) {
		if (rw->nv[i].wd == ev->wd && !strcmp(rw->nv[i].base,
						      ev->name))
			return true;
	}

	return false;
}


static void read_handler(int flags, void *arg)
{
	struct resolvwatch *rw = arg;
	char buf[EV_BUF] __attribute__((aligned(__alignof__(struct
							    inotify_event))));
	bool hit = false;
	ssize_t n;
	(void)flags;

	++rw->wakeups;

	while ((n = read(rw->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n; ) {
			const struct inotify_event *ev = (void *)p;

			hit |= relevant(rw, ev);
			p += sizeof(*ev) + ev->len;
		}
	}

	if (hit)
		tmr_start(&rw->tmr, rw->debounce_ms, tmr_handler, rw);
}


/* One "nameserver ADDR" value: IPv4, IPv6, IPv6 with %interface. */
static int ns_decode(struct sa *sa, const struct pl *val)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	char *pct;
	unsigned scope = 0;

	if (val->l >= sizeof(host))
		return EINVAL;
	(void)pl_strcpy(val, host, sizeof(host));

	pct = strchr(host, '%');
	if (pct) {
		*pct++ = '\0';
		scope = if_nametoindex(pct);
		if (!scope)
			scope = (unsigned)pl_u32(&(struct pl){pct,
							     strlen(pct)});
		if (!scope)
			return EINVAL;
	}

	/* libre leaves sin6_flowinfo/scope_id as they were */
	memset(sa, 0, sizeof(*sa));
	if (sa_set_str(sa, host, 53))
		return EINVAL;

	if (pct) {
		if (sa_af(sa) != AF_INET6)
			return EINVAL;
		sa->u.in6.sin6_scope_id = scope;
	}

	return 0;
}


/**
 * Name servers of a resolv.conf text ("nameserver ADDR" lines; others and
 * malformed addresses are skipped).
 *
 * @param buf   File contents
 * @param len   Length
 * @param srvv  Servers out (port 53)
 * @param srvc  In: room in srvv; out: servers found (at most the room)
 *
 * @return 0 if success, otherwise errorcode
 */
int resolvwatch_parse(const char *buf, size_t len, struct sa *srvv,
		      uint32_t *srvc)
{
	static const char kw[] = "nameserver";
	const char *p, *end;
	uint32_t n = 0;

	if (!buf || !srvv || !srvc)
		return EINVAL;

	p = buf;
	end = buf + len;

	while (p < end && n < *srvc) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q;
		struct pl val;

		if (!eol)
			eol = end;

		q = p;
		p = eol + 1;

		while (q < eol && (*q == ' ' || *q == '\t'))
			++q;
		if ((size_t)(eol - q) <= sizeof(kw) - 1 ||
		    memcmp(q, kw, sizeof(kw) - 1) ||
		    (q[sizeof(kw) - 1] != ' ' && q[sizeof(kw) - 1] != '\t'))
			continue;

		q += sizeof(kw) - 1;
		while (q < eol && (*q == ' ' || *q == '\t'))
			++q;
		val.p = q;
		while (q < eol && !strchr(" \t\r#;", *q))
			++q;
		val.l = (size_t)(q - val.p);
		if (!val.l)
			continue;

		if (ns_decode(&srvv[n], &val)) {
			DEBUG_NOTICE("resolv.conf: bad name server '%r' "
				     "skipped\n", &val);
			continue;
		}
		++n;
	}

	*srvc = n;
	return 0;
}


/** Read the name servers of the file at path (see resolvwatch_parse). */
int resolvwatch_read(const char *path, struct sa *srvv, uint32_t *srvc)
{
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd, err = 0;

	if (!path || !srvv || !srvc)
		return EINVAL;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;

	buf = mem_alloc(MAX_FILE, NULL);
	if (!buf) {
		err = ENOMEM;
		goto out;
	}

	while (len < MAX_FILE &&
	       (n = read(fd, buf + len, MAX_FILE - len)) > 0)
		len += (size_t)n;

	err = resolvwatch_parse(buf, len, srvv, srvc);

 out:
	mem_deref(buf);
	(void)close(fd);
	return err;
}


/**
 * Watch a resolv.conf and report changes of its name servers.
 *
 * @param rwp          Pointer to allocated watcher
 * @param path         The file (e.g. /etc/resolv.conf); links are followed
 * @param debounce_ms  Quiet time after the last change (0: 100 ms)
 * @param h            Called when the name servers changed
 * @param arg          Handler argument
 *
 * @return 0 if success, otherwise errorcode; the servers read now are in
 *         resolvwatch_servers() (the handler is not called for them)
 */
int resolvwatch_alloc(struct resolvwatch **rwp, const char *path,
		      uint32_t debounce_ms, resolvwatch_h *h, void *arg)
{
	struct resolvwatch *rw;
	int err;

	if (!rwp || !path || !*path || !h)
		return EINVAL;

	rw = mem_zalloc(sizeof(*rw), destructor);
	if (!rw)
		return ENOMEM;

	rw->fd = -1;
	rw->file_wd = -1;
	tmr_init(&rw->tmr);
	rw->debounce_ms = debounce_ms ? debounce_ms : 100;
	rw->h = h;
	rw->arg = arg;

	err = str_dup(&rw->path, path);
	if (err)
		goto out;

	rw->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (rw->fd < 0) {
		err = errno;
		goto out;
	}

	err = compat_fd_listen(rw->fd, FD_READ, read_handler, rw);
	if (err) {
		(void)close(rw->fd);
		rw->fd = -1;
		goto out;
	}

	watch_chain(rw);
	if (!rw->nc || rw->nv[0].wd < 0)
		DEBUG_NOTICE("%s: directory not watchable yet\n", path);

	rw->srvc = RESOLVWATCH_MAX_NS;
	if (resolvwatch_read(path, rw->srvv, &rw->srvc))
		rw->srvc = 0;

 out:
	if (err) {
		DEBUG_WARNING("watching %s: %m\n", path, err);
		mem_deref(rw);
	}
	else {
		*rwp = rw;
	}

	return err;
}


/** The name servers last read; returns their count */
uint32_t resolvwatch_servers(const struct resolvwatch *rw,
			     const struct sa **srvv)
{
	if (!rw)
		return 0;

	if (srvv)
		*srvv = rw->srvv;

	return rw->srvc;
}


/** How often the name servers changed (handler calls) */
uint32_t resolvwatch_changes(const struct resolvwatch *rw)
{
	return rw ? rw->changes : 0;
}


/** How often inotify woke us up */
uint32_t resolvwatch_wakeups(const struct resolvwatch *rw)
{
	return rw ? rw->wakeups : 0;
}
