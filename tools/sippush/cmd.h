/* cmd.h: the sippush subcommands and what they share. */
#ifndef SIPPUSH_CMD_H
#define SIPPUSH_CMD_H

/* Exit codes, the same for every subcommand (sippush -h lists them). */
enum {
	CLI_EXIT_OK      = 0,
	CLI_EXIT_FAIL    = 1,   /* failure at run time */
	CLI_EXIT_USAGE   = 2,
	CLI_EXIT_CONNECT = 3,   /* no daemon, or no access to its socket */
	CLI_EXIT_REFUSED = 4,   /* the daemon said ERR to what we asked */
};

struct sippush;

/* Socket path: -S, else $SIPPUSH_SOCKET, else the default. Set by main()
 * before any cmd_*() runs. */
extern const char *cli_socket;

/* Connect to cli_socket; on failure says why on stderr and returns NULL
 * (exit with CLI_EXIT_CONNECT). */
struct sippush *cli_connect(void);

/* Subcommands: argv[0] is the subcommand's name, and getopt is reset
 * (optind = 0), so each parses its own options from argv. */
int cmd_listen(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_send(int argc, char **argv);    /* tools/sippush/send.c */

/* Bodies above this go by MSRP even without --msrp: a MESSAGE must stay
 * well under 64 KiB on any transport (RFC 3428 §7). */
#define SEND_PAGER_MAX 60000

/* What cmd_send() hands to the session-mode sender; the strings are
 * validated by send_msrp() (usage errors there exit 2). */
struct send_msrp_opts {
	const char *proxy;       /* --proxy URI: the outbound route */
	const char *to;          /* --to AOR */
	const char *from;
	const char *ftag;        /* Accept-Contact +g.oma.pusheventapp value */
	const char *type;        /* --type */
	const char *file;        /* --file, or NULL with --data */
	const char *data;
	const char *hdrs;        /* extra SIP header lines, each ending CRLF */
	const char *chunk_size;  /* --chunk-size, NULL: 65536 */
	const char *setup;       /* --setup, NULL: actpass */
	const char *order;       /* --order, NULL: forward */
	const char *interleave;  /* --interleave FILE2 */
	const char *interleave_type;
	const char *abort_after; /* --abort-after BYTES */
	int total_star;          /* --total-star */
	int force;               /* --force: ignore a=max-size/accept-types */
	int tls;                 /* --tls: TCP/TLS/MSRP, msrps: paths */
	const char *ca;          /* --ca FILE: verify the receiver we dial */
	const char *cert;        /* --cert FILE: cert+key PEM, when it dials */
	unsigned timeout;        /* s of inactivity */
};

struct sa;

/* Session mode: INVITE with an MSRP offer, the body as one chunked MSRP
 * message, BYE. laddr: local address towards the proxy (port 0). Returns
 * the exit code (tools/sippush/send_msrp.c). */
int send_msrp(const struct send_msrp_opts *o, const struct sa *laddr);

#endif
