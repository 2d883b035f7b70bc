/* sessmode_none.c: stands in when CONFIG_MSRP is off: INVITEs are not taken (libre answers 501). */
#include <re.h>
#include "autoconf.h"
#include "sessmode.h"


int sessmode_alloc(struct sessmode **smp, struct sip *sip,
		   const struct config *cfg, const char *cuser,
		   const struct sa *sip_laddr, struct appset *apps,
		   struct router *router, struct deliver *dlv)
{
	(void)sip; (void)cfg; (void)cuser; (void)sip_laddr;
	(void)apps; (void)router; (void)dlv;

	*smp = NULL;
	return 0;
}


void sessmode_set_contact(struct sessmode *sm, const char *gruu)
{
	(void)sm; (void)gruu;
}


int sessmode_reset(struct sessmode *sm, const struct config *cfg,
		   const char *cuser, const struct sa *sip_laddr)
{
	(void)sm; (void)cfg; (void)cuser; (void)sip_laddr;

	return 0;
}


bool sessmode_has_dialog(const struct sessmode *sm, const struct sip_msg *msg)
{
	(void)sm;
	(void)msg;

	return false;
}


/* no INVITE, no BYE: Allow must not offer them */
const char *sessmode_methods(void)
{
	return "";
}


void sessmode_set_absent(struct sessmode *sm, struct absent *ab)
{
	(void)sm;
	(void)ab;
}


void sessmode_set_config(struct sessmode *sm, const struct config *cfg)
{
	(void)sm;
	(void)cfg;
}


int sessmode_status(struct re_printf *pf, const struct sessmode *sm)
{
	(void)pf;
	(void)sm;

	return 0;
}
