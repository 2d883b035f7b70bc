/* imdnpush_none.c: stands in when CONFIG_XML is off: no IMDN; DISPOSED finds nothing. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include "imdnpush.h"


int imdnpush_alloc(struct imdnpush **ipp, struct imdnsend *is,
		   uint32_t max, uint32_t max_age)
{
	(void)ipp; (void)is; (void)max; (void)max_age;
	return ENOTSUP;
}


int imdnpush_verdict(struct imdnpush *ip, const struct imdnpush_push *p,
		     uint16_t scode, const char *reason)
{
	(void)ip; (void)p; (void)scode; (void)reason;
	return 0;
}


const char *imdnpush_app(const struct imdnpush *ip, uint64_t id)
{
	(void)ip; (void)id;
	return NULL;
}


int imdnpush_disposed(struct imdnpush *ip, uint64_t id,
		      enum imdnpush_what what)
{
	(void)ip; (void)id; (void)what;
	return ENOENT;
}


uint32_t imdnpush_count(const struct imdnpush *ip)
{
	(void)ip;
	return 0;
}
