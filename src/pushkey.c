/* pushkey.c: a stable key per push, the same for every retry of it by its sender, for the app's de-duplication. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "pushkey.h"

#define DEBUG_MODULE "pushkey"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * A sender that gets no answer sends the push again as a new request:
 * new Call-ID, new CSeq, perhaps a new Date, so neither dedup.c (which
 * absorbs retransmissions of one transaction) nor the app can tell the
 * two apart from the SIP headers. What stays the same is who sent it to
 * which app, and the push's own identity when it has one: the CPIM
 * imdn.Message-ID (RFC 5438 §6.3 makes it unique per sender), else an
 * OMA Content-Location, else the content itself (type and body digest).
 *
 * The key is MD5 over those fields, each with its length in front (so
 * no two field lists give the same input), cut to 96 bits in hex. It is
 * not a security token: it only groups one sender's pushes, so a sender
 * can at worst make its own pushes look alike. MD5 is in libre with or
 * without OpenSSL (the tiny board has none).
 */


static int field(struct mbuf *mb, char tag, const void *p, size_t len)
{
	int err;

	err  = mbuf_write_u8(mb, (uint8_t)tag);
	err |= mbuf_write_u32(mb, htonl((uint32_t)len));
	if (len)
		err |= mbuf_write_mem(mb, p, len);

	return err;
}


static int sfield(struct mbuf *mb, char tag, const char *s)
{
	return field(mb, tag, s, s ? strlen(s) : 0);
}


/**
 * Digest of a body, for pushkey_in.body_digest.
 */
void pushkey_digest(uint8_t *digest, const uint8_t *body, size_t len)
{
	if (!digest)
		return;

	md5(body ? body : (const uint8_t *)"", body ? len : 0, digest);
}


/**
 * The Push-Key of a push.
 *
 * @param key  Gets PUSHKEY_LEN hex characters and a NUL
 * @param sz   Size of key (at least PUSHKEY_SIZE)
 * @param in   What identifies the push; sender and app are required,
 *             and one of imdn_msgid, content_location, body_digest
 *
 * @return 0 if success, EINVAL if something required is missing
 */
int pushkey_make(char *key, size_t sz, const struct pushkey_in *in)
{
	uint8_t md[16];
	struct mbuf *mb;
	int err;

	if (!key || sz < PUSHKEY_SIZE || !in || !in->sender || !in->app)
		return EINVAL;

	if (!in->imdn_msgid && !in->content_location && !in->body_digest)
		return EINVAL;

	mb = mbuf_alloc(256);
	if (!mb)
		return ENOMEM;

	err  = sfield(mb, 's', in->sender);
	err |= sfield(mb, 'a', in->app);

	/* the most specific identity the push carries, and only that: a
	 * retry must give the same key even if less stable parts moved */
	if (in->imdn_msgid)
		err |= sfield(mb, 'i', in->imdn_msgid);
	else if (in->content_location)
		err |= sfield(mb, 'l', in->content_location);
	else {
		err |= sfield(mb, 't', in->ctype);
		err |= field(mb, 'b', in->body_digest, PUSHKEY_DIGEST);
	}

	if (!err) {
		static const char hex[] = "0123456789abcdef";

		md5(mb->buf, mb->end, md);
		/* by hand: 16 re_snprintf("%02x") were 5k of the ~125k
		 * instructions of a push (callgrind) */
		for (size_t i = 0; i < PUSHKEY_LEN / 2; i++) {
			key[2 * i]     = hex[md[i] >> 4];
			key[2 * i + 1] = hex[md[i] & 0xf];
		}
		key[PUSHKEY_LEN] = '\0';
	}

	mem_deref(mb);
	return err ? ENOMEM : 0;
}
