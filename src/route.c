/* route.c: the route set of the requests we originate (IMDN MESSAGE, SUBSCRIBE, PUBLISH) towards the core. */
#include <string.h>
#include <strings.h>
#include <re.h>
#include "autoconf.h"
#include "regresp.h"
#include "route.h"

#define DEBUG_MODULE "route"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Requests we start outside a dialog go "through the core", like the
 * REGISTER: the registrar's URI (the same flow and transport) as a loose
 * route in front of the real target, or the outbound proxy if one is
 * configured. Once a REGISTER 200 carried a Service-Route (RFC 3608
 * §6.1), the route set is the outbound proxy (if any) followed by the
 * Service-Route entries. This is the one place that decides it.
 */

_Static_assert(ROUTE_MAX >= REGRESP_MAX_ROUTES + 1,
	       "room for the outbound proxy and every Service-Route kept");

struct route_set {
	char *first;                 /* outbound proxy or registrar, ;lr */
	bool proxy;                  /* first is an outbound proxy */
	char *hop[ROUTE_MAX];        /* the current set */
	const char *v[ROUTE_MAX];    /* the same, as libre takes it */
	uint32_t n;
};


/*
 * One Route entry as libre takes it: the URI without <> and without its
 * ";lr" (sip_dialog_alloc() writes "Route: <%s;lr>" itself, in every
 * libre version; a Service-Route entry arrives with ;lr and would get it
 * twice).
 */
static int hop_print(char *buf, size_t sz, const char *uri)
{
	struct uri u;
	struct pl pl;
	const char *p, *end;
	int n, err = 0;

	pl_set_str(&pl, uri);
	if (uri_decode(&u, &pl))
		return EINVAL;

	if (!u.params.l) {
		n = re_snprintf(buf, sz, "%s", uri);
		return (n < 0 || (size_t)n >= sz - 1) ? EOVERFLOW : 0;
	}

	p   = u.params.p;
	end = p + u.params.l;

	/* what comes before the parameters */
	n = re_snprintf(buf, sz, "%b", uri, (size_t)(p - uri));
	if (n < 0)
		return EOVERFLOW;

	/* each ";name[=value]" but lr */
	while (p < end) {
		const char *q = p + 1;
		size_t len;

		while (q < end && *q != ';')
			++q;
		len = (size_t)(q - p);
		if (!(len == 3 && !strncasecmp(p, ";lr", 3)) &&
		    !(len > 3 && !strncasecmp(p, ";lr=", 4)))
			err |= (re_snprintf(buf + n, sz - n, "%b", p, len) < 0);
		n = (int)strlen(buf);
		p = q;
	}

	/* headers (?...) after the parameters */
	if (!err && re_snprintf(buf + n, sz - n, "%s", end) < 0)
		err = 1;

	return (err || strlen(buf) >= sz - 1) ? EOVERFLOW : 0;
}


static void clear(struct route_set *rs)
{
	for (uint32_t i = 0; i < rs->n; i++) {
		rs->hop[i] = mem_deref(rs->hop[i]);
		rs->v[i] = NULL;
	}
	rs->n = 0;
}


static void destructor(void *arg)
{
	struct route_set *rs = arg;

	clear(rs);
	mem_deref(rs->first);
}


static int add(struct route_set *rs, const char *uri)
{
	char buf[ROUTE_SIZE];
	int err;

	if (rs->n >= ROUTE_MAX)
		return EOVERFLOW;

	err = hop_print(buf, sizeof(buf), uri);
	if (err)
		return err;

	err = str_dup(&rs->hop[rs->n], buf);
	if (err)
		return err;

	rs->v[rs->n] = rs->hop[rs->n];
	++rs->n;

	return 0;
}


/**
 * The route set of our out-of-dialog requests before any registration:
 * the outbound proxy if there is one, else the registrar.
 *
 * @param rsp        Pointer to allocated route set
 * @param registrar  sip_registrar as configured
 * @param proxy      sip_outbound_proxy (the first flow's), or NULL
 *
 * @return 0 if success, EINVAL for a URI that does not decode,
 *         EOVERFLOW for one longer than ROUTE_SIZE, otherwise errorcode
 */
int route_set_alloc(struct route_set **rsp, const char *registrar,
		    const char *proxy)
{
	struct route_set *rs;
	int err;

	if (!rsp || !registrar)
		return EINVAL;

	rs = mem_zalloc(sizeof(*rs), destructor);
	if (!rs)
		return ENOMEM;

	rs->proxy = proxy != NULL;
	err = add(rs, proxy ? proxy : registrar);
	if (err)
		goto out;

	err = str_dup(&rs->first, rs->hop[0]);

 out:
	if (err)
		mem_deref(rs);
	else
		*rsp = rs;

	return err;
}


/**
 * Apply what a REGISTER 200 said: its Service-Route entries follow the
 * outbound proxy (or replace the registrar hop); a 200 without one puts
 * the set back to the configured first hop.
 *
 * @param rs  Route set
 * @param rr  The 2xx's decoded headers (reg_regresp()), or NULL
 *
 * @return 0 if success, otherwise errorcode (the set is then the
 *         configured first hop alone)
 */
int route_set_update(struct route_set *rs, const struct regresp *rr)
{
	size_t sc = regresp_service_routec(rr);
	int err = 0;

	if (!rs)
		return EINVAL;

	clear(rs);

	if (rs->proxy || !sc)
		err = add(rs, rs->first);

	for (size_t i = 0; !err && i < sc; i++)
		err = add(rs, regresp_service_route(rr, i));

	if (err) {
		DEBUG_WARNING("Service-Route not used: %m\n", err);
		clear(rs);
		(void)add(rs, rs->first);
	}

	return err;
}


/** Number of Route entries (at least 1) */
uint32_t route_set_count(const struct route_set *rs)
{
	return rs ? rs->n : 0;
}


/** The Route entries, as libre's sip_dialog_alloc()/sipevent take them */
const char **route_set_v(struct route_set *rs)
{
	return rs ? rs->v : NULL;
}


/** Prints the route set as "<a>,<b>" (sippush status) */
int route_set_print(struct re_printf *pf, const struct route_set *rs)
{
	int err = 0;

	if (!rs)
		return 0;

	for (uint32_t i = 0; i < rs->n; i++)
		err |= re_hprintf(pf, "%s<%s>", i ? "," : "", rs->hop[i]);

	return err;
}
