/* coretrust.h: requests only from the SIP/IP core: sip_trusted and the registrar's addresses in the kernel filter and the intake, and a Request-URI of ours. */
#ifndef SIPPUSH_CORETRUST_H
#define SIPPUSH_CORETRUST_H

#include <stdbool.h>

struct config;
struct coretrust;
struct intake;
struct re_printf;
struct sa;
struct sip_msg;
struct ua;

/** Did msg come over one of our registration flows (RFC 5626)? */
typedef bool (coretrust_flow_h)(const struct sip_msg *msg, void *arg);

int  coretrust_alloc(struct coretrust **ctp, struct ua *ua,
		     coretrust_flow_h *flowh, void *arg);
int  coretrust_reset(struct coretrust *ct, const struct config *cfg,
		     const char *cuser);
int  coretrust_checks(struct coretrust *ct, struct intake *in);
void coretrust_learn(struct coretrust *ct, const struct sa *dst);
void coretrust_set_gruus(struct coretrust *ct, const char *pub,
			 const char *temp);
bool coretrust_from_core(const struct coretrust *ct,
			 const struct sip_msg *msg);
bool coretrust_ruri_ours(const struct coretrust *ct,
			 const struct sip_msg *msg);
int  coretrust_status(struct re_printf *pf, const struct coretrust *ct);

#endif
