/* ackapp.c: benchmark app on libsippush: subscribes, ACKs every push at once, counts. */
/*
 * usage: ackapp [-S SOCKET] [-c COUNT] [-L] [-P] APP-ID
 *        ackapp [-S SOCKET] [-c COUNT] [-L] [-P] -N CONNS -f FORMAT
 *
 * One connection subscribed to APP-ID, or CONNS connections where
 * connection i (0-based) subscribes to printf(FORMAT, i) ("bench%d.ua").
 * Every push is ACKed as soon as sippush_recv() returns it; nothing is
 * printed per push. Prints "ready N" once every subscription is in
 * place, and at exit (SIGTERM, SIGINT, or COUNT pushes taken):
 *
 *     acked=N fd_bodies=N bytes=N errors=N
 *     latency n=N p50_us=X p99_us=X max_us=X        (with -L)
 *
 * -L: a body that starts with "T=<ns>" carries the sender's
 * CLOCK_MONOTONIC send time; the latency is the time from then until
 * sippush_recv() handed the push over (the app holds the bytes). Same
 * machine, same clock. SIGUSR1 prints the counters line without exiting.
 *
 * -P: pipelined ACKs. By default sippush_ack() waits for the daemon's
 * "OK", so each push costs the app a full round trip and the daemon
 * sees at most one ACK per event-loop turn. With -P the command timeout
 * is 0 (sippush_set_timeout): the ACK is sent and sippush_ack() returns
 * ETIMEDOUT at once; the library skips the late "OK" itself (its reply
 * debt rule). ETIMEDOUT would also be the answer if the socket were too
 * full to take the ACK at all, so -P enlarges the socket's send buffer
 * (on sippush_fd()) to hold far more ACKs than the daemon lets pushes
 * wait (max_pending); a lost ACK would show as a 408 at the sender.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sippush/client.h>

static volatile sig_atomic_t stop_flag, report_flag;

static uint64_t acked, fd_bodies, bytes, errors;
static bool pipelined;
static uint64_t *lat;           /* ns */
static size_t latn, latsz;


static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		report_flag = 1;
	else
		stop_flag = 1;
}


static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}


static void lat_add(uint64_t now, const struct sippush_push *p)
{
	uint64_t t = 0;
	size_t i;

	if (!p->body || p->len < 3 || p->body[0] != 'T' || p->body[1] != '=')
		return;

	for (i = 2; i < p->len && p->body[i] >= '0' && p->body[i] <= '9';
	     i++)
		t = t * 10 + (uint64_t)(p->body[i] - '0');

	if (!t || t > now)
		return;

	if (latn == latsz) {
		size_t nsz = latsz ? latsz * 2 : 16384;
		uint64_t *n = realloc(lat, nsz * sizeof(*n));

		if (!n)
			return;
		lat = n;
		latsz = nsz;
	}

	lat[latn++] = now - t;
}


static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}


/* nearest-rank percentile of the sorted samples */
static uint64_t pct(unsigned p)
{
	size_t k = (latn * p + 99) / 100;

	return lat[k ? k - 1 : 0];
}


static void report(bool latency)
{
	printf("acked=%llu fd_bodies=%llu bytes=%llu errors=%llu\n",
	       (unsigned long long)acked, (unsigned long long)fd_bodies,
	       (unsigned long long)bytes, (unsigned long long)errors);

	if (latency && latn) {
		qsort(lat, latn, sizeof(*lat), cmp_u64);
		printf("latency n=%zu p50_us=%.1f p99_us=%.1f max_us=%.1f\n",
		       latn, pct(50) / 1e3, pct(99) / 1e3,
		       lat[latn - 1] / 1e3);
	}
	else if (latency) {
		printf("latency n=0\n");
	}

	fflush(stdout);
}


