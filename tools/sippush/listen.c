/* listen.c: "sippush listen": subscribe; for each push store it, run a handler, print a line, answer. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sippush/client.h>
#include "cmd.h"
#include "fileout.h"
#include "handler.h"
#include "json.h"

/*
 * The order for each push is what a script relies on: the files are
 * written and synced, then the handler runs (--exec), then the push is
 * answered, and only then is its line printed. So a line (or JSON
 * object) on stdout means: the files are there, the verdict is given.
 */

static volatile sig_atomic_t stop;

static const char usage_text[] =
	"usage: sippush [-S SOCKET] listen [--count N] [--dir DIR] "
	"[--nack CODE]\n"
	"                      [--filter TYPE] [--monitor] [--nostore] "
	"[--encoding LIST] [--unwrap]\n"
	"                      [--disposed processed|displayed] "
	"[--json]\n"
	"                      [--reconnect] APP-ID...\n"
	"                      [--timeout MS] [--nack-code EXIT=CODE]... "
	"--exec CMD [ARGS...]\n";

struct listen {
	unsigned long count;
	unsigned long nack;
	const char *dir;
	char dirpath[PATH_MAX];
	int dirfd;
	const char *filter;
	const char *encodings;   /* --encoding LIST */
	const char *disposed;    /* --disposed processed|displayed */
	unsigned flags;
	bool json;
	bool reconnect;
	bool exec;
	struct handler h;
};


static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}


/* Only the numeric id goes into file names: app ID and sender come from
 * elsewhere and are never trusted as path parts. Body first, .meta
 * last, so a .meta file means the push is complete. */
static int store(const struct listen *l, struct sippush *c,
		 const struct sippush_push *p)
{
	/* the optional record lines (doc/ipc.md section 6), as sent */
	static const char *const opt[] = {
		"Stored", "Arrived", "Call-ID", "Date", "X-Wap-Initiator-URI",
		"Sender-Asserted", "Content-Location", "Push-Flag", "Content-Encoding",
		"Imdn-Message-ID", "Imdn-Disposition-Notification", "Push-Key",
		"CPIM-From", "CPIM-To", "CPIM-DateTime",
	};
	char name[64], meta[SIPPUSH_HDR_MAX];
	size_t len;
	int n, err;

	(void)snprintf(name, sizeof(name), "%llu.body",
		       (unsigned long long)p->id);
	err = fileout_write(l->dirfd, name, p->body, p->len, p->fd);
	if (err)
		return err;

	n = snprintf(meta, sizeof(meta), "Id: %llu\nApp-Id: %s\n"
		     "Content-Type: %s\nContent-Length: %zu\nSender: %s\n"
		     "Transport: %s\n", (unsigned long long)p->id,
		     p->appid, p->ctype, p->len, p->sender, p->transport);
	if (n < 0 || (size_t)n >= sizeof(meta))
		return EOVERFLOW;
	len = (size_t)n;

	for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
		const char *v = sippush_header(c, opt[i]);

		if (!v)
			continue;
		n = snprintf(meta + len, sizeof(meta) - len, "%s: %s\n",
			     opt[i], v);
		if (n < 0 || (size_t)n >= sizeof(meta) - len)
			return EOVERFLOW;
		len += (size_t)n;
	}

	(void)snprintf(name, sizeof(name), "%llu.meta",
		       (unsigned long long)p->id);

	return fileout_write(l->dirfd, name, meta, len, -1);
}


static const char *why(struct sippush *c, int err)
{
	const char *r = sippush_last_reply(c);

	return !strncmp(r, "ERR ", 4) ? r : strerror(err);
}


/* The line (or object) for a push whose files and verdict are done. */
static void print_push(const struct listen *l, struct sippush *c,
		       const struct sippush_push *p, unsigned code, int exit)
{
	const char *stored = sippush_header(c, "Stored");

	if (l->json) {
		char body[PATH_MAX + 32], meta[PATH_MAX + 32];
		struct json_outcome o = {
			.verdict = code ? "nack" : "ack", .code = code,
			.exit = exit,
		};

		if (l->dir) {
			(void)snprintf(body, sizeof(body), "%s/%llu.body",
				       l->dirpath, (unsigned long long)p->id);
			(void)snprintf(meta, sizeof(meta), "%s/%llu.meta",
				       l->dirpath, (unsigned long long)p->id);
			o.body = body;
			o.meta = meta;
		}

		(void)json_push(stdout, c, p, &o);
	}
	else {
		printf("push %llu app=%s type=%s len=%zu sender=%s",
		       (unsigned long long)p->id, p->appid, p->ctype, p->len,
		       p->sender);
		if (stored)
			printf(" stored=%s arrived=%s", stored,
			       sippush_header(c, "Arrived") ?
			       sippush_header(c, "Arrived") : "-");
		if (exit >= 0)
			printf(" exit=%d", exit);
		if (code)
			printf(" nack=%u", code);
		putchar('\n');
	}

	fflush(stdout);
}


