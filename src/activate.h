/* activate.h: a push for an app that has a command (app_exec) and no owner waits here while the command starts it. */
#ifndef SIPPUSH_ACTIVATE_H
#define SIPPUSH_ACTIVATE_H

#include <stdbool.h>

struct activate;
struct activation;
struct config;
struct re_printf;

/** The app subscribed (ready: route and deliver the push now), or not
 *  in time, or its command failed (answer 480). Exactly once. */
typedef void (activate_h)(bool ready, void *arg);

int  activate_alloc(struct activate **ap, const struct config *cfg,
		    const char *socket, int logfd);
void activate_set_config(struct activate *a, const struct config *cfg);
bool activate_has(const struct activate *a, const char *app);
int  activate_hold(struct activate *a, const char *app, activate_h *h,
		   void *arg, struct activation **actp);
int  activate_start(struct activate *a, const char *app);
void activate_cancel(struct activation *act);
void activate_ready(struct activate *a, const char *app);
void activate_reap(struct activate *a);
unsigned activate_held(const struct activate *a);
int  activate_status(struct re_printf *pf, const struct activate *a);

#endif
