/* life.c: builds the daemon from the configuration and owns every module; shutdown, readiness. */
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "absent.h"
#include "activate.h"
#include "appset.h"
#include "deliver.h"
#include "imdnhook.h"
#include "intake.h"
#include "ipc.h"
#include "log.h"
#include "netlife.h"
#include "options.h"
#include "pager.h"
#include "push.h"
#include "pushstore.h"
#include "pubhook.h"
#include "reg.h"
#include "regevent.h"
#include "route.h"
#include "router.h"
#include "sessmode.h"
#include "statelock.h"
#include "ua.h"
#include "daemon_priv.h"

#define DEBUG_MODULE "daemon"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


static void destructor(void *arg)
{
	struct daemon *d = arg;

	/* in data-flow order; pointers are cleared as we go because the
	 * IPC teardown still calls back into delivery and routing */
	d->stopping = true;
	tmr_cancel(&d->tmr_stop);
	tmr_cancel(&d->tmr_reset);
	tmr_cancel(&d->tmr_apps);
	d->unreg  = mem_deref(d->unreg);
	d->unreg2 = mem_deref(d->unreg2);
	d->regev  = mem_deref(d->regev);
	d->pub    = mem_deref(d->pub);
	d->routes = mem_deref(d->routes);
	d->reg    = mem_deref(d->reg);
	d->reg2   = mem_deref(d->reg2);
	d->nl     = mem_deref(d->nl);
	d->opt    = mem_deref(d->opt);
	d->pager  = mem_deref(d->pager);
	d->sess   = mem_deref(d->sess);
	d->ipc    = mem_deref(d->ipc);
	d->acl    = mem_deref(d->acl);
	d->ab     = mem_deref(d->ab);
	d->act    = mem_deref(d->act);
	d->pstore = mem_deref(d->pstore);
	d->imdn   = mem_deref(d->imdn);
	d->dlv    = mem_deref(d->dlv);
	d->router = mem_deref(d->router);
	d->apps   = mem_deref(d->apps);
	d->intake = mem_deref(d->intake);
	d->reqcheck = mem_deref(d->reqcheck);   /* after its intake */
	d->ct     = mem_deref(d->ct);
	d->ua     = mem_deref(d->ua);
	d->cuser  = mem_deref(d->cuser);
	d->cfg    = mem_deref(d->cfg);
	d->lock   = mem_deref(d->lock);   /* last: nothing in it is used */
}


/* Every push's verdict, once (deliver.h): the seam where IMDN, an app
 * launcher, a store or counters hook in; today a debug line. */
static void verdict_log(const struct push *p, uint16_t scode,
			const char *reason, void *arg)
{
	(void)arg;
	(void)p;
	(void)scode;
	(void)reason;

	DEBUG_PRINTF("push %llu for %s: %u %s\n", (unsigned long long)p->id,
		     p->appid ? p->appid : "-", scode, reason);
}


/* an in-dialog MESSAGE: one of our push sessions, or not ours at all */
static bool in_session(const struct sip_msg *msg, void *arg)
{
	struct daemon *d = arg;

	return sessmode_has_dialog(d->sess, msg);
}


static int make_state_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;

	if (errno != ENOENT)
		return errno;

	return mkdir(dir, 0750) < 0 ? errno : 0;
}


/* Contact user = the AOR's user part, so requests routed back to the
 * Contact still name the user they were for. REGISTER, OPTIONS and the
 * INVITE answer all use this one. */
static int user_part(char **cuser, const char *aor)
{
	struct sip_addr addr;
	struct pl pl;

	pl_set_str(&pl, aor);
	if (sip_addr_decode(&addr, &pl) || !pl_isset(&addr.uri.user))
		return str_dup(cuser, "sippushd");

	return pl_strdup(cuser, &addr.uri.user);
}


/* Who we are at the core: state_dir, the instance in it, the Contact
 * user of the AOR (computed once, here, for REGISTER, OPTIONS and the
 * INVITE answer) */
int daemon_identity(struct daemon *d)
{
	const struct config *cfg = d->cfg;
	char *cuser = NULL;
	int err;

	err = make_state_dir(cfg->state_dir);
	if (err) {
		DEBUG_WARNING("state_dir %s: %m\n", cfg->state_dir, err);
		return err;
	}

	/* one daemon per state_dir: locked before anything in it is
	 * touched (a second one cleaned the first one's spool) */
	if (!statelock_holds(d->lock, cfg->state_dir)) {
		struct statelock *lock = NULL;

		err = statelock_take(&lock, cfg->state_dir);
		if (err)
			return err;
		mem_deref(d->lock);
		d->lock = lock;
	}

	err = instance_get(d->instance, sizeof(d->instance),
			   cfg->sip_instance, cfg->state_dir);
	if (err)
		return err;

	err = user_part(&cuser, cfg->sip_aor);
	if (err)
		return err;

	mem_deref(d->cuser);
	d->cuser = cuser;

	return 0;
}


/**
 * Build every module from the configuration and start registering.
 *
 * @param dp   Pointer to allocated daemon
 * @param cfg  Configuration; the daemon takes a reference
 */
