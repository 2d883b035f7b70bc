/* siptls.h: the TLS context for SIP flows to the core (verification, SNI, TLS >= 1.2). */
#ifndef SIPPUSH_SIPTLS_H
#define SIPPUSH_SIPTLS_H

#include <stdbool.h>

struct tls;

struct siptls_conf {
	const char *ca_file;     /* trust anchors for the core */
	const char *cert_file;   /* our certificate + key (PEM), optional */
	const char *host;        /* registrar host: DNS name or IP literal */
	bool verify;
};

int siptls_alloc(struct tls **tlsp, const struct siptls_conf *tc);

#endif
