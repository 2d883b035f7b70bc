/* pidf.h: the PIDF document (RFC 3863) with OMA service descriptions that PUBLISH sends for our push capabilities. */
#ifndef SIPPUSH_PIDF_H
#define SIPPUSH_PIDF_H

#include <stddef.h>

struct mbuf;

enum { PIDF_SERVICES_MAX = 64 };

/** One push application we serve */
struct pidf_service {
	const char *id;           /* application ID (canonical form) */
	const char *version;      /* NULL: "1.0" */
	const char *description;  /* e.g. the content types it takes, or NULL */
};

int pidf_encode(struct mbuf *mb, const char *entity,
		const char *contact, const struct pidf_service *sv,
		size_t n);

#endif
