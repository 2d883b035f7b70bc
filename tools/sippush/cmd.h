/* cmd.h: the sippush subcommands and what they share. */
#ifndef SIPPUSH_CMD_H
#define SIPPUSH_CMD_H

/* Exit codes, the same for every subcommand (sippush -h lists them). */
enum {
	CLI_EXIT_OK      = 0,
	CLI_EXIT_FAIL    = 1,   /* failure at run time */
	CLI_EXIT_USAGE   = 2,
	CLI_EXIT_CONNECT = 3,   /* no daemon, or no access to its socket */
	CLI_EXIT_REFUSED = 4,   /* the daemon said ERR to what we asked */
};

struct sippush;

/* Socket path: -S, else $SIPPUSH_SOCKET, else the default. Set by main()
 * before any cmd_*() runs. */
extern const char *cli_socket;

/* Connect to cli_socket; on failure says why on stderr and returns NULL
 * (exit with CLI_EXIT_CONNECT). */
struct sippush *cli_connect(void);

/* Subcommands: argv[0] is the subcommand's name, and getopt is reset
 * (optind = 0), so each parses its own options from argv. */
int cmd_listen(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_send(int argc, char **argv);    /* tools/sippush/send.c */

#endif
