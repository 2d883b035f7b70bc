/* config.h: the daemon's run-time configuration: its values, and the parser of sippushd.conf and drop-in files. */
#ifndef SIPPUSH_CONFIG_H
#define SIPPUSH_CONFIG_H

#include "appid.h"

/* Transport bits for config.transports */
enum {
	CFG_TP_UDP = 1u << 0,
	CFG_TP_TCP = 1u << 1,
	CFG_TP_TLS = 1u << 2,
};

/*
 * Parsed configuration: a value object, read-only once loaded. Modules
 * that read it hold a reference (mem_ref) and take the new one on reload
 * (<module>_set_config()); nobody copies values out of it.
 *
 * Every key is one row of the table in src/config/keys.c (name, value
 * type and limits, field, default, Kconfig feature, reload class); a new
 * key is that row plus its field here. See doc/architecture.md.
 */
struct config {
	char *path;
	char *sip_aor;
	char *sip_registrar;
	char *sip_auth_user;
	char *sip_auth_pass;
	char *sip_listen;        /* "addr:port"; NULL = address towards registrar */
	unsigned transports;     /* CFG_TP_* */
	uint32_t sip_expires;    /* s */
	uint32_t sip_keepalive;  /* s, CRLF keep-alive on TCP/TLS flows */
	char *sip_instance;      /* "urn:uuid:..."; NULL = kept in state_dir */
	char *state_dir;
	char *ipc_socket;
	char *ipc_group;         /* the socket's group; NULL = the user's */
	char *spool_dir;         /* MSRP content while it arrives (RAM) */
	char (*apps)[APPID_SIZE];/* static app IDs, canonical */
	size_t appc;
	char *tls_ca_file;
	char *tls_cert_file;
	char *tls_host;          /* name to verify; NULL = registrar's host */
	char *uaprof_url;        /* our UAProf document (Contact, OPTIONS) */
	bool tls_verify;
	bool reg_event;          /* SUBSCRIBE to our reg event (RFC 3680) */
	bool publish;            /* PUBLISH our capabilities (RFC 3903) */
	uint32_t max_message_size;  /* bytes of MESSAGE body */
	uint32_t ack_timeout;       /* ms an app has to ACK */
	uint32_t udp_rcvbuf;        /* bytes, SO_RCVBUF of SIP UDP; 0 = kernel's */
	uint32_t retry_after;       /* s, Retry-After on 480 */
	uint32_t max_pending;       /* pushes waiting for an app's verdict */
	uint32_t sender_rate;       /* pushes/s one sender may send; 0 any */
	uint32_t sip_conn_max;      /* SIP TCP/TLS connections accepted */
	char *msrp_listen;          /* "addr:port"; NULL = SIP address, port 0 */
	uint64_t msrp_max_size;     /* bytes (configured in MiB) */
	uint64_t spool_max_size;    /* bytes of all messages in progress (MiB) */
	uint32_t msrp_conn_max;     /* MSRP connections accepted */
	uint32_t msrp_connect_timeout; /* s until the MSRP connection binds */
	uint32_t msrp_idle_timeout;    /* s without progress, then BYE */
	char *msrp_relay;           /* msrp[s]://IP:port of our relay, or NULL */
	char *msrp_relay_user;      /* digest credentials for its AUTH */
	char *msrp_relay_pass;
	struct config_route *routes;   /* route_ctype lines */
	size_t routec;
	struct config_sender *senders; /* app_sender lines */
	size_t senderc;
	struct config_trusted *trusted; /* sip_trusted lines: the core */
	size_t trustedc;
	char *user;              /* account to run as when started as root */
	struct config_exec *execs;     /* app_exec lines, exec_dir's too */
	size_t execc;
	char *exec_dir;                /* drop-ins with app_exec lines */
	uint32_t activation_timeout;   /* ms a held push waits for its app */
	struct config_store *stores;   /* app_store lines */
	size_t storec;
	char *store_dir;               /* NULL: state_dir/store */
	char *sip_interface;     /* use this interface's address; NULL any */
	uint32_t sip_keepalive_udp; /* s, STUN keep-alive on UDP; 0 off */
	char *resolv_conf;       /* name servers from here, watched */
	struct config_proxy *proxies;  /* sip_outbound_proxy lines: a flow each */
	size_t proxyc;
	struct config_acl *acls;       /* app_acl lines (acl.c) */
	size_t aclc;
	char *acl_dir;                 /* drop-ins with app_acl lines */
	unsigned acl_default;          /* CONFIG_ACL_ALLOW or _DENY */
};

