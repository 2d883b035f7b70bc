/* invite.h: session-mode push, SIP side: INVITE with an MSRP offer (RFC 4975 §8). */
#ifndef SIPPUSH_INVITE_H
#define SIPPUSH_INVITE_H

#include <stdbool.h>
#include <stdint.h>

struct appset;
struct absent;
struct config;
struct invite;
struct msrpsock;
struct router;
struct sip;
struct sip_msg;
struct re_printf;

int  invite_alloc(struct invite **invp, struct sip *sip,
		  const struct config *cfg, const char *cuser,
		  struct appset *apps, struct router *router,
		  struct msrpsock *ms);
void invite_set_config(struct invite *inv, const struct config *cfg);
uint32_t invite_calls(const struct invite *inv);
void invite_end_all(struct invite *inv, const char *why);
int  invite_set_contact(struct invite *inv, const char *contact);
bool invite_has_dialog(const struct invite *inv, const struct sip_msg *msg);
void invite_set_absent(struct invite *inv, struct absent *ab);
int  invite_status(struct re_printf *pf, const struct invite *inv);

#endif
