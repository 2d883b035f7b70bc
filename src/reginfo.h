/* reginfo.h: reg-event documents (RFC 3680 application/reginfo+xml): what they say about our binding, and what to do. */
#ifndef SIPPUSH_REGINFO_H
#define SIPPUSH_REGINFO_H

#include <stdbool.h>
#include <stdint.h>

enum reginfo_event {
	REGINFO_EV_NONE = 0,     /* no event attribute */
	REGINFO_EV_REGISTERED,
	REGINFO_EV_CREATED,
	REGINFO_EV_REFRESHED,
	REGINFO_EV_SHORTENED,
	REGINFO_EV_EXPIRED,
	REGINFO_EV_DEACTIVATED,
	REGINFO_EV_PROBATION,
	REGINFO_EV_UNREGISTERED,
	REGINFO_EV_REJECTED,
	REGINFO_EV_OTHER,        /* an extension */
};

/** Who we are, to find our registration and contact in a document */
struct reginfo_self {
	const char *aor;        /* our AOR */
	const char *contact;    /* the Contact URI we registered */
	const char *instance;   /* +sip.instance, "urn:uuid:..." (optional) */
};

/** What one document says about us */
struct reginfo {
	uint32_t version;
	bool full;               /* state="full" (else partial) */
	bool reg_found;          /* a <registration> for our AOR */
	bool reg_active;         /* ... with state active (or init) */
	bool contact_found;      /* our contact listed */
	bool by_instance;        /* found by +sip.instance, not by URI */
	bool contact_active;
	enum reginfo_event event;
	bool has_expires;
	uint32_t expires;        /* s left on the binding, per the registrar */
	uint32_t retry_after;    /* probation: s to wait */
	uint32_t contacts;       /* contacts listed for our AOR */
};

enum reginfo_action {
	REGINFO_NOTHING = 0,
	REGINFO_REREGISTER,      /* our binding is gone: REGISTER at once */
	REGINFO_STOP,            /* the network removed us for good */
	REGINFO_EXPIRES,         /* binding ends in *expires s: refresh by then */
};

int reginfo_decode(struct reginfo *ri, const struct reginfo_self *self,
		   const char *doc, size_t len, char *errbuf, size_t errsz);
enum reginfo_action reginfo_action(const struct reginfo *ri,
				   uint32_t *expires);
const char *reginfo_event_name(enum reginfo_event ev);
const char *reginfo_action_name(enum reginfo_action act);

#endif
