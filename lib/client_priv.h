/* client_priv.h: what libsippush's files share: the handle, queued records, internal calls. */
#ifndef SIPPUSH_CLIENT_PRIV_H
#define SIPPUSH_CLIENT_PRIV_H

/* Internal names start with spc_; the shared library hides them
 * (-fvisibility=hidden), the static one cannot. */

enum {
	DEFAULT_TIMEOUT_MS = 5000,
	CONNECT_RETRY_MS   = 20,     /* backlog full: the daemon is busy */
	RECONNECT_MIN_MS   = 100,    /* sippush_reconnect(): first pause */
	RECONNECT_MAX_MS   = 2000,   /* ... doubling up to this */
	SUBS_MAX           = 16,     /* the daemon's subscriptions per
				      * connection (doc/ipc.md) */
	HDR_LINE_MAX       = 512,    /* one header line, LF included */
	REPLY_LINE_MAX     = 512,
	ID_DIGITS          = 20,
};

struct rec {
	struct rec *next;
	int err;                 /* a skipped message, reported in order */
	int fd;                  /* a body passed as a file, or -1 */
	struct sippush_push p;
	const char *hdr_end;     /* end of the parsed header lines in data */
	size_t size;
	char data[];             /* the record, parsed in place; NUL after */
};

/* A subscription as made, to make it again after a reconnect */
struct sub {
	char appid[SIPPUSH_APPID_MAX + 1];   /* canonical, from the reply */
	char line[SIPPUSH_CMD_MAX];          /* the SUBSCRIBE command */
};

struct sippush {
	int fd;
	int timeout_ms;
	unsigned skip;           /* replies owed to commands that gave up,
				  * and to asynchronous ACK/NACKs */
	unsigned skip_err;       /* of those, how many were ERR */
	unsigned nq;
	char *path;              /* socket path (sippush_open) or NULL */
	struct sub subs[SUBS_MAX];
	unsigned nsubs;
	bool gone;               /* the daemon closed the connection */
	struct rec *head, *tail;
	struct rec *cur;         /* what the last sippush_recv() returned */
	int rxfd;                /* fd that came with the last message, or -1 */
	char reply[REPLY_LINE_MAX];
	uint8_t buf[SIPPUSH_RECORD_MAX + 1];
};

int64_t spc_now_ms(void);
int64_t spc_deadline_of(int timeout_ms);
void spc_drop_rxfd(struct sippush *c);
int  spc_parse_record(struct rec *r);
int  spc_command(struct sippush *c, const char *line, size_t *rlen);
bool spc_word_ok(const char *s);
int  spc_hello(struct sippush *c);
int  spc_connect_to(const char *path, int *fdp);
void spc_flush_queue(struct sippush *c);

#endif
