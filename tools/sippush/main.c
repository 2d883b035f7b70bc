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
		"                      [--filter TYPE] [--monitor] [--nostore] "
		"[--encoding LIST] [--unwrap]\n"
		"                      [--disposed processed|displayed] "
		"[--json]\n"
		"                      [--reconnect] APP-ID...\n"
		"                      [--timeout MS] [--nack-code EXIT=CODE]... "
		"--exec CMD [ARGS...]\n"
		"       sippush [-S SOCKET] status [--json]\n"
		"       sippush [-S SOCKET] send ...\n"
		"       sippush -h | -V\n"
		"Talks to sippushd over its local socket (doc/ipc.md).\n"
		"  -S SOCKET      daemon socket (default: $SIPPUSH_SOCKET, else\n"
		"                 " SIPPUSH_DEFAULT_SOCKET ")\n"
		"  -h             print this help and exit\n"
		"  -V             print the version and exit\n"
		"listen: subscribe to each APP-ID (URN, short name or OMNA "
		"number);\n"
		"for each push write the files (--dir), run CMD (--exec), answer "
		"it,\n"
		"then print one line.\n"
		"  --count N      exit after N pushes\n"
		"  --dir DIR      write the body to DIR/<id>.body and the header "
		"lines\n"
		"                 to DIR/<id>.meta (synced) before anything else\n"
		"  --nack CODE    NACK every push with SIP status CODE (400-699)\n"
		"  --filter TYPE  only content type TYPE (type/subtype or "
		"type/*)\n"
		"  --monitor      subscribe as read-only monitor: the owner's "
		"ACK counts\n"
		"  --nostore      not the pushes the daemon stored while the app "
		"was away\n"
		"  --unwrap       a message/cpim push as its inner content "
		"(CPIM-From,\n"
		"                 CPIM-To, CPIM-DateTime in .meta)\n"
		"  --disposed processed|displayed  after the ACK, report it "
		"for an IMDN\n"
		"                 (a sender that asked for one gets it)\n"
		"  --encoding LIST  content-codings the app decodes itself "
		"(gzip,br):\n"
		"                 such pushes come still encoded\n"
		"  --json         one JSON object per push instead of a line\n"
		"  --reconnect    when the daemon restarts, connect and subscribe "
		"again\n"
		"  --exec CMD [ARGS...]  (last) run CMD per push: body on stdin,\n"
		"                 SIPPUSH_ID, _APP, _CONTENT_TYPE, _SENDER, "
		"_TRANSPORT,\n"
		"                 _LENGTH, _STORED, _ARRIVED (, _BODY, _META with "
		"--dir);\n"
		"                 exit 0 ACKs; 64-78 (sysexits) NACK: 65 400, "
		"66 400,\n"
		"                 67 404, 68 404, 69 503, 75 480, 76 415, 77 403, "
		"others 500\n"
		"  --nack-code EXIT=CODE  NACK with CODE for exit status EXIT "
		"(repeatable)\n"
		"  --timeout MS   kill CMD's process group after MS ms (default "
		"4000),\n"
		"                 NACK 408\n"
		"status: print the daemon's STATUS lines (key=value), or with "
		"--json\n"
		"one JSON object.\n"
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
