/* acl.c: which local user may do what with an application ID: app_acl rules, acl.d drop-ins, one decision. */
#include <string.h>
#include <stdlib.h>
#include <stdarg.h>
#include <errno.h>
#include <ctype.h>
#include <unistd.h>
#include <pwd.h>
#include <grp.h>
#include <sys/socket.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "acl.h"
#include "dropin.h"

#define DEBUG_MODULE "acl"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * In the manner of ubus's acl.d: the access list is a set of allow
 * lines, from the configuration (app_acl keys) and from drop-in files
 * that packages ship (acl.d/NAME.conf, one "app_acl ..." per line):
 *
 *     app_acl APP RIGHTS WHO...
 *
 * APP is an application ID in any form, or "*" for every ID; RIGHTS a
 * comma list of own, monitor, send, status (or all); WHO one or more of
 * user:NAME, uid:N, group:NAME, gid:N or "*" (anyone who can open the
 * socket). Names are resolved when the list is loaded.
 *
 * The decision (acl_allowed), one function for every local request:
 *  - root and the daemon's own user may do everything;
 *  - an ID that a line names is open only to what its lines and the
 *    "*" lines grant;
 *  - an ID no line names gets what the "*" lines grant, and beyond that
 *    acl_default (allow or deny);
 *  - the daemon as a whole (appid NULL: STATUS in full) counts as "*":
 *    once a "*" line grants status, only its principals get it.
 * A group matches the primary group and the supplementary groups of the
 * client as the kernel reported them at connect time.
 */

enum who_kind {
	WHO_ANY,
	WHO_UID,
	WHO_GID,
};

struct who {
	enum who_kind kind;
	uint32_t id;
};

struct rule {
	struct le le;
	bool any_app;                 /* "*" */
	char app[APPID_SIZE];         /* canonical */
	unsigned rights;
	struct who who[ACL_WHO_MAX];
	size_t nwho;
};

struct acl {
	struct list rules;
	size_t n;
	bool default_allow;
	uint32_t self_uid;
};


static void acl_destructor(void *arg)
{
	struct acl *acl = arg;

	list_flush(&acl->rules);
}


/**
 * An empty list.
 *
 * @param ap             Pointer to allocated list
 * @param default_allow  acl_default: what IDs without a line get
 * @param self_uid       The daemon's own uid (always allowed)
 */
int acl_alloc(struct acl **ap, bool default_allow, uint32_t self_uid)
{
	struct acl *acl;

	if (!ap)
		return EINVAL;

	acl = mem_zalloc(sizeof(*acl), acl_destructor);
	if (!acl)
		return ENOMEM;

	list_init(&acl->rules);
	acl->default_allow = default_allow;
	acl->self_uid      = self_uid;

	*ap = acl;
	return 0;
}


static const struct {
	const char *name;
	unsigned right;
} rights[] = {
	{"own",     ACL_OWN},
	{"monitor", ACL_MONITOR},
	{"send",    ACL_SEND},
	{"status",  ACL_STATUS},
	{"all",     ACL_ALL},
};


const char *acl_right_name(unsigned right)
{
	for (size_t i = 0; i < ARRAY_SIZE(rights); i++)
		if (rights[i].right == right)
			return rights[i].name;

	return "?";
}


static int parse_rights(unsigned *out, const struct pl *pl)
{
	struct pl v = *pl;

	*out = 0;
	while (v.l) {
		const char *comma = pl_strchr(&v, ',');
		struct pl tok = { v.p, comma ? (size_t)(comma - v.p) : v.l };
		bool found = false;

		pl_advance(&v, comma ? tok.l + 1 : tok.l);

		for (size_t i = 0; i < ARRAY_SIZE(rights); i++) {
			if (!pl_strcmp(&tok, rights[i].name)) {
				*out |= rights[i].right;
				found = true;
			}
		}
		if (!found)
			return EINVAL;
	}

	return *out ? 0 : EINVAL;
}


static int parse_id(uint32_t *id, const char *s)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return EINVAL;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v >= 0xffffffffUL)
		return EINVAL;

	*id = (uint32_t)v;
	return 0;
}


/* user:NAME uid:N group:NAME gid:N *; ENOENT for a name not known here */
static int parse_who(struct who *w, const char *s)
{
	char buf[1024];
	int err;

	if (!strcmp(s, "*")) {
		w->kind = WHO_ANY;
		w->id   = 0;
		return 0;
	}

	if (!strncmp(s, "uid:", 4)) {
		w->kind = WHO_UID;
		return parse_id(&w->id, s + 4);
	}

	if (!strncmp(s, "gid:", 4)) {
		w->kind = WHO_GID;
		return parse_id(&w->id, s + 4);
	}

	if (!strncmp(s, "user:", 5) && s[5]) {
		struct passwd pw, *pwp = NULL;

		err = getpwnam_r(s + 5, &pw, buf, sizeof(buf), &pwp);
		if (err)
			return err;
		if (!pwp)
			return ENOENT;
		w->kind = WHO_UID;
		w->id   = (uint32_t)pw.pw_uid;
		return 0;
	}

	if (!strncmp(s, "group:", 6) && s[6]) {
		struct group gr, *grp = NULL;

		err = getgrnam_r(s + 6, &gr, buf, sizeof(buf), &grp);
		if (err)
			return err;
		if (!grp)
			return ENOENT;
		w->kind = WHO_GID;
		w->id   = (uint32_t)gr.gr_gid;
		return 0;
	}

	return EINVAL;
}


