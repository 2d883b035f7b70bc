/* status.c: "sippush status": print the daemon's STATUS reply. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sippush/client.h>
#include "cmd.h"


int cmd_status(int argc, char **argv)
{
	static char buf[SIPPUSH_RECORD_MAX];
	struct sippush *c;
	int ch, err;

	while ((ch = getopt(argc, argv, "h")) != -1) {
		switch (ch) {

		case 'h':
			printf("usage: sippush [-S SOCKET] status\n");
			return CLI_EXIT_OK;

		default:
			fprintf(stderr, "usage: sippush [-S SOCKET] status\n");
			return CLI_EXIT_USAGE;
		}
	}

	if (optind != argc) {
		fprintf(stderr, "usage: sippush [-S SOCKET] status\n");
		return CLI_EXIT_USAGE;
	}

	c = cli_connect();
	if (!c)
		return CLI_EXIT_CONNECT;

	err = sippush_status(c, buf, sizeof(buf));
	if (err && err != ERANGE) {
		fprintf(stderr, "sippush: status: %s\n",
			*sippush_last_reply(c) ? sippush_last_reply(c) :
			strerror(err));
		sippush_close(c);
		return CLI_EXIT_FAIL;
	}

	fputs(buf, stdout);
	sippush_close(c);

	return CLI_EXIT_OK;
}
