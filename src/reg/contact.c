/* contact.c: our Contact URI and what a REGISTER 2xx says about it: expiry, routes, GRUUs. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "regresp.h"
#include "reg.h"
#include "reg_priv.h"

#define DEBUG_MODULE "reg"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


int reg_print_contact_uri(struct re_printf *pf, const struct reg *reg)
{
	return re_hprintf(pf, "sip:%s@%J%s%s", reg->cuser, &reg->laddr,
			  sip_transp_param(reg->tp),
			  reg->tp == SIP_TRANSP_UDP ? "" : ";ob");
}


static bool contact_handler(const struct sip_hdr *hdr,
			    const struct sip_msg *msg, void *arg)
{
	struct reg *reg = arg;
	struct sip_addr c;
	struct pl pval;
	char uri[256];
	(void)msg;

	if (sip_addr_decode(&c, &hdr->val))
		return false;

	if (re_snprintf(uri, sizeof(uri), "%H", reg_print_contact_uri, reg) < 0)
		return false;

	if (pl_strcasecmp(&c.auri, uri))
		return false;

	if (!msg_param_decode(&c.params, "expires", &pval))
		reg->granted = pl_u32(&pval);

	return true;
}


void reg_granted_expiry(struct reg *reg, const struct sip_msg *msg)
{
	reg->granted = 0;

	if (!sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, contact_handler,
			       reg)) {
		reg->granted = pl_isset(&msg->expires) ?
			pl_u32(&msg->expires) : reg->expires;
	}
}


/* Keep what the 2xx says about routes, GRUUs and identities. */
void reg_keep_response(struct reg *reg, const struct sip_msg *msg)
{
	struct regresp *rr = NULL;
	const char *old;

	if (!reg->instance || regresp_decode(&rr, msg, reg->instance))
		return;

	old = regresp_pub_gruu(reg->resp);
	if (regresp_pub_gruu(rr) &&
	    (!old || strcmp(old, regresp_pub_gruu(rr))))
		DEBUG_INFO("public GRUU %s\n", regresp_pub_gruu(rr));

	mem_deref(reg->resp);
	reg->resp = rr;
}


/**
 * Print our Contact URI as the last REGISTER carried it (%H).
 */
int reg_contact(struct re_printf *pf, const struct reg *reg)
{
	if (!reg)
		return 0;

	return reg_print_contact_uri(pf, reg);
}
