/* pager.h: pager-mode pushes: SIP MESSAGE in, verdict out (RFC 3428). */
#ifndef SIPPUSH_PAGER_H
#define SIPPUSH_PAGER_H

struct appset;
struct config;
struct deliver;
struct pager;
struct router;
struct sip;
struct re_printf;

int  pager_alloc(struct pager **pgp, struct sip *sip,
		 const struct config *cfg, struct router *router,
		 struct appset *apps, struct deliver *dlv);
void pager_set_config(struct pager *pg, const struct config *cfg);
int  pager_status(struct re_printf *pf, const struct pager *pg);

#endif
