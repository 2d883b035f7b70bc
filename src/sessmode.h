/* sessmode.h: session-mode push (INVITE + MSRP) as one unit the daemon can leave out. */
#ifndef SIPPUSH_SESSMODE_H
#define SIPPUSH_SESSMODE_H

struct appset;
struct config;
struct deliver;
struct router;
struct sa;
struct sessmode;
struct sip;
struct re_printf;

int  sessmode_alloc(struct sessmode **smp, struct sip *sip,
		    const struct config *cfg, const char *cuser,
		    const struct sa *sip_laddr, struct appset *apps,
		    struct router *router, struct deliver *dlv);
void sessmode_set_config(struct sessmode *sm, const struct config *cfg);
int  sessmode_status(struct re_printf *pf, const struct sessmode *sm);

#endif
