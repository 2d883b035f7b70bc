/* instance.h: our stable +sip.instance (RFC 5626 §4.1). */
#ifndef SIPPUSH_INSTANCE_H
#define SIPPUSH_INSTANCE_H

#include <stddef.h>

enum { INSTANCE_SIZE = 46 };  /* "urn:uuid:" + 36 + NUL */

int instance_get(char *out, size_t sz, const char *configured,
		 const char *state_dir);

#endif
