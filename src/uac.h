/* uac.h: what the requests we originate share: digest credentials for challenges, and which refusals mean "not offered here". */
#ifndef SIPPUSH_UAC_H
#define SIPPUSH_UAC_H

#include <stdbool.h>
#include <stdint.h>

struct uac_cred;

int  uac_cred_alloc(struct uac_cred **credp, const char *user,
		    const char *pass);
int  uac_auth_handler(char **user, char **pass, const char *realm,
		      void *arg);
bool uac_not_offered(uint16_t scode);

#endif
