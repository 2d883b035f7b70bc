/* fdguard.c: every listener's accept (libre's too): refuse early at the descriptor limit instead of spinning, and SIP's connection budget. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <re.h>
#include "autoconf.h"
#include "budget.h"
#include "loglimit.h"
#include "sipstream.h"
#include "fdguard.h"

#define DEBUG_MODULE "fdguard"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Measured (issue 12): 5,000 connections held on the SIP port with 1,024
 * descriptors: libre accepted 1,015, then accept() failed with EMFILE
 * and, epoll being level-triggered, libre's listener handler ran again
 * at once, for ever: 100 % CPU. libre (1.1.0 to 4.10.0) hands out
 * neither its listeners' handlers nor a hook before accept, so the
 * daemon defines accept() and accept4() itself: the linker binds libre's
 * calls (SIP TCP/TLS, MSRP) and ours (local API) to them, and they call
 * the kernel. Each refusal accepts and closes, so the queue drains and
 * the listener stops being readable; the peer sees its connection
 * closed, the caller ECONNABORTED ("nothing now", for libre and
 * ipc/listen.c alike). Refused:
 * - at EMFILE/ENFILE: the spare descriptor (/dev/null, opened at start)
 *   is closed, the connection accepted into its place and closed, the
 *   spare opened again;
 * - a network connection that would leave fewer than reserve
 *   descriptors free: the daemon's own work (spool files, a push's file
 *   to its app, the local API) keeps them; local API clients may use it;
 * - a connection on a SIP TCP/TLS listener beyond sip_conn_max. libre
 *   does not say when it closes one, so the accepted ones are kept by
 *   descriptor and inode and counted again when the budget is full.
 */

enum {
	LISTEN_MAX  = 8,      /* SIP TCP/TLS listeners, IPv4 and IPv6 */
	RESERVE_MIN = 8,
	RESERVE_MAX = 64,
	SIP_DEFAULT = 256,
};

struct tracked {
	int fd;
	ino_t ino;
};

/* the connections accepted on some listeners, bounded together */
struct guarded_class {
	struct budget b;
	int lfdv[LISTEN_MAX];
	size_t lfdc;
	struct tracked *connv;
	size_t connc, conncap;
};

static struct {
	bool have_spare;
	int spare;
	int limit;            /* RLIMIT_NOFILE when first needed */
	int reserve;
	struct guarded_class cls[FDGUARD_N];
	uint64_t fd_refused;  /* at the limit or into the reserve */
	struct loglimit ll;
} g;

static const char *const cls_name[FDGUARD_N] = {"sip_conns", "msrp_conns"};


static void limits(void)
{
	struct rlimit rl;

	if (g.limit)
		return;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > 1 << 20)
		g.limit = 1 << 20;
	else
		g.limit = (int)rl.rlim_cur;

	g.reserve = g.limit / 8;
	if (g.reserve < RESERVE_MIN)
		g.reserve = RESERVE_MIN;
	if (g.reserve > RESERVE_MAX)
		g.reserve = RESERVE_MAX;

	for (int i = 0; i < FDGUARD_N; i++)
		if (!g.cls[i].b.max)
			budget_init(&g.cls[i].b, cls_name[i], SIP_DEFAULT);
}


static int spare_open(void)
{
	g.spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	g.have_spare = g.spare >= 0;

	return g.have_spare ? 0 : errno;
}


static void refused(int lfd, const char *why)
{
	uint32_t left;

	if (!loglimit_ok(&g.ll, tmr_jiffies(), &left))
		return;

	if (left)
		DEBUG_WARNING("(%u refusals not logged)\n", left);

	DEBUG_WARNING("connection on listener %d refused: %s\n", lfd, why);
}


static struct guarded_class *listener_class(int lfd)
{
	for (int i = 0; i < FDGUARD_N; i++)
		for (size_t j = 0; j < g.cls[i].lfdc; j++)
			if (g.cls[i].lfdv[j] == lfd)
				return &g.cls[i];

	return NULL;
}


/* Forget the connections their owner has closed since (by inode, as a
 * descriptor number comes back for the next socket). */
static void cls_prune(struct guarded_class *c)
{
	struct stat st;
	size_t i = 0;

	while (i < c->connc) {
		if (fstat(c->connv[i].fd, &st) == 0 &&
		    st.st_ino == c->connv[i].ino) {
			++i;
			continue;
		}

		c->connv[i] = c->connv[--c->connc];
		budget_give(&c->b, 1);
	}
}


static bool cls_take(struct guarded_class *c, int fd)
{
	struct stat st;

	if (budget_full(&c->b))
		cls_prune(c);

	if (fstat(fd, &st) < 0 || !budget_take(&c->b, 1))
		return false;

	if (c->connc == c->conncap) {
		size_t cap = c->conncap ? 2 * c->conncap : 32;
		struct tracked *v = realloc(c->connv, cap * sizeof(*v));

		if (!v) {
			budget_give(&c->b, 1);
			return false;
		}

		c->connv   = v;
		c->conncap = cap;
	}

	c->connv[c->connc].fd  = fd;
	c->connv[c->connc].ino = st.st_ino;
	++c->connc;

	return true;
}


static bool is_local(int lfd)
{
	int dom = 0;
	socklen_t l = sizeof(dom);

	return getsockopt(lfd, SOL_SOCKET, SO_DOMAIN, &dom, &l) == 0 &&
		dom == AF_UNIX;
}


