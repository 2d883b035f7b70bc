/* pushmeta.c: what a push request carries for its app besides the content: header fields byte-exact, a readable CPIM wrapper, the Push-Key. */
#include <stddef.h>
#include <string.h>
#include <ctype.h>
#include <re.h>
#include "autoconf.h"
#include "cpim.h"
#include "mediatype.h"
#include "pushkey.h"
#include "pushmeta.h"

#define DEBUG_MODULE "pushmeta"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * The app de-duplicates a sender's retries (Call-ID, Push-Key), sees who
 * initiated the push (X-Wap-Initiator-URI, OMA Push's header) and its
 * OMA push ID (Content-Location), the Push-Flag bits (1 initiator
 * authenticated, 2 content trusted, 4 last push) and the Date, as sent:
 * each value goes on a record line byte for byte. By their grammar these
 * are printable ASCII (RFC 3261 §25.1 for Call-ID and Date, RFC 3986
 * for the URIs); a value that is not, or that is longer than its bound
 * (pushmeta.h, sized so that a record's header block stays within the
 * local API's 2048 bytes), is refused with 400 and the header named,
 * rather than cut or escaped: an app must be able to trust that what
 * it reads is what was sent.
 *
 * A message/cpim body (RFC 3862) is read here once, for the apps that
 * want the inner content, for the IMDN request (RFC 5438) and for the
 * Push-Key; a wrapper that does not parse is refused (400) for every
 * app, since none could tell what it carries. The IMDN fields are
 * optional extras: a malformed one is left out (logged), not a reason
 * to refuse the content.
 */


static bool printable(const struct pl *v)
{
	for (size_t i = 0; i < v->l; i++)
		if (v->p[i] < 0x20 || v->p[i] > 0x7e)
			return false;

	return true;
}


/* One header's value into buf; a second one of the same name, a value
 * over the bound or outside printable ASCII is a 400 naming it. */
static uint16_t copy_hdr(char *buf, size_t sz, const struct sip_msg *msg,
			 const char *name, const char **reason,
			 const char *bad)
{
	const struct sip_hdr *hdr = sip_msg_xhdr(msg, name);

	buf[0] = '\0';
	if (!hdr)
		return 0;

	if (sip_msg_xhdr_count(msg, name) > 1 || !hdr->val.l ||
	    hdr->val.l >= sz || !printable(&hdr->val)) {
		*reason = bad;
		return 400;
	}

	(void)pl_strcpy(&hdr->val, buf, sz);
	return 0;
}


static bool token_char(char c)
{
	return isalnum((unsigned char)c) || strchr("-.!%*_+`'~", c);
}


/* One content-coding into buf (", " between), lower-case; identity adds
 * nothing. */
static int add_coding(char *buf, size_t sz, struct pl tok)
{
	size_t have = strlen(buf);

	while (tok.l && (tok.p[0] == ' ' || tok.p[0] == '\t'))
		pl_advance(&tok, 1);
	while (tok.l && (tok.p[tok.l - 1] == ' ' || tok.p[tok.l - 1] == '\t'))
		--tok.l;

	if (!tok.l)
		return EBADMSG;
	for (size_t i = 0; i < tok.l; i++)
		if (!token_char(tok.p[i]))
			return EBADMSG;

	if (!pl_strcasecmp(&tok, "identity"))
		return 0;

	if (have + (have ? 2 : 0) + tok.l >= sz)
		return EOVERFLOW;

	if (have) {
		buf[have++] = ',';
		buf[have++] = ' ';
	}
	for (size_t i = 0; i < tok.l; i++)
		buf[have++] = (char)tolower((unsigned char)tok.p[i]);
	buf[have] = '\0';

	return 0;
}


/**
 * The content-codings a request's body has (RFC 3261 §20.12), in the
 * order they were applied, lower-case, ", " between; identity left out.
 *
 * @param buf  Gets the list ("" for none, or identity only)
 * @param sz   Its size
 * @param msg  The request
 *
 * @return 0, EBADMSG for a malformed value, EOVERFLOW past sz
 */
int pushmeta_encoding(char *buf, size_t sz, const struct sip_msg *msg)
{
	if (!buf || !sz || !msg)
		return EINVAL;

	buf[0] = '\0';

	for (struct le *le = list_head(&msg->hdrl); le; le = le->next) {
		const struct sip_hdr *hdr = le->data;
		struct pl v = hdr->val;

		if (hdr->id != SIP_HDR_CONTENT_ENCODING)
			continue;

		/* a list in one line, or one per line (RFC 3261 §7.3.1) */
		while (v.l) {
			const char *comma = pl_strchr(&v, ',');
			struct pl tok = {v.p, comma ? (size_t)(comma - v.p) :
					 v.l};
			int err;

			pl_advance(&v, comma ? tok.l + 1 : tok.l);
			err = add_coding(buf, sz, tok);
			if (err)
				return err;
		}
	}

	return 0;
}


/* A CPIM field into buf if it fits and is printable, else left out */
static const char *cpim_field(char *buf, size_t sz, const struct pl *v,
			      bool uri, const char *what)
{
	struct pl u = *v;

	if (!pl_isset(v))
		return NULL;

	if (uri && cpim_uri(&u, v)) {
		DEBUG_NOTICE("CPIM %s without <URI>: left out\n", what);
		return NULL;
	}

	if (!u.l || u.l >= sz || !printable(&u)) {
		DEBUG_NOTICE("CPIM %s over %zu bytes or not printable: left "
			     "out\n", what, sz - 1);
		return NULL;
	}

	(void)pl_strcpy(&u, buf, sz);
	return buf;
}


/* The inner Content-Type as pushreq_ctype() writes the outer one:
 * printable, tab as space, type/subtype lower-case */
static int inner_ctype(char *buf, size_t sz, const struct pl *v)
{
	bool params = false;

	if (!v->l || v->l >= sz || !mediatype_valid(v->p, v->l,
						     MEDIATYPE_PARAMS))
		return EBADMSG;

	for (size_t i = 0; i < v->l; i++) {
		char c = v->p[i] == '\t' ? ' ' : v->p[i];

		if (c < 0x20 || c > 0x7e)
			return EBADMSG;
		if (c == ';')
			params = true;
		buf[i] = params ? c : (char)tolower((unsigned char)c);
	}
	buf[v->l] = '\0';

	return 0;
}


static uint16_t read_cpim(struct pushmeta *m, const uint8_t *body,
			  size_t len, const char **reason)
{
	struct cpim c;
	int err;

	err = cpim_decode(&c, body, len);
	if (err) {
		DEBUG_NOTICE("message/cpim body does not parse: %m\n", err);
		*reason = "Bad CPIM Wrapper";
		return 400;
	}

	if (inner_ctype(m->inner_ctype, sizeof(m->inner_ctype), &c.ctype)) {
		*reason = "Bad CPIM Content-Type";
		return 400;
	}

	m->is_cpim       = true;
	m->cpim.ctype    = m->inner_ctype;
	m->cpim.body     = (const uint8_t *)c.body.p;
	m->cpim.len      = c.body.l;
	m->cpim.from     = cpim_field(m->cpim_from, sizeof(m->cpim_from),
				      &c.from, true, "From");
	m->cpim.to       = cpim_field(m->cpim_to, sizeof(m->cpim_to), &c.to,
				      true, "To");
	m->cpim.datetime = cpim_field(m->cpim_datetime,
				      sizeof(m->cpim_datetime), &c.datetime,
				      false, "DateTime");

	/* a Message-ID is a token (RFC 5438 §6.3): no spaces */
	if (pl_isset(&c.imdn_msgid) &&
	    (!pl_strchr(&c.imdn_msgid, ' ') &&
	     cpim_field(m->imdn_msgid, sizeof(m->imdn_msgid), &c.imdn_msgid,
			false, "imdn.Message-ID"))) {
		(void)cpim_field(m->imdn_dispo, sizeof(m->imdn_dispo),
				 &c.imdn_dispo, false,
				 "imdn.Disposition-Notification");
	}
	else {
		m->imdn_msgid[0] = '\0';
	}

	return 0;
}


/**
 * Read a push request's metadata (push.h's fields after fd).
 *
 * @param m       Result; keep it as long as the push that points into it
 * @param msg     The request (MESSAGE, or the INVITE of a session)
 * @param ctype   The content's type as pushreq_ctype() wrote it, or NULL
 *                (no content in this request: no CPIM)
 * @param body    The content, for CPIM (it keeps pointing into it)
 * @param len     Its length
 * @param reason  The phrase of a refusal
 *
 * @return 0, or 400 for a field that cannot go on the record as sent
 */
uint16_t pushmeta_read(struct pushmeta *m, const struct sip_msg *msg,
		       const char *ctype, const uint8_t *body, size_t len,
		       const char **reason)
{
	uint16_t scode;
	int err;

	if (!m || !msg || !reason)
		return 500;

	memset(m, 0, sizeof(*m));

	if (msg->callid.l >= sizeof(m->call_id) || !printable(&msg->callid)) {
		*reason = "Call-ID Too Long For The Push Record";
		return 400;
	}
	(void)pl_strcpy(&msg->callid, m->call_id, sizeof(m->call_id));

	scode = copy_hdr(m->date, sizeof(m->date), msg, "Date", reason,
			 "Bad Date");
	if (!scode)
		scode = copy_hdr(m->initiator, sizeof(m->initiator), msg,
				 "X-Wap-Initiator-URI", reason,
				 "Bad X-Wap-Initiator-URI");
	if (!scode)
		scode = copy_hdr(m->location, sizeof(m->location), msg,
				 "Content-Location", reason,
				 "Bad Content-Location");
	if (!scode)
		scode = copy_hdr(m->push_flag, sizeof(m->push_flag), msg,
				 "Push-Flag", reason, "Bad Push-Flag");
	if (scode)
		return scode;

	if (m->push_flag[0]) {
		struct pl f;

		pl_set_str(&f, m->push_flag);
		if (pl_u32(&f) > 255 || strspn(m->push_flag, "0123456789") !=
		    f.l) {
			*reason = "Bad Push-Flag";
			return 400;
		}
	}

	err = pushmeta_encoding(m->encoding, sizeof(m->encoding), msg);
	if (err) {
		*reason = "Bad Content-Encoding";
		return 400;
	}

	/* an encoded wrapper is opaque to us: it goes on as it came */
	if (ctype && body && !m->encoding[0] &&
	    mediatype_match("message/cpim", ctype))
		return read_cpim(m, body, len, reason);

	return 0;
}


/**
 * Point push p's metadata fields at m (not the Push-Key: pushmeta_key()).
 */
void pushmeta_point(const struct pushmeta *m, struct push *p)
{
	if (!m || !p)
		return;

	p->call_id    = m->call_id[0] ? m->call_id : NULL;
	p->date       = m->date[0] ? m->date : NULL;
	p->initiator  = m->initiator[0] ? m->initiator : NULL;
	p->location   = m->location[0] ? m->location : NULL;
	p->push_flag  = m->push_flag[0] ? m->push_flag : NULL;
	p->encoding   = m->encoding[0] ? m->encoding : NULL;
	p->imdn_msgid = m->imdn_msgid[0] ? m->imdn_msgid : NULL;
	p->imdn_dispo = p->imdn_msgid && m->imdn_dispo[0] ? m->imdn_dispo :
		NULL;
	p->cpim       = m->is_cpim ? &m->cpim : NULL;
}


/**
 * The Push-Key of push p (sender, appid and the metadata set).
 *
 * @param key     Gets PUSHKEY_LEN hex characters and a NUL
 * @param sz      Its size
 * @param p       The push
 * @param digest  pushkey_digest() of the content when it is not in
 *                p->body (a file), or NULL
 *
 * @return 0, or EINVAL when the push has no identity to key on (no
 *         imdn.Message-ID or Content-Location, and its content is a
 *         file with no digest)
 */
int pushmeta_key(char *key, size_t sz, const struct push *p,
		 const uint8_t *digest)
{
	struct pushkey_in in;
	uint8_t d[PUSHKEY_DIGEST];

	if (!key || !p || !p->appid)
		return EINVAL;

	memset(&in, 0, sizeof(in));
	in.sender           = p->sender ? p->sender : "";
	in.app              = p->appid;
	in.imdn_msgid       = p->imdn_msgid;
	in.content_location = p->location;
	in.ctype            = p->ctype;

	/* the content itself only when the push names no identity: a
	 * digest of a 64 KiB body costs ~0.1 ms */
	if (!in.imdn_msgid && !in.content_location) {
		if (digest) {
			in.body_digest = digest;
		}
		else if (!p->has_fd && (p->body || !p->len)) {
			pushkey_digest(d, p->body, p->len);
			in.body_digest = d;
		}
		else {
			return EINVAL;
		}
	}

	return pushkey_make(key, sz, &in);
}


/**
 * Point push p's metadata fields at m, and make its Push-Key (p->sender
 * and p->appid set: the key is per sender and app).
 */
void pushmeta_apply(struct pushmeta *m, struct push *p)
{
	if (!m || !p)
		return;

	pushmeta_point(m, p);

	if (!p->appid)
		return;

	if (!pushmeta_key(m->key, sizeof(m->key), p, NULL))
		p->push_key = m->key;
}


/*
 * The record lines of the metadata, for a push kept in the store
 * (pushstore.c) and given back when it is handed over, so that a stored
 * push's record is the one it would have had. Names as on the record
 * (doc/ipc.md section 6).
 */
#define MFIELD(name, f) {name, offsetof(struct pushmeta, f), \
		sizeof(((struct pushmeta *)0)->f)}

static const struct mfield {
	const char *name;
	size_t off;
	size_t size;
} mfields[] = {
	MFIELD("Call-ID", call_id),
	MFIELD("Date", date),
	MFIELD("X-Wap-Initiator-URI", initiator),
	MFIELD("Content-Location", location),
	MFIELD("Push-Flag", push_flag),
	MFIELD("Content-Encoding", encoding),
	MFIELD("Imdn-Message-ID", imdn_msgid),
	MFIELD("Imdn-Disposition-Notification", imdn_dispo),
	MFIELD("Push-Key", key),
};


_Static_assert(sizeof(mfields) / sizeof(mfields[0]) == 9,
	       "push_value() has a case for every line");


static const char *push_value(const struct push *p, size_t i)
{
	switch (i) {
	case 0: return p->call_id;
	case 1: return p->date;
	case 2: return p->initiator;
	case 3: return p->location;
	case 4: return p->push_flag;
	case 5: return p->encoding;
	case 6: return p->imdn_msgid;
	case 7: return p->imdn_dispo;
	case 8: return p->push_key;
	default: return NULL;
	}
}


/**
 * Write push p's metadata as "Name: value\n" lines (the ones it has).
 *
 * @return 0, EINVAL for a value that could not be read back as it is
 */
int pushmeta_print(struct mbuf *mb, const struct push *p)
{
	int err = 0;

	if (!mb || !p)
		return EINVAL;

	for (size_t i = 0; i < ARRAY_SIZE(mfields) && !err; i++) {
		const char *v = push_value(p, i);
		struct pl pl;

		if (!v)
			continue;

		pl_set_str(&pl, v);
		if (!pl.l || pl.l >= mfields[i].size || !printable(&pl))
			return EINVAL;

		err = mbuf_printf(mb, "%s: %s\n", mfields[i].name, v);
	}

	return err;
}


/**
 * Read what pushmeta_print() wrote back into m (other lines are
 * skipped; a value that does not fit or is not printable is left out).
 *
 * @param m  Result, cleared first
 * @param s  The lines
 * @param n  Their length
 */
void pushmeta_parse(struct pushmeta *m, const char *s, size_t n)
{
	const char *end = s + n;

	if (!m)
		return;

	memset(m, 0, sizeof(*m));

	while (s && s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *colon;
		struct pl v;

		if (!nl)
			nl = end;

		colon = memchr(s, ':', (size_t)(nl - s));
		for (size_t i = 0; colon && i < ARRAY_SIZE(mfields); i++) {
			size_t l = strlen(mfields[i].name);

			if ((size_t)(colon - s) != l ||
			    strncmp(s, mfields[i].name, l) ||
			    colon + 2 > nl || colon[1] != ' ')
				continue;

			v.p = colon + 2;
			v.l = (size_t)(nl - v.p);
			if (v.l && v.l < mfields[i].size && printable(&v))
				(void)pl_strcpy(&v, (char *)m + mfields[i].off,
						mfields[i].size);
			break;
		}

		s = nl + 1;
	}
}


/**
 * Read the message/cpim wrapper of content kept aside (a stored push):
 * its inner content and headers into m, as pushmeta_read() would.
 *
 * @return 0 (also when the content is not CPIM), or 400 if it does not
 *         parse
 */
uint16_t pushmeta_cpim(struct pushmeta *m, const char *ctype,
		       const uint8_t *body, size_t len)
{
	const char *reason = NULL;

	if (!m || !ctype || !body || m->encoding[0] ||
	    !mediatype_match("message/cpim", ctype))
		return 0;

	return read_cpim(m, body, len, &reason);
}
