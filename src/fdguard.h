/* fdguard.h: every listener's accept (libre's too): refuse early at the descriptor limit instead of spinning, and SIP's connection budget. */
#ifndef SIPPUSH_FDGUARD_H
#define SIPPUSH_FDGUARD_H

#include <stdint.h>

struct re_printf;

/** Listeners whose connections are bounded together */
enum fdguard_class {
	FDGUARD_SIP = 0,      /* sip_conn_max: SIP TCP/TLS */
	FDGUARD_MSRP,         /* msrp_conn_max: MSRP plain and TLS */
	FDGUARD_N
};

int  fdguard_init(void);
void fdguard_close(void);
void fdguard_max(enum fdguard_class k, uint32_t max);
int  fdguard_watch(enum fdguard_class k, int lfd);
void fdguard_unwatch(enum fdguard_class k, int lfd);
uint32_t fdguard_conns(enum fdguard_class k);
int  fdguard_status(struct re_printf *pf, void *unused);

#endif
