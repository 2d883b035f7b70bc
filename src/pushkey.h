/* pushkey.h: a stable key per push, the same for every retry of it by its sender, for the app's de-duplication. */
#ifndef SIPPUSH_PUSHKEY_H
#define SIPPUSH_PUSHKEY_H

#include <stddef.h>
#include <stdint.h>

enum {
	PUSHKEY_LEN  = 24,                 /* hex characters */
	PUSHKEY_SIZE = PUSHKEY_LEN + 1,
	PUSHKEY_DIGEST = 16,               /* bytes of a body digest */
};

/** What identifies a push across retries (NULL: not present) */
struct pushkey_in {
	const char *sender;           /* identity the app is told */
	const char *app;              /* canonical target app ID */
	const char *imdn_msgid;       /* imdn.Message-ID of a CPIM push */
	const char *content_location; /* Content-Location (OMA push ID) */
	const char *ctype;            /* Content-Type */
	const uint8_t *body_digest;   /* PUSHKEY_DIGEST bytes, or NULL */
};

int pushkey_make(char *key, size_t sz, const struct pushkey_in *in);
void pushkey_digest(uint8_t *digest, const uint8_t *body, size_t len);

#endif
