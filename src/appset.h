/* appset.h: the application IDs we advertise (static lines + live subscriptions). */
#ifndef SIPPUSH_APPSET_H
#define SIPPUSH_APPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "appid.h"

struct appset;
struct re_printf;

/** Called after the advertised set changed (not for a ref count change) */
typedef void (appset_change_h)(void *arg);

/** What subscriptions may add to the set (appset_admit) */
struct appset_bounds {
	size_t ids_max;        /* IDs advertised, static ones included */
	size_t bytes_max;      /* of the +g.oma.pusheventapp value */
	size_t per_uid;        /* dynamic IDs one user added; 0: no bound */
};

int  appset_alloc(struct appset **setp, appset_change_h *changeh, void *arg);
int  appset_set_static(struct appset *set, const char (*ids)[APPID_SIZE], size_t n);
int  appset_ref(struct appset *set, const char *canon);
void appset_unref(struct appset *set, const char *canon);
int  appset_admit(const struct appset *set, const char *canon, uint32_t uid,
		  const struct appset_bounds *b);
void appset_claim(struct appset *set, const char *canon, uint32_t uid);
bool appset_contains(const struct appset *set, const char *canon);
bool appset_is_static(const struct appset *set, const char *canon);
size_t appset_count(const struct appset *set);
size_t appset_ids(const struct appset *set, const char **v, size_t max);
int  appset_ftag_print(struct re_printf *pf, const struct appset *set);
int  appset_list_print(struct re_printf *pf, const struct appset *set);

#endif
