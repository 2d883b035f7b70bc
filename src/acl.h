/* acl.h: which local user may do what with an application ID: app_acl rules, acl.d drop-ins, one decision. */
#ifndef SIPPUSH_ACL_H
#define SIPPUSH_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acl;
struct re_printf;

/** Rights an app_acl line grants */
enum acl_right {
	ACL_OWN     = 1u << 0,   /* SUBSCRIBE as the owner */
	ACL_MONITOR = 1u << 1,   /* SUBSCRIBE ... monitor */
	ACL_SEND    = 1u << 2,   /* ACK/NACK: answer the app's pushes */
	ACL_STATUS  = 1u << 3,   /* see the app in STATUS; on "*": all of it */
	ACL_ALL     = ACL_OWN | ACL_MONITOR | ACL_SEND | ACL_STATUS,
};

enum {
	ACL_GROUPS_MAX     = 64,    /* supplementary groups looked at */
	ACL_RULES_MAX      = 512,   /* lines, config and drop-ins together */
	ACL_WHO_MAX        = 8,     /* principals on one line */
	ACL_FILES_MAX      = 64,    /* drop-in files read */
	ACL_FILE_BYTES_MAX = 65536,
	ACL_LINE_MAX       = 512,
};

/** Who a local client is: its credentials at connect time */
struct acl_cred {
	uint32_t uid;
	uint32_t gid;
	uint32_t pid;
	uint32_t groups[ACL_GROUPS_MAX];     /* supplementary */
	size_t ngroups;
};

int  acl_alloc(struct acl **ap, bool default_allow, uint32_t self_uid);
int  acl_rule_add(struct acl *acl, const char *rule, char *err,
		  size_t errsz);
int  acl_load_dir(struct acl *acl, const char *dir, char *err, size_t errsz);
bool acl_allowed(const struct acl *acl, const struct acl_cred *cr,
		 const char *appid, unsigned right);
size_t acl_count(const struct acl *acl);
int  acl_cred_get(struct acl_cred *cr, int fd);
int  acl_cred_print(struct re_printf *pf, const struct acl_cred *cr);
const char *acl_right_name(unsigned right);

#endif
