/* pushmeta.h: what a push request carries for its app besides the content: header fields byte-exact, a readable CPIM wrapper, the Push-Key. */
#ifndef SIPPUSH_PUSHMETA_H
#define SIPPUSH_PUSHMETA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "push.h"
#include "pushkey.h"

struct mbuf;
struct sip_msg;

/* Bounds of what is copied (bytes, without NUL); doc/ipc.md section 6 */
enum {
	PUSHMETA_CALLID_MAX = 255,
	PUSHMETA_DATE_MAX   = 40,
	PUSHMETA_URI_MAX    = 255,
	PUSHMETA_FLAG_MAX   = 3,      /* Push-Flag 0..255 */
	PUSHMETA_ENC_MAX    = 63,     /* the codings, ", " between */
	PUSHMETA_ID_MAX     = 64,     /* imdn.Message-ID (RFC 5438: 16+) */
	PUSHMETA_DISPO_MAX  = 80,
	PUSHMETA_CTYPE_MAX  = 127,
};

/** The metadata of one push; the intake keeps it beside its struct push */
struct pushmeta {
	char call_id[PUSHMETA_CALLID_MAX + 1];
	char date[PUSHMETA_DATE_MAX + 1];
	char initiator[PUSHMETA_URI_MAX + 1];
	char location[PUSHMETA_URI_MAX + 1];
	char push_flag[PUSHMETA_FLAG_MAX + 1];
	char encoding[PUSHMETA_ENC_MAX + 1];    /* "": identity */
	char imdn_msgid[PUSHMETA_ID_MAX + 1];
	char imdn_dispo[PUSHMETA_DISPO_MAX + 1];
	char key[PUSHKEY_SIZE];
	/* message/cpim */
	bool is_cpim;
	struct push_cpim cpim;
	char inner_ctype[PUSHMETA_CTYPE_MAX + 1];
	char cpim_from[PUSHMETA_URI_MAX + 1];
	char cpim_to[PUSHMETA_URI_MAX + 1];
	char cpim_datetime[PUSHMETA_DATE_MAX + 1];
};

uint16_t pushmeta_read(struct pushmeta *m, const struct sip_msg *msg,
		       const char *ctype, const uint8_t *body, size_t len,
		       const char **reason);
void pushmeta_apply(struct pushmeta *m, struct push *p);
void pushmeta_point(const struct pushmeta *m, struct push *p);
int  pushmeta_key(char *key, size_t sz, const struct push *p,
		  const uint8_t *digest);
int  pushmeta_print(struct mbuf *mb, const struct push *p);
void pushmeta_parse(struct pushmeta *m, const char *s, size_t n);
uint16_t pushmeta_cpim(struct pushmeta *m, const char *ctype,
		       const uint8_t *body, size_t len);
int  pushmeta_encoding(char *buf, size_t sz, const struct sip_msg *msg);

#endif
