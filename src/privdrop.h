/* privdrop.h: give up root for an unprivileged account, for good. */
#ifndef SIPPUSH_PRIVDROP_H
#define SIPPUSH_PRIVDROP_H

int privdrop_to(const char *user);
int privdrop_chown(const char *path, const char *user);

#endif
