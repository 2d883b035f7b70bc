/* authz.h: who may push to an application ID, and what a local client may do with one. */
#ifndef SIPPUSH_AUTHZ_H
#define SIPPUSH_AUTHZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acl;
struct acl_cred;
struct config;
struct pl;

bool authz_sender(const struct config *cfg, const char *appid,
		  const struct pl *sender, bool asserted);
int  authz_acl_build(struct acl **aclp, const struct config *cfg,
		     char *err, size_t errsz);
int  authz_local(const struct acl *acl, const struct acl_cred *cr,
		 const char *appid, unsigned right);

#endif
