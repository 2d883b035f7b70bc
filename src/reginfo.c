/* reginfo.c: reg-event documents (RFC 3680 application/reginfo+xml): what they say about our binding, and what to do. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "xml.h"
#include "reginfo.h"

#define DEBUG_MODULE "reginfo"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

#define NS_REGINFO "urn:ietf:params:xml:ns:reginfo"

enum { CONTACTS_MAX = 256 };    /* per <registration>; more is refused */

static const char * const event_names[] = {
	"", "registered", "created", "refreshed", "shortened", "expired",
	"deactivated", "probation", "unregistered", "rejected",
};


const char *reginfo_event_name(enum reginfo_event ev)
{
	if (ev == REGINFO_EV_OTHER)
		return "other";

	return (unsigned)ev < ARRAY_SIZE(event_names) ? event_names[ev] : "?";
}


const char *reginfo_action_name(enum reginfo_action act)
{
	switch (act) {
	case REGINFO_NOTHING:    return "nothing";
	case REGINFO_REREGISTER: return "re-register";
	case REGINFO_STOP:       return "stop";
	case REGINFO_EXPIRES:    return "expires";
	default:                 return "?";
	}
}


/* One contact while it is parsed */
struct cand {
	bool active;
	enum reginfo_event event;
	bool has_expires;
	uint32_t expires;
	uint32_t retry_after;
	bool uri_match;
	bool inst_match;
};

struct reader {
	const struct reginfo_self *self;
	struct reginfo *ri;
	struct uri aor, contact;     /* ours, decoded */
	bool have_contact;
	bool root;
	bool in_reg;                 /* inside our <registration> */
	bool in_contact;
	bool pname_instance;         /* <unknown-param name="+sip.instance"> */
	struct cand cur;
	struct cand by_uri, by_inst;
	bool got_uri, got_inst;
	const char *why;
};


static int u32_attr(uint32_t *v, const char *s)
{
	uint64_t n = 0;

	if (!s || !*s)
		return EBADMSG;

	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return EBADMSG;
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > UINT32_MAX)
			return EBADMSG;
	}

	*v = (uint32_t)n;
	return 0;
}


/* Same user, host (no case) and port: the parts a registrar keeps.
 * Parameters (;ob, ;transport) may be added or dropped on the way. */
static bool same_uri(const struct uri *a, const struct uri *b)
{
	return !pl_casecmp(&a->scheme, &b->scheme) &&
		!pl_cmp(&a->user, &b->user) &&
		!pl_casecmp(&a->host, &b->host) &&
		(a->port ? a->port : 5060) == (b->port ? b->port : 5060);
}


static bool uri_text_is(const struct uri *ours, const char *text,
			size_t len, bool with_port)
{
	struct uri u;
	struct pl pl = {text, len};

	/* surrounding white space is allowed in element content */
	while (pl.l && strchr(" \t\r\n", pl.p[0]))
		pl_advance(&pl, 1);
	while (pl.l && strchr(" \t\r\n", pl.p[pl.l - 1]))
		pl.l--;

	if (!pl.l || uri_decode(&u, &pl))
		return false;

	if (with_port)
		return same_uri(ours, &u);

	return !pl_casecmp(&ours->scheme, &u.scheme) &&
		!pl_cmp(&ours->user, &u.user) &&
		!pl_casecmp(&ours->host, &u.host);
}


static enum reginfo_event event_decode(const char *s)
{
	if (!s)
		return REGINFO_EV_NONE;

	for (size_t i = 1; i < ARRAY_SIZE(event_names); i++)
		if (!strcmp(s, event_names[i]))
			return (enum reginfo_event)i;

	return REGINFO_EV_OTHER;
}


