/* uac.c: what the requests we originate share: digest credentials for challenges, and which refusals mean "not offered here". */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "uac.h"

#define DEBUG_MODULE "uac"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

struct uac_cred {
	char *user;
	char *pass;
};


static void destructor(void *arg)
{
	struct uac_cred *c = arg;

	mem_deref(c->user);
	mem_deref(c->pass);
}


/**
 * Keep a copy of the credentials (sip_auth_user/sip_auth_pass).
 *
 * @param credp  Pointer to allocated credentials; NULL when user is NULL
 * @param user   User name, or NULL for none
 * @param pass   Password (NULL: empty)
 *
 * @return 0 if success, otherwise errorcode
 */
int uac_cred_alloc(struct uac_cred **credp, const char *user,
		   const char *pass)
{
	struct uac_cred *c;
	int err;

	if (!credp)
		return EINVAL;

	*credp = NULL;
	if (!user)
		return 0;

	c = mem_zalloc(sizeof(*c), destructor);
	if (!c)
		return ENOMEM;

	err  = str_dup(&c->user, user);
	err |= str_dup(&c->pass, pass ? pass : "");
	if (err) {
		mem_deref(c);
		return ENOMEM;
	}

	*credp = c;
	return 0;
}


/**
 * libre's sip_auth_h: answer a challenge with the credentials in arg
 * (a struct uac_cred, or NULL for none: EAUTH, the request fails).
 */
int uac_auth_handler(char **user, char **pass, const char *realm,
		     void *arg)
{
	const struct uac_cred *c = arg;
	int err;
	(void)realm;

	if (!c)
		return EAUTH;

	err  = str_dup(user, c->user);
	err |= str_dup(pass, c->pass);

	return err ? ENOMEM : 0;
}


/**
 * Whether a refusal says the core does not offer what we asked for
 * (an event package, PUBLISH, the target): asking again would get the
 * same answer, so the optional features stop instead of retrying.
 */
bool uac_not_offered(uint16_t scode)
{
	switch (scode) {
	case 403:    /* not allowed */
	case 404:    /* no such resource, e.g. a proxy without presence */
	case 405:
	case 489:    /* Bad Event */
	case 501:
		return true;
	default:
		return false;
	}
}
