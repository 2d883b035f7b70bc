/* regevent_none.c: stands in when CONFIG_XML is off: no reg-event subscription (the reg_event key is refused). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include "regevent.h"


int regevent_alloc(struct regevent **rep, struct sip *sip,
		   const struct regevent_conf *conf,
		   regevent_contact_h *contacth, regevent_action_h *actionh,
		   void *arg)
{
	(void)rep; (void)sip; (void)conf; (void)contacth; (void)actionh;
	(void)arg;

	return ENOTSUP;
}


int regevent_start(struct regevent *re)
{
	(void)re;
	return 0;
}


enum regevent_state regevent_state(const struct regevent *re)
{
	(void)re;
	return REGEVENT_IDLE;
}


const char *regevent_state_name(enum regevent_state st)
{
	(void)st;
	return "not built";
}


uint32_t regevent_notifies(const struct regevent *re)
{
	(void)re;
	return 0;
}


uint32_t regevent_subscribes(const struct regevent *re)
{
	(void)re;
	return 0;
}
