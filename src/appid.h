/* appid.h: push application IDs in their one canonical form. */
#ifndef SIPPUSH_APPID_H
#define SIPPUSH_APPID_H

#include <stddef.h>

struct pl;

enum {
	APPID_MAX  = 96,   /* canonical form, without NUL */
	APPID_SIZE = APPID_MAX + 1,
};

int appid_normalise(char *out, size_t sz, const struct pl *in);
int appid_normalise_str(char *out, size_t sz, const char *in);
int appid_ftag_value(char *out, size_t sz, const char *canon);
int appid_from_ftag(char *out, size_t sz, const struct pl *val);
int appid_code(const char *canon);

#endif