enum {
	CONFIG_ACL_ALLOW = 0,          /* acl_default's words, in order */
	CONFIG_ACL_DENY  = 1,
	CONFIG_ACL_LINE  = 512,        /* acl.h ACL_LINE_MAX */
};

/** app_acl APP RIGHTS WHO...: which local users may do what with APP */
struct config_acl {
	char rule[CONFIG_ACL_LINE + 1];
};

enum {
	CONFIG_EXEC_MAX   = 511,       /* app_exec command, arguments included */
	CONFIG_EXEC_ARGS  = 16,        /* words of it */
};

/** app_exec APP COMMAND [ARGS...]: start COMMAND when a push for APP finds
 *  no owner (activate.c); no shell: words split at blanks */
struct config_exec {
	char appid[APPID_SIZE];
	char cmd[CONFIG_EXEC_MAX + 1];
};

/** app_store APP COUNT BYTES: keep pushes for APP while it is away */
struct config_store {
	char appid[APPID_SIZE];
	uint32_t count;
	uint32_t bytes;
};

/** sip_outbound_proxy URI: the first hop of one registration flow */
struct config_proxy {
	char uri[256];
};

/** sip_trusted ENTRY: a source of the core (address, CIDR, host name) */
struct config_trusted {
	char entry[256];
};

/** route_ctype TYPE APP: content-type fallback when no app ID is given */
struct config_route {
	char ctype[128];
	char appid[APPID_SIZE];
};

/** app_sender APP PATTERN: who may push to APP (no line: anybody) */
struct config_sender {
	char appid[APPID_SIZE];
	char pattern[256];     /* "sip:user@host", "*@host" or "*" */
	bool asserted;         /* only as P-Asserted-Identity ("asserted") */
};

/** What applying a changed key takes (the highest one wins) */
enum config_reload {
	CONFIG_RELOAD_NOW,       /* applies at once */
	CONFIG_RELOAD_STACK,     /* rebuilds the SIP stack and registration */
	CONFIG_RELOAD_RESTART,   /* needs a restart */
};

int config_load(struct config **cfgp, const char *path, char *err,
		size_t errsz);
int config_parse(struct config **cfgp, const char *name, const char *buf,
		 size_t len, char *err, size_t errsz);

/* Lines from more than one file (a main file, drop-in directories):
 * errors name FILE:LINE of the file they are in; a non-repeatable key is
 * still allowed once in all of them together. */
struct config_parser;
int config_parser_alloc(struct config_parser **pp, char *err, size_t errsz);
int config_parser_text(struct config_parser *p, const char *name,
		       const char *buf, size_t len);
int config_parser_file(struct config_parser *p, const char *path);
int config_parser_dir(struct config_parser *p, const char *dir);
int config_parser_done(struct config_parser *p, struct config **cfgp);

enum config_reload config_changes(const struct config *a,
				  const struct config *b, char *keys,
				  size_t sz);
unsigned config_keys_changed(const struct config *a, const struct config *b,
			     enum config_reload cls, char *keys, size_t sz);
bool config_sip_equal(const struct config *a, const struct config *b);

/* The keys, for the documentation checks and `-t` */
const char *config_key_name(size_t i);
const char *config_key_feature(size_t i);
enum config_reload config_key_reload(size_t i);

#endif
