/* imdnsend_none.c: stands in when CONFIG_XML is off: no IMDN notifications are sent. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include "imdnsend.h"


int imdnsend_alloc(struct imdnsend **isp, struct sip *sip,
		   const struct imdnsend_conf *conf)
{
	(void)isp; (void)sip; (void)conf;
	return ENOTSUP;
}


int imdnsend_queue(struct imdnsend *is, const struct imdnsend_req *rq)
{
	(void)is; (void)rq;
	return ENOTSUP;
}


uint32_t imdnsend_pending(const struct imdnsend *is)
{
	(void)is;
	return 0;
}


uint32_t imdnsend_sent(const struct imdnsend *is)
{
	(void)is;
	return 0;
}


uint32_t imdnsend_dropped(const struct imdnsend *is)
{
	(void)is;
	return 0;
}


int imdnsend_status(struct re_printf *pf, const struct imdnsend *is)
{
	(void)pf; (void)is;
	return 0;
}


void imdnsend_set_routes(struct imdnsend *is, struct route_set *routes)
{
	(void)is; (void)routes;
}


int imdnsend_set_identity(struct imdnsend *is, const char *aor,
			  const char *auth_user, const char *auth_pass)
{
	(void)is; (void)aor; (void)auth_user; (void)auth_pass;
	return 0;
}
