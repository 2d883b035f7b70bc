/* imdnhook.h: IMDN for the pushes that ask for it: the verdict observer, DISPOSED from the owner, the sender with its store in state_dir/imdn. */
#ifndef SIPPUSH_IMDNHOOK_H
#define SIPPUSH_IMDNHOOK_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct deliver;
struct imdnhook;
struct re_printf;
struct route_set;
struct router;
struct sip;

int  imdnhook_alloc(struct imdnhook **ihp, struct sip *sip,
		    const struct config *cfg, struct deliver *dlv,
		    struct router *router);
int  imdnhook_disposed(struct imdnhook *ih, void *handle, uint64_t id,
		       bool displayed);
void imdnhook_set_routes(struct imdnhook *ih, struct route_set *routes);
void imdnhook_set_config(struct imdnhook *ih, const struct config *cfg);
int  imdnhook_status(struct re_printf *pf, const struct imdnhook *ih);

#endif
