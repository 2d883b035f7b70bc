/* daemon.h: the one context that owns all of sippushd's state. */
#ifndef SIPPUSH_DAEMON_H
#define SIPPUSH_DAEMON_H

struct config;
struct daemon;

typedef void (daemon_exit_h)(void *arg);

int  daemon_alloc(struct daemon **dp, struct config *cfg);
int  daemon_reload(struct daemon *d, struct config *cfg);
int  daemon_reset_stack(struct daemon *d, const char *why);
void daemon_stop(struct daemon *d, daemon_exit_h *exith, void *arg);
uint32_t daemon_reg_sent(const struct daemon *d);
void daemon_child(struct daemon *d);

#endif
