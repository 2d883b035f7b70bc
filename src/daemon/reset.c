/* reset.c: rebuilds the SIP stack (reload, network change) and applies a reloaded configuration. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "coretrust.h"
#include "activate.h"
#include "appset.h"
#include "deliver.h"
#include "imdnhook.h"
#include "netlife.h"
#include "options.h"
#include "pager.h"
#include "pushstore.h"
#include "reg.h"
#include "regevent.h"
#include "sessmode.h"
#include "ua.h"
#include "daemon_priv.h"

#define DEBUG_MODULE "daemon"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


void daemon_reset_tmr(void *arg)
{
	struct daemon *d = arg;

	(void)daemon_reset_stack(d, d->reset_why);
}


/* the old identity's binding is gone (or the wait is over) */
/* The old identity's flows un-REGISTERed: build the new one after the
 * last answer. */
static void unreg_done_reset(void *arg)
{
	struct daemon *d = arg;

	if (d->unregc && --d->unregc)
		return;

	tmr_start(&d->tmr_reset, 0, daemon_reset_tmr, d);
}


/**
 * Tear the SIP transports down and build them, OPTIONS, session mode and
 * the registration again from the running configuration: a new local
 * address, listen port, transport set, registrar, credentials or TLS
 * files. The core replaces the binding: the new REGISTER carries the
 * same +sip.instance and reg-id (RFC 5626 §6). Nothing accepted is cut
 * off: a MESSAGE waiting for its app is answered on the socket it came
 * on, and MSRP sessions in progress keep their listener until they end.
 * On failure (e.g. the address is not there yet) it tries again every
 * RESET_RETRY_MS.
 *
 * Reload calls it for keys of CONFIG_RELOAD_STACK; call it from outside
 * too, e.g. when the network changed.
 *
 * @param d    Daemon
 * @param why  What changed, for the log line
 */
int daemon_reset_stack(struct daemon *d, const char *why)
{
	struct options *opt = NULL;
	bool keep;
	int err;

	if (!d || d->stopping)
		return EINVAL;

	tmr_cancel(&d->tmr_reset);
	d->unreg  = mem_deref(d->unreg);   /* an un-REGISTER still waiting */
	d->unreg2 = mem_deref(d->unreg2);
	if (why != d->reset_why)
		str_ncpy(d->reset_why, why ? why : "", sizeof(d->reset_why));

	DEBUG_NOTICE("rebuilding the SIP stack: %s\n", d->reset_why);

	/* A network change keeps the registration: the same binding moves
	 * (reg_flow_reset(): new flow, same instance/reg-id, and the nonce
	 * the core accepted, so one round trip). Anything else: its flow,
	 * keep-alive and timers belong to the old transports. The reg event
	 * subscription's dialog is on the old transports either way. */
	d->regev = mem_deref(d->regev);
	keep = d->net_reset && d->reg;
	if (!keep) {
		d->reg  = mem_deref(d->reg);
		d->reg2 = mem_deref(d->reg2);
	}

	err = daemon_identity(d);
	if (err)
		goto out;

	/* a reload may name another interface, proxy or resolv.conf */
	if (!d->net_reset) {
		err = daemon_net_start(d);
		if (err)
			goto out;
	}

	err = ua_reset_transports(d->ua, d->cfg);
	if (err == ENETUNREACH) {
		/* no retry timer: netlife.c calls when a network is there */
		DEBUG_NOTICE("no network: the SIP stack waits for one\n");
		reg_hold(d->reg);
		reg_hold(d->reg2);
		return err;
	}
	if (err)
		goto out;

	err = coretrust_reset(d->ct, d->cfg, d->cuser);
	if (err)
		goto out;

	err = options_alloc(&opt, ua_sip(d->ua), d->cuser, d->allow,
			    daemon_contact_params, daemon_accept_types, d->cfg->uaprof_url, d);
	if (err)
		goto out;
	mem_deref(d->opt);
	d->opt = opt;

	err = sessmode_reset(d->sess, d->cfg, d->cuser, ua_laddr(d->ua));
	if (err)
		goto out;

	if (keep) {
		err = daemon_regevent_setup(d, d->cfg);
		reg_flow_reset(d->reg, why);
		reg_flow_reset(d->reg2, why);
	}
	else {
		err = daemon_reg_start(d);
	}

 out:
	if (err) {
		DEBUG_WARNING("SIP stack not rebuilt (%m); again in %u s\n",
			      err, RESET_RETRY_MS / 1000);
		tmr_start(&d->tmr_reset, RESET_RETRY_MS, daemon_reset_tmr, d);
	}

	return err;
}


static bool streq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}


/* Does the binding stay the same one (so the new REGISTER replaces it)? */
static bool same_binding(const struct config *a, const struct config *b)
{
	return streq(a->sip_aor, b->sip_aor) &&
		streq(a->sip_registrar, b->sip_registrar) &&
		streq(a->state_dir, b->state_dir) &&
		streq(a->sip_instance, b->sip_instance);
}


/**
 * Apply a reloaded configuration (SIGHUP): every module takes the new
 * one through its *_set_config(), the one reload path.
 *
 * What a changed key takes is its row's reload class (src/config/
 * keys.c): app lines and delivery limits apply at once and a changed
 * app set re-REGISTERs; keys that shape the SIP stack (addresses,
 * transports, registrar, credentials, TLS) rebuild it with
 * daemon_reset_stack() (another identity removes its old binding
 * first); ipc_socket and user need a restart, which is logged.
 */
int daemon_reload(struct daemon *d, struct config *cfg)
{
	char keys[256], stack[200];
	bool same;

	if (!d || !cfg)
		return EINVAL;

	if (config_keys_changed(d->cfg, cfg, CONFIG_RELOAD_RESTART, keys,
				sizeof(keys)))
		DEBUG_WARNING("reload: %s changed; that takes effect after a "
			      "restart (the other keys apply now)\n", keys);

	(void)config_keys_changed(d->cfg, cfg, CONFIG_RELOAD_STACK, stack,
				  sizeof(stack));
	same = same_binding(d->cfg, cfg);

	pager_set_config(d->pager, cfg);
	sessmode_set_config(d->sess, cfg);
	deliver_set_config(d->dlv, cfg);
	activate_set_config(d->act, cfg);
	pushstore_set_config(d->pstore, cfg);
	imdnhook_set_config(d->imdn, cfg);
	(void)daemon_acl_setup(d, cfg);
	mem_deref(d->cfg);
	d->cfg = mem_ref(cfg);

	DEBUG_INFO("configuration reloaded from %s\n", cfg->path);

	if (stack[0]) {
		(void)re_snprintf(d->reset_why, sizeof(d->reset_why),
				  "reload: %s changed", stack);

		if (same || !d->reg || d->unreg) {
			(void)daemon_reset_stack(d, d->reset_why);
		}
		else {
			/* another identity: the old binding goes first
			 * (bounded wait), on the old transports */
			d->regev  = mem_deref(d->regev);
			d->unreg  = d->reg;
			d->unreg2 = d->reg2;
			d->reg  = NULL;
			d->reg2 = NULL;
			d->unregc = d->unreg2 ? 2 : 1;
			tmr_start(&d->tmr_reset, STOP_UNREG_MS, daemon_reset_tmr, d);
			reg_unregister(d->unreg2, unreg_done_reset, d);
			reg_unregister(d->unreg, unreg_done_reset, d);
		}
	}

	return appset_set_static(d->apps,
				 (const char (*)[APPID_SIZE])cfg->apps,
				 cfg->appc);
}
