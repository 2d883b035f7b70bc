/* sockbuf.h: socket buffer sizes libre does not set. */
#ifndef SIPPUSH_SOCKBUF_H
#define SIPPUSH_SOCKBUF_H

#include <stdint.h>

struct sip;

int sockbuf_sip_udp_rcvbuf(struct sip *sip, uint32_t bytes);

#endif
