/* sipstream.h: SIP over plain TCP: every byte libre reads from a connection it accepted passes the stream pre-filter first. */
#ifndef SIPPUSH_SIPSTREAM_H
#define SIPPUSH_SIPSTREAM_H

struct re_printf;

int  sipstream_listen(int lfd);
void sipstream_unlisten(void);
int  sipstream_accepted(int lfd, int fd);
void sipstream_close(void);
int  sipstream_status(struct re_printf *pf, void *unused);

#endif
