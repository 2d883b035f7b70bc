/* siptls_none.c: stands in for siptls.c when CONFIG_TLS is off: TLS is refused. */
#include <re.h>
#include "autoconf.h"
#include "siptls.h"


int siptls_alloc(struct tls **tlsp, const struct siptls_conf *tc)
{
	(void)tlsp;
	(void)tc;

	return ENOTSUP;
}
