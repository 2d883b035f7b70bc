/* unreg.c: removes the binding (Expires: 0), answered or given up. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "reg.h"
#include "reg_priv.h"

#define DEBUG_MODULE "reg"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


void reg_finish_unreg(struct reg *reg)
{
	reg_done_h *dh = reg->doneh;

	reg->doneh = NULL;
	reg->ka = mem_deref(reg->ka);
	reg_set_state(reg, REG_IDLE, 0, NULL);

	if (dh)
		dh(reg->donearg);
}


/**
 * Remove the binding (Expires: 0). doneh runs when the registrar answered,
 * at once if there is no binding to remove. The caller bounds the wait.
 */
void reg_unregister(struct reg *reg, reg_done_h *doneh, void *arg)
{
	if (!reg)
		return;

	tmr_cancel(&reg->tmr);
	reg->unreg   = true;
	reg->doneh   = doneh;
	reg->donearg = arg;

	/* a request in flight is abandoned: its answer no longer matters */
	reg_abandon(reg);

	if (reg->state == REG_IDLE || reg->sent == 0) {
		reg_finish_unreg(reg);
		return;
	}

	/* the accepted nonce saves a round trip here too */
	if (!reg->authed)
		sip_auth_reset(reg->auth);
	reg->preauth = reg->authed;
	reg->authc = 0;
	if (reg_send(reg))
		reg_finish_unreg(reg);
}
