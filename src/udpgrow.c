/* udpgrow.c: libre's SIP UDP sockets read whole datagrams (64 KiB, not 8 KiB), and junk is dropped before libre's parser. */
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <re.h>
#include "autoconf.h"
#include "loglimit.h"
#include "prefilter.h"
#include "udpgrow.h"

#define DEBUG_MODULE "udpgrow"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * libre (1.1.0 up to 4.10.0) reads each datagram into an 8,192-byte
 * buffer and never looks at MSG_TRUNC: a 20,000-byte MESSAGE over UDP
 * reached the app as its first 7,678 body bytes, and the sender got 200.
 * udp_rxsz_set() fixes that, but the SIP transport keeps its udp_sock to
 * itself; every request libre decoded from UDP carries it, though
 * (msg->sock). So right after a UDP transport is added we send it one
 * datagram of our own (the probe: an OPTIONS with a random Call-ID, from
 * a local address), and our listener, the first of the stack, takes the
 * socket from it: 64 KiB reads, a reference held until the transports
 * are flushed, and a UDP helper that runs the pre-filter
 * (prefilter_datagram()) before libre's parser: junk costs one bounded
 * scan and a counter, not libre's regexes (~9 ms per 8 KB line) and a
 * line on stderr per datagram. Any UDP request teaches us its socket
 * too, in case the probe was lost.
 *
 * A datagram read before that (between bind and the probe) may have
 * been cut at 8,192 bytes: one that long is dropped, never taken as it
 * is. Not answered: the sender's retransmission (UDP, 500 ms later) is
 * read whole, and a stranger (this listener runs before the core's
 * checks) hears nothing.
 */

struct grown {
	struct udp_sock *us;     /* referenced */
	struct udp_helper *uh;   /* in us's helper list */
};

struct udpgrow {
	struct sip *sip;
	struct sip_lsnr *lsnr;
	struct grown socks[UDPGROW_SOCKS];
	char probe_id[24];       /* Call-ID of our probes */
	uint64_t probes;         /* sent */
	uint64_t grown;          /* sockets grown */
	uint64_t junk;           /* datagrams the pre-filter dropped */
	uint64_t cut;            /* dropped: possibly cut at 8 KiB */
	struct loglimit ll;
};


static void grown_release(struct grown *g)
{
	/* the helper first: the socket's destructor would free it under us */
	g->uh = mem_deref(g->uh);
	g->us = mem_deref(g->us);
}


static void destructor(void *arg)
{
	struct udpgrow *ug = arg;

	udpgrow_flush(ug);
	mem_deref(ug->lsnr);
}


static bool junk_handler(struct sa *src, struct mbuf *mb, void *arg)
{
	struct udpgrow *ug = arg;
	const char *why = "";
	uint32_t left = 0;

	if (prefilter_datagram(mbuf_buf(mb), mbuf_get_left(mb), &why) ==
	    PF_OK)
		return false;

	++ug->junk;
	if (loglimit_ok(&ug->ll, tmr_jiffies(), &left)) {
		if (left)
			DEBUG_NOTICE("%u more dropped datagrams left out of "
				     "the log\n", left);
		DEBUG_NOTICE("dropped %zu bytes from %J: %s\n",
			     mbuf_get_left(mb), src, why);
	}

	return true;
}


static bool is_grown(const struct udpgrow *ug, const void *sock)
{
	for (size_t i = 0; i < UDPGROW_SOCKS; i++)
		if (ug->socks[i].us && ug->socks[i].us == sock)
			return true;

	return false;
}


static void grow(struct udpgrow *ug, struct udp_sock *us)
{
	struct grown *g = NULL;
	int err;

	for (size_t i = 0; i < UDPGROW_SOCKS && !g; i++)
		if (!ug->socks[i].us)
			g = &ug->socks[i];

	if (!g) {
		DEBUG_WARNING("more than %u UDP sockets: one keeps 8 KiB "
			      "reads\n", UDPGROW_SOCKS);
		return;
	}

	/* layer: below anything libre or others might add (STUN, TURN) */
	err = udp_register_helper(&g->uh, us, -1000, NULL, junk_handler, ug);
	if (err) {
		DEBUG_WARNING("UDP helper: %m\n", err);
		return;
	}

	udp_rxsz_set(us, UDPGROW_RXSZ);
	g->us = mem_ref(us);
	++ug->grown;
	DEBUG_INFO("UDP socket reads %u-byte datagrams\n", UDPGROW_RXSZ);
}


