/* config.h: the daemon's run-time configuration (file format and values). */
#ifndef SIPPUSH_CONFIG_H
#define SIPPUSH_CONFIG_H

#include "appid.h"

/* Transport bits for config.transports */
enum {
	CFG_TP_UDP = 1u << 0,
	CFG_TP_TCP = 1u << 1,
	CFG_TP_TLS = 1u << 2,
};

/** Parsed configuration: a value object, read-only once loaded. */
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
	char (*apps)[APPID_SIZE];/* static app IDs, canonical */
	size_t appc;
	char *tls_ca_file;
	char *tls_cert_file;
	char *tls_host;          /* name to verify; NULL = registrar's host */
	bool tls_verify;
	uint32_t max_message_size;  /* bytes of MESSAGE body */
	uint32_t ack_timeout;       /* ms an app has to ACK */
	uint32_t udp_rcvbuf;        /* bytes, SO_RCVBUF of SIP UDP; 0 = kernel's */
	uint32_t retry_after;       /* s, Retry-After on 480 */
	uint32_t max_pending;       /* pushes waiting for an app's verdict */
	char *msrp_listen;          /* "addr:port"; NULL = SIP address, port 0 */
	uint64_t msrp_max_size;     /* bytes (configured in MiB) */
	uint32_t msrp_connect_timeout; /* s until the MSRP connection binds */
	uint32_t msrp_idle_timeout;    /* s without progress, then BYE */
	char *msrp_relay;           /* msrp[s]://IP:port of our relay, or NULL */
	char *msrp_relay_user;      /* digest credentials for its AUTH */
	char *msrp_relay_pass;
	struct config_route *routes;   /* route_ctype lines */
	size_t routec;
	struct config_sender *senders; /* app_sender lines */
	size_t senderc;
	char *user;              /* account to run as when started as root */
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
};

int config_load(struct config **cfgp, const char *path, char *err,
		size_t errsz);
int config_parse(struct config **cfgp, const char *name, const char *buf,
		 size_t len, char *err, size_t errsz);
bool config_sip_equal(const struct config *a, const struct config *b);

#endif
