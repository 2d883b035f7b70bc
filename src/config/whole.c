/* whole.c: what no single configuration line can say: required keys, keys that go together, drop-ins, advertised IDs. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "config.h"
#include "config_priv.h"

#define DEBUG_MODULE "config"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


static int check_registrar(struct parse *ps)
{
	struct config *cfg = ps->cfg;
	struct uri uri;
	struct pl tp;

	/* the registrar's transport must be one we run */
	(void)uri_decode(&uri, &(struct pl){cfg->sip_registrar,
					    strlen(cfg->sip_registrar)});
	if (!msg_param_decode(&uri.params, "transport", &tp)) {
		unsigned want = !pl_strcasecmp(&tp, "udp") ? CFG_TP_UDP :
			!pl_strcasecmp(&tp, "tcp") ? CFG_TP_TCP :
			!pl_strcasecmp(&tp, "tls") ? CFG_TP_TLS : 0;

		if (!want)
			return config_fail(ps, "sip_registrar", "unknown "
					   "transport '%r'", &tp);

		/* no sip_transports line: run what the registrar needs */
		if (!config_seen(ps, "sip_transports") &&
		    want == CFG_TP_TLS) {
			if (!CONFIG_TLS)
				return config_fail(ps, "sip_registrar",
						   "transport=tls but TLS is "
						   "not built in "
						   "(CONFIG_TLS)");
			cfg->transports |= CFG_TP_TLS;
		}
		if (!(cfg->transports & want))
			return config_fail(ps, "sip_registrar", "transport=%r "
					   "is not in sip_transports", &tp);
	}
	else if (!pl_strcasecmp(&uri.scheme, "sips") &&
		 !(cfg->transports & CFG_TP_TLS)) {
		if (!CONFIG_TLS || config_seen(ps, "sip_transports"))
			return config_fail(ps, "sip_registrar", "sips: needs "
					   "tls in sip_transports");
		cfg->transports |= CFG_TP_TLS;
	}

	return 0;
}


/* An app with a command or a store is served while nobody runs it:
 * it is advertised as if it had an app line. */
static int advertise(struct parse *ps, const char *key, const char *appid)
{
	struct config *cfg = ps->cfg;
	char (*apps)[APPID_SIZE];

	for (size_t i = 0; i < cfg->appc; i++)
		if (!strcmp(cfg->apps[i], appid))
			return 0;

	if (cfg->appc >= APPS_MAX)
		return config_fail(ps, key, "more than %u application IDs",
				   APPS_MAX);

	apps = cfg->apps ? mem_realloc(cfg->apps, (cfg->appc + 1) *
				       sizeof(*apps)) :
		mem_zalloc(sizeof(*apps), NULL);
	if (!apps)
		return ENOMEM;

	str_ncpy(apps[cfg->appc], appid, sizeof(apps[0]));
	cfg->apps = apps;
	++cfg->appc;

	return 0;
}


/** What no single line can say: required keys, keys that go together. */
int config_check_whole(struct parse *ps)
{
	struct config *cfg = ps->cfg;
	int err;

	ps->line = 0;

	/* packages ship their apps' commands as drop-ins (acl.d style) */
	if (cfg->exec_dir) {
		err = config_dropins(ps, cfg->exec_dir, "app_exec");
		if (err)
			return err;
	}

	for (size_t i = 0; i < cfg->execc; i++) {
		err = advertise(ps, "app_exec", cfg->execs[i].appid);
		if (err)
			return err;
	}
	for (size_t i = 0; i < cfg->storec; i++) {
		err = advertise(ps, "app_store", cfg->stores[i].appid);
		if (err)
			return err;
	}

	for (size_t i = 0; i < config_nkeys; i++) {
		const struct ckey *k = &config_keys[i];

		if (k->required && !*(char **)(void *)((uint8_t *)cfg + k->off))
			return config_fail(ps, k->name, "required key is "
					   "missing");
	}

	if (!cfg->sip_auth_user != !cfg->sip_auth_pass)
		return config_fail(ps, cfg->sip_auth_user ? "sip_auth_pass" :
				   "sip_auth_user", "sip_auth_user and "
				   "sip_auth_pass go together");

	err = check_registrar(ps);
	if (err)
		return err;

	if (!cfg->msrp_relay_user != !cfg->msrp_relay_pass)
		return config_fail(ps, cfg->msrp_relay_user ?
				   "msrp_relay_pass" : "msrp_relay_user",
				   "msrp_relay_user and msrp_relay_pass go "
				   "together");
	if (cfg->msrp_relay_user && !cfg->msrp_relay)
		return config_fail(ps, "msrp_relay_user", "needs msrp_relay");

	if ((cfg->transports & CFG_TP_TLS) && cfg->tls_verify &&
	    !cfg->tls_ca_file) {
		/* verification against the system store would silently trust
		 * any public CA for the operator's core: ask for the CA */
		return config_fail(ps, "tls_ca_file", "required when tls is "
				   "in sip_transports and tls_verify is yes");
	}

	/* the relay is the operator's too: the SIP account unless told */
	if (cfg->msrp_relay && !cfg->msrp_relay_user && cfg->sip_auth_user) {
		err  = str_dup(&cfg->msrp_relay_user, cfg->sip_auth_user);
		err |= str_dup(&cfg->msrp_relay_pass, cfg->sip_auth_pass);
		if (err)
			return ENOMEM;
	}

	return 0;
}
