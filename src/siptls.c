/* siptls.c: makes libre's TLS context verify the core's certificate and send SNI. */
#include <string.h>
#include <re.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "autoconf.h"
#include "siptls.h"

#define DEBUG_MODULE "siptls"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * libre 1.1.0 starts SIP TLS connections without SSL_set_verify, host
 * check or SNI, and never hands us the tls_conn. Everything therefore goes
 * on the shared SSL_CTX before the first connection: peer verification
 * against tls_ca_file, the registrar's host (DNS name or IP literal,
 * matched against subjectAltName), TLS 1.2 minimum, and SNI for DNS names
 * (RFC 6066 §3 forbids IP literals there) from an info callback. The
 * callback reads the name back from the connection's own verify
 * parameters, so no state of ours has to outlive the SSL_CTX.
 */

static void info_cb(const SSL *ssl, int where, int ret)
{
	const char *host;
	(void)ret;

	if (!(where & SSL_CB_HANDSHAKE_START) || SSL_is_server(ssl))
		return;

	host = X509_VERIFY_PARAM_get0_host(SSL_get0_param((SSL *)ssl), 0);
	if (host)
		(void)SSL_set_tlsext_host_name((SSL *)ssl, host);
}


static bool is_ip_literal(const char *host)
{
	struct sa sa;

	return 0 == sa_set_str(&sa, host, 0);
}


/**
 * Allocate the TLS context for SIP.
 *
 * @param tlsp  Pointer to allocated libre TLS context
 * @param tc    CA, own certificate, host to verify, verify on/off
 *
 * @return 0 if success, otherwise errorcode
 */
int siptls_alloc(struct tls **tlsp, const struct siptls_conf *tc)
{
	X509_VERIFY_PARAM *param;
	struct tls *tls = NULL;
	SSL_CTX *ctx;
	int err;

	if (!tlsp || !tc)
		return EINVAL;

	err = tls_alloc(&tls, TLS_METHOD_SSLV23, tc->cert_file, NULL);
	if (err) {
		DEBUG_WARNING("TLS context: %m%s%s\n", err,
			      tc->cert_file ? " (tls_cert_file " : "",
			      tc->cert_file ? tc->cert_file : "");
		goto out;
	}

	ctx = tls_openssl_context(tls);
	if (!ctx) {
		err = ENOSYS;
		goto out;
	}

	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
		err = EPROTO;
		goto out;
	}

	/* an idle flow (the registration's, kept for months) need not
	 * hold its 2 x 16 KiB record buffers */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);

	if (!tc->verify) {
		DEBUG_WARNING("tls_verify is no: the core's certificate "
			      "is NOT checked\n");
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		goto out;
	}

	if (!tc->ca_file || !tc->host) {
		err = EINVAL;
		goto out;
	}

	err = tls_add_ca(tls, tc->ca_file);
	if (err) {
		DEBUG_WARNING("cannot load tls_ca_file %s: %m\n", tc->ca_file,
			      err);
		goto out;
	}

	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_verify_depth(ctx, 4);

	param = SSL_CTX_get0_param(ctx);
	if (is_ip_literal(tc->host)) {
		if (!X509_VERIFY_PARAM_set1_ip_asc(param, tc->host)) {
			err = EINVAL;
			goto out;
		}
	}
	else {
		X509_VERIFY_PARAM_set_hostflags(param,
				X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (!X509_VERIFY_PARAM_set1_host(param, tc->host, 0)) {
			err = EINVAL;
			goto out;
		}

		SSL_CTX_set_info_callback(ctx, info_cb);
	}

	DEBUG_INFO("TLS: verifying core as '%s' against %s\n", tc->host,
		   tc->ca_file);

 out:
	if (err)
		mem_deref(tls);
	else
		*tlsp = tls;

	return err;
}
