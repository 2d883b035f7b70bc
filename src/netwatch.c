/* netwatch.c: tells when the host's addresses, links or default routes change (rtnetlink, debounced). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <re.h>
#include "autoconf.h"
#include "compat.h"
#include "netwatch.h"

#define DEBUG_MODULE "netwatch"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * The kernel tells us (RTMGRP_* multicast groups) instead of us asking on a
 * timer: an idle handset must not wake up to poll. One socket, read in
 * libre's loop; nothing but the kernel's own messages can arrive on it
 * (nl_pid 0 checked). Most messages are noise for us: link-local and
 * tentative addresses (DAD not done: the kernel sends the address again
 * when it is usable), routes other than a default route, statistics-only
 * link updates. What is left restarts a short timer, so the handler runs
 * once per burst (an "ip addr add" is 2-4 messages, a DHCP renew more),
 * and at the latest max_wait_ms after the burst began, so a flapping link
 * cannot hold it off for ever.
 */

/* <linux/if.h> has it, but clashes with <net/if.h> */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

enum {
	RECV_BUF   = 8192,   /* rtnetlink messages are small; the kernel
			    * splits a burst over several reads */
	RCVBUF     = 65536,  /* socket queue: a burst of a few hundred
			    * messages, beyond that NETWATCH_LOST */
	MAX_READS  = 64,     /* reads per wake-up: bound the work */
};

struct netwatch {
	int fd;
	char ifname[IF_NAMESIZE];
	struct tmr tmr;
	uint64_t burst_start;
	uint32_t debounce_ms;
	uint32_t max_wait_ms;
	unsigned pending;        /* NETWATCH_* bits of this burst */
	uint32_t events;         /* relevant messages in all */
	uint32_t bursts;         /* handler calls */
	netwatch_h *h;
	void *arg;
};


static void destructor(void *arg)
{
	struct netwatch *nw = arg;

	tmr_cancel(&nw->tmr);
	if (nw->fd >= 0) {
		compat_fd_close(nw->fd);
		(void)close(nw->fd);
	}
}


/* The interface filter: any, or the one named (by index, looked up now:
 * an interface that is re-created gets a new index). */
static bool if_match(const struct netwatch *nw, int ifindex)
{
	char name[IF_NAMESIZE];

	if (!nw->ifname[0] || ifindex <= 0)
		return true;

	if (!if_indextoname((unsigned)ifindex, name))
		return false;

	return !strcmp(name, nw->ifname);
}


static unsigned addr_msg(const struct netwatch *nw, const struct nlmsghdr *nh)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	const struct rtattr *rta;
	uint32_t flags;
	int len;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return 0;

	/* link-local and host addresses never carry a flow to the core */
	if (ifa->ifa_scope != RT_SCOPE_UNIVERSE &&
	    ifa->ifa_scope != RT_SCOPE_SITE)
		return 0;

	flags = ifa->ifa_flags;
	len = (int)IFA_PAYLOAD(nh);
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFA_FLAGS &&
		    RTA_PAYLOAD(rta) >= sizeof(uint32_t))
			memcpy(&flags, RTA_DATA(rta), sizeof(flags));
	}

	/* not usable yet: the kernel announces it again after DAD */
	if (nh->nlmsg_type == RTM_NEWADDR &&
	    (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
		return 0;

	return if_match(nw, (int)ifa->ifa_index) ? NETWATCH_ADDR : 0;
}


static unsigned link_msg(const struct netwatch *nw, const struct nlmsghdr *nh)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	const unsigned updown = IFF_UP | IFF_RUNNING | IFF_LOWER_UP;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return 0;

	if (ifi->ifi_flags & IFF_LOOPBACK)
		return 0;

	/* a NEWLINK that changed no up/down flag is noise (MTU, stats,
	 * carrier counters); ifi_change 0 or ~0 is a new link */
	if (nh->nlmsg_type == RTM_NEWLINK && ifi->ifi_change != 0 &&
	    ifi->ifi_change != ~0u && !(ifi->ifi_change & updown))
		return 0;

	return if_match(nw, ifi->ifi_index) ? NETWATCH_LINK : 0;
}


static unsigned route_msg(const struct netwatch *nw,
			  const struct nlmsghdr *nh)
{
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	const struct rtattr *rta;
	uint32_t table;
	int oif = 0, len;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return 0;

	if (rtm->rtm_dst_len != 0 || rtm->rtm_type != RTN_UNICAST)
		return 0;

	table = rtm->rtm_table;
	len = (int)RTM_PAYLOAD(nh);
	for (rta = RTM_RTA(rtm); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == RTA_TABLE &&
		    RTA_PAYLOAD(rta) >= sizeof(uint32_t))
			memcpy(&table, RTA_DATA(rta), sizeof(table));
		else if (rta->rta_type == RTA_OIF &&
			 RTA_PAYLOAD(rta) >= sizeof(int))
			memcpy(&oif, RTA_DATA(rta), sizeof(oif));
	}

	if (table != RT_TABLE_MAIN)
		return 0;

	return if_match(nw, oif) ? NETWATCH_ROUTE : 0;
}


static void tmr_handler(void *arg)
{
	struct netwatch *nw = arg;
	unsigned what = nw->pending;

	nw->pending = 0;
	nw->burst_start = 0;
	++nw->bursts;

	DEBUG_INFO("network changed:%s%s%s%s\n",
		   what & NETWATCH_ADDR ? " address" : "",
		   what & NETWATCH_LINK ? " link" : "",
		   what & NETWATCH_ROUTE ? " default-route" : "",
		   what & NETWATCH_LOST ? " (events lost)" : "");

	if (nw->h)
		nw->h(what, nw->arg);
}


