/* authz.c: decides who may push to an application ID and who may subscribe to it. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
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
 * when the core asserted one, else From) must match one of them.
 *
 * @param cfg     Configuration
 * @param appid   Canonical application ID
 * @param sender  Sender URI (addr-spec, no display name)
 */
bool authz_sender(const struct config *cfg, const char *appid,
		  const struct pl *sender)
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

		if (uri_match(cfg->senders[i].pattern, &su))
			return true;
	}

	return !listed;
}


/**
 * May this local process subscribe to this application ID?
 *
 * The one place every SUBSCRIBE passes. Today any process that can open
 * the socket (mode 0660: owner and group) may subscribe to any ID; the
 * per-application ACL (ubus acl.d style, keyed by uid/gid) goes here.
 *
 * @return 0 if allowed, EPERM if not
 */
int authz_subscribe(const struct config *cfg, uint32_t uid, uint32_t gid,
		    uint32_t pid, const char *appid)
{
	(void)cfg;
	(void)uid;
	(void)gid;
	(void)pid;

	DEBUG_PRINTF("subscribe %s by uid=%u gid=%u pid=%u: allowed\n",
		     appid, uid, gid, pid);

	return appid ? 0 : EPERM;
}
