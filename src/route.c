/* route.c: the route set of the requests we originate (IMDN MESSAGE, SUBSCRIBE, PUBLISH) towards the core. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "route.h"

#define DEBUG_MODULE "route"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Requests we start outside a dialog go "through the core", like the
 * REGISTER: the registrar's URI (the same flow and transport) as a loose
 * route in front of the real target. This is the one place that decides
 * it, so a Service-Route learnt at registration (RFC 3608) or an outbound
 * proxy replaces it here and nowhere else.
 */


/**
 * The first (and today only) Route entry: the registrar URI with ";lr".
 *
 * @param buf        Gets the URI, without <>
 * @param sz         Size of buf (ROUTE_SIZE is enough for any registrar
 *                   the config accepts)
 * @param registrar  sip_registrar as configured
 *
 * @return 0 if success, EINVAL for a URI that does not decode, EOVERFLOW
 *         if it does not fit
 */
int route_first_hop(char *buf, size_t sz, const char *registrar)
{
	struct uri uri;
	struct pl pl, lr;
	int n;

	if (!buf || !sz || !registrar)
		return EINVAL;

	pl_set_str(&pl, registrar);
	if (uri_decode(&uri, &pl))
		return EINVAL;

	if (!msg_param_exists(&uri.params, "lr", &lr))
		n = re_snprintf(buf, sz, "%s", registrar);
	else
		n = re_snprintf(buf, sz, "%s;lr", registrar);

	return (n < 0 || (size_t)n >= sz - 1) ? EOVERFLOW : 0;
}
