/* main.c: the sippush command: global options, then one subcommand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sippush/client.h>
#include "cmd.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sippush [-S SOCKET] listen [--count N] [--dir DIR] "
		"[--nack CODE]\n"
		"                      [--filter TYPE] [--monitor] APP-ID...\n"
		"       sippush [-S SOCKET] status\n"
		"       sippush [-S SOCKET] send ...\n"
		"       sippush -h | -V\n"
		"Talks to sippushd over its local socket (doc/ipc.md).\n"
		"  -S SOCKET      daemon socket (default: $SIPPUSH_SOCKET, else\n"
		"                 " SIPPUSH_DEFAULT_SOCKET ")\n"
		"  -h             print this help and exit\n"
		"  -V             print the version and exit\n"
		"listen: subscribe to each APP-ID (URN, short name or OMNA "
		"number),\n"
		"print one line per push and ACK it.\n"
		"  --count N      exit after N pushes\n"
		"  --dir DIR      before ACKing, write the body to DIR/<id>.body "
		"and\n"
		"                 the header lines to DIR/<id>.meta\n"
		"  --nack CODE    NACK every push with SIP status CODE (400-699)\n"
		"  --filter TYPE  only content type TYPE (type/subtype or "
		"type/*)\n"
		"  --monitor      subscribe as read-only monitor: the owner's "
		"ACK counts\n"
		"status: print the daemon's STATUS lines (key=value).\n"
		"send: see sippush send -h.\n"
		"Exit status:\n"
		"  0  success (listen: N pushes done, or interrupted without "
		"--count)\n"
		"  1  failure at run time: connection lost, cannot write to DIR,\n"
		"     interrupted before N pushes\n"
		"  2  usage error\n"
		"  3  cannot connect to the daemon (not running, no permission)\n"
		"  4  refused by the daemon: bad or busy app ID, not "
		"authorised\n");
}


int main(int argc, char **argv)
{
	const char *cmd;
	int ch;

	cli_socket = getenv(SIPPUSH_SOCKET_ENV);
	if (!cli_socket || !*cli_socket)
		cli_socket = SIPPUSH_DEFAULT_SOCKET;

	/* '+': stop at the subcommand, whose options are its own */
	while ((ch = getopt(argc, argv, "+S:hV")) != -1) {
		switch (ch) {

		case 'S':
			cli_socket = optarg;
			break;

		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;

		case 'V':
			printf("sippush %s (protocol %d)\n", SIPPUSH_VERSION,
			       SIPPUSH_PROTOCOL);
			return CLI_EXIT_OK;

		default:
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}

	if (optind >= argc) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}

	cmd   = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 0;   /* glibc: start getopt afresh for the subcommand */

	if (!strcmp(cmd, "listen"))
		return cmd_listen(argc, argv);
	if (!strcmp(cmd, "status"))
		return cmd_status(argc, argv);
	if (!strcmp(cmd, "send"))
		return cmd_send(argc, argv);
	if (!strcmp(cmd, "help")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}

	fprintf(stderr, "sippush: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
