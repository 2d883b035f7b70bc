/* rawtcp.c: MSRP baseline: the same file over one plain TCP loopback connection. */
/*
 * usage: rawtcp recv PORT OUTFILE     accept one connection, write what
 *                                     comes to OUTFILE, fsync, answer 1 byte
 *        rawtcp send PORT FILE [BLOCK] send FILE (BLOCK bytes a write,
 *                                     default 65536), wait for that byte
 *
 * The receiver stores the bytes the way sippushd's spool does (a file in
 * the same directory, pwrite at the offset, one fsync at the end), so the
 * two rows compare the transports, not the disk. "send" prints
 * "bytes=N seconds=S MBps=X" (MB = 10^6 bytes), timed from connect()
 * to the receiver's answer; "recv" prints "cpu_s=S", its own CPU time
 * (user + system) for the whole file, at the end.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>

enum { RBUF = 256 * 1024 };


static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}


static void addr(struct sockaddr_in *a, unsigned port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}


static int do_recv(unsigned port, const char *out)
{
	struct sockaddr_in a;
	static char buf[RBUF];
	struct rusage ru;
	int l, c, f, one = 1;
	off_t off = 0;

	addr(&a, port);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	(void)setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1)) {
		perror("rawtcp recv");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	c = accept(l, NULL, NULL);
	f = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (c < 0 || f < 0) {
		perror("rawtcp recv");
		return 1;
	}

	for (;;) {
		ssize_t n = read(c, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (pwrite(f, buf, (size_t)n, off) != n) {
			perror("rawtcp recv: pwrite");
			return 1;
		}
		off += n;
	}

	if (fsync(f)) {
		perror("rawtcp recv: fsync");
		return 1;
	}
	close(f);
	(void)write(c, "k", 1);
	close(c);
	unlink(out);
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		printf("cpu_s=%.3f\n", (double)ru.ru_utime.tv_sec +
		       (double)ru.ru_stime.tv_sec +
		       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	return 0;
}


static int do_send(unsigned port, const char *file, size_t block)
{
	struct sockaddr_in a;
	char *buf = malloc(block), k;
	unsigned long long total = 0;
	double t0, t1;
	int s, f;

	f = open(file, O_RDONLY | O_CLOEXEC);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	addr(&a, port);
	if (!buf || f < 0 || s < 0) {
		perror("rawtcp send");
		free(buf);
		return 1;
	}

	t0 = now_s();
	if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
		perror("rawtcp send: connect");
		free(buf);
		return 1;
	}

	for (;;) {
		ssize_t n = read(f, buf, block), w = 0;

		if (n <= 0)
			break;
		while (w < n) {
			ssize_t m = write(s, buf + w, (size_t)(n - w));

			if (m < 0) {
				if (errno == EINTR)
					continue;
				perror("rawtcp send: write");
				free(buf);
				return 1;
			}
			w += m;
		}
		total += (unsigned long long)n;
	}

	free(buf);
	shutdown(s, SHUT_WR);
	if (read(s, &k, 1) != 1) {
		fprintf(stderr, "rawtcp send: no answer from the receiver\n");
		return 1;
	}
	t1 = now_s();

	printf("bytes=%llu seconds=%.3f MBps=%.1f\n", total, t1 - t0,
	       total / 1e6 / (t1 - t0));
	return 0;
}


int main(int argc, char *argv[])
{
	if (argc == 4 && !strcmp(argv[1], "recv"))
		return do_recv((unsigned)atoi(argv[2]), argv[3]);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "send"))
		return do_send((unsigned)atoi(argv[2]), argv[3],
			       argc == 5 ? (size_t)atol(argv[4]) : 65536);

	fprintf(stderr, "usage: rawtcp recv PORT OUTFILE | "
		"rawtcp send PORT FILE [BLOCK]\n");
	return 2;
}