static int guarded(int lfd, struct sockaddr *sa, socklen_t *len, int flags)
{
	struct guarded_class *c;
	const char *why = NULL;
	int fd;

	limits();

	fd = (int)syscall(SYS_accept4, lfd, sa, len, flags);
	if (fd < 0) {
		const int first = errno;
		int e;

		if ((first != EMFILE && first != ENFILE) || !g.have_spare)
			return -1;

		(void)close(g.spare);
		g.have_spare = false;
		fd = (int)syscall(SYS_accept4, lfd, NULL, NULL, 0);
		e = errno;
		if (fd >= 0)
			(void)close(fd);
		(void)spare_open();

		/* the kernel says EMFILE before it looks at the queue */
		if (fd < 0) {
			errno = e;
			return -1;
		}

		++g.fd_refused;
		refused(lfd, first == EMFILE ? "out of descriptors (EMFILE)" :
			"system out of descriptors (ENFILE)");
		errno = ECONNABORTED;
		return -1;
	}

	if (fd >= g.limit - g.reserve && !is_local(lfd)) {
		++g.fd_refused;
		why = "descriptor reserve";
	}
	else if ((c = listener_class(lfd)) && !cls_take(c, fd)) {
		why = c == &g.cls[FDGUARD_SIP] ? "sip_conn_max" :
			"msrp_conn_max";
	}
	else if (sipstream_accepted(lfd, fd)) {
		why = "out of memory";
	}

	if (!why)
		return fd;

	(void)close(fd);
	refused(lfd, why);
	errno = ECONNABORTED;

	return -1;
}


/*
 * glibc declares the address argument as a transparent union under
 * _GNU_SOURCE; musl and the others as a pointer.
 */
#if defined(__GLIBC__) && defined(__USE_GNU)
#define ADDR_ARG __SOCKADDR_ARG
#define ADDR_PTR(a) ((a).__sockaddr__)
#else
#define ADDR_ARG struct sockaddr *restrict
#define ADDR_PTR(a) (a)
#endif

int accept(int fd, ADDR_ARG addr, socklen_t *restrict len)
{
	return guarded(fd, ADDR_PTR(addr), len, 0);
}


int accept4(int fd, ADDR_ARG addr, socklen_t *restrict len, int flags)
{
	return guarded(fd, ADDR_PTR(addr), len, flags);
}


/**
 * Open the spare descriptor; call before the first listener.
 *
 * @return 0, or errno of opening /dev/null
 */
int fdguard_init(void)
{
	limits();

	if (g.have_spare)
		return 0;

	return spare_open();
}


/** Close the spare and forget the listeners (the daemon's end). */
void fdguard_close(void)
{
	if (g.have_spare)
		(void)close(g.spare);
	g.have_spare = false;

	for (int i = 0; i < FDGUARD_N; i++) {
		struct guarded_class *c = &g.cls[i];

		free(c->connv);
		c->connv   = NULL;
		c->connc   = 0;
		c->conncap = 0;
		c->lfdc    = 0;
		budget_init(&c->b, cls_name[i],
			    c->b.max ? c->b.max : SIP_DEFAULT);
	}
}


/** sip_conn_max, msrp_conn_max: lowering refuses new connections only */
void fdguard_max(enum fdguard_class k, uint32_t max)
{
	limits();
	if (k < FDGUARD_N)
		budget_set_max(&g.cls[k].b, max);
}


/**
 * Count the connections accepted on lfd (a SIP TCP/TLS or MSRP listener)
 * towards class k.
 *
 * @return 0, or ENOSPC past LISTEN_MAX listeners
 */
int fdguard_watch(enum fdguard_class k, int lfd)
{
	struct guarded_class *c;

	if (lfd < 0 || k >= FDGUARD_N)
		return EBADF;

	if (listener_class(lfd))
		return 0;

	c = &g.cls[k];
	if (c->lfdc == LISTEN_MAX)
		return ENOSPC;

	c->lfdv[c->lfdc++] = lfd;
	return 0;
}


/** lfd is about to be closed (-1: every listener of class k). Its
 * connections stay counted until their owner closes them. */
void fdguard_unwatch(enum fdguard_class k, int lfd)
{
	struct guarded_class *c;

	if (k >= FDGUARD_N)
		return;

	c = &g.cls[k];
	for (size_t i = 0; i < c->lfdc;) {
		if (lfd < 0 || c->lfdv[i] == lfd)
			c->lfdv[i] = c->lfdv[--c->lfdc];
		else
			++i;
	}
}


/** Connections of class k accepted and still open. */
uint32_t fdguard_conns(enum fdguard_class k)
{
	limits();
	if (k >= FDGUARD_N)
		return 0;

	cls_prune(&g.cls[k]);
	return (uint32_t)g.cls[k].b.used;
}


/** STATUS lines */
int fdguard_status(struct re_printf *pf, void *unused)
{
	uint32_t sip = fdguard_conns(FDGUARD_SIP);
	uint32_t msrp = fdguard_conns(FDGUARD_MSRP);
	(void)unused;

	return re_hprintf(pf, "sip_conns=%u\nsip_conns_refused=%llu\n"
			  "msrp_conns=%u\nmsrp_conns_refused=%llu\n"
			  "accept_fd_refused=%llu\n",
			  sip, g.cls[FDGUARD_SIP].b.refused,
			  msrp, g.cls[FDGUARD_MSRP].b.refused, g.fd_refused);
}
