/* regresp.c: reads what a REGISTER 200 tells us: Service-Route, Path, our GRUUs, P-Associated-URI, outbound. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "regresp.h"

#define DEBUG_MODULE "regresp"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * RFC 3608 Service-Route: the route set for our own out-of-dialog requests
 * other than REGISTER, replaced by every 200. RFC 3327 Path: how the core
 * reaches us, kept for status. RFC 5627: pub-gruu/temp-gruu ride on the
 * Contact of ours (matched by +sip.instance), not on anyone else's. All
 * of it is network input: each URI is bounded, checked character by
 * character and by uri_decode() before it is kept.
 */

struct regresp {
	char *sroute[REGRESP_MAX_ROUTES];
	size_t sroutec;
	char *path[REGRESP_MAX_ROUTES];
	size_t pathc;
	char *assoc[REGRESP_MAX_ASSOC];
	size_t assocc;
	char *pub_gruu;
	char *temp_gruu;
	uint32_t flow_timer;
	uint32_t dropped;
	bool outbound;
	const char *instance;   /* only while decoding */
};


static void destructor(void *arg)
{
	struct regresp *rr = arg;

	for (size_t i = 0; i < rr->sroutec; i++)
		mem_deref(rr->sroute[i]);
	for (size_t i = 0; i < rr->pathc; i++)
		mem_deref(rr->path[i]);
	for (size_t i = 0; i < rr->assocc; i++)
		mem_deref(rr->assoc[i]);
	mem_deref(rr->pub_gruu);
	mem_deref(rr->temp_gruu);
}


/* URI characters only (RFC 3261 §25.1 unreserved, reserved, escaped):
 * nothing that could end a header, a quoted string or a name-addr. */
