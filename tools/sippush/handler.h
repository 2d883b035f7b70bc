/* handler.h: "sippush listen --exec": one run of a command per push, its exit status the verdict. */
#ifndef SIPPUSH_HANDLER_H
#define SIPPUSH_HANDLER_H

#include <stdbool.h>
#include <stddef.h>

struct sippush;
struct sippush_push;

enum {
	HANDLER_MAP_MAX    = 32,     /* --nack-code entries */
	HANDLER_TIMEOUT_MS = 4000,   /* default: below the daemon's default
				      * ack_timeout (5000 ms) */
	HANDLER_REASON_MAX = 64,
};

struct handler_map {
	int exit;                /* 1..255 */
	unsigned code;           /* 400..699 */
};

/** How to run it; set up once by listen. */
struct handler {
	char *const *argv;       /* CMD [ARGS]; CMD looked up in PATH */
	unsigned timeout_ms;     /* then the process group is killed */
	const char *socket;      /* SIPPUSH_SOCKET for the command */
	const char *dir;         /* NULL, or where the body and meta files
				  * are (SIPPUSH_BODY, SIPPUSH_META) */
	struct handler_map map[HANDLER_MAP_MAX];
	size_t mapc;
};

/** What came of one run. */
struct handler_verdict {
	unsigned code;           /* 0: ACK; else the NACK's SIP status */
	char reason[HANDLER_REASON_MAX];
	int exit;                /* exit status; 128+N killed by signal N;
				  * -1 did not run */
	bool timed_out;
};

int  handler_map_add(struct handler *h, const char *spec);
unsigned handler_code_of(const struct handler *h, int exit, char *reason,
			 size_t sz);
int  handler_run(const struct handler *h, const struct sippush *c,
		 const struct sippush_push *p, struct handler_verdict *v);

#endif
