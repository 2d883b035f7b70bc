/* fileout.h: files the CLI hands on (push bodies, meta): complete and on disk before anyone is told. */
#ifndef SIPPUSH_FILEOUT_H
#define SIPPUSH_FILEOUT_H

#include <stddef.h>

int fileout_write(int dirfd, const char *name, const void *data, size_t len,
		  int srcfd);

#endif
