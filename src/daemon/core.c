/* core.c: the intake, first listener on the SIP stack, and its checks: requests only from the core (coretrust.c). */
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "coretrust.h"
#include "intake.h"
#include "reg.h"
#include "regresp.h"
#include "reqcheck.h"
#include "ua.h"
#include "daemon_priv.h"

#define DEBUG_MODULE "daemon"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


/* A request over one of our registration flows (RFC 5626) */
static bool on_flow(const struct sip_msg *msg, void *arg)
{
	struct daemon *d = arg;

	return reg_on_flow(d->reg, msg) || reg_on_flow(d->reg2, msg);
}


/* Where a REGISTER goes is the core (the default of sip_trusted) */
void daemon_reg_dst(const struct sa *dst, void *arg)
{
	struct daemon *d = arg;

	coretrust_learn(d->ct, dst);
}


/* A REGISTER 200: our GRUUs are Request-URIs of ours */
void daemon_core_registered(struct daemon *d)
{
	const struct regresp *rr = reg_regresp(d->reg);

	coretrust_set_gruus(d->ct, regresp_pub_gruu(rr),
			    regresp_temp_gruu(rr));
}


/*
 * The intake, before any other listener on the stack (libre asks them in
 * the order they came), and its checks in order: the core's first (a
 * stranger costs one address lookup), then the others' checks.
 */
int daemon_intake_start(struct daemon *d)
{
	int err;

	err = intake_alloc(&d->intake, ua_sip(d->ua));
	if (err)
		return err;

	err = coretrust_alloc(&d->ct, d->ua, on_flow, d);
	if (err)
		return err;

	err = coretrust_reset(d->ct, d->cfg, d->cuser);
	if (err)
		return err;

	err = coretrust_checks(d->ct, d->intake);
	if (err)
		return err;

	return reqcheck_add(&d->reqcheck, d->intake);
}
