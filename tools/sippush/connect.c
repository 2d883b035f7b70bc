/* connect.c: the daemon's socket the subcommands talk to, and the connection to it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sippush/client.h>
#include "cmd.h"

const char *cli_socket;


struct sippush *cli_connect(void)
{
	struct sippush *c = sippush_open(cli_socket);

	if (!c)
		fprintf(stderr, "sippush: cannot connect to %s: %s\n",
			cli_socket, strerror(errno));

	return c;
}