static void rule_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errsz)
		return;

	va_start(ap, fmt);
	(void)re_vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}


/**
 * Add one rule: "APP RIGHTS WHO [WHO...]" (the value of an app_acl
 * line). A user or group name unknown on this system is left out with a
 * warning: a package's drop-in may name an account that is not there.
 *
 * @return 0, EINVAL (err says what), E2BIG (list full)
 */
int acl_rule_add(struct acl *acl, const char *rule, char *err, size_t errsz)
{
	struct rule *r;
	char buf[ACL_LINE_MAX + 1];
	char *tok, *save = NULL;
	int n = 0, e;

	if (!acl || !rule)
		return EINVAL;

	if (strlen(rule) > ACL_LINE_MAX) {
		rule_err(err, errsz, "longer than %u characters",
			 ACL_LINE_MAX);
		return EINVAL;
	}

	if (acl->n >= ACL_RULES_MAX) {
		rule_err(err, errsz, "more than %u app_acl lines",
			 ACL_RULES_MAX);
		return E2BIG;
	}

	r = mem_zalloc(sizeof(*r), NULL);
	if (!r)
		return ENOMEM;

	str_ncpy(buf, rule, sizeof(buf));

	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save), n++) {

		if (n == 0) {
			if (!strcmp(tok, "*")) {
				r->any_app = true;
				continue;
			}
			if (appid_normalise_str(r->app, sizeof(r->app),
						tok)) {
				rule_err(err, errsz, "bad application ID '%s'",
					 tok);
				goto bad;
			}
			continue;
		}

		if (n == 1) {
			struct pl pl;

			pl_set_str(&pl, tok);
			if (parse_rights(&r->rights, &pl)) {
				rule_err(err, errsz, "bad rights '%s' (a comma "
					 "list of own, monitor, send, status, "
					 "all)", tok);
				goto bad;
			}
			continue;
		}

		if (r->nwho >= ACL_WHO_MAX) {
			rule_err(err, errsz, "more than %u principals",
				 ACL_WHO_MAX);
			goto bad;
		}

		e = parse_who(&r->who[r->nwho], tok);
		if (e == ENOENT) {
			DEBUG_WARNING("app_acl %s: '%s' is not known here; "
				      "left out\n", rule, tok);
			continue;
		}
		if (e) {
			rule_err(err, errsz, "bad principal '%s' (user:NAME, "
				 "uid:N, group:NAME, gid:N or *)", tok);
			goto bad;
		}
		++r->nwho;
	}

	if (n < 3) {
		rule_err(err, errsz, "want APP RIGHTS WHO...");
		goto bad;
	}

	list_append(&acl->rules, &r->le, r);
	++acl->n;
	return 0;

 bad:
	mem_deref(r);
	return EINVAL;
}


static bool who_match(const struct who *w, const struct acl_cred *cr)
{
	switch (w->kind) {

	case WHO_ANY:
		return true;

	case WHO_UID:
		return w->id == cr->uid;

	case WHO_GID:
		if (w->id == cr->gid)
			return true;
		for (size_t i = 0; i < cr->ngroups && i < ACL_GROUPS_MAX; i++)
			if (cr->groups[i] == w->id)
				return true;
		return false;

	default:
		return false;
	}
}


static bool rule_grants(const struct rule *r, const struct acl_cred *cr,
			unsigned right)
{
	if (!(r->rights & right))
		return false;

	for (size_t i = 0; i < r->nwho; i++)
		if (who_match(&r->who[i], cr))
			return true;

	return false;
}


/**
 * May this client do this with this application ID?
 *
 * @param acl    The list (NULL: everything is allowed)
 * @param cr     The client's credentials
 * @param appid  Canonical application ID, or NULL for the daemon as a
 *               whole (STATUS in full)
 * @param right  One ACL_* right
 */
bool acl_allowed(const struct acl *acl, const struct acl_cred *cr,
		 const char *appid, unsigned right)
{
	bool named = false;
	struct le *le;

	if (!acl)
		return true;

	if (!cr)
		return false;

	if (cr->uid == 0 || cr->uid == acl->self_uid)
		return true;

	LIST_FOREACH(&acl->rules, le) {
		const struct rule *r = le->data;

		if (r->any_app) {
			if (rule_grants(r, cr, right))
				return true;
			/* the daemon as a whole is closed by any "*" line
			 * that speaks of this right */
			if (!appid && (r->rights & right))
				named = true;
			continue;
		}

		if (!appid || strcmp(r->app, appid))
			continue;

		named = true;
		if (rule_grants(r, cr, right))
			return true;
	}

	return named ? false : acl->default_allow;
}


