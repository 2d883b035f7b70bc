/* lines.c: the repeatable configuration keys, one line into one element each (apps, routes, senders, commands, stores, proxies, ACL lines). */
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "mediatype.h"
#include "acl.h"
#include "config.h"
#include "config_priv.h"
#include "trust.h"

#define DEBUG_MODULE "config"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


int config_elem_app(struct parse *ps, const struct ckey *k,
		    const struct pl *v, void *elem, const void *arr, size_t n)
{
	const char (*apps)[APPID_SIZE] = arr;
	char *id = elem;
	int err;

	err = config_app(ps, k->name, v, id);
	if (err)
		return err;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(apps[i], id))
			return config_fail(ps, k->name, "application ID '%s' "
					   "given twice", id);

	return 0;
}


int config_elem_route(struct parse *ps, const struct ckey *k,
		      const struct pl *v, void *elem, const void *arr,
		      size_t n)
{
	const struct config_route *routes = arr;
	struct config_route *rt = elem;
	struct pl w[2];
	int err;

	err = config_words(ps, k->name, v, w, 2, false,
			   "CONTENT-TYPE APP-ID");
	if (err)
		return err;

	if (w[0].l >= sizeof(rt->ctype) ||
	    !mediatype_valid(w[0].p, w[0].l, 0))
		return config_fail(ps, k->name, "'%r' is not a type/subtype",
				   &w[0]);

	(void)pl_strcpy(&w[0], rt->ctype, sizeof(rt->ctype));
	for (char *c = rt->ctype; *c; c++)
		*c = (char)tolower((unsigned char)*c);

	err = config_app(ps, k->name, &w[1], rt->appid);
	if (err)
		return err;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(routes[i].ctype, rt->ctype))
			return config_fail(ps, k->name, "content type %s "
					   "routed twice", rt->ctype);

	return 0;
}


int config_elem_sender(struct parse *ps, const struct ckey *k,
		       const struct pl *v, void *elem, const void *arr,
		       size_t n)
{
	struct config_sender *sd = elem;
	struct pl w[2];
	int err;
	(void)arr;
	(void)n;

	err = config_words(ps, k->name, v, w, 2, true, "APP-ID SENDER "
			   "(sip:user@host, *@host or *) [asserted]");
	if (err)
		return err;

	/* an optional last word: only an identity the core asserted */
	for (size_t i = 0; i < w[1].l; i++) {
		struct pl flag;

		if (w[1].p[i] != ' ' && w[1].p[i] != '\t')
			continue;

		flag.p = w[1].p + i;
		flag.l = w[1].l - i;
		while (flag.l && (*flag.p == ' ' || *flag.p == '\t'))
			pl_advance(&flag, 1);
		if (pl_strcmp(&flag, "asserted"))
			return config_fail(ps, k->name, "expected 'asserted' "
					   "after the sender, not '%r'", &flag);
		sd->asserted = true;
		w[1].l = i;
		break;
	}

	err = config_app(ps, k->name, &w[0], sd->appid);
	if (err)
		return err;

	if (w[1].l >= sizeof(sd->pattern))
		return config_fail(ps, k->name, "sender pattern longer than "
				   "%zu", sizeof(sd->pattern) - 1);

	if (pl_strcmp(&w[1], "*") &&
	    !(w[1].l > 2 && !strncmp(w[1].p, "*@", 2))) {
		err = config_sip_uri(ps, k->name, &w[1], false);
		if (err)
			return err;
	}

	return pl_strcpy(&w[1], sd->pattern, sizeof(sd->pattern));
}


/* "app_exec APP /path/to/command [ARGS...]": no shell, so no quoting:
 * the words are split at blanks when the command is started */
int config_elem_exec(struct parse *ps, const struct ckey *k,
		     const struct pl *v, void *elem, const void *arr, size_t n)
{
	const struct config_exec *execs = arr;
	struct config_exec *ex = elem;
	struct pl w[2], rest;
	unsigned words = 0;
	int err;

	err = config_words(ps, k->name, v, w, 2, true,
			   "APP-ID /PATH/TO/COMMAND [ARGS...]");
	if (err)
		return err;

	err = config_app(ps, k->name, &w[0], ex->appid);
	if (err)
		return err;

	if (w[1].p[0] != '/')
		return config_fail(ps, k->name, "'%r' is not an absolute path "
				   "(no shell runs it)", &w[1]);

	if (w[1].l > CONFIG_EXEC_MAX)
		return config_fail(ps, k->name, "command longer than %u",
				   CONFIG_EXEC_MAX);

	for (rest = w[1]; rest.l; ) {
		size_t l = 0;

		while (rest.l && (*rest.p == ' ' || *rest.p == '\t'))
			pl_advance(&rest, 1);
		while (l < rest.l && rest.p[l] != ' ' && rest.p[l] != '\t')
			++l;
		if (l)
			++words;
		pl_advance(&rest, l);
	}

	if (words > CONFIG_EXEC_ARGS)
		return config_fail(ps, k->name, "more than %u words",
				   CONFIG_EXEC_ARGS);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(execs[i].appid, ex->appid))
			return config_fail(ps, k->name, "a command for %s is "
					   "given already", ex->appid);

	return pl_strcpy(&w[1], ex->cmd, sizeof(ex->cmd));
}


