/* token.h: unguessable identifiers from the operating system's random number generator. */
#ifndef SIPPUSH_TOKEN_H
#define SIPPUSH_TOKEN_H

#include <stddef.h>

enum {
	TOKEN_BITS_MIN = 80,     /* what a session-id must resist guessing */
};

int token_make(char *buf, size_t sz, unsigned bits);
int token_random(void *buf, size_t n);

#endif
