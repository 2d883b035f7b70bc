/* status.c: "sippush status": print the daemon's STATUS reply, as lines or one JSON object. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sippush/client.h>
#include "cmd.h"
#include "json.h"

static const char usage_text[] = "usage: sippush [-S SOCKET] status [--json]\n";


int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static char buf[SIPPUSH_RECORD_MAX];
	struct sippush *c;
	bool json = false;
	int ch, err;

	while ((ch = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (ch) {

		case 'j':
			json = true;
			break;

		case 'h':
			fputs(usage_text, stdout);
			return CLI_EXIT_OK;

		default:
			fputs(usage_text, stderr);
			return CLI_EXIT_USAGE;
		}
	}

	if (optind != argc) {
		fputs(usage_text, stderr);
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

	if (json)
		(void)json_status(stdout, buf);
	else
		fputs(buf, stdout);
	sippush_close(c);

	return CLI_EXIT_OK;
}
