/* listen.c: "sippush listen": subscribe, print and optionally store each push, then ACK it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sippush/client.h>
#include "cmd.h"

static volatile sig_atomic_t stop;

static const char usage_text[] =
	"usage: sippush [-S SOCKET] listen [--count N] [--dir DIR] "
	"[--nack CODE]\n"
	"                      [--filter TYPE] [--monitor] APP-ID...\n";


static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}


static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}

		p   += n;
		len -= (size_t)n;
	}

	return 0;
}


/*
 * Write name in dirfd through a temporary name and rename(), so that a
 * reader never sees half a file. fsync first: the ACK that follows tells
 * the sender the push is safe, so it had better be on disk.
 */
/* Copy len bytes of a body that came as a file descriptor, in bounded
 * pieces: a large push never sits in this process's memory. */
static int copy_fd(int out, int in, size_t len)
{
	char buf[65536];
	off_t off = 0;

	while (len) {
		ssize_t n = pread(in, buf, len < sizeof(buf) ? len :
				  sizeof(buf), off);
		int err;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (n == 0)
			return EIO;     /* shorter than announced */

		err = write_all(out, buf, (size_t)n);
		if (err)
			return err;

		off += n;
		len -= (size_t)n;
	}

	return 0;
}


static int store_file(int dirfd, const char *name, const void *data,
		      size_t len, int srcfd)
{
	char tmp[64];
	int fd, err;

	(void)snprintf(tmp, sizeof(tmp), ".%s.tmp", name);

	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;

	err = srcfd >= 0 ? copy_fd(fd, srcfd, len) : write_all(fd, data, len);
	if (!err && fsync(fd) < 0)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && renameat(dirfd, tmp, dirfd, name) < 0)
		err = errno;

	if (err)
		(void)unlinkat(dirfd, tmp, 0);

	return err;
}


/* Only the numeric id goes into file names: app ID and sender come from
 * elsewhere and are never trusted as path parts. Body first, .meta
 * last, so a .meta file means the push is complete. */
static int store(int dirfd, const struct sippush_push *p)
{
	char name[64], meta[SIPPUSH_HDR_MAX];
	int n, err;

	(void)snprintf(name, sizeof(name), "%llu.body",
		       (unsigned long long)p->id);
	err = store_file(dirfd, name, p->body, p->len, p->fd);
	if (err)
		return err;

	n = snprintf(meta, sizeof(meta), "Id: %llu\nApp-Id: %s\n"
		     "Content-Type: %s\nContent-Length: %zu\nSender: %s\n"
		     "Transport: %s\n", (unsigned long long)p->id, p->appid,
		     p->ctype, p->len, p->sender, p->transport);
	if (n < 0 || (size_t)n >= sizeof(meta))
		return EOVERFLOW;

	(void)snprintf(name, sizeof(name), "%llu.meta",
		       (unsigned long long)p->id);

	return store_file(dirfd, name, meta, (size_t)n, -1);
}


static const char *why(struct sippush *c, int err)
{
	const char *r = sippush_last_reply(c);

	return !strncmp(r, "ERR ", 4) ? r : strerror(err);
}


