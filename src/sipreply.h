/* sipreply.h: stateless SIP replies written field by field (sipreply.c). */
#ifndef SIPPUSH_SIPREPLY_H
#define SIPPUSH_SIPREPLY_H

#include <stdbool.h>
#include <stdint.h>

struct mbuf;
struct sip;
struct sip_msg;

/* The Server header's value; ua.c gives it to sip_alloc() too. */
#define SIPREPLY_SOFTWARE "sippushd/" SIPPUSH_VERSION

/*
 * The reply to msg as libre's sip_replyf() writes it with extra (whole
 * header lines, each ending in CRLF, or NULL) before an empty body.
 * *rport: the top Via asked for rport (the reply goes to the source).
 */
int sipreply_encode(struct mbuf *mb, const struct sip_msg *msg,
		    uint16_t scode, const char *reason, const char *software,
		    const char *extra, bool *rport);

/* Encode and send it where libre's sip_reply() would. An ACK: nothing. */
int sipreply_send(struct sip *sip, const struct sip_msg *msg,
		  uint16_t scode, const char *reason, const char *software,
		  const char *extra);

#endif
