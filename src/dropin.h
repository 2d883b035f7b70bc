/* dropin.h: drop-in directories (NAME.conf in name order) and their files, as the config and the ACL read them. */
#ifndef SIPPUSH_DROPIN_H
#define SIPPUSH_DROPIN_H

#include <stddef.h>
#include <stdint.h>

int dropin_list(const char *dir, char **paths, size_t max, size_t *np,
		char *err, size_t errsz);
int dropin_read(char **bufp, size_t *lenp, const char *path, uint32_t uid,
		size_t max, char *err, size_t errsz);

#endif