static bool uri_chars_ok(const struct pl *pl)
{
	static const char extra[] = "-_.!~*'()%;/?:@&=+$,#[]";

	if (!pl_isset(pl) || pl->l > REGRESP_MAX_URI)
		return false;

	for (size_t i = 0; i < pl->l; i++) {
		char c = pl->p[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if (!strchr(extra, c) || c == '\0')
			return false;
	}

	return true;
}


/* A URI we may keep: checked characters, and it parses. tel: only where
 * allowed (P-Associated-URI). */
static bool uri_ok(const struct pl *pl, bool tel)
{
	struct uri uri;

	if (!uri_chars_ok(pl) || uri_decode(&uri, pl))
		return false;

	if (!pl_strcasecmp(&uri.scheme, "sip") ||
	    !pl_strcasecmp(&uri.scheme, "sips"))
		return pl_isset(&uri.host);

	return tel && !pl_strcasecmp(&uri.scheme, "tel");
}


/* Append a copy of uri to a bounded list, or count it as dropped. */
static int keep(struct regresp *rr, char **v, size_t *n, size_t max,
		const struct pl *uri, bool tel, const char *what)
{
	if (!uri_ok(uri, tel)) {
		DEBUG_WARNING("%s: malformed URI ignored (%zu bytes)\n", what,
			      uri->l);
		++rr->dropped;
		return 0;
	}

	if (*n >= max) {
		DEBUG_WARNING("%s: more than %zu entries, '%r' ignored\n",
			      what, max, uri);
		++rr->dropped;
		return 0;
	}

	return pl_strdup(&v[(*n)++], uri);
}


/* One header field's list: where its entries go and what they may be. */
struct hlist {
	struct regresp *rr;
	char **v;
	size_t *n;
	size_t max;
	bool tel;
	const char *what;
};


static bool list_handler(const struct sip_hdr *hdr,
			 const struct sip_msg *msg, void *arg)
{
	struct hlist *hl = arg;
	struct sip_addr addr;
	(void)msg;

	if (sip_addr_decode(&addr, &hdr->val)) {
		DEBUG_WARNING("%s: malformed entry ignored\n", hl->what);
		++hl->rr->dropped;
		return false;
	}

	/* true stops the walk: only when out of memory */
	return keep(hl->rr, hl->v, hl->n, hl->max, &addr.auri, hl->tel,
		    hl->what) != 0;
}


static bool list_read(struct regresp *rr, const struct sip_msg *msg,
		      enum sip_hdrid id, char **v, size_t *n, size_t max,
		      bool tel, const char *what)
{
	struct hlist hl = {rr, v, n, max, tel, what};

	return sip_msg_hdr_apply(msg, true, id, list_handler, &hl) != NULL;
}


/* A parameter value without its quotes (GRUUs come quoted). */
static int param_unquoted(const struct pl *params, const char *name,
			  struct pl *val)
{
	if (msg_param_decode(params, name, val))
		return ENOENT;

	if (val->l >= 2 && val->p[0] == '"' && val->p[val->l - 1] == '"') {
		++val->p;
		val->l -= 2;
	}

	return 0;
}


static int gruu_keep(struct regresp *rr, char **gruu, const struct pl *params,
		     const char *name)
{
	struct pl v;

	if (param_unquoted(params, name, &v))
		return 0;

	if (!uri_ok(&v, false)) {
		DEBUG_WARNING("%s: malformed GRUU ignored (%zu bytes)\n", name,
			      v.l);
		++rr->dropped;
		return 0;
	}

	*gruu = mem_deref(*gruu);
	return pl_strdup(gruu, &v);
}


/* The binding that is ours carries our +sip.instance (RFC 5627 §5.1). */
static bool contact_handler(const struct sip_hdr *hdr,
			    const struct sip_msg *msg, void *arg)
{
	struct regresp *rr = arg;
	struct sip_addr addr;
	struct pl inst;
	size_t n;
	(void)msg;

	if (sip_addr_decode(&addr, &hdr->val))
		return false;

	if (param_unquoted(&addr.params, "+sip.instance", &inst))
		return false;

	/* "<urn:uuid:...>" as sent */
	if (inst.l >= 2 && inst.p[0] == '<' && inst.p[inst.l - 1] == '>') {
		++inst.p;
		inst.l -= 2;
	}
	n = strlen(rr->instance);
	if (inst.l != n || strncasecmp(inst.p, rr->instance, n))
		return false;

	if (gruu_keep(rr, &rr->pub_gruu, &addr.params, "pub-gruu") ||
	    gruu_keep(rr, &rr->temp_gruu, &addr.params, "temp-gruu"))
		return true;

	return false;
}


static bool outbound_handler(const struct sip_hdr *hdr,
			     const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;

	return !pl_strcasecmp(&hdr->val, "outbound");
}


/**
 * Read a 2xx answer to our REGISTER.
 *
 * @param rrp       Pointer to allocated result
 * @param msg       The 2xx response
 * @param instance  Our +sip.instance ("urn:uuid:..."), to find our binding
 *
 * @return 0 if success, otherwise errorcode
 */
int regresp_decode(struct regresp **rrp, const struct sip_msg *msg,
		   const char *instance)
{
	const struct sip_hdr *ft;
	struct regresp *rr;
	int err = 0;

	if (!rrp || !msg || !instance)
		return EINVAL;

	rr = mem_zalloc(sizeof(*rr), destructor);
	if (!rr)
		return ENOMEM;

	rr->instance = instance;

	if (list_read(rr, msg, SIP_HDR_SERVICE_ROUTE, rr->sroute,
		      &rr->sroutec, REGRESP_MAX_ROUTES, false,
		      "Service-Route") ||
	    list_read(rr, msg, SIP_HDR_PATH, rr->path, &rr->pathc,
		      REGRESP_MAX_ROUTES, false, "Path") ||
	    list_read(rr, msg, SIP_HDR_P_ASSOCIATED_URI, rr->assoc,
		      &rr->assocc, REGRESP_MAX_ASSOC, true,
		      "P-Associated-URI") ||
	    sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, contact_handler,
			      rr)) {
		/* a handler stops the walk only when out of memory */
		err = ENOMEM;
		goto out;
	}

	/* RFC 5626 §4.2.1: a registrar doing outbound says Require */
	rr->outbound = sip_msg_hdr_apply(msg, true, SIP_HDR_REQUIRE,
					 outbound_handler, NULL) != NULL;

	ft = sip_msg_hdr(msg, SIP_HDR_FLOW_TIMER);
	if (ft)
		rr->flow_timer = pl_u32(&ft->val);

	rr->instance = NULL;

 out:
	if (err)
		mem_deref(rr);
	else
		*rrp = rr;

	return err;
}