/* One push: files, handler, verdict, line. CLI_EXIT_OK to go on. */
static int one(struct listen *l, struct sippush *c,
	       const struct sippush_push *p)
{
	struct handler_verdict v;
	char reason[HANDLER_REASON_MAX] = "sippush listen --nack";
	unsigned code = (unsigned)l->nack;
	int exit = -1, err;

	if (l->dirfd >= 0) {
		err = store(l, c, p);
		if (err) {
			fprintf(stderr, "sippush: cannot store push %llu in "
				"%s: %s\n", (unsigned long long)p->id, l->dir,
				strerror(err));
			(void)sippush_nack(c, p->id, 500, "Cannot Store");
			return CLI_EXIT_FAIL;
		}
	}

	if (l->exec) {
		err = handler_run(&l->h, c, p, &v);
		if (err)
			fprintf(stderr, "sippush: %s: %s\n", l->h.argv[0],
				strerror(err));
		else if (v.timed_out)
			fprintf(stderr, "sippush: push %llu: %s still ran "
				"after %u ms: killed\n",
				(unsigned long long)p->id, l->h.argv[0],
				l->h.timeout_ms);
		code = v.code;
		exit = v.exit;
		(void)snprintf(reason, sizeof(reason), "%s", v.reason);
	}

	err = code ? sippush_nack(c, p->id, code, reason) :
		sippush_ack(c, p->id);
	if (err == ENOENT) {
		/* too late: the daemon gave up on it already */
		fprintf(stderr, "sippush: %s %llu: %s\n", code ? "NACK" :
			"ACK", (unsigned long long)p->id, why(c, err));
	}
	else if (err && !(err == EINTR && stop)) {
		fprintf(stderr, "sippush: %s %llu: %s\n", code ? "NACK" :
			"ACK", (unsigned long long)p->id, why(c, err));
		return err == ECONNRESET ? -1 : CLI_EXIT_FAIL;
	}

	/* an ACKed push whose sender asked for an IMDN (RFC 5438) */
	if (!err && !code && l->disposed &&
	    sippush_header(c, "Imdn-Disposition-Notification")) {
		err = sippush_disposed(c, p->id, l->disposed[0] == 'd');
		if (err && err != ENOENT)
			fprintf(stderr, "sippush: DISPOSED %llu: %s\n",
				(unsigned long long)p->id, why(c, err));
	}

	print_push(l, c, p, code, exit);

	return CLI_EXIT_OK;
}


static int subscribe_all(const struct listen *l, struct sippush *c,
			 int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		int err = sippush_subscribe_enc(c, argv[i], l->filter,
						l->flags, l->encodings);

		if (err) {
			fprintf(stderr, "sippush: subscribe %s: %s\n", argv[i],
				why(c, err));
			return !strncmp(sippush_last_reply(c), "ERR ", 4) ?
				CLI_EXIT_REFUSED : CLI_EXIT_FAIL;
		}

		fprintf(stderr, "sippush: subscribed to %s%s%s\n",
			sippush_last_reply(c) + 3,
			l->flags & SIPPUSH_SUB_MONITOR ? " (monitor)" : "",
			l->flags & SIPPUSH_SUB_NOSTORE ? " (nostore)" : "");
	}

	return CLI_EXIT_OK;
}


/* --exec takes the rest of the command line: cut it off before getopt. */
static int take_exec(struct listen *l, int *argc, char **argv)
{
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--exec"))
			continue;

		if (i + 1 >= *argc) {
			fprintf(stderr, "sippush: --exec wants a command\n");
			return CLI_EXIT_USAGE;
		}

		l->exec   = true;
		l->h.argv = &argv[i + 1];
		argv[i]   = NULL;
		*argc     = i;
		break;
	}

	return CLI_EXIT_OK;
}