/* Take and ACK everything this connection has now; false if it died. */
static bool drain(struct sippush *c, bool latency, uint64_t count)
{
	for (;;) {
		struct sippush_push p;
		int err = sippush_recv(c, &p, 0);

		if (err == EAGAIN)
			return true;
		if (err == ECONNRESET) {
			fprintf(stderr, "ackapp: daemon closed the connection\n");
			return false;
		}
		if (err) {
			++errors;
			if (err == EINTR)
				return true;
			continue;
		}

		if (latency)
			lat_add(now_ns(), &p);

		if (p.fd >= 0)
			++fd_bodies;
		bytes += p.len;

		err = sippush_ack(c, p.id);
		if (err == ETIMEDOUT && pipelined)
			err = 0;   /* sent; its reply is not waited for */
		if (err) {
			++errors;
			fprintf(stderr, "ackapp: ACK %llu: %s\n",
				(unsigned long long)p.id, strerror(err));
			if (err == ECONNRESET)
				return false;
		}
		else {
			++acked;
		}

		if (count && acked >= count)
			stop_flag = 1;
	}
}


int main(int argc, char *argv[])
{
	const char *sock = NULL, *fmt = NULL;
	struct sippush **conns;
	bool latency = false;
	uint64_t count = 0;
	unsigned n = 1;
	int c, ep, rc = 0;
	struct sigaction sa;

	while ((c = getopt(argc, argv, "S:c:LPN:f:")) != -1) {
		switch (c) {
		case 'S': sock = optarg; break;
		case 'c': count = strtoull(optarg, NULL, 10); break;
		case 'L': latency = true; break;
		case 'P': pipelined = true; break;
		case 'N': n = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'f': fmt = optarg; break;
		default:
			fprintf(stderr, "usage: ackapp [-S SOCKET] [-c COUNT] "
				"[-L] [-P] (APP-ID | -N CONNS -f FORMAT)\n");
			return 2;
		}
	}

	if ((!fmt && optind != argc - 1) || (fmt && optind != argc) || !n) {
		fprintf(stderr, "ackapp: one APP-ID, or -N and -f\n");
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;      /* no SA_RESTART: epoll_wait returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	conns = calloc(n, sizeof(*conns));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!conns || ep < 0) {
		perror("ackapp");
		return 1;
	}

	for (unsigned i = 0; i < n; i++) {
		char appid[SIPPUSH_APPID_MAX + 1];
		struct epoll_event ev = { .events = EPOLLIN };
		int err;

		if (fmt)
			snprintf(appid, sizeof(appid), fmt, i);
		else
			snprintf(appid, sizeof(appid), "%s", argv[optind]);

		conns[i] = sippush_open(sock);
		if (!conns[i]) {
			fprintf(stderr, "ackapp: connect %u: %s\n", i,
				strerror(errno));
			return 1;
		}

		sippush_set_timeout(conns[i], 30000);
		err = sippush_subscribe(conns[i], appid, NULL, false);
		if (err) {
			fprintf(stderr, "ackapp: subscribe %s: %s (%s)\n",
				appid, strerror(err),
				sippush_last_reply(conns[i]));
			return 1;
		}

		if (pipelined) {
			int sz = 4 << 20;

			sippush_set_timeout(conns[i], 0);
			(void)setsockopt(sippush_fd(conns[i]), SOL_SOCKET,
					 SO_SNDBUF, &sz, sizeof(sz));
		}

		ev.data.u32 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, sippush_fd(conns[i]), &ev)) {
			perror("ackapp: epoll_ctl");
			return 1;
		}
	}

	printf("ready %u\n", n);
	fflush(stdout);

	/* pushes may have come with the SUBSCRIBE replies */
	for (unsigned i = 0; i < n; i++)
		(void)drain(conns[i], latency, count);

	while (!stop_flag) {
		struct epoll_event evs[64];
		int k = epoll_wait(ep, evs, 64, -1);

		if (report_flag) {
			report_flag = 0;
			report(false);
		}

		if (k < 0) {
			if (errno == EINTR)
				continue;
			perror("ackapp: epoll_wait");
			rc = 1;
			break;
		}

		for (int j = 0; j < k; j++) {
			unsigned i = evs[j].data.u32;

			if (!drain(conns[i], latency, count)) {
				rc = 1;
				stop_flag = 1;
				break;
			}
		}
	}

	report(latency);

	for (unsigned i = 0; i < n; i++)
		sippush_close(conns[i]);
	free(conns);
	free(lat);
	close(ep);

	return rc;
}
