/* pubhook.h: publish yes: our push capabilities (the advertised app IDs, their owners' filters) published as PIDF once registered, again when they change, removed at shutdown. */
#ifndef SIPPUSH_PUBHOOK_H
#define SIPPUSH_PUBHOOK_H

struct appset;
struct config;
struct pubhook;
struct re_printf;
struct route_set;
struct router;
struct sip;

/** Prints our Contact URI (without <>) for the document */
typedef int (pubhook_contact_h)(struct re_printf *pf, void *arg);
/** The removal was answered (or failed) */
typedef void (pubhook_done_h)(void *arg);

int  pubhook_setup(struct pubhook **php, struct sip *sip,
		   const struct config *cfg, struct appset *apps,
		   struct router *router, struct route_set *routes,
		   pubhook_contact_h *contacth, void *arg);
void pubhook_registered(struct pubhook *ph);
void pubhook_changed(struct pubhook *ph);
int  pubhook_remove(struct pubhook *ph, pubhook_done_h *doneh, void *arg);
int  pubhook_status(struct re_printf *pf, const struct pubhook *ph);

#endif
