/* udpgrow.h: libre's SIP UDP sockets read whole datagrams (64 KiB, not 8 KiB), and junk is dropped before libre's parser. */
#ifndef SIPPUSH_UDPGROW_H
#define SIPPUSH_UDPGROW_H

#include <stdint.h>

struct re_printf;
struct sa;
struct sip;
struct udpgrow;

enum {
	UDPGROW_RXSZ      = 65536,  /* above any UDP payload (65,507 IPv4) */
	UDPGROW_LIBRE_RXSZ = 8192,  /* what libre reads (UDP_RXSZ_DEFAULT) */
	UDPGROW_SOCKS     = 4,      /* UDP transports of one stack */
};

int  udpgrow_alloc(struct udpgrow **ugp, struct sip *sip);
int  udpgrow_probe(struct udpgrow *ug, const struct sa *laddr);
void udpgrow_flush(struct udpgrow *ug);
int  udpgrow_status(struct re_printf *pf, const struct udpgrow *ug);

#endif
