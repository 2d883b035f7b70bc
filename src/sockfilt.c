/* sockfilt.c: kernel socket filters (classic BPF) that let in only packets from listed networks. */
#include <string.h>
#include <errno.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/filter.h>
#include <re.h>
#include "autoconf.h"
#include "trust.h"
#include "sockfilt.h"

#define DEBUG_MODULE "sockfilt"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * A classic BPF program attached with SO_ATTACH_FILTER runs in the
 * kernel before a datagram is queued on the socket (UDP) or before a
 * SYN reaches a listener (TCP; accepted sockets inherit the program). A
 * packet it refuses never wakes the daemon: no copy to user space, no
 * SIP parsing, no log line, so a flood from a stranger costs the kernel's
 * demultiplexing and little more.
 *
 * The program looks at the source address in the network header
 * (SKF_NET_OFF), so it works on IPv4 sockets, IPv6 sockets and the IPv4
 * packets a dual-stack IPv6 socket receives alike:
 *
 *     ldb  [net+0]; and #0xf0           IP version
 *     jeq  #0x60 -> v6 block
 *     jeq  #0x40 ? v4 block : drop
 *   v4: per network: ld [net+12]; and #mask; jeq #net ? accept : next
 *   v6: per network, per 32-bit word of the prefix: ld; and; jeq
 *
 * Each match returns "whole packet" at once, so no jump has to reach
 * past more than one network (8-bit jump offsets); only the jump to the
 * v6 block is a long one (BPF_JA). With no network at all the program
 * drops everything ("sip_listen none").
 */

#define ACCEPT 0xffffffffu
#define NET(off) ((uint32_t)(SKF_NET_OFF + (off)))

struct prog {
	struct sock_filter *v;
	size_t n, max;
};


static void emit(struct prog *p, uint16_t code, uint8_t jt, uint8_t jf,
		 uint32_t k)
{
	if (p->n < p->max) {
		p->v[p->n].code = code;
		p->v[p->n].jt   = jt;
		p->v[p->n].jf   = jf;
		p->v[p->n].k    = k;
	}

	++p->n;
}


static uint32_t word(const uint8_t *a, unsigned i)
{
	return (uint32_t)a[4 * i] << 24 | (uint32_t)a[4 * i + 1] << 16 |
		(uint32_t)a[4 * i + 2] << 8 | (uint32_t)a[4 * i + 3];
}


/* mask of word i (0-based) for a prefix of bits */
static uint32_t wmask(unsigned bits, unsigned i)
{
	unsigned have = bits > 32 * i ? bits - 32 * i : 0;

	if (have >= 32)
		return 0xffffffffu;

	return have ? ~(0xffffffffu >> have) : 0;
}


/* Instructions one network takes: per word ld (+and) + jeq, then ret. */
static size_t net_len(const struct trust_net *n)
{
	unsigned words = (n->bits + 31) / 32;
	size_t len = 1;

	for (unsigned i = 0; i < words; i++)
		len += wmask(n->bits, i) == 0xffffffffu ? 2 : 3;

	return len;
}


static void emit_net(struct prog *p, const struct trust_net *n,
		     uint32_t base)
{
	unsigned words = (n->bits + 31) / 32;
	size_t left = net_len(n);

	for (unsigned i = 0; i < words; i++) {
		uint32_t m = wmask(n->bits, i);

		emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, NET(base + 4 * i));
		--left;
		if (m != 0xffffffffu) {
			emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, m);
			--left;
		}

		/* no match: skip the rest of this network */
		--left;
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t)left,
		     word(n->addr, i) & m);
	}

	emit(p, BPF_RET | BPF_K, 0, 0, ACCEPT);
}


/**
 * Build the program that accepts packets from the given networks only.
 *
 * @param prog  Instructions out
 * @param max   Room in prog
 * @param lenp  Instructions written
 * @param nets  Networks (IPv4 and IPv6 mixed); n == 0 drops everything
 * @param n     Number of networks
 *
 * @return 0, or E2BIG if the program would not fit max
 */
int sockfilt_build(struct sock_filter *prog, size_t max, size_t *lenp,
		   const struct trust_net *nets, size_t n)
{
	struct prog p = { prog, 0, max };
	size_t v4len = 0;

	if (!prog || !lenp || (n && !nets))
		return EINVAL;

	for (size_t i = 0; i < n; i++) {
		if (nets[i].af == AF_INET && nets[i].bits <= 32)
			v4len += net_len(&nets[i]);
		else if (nets[i].af != AF_INET6 || nets[i].bits > 128)
			return EINVAL;
	}

	emit(&p, BPF_LD | BPF_B | BPF_ABS, 0, 0, NET(0));
	emit(&p, BPF_ALU | BPF_AND | BPF_K, 0, 0, 0xf0);
	emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0x60);
	/* to the v6 block: past the v4 test, its drop, v4 block, its drop */
	emit(&p, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(2 + v4len + 1));
	emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0x40);
	emit(&p, BPF_RET | BPF_K, 0, 0, 0);

	for (size_t i = 0; i < n; i++)
		if (nets[i].af == AF_INET)
			emit_net(&p, &nets[i], 12);
	emit(&p, BPF_RET | BPF_K, 0, 0, 0);

	for (size_t i = 0; i < n; i++)
		if (nets[i].af == AF_INET6)
			emit_net(&p, &nets[i], 8);
	emit(&p, BPF_RET | BPF_K, 0, 0, 0);

	if (p.n > max)
		return E2BIG;

	*lenp = p.n;
	return 0;
}


/**
 * Let only packets from nets reach socket fd (UDP socket or TCP
 * listener); replaces any filter attached before.
 *
 * @return 0, E2BIG (too many networks), or the errno of setsockopt
 */
int sockfilt_attach(int fd, const struct trust_net *nets, size_t n)
{
	struct sock_fprog fp;
	struct sock_filter *prog;
	size_t len;
	int err;

	prog = mem_alloc(SOCKFILT_INSNS_MAX * sizeof(*prog), NULL);
	if (!prog)
		return ENOMEM;

	err = sockfilt_build(prog, SOCKFILT_INSNS_MAX, &len, nets, n);
	if (err)
		goto out;

	fp.len    = (unsigned short)len;
	fp.filter = prog;

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) < 0)
		err = errno;

 out:
	mem_deref(prog);
	return err;
}


/**
 * Remove the filter of fd: every source gets through again.
 *
 * Where SO_DETACH_FILTER is not known (qemu-user passes SO_ATTACH_FILTER
 * to the kernel but answers ENOPROTOOPT to SO_DETACH_FILTER: the arm64
 * and mipsel suites failed there), the filter is replaced by one that
 * takes every packet, which lets the same packets in.
 */
int sockfilt_detach(int fd)
{
	struct sock_filter all = BPF_STMT(BPF_RET | BPF_K, ACCEPT);
	struct sock_fprog fp = { .len = 1, .filter = &all };
	int v = 0;

	if (setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &v, sizeof(v)) == 0)
		return 0;

	if (errno == ENOENT)
		return 0;

	if (errno != ENOPROTOOPT)
		return errno;

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) < 0)
		return errno;

	return 0;
}