int cmd_listen(int argc, char **argv)
{
	static const struct option opts[] = {
		{"count",   required_argument, NULL, 'c'},
		{"dir",     required_argument, NULL, 'd'},
		{"nack",    required_argument, NULL, 'n'},
		{"filter",  required_argument, NULL, 'f'},
		{"monitor", no_argument,       NULL, 'm'},
		{"help",    no_argument,       NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned long count = 0, done = 0, nack = 0;
	const char *dir = NULL, *filter = NULL;
	struct sippush *c = NULL;
	struct sigaction sa;
	bool monitor = false;
	int ch, dirfd = -1, rc = CLI_EXIT_OK;
	char *end;

	while ((ch = getopt_long(argc, argv, "c:d:n:f:mh", opts, NULL)) != -1) {
		switch (ch) {

		case 'c':
			errno = 0;
			count = strtoul(optarg, &end, 10);
			if (errno || *end || !count || *optarg == '-') {
				fprintf(stderr, "sippush: bad --count %s\n",
					optarg);
				return CLI_EXIT_USAGE;
			}
			break;

		case 'd':
			dir = optarg;
			break;

		case 'n':
			nack = strtoul(optarg, &end, 10);
			if (*end || nack < 400 || nack > 699) {
				fprintf(stderr, "sippush: --nack wants a SIP "
					"status code, 400-699\n");
				return CLI_EXIT_USAGE;
			}
			break;

		case 'f':
			filter = optarg;
			break;

		case 'm':
			monitor = true;
			break;

		case 'h':
			fputs(usage_text, stdout);
			return CLI_EXIT_OK;

		default:
			fputs(usage_text, stderr);
			return CLI_EXIT_USAGE;
		}
	}

	if (optind >= argc) {
		fputs(usage_text, stderr);
		return CLI_EXIT_USAGE;
	}

	if (dir) {
		dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0) {
			fprintf(stderr, "sippush: %s: %s\n", dir,
				strerror(errno));
			return CLI_EXIT_FAIL;
		}
	}

	/* no SA_RESTART: a signal ends the wait in sippush_recv() */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);

	c = cli_connect();
	if (!c) {
		rc = CLI_EXIT_CONNECT;
		goto out;
	}

	for (int i = optind; i < argc; i++) {
		int err = sippush_subscribe(c, argv[i], filter, monitor);

		if (err) {
			fprintf(stderr, "sippush: subscribe %s: %s\n", argv[i],
				why(c, err));
			rc = !strncmp(sippush_last_reply(c), "ERR ", 4) ?
				CLI_EXIT_REFUSED : CLI_EXIT_FAIL;
			goto out;
		}

		fprintf(stderr, "sippush: subscribed to %s%s\n",
			sippush_last_reply(c) + 3, monitor ? " (monitor)" : "");
	}

	while (!stop && (!count || done < count)) {
		struct sippush_push p;
		int err = sippush_recv(c, &p, -1);

		if (err == EINTR)
			continue;

		if (err == EBADMSG || err == EMSGSIZE) {
			fprintf(stderr, "sippush: skipped a bad message: %s\n",
				strerror(err));
			continue;
		}

		if (err) {
			fprintf(stderr, "sippush: %s\n", err == ECONNRESET ?
				"the daemon closed the connection" :
				strerror(err));
			rc = CLI_EXIT_FAIL;
			goto out;
		}

		printf("push %llu app=%s type=%s len=%zu sender=%s\n",
		       (unsigned long long)p.id, p.appid, p.ctype, p.len,
		       p.sender);
		fflush(stdout);

		if (dirfd >= 0) {
			err = store(dirfd, &p);
			if (err) {
				fprintf(stderr, "sippush: cannot store push "
					"%llu in %s: %s\n",
					(unsigned long long)p.id, dir,
					strerror(err));
				(void)sippush_nack(c, p.id, 500,
						   "Cannot store");
				rc = CLI_EXIT_FAIL;
				goto out;
			}
		}

		err = nack ? sippush_nack(c, p.id, (unsigned)nack,
					  "sippush listen --nack") :
			sippush_ack(c, p.id);
		if (err == ENOENT) {
			/* too late: the daemon gave up on it already */
			fprintf(stderr, "sippush: %s %llu: %s\n",
				nack ? "NACK" : "ACK",
				(unsigned long long)p.id, why(c, err));
		}
		else if (err && !(err == EINTR && stop)) {
			fprintf(stderr, "sippush: %s %llu: %s\n",
				nack ? "NACK" : "ACK",
				(unsigned long long)p.id, why(c, err));
			rc = CLI_EXIT_FAIL;
			goto out;
		}

		++done;
	}

	if (stop && count && done < count)
		rc = CLI_EXIT_FAIL;

 out:
	sippush_close(c);
	if (dirfd >= 0)
		(void)close(dirfd);

	return rc;
}
