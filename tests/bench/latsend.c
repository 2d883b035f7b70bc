/* latsend.c: sends hand-made SIP MESSAGEs over UDP, one at a time at a fixed rate, with the send time in the body. */
/*
 * usage: latsend -d HOST:PORT -n COUNT -r RATE -a APP-ID [-u USER] [-w MS]
 *
 * Message i goes out at start + i/RATE (never early; a late one at
 * once) with the body
 * "T=<CLOCK_MONOTONIC ns>" taken just before sendto(), and an
 * Accept-Contact naming APP-ID (require;explicit). No retransmissions:
 * a request without a final answer -w MS after the last one went out is
 * counted lost. Prints one line:
 *
 *   sent=N ok=N fail=N lost=N rtt_p50_us=X rtt_p99_us=X rtt_max_us=X
 *
 * (ok = 2xx; rtt = send until the final response arrived). Exit 0 if
 * every request got a 2xx, 1 otherwise.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

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


struct st {
	uint64_t *sent_at;      /* per index; 0 once answered */
	uint64_t *rtt;
	size_t nrtt;
	unsigned long ok, fail;
	char tag[32];
};


/* One response: final status for index i of our Call-IDs. */
static void on_response(struct st *s, const char *buf, size_t len,
			unsigned long n)
{
	unsigned code;
	const char *cid;
	unsigned long i;
	char pat[48];
	int pl;

	if (len < 12 || memcmp(buf, "SIP/2.0 ", 8))
		return;
	code = (unsigned)atoi(buf + 8);
	if (code < 200)
		return;

	pl = snprintf(pat, sizeof(pat), "Call-ID: %s-", s->tag);
	cid = memmem(buf, len, pat, (size_t)pl);
	if (!cid)
		return;
	i = strtoul(cid + pl, NULL, 10);
	if (i >= n || !s->sent_at[i])
		return;   /* unknown or a duplicate answer */

	s->rtt[s->nrtt++] = now_ns() - s->sent_at[i];
	s->sent_at[i] = 0;
	if (code < 300)
		++s->ok;
	else
		++s->fail;
}


/* Answer what is there; wait for more until the absolute time until_ns
 * (CLOCK_MONOTONIC), or not at all when it has passed. */
static void drain(int fd, struct st *s, unsigned long n, uint64_t until_ns)
{
	char buf[4096];

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = now_ns(), left = until_ns > now ? until_ns - now : 0;
		struct timespec ts = { (time_t)(left / 1000000000u),
				       (long)(left % 1000000000u) };
		ssize_t k;

		if (s->ok + s->fail >= n)
			return;
		if (ppoll(&pfd, 1, &ts, NULL) <= 0)
			return;

		k = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (k <= 0)
			continue;
		buf[k] = '\0';
		on_response(s, buf, (size_t)k, n);
	}
}


static double pct(const uint64_t *v, size_t n, unsigned p)
{
	size_t k = (n * p + 99) / 100;

	return n ? v[k ? k - 1 : 0] / 1e3 : 0;
}


int main(int argc, char *argv[])
{
	const char *dst = NULL, *app = NULL, *user = "pra";
	unsigned long n = 0, i, lost = 0;
	double rate = 0;
	int wait_ms = 2000, c, fd;
	struct sockaddr_in to, me;
	socklen_t ml = sizeof(me);
	uint64_t start, period;
	struct st s;
	char host[64];
	unsigned port;

	while ((c = getopt(argc, argv, "d:n:r:a:u:w:")) != -1) {
		switch (c) {
		case 'd': dst = optarg; break;
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'r': rate = atof(optarg); break;
		case 'a': app = optarg; break;
		case 'u': user = optarg; break;
		case 'w': wait_ms = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (!dst || !n || rate <= 0 || !app ||
	    sscanf(dst, "%63[^:]:%u", host, &port) != 2)
		goto usage;

	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &to.sin_addr) != 1)
		goto usage;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&me, 0, sizeof(me));
	me.sin_family = AF_INET;
	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) ||
	    getsockname(fd, (struct sockaddr *)&me, &ml) ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to))) {
		perror("latsend");
		return 2;
	}

	memset(&s, 0, sizeof(s));
	s.sent_at = calloc(n, sizeof(*s.sent_at));
	s.rtt = calloc(n, sizeof(*s.rtt));
	if (!s.sent_at || !s.rtt) {
		perror("latsend");
		return 2;
	}
	snprintf(s.tag, sizeof(s.tag), "lat%d", (int)getpid());

	period = (uint64_t)(1e9 / rate);
	start = now_ns();

	for (i = 0; i < n; i++) {
		uint64_t due = start + i * period, t;
		char msg[1024], body[32];
		int hl, bl;

		/* wait for the slot, answering responses meanwhile */
		while (now_ns() < due)
			drain(fd, &s, n, due);

		t = now_ns();
		bl = snprintf(body, sizeof(body), "T=%020llu",
			      (unsigned long long)t);
		hl = snprintf(msg, sizeof(msg),
			"MESSAGE sip:%s@%s:%u SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 127.0.0.1:%u;rport;branch=z9hG4bK-%s-%lu\r\n"
			"Max-Forwards: 70\r\n"
			"From: <sip:bench@sippush.test>;tag=%s\r\n"
			"To: <sip:%s@sippush.test>\r\n"
			"Call-ID: %s-%lu\r\n"
			"CSeq: 1 MESSAGE\r\n"
			"Accept-Contact: *;+g.oma.pusheventapp=\"%s\";require;explicit\r\n"
			"Content-Type: text/plain\r\n"
			"Content-Length: %d\r\n\r\n%s",
			user, host, port, ntohs(me.sin_port), s.tag, i,
			s.tag, user, s.tag, i, app, bl, body);

		s.sent_at[i] = t;
		if (send(fd, msg, (size_t)hl, 0) < 0)
			perror("latsend: send");

		drain(fd, &s, n, 0);
	}

	drain(fd, &s, n, now_ns() + (uint64_t)wait_ms * 1000000u);
	for (i = 0; i < n; i++)
		if (s.sent_at[i])
			++lost;

	qsort(s.rtt, s.nrtt, sizeof(*s.rtt), cmp_u64);
	printf("sent=%lu ok=%lu fail=%lu lost=%lu rtt_p50_us=%.1f "
	       "rtt_p99_us=%.1f rtt_max_us=%.1f\n", n, s.ok, s.fail, lost,
	       pct(s.rtt, s.nrtt, 50), pct(s.rtt, s.nrtt, 99),
	       s.nrtt ? s.rtt[s.nrtt - 1] / 1e3 : 0.0);

	return s.ok == n ? 0 : 1;

 usage:
	fprintf(stderr, "usage: latsend -d HOST:PORT -n COUNT -r RATE "
		"-a APP-ID [-u USER] [-w MS]\n");
	return 2;
}