/* A relevant event: (re)start the quiet-time timer, within the ceiling. */
static void note(struct netwatch *nw, unsigned what)
{
	uint64_t now = tmr_jiffies(), delay = nw->debounce_ms;

	++nw->events;
	nw->pending |= what;

	if (!nw->burst_start)
		nw->burst_start = now;

	if (now + delay > nw->burst_start + nw->max_wait_ms)
		delay = nw->burst_start + nw->max_wait_ms > now ?
			nw->burst_start + nw->max_wait_ms - now : 0;

	tmr_start(&nw->tmr, delay, tmr_handler, nw);
}


/*
 * NLMSG_OK() as the kernel header has it, with the one comparison of its
 * u32 nlmsg_len and our signed remainder made explicit: clang's
 * -Wsign-compare stops `make fuzz` on the macro (gcc says nothing). The
 * remainder stays signed because NLMSG_NEXT() may take it below zero.
 */
static bool nlmsg_ok(const struct nlmsghdr *nh, int n)
{
	return n >= (int)sizeof(*nh) && nh->nlmsg_len >= sizeof(*nh) &&
		nh->nlmsg_len <= (unsigned)n;
}


/**
 * Feed rtnetlink messages (what one read of the socket returned).
 *
 * @return the NETWATCH_* bits the messages were relevant for; if any, the
 *         handler runs once the burst settles
 */
unsigned netwatch_input(struct netwatch *nw, const void *buf, size_t len)
{
	const struct nlmsghdr *nh;
	unsigned what = 0;
	int n = (int)len;

	if (!nw || !buf)
		return 0;

	for (nh = buf; nlmsg_ok(nh, n); nh = NLMSG_NEXT(nh, n)) {

		switch (nh->nlmsg_type) {

		case RTM_NEWADDR:
		case RTM_DELADDR:
			what |= addr_msg(nw, nh);
			break;

		case RTM_NEWLINK:
		case RTM_DELLINK:
			what |= link_msg(nw, nh);
			break;

		case RTM_NEWROUTE:
		case RTM_DELROUTE:
			what |= route_msg(nw, nh);
			break;

		default:
			break;
		}
	}

	if (what)
		note(nw, what);

	return what;
}


static void read_handler(int flags, void *arg)
{
	struct netwatch *nw = arg;
	uint8_t buf[RECV_BUF];
	(void)flags;

	for (int i = 0; i < MAX_READS; i++) {
		struct sockaddr_nl from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		n = recvfrom(nw->fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == ENOBUFS) {
				/* the queue overflowed: we cannot know what
				 * changed, so assume everything did */
				DEBUG_NOTICE("rtnetlink overrun: events "
					     "lost\n");
				note(nw, NETWATCH_LOST);
				continue;
			}
			if (errno != EAGAIN && errno != EINTR)
				DEBUG_WARNING("rtnetlink: %m\n", errno);
			return;
		}

		/* only the kernel speaks on this socket */
		if (from.nl_pid != 0)
			continue;

		(void)netwatch_input(nw, buf, (size_t)n);
	}
}


/**
 * Watch for address, link and default-route changes.
 *
 * @param nwp   Pointer to allocated watcher
 * @param conf  Interface filter and timing (NULL: any, 200 ms, 2 s)
 * @param h     Called once per settled burst of relevant changes
 * @param arg   Handler argument
 *
 * @return 0 if success, otherwise errorcode
 */
int netwatch_alloc(struct netwatch **nwp, const struct netwatch_conf *conf,
		   netwatch_h *h, void *arg)
{
	struct sockaddr_nl sa;
	struct netwatch *nw;
	int rcvbuf = RCVBUF;
	int err = 0;

	if (!nwp || !h)
		return EINVAL;

	if (conf && conf->ifname && strlen(conf->ifname) >= IF_NAMESIZE)
		return EINVAL;

	nw = mem_zalloc(sizeof(*nw), destructor);
	if (!nw)
		return ENOMEM;

	nw->fd = -1;
	tmr_init(&nw->tmr);
	nw->h   = h;
	nw->arg = arg;
	nw->debounce_ms = conf && conf->debounce_ms ? conf->debounce_ms : 200;
	nw->max_wait_ms = conf && conf->max_wait_ms ? conf->max_wait_ms :
		10 * nw->debounce_ms;
	if (nw->max_wait_ms < nw->debounce_ms)
		nw->max_wait_ms = nw->debounce_ms;
	if (conf && conf->ifname)
		str_ncpy(nw->ifname, conf->ifname, sizeof(nw->ifname));

	nw->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_ROUTE);
	if (nw->fd < 0) {
		err = errno;
		goto out;
	}

	(void)setsockopt(nw->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			 sizeof(rcvbuf));

	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
		RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
	if (bind(nw->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		goto out;
	}

	err = compat_fd_listen(nw->fd, FD_READ, read_handler, nw);
	if (err)
		goto out;

	DEBUG_INFO("watching %s for address, link and route changes\n",
		   nw->ifname[0] ? nw->ifname : "all interfaces");

 out:
	if (err) {
		DEBUG_WARNING("rtnetlink socket: %m\n", err);
		mem_deref(nw);
	}
	else {
		*nwp = nw;
	}

	return err;
}


/** Relevant rtnetlink messages seen */
uint32_t netwatch_events(const struct netwatch *nw)
{
	return nw ? nw->events : 0;
}


/** Settled bursts (handler calls) */
uint32_t netwatch_bursts(const struct netwatch *nw)
{
	return nw ? nw->bursts : 0;
}