static int start_handler(unsigned depth, const char *ns, const char *name,
			 const char **attrs, void *arg)
{
	struct reader *r = arg;
	struct reginfo *ri = r->ri;
	bool ours = !strcmp(ns, NS_REGINFO);
	const char *v;

	if (depth == 1) {
		if (!ours || strcmp(name, "reginfo")) {
			r->why = "root is not <reginfo> in " NS_REGINFO;
			return EPROTO;
		}
		if (u32_attr(&ri->version, xml_attr(attrs, "version"))) {
			r->why = "bad or missing version";
			return EPROTO;
		}
		v = xml_attr(attrs, "state");
		if (!v || (strcmp(v, "full") && strcmp(v, "partial"))) {
			r->why = "bad or missing state";
			return EPROTO;
		}
		ri->full = !strcmp(v, "full");
		r->root = true;
		return 0;
	}

	if (!ours)
		return 0;

	if (depth == 2 && !strcmp(name, "registration")) {
		const char *aor = xml_attr(attrs, "aor");

		v = xml_attr(attrs, "state");
		if (!aor || !v || (strcmp(v, "init") && strcmp(v, "active") &&
				   strcmp(v, "terminated"))) {
			r->why = "<registration> without aor or state";
			return EPROTO;
		}

		if (ri->reg_found ||
		    !uri_text_is(&r->aor, aor, strlen(aor), false))
			return 0;

		ri->reg_found  = true;
		ri->reg_active = strcmp(v, "terminated") != 0;
		r->in_reg = true;
		return 0;
	}

	if (!r->in_reg)
		return 0;

	if (depth == 3 && !strcmp(name, "contact")) {
		if (++ri->contacts > CONTACTS_MAX) {
			r->why = "too many contacts";
			return EOVERFLOW;
		}

		memset(&r->cur, 0, sizeof(r->cur));
		v = xml_attr(attrs, "state");
		if (!v || (strcmp(v, "active") && strcmp(v, "terminated"))) {
			r->why = "<contact> without state";
			return EPROTO;
		}
		r->cur.active = !strcmp(v, "active");
		r->cur.event  = event_decode(xml_attr(attrs, "event"));

		v = xml_attr(attrs, "expires");
		if (v) {
			if (u32_attr(&r->cur.expires, v)) {
				r->why = "bad expires";
				return EPROTO;
			}
			r->cur.has_expires = true;
		}

		v = xml_attr(attrs, "retry-after");
		if (v && u32_attr(&r->cur.retry_after, v)) {
			r->why = "bad retry-after";
			return EPROTO;
		}

		r->in_contact = true;
		return 0;
	}

	if (depth == 4 && r->in_contact && !strcmp(name, "unknown-param")) {
		v = xml_attr(attrs, "name");
		r->pname_instance = v && !strcasecmp(v, "+sip.instance");
	}

	return 0;
}


/* "<urn:uuid:...>", with or without quotes, against "urn:uuid:..." */
static bool instance_is(const char *ours, const char *text, size_t len)
{
	struct pl pl = {text, len};

	while (pl.l && strchr(" \t\r\n\"<", pl.p[0]))
		pl_advance(&pl, 1);
	while (pl.l && strchr(" \t\r\n\">", pl.p[pl.l - 1]))
		pl.l--;

	return ours && pl.l && !pl_strcasecmp(&pl, ours);
}


static void keep(struct cand *dst, bool *got, const struct cand *c)
{
	/* several entries (a replaced flow, old and new): an active one
	 * tells the truth about us, a terminated one may be history */
	if (*got && dst->active && !c->active)
		return;

	*dst = *c;
	*got = true;
}


static int end_handler(unsigned depth, const char *ns, const char *name,
		       const char *text, size_t len, void *arg)
{
	struct reader *r = arg;

	if (strcmp(ns, NS_REGINFO))
		return 0;

	if (depth == 4 && r->in_contact) {
		if (!strcmp(name, "uri") && r->have_contact &&
		    uri_text_is(&r->contact, text, len, true))
			r->cur.uri_match = true;
		else if (!strcmp(name, "unknown-param") && r->pname_instance &&
			 instance_is(r->self->instance, text, len))
			r->cur.inst_match = true;
		r->pname_instance = false;
		return 0;
	}

	if (depth == 3 && r->in_contact && !strcmp(name, "contact")) {
		r->in_contact = false;
		if (r->cur.uri_match)
			keep(&r->by_uri, &r->got_uri, &r->cur);
		else if (r->cur.inst_match)
			keep(&r->by_inst, &r->got_inst, &r->cur);
		return 0;
	}

	if (depth == 2 && r->in_reg && !strcmp(name, "registration"))
		r->in_reg = false;

	return 0;
}


