/* ua.h: the SIP stack of the daemon: transports, DNS, TLS context. */
#ifndef SIPPUSH_UA_H
#define SIPPUSH_UA_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct dnsc;
struct re_printf;
struct sa;
struct sip;
struct ua;

typedef void (ua_exit_h)(void *arg);

int  ua_alloc(struct ua **uap, const struct config *cfg);
int  ua_reset_transports(struct ua *ua, const struct config *cfg);
void ua_dns_set(struct ua *ua, const struct sa *srvv, uint32_t srvc);
const struct sa *ua_laddr6(const struct ua *ua);
int  ua_first_hop_host(const struct config *cfg, char *host, size_t sz);
struct sip *ua_sip(const struct ua *ua);
struct dnsc *ua_dnsc(const struct ua *ua);
const struct sa *ua_laddr(const struct ua *ua);
int  ua_registrar_host(const struct config *cfg, char *host, size_t sz);
void ua_close(struct ua *ua, ua_exit_h *exith, void *arg);
int  ua_status(struct re_printf *pf, const struct ua *ua);

#endif
