/* pushstore.h: pushes for apps that are away (app_store): kept durably, 202 to the sender, handed over when the app next subscribes. */
#ifndef SIPPUSH_PUSHSTORE_H
#define SIPPUSH_PUSHSTORE_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct deliver;
struct push;
struct pushstore;
struct re_printf;
struct router;

enum { PUSHSTORE_MAX = 65536 };   /* pushes in the store, all apps */

int  pushstore_alloc(struct pushstore **psp, const struct config *cfg,
		     struct router *router, struct deliver *dlv);
void pushstore_set_config(struct pushstore *ps, const struct config *cfg);
bool pushstore_has(const struct pushstore *ps, const char *app);
int  pushstore_put(struct pushstore *ps, const struct push *p,
		   uint64_t expires, const char *body_file);
void pushstore_drain(struct pushstore *ps, const char *app);
uint32_t pushstore_count(const struct pushstore *ps, const char *app);
int  pushstore_status(struct re_printf *pf, const struct pushstore *ps);

#endif
