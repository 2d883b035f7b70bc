/* cmd.h: the sippush subcommands, one file each. */
#ifndef SIPPUSH_CMD_H
#define SIPPUSH_CMD_H

int cmd_send(int argc, char **argv);

#endif