/* "app_store APP COUNT BYTES" */
int config_elem_store(struct parse *ps, const struct ckey *k,
		      const struct pl *v, void *elem, const void *arr,
		      size_t n)
{
	const struct config_store *stores = arr;
	struct config_store *st = elem;
	struct pl w[3];
	int err;

	err = config_words(ps, k->name, v, w, 3, false,
			   "APP-ID COUNT BYTES");
	if (err)
		return err;

	err = config_app(ps, k->name, &w[0], st->appid);
	if (err)
		return err;

	err = config_u32(ps, k->name, &st->count, &w[1], 1, 65536);
	if (err)
		return err;

	err = config_u32(ps, k->name, &st->bytes, &w[2], 1, UINT32_MAX);
	if (err)
		return err;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(stores[i].appid, st->appid))
			return config_fail(ps, k->name, "%s has a store "
					   "already", st->appid);

	return 0;
}


/* A network interface name as the kernel takes it (IFNAMSIZ - 1) */
int config_check_ifname(struct parse *ps, const struct ckey *k,
			const struct pl *v)
{
	if (!v->l || v->l > 15)
		goto bad;

	for (size_t i = 0; i < v->l; i++) {
		char c = v->p[i];

		if (!isalnum((unsigned char)c) && !strchr("-_.@", c))
			goto bad;
	}

	return 0;

 bad:
	return config_fail(ps, k->name, "'%r' is not an interface name", v);
}


int config_elem_trusted(struct parse *ps, const struct ckey *k,
			const struct pl *v, void *elem, const void *arr,
			size_t n)
{
	const struct config_trusted *tv = arr;
	struct config_trusted *t = elem;
	int err;

	if (v->l >= sizeof(t->entry))
		return config_fail(ps, k->name, "longer than %zu",
				   sizeof(t->entry) - 1);

	(void)pl_strcpy(v, t->entry, sizeof(t->entry));

	err = trust_entry_check(t->entry);
	if (err == ERANGE)
		return config_fail(ps, k->name, "'%s': prefix length out of "
				   "range or host bits set", t->entry);
	if (err)
		return config_fail(ps, k->name, "'%s' is no address, "
				   "network or host name", t->entry);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(tv[i].entry, t->entry))
			return config_fail(ps, k->name, "%s given twice",
					   t->entry);

	return 0;
}


int config_elem_proxy(struct parse *ps, const struct ckey *k,
		      const struct pl *v, void *elem, const void *arr,
		      size_t n)
{
	const struct config_proxy *proxies = arr;
	struct config_proxy *px = elem;
	int err;

	if (v->l >= sizeof(px->uri))
		return config_fail(ps, k->name, "URI longer than %zu",
				   sizeof(px->uri) - 1);

	err = config_sip_uri(ps, k->name, v, false);
	if (err)
		return err;

	(void)pl_strcpy(v, px->uri, sizeof(px->uri));

	for (size_t i = 0; i < n; i++)
		if (!strcmp(proxies[i].uri, px->uri))
			return config_fail(ps, k->name, "%s given twice",
					   px->uri);

	return 0;
}


_Static_assert((int)CONFIG_ACL_LINE == (int)ACL_LINE_MAX,
	       "an app_acl line holds what acl.c takes");

/* "app_acl APP RIGHTS WHO...": checked by the parser that will read it
 * (acl.c), so -t says what is wrong with it */
int config_elem_acl(struct parse *ps, const struct ckey *k,
		    const struct pl *v, void *elem, const void *arr, size_t n)
{
	struct config_acl *a = elem;
	struct acl *acl = NULL;
	char why[160] = "";
	int err;
	(void)arr;
	(void)n;

	if (v->l > CONFIG_ACL_LINE)
		return config_fail(ps, k->name, "longer than %u characters",
				   CONFIG_ACL_LINE);

	(void)pl_strcpy(v, a->rule, sizeof(a->rule));

	err = acl_alloc(&acl, true, 0);
	if (err)
		return err;
	err = acl_rule_add(acl, a->rule, why, sizeof(why));
	mem_deref(acl);

	return err ? config_fail(ps, k->name, "%s", why) : 0;
}
