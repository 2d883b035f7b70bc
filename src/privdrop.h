/* privdrop.h: give up root for an unprivileged account, for good. */
#ifndef SIPPUSH_PRIVDROP_H
#define SIPPUSH_PRIVDROP_H

#include <sys/types.h>

int privdrop_ids(const char *user, uid_t *uid, gid_t *gid);
int privdrop_to(const char *user, gid_t group);

#endif
