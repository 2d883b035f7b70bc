/* sockfilt.h: kernel socket filters (classic BPF) that let in only packets from listed networks. */
#ifndef SIPPUSH_SOCKFILT_H
#define SIPPUSH_SOCKFILT_H

#include <stddef.h>

struct sock_filter;
struct trust_net;

enum {
	SOCKFILT_INSNS_MAX = 4096,    /* the kernel's BPF_MAXINSNS */
};

int sockfilt_build(struct sock_filter *prog, size_t max, size_t *lenp,
		   const struct trust_net *nets, size_t n);
int sockfilt_attach(int fd, const struct trust_net *nets, size_t n);
int sockfilt_detach(int fd);

#endif