int daemon_alloc(struct daemon **dp, struct config *cfg)
{
	struct daemon *d;
	int err;

	if (!dp || !cfg)
		return EINVAL;

	d = mem_zalloc(sizeof(*d), destructor);
	if (!d)
		return ENOMEM;

	tmr_init(&d->tmr_stop);
	tmr_init(&d->tmr_reset);
	tmr_init(&d->tmr_apps);
	d->cfg = mem_ref(cfg);
	(void)re_snprintf(d->allow, sizeof(d->allow), "%sMESSAGE, OPTIONS",
			  sessmode_methods());

	err = daemon_identity(d);
	if (err)
		goto out;

	/* before the stack: its first look says whether there is a network
	 * (no: the stack starts without transports, and waits) */
	err = daemon_net_start(d);
	if (err)
		goto out;

	err = ua_alloc(&d->ua, cfg);
	if (err)
		goto out;

	err = daemon_intake_start(d);
	if (err)
		goto out;

	err = appset_alloc(&d->apps, daemon_apps_changed, d);
	if (err)
		goto out;

	err = appset_set_static(d->apps, (const char (*)[APPID_SIZE])cfg->apps,
				cfg->appc);
	if (err)
		goto out;

	err = options_alloc(&d->opt, ua_sip(d->ua), d->cuser, d->allow,
			    daemon_contact_params, daemon_accept_types, cfg->uaprof_url, d);
	if (err)
		goto out;

	err = router_alloc(&d->router, d->apps, IPC_MAX_SUBS);
	if (err)
		goto out;

	err = deliver_alloc(&d->dlv, cfg);
	if (err)
		goto out;

	err = deliver_observe(d->dlv, verdict_log, d);
	if (err)
		goto out;

	err = imdnhook_alloc(&d->imdn, ua_sip(d->ua), cfg, d->dlv, d->router);
	if (err)
		goto out;

	/* apps that are away: their commands' output goes where ours does */
	err = activate_alloc(&d->act, cfg, cfg->ipc_socket,
			     log_syslog() ? -1 : STDERR_FILENO);
	if (err)
		goto out;

	err = pushstore_alloc(&d->pstore, cfg, d->router, d->dlv);
	if (err)
		goto out;

	err = absent_alloc(&d->ab, d->act, d->pstore);
	if (err)
		goto out;

	err = pager_alloc(&d->pager, ua_sip(d->ua), cfg, d->router, d->apps,
			  d->dlv, in_session, d);
	if (err)
		goto out;

	pager_set_absent(d->pager, d->ab);

	err = sessmode_alloc(&d->sess, ua_sip(d->ua), cfg, d->cuser,
			     ua_laddr(d->ua), d->apps, d->router, d->dlv);
	if (err) {
		DEBUG_WARNING("session mode: %m\n", err);
		goto out;
	}

	sessmode_set_absent(d->sess, d->ab);

	err = daemon_acl_setup(d, cfg);
	if (err)
		goto out;

	err = ipc_alloc(&d->ipc, cfg->ipc_socket, &daemon_ipc_handlers, d);
	if (err) {
		DEBUG_WARNING("ipc_socket %s: %m\n", cfg->ipc_socket, err);
		goto out;
	}

	err = daemon_reg_start(d);

 out:
	if (err)
		mem_deref(d);
	else
		*dp = d;

	return err;
}


/** SIGCHLD: collect the app commands that ended (only ours). */
void daemon_child(struct daemon *d)
{
	if (d)
		activate_reap(d->act);
}


static void stack_closed(void *arg)
{
	struct daemon *d = arg;
	daemon_exit_h *h = d->exith;

	tmr_cancel(&d->tmr_stop);
	d->exith = NULL;
	if (h)
		h(d->arg);
}


static void close_stack(void *arg)
{
	struct daemon *d = arg;

	tmr_cancel(&d->tmr_reset);
	d->unreg  = mem_deref(d->unreg);
	d->unreg2 = mem_deref(d->unreg2);
	d->regev = mem_deref(d->regev);
	d->pub   = mem_deref(d->pub);
	d->reg   = mem_deref(d->reg);
	d->reg2  = mem_deref(d->reg2);
	d->nl    = mem_deref(d->nl);
	d->opt   = mem_deref(d->opt);
	d->pager = mem_deref(d->pager);
	d->sess  = mem_deref(d->sess);
	d->ipc   = mem_deref(d->ipc);
	tmr_start(&d->tmr_stop, STOP_CLOSE_MS, stack_closed, d);
	ua_close(d->ua, stack_closed, d);
}


/* One flow's un-REGISTER answered: the stack closes after the last. */
static void unreg_done(void *arg)
{
	struct daemon *d = arg;

	if (d->unregc && --d->unregc)
		return;

	tmr_cancel(&d->tmr_stop);
	close_stack(d);
}


/**
 * Shut down: remove the binding (bounded wait), drain the stack, then
 * call exith once.
 */
void daemon_stop(struct daemon *d, daemon_exit_h *exith, void *arg)
{
	if (!d || d->stopping)
		return;

	d->stopping = true;
	tmr_cancel(&d->tmr_apps);   /* no app-set REGISTER on the way out */
	d->exith    = exith;
	d->arg      = arg;

	DEBUG_INFO("stopping: removing registration\n");

	if (!d->reg) {
		/* never registered (no network since the start) */
		close_stack(d);
		return;
	}

	/* both flows' bindings go, each answered (or the bounded wait),
	 * and our publication (RFC 3903 §4.5) */
	d->unregc = d->reg2 ? 2 : 1;
	if (!pubhook_remove(d->pub, unreg_done, d))
		++d->unregc;
	tmr_start(&d->tmr_stop, STOP_UNREG_MS, close_stack, d);
	reg_unregister(d->reg2, unreg_done, d);
	reg_unregister(d->reg, unreg_done, d);
}


/** REGISTER requests sent so far (readiness: the first one is out). */
uint32_t daemon_reg_sent(const struct daemon *d)
{
	if (!d)
		return 0;

	/* waiting for a network counts: the daemon runs, apps may connect,
	 * and a service manager must not time the start out */
	if (!d->reg && !netlife_up(d->nl))
		return 1;

	return reg_sent(d->reg);
}
