/* absent.c: what becomes of a push whose app has no owner connected: held while app_exec starts it, stored (app_store), or refused. */
#include <string.h>
#include <errno.h>
#include <re.h>
#include "autoconf.h"
#include "activate.h"
#include "push.h"
#include "pushstore.h"
#include "absent.h"

#define DEBUG_MODULE "absent"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * One decision for both intakes (pager.c for a MESSAGE, msrpsess/msg.c
 * for MSRP content), taken where they used to answer 480:
 *
 *  - app_store: store it now and answer 202 (stored, not delivered):
 *    the sender's transaction ends at once, the push is on disk; with
 *    app_exec too, the app is started and gets it from the store when it
 *    subscribes;
 *  - app_exec only: hold it until the started app subscribes, then
 *    deliver it as usual (the sender hears the app's verdict), or 480
 *    after activation_timeout;
 *  - neither: 480, as before.
 *
 * The statuses the sender hears are doc/responses.md's: 202, 480 with
 * Retry-After, 503 with Retry-After when the app's store is full, 500
 * when it cannot be written.
 */

struct absent {
	struct activate *act;
	struct pushstore *ps;
};


static void destructor(void *arg)
{
	struct absent *ab = arg;

	mem_deref(ab->act);
	mem_deref(ab->ps);
}


int absent_alloc(struct absent **abp, struct activate *act,
		 struct pushstore *ps)
{
	struct absent *ab;

	if (!abp)
		return EINVAL;

	ab = mem_zalloc(sizeof(*ab), destructor);
	if (!ab)
		return ENOMEM;

	ab->act = mem_ref(act);
	ab->ps  = mem_ref(ps);
	*abp = ab;

	return 0;
}


enum absent_way absent_way(const struct absent *ab, const char *app)
{
	if (!ab || !app)
		return ABSENT_REFUSE;

	if (pushstore_has(ab->ps, app))
		return ABSENT_STORE;

	if (activate_has(ab->act, app))
		return ABSENT_HOLD;

	return ABSENT_REFUSE;
}


/** A push is on its way (an INVITE): start the app early, if it has a
 *  command, so that it may be there when the content is. */
void absent_prepare(struct absent *ab, const char *app)
{
	if (ab && activate_has(ab->act, app))
		(void)activate_start(ab->act, app);
}


/**
 * Store a push for its absent app.
 *
 * @return 202 (stored: durable now), 503 full, 500 not written; reason
 *         is the phrase
 */
uint16_t absent_store(struct absent *ab, const struct push *p,
		      uint64_t expires, const char *body_file,
		      const char **reason)
{
	int err;

	err = pushstore_put(ab ? ab->ps : NULL, p, expires, body_file);
	switch (err) {

	case 0:
		*reason = "Accepted (Stored For Push Application)";
		break;

	case ENOSPC:
		*reason = "Push Store Full";
		return 503;

	default:
		*reason = "Push Store Failed";
		return 500;
	}

	/* it takes its pushes from the store when it subscribes */
	if (activate_has(ab->act, p->appid)) {
		err = activate_start(ab->act, p->appid);
		if (err && err != EAGAIN)
			DEBUG_NOTICE("%s: cannot start it: %m\n", p->appid,
				     err);
	}

	return 202;
}


/**
 * Hold a push until its app subscribes (app_exec).
 *
 * @return 0 held (h comes later); else the status to answer now (480
 *         when the command cannot start or is backing off, 503 when too
 *         many are held)
 */
uint16_t absent_hold(struct absent *ab, const char *app, activate_h *h,
		     void *arg, struct activation **actp,
		     const char **reason)
{
	int err = activate_hold(ab ? ab->act : NULL, app, h, arg, actp);

	switch (err) {

	case 0:
		return 0;

	case ENOSPC:
		*reason = "Too Many Pending Pushes";
		return 503;

	case EAGAIN:
		*reason = "Push Application Not Running (Restarting)";
		return 480;

	default:
		DEBUG_NOTICE("%s: cannot start it: %m\n", app, err);
		*reason = "Push Application Not Running";
		return 480;
	}
}
