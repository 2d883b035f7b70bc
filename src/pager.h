/* pager.h: pager-mode pushes: SIP MESSAGE in, verdict out (RFC 3428). */
#ifndef SIPPUSH_PAGER_H
#define SIPPUSH_PAGER_H

#include <stdbool.h>

struct absent;
struct appset;
struct config;
struct deliver;
struct pager;
struct router;
struct sip;
struct sip_msg;
struct re_printf;

/** Is this in-dialog request part of a session we hold (a push-INVITE)? */
typedef bool (pager_dialog_h)(const struct sip_msg *msg, void *arg);

int  pager_alloc(struct pager **pgp, struct sip *sip,
		 const struct config *cfg, struct router *router,
		 struct appset *apps, struct deliver *dlv,
		 pager_dialog_h *dialogh, void *arg);
void pager_set_config(struct pager *pg, const struct config *cfg);
void pager_set_absent(struct pager *pg, struct absent *ab);
int  pager_status(struct re_printf *pf, const struct pager *pg);

#endif
