/* pubhook_none.c: stands in when CONFIG_XML is off: capabilities are not published (the publish key is refused). */
#include <errno.h>
#include <stddef.h>
#include "pubhook.h"


int pubhook_setup(struct pubhook **php, struct sip *sip,
		  const struct config *cfg, struct appset *apps,
		  struct router *router, struct route_set *routes,
		  pubhook_contact_h *contacth, void *arg)
{
	(void)php; (void)sip; (void)cfg; (void)apps; (void)router;
	(void)routes; (void)contacth; (void)arg;
	return 0;
}


void pubhook_registered(struct pubhook *ph)
{
	(void)ph;
}


void pubhook_changed(struct pubhook *ph)
{
	(void)ph;
}


int pubhook_remove(struct pubhook *ph, pubhook_done_h *doneh, void *arg)
{
	(void)ph; (void)doneh; (void)arg;
	return ENOENT;
}


int pubhook_status(struct re_printf *pf, const struct pubhook *ph)
{
	(void)pf; (void)ph;
	return 0;
}
