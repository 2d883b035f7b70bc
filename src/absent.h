/* absent.h: what becomes of a push whose app has no owner connected: held while app_exec starts it, stored (app_store), or refused. */
#ifndef SIPPUSH_ABSENT_H
#define SIPPUSH_ABSENT_H

#include <stdbool.h>
#include <stdint.h>
#include "activate.h"

struct absent;
struct activate;
struct push;
struct pushstore;

enum absent_way {
	ABSENT_REFUSE,     /* 480, as without either line */
	ABSENT_HOLD,       /* app_exec: wait for the app (activate.c) */
	ABSENT_STORE,      /* app_store: keep it, 202 (pushstore.c) */
};

int  absent_alloc(struct absent **abp, struct activate *act,
		  struct pushstore *ps);
enum absent_way absent_way(const struct absent *ab, const char *app);
void absent_prepare(struct absent *ab, const char *app);
uint16_t absent_store(struct absent *ab, const struct push *p,
		      uint64_t expires, const char *body_file,
		      const char **reason);
uint16_t absent_hold(struct absent *ab, const char *app, activate_h *h,
		     void *arg, struct activation **actp,
		     const char **reason);

#endif