const char *regresp_pub_gruu(const struct regresp *rr)
{
	return rr ? rr->pub_gruu : NULL;
}


const char *regresp_temp_gruu(const struct regresp *rr)
{
	return rr ? rr->temp_gruu : NULL;
}


size_t regresp_service_routec(const struct regresp *rr)
{
	return rr ? rr->sroutec : 0;
}


const char *regresp_service_route(const struct regresp *rr, size_t i)
{
	return rr && i < rr->sroutec ? rr->sroute[i] : NULL;
}


size_t regresp_pathc(const struct regresp *rr)
{
	return rr ? rr->pathc : 0;
}


const char *regresp_path(const struct regresp *rr, size_t i)
{
	return rr && i < rr->pathc ? rr->path[i] : NULL;
}


size_t regresp_assocc(const struct regresp *rr)
{
	return rr ? rr->assocc : 0;
}


const char *regresp_assoc(const struct regresp *rr, size_t i)
{
	return rr && i < rr->assocc ? rr->assoc[i] : NULL;
}


/** Flow-Timer of the 200 in s (RFC 5626 §5.4), 0 if none */
uint32_t regresp_flow_timer(const struct regresp *rr)
{
	return rr ? rr->flow_timer : 0;
}


/** The registrar did outbound for this binding (Require: outbound) */
bool regresp_outbound(const struct regresp *rr)
{
	return rr ? rr->outbound : false;
}


/** Entries refused as malformed or beyond the bounds */
uint32_t regresp_dropped(const struct regresp *rr)
{
	return rr ? rr->dropped : 0;
}


static int list_print(struct re_printf *pf, char * const *v, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n; i++)
		err |= re_hprintf(pf, "%s<%s>", i ? "," : "", v[i]);

	return err;
}


/**
 * The Service-Route as a Route header field ("Route: <a>,<b>\r\n"), or
 * nothing if the 200 had none: preloaded on our own requests.
 */
int regresp_route_print(struct re_printf *pf, const struct regresp *rr)
{
	int err;

	if (!rr || !rr->sroutec)
		return 0;

	err  = re_hprintf(pf, "Route: ");
	err |= list_print(pf, rr->sroute, rr->sroutec);
	err |= re_hprintf(pf, "\r\n");

	return err;
}


/** Status lines (sippush status): what the core told us. */
int regresp_status(struct re_printf *pf, const struct regresp *rr)
{
	int err = 0;

	if (!rr)
		return 0;

	if (rr->pub_gruu)
		err |= re_hprintf(pf, "pub_gruu=%s\n", rr->pub_gruu);
	if (rr->temp_gruu)
		err |= re_hprintf(pf, "temp_gruu=%s\n", rr->temp_gruu);
	if (rr->sroutec) {
		err |= re_hprintf(pf, "service_route=");
		err |= list_print(pf, rr->sroute, rr->sroutec);
		err |= re_hprintf(pf, "\n");
	}
	if (rr->pathc) {
		err |= re_hprintf(pf, "path=");
		err |= list_print(pf, rr->path, rr->pathc);
		err |= re_hprintf(pf, "\n");
	}
	if (rr->assocc) {
		err |= re_hprintf(pf, "associated_uris=");
		err |= list_print(pf, rr->assoc, rr->assocc);
		err |= re_hprintf(pf, "\n");
	}
	err |= re_hprintf(pf, "outbound=%s\n", rr->outbound ? "yes" : "no");

	return err;
}
