/* authz.h: who may push to an application ID, and who may subscribe to it. */
#ifndef SIPPUSH_AUTHZ_H
#define SIPPUSH_AUTHZ_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct pl;

bool authz_sender(const struct config *cfg, const char *appid,
		  const struct pl *sender);
int  authz_subscribe(const struct config *cfg, uint32_t uid, uint32_t gid,
		     uint32_t pid, const char *appid);

#endif
