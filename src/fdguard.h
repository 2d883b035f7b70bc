/* fdguard.h: every listener's accept (libre's too): refuse early at the descriptor limit instead of spinning, and SIP's connection budget. */
#ifndef SIPPUSH_FDGUARD_H
#define SIPPUSH_FDGUARD_H

#include <stdint.h>

struct re_printf;

int  fdguard_init(void);
void fdguard_close(void);
void fdguard_sip_max(uint32_t max);
int  fdguard_sip_watch(int lfd);
void fdguard_sip_unwatch(void);
uint32_t fdguard_sip_conns(void);
int  fdguard_status(struct re_printf *pf, void *unused);

#endif
