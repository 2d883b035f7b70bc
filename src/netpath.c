/* netpath.c: the local addresses the kernel would use towards the core, and whether a network change moved them. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/socket.h>
#include <re.h>
#include "autoconf.h"
#include "netpath.h"

#define DEBUG_MODULE "netpath"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * "Which address do we use" is the kernel's routing decision, so we ask
 * it the cheap way: connect() a UDP socket (no packet is sent) and read
 * the source it chose. Without a route there is no source: that is "no
 * network", whatever addresses exist. The core's address is used when
 * the configuration names an IP; for a DNS name (resolved later, by
 * libre, per request) an address only a default route reaches stands in:
 * the documentation prefixes 198.51.100.0/24 and 2001:db8::/32, which no
 * real network routes specially. Both families are probed: the core may
 * resolve to either (RFC 3263 dual stack). Pinned to an interface
 * (sip_interface), its first global address counts while it is up.
 */

#define PROBE4 "198.51.100.1"
#define PROBE6 "2001:db8::1"


/* The first global address of family af on ifname, if it is up. */
static int if_source(struct sa *src, int af, const char *ifname)
{
	const unsigned up = IFF_UP | IFF_RUNNING;
	struct ifaddrs *ifa, *i;
	int err = ENETUNREACH;

	if (getifaddrs(&ifa) < 0)
		return errno;

	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != af ||
		    strcmp(i->ifa_name, ifname) || (i->ifa_flags & up) != up)
			continue;
		if (sa_set_sa(src, i->ifa_addr) || sa_is_linklocal(src) ||
		    sa_is_loopback(src))
			continue;
		sa_set_port(src, 0);
		err = 0;
		break;
	}

	freeifaddrs(ifa);
	return err;
}


/**
 * The source address towards dst (port 0): the kernel's pick, or with
 * ifname the first global address of that interface (pinned: the routing
 * table still carries the packets).
 *
 * @param src     Source address out
 * @param dst     Destination
 * @param ifname  Use this interface's address (NULL or "": any)
 *
 * @return 0 if success, ENETUNREACH (or the connect() error) if there is
 *         no usable source
 */
