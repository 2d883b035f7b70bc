/* authz.c: decides who may push to an application ID and what a local client may do with one (the local ACL). */
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "acl.h"
#include "loglimit.h"
#include "authz.h"

#define DEBUG_MODULE "authz"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


/* "sip:user@host" against the sender's URI: scheme sip/sips alike,
 * user case-sensitive (RFC 3261 §19.1.4), host case-insensitive, URI
 * parameters ignored. */
static bool uri_match(const char *pattern, const struct uri *su)
{
	struct uri pu;
	struct pl pl;

	if (!strcmp(pattern, "*"))
		return true;

	if (!strncmp(pattern, "*@", 2))
		return 0 == pl_strcasecmp(&su->host, pattern + 2);

	pl_set_str(&pl, pattern);
	if (uri_decode(&pu, &pl))
		return false;

	return 0 == pl_cmp(&pu.user, &su->user) &&
		0 == pl_casecmp(&pu.host, &su->host);
}


/**
 * May this sender push to this application?
 *
 * An application with no app_sender lines takes pushes from anyone the
 * core lets through; with lines, the sender identity (P-Asserted-Identity
 * when the core asserted one, else From) must match one of them, and a
 * line marked "asserted" only an identity the core asserted (a From is
 * whatever the sender wrote).
 *
 * @param cfg       Configuration
 * @param appid     Canonical application ID
 * @param sender    Sender URI (addr-spec, no display name)
 * @param asserted  sender is the core's P-Asserted-Identity
 */
bool authz_sender(const struct config *cfg, const char *appid,
		  const struct pl *sender, bool asserted)
{
	bool listed = false;
	struct uri su;

	if (!cfg || !appid)
		return false;

	for (size_t i = 0; i < cfg->senderc; i++) {
		if (strcmp(cfg->senders[i].appid, appid))
			continue;

		if (!listed) {
			listed = true;
			if (!sender || uri_decode(&su, sender))
				return false;
		}

		if (cfg->senders[i].asserted && !asserted)
			continue;

		if (uri_match(cfg->senders[i].pattern, &su))
			return true;
	}

	return !listed;
}


/**
 * The local access list from the configuration: app_acl lines, then the
 * drop-ins of acl_dir (packages ship their apps' lines there), with
 * acl_default for the IDs no line names. The daemon's own uid and root
 * may do everything (acl.c).
 *
 * @return 0, or an errno with err saying FILE:LINE: what
 */
int authz_acl_build(struct acl **aclp, const struct config *cfg, char *err,
		    size_t errsz)
{
	struct acl *acl = NULL;
	int e;

	if (!aclp || !cfg)
		return EINVAL;

	e = acl_alloc(&acl, cfg->acl_default == CONFIG_ACL_ALLOW,
		      (uint32_t)geteuid());
	if (e)
		return e;

	for (size_t i = 0; i < cfg->aclc && !e; i++)
		e = acl_rule_add(acl, cfg->acls[i].rule, err, errsz);

	if (!e && cfg->acl_dir)
		e = acl_load_dir(acl, cfg->acl_dir, err, errsz);

	if (e)
		mem_deref(acl);
	else
		*aclp = acl;

	return e;
}


/**
 * May this local client do this with this application ID? The one
 * decision for every local request (SUBSCRIBE as owner or monitor,
 * ACK/NACK, STATUS in full); a refusal is logged, at most LOGLIMIT_LINES
 * a while (a hostile client must not fill the log).
 *
 * @param acl    The list (NULL: everything is allowed)
 * @param cr     The client's credentials (SO_PEERCRED, groups)
 * @param appid  Canonical ID, or NULL for the daemon as a whole
 * @param right  One ACL_* right
 *
 * @return 0 if allowed, EPERM if not
 */
int authz_local(const struct acl *acl, const struct acl_cred *cr,
		const char *appid, unsigned right)
{
	static struct loglimit ll;
	uint32_t left_out;

	if (acl_allowed(acl, cr, appid, right))
		return 0;

	if (loglimit_ok(&ll, tmr_jiffies(), &left_out)) {
		DEBUG_NOTICE("refused: %H may not %s %s (ERR 403)%s\n",
			     acl_cred_print, cr, acl_right_name(right),
			     appid ? appid : "the whole STATUS",
			     left_out ? "; more refusals not logged" : "");
	}

	return EPERM;
}