static int options(struct listen *l, int argc, char **argv)
{
	static const struct option opts[] = {
		{"count",     required_argument, NULL, 'c'},
		{"dir",       required_argument, NULL, 'd'},
		{"nack",      required_argument, NULL, 'n'},
		{"filter",    required_argument, NULL, 'f'},
		{"monitor",   no_argument,       NULL, 'm'},
		{"nostore",   no_argument,       NULL, 's'},
		{"unwrap",    no_argument,       NULL, 'u'},
		{"encoding",  required_argument, NULL, 'e'},
		{"disposed",  required_argument, NULL, 'D'},
		{"json",      no_argument,       NULL, 'j'},
		{"reconnect", no_argument,       NULL, 'r'},
		{"timeout",   required_argument, NULL, 't'},
		{"nack-code", required_argument, NULL, 'x'},
		{"help",      no_argument,       NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned long v;
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv, "c:d:n:f:msue:D:jrt:x:h", opts,
				 NULL)) != -1) {
		switch (ch) {

		case 'c':
			errno = 0;
			l->count = strtoul(optarg, &end, 10);
			if (errno || *end || !l->count || *optarg == '-') {
				fprintf(stderr, "sippush: bad --count %s\n",
					optarg);
				return CLI_EXIT_USAGE;
			}
			break;

		case 'd':
			l->dir = optarg;
			break;

		case 'n':
			l->nack = strtoul(optarg, &end, 10);
			if (*end || l->nack < 400 || l->nack > 699) {
				fprintf(stderr, "sippush: --nack wants a SIP "
					"status code, 400-699\n");
				return CLI_EXIT_USAGE;
			}
			break;

		case 'f':
			l->filter = optarg;
			break;

		case 'm':
			l->flags |= SIPPUSH_SUB_MONITOR;
			break;

		case 's':
			l->flags |= SIPPUSH_SUB_NOSTORE;
			break;

		case 'u':
			l->flags |= SIPPUSH_SUB_UNWRAP;
			break;

		case 'e':
			l->encodings = optarg;
			break;

		case 'D':
			if (strcmp(optarg, "processed") &&
			    strcmp(optarg, "displayed")) {
				fprintf(stderr, "sippush: --disposed wants "
					"processed or displayed\n");
				return CLI_EXIT_USAGE;
			}
			l->disposed = optarg;
			break;

		case 'j':
			l->json = true;
			break;

		case 'r':
			l->reconnect = true;
			break;

		case 't':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !v || v > 3600000 ||
			    *optarg == '-') {
				fprintf(stderr, "sippush: --timeout wants ms, "
					"1-3600000\n");
				return CLI_EXIT_USAGE;
			}
			l->h.timeout_ms = (unsigned)v;
			break;

		case 'x':
			if (handler_map_add(&l->h, optarg)) {
				fprintf(stderr, "sippush: --nack-code wants "
					"EXIT=CODE (EXIT 1-255, CODE 400-699; "
					"at most %d)\n", HANDLER_MAP_MAX);
				return CLI_EXIT_USAGE;
			}
			break;

		case 'h':
			fputs(usage_text, stdout);
			return -1;

		default:
			fputs(usage_text, stderr);
			return CLI_EXIT_USAGE;
		}
	}

	if (optind >= argc) {
		fputs(usage_text, stderr);
		return CLI_EXIT_USAGE;
	}

	if (l->exec && l->nack) {
		fprintf(stderr, "sippush: --nack and --exec: the command's exit "
			"status is the verdict\n");
		return CLI_EXIT_USAGE;
	}

	if (!l->exec && (l->h.mapc || l->h.timeout_ms)) {
		fprintf(stderr, "sippush: --nack-code and --timeout go with "
			"--exec\n");
		return CLI_EXIT_USAGE;
	}

	return CLI_EXIT_OK;
}


int cmd_listen(int argc, char **argv)
{
	struct listen l;
	unsigned long done = 0;
	struct sippush *c = NULL;
	struct sigaction sa;
	int rc;

	memset(&l, 0, sizeof(l));
	l.dirfd = -1;

	rc = take_exec(&l, &argc, argv);
	if (rc)
		return rc;

	rc = options(&l, argc, argv);
	if (rc)
		return rc < 0 ? CLI_EXIT_OK : rc;

	if (l.exec && !l.h.timeout_ms)
		l.h.timeout_ms = HANDLER_TIMEOUT_MS;
	l.h.socket = cli_socket;

	if (l.dir) {
		l.dirfd = open(l.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (l.dirfd < 0 || !realpath(l.dir, l.dirpath)) {
			fprintf(stderr, "sippush: %s: %s\n", l.dir,
				strerror(errno));
			rc = CLI_EXIT_FAIL;
			goto out;
		}
		l.h.dir = l.dirpath;
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

	rc = subscribe_all(&l, c, argc - optind, argv + optind);
	if (rc)
		goto out;

	while (!stop && (!l.count || done < l.count)) {
		struct sippush_push p;
		int err = sippush_recv(c, &p, -1);

		if (err == EINTR)
			continue;

		if (err == EBADMSG || err == EMSGSIZE) {
			fprintf(stderr, "sippush: skipped a bad message: %s\n",
				strerror(err));
			continue;
		}

		if (err == ECONNRESET && l.reconnect) {
			fprintf(stderr, "sippush: the daemon closed the "
				"connection: reconnecting\n");
			err = sippush_reconnect(c, -1);
			if (err == EINTR && stop)
				break;
			if (err) {
				fprintf(stderr, "sippush: reconnect: %s\n",
					why(c, err));
				rc = CLI_EXIT_FAIL;
				goto out;
			}
			fprintf(stderr, "sippush: reconnected\n");
			continue;
		}

		if (err) {
			fprintf(stderr, "sippush: %s\n", err == ECONNRESET ?
				"the daemon closed the connection" :
				strerror(err));
			rc = CLI_EXIT_FAIL;
			goto out;
		}

		rc = one(&l, c, &p);
		if (rc < 0 && l.reconnect) {
			/* the answer did not reach the daemon: it failed or
			 * kept the push; go on with the next */
			rc = CLI_EXIT_OK;
			continue;
		}
		if (rc)
			goto out;

		++done;
	}

	if (stop && l.count && done < l.count)
		rc = CLI_EXIT_FAIL;

 out:
	sippush_close(c);
	if (l.dirfd >= 0)
		(void)close(l.dirfd);

	return rc < 0 ? CLI_EXIT_FAIL : rc;
}