int netpath_source(struct sa *src, const struct sa *dst, const char *ifname)
{
	socklen_t len;
	int fd, err = 0;

	if (!src || !dst || !sa_isset(dst, SA_ADDR))
		return EINVAL;

	/* SO_BINDTODEVICE would not do: a socket bound to a device finds
	 * every destination "on link", route or not */
	if (ifname && *ifname)
		return if_source(src, sa_af(dst), ifname);

	fd = socket(sa_af(dst), SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;

	if (connect(fd, &dst->u.sa, dst->len) < 0) {
		err = errno;
		goto out;
	}

	sa_init(src, sa_af(dst));
	len = sizeof(src->u);
	if (getsockname(fd, &src->u.sa, &len) < 0) {
		err = errno;
		goto out;
	}
	src->len = len;
	sa_set_port(src, 0);

	/* a link-local source cannot reach a core beyond the link */
	if (!sa_isset(src, SA_ADDR) || sa_is_linklocal(src))
		err = ENETUNREACH;

 out:
	(void)close(fd);
	return err;
}


/**
 * Set up the path towards host (the registrar's or outbound proxy's
 * host: an IPv4/IPv6 literal, or a DNS name). No address is looked up
 * yet: netpath_update() does.
 */
int netpath_init(struct netpath *np, const char *ifname, const char *host)
{
	struct sa h;

	if (!np)
		return EINVAL;

	memset(np, 0, sizeof(*np));
	sa_init(&np->v4, AF_UNSPEC);
	sa_init(&np->v6, AF_UNSPEC);
	sa_init(&np->dst4, AF_UNSPEC);
	sa_init(&np->dst6, AF_UNSPEC);

	if (ifname && strlen(ifname) >= sizeof(np->ifname))
		return EINVAL;
	if (ifname)
		str_ncpy(np->ifname, ifname, sizeof(np->ifname));

	/* libre leaves sin6_flowinfo/scope_id as they were */
	memset(&h, 0, sizeof(h));
	if (host && !sa_set_str(&h, host, 5060)) {
		if (sa_af(&h) == AF_INET)
			np->dst4 = h;
		else
			np->dst6 = h;
		return 0;
	}

	(void)sa_set_str(&np->dst4, PROBE4, 5060);
	(void)sa_set_str(&np->dst6, PROBE6, 5060);

	return 0;
}


static void probe(struct sa *src, const struct sa *dst, const char *ifname)
{
	sa_init(src, AF_UNSPEC);

	if (!sa_isset(dst, SA_ADDR))
		return;

	if (netpath_source(src, dst, ifname))
		sa_init(src, AF_UNSPEC);
}


static bool same_addr(const struct sa *a, const struct sa *b)
{
	if (!sa_isset(a, SA_ADDR) || !sa_isset(b, SA_ADDR))
		return sa_isset(a, SA_ADDR) == sa_isset(b, SA_ADDR);

	return sa_cmp(a, b, SA_ADDR);
}


/**
 * Ask the kernel again (after a network change) and say what changed
 * for our flow. The addresses stay those of the last usable path while
 * there is none, so a path coming back on them is NETPATH_BACK.
 */
enum netpath_change netpath_update(struct netpath *np)
{
	struct sa v4, v6;
	enum netpath_change c;
	bool up;

	if (!np)
		return NETPATH_SAME;

	probe(&v4, &np->dst4, np->ifname);
	probe(&v6, &np->dst6, np->ifname);
	up = sa_isset(&v4, SA_ADDR) || sa_isset(&v6, SA_ADDR);

	if (!up)
		c = np->up ? NETPATH_GONE : NETPATH_SAME;
	else if (same_addr(&v4, &np->v4) && same_addr(&v6, &np->v6))
		c = np->up ? NETPATH_SAME : NETPATH_BACK;
	else
		c = NETPATH_MOVED;

	if (up) {
		np->v4 = v4;
		np->v6 = v6;
	}
	np->up = up;

	if (c != NETPATH_SAME) {
		np->changed = tmr_jiffies();
		np->last = c;
	}

	return c;
}


/** The source address for af (AF_INET, AF_INET6), NULL if none now */
const struct sa *netpath_laddr(const struct netpath *np, int af)
{
	const struct sa *sa;

	if (!np || !np->up)
		return NULL;

	sa = af == AF_INET6 ? &np->v6 : &np->v4;

	return sa_isset(sa, SA_ADDR) ? sa : NULL;
}


const char *netpath_change_name(enum netpath_change c)
{
	switch (c) {

	case NETPATH_SAME:  return "same";
	case NETPATH_MOVED: return "address changed";
	case NETPATH_BACK:  return "network back";
	case NETPATH_GONE:  return "network gone";
	default:            return "?";
	}
}


/** Status lines: local addresses and the last change */
int netpath_status(struct re_printf *pf, const struct netpath *np)
{
	int err = 0;

	if (!np)
		return 0;

	err |= re_hprintf(pf, "network=%s\n", np->up ? "up" : "down");
	if (np->ifname[0])
		err |= re_hprintf(pf, "interface=%s\n", np->ifname);
	if (netpath_laddr(np, AF_INET))
		err |= re_hprintf(pf, "local_ipv4=%j\n", &np->v4);
	if (netpath_laddr(np, AF_INET6))
		err |= re_hprintf(pf, "local_ipv6=%j\n", &np->v6);
	if (np->changed)
		err |= re_hprintf(pf, "last_change=%s, %llu s ago\n",
				  netpath_change_name(np->last),
				  (unsigned long long)
				  ((tmr_jiffies() - np->changed) / 1000));

	return err;
}
