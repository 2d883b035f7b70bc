/* pushreq.c: reads what a push request says: target app, sender, content type, lifetime. */
#include <string.h>
#include <ctype.h>
#include <time.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "appid.h"
#include "appset.h"
#include "pushreq.h"

#define DEBUG_MODULE "pushreq"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Everything read here comes from the network and is treated as hostile:
 * lengths are bounded, characters checked, and what leaves this file is
 * either a canonical app ID (appid.c's character set) or a printable,
 * bounded string safe to put on an IPC header line.
 *
 * Target application, in this order (doc/responses.md, "Choosing the
 * application"):
 *  1. Accept-Contact with +g.oma.pusheventapp (RFC 3841). The first value
 *     we serve wins. If a header carrying our tag says ";require" and
 *     none of its values is served, there is no fallback: the push is
 *     for that application and gets 404. ";explicit" always holds, since
 *     every application we route is explicitly in our Contact.
 *  2. X-Wap-Application-Id (WAP push header, any of the three forms).
 *  3. The route_ctype table of the configuration, by content type.
 * An ID that was named but is not served is reported as found, so the
 * caller answers 404 "not served" rather than "no ID".
 */

struct ac_arg {
	const struct appset *apps;
	char *app;
	size_t sz;
	char first[APPID_SIZE];
	bool found;
	bool require;
	bool bad;
};


static bool ac_handler(const struct sip_hdr *hdr, const struct sip_msg *msg,
		       void *arg)
{
	struct ac_arg *aa = arg;
	struct pl v, end, tok;
	(void)msg;

	if (msg_param_decode(&hdr->val, "+g.oma.pusheventapp", &v))
		return false;

	/* a quoted string list: "a,b" (RFC 3840 §9) */
	while (v.l) {
		char canon[APPID_SIZE];
		const char *comma = pl_strchr(&v, ',');

		tok.p = v.p;
		tok.l = comma ? (size_t)(comma - v.p) : v.l;
		pl_advance(&v, comma ? tok.l + 1 : tok.l);

		while (tok.l && isspace((unsigned char)tok.p[0]))
			pl_advance(&tok, 1);
		while (tok.l && isspace((unsigned char)tok.p[tok.l - 1]))
			--tok.l;

		if (appid_from_ftag(canon, sizeof(canon), &tok)) {
			aa->bad = true;
			continue;
		}

		if (!aa->first[0])
			str_ncpy(aa->first, canon, sizeof(aa->first));

		if (appset_contains(aa->apps, canon)) {
			str_ncpy(aa->app, canon, aa->sz);
			aa->found = true;
			return true;
		}
	}

	if (!msg_param_exists(&hdr->val, "require", &end))
		aa->require = true;

	return false;
}


static bool ctype_route(const struct sip_msg *msg, const struct config *cfg,
			char *app, size_t sz)
{
	char ct[PUSHREQ_CTYPE_MAX + 1];

	if (!cfg || !cfg->routec || !pl_isset(&msg->ctyp.type) ||
	    re_snprintf(ct, sizeof(ct), "%r/%r", &msg->ctyp.type,
			&msg->ctyp.subtype) < 0)
		return false;

	for (size_t i = 0; i < cfg->routec; i++) {
		if (!strcasecmp(cfg->routes[i].ctype, ct)) {
			str_ncpy(app, cfg->routes[i].appid, sz);
			return true;
		}
	}

	return false;
}


/**
 * Which application is this push for?
 *
 * @param msg   MESSAGE or INVITE
 * @param cfg   Configuration (route_ctype lines)
 * @param apps  What we advertise
 * @param app   Receives the canonical ID on PUSHREQ_FOUND
 * @param sz    Size of app
 */
enum pushreq_target pushreq_target(const struct sip_msg *msg,
				   const struct config *cfg,
				   const struct appset *apps,
				   char *app, size_t sz)
{
	struct ac_arg aa;
	const struct sip_hdr *xh;
	char canon[APPID_SIZE] = "";

	if (!msg || !app || !sz)
		return PUSHREQ_NONE;

	memset(&aa, 0, sizeof(aa));
	aa.apps = apps;
	aa.app  = app;
	aa.sz   = sz;

	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_ACCEPT_CONTACT, ac_handler,
				&aa);
	if (aa.found)
		return PUSHREQ_FOUND;

	if (aa.require) {
		if (!aa.first[0])
			return PUSHREQ_BAD;
		str_ncpy(app, aa.first, sz);
		return PUSHREQ_FOUND;
	}

	xh = sip_msg_xhdr(msg, "X-Wap-Application-Id");
	if (xh) {
		if (appid_normalise(canon, sizeof(canon), &xh->val))
			aa.bad = true;
		else if (appset_contains(apps, canon)) {
			str_ncpy(app, canon, sz);
			return PUSHREQ_FOUND;
		}
	}

	if (ctype_route(msg, cfg, app, sz))
		return PUSHREQ_FOUND;

	if (aa.first[0] || canon[0]) {
		str_ncpy(app, aa.first[0] ? aa.first : canon, sz);
		return PUSHREQ_FOUND;
	}

	return aa.bad ? PUSHREQ_BAD : PUSHREQ_NONE;
}


static int copy_checked(char *buf, size_t sz, const struct pl *pl)
{
	if (!pl_isset(pl))
		return ENOENT;
	if (pl->l >= sz)
		return EOVERFLOW;

	for (size_t i = 0; i < pl->l; i++)
		if (!isprint((unsigned char)pl->p[i]))
			return EBADMSG;

	return pl_strcpy(pl, buf, sz);
}


/**
 * The sender's identity: the URI of P-Asserted-Identity when the core
 * asserted one (RFC 3325; the intake takes requests only from the core,
 * coretrust.c, so a PAI here is the core's), else the From URI.
 *
 * @param asserted  Set: the identity is the asserted one (may be NULL)
 */
int pushreq_sender(const struct sip_msg *msg, char *buf, size_t sz,
		   bool *asserted)
{
	const struct sip_hdr *pai;
	struct sip_addr addr;

	if (!msg || !buf || !sz)
		return EINVAL;

	if (asserted)
		*asserted = false;

	pai = sip_msg_hdr(msg, SIP_HDR_P_ASSERTED_IDENTITY);
	if (pai && !sip_addr_decode(&addr, &pai->val)) {
		if (asserted)
			*asserted = true;
		return copy_checked(buf, sz, &addr.auri);
	}

	return copy_checked(buf, sz, &msg->from.auri);
}


/** "type/subtype[;params]", lower-case type, checked and bounded. */
int pushreq_ctype(const struct sip_msg *msg, char *buf, size_t sz)
{
	int n;

	if (!msg || !buf || !sz)
		return EINVAL;

	if (!pl_isset(&msg->ctyp.type) || !pl_isset(&msg->ctyp.subtype))
		return ENOENT;

	n = re_snprintf(buf, sz, "%r/%r%r", &msg->ctyp.type,
			&msg->ctyp.subtype, &msg->ctyp.params);
	if (n < 0 || (size_t)n >= sz)
		return EOVERFLOW;

	/* the whole value goes on an IPC header line: printable ASCII,
	 * SIP's tab whitespace as a space; type/subtype lower-cased */
	bool params = false;
	for (char *p = buf; *p; p++) {
		if (*p == '\t')
			*p = ' ';
		if (!isprint((unsigned char)*p))
			return EBADMSG;
		if (*p == ';')
			params = true;
		if (!params)
			*p = (char)tolower((unsigned char)*p);
	}

	return 0;
}


/* Expires as delta-seconds; false when there is none or it is not
 * one: anything else or an absurd value is not a reason to throw
 * content away */
static bool expires_of(const struct sip_msg *msg, uint64_t *exp)
{
	uint64_t v = 0;

	if (!msg || !pl_isset(&msg->expires) || msg->expires.l > 10)
		return false;

	for (size_t i = 0; i < msg->expires.l; i++) {
		char c = msg->expires.p[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (uint64_t)(c - '0');
	}

	*exp = v;
	return true;
}


/* The Date header as Unix time, or (time_t)-1 */
static time_t date_of(const struct sip_msg *msg)
{
	const struct sip_hdr *dh = sip_msg_hdr(msg, SIP_HDR_DATE);
	char date[64];
	struct tm tm;

	if (!dh || pl_strcpy(&dh->val, date, sizeof(date)))
		return (time_t)-1;

	memset(&tm, 0, sizeof(tm));
	if (!strptime(date, "%a, %d %b %Y %H:%M:%S GMT", &tm))
		return (time_t)-1;

	return timegm(&tm);
}


/**
 * Has the push outlived its Expires (RFC 3428 §4 lets a MESSAGE carry
 * one)? Expires: 0 means it is already stale on arrival; with a Date
 * header, Date + Expires is compared with our clock.
 */
bool pushreq_expired(const struct sip_msg *msg, time_t now)
{
	uint64_t exp;
	time_t t;

	if (!expires_of(msg, &exp))
		return false;
	if (exp == 0)
		return true;

	t = date_of(msg);
	return t != (time_t)-1 && t + (time_t)exp < now;
}


/**
 * When a push stops being worth delivering, for one kept in the store:
 * Date + Expires, or arrival (now) + Expires without a Date.
 *
 * @return Unix time, s; 0 when the push has no usable Expires
 */
uint64_t pushreq_expiry(const struct sip_msg *msg, time_t now)
{
	uint64_t exp;
	time_t t;

	if (!expires_of(msg, &exp))
		return 0;

	t = date_of(msg);
	if (t == (time_t)-1 || t < 0)
		t = now;

	return (uint64_t)t + exp;
}


const char *pushreq_transport(const struct sip_msg *msg)
{
	switch (msg ? msg->tp : SIP_TRANSP_NONE) {
	case SIP_TRANSP_UDP: return "sip-udp";
	case SIP_TRANSP_TCP: return "sip-tcp";
	case SIP_TRANSP_TLS: return "sip-tls";
	default:             return "sip";
	}
}
