/* compat.h: every difference between the libre versions we build against. */
#ifndef SIPPUSH_COMPAT_H
#define SIPPUSH_COMPAT_H

/*
 * The Makefile includes this header first in every file built against
 * libre (-include), so the names below mean the same whatever libre
 * version is installed: 1.1.0 (Debian 12), 2.0.1 (Debian 13, OpenWrt
 * 24.10), 3.16.0 (OpenWrt 25.12) and 4.10.0 (upstream) are tested.
 */
#include <re.h>

/* libre 4.0 renamed ARRAY_SIZE to RE_ARRAY_SIZE; older ones #undef and
 * define it the same way in re_types.h. */
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) RE_ARRAY_SIZE(a)
#endif

/* libre 4.0 dropped TLS_METHOD_SSLV23 (3.x: "deprecated - fallback to
 * TLS_METHOD_TLS"); both mean TLS of any version OpenSSL allows, and
 * siptls.c raises the minimum to 1.2. */
#if LIBRE_VERNUM >= 40000
#define TLS_METHOD_SSLV23 TLS_METHOD_TLS
#endif

/* libre 2.9 (re#580) took tls_openssl_context() out of re_tls.h; the
 * same function lives on as tls_ssl_ctx(), exported but declared in
 * libre's private src/tls/openssl/tls.h only. If a later libre drops it,
 * the link fails: it cannot go wrong quietly. */
#if LIBRE_VERNUM >= 20900
struct ssl_ctx_st;
struct ssl_ctx_st *tls_ssl_ctx(const struct tls *tls);
#define tls_openssl_context(tls) tls_ssl_ctx(tls)
#endif

/* libre 2.1 (re#172, SDP from the SIP source address) gave the send
 * handler of sip_request()/sip_drequestf() a writable source address and
 * a content buffer. Our handlers keep the old form and never set content:
 * COMPAT_SIP_SEND_H(name, ours) defines name, of libre's type, calling
 * ours. */
#if LIBRE_VERNUM >= 20100
#define COMPAT_SIP_SEND_H(name, ours)                                    \
	static int name(enum sip_transp tp, struct sa *src,             \
			const struct sa *dst, struct mbuf *mb,          \
			struct mbuf **contp, void *arg)                 \
	{                                                                \
		(void)contp;                                             \
		return ours(tp, src, dst, mb, arg);                      \
	}
#else
#define COMPAT_SIP_SEND_H(name, ours)                                    \
	static int name(enum sip_transp tp, const struct sa *src,       \
			const struct sa *dst, struct mbuf *mb, void *arg) \
	{                                                                \
		return ours(tp, src, dst, mb, arg);                      \
	}
#endif

/* libre 2.12 (re#630, PRACK) put a 100rel mode into sipsess_accept().
 * We answer an INVITE with a final 200 and no extra headers: only the
 * arguments we use are taken. */
int compat_sipsess_accept(struct sipsess **sessp, struct sipsess_sock *sock,
			  const struct sip_msg *msg, uint16_t scode,
			  const char *reason, const char *cuser,
			  const char *ctype, struct mbuf *desc,
			  sipsess_close_h *closeh, void *arg);

/* libre 2.1 (re#135, re#172) gave sipsess_connect() a Call-ID and
 * replaced the fixed SDP offer with a handler that makes it once the
 * source address is known. compat_sipsess_connect() takes the handler
 * (libre's type from 2.1 on, defined here for older ones) and calls it
 * up front on an older libre; hdrs: extra header lines, formatted. */
#if LIBRE_VERNUM < 20100
typedef int (sipsess_desc_h)(struct mbuf **descp, const struct sa *src,
			     const struct sa *dst, void *arg);
#endif
int compat_sipsess_connect(struct sipsess **sessp, struct sipsess_sock *sock,
			   const char *to_uri, const char *from_uri,
			   const char *cuser, const char *routev[],
			   uint32_t routec, const char *ctype,
			   sipsess_desc_h *desch, sipsess_answer_h *answerh,
			   sipsess_estab_h *estabh, sipsess_close_h *closeh,
			   void *arg, const char *hdrs);

/* libre 2.3 (re#308) removed tcp_conn_fd(): the descriptor of a
 * connection, for shutdown(); -1 if not found. */
int compat_tcp_conn_fd(const struct tcp_conn *tc);

/* libre 3.6 gave fd_listen() a handle (struct re_fhs **) that the caller
 * keeps until fd_close(); these keep the handle inside compat.c, so the
 * callers stay by file descriptor as before. flags 0 stops watching. */
int  compat_fd_listen(int fd, int flags, fd_h *fh, void *arg);
void compat_fd_close(int fd);

/* Before 3.6 libre keeps one handler per descriptor, so fd_listen() on a
 * connection's descriptor puts fh in the place of libre's reader (libre's
 * own send path takes it back while its queue is not empty, see
 * msrpsess/conn.c). From 3.6 on a second handle would be a second epoll
 * registration: ENOTSUP, libre keeps reading. Sets *fdp. */
int  compat_tcp_rx_take(struct tcp_conn *tc, fd_h *fh, void *arg, int *fdp);

#endif
