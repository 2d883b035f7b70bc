/* mediatype.h: content types: their syntax, their type/subtype part, and filter matching. */
#ifndef SIPPUSH_MEDIATYPE_H
#define SIPPUSH_MEDIATYPE_H

#include <stdbool.h>
#include <stddef.h>

enum {
	MEDIATYPE_PARAMS   = 1u << 0,  /* ";params" may follow (unchecked) */
	MEDIATYPE_WILDCARD = 1u << 1,  /* "type/ *" (a filter) */
};

bool   mediatype_valid(const char *s, size_t n, unsigned flags);
size_t mediatype_len(const char *ctype);
bool   mediatype_match(const char *filter, const char *ctype);

#endif
