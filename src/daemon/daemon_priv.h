/* daemon_priv.h: what the files of src/daemon/ share: the daemon's state and their hooks into each other. */
#ifndef SIPPUSH_DAEMON_PRIV_H
#define SIPPUSH_DAEMON_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include "instance.h"
#include "daemon.h"

/*
 * One struct daemon owns every module (life.c builds and tears them
 * down in data-flow order). The other files are the daemon's side of
 * each module's handlers:
 *   ipchooks.c  local apps' requests into router, delivery, IMDN
 *   binding.c   our binding at the core: Contact, REGISTER flows,
 *               reg event, route set
 *   net.c       netlife.c's verdicts on the network, applied to the stack
 *   reset.c     rebuilding the stack, reload
 */

enum {
	STOP_UNREG_MS = 2000,   /* how long shutdown waits for the un-REGISTER;
				 * a new identity on reload too */
	STOP_CLOSE_MS = 1000,   /* then how long for the stack to drain */
	RESET_RETRY_MS = 2000,  /* a stack rebuild that failed, again */
	ALLOW_SIZE    = 64,
	APPS_COALESCE_MS = 1000, /* app-set changes: one REGISTER a window */
};

struct daemon {
	struct config *cfg;
	struct ua *ua;
	struct intake *intake;   /* the first look at every request */
	struct coretrust *ct;    /* requests only from the core */
	struct reqcheck *reqcheck; /* RFC 3261 §8.2 (reqcheck.c) */
	struct appset *apps;
	struct reg *reg;
	struct regevent *regev;  /* reg_event yes */
	struct route_set *routes; /* of our own out-of-dialog requests */
	struct reg *reg2;        /* a second flow (second outbound proxy) */
	struct netlife *nl;      /* follows the network (netlife.c) */
	struct options *opt;
	struct router *router;
	struct deliver *dlv;
	struct imdnhook *imdn;     /* IMDN (imdnhook.c) */
	struct pubhook *pub;       /* publish yes (pubhook.c) */
	struct activate *act;      /* app_exec: started on demand */
	struct pushstore *pstore;  /* app_store: kept while away */
	struct absent *ab;         /* which of the two, for the intakes */
	struct pager *pager;
	struct sessmode *sess;
	struct ipc *ipc;
	struct acl *acl;         /* what local clients may do (authz.c) */
	struct statelock *lock;  /* state_dir is ours (statelock.c) */
	char *cuser;
	char instance[INSTANCE_SIZE];
	char allow[ALLOW_SIZE];  /* the methods we take, for Allow */
	struct reg *unreg;       /* the old identity's binding, going away */
	struct reg *unreg2;      /* ... and its second flow's */
	struct tmr tmr_reset;    /* a rebuild waiting (un-REGISTER, retry) */
	char reset_why[128];
	struct tmr tmr_stop;
	struct tmr tmr_apps;     /* the app set changed: REGISTER soon */
	uint64_t apps_sent;      /* ms: the last such REGISTER */
	daemon_exit_h *exith;
	void *arg;
	uint32_t unregc;         /* un-REGISTERs not answered yet (stop, reload) */
	bool stopping;
	bool net_reset;          /* the rebuild is for a network change */
};

struct re_printf;
struct sa;

/* life.c */
int  daemon_identity(struct daemon *d);

/* ipchooks.c */
extern const struct ipc_handlers daemon_ipc_handlers;
int  daemon_acl_setup(struct daemon *d, const struct config *cfg);

/* binding.c */
int  daemon_contact_params(struct re_printf *pf, void *arg);
int  daemon_accept_types(struct re_printf *pf, void *arg);
void daemon_apps_changed(void *arg);
int  daemon_regevent_setup(struct daemon *d, const struct config *cfg);
int  daemon_reg_start(struct daemon *d);

/* net.c */
int  daemon_net_start(struct daemon *d);

/* core.c */
int  daemon_intake_start(struct daemon *d);
void daemon_reg_dst(const struct sa *dst, void *arg);
void daemon_core_registered(struct daemon *d);

/* reset.c */
void daemon_reset_tmr(void *arg);

#endif
