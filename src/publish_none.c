/* publish_none.c: stands in when CONFIG_XML is off: capabilities are not published (the publish key is refused). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include "publish.h"


int publish_alloc(struct publish **pp, struct sip *sip,
		  const struct publish_conf *conf, publish_body_h *bodyh,
		  void *arg)
{
	(void)pp; (void)sip; (void)conf; (void)bodyh; (void)arg;
	return ENOTSUP;
}


int publish_now(struct publish *p)
{
	(void)p;
	return 0;
}


enum publish_state publish_state(const struct publish *p)
{
	(void)p;
	return PUBLISH_IDLE;
}


const char *publish_state_name(enum publish_state st)
{
	(void)st;
	return "not built";
}


uint32_t publish_sent(const struct publish *p)
{
	(void)p;
	return 0;
}


int publish_remove(struct publish *p, publish_done_h *doneh, void *arg)
{
	(void)p; (void)doneh; (void)arg;
	return ENOENT;
}


void publish_set_routes(struct publish *p, struct route_set *routes)
{
	(void)p; (void)routes;
}
