/* log.h: where the daemon's log lines go (stderr or syslog). */
#ifndef SIPPUSH_LOG_H
#define SIPPUSH_LOG_H

#include <stdbool.h>

void log_init(bool use_syslog, int level);
void log_close(void);
bool log_syslog(void);

#endif