static bool request_handler(const struct sip_msg *msg, void *arg)
{
	struct udpgrow *ug = arg;
	bool probe;

	if (msg->tp != SIP_TRANSP_UDP)
		return false;

	probe = !pl_strcmp(&msg->callid, ug->probe_id);
	if (!msg->sock || is_grown(ug, msg->sock))
		return probe;

	/* read before the socket was grown: maybe cut */
	if (!probe && msg->mb && msg->mb->end >= UDPGROW_LIBRE_RXSZ) {
		++ug->cut;
		DEBUG_NOTICE("%r from %J: %zu bytes read before 64 KiB reads "
			     "were set, maybe cut: dropped\n", &msg->met,
			     &msg->src, msg->mb->end);
		grow(ug, msg->sock);
		return true;
	}

	grow(ug, msg->sock);

	return probe;
}


/**
 * Take the first look at every SIP request: call right after sip_alloc(),
 * before any other sip_listen().
 */
int udpgrow_alloc(struct udpgrow **ugp, struct sip *sip)
{
	struct udpgrow *ug;
	int err;

	if (!ugp || !sip)
		return EINVAL;

	ug = mem_zalloc(sizeof(*ug), destructor);
	if (!ug)
		return ENOMEM;

	ug->sip = sip;
	(void)re_snprintf(ug->probe_id, sizeof(ug->probe_id), "%016llx@ug",
			  rand_u64());

	err = sip_listen(&ug->lsnr, sip, true, request_handler, ug);
	if (err)
		mem_deref(ug);
	else
		*ugp = ug;

	return err;
}


/**
 * Send the probe to the UDP transport on laddr (just added).
 *
 * @return 0 if sent; an error leaves the socket to the first request
 */
int udpgrow_probe(struct udpgrow *ug, const struct sa *laddr)
{
	struct sa dst, src;
	char buf[512];
	int fd, n, err = 0;

	if (!ug || !laddr)
		return EINVAL;

	err = sip_transp_laddr(ug->sip, &dst, SIP_TRANSP_UDP, laddr);
	if (err)
		return err;

	if (sa_is_any(&dst))
		(void)sa_set_str(&dst, sa_af(&dst) == AF_INET6 ? "::1" :
				 "127.0.0.1", sa_port(&dst));

	src = dst;
	sa_set_port(&src, 0);

	fd = socket(sa_af(&dst), SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;

	if (bind(fd, &src.u.sa, src.len) < 0) {
		err = errno;
		goto out;
	}
	src.len = sizeof(src.u);
	if (getsockname(fd, &src.u.sa, &src.len) < 0) {
		err = errno;
		goto out;
	}

	n = re_snprintf(buf, sizeof(buf),
			"OPTIONS sip:udpgrow@%J SIP/2.0\r\n"
			"Via: SIP/2.0/UDP %J;branch=z9hG4bK%016llx\r\n"
			"Max-Forwards: 0\r\n"
			"From: <sip:udpgrow@invalid>;tag=%08x\r\n"
			"To: <sip:udpgrow@invalid>\r\n"
			"Call-ID: %s\r\n"
			"CSeq: 1 OPTIONS\r\n"
			"Content-Length: 0\r\n\r\n",
			&dst, &src, rand_u64(), rand_u32(), ug->probe_id);
	if (n <= 0) {
		err = ENOMEM;
		goto out;
	}

	/* local delivery: queued at the SIP socket once sendto returns */
	if (sendto(fd, buf, (size_t)n, 0, &dst.u.sa, dst.len) < 0)
		err = errno;
	else
		++ug->probes;

 out:
	(void)close(fd);
	if (err)
		DEBUG_WARNING("probe to %J: %m\n", &dst, err);

	return err;
}


/** Let the UDP sockets go: call before sip_transp_flush() */
void udpgrow_flush(struct udpgrow *ug)
{
	if (!ug)
		return;

	for (size_t i = 0; i < UDPGROW_SOCKS; i++)
		grown_release(&ug->socks[i]);
}


/** "udp_grown=N udp_junk_dropped=N udp_cut_dropped=N" for STATUS */
int udpgrow_status(struct re_printf *pf, const struct udpgrow *ug)
{
	if (!ug)
		return 0;

	return re_hprintf(pf, "udp_grown=%llu\nudp_junk_dropped=%llu\n"
			  "udp_cut_dropped=%llu\n", ug->grown, ug->junk,
			  ug->cut);
}
