/* spool.h: files in spool_dir that hold large push content while it arrives. */
#ifndef SIPPUSH_SPOOL_H
#define SIPPUSH_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spool;

int  spool_alloc(struct spool **spp, const char *dir);
int  spool_write(struct spool *sp, uint64_t off, const uint8_t *p, size_t n);
int  spool_same(const struct spool *sp, uint64_t off, const uint8_t *p,
		size_t n, bool *same);
int  spool_finish(struct spool *sp);
int  spool_open_read(const struct spool *sp);
uint64_t spool_size(const struct spool *sp);
const char *spool_path(const struct spool *sp);
int  spool_dir_clean(const char *dir);

#endif
