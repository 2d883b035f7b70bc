/* sdnotify.h: systemd's readiness protocol (Type=notify), without libsystemd. */
#ifndef SIPPUSH_SDNOTIFY_H
#define SIPPUSH_SDNOTIFY_H

bool sdnotify_wanted(void);
int  sdnotify(const char *state);

#endif