size_t acl_count(const struct acl *acl)
{
	return acl ? acl->n : 0;
}


/* --- acl.d ---------------------------------------------------------------- */

/* One drop-in: lines "app_acl RULE", "#" comments, blank lines. */
static int load_file(struct acl *acl, const char *path, char *err,
		     size_t errsz)
{
	char *buf = NULL, *line, *save = NULL;
	char rerr[160];
	unsigned lineno = 0;
	int e;

	/* whoever may write a drop-in grants rights: root or us only */
	e = dropin_read(&buf, NULL, path, acl->self_uid, ACL_FILE_BYTES_MAX,
			err, errsz);
	if (e)
		return e;

	for (line = buf; line; line = save) {
		char *p, *end;

		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		++lineno;

		p = line;
		while (*p == ' ' || *p == '\t')
			++p;
		if (!*p || *p == '#')
			continue;

		end = p + strlen(p);
		while (end > p && isspace((unsigned char)end[-1]))
			*--end = '\0';

		if (strncmp(p, "app_acl", 7) || (p[7] != ' ' && p[7] != '\t')) {
			rule_err(err, errsz, "%s:%u: only app_acl lines "
				 "belong in a drop-in", path, lineno);
			e = EINVAL;
			goto out;
		}

		p += 8;
		while (*p == ' ' || *p == '\t')
			++p;

		rerr[0] = '\0';
		e = acl_rule_add(acl, p, rerr, sizeof(rerr));
		if (e) {
			rule_err(err, errsz, "%s:%u: app_acl: %s", path,
				 lineno, rerr);
			goto out;
		}
	}

 out:
	mem_deref(buf);
	return e;
}


/**
 * Read the drop-ins of a directory (acl.d): every NAME.conf, in name
 * order. A missing directory is no error; a bad file is (err says
 * FILE:LINE: what), and so is one that others than root or the daemon
 * could have written.
 */
int acl_load_dir(struct acl *acl, const char *dir, char *err, size_t errsz)
{
	char *paths[ACL_FILES_MAX];
	size_t n = 0;
	int e;

	if (!acl || !dir)
		return EINVAL;

	e = dropin_list(dir, paths, ACL_FILES_MAX, &n, err, errsz);

	for (size_t i = 0; i < n; i++) {
		if (!e)
			e = load_file(acl, paths[i], err, errsz);
		mem_deref(paths[i]);
	}

	return e;
}


/* --- who is on the other end of the socket -------------------------------- */

static void groups_of_user(struct acl_cred *cr)
{
	struct passwd pw, *pwp = NULL;
	gid_t g[ACL_GROUPS_MAX];
	int ng = ACL_GROUPS_MAX;
	char buf[1024];

	if (getpwuid_r((uid_t)cr->uid, &pw, buf, sizeof(buf), &pwp) || !pwp)
		return;

	/* more than fit: the first ones (fewer groups only ever deny) */
	if (getgrouplist(pw.pw_name, (gid_t)cr->gid, g, &ng) < 0)
		ng = ACL_GROUPS_MAX;

	for (int i = 0; i < ng && i < ACL_GROUPS_MAX; i++)
		cr->groups[cr->ngroups++] = (uint32_t)g[i];
}


/**
 * The credentials of a UNIX socket's peer: uid, gid and pid from
 * SO_PEERCRED, the supplementary groups from SO_PEERGROUPS (what the
 * process really had at connect time), or, on kernels before 4.13, the
 * groups of its user from getgrouplist().
 */
int acl_cred_get(struct acl_cred *cr, int fd)
{
	struct ucred uc;
	socklen_t l = sizeof(uc);
	gid_t g[ACL_GROUPS_MAX];

	if (!cr)
		return EINVAL;

	memset(cr, 0, sizeof(*cr));

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &l) < 0)
		return errno;

	cr->uid = (uint32_t)uc.uid;
	cr->gid = (uint32_t)uc.gid;
	cr->pid = (uint32_t)uc.pid;

#ifdef SO_PEERGROUPS
	l = sizeof(g);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &l) == 0) {
		for (size_t i = 0; i < l / sizeof(g[0]); i++)
			cr->groups[cr->ngroups++] = (uint32_t)g[i];
		return 0;
	}
	if (errno == ERANGE) {
		/* more than ACL_GROUPS_MAX: take what the user has */
		groups_of_user(cr);
		return 0;
	}
#else
	(void)g;
#endif

	groups_of_user(cr);
	return 0;
}


int acl_cred_print(struct re_printf *pf, const struct acl_cred *cr)
{
	int err;

	if (!cr)
		return 0;

	err = re_hprintf(pf, "pid %u uid %u gid %u", cr->pid, cr->uid,
			 cr->gid);
	for (size_t i = 0; i < cr->ngroups && i < 8; i++)
		err |= re_hprintf(pf, "%s%u", i ? "," : " groups ",
				  cr->groups[i]);
	if (cr->ngroups > 8)
		err |= re_hprintf(pf, ",...");

	return err;
}