/**
 * Read a reginfo document and pick out our registration and contact.
 *
 * Our contact is the one whose <uri> has our Contact's user, host and
 * port; only if none has, one that carries our +sip.instance. A
 * replaced flow (same instance, old URI) therefore never speaks for us.
 *
 * @param ri      Gets what the document says about us
 * @param self    Our AOR, Contact URI and instance
 * @param doc     Document
 * @param len     Its length
 * @param errbuf  Gets the reason on failure, for a log line
 * @param errsz   Size of errbuf
 *
 * @return 0 if success, EBADMSG if not well-formed, EPROTO if not a
 *         reginfo document, EOVERFLOW past a bound
 */
int reginfo_decode(struct reginfo *ri, const struct reginfo_self *self,
		   const char *doc, size_t len, char *errbuf, size_t errsz)
{
	struct reader *r;
	struct pl pl;
	int err;

	if (!ri || !self || !self->aor || !doc)
		return EINVAL;

	memset(ri, 0, sizeof(*ri));

	r = mem_zalloc(sizeof(*r), NULL);
	if (!r)
		return ENOMEM;

	r->self = self;
	r->ri = ri;

	pl_set_str(&pl, self->aor);
	err = uri_decode(&r->aor, &pl);
	if (err)
		goto out;

	if (self->contact) {
		pl_set_str(&pl, self->contact);
		r->have_contact = !uri_decode(&r->contact, &pl);
	}

	err = xml_parse(doc, len, start_handler, end_handler, r,
			errbuf, errsz);
	if (err) {
		if (r->why && errbuf)
			(void)re_snprintf(errbuf, errsz, "%s", r->why);
		goto out;
	}

	if (!r->root) {
		err = EPROTO;
		goto out;
	}

	if (r->got_uri || r->got_inst) {
		const struct cand *c = r->got_uri ? &r->by_uri : &r->by_inst;

		ri->contact_found  = true;
		ri->by_instance    = !r->got_uri;
		ri->contact_active = c->active;
		ri->event          = c->event;
		ri->has_expires    = c->has_expires;
		ri->expires        = c->expires;
		ri->retry_after    = c->retry_after;
	}

 out:
	if (err)
		memset(ri, 0, sizeof(*ri));
	mem_deref(r);

	return err;
}


/**
 * What a document means for our registration (RFC 3680 §5.2, §3.1):
 *
 * - our contact terminated as deactivated, expired or probation, or with
 *   no reason we know: the binding is gone, REGISTER again at once;
 * - terminated as rejected or unregistered: the network took it away on
 *   purpose; registering again would only be refused, so stop (unless
 *   the contact was only found by instance: then register again);
 * - active with an expires attribute: the binding ends then (a
 *   "shortened" event lowers it), so the refresh must come before;
 * - our whole registration terminated without listing us: gone too.
 *
 * @param ri       What reginfo_decode() found
 * @param expires  Gets the remaining lifetime for REGINFO_EXPIRES
 */
enum reginfo_action reginfo_action(const struct reginfo *ri,
				   uint32_t *expires)
{
	if (!ri || !ri->reg_found)
		return REGINFO_NOTHING;

	if (!ri->contact_found)
		return ri->reg_active ? REGINFO_NOTHING : REGINFO_REREGISTER;

	if (!ri->contact_active) {
		switch (ri->event) {

		case REGINFO_EV_REJECTED:
		case REGINFO_EV_UNREGISTERED:
			/* found by instance only, it may be a replaced
			 * flow of ours: registering again is the safe side */
			return ri->by_instance ? REGINFO_REREGISTER :
				REGINFO_STOP;

		default:
			return REGINFO_REREGISTER;
		}
	}

	if (ri->has_expires && ri->expires) {
		if (expires)
			*expires = ri->expires;
		return REGINFO_EXPIRES;
	}

	return REGINFO_NOTHING;
}
