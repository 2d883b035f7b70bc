/* relay.c: latency baseline: a plain UDP -> UNIX-socket relay and the app at its far end. */
/*
 * usage: relay fwd UDP-PORT SOCKET     the relay (connects to SOCKET)
 *        relay sink SOCKET             the app (listens on SOCKET)
 *
 * The same round trip as sender -> sippushd -> app -> sippushd -> sender,
 * with nothing in between but the sockets: "fwd" passes every UDP
 * datagram on 127.0.0.1:UDP-PORT as one SOCK_SEQPACKET message to the
 * sink; the sink takes the time, reads "T=<ns>" from the body (see
 * latsend.c), and answers with the request's Call-ID; "fwd" turns that
 * into "SIP/2.0 200 OK" back to the datagram's sender. At SIGTERM the
 * sink prints "latency n=N p50_us=X p99_us=X max_us=X" (same format as
 * ackapp -L) and "acked=N".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

static volatile sig_atomic_t stop_flag;


static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}


static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}


static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}


static void un_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", path);
}


static int fwd(unsigned port, const char *path)
{
	struct sockaddr_in me, peer;
	struct sockaddr_un sun;
	socklen_t pl = sizeof(peer);
	int u, x;
	char buf[65536];

	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	x = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	memset(&me, 0, sizeof(me));
	me.sin_family = AF_INET;
	me.sin_port = htons((uint16_t)port);
	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	un_addr(&sun, path);
	if (u < 0 || x < 0 || bind(u, (struct sockaddr *)&me, sizeof(me)) ||
	    connect(x, (struct sockaddr *)&sun, sizeof(sun))) {
		perror("relay fwd");
		return 1;
	}
	memset(&peer, 0, sizeof(peer));

	printf("ready\n");
	fflush(stdout);

	while (!stop_flag) {
		struct pollfd pfd[2] = { { u, POLLIN, 0 }, { x, POLLIN, 0 } };
		ssize_t n;

		if (poll(pfd, 2, -1) < 0)
			continue;

		if (pfd[0].revents & POLLIN) {
			pl = sizeof(peer);
			n = recvfrom(u, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&peer, &pl);
			if (n > 0 && send(x, buf, (size_t)n, 0) < 0)
				perror("relay fwd: send");
		}

		if (pfd[1].revents & POLLIN) {
			char out[512];
			int ol;

			n = recv(x, buf, sizeof(buf) - 1, MSG_DONTWAIT);
			if (n == 0)
				break;
			if (n < 0)
				continue;
			buf[n] = '\0';
			ol = snprintf(out, sizeof(out), "SIP/2.0 200 OK\r\n"
				      "Call-ID: %s\r\nContent-Length: 0\r\n\r\n",
				      buf);
			(void)sendto(u, out, (size_t)ol, 0,
				     (struct sockaddr *)&peer, sizeof(peer));
		}
	}

	return 0;
}


static int sink(const char *path)
{
	struct sockaddr_un sun;
	uint64_t *lat = NULL;
	size_t latn = 0, latsz = 0;
	unsigned long acked = 0;
	int l, c;
	char buf[65536];

	l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	un_addr(&sun, path);
	unlink(path);
	if (l < 0 || bind(l, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(l, 1)) {
		perror("relay sink");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0) {
		if (!stop_flag)
			perror("relay sink: accept");
		goto out;
	}

	while (!stop_flag) {
		ssize_t n = recv(c, buf, sizeof(buf) - 1, 0);
		uint64_t now = now_ns(), t = 0;
		const char *b, *cid, *e;

		if (n <= 0)
			break;
		buf[n] = '\0';

		b = memmem(buf, (size_t)n, "\r\n\r\nT=", 6);
		if (b)
			t = strtoull(b + 6, NULL, 10);
		if (t && t <= now) {
			if (latn == latsz) {
				size_t nsz = latsz ? 2 * latsz : 16384;
				uint64_t *nl = realloc(lat, nsz * sizeof(*nl));

				if (!nl) {
					free(lat);
					return 1;
				}
				lat = nl;
				latsz = nsz;
			}
			lat[latn++] = now - t;
		}

		cid = strstr(buf, "\r\nCall-ID: ");
		if (!cid)
			continue;
		cid += 11;
		e = strstr(cid, "\r\n");
		if (!e)
			continue;
		if (send(c, cid, (size_t)(e - cid), 0) > 0)
			++acked;
	}

 out:
	printf("acked=%lu\n", acked);
	if (latn) {
		size_t k50 = (latn * 50 + 99) / 100, k99 = (latn * 99 + 99) / 100;

		qsort(lat, latn, sizeof(*lat), cmp_u64);
		printf("latency n=%zu p50_us=%.1f p99_us=%.1f max_us=%.1f\n",
		       latn, lat[k50 - 1] / 1e3, lat[k99 - 1] / 1e3,
		       lat[latn - 1] / 1e3);
	}
	else {
		printf("latency n=0\n");
	}
	unlink(path);
	return 0;
}


int main(int argc, char *argv[])
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (argc == 4 && !strcmp(argv[1], "fwd"))
		return fwd((unsigned)atoi(argv[2]), argv[3]);
	if (argc == 3 && !strcmp(argv[1], "sink"))
		return sink(argv[2]);

	fprintf(stderr, "usage: relay fwd UDP-PORT SOCKET | relay sink SOCKET\n");
	return 2;
}
