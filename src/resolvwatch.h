/* resolvwatch.h: re-reads the DNS servers when resolv.conf changes (inotify, symlinks followed). */
#ifndef SIPPUSH_RESOLVWATCH_H
#define SIPPUSH_RESOLVWATCH_H

#include <stdint.h>

struct sa;
struct resolvwatch;

enum {
	RESOLVWATCH_MAX_NS = 4,   /* name servers taken from the file */
};

/** Called when the file's name servers changed (srvc may be 0) */
typedef void (resolvwatch_h)(const struct sa *srvv, uint32_t srvc,
			     void *arg);

int  resolvwatch_alloc(struct resolvwatch **rwp, const char *path,
		       uint32_t debounce_ms, resolvwatch_h *h, void *arg);
uint32_t resolvwatch_servers(const struct resolvwatch *rw,
			     const struct sa **srvv);
uint32_t resolvwatch_changes(const struct resolvwatch *rw);
uint32_t resolvwatch_wakeups(const struct resolvwatch *rw);
int  resolvwatch_parse(const char *buf, size_t len, struct sa *srvv,
		       uint32_t *srvc);
int  resolvwatch_read(const char *path, struct sa *srvv, uint32_t *srvc);

#endif
