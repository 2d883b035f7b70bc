/* sipstream.c: SIP over plain TCP: every byte libre reads from a connection it accepted passes the stream pre-filter first. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <re.h>
#include "autoconf.h"
#include "loglimit.h"
#include "prefilter.h"
#include "sipstream.h"

#define DEBUG_MODULE "sipstream"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Why: on TCP, libre (1.1.0 to 4.10.0) appends each segment to the
 * connection's buffer and parses the whole buffer again from its start
 * until a message is complete, with a start-line match that retries
 * from every offset: one 16 KB junk line from a source the trust filter
 * lets through held the event loop for 0.7 s (issue 12). libre hands
 * out no hook before its parser, and its TCP reader calls recv(2) (src/
 * tcp/tcp.c, every version), so the daemon defines recv() as fdguard.c
 * defines accept(): the linker binds libre's calls to it. For a
 * connection accepted on a plain SIP TCP listener the bytes go through
 * prefilter_feed() (each byte looked at once, in any split; start line
 * <= 2 KiB, header block <= 16 KiB, libre's own framing) and:
 * - junk: the read returns what ended before it as whole messages, then
 *   end of stream (0), so libre closes the connection and never parses
 *   the junk;
 * - a request whose length cannot be known (PF_BADFRAME: a
 *   Content-Length that is not a number, or 2^32 or more, which libre
 *   would read as something else): this read reaches libre whole,
 *   sipcheck.c answers 400 with the reason, and the next read is the end
 *   of the stream.
 * Every other descriptor (TLS listeners' connections, whose bytes are
 * ciphertext here; the registration flows we dial; UNIX sockets) costs
 * one array look-up. A tracked descriptor is checked by inode on each
 * read, as a number closed by libre comes back for the next socket.
 */

struct sstream {
	ino_t ino;
	bool dead;               /* the next read is the end of the stream */
	struct prefilter pf;
};

enum { LISTEN_MAX = 8 };

static struct {
	int lfdv[LISTEN_MAX];    /* plain SIP TCP listeners */
	size_t lfdc;
	struct sstream **v;      /* by descriptor */
	size_t cap;
	uint64_t junk;           /* connections closed as junk */
	uint64_t badframe;       /* closed after a 400 for their framing */
	struct loglimit ll;
} g;


static void junk_log(int fd, const char *why)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct sa peer;
	uint32_t left = 0;

	if (!loglimit_ok(&g.ll, tmr_jiffies(), &left))
		return;

	if (left)
		DEBUG_NOTICE("%u more junk connections left out of the log\n",
			     left);

	sa_init(&peer, AF_UNSPEC);
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		(void)sa_set_sa(&peer, (struct sockaddr *)&ss);

	DEBUG_NOTICE("closing SIP TCP connection from %J: not SIP (%s)\n",
		     &peer, why ? why : "?");
}


static struct sstream *tracked(int fd)
{
	struct sstream *s;
	struct stat st;

	if (fd < 0 || (size_t)fd >= g.cap || !g.v[fd])
		return NULL;

	s = g.v[fd];
	if (fstat(fd, &st) == 0 && st.st_ino == s->ino)
		return s;

	/* libre closed it; the number is someone else's now */
	free(s);
	g.v[fd] = NULL;
	return NULL;
}


/* The count of bytes of p[0..n) libre may have. */
static ssize_t sift(struct sstream *s, int fd, const uint8_t *p, size_t n)
{
	size_t off = 0, whole = 0;
	enum prefilter_result r = PF_OK;

	while (off < n) {
		off += prefilter_feed(&s->pf, p + off, n - off, &r);

		switch (r) {

		case PF_OK:
			return (ssize_t)n;

		case PF_MESSAGE:
		case PF_OVERSIZE:
		case PF_SKIPPED:
			whole = off;
			continue;

		case PF_BADFRAME:
			/* libre reads a message without Content-Length as
			 * one without a body, and so do we: RFC 3261 §20.14
			 * requires it on TCP, but a lax peer's keep-alive
			 * OPTIONS should not cost it the connection */
			if (!strcmp(s->pf.why, "Missing Content-Length")) {
				prefilter_init(&s->pf, true, UINT64_MAX);
				whole = off;
				continue;
			}
			++g.badframe;
			s->dead = true;
			return (ssize_t)n;

		case PF_JUNK:
		default:
			++g.junk;
			s->dead = true;
			junk_log(fd, s->pf.why);
			return (ssize_t)whole;
		}
	}

	return (ssize_t)n;
}


ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	struct sstream *s = tracked(fd);
	ssize_t n;

	if (s && s->dead)
		return 0;

	n = (ssize_t)syscall(SYS_recvfrom, fd, buf, len, flags, NULL, NULL);
	if (!s || n <= 0 || (flags & MSG_PEEK))
		return n;

	return sift(s, fd, buf, (size_t)n);
}


/**
 * Filter the connections accepted on lfd (a plain SIP TCP listener).
 *
 * @return 0, EBADF, or ENOSPC past LISTEN_MAX listeners
 */
int sipstream_listen(int lfd)
{
	if (lfd < 0)
		return EBADF;

	for (size_t i = 0; i < g.lfdc; i++)
		if (g.lfdv[i] == lfd)
			return 0;

	if (g.lfdc == LISTEN_MAX)
		return ENOSPC;

	g.lfdv[g.lfdc++] = lfd;
	return 0;
}


/** Forget every listener (the SIP stack is rebuilt or gone); the
 * connections accepted stay filtered until they close. */
void sipstream_unlisten(void)
{
	g.lfdc = 0;
}


/**
 * fd was just accepted on lfd: filter it if lfd is ours.
 *
 * @return 0, or ENOMEM (the caller refuses the connection)
 */
int sipstream_accepted(int lfd, int fd)
{
	struct sstream *s;
	struct stat st;
	bool ours = false;

	for (size_t i = 0; i < g.lfdc && !ours; i++)
		ours = g.lfdv[i] == lfd;

	if (!ours || fd < 0)
		return 0;

	if (fstat(fd, &st) < 0)
		return errno;

	if ((size_t)fd >= g.cap) {
		size_t cap = g.cap ? g.cap : 64;
		struct sstream **v;

		while (cap <= (size_t)fd)
			cap *= 2;

		v = realloc(g.v, cap * sizeof(*v));
		if (!v)
			return ENOMEM;

		memset(v + g.cap, 0, (cap - g.cap) * sizeof(*v));
		g.v   = v;
		g.cap = cap;
	}

	s = g.v[fd];
	if (!s) {
		s = malloc(sizeof(*s));
		if (!s)
			return ENOMEM;
		g.v[fd] = s;
	}

	s->ino  = st.st_ino;
	s->dead = false;
	/* oversize bodies are libre's and the intake's (413): passed on */
	prefilter_init(&s->pf, true, UINT64_MAX);

	return 0;
}


/** Free every connection's state (the daemon's end). */
void sipstream_close(void)
{
	for (size_t i = 0; i < g.cap; i++)
		free(g.v[i]);

	free(g.v);
	g.v    = NULL;
	g.cap  = 0;
	g.lfdc = 0;
}


/** STATUS lines */
int sipstream_status(struct re_printf *pf, void *unused)
{
	(void)unused;

	return re_hprintf(pf, "sip_tcp_junk=%llu\nsip_tcp_badframe=%llu\n",
			  g.junk, g.badframe);
}
