/* sessmode.h: session-mode push (INVITE + MSRP) as one unit the daemon can leave out. */
#ifndef SIPPUSH_SESSMODE_H
#define SIPPUSH_SESSMODE_H

#include <stdbool.h>

struct absent;
struct appset;
struct config;
struct deliver;
struct router;
struct sa;
struct sessmode;
struct sip;
struct sip_msg;
struct re_printf;

int  sessmode_alloc(struct sessmode **smp, struct sip *sip,
		    const struct config *cfg, const char *cuser,
		    const struct sa *sip_laddr, struct appset *apps,
		    struct router *router, struct deliver *dlv);
int  sessmode_reset(struct sessmode *sm, const struct config *cfg,
		    const char *cuser, const struct sa *sip_laddr);
void sessmode_set_config(struct sessmode *sm, const struct config *cfg);
void sessmode_set_contact(struct sessmode *sm, const char *gruu);
const char *sessmode_methods(void);
bool sessmode_has_dialog(const struct sessmode *sm, const struct sip_msg *msg);
void sessmode_set_absent(struct sessmode *sm, struct absent *ab);
int  sessmode_status(struct re_printf *pf, const struct sessmode *sm);

#endif
