/* appset.h: the application IDs we advertise (static lines + live subscriptions). */
#ifndef SIPPUSH_APPSET_H
#define SIPPUSH_APPSET_H

#include <stdbool.h>
#include <stddef.h>
#include "appid.h"

struct appset;
struct re_printf;

/** Called after the advertised set changed (not for a ref count change) */
typedef void (appset_change_h)(void *arg);

int  appset_alloc(struct appset **setp, appset_change_h *changeh, void *arg);
int  appset_set_static(struct appset *set, const char (*ids)[APPID_SIZE], size_t n);
int  appset_ref(struct appset *set, const char *canon);
void appset_unref(struct appset *set, const char *canon);
bool appset_contains(const struct appset *set, const char *canon);
bool appset_is_static(const struct appset *set, const char *canon);
size_t appset_count(const struct appset *set);
size_t appset_ids(const struct appset *set, const char **v, size_t max);
int  appset_ftag_print(struct re_printf *pf, const struct appset *set);
int  appset_list_print(struct re_printf *pf, const struct appset *set);

#endif
