/* trust.h: which network sources are the SIP/IP core: sip_trusted entries and the registrar's addresses. */
#ifndef SIPPUSH_TRUST_H
#define SIPPUSH_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dnsc;
struct pl;
struct re_printf;
struct sa;
struct trust;

enum {
	TRUST_NETS_MAX    = 32,   /* sip_trusted address/CIDR entries */
	TRUST_HOSTS_MAX   = 8,    /* sip_trusted host names */
	TRUST_HOST_ADDRS  = 8,    /* addresses kept per host name */
	TRUST_LEARNED_MAX = 4,    /* registrar addresses REGISTERs went to */
	TRUST_FILTER_MAX  = TRUST_NETS_MAX + TRUST_HOSTS_MAX *
		TRUST_HOST_ADDRS + TRUST_LEARNED_MAX,
	TRUST_HOST_MAX    = 253,  /* DNS name length */
};

/** One network: an address with a prefix length (IPv4 is never mapped) */
struct trust_net {
	uint8_t af;               /* AF_INET or AF_INET6 */
	uint8_t bits;             /* prefix length, 0..32 or 0..128 */
	uint8_t addr[16];         /* network byte order; IPv4 in addr[0..3] */
};

/** The set changed: what trust_filter_nets() returns is different now */
typedef void (trust_change_h)(void *arg);

int  trust_net_parse(struct trust_net *n, const struct pl *pl);
int  trust_net_from_sa(struct trust_net *n, const struct sa *sa);
bool trust_net_match(const struct trust_net *n, const struct sa *sa);
int  trust_net_print(struct re_printf *pf, const struct trust_net *n);
int  trust_entry_check(const char *entry);

int  trust_alloc(struct trust **tp, struct dnsc *dnsc, trust_change_h *ch,
		 void *arg);
int  trust_add(struct trust *t, const char *entry);
void trust_clear(struct trust *t);
void trust_learn(struct trust *t, const struct sa *registrar);
bool trust_source(const struct trust *t, const struct sa *src);
bool trust_configured(const struct trust *t);
size_t trust_filter_nets(const struct trust *t, struct trust_net *v,
			 size_t max);
int  trust_print(struct re_printf *pf, const struct trust *t);

#endif
