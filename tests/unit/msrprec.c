/* msrprec.c: records MSRP parser callbacks, to compare one stream fed in different pieces. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "msrp.h"
#include "msrprec.h"

/* pending data run, flushed as one "D" line before the next event */
struct rec {
	struct msrprun *r;
	struct mbuf *pending;
	uint64_t chunk;      /* data bytes since the last start */
	bool dead;
};


/* A contract violation: counted, and logged so that a dump shows where.
 * Counted, not searched for in the log: body bytes may spell "BUG ". */
static void bug(struct msrprun *r, const char *what)
{
	++r->bugs;
	(void)mbuf_printf(r->log, "BUG %s", what);
}


static void flush(struct rec *rec)
{
	struct mbuf *mb = rec->pending;

	if (!mb || !mb->end)
		return;

	(void)mbuf_printf(rec->r->log, "D%zu:", mb->end);
	(void)mbuf_write_mem(rec->r->log, mb->buf, mb->end);
	(void)mbuf_write_str(rec->r->log, "\n");
	mbuf_rewind(mb);
}


static const char *rep_name(enum msrp_report rep)
{
	switch (rep) {

	case MSRP_REP_YES:     return "yes";
	case MSRP_REP_NO:      return "no";
	case MSRP_REP_PARTIAL: return "partial";
	default:               return "-";
	}
}


static int start_handler(const struct msrp_msg *msg, void *arg)
{
	struct rec *rec = arg;
	struct msrprun *r = rec->r;
	struct mbuf *log = r->log;

	flush(rec);
	if (rec->dead)
		bug(r, "start after error\n");

	r->last = *msg;
	++r->starts;
	rec->chunk = 0;

	(void)mbuf_printf(log, "S %s %s ",
			  msg->kind == MSRP_REQUEST ? "req" : "resp",
			  msg->tid);
	if (msg->kind == MSRP_REQUEST)
		(void)mbuf_printf(log, "%d:%s", msg->method,
				  msg->method_name);
	else
		(void)mbuf_printf(log, "%u[%s]", msg->scode, msg->comment);

	(void)mbuf_printf(log, " to=[%s] from=[%s] mid=[%s]", msg->to_path,
			  msg->from_path, msg->message_id);
	if (msg->has_range) {
		(void)mbuf_printf(log, " range=%llu-",
				  (unsigned long long)msg->range_start);
		if (msg->end_star)
			(void)mbuf_write_str(log, "*");
		else
			(void)mbuf_printf(log, "%llu",
					  (unsigned long long)msg->range_end);
		if (msg->total_star)
			(void)mbuf_write_str(log, "/*");
		else
			(void)mbuf_printf(log, "/%llu",
					  (unsigned long long)
					  msg->range_total);
	}
	(void)mbuf_printf(log, " sr=%s fr=%s status=%u ctype=[%s] body=%d\n",
			  rep_name(msg->success_report),
			  rep_name(msg->failure_report), msg->status,
			  msg->ctype, msg->has_body);

	return 0;
}


static int data_handler(const uint8_t *p, size_t n, void *arg)
{
	struct rec *rec = arg;

	if (!n)
		bug(rec->r, "empty data\n");
	if (rec->dead)
		bug(rec->r, "data after error\n");

	rec->r->data_bytes += n;
	rec->chunk += n;

	return mbuf_write_mem(rec->pending, p, n);
}


static int end_handler(const struct msrp_msg *msg, char flag, void *arg)
{
	struct rec *rec = arg;
	struct msrprun *r = rec->r;

	flush(rec);
	if (rec->dead)
		bug(r, "end after error\n");
	if (msg->body_len != rec->chunk)
		bug(r, "body_len != data bytes\n");
	if (!msg->has_body && msg->body_len)
		bug(r, "body_len without body\n");

	++r->ends;
	r->last_flag = flag;
	r->last.body_len = msg->body_len;

	(void)mbuf_printf(r->log, "E%c %llu\n", flag,
			  (unsigned long long)msg->body_len);

	return 0;
}


void msrprun_init(struct msrprun *r)
{
	memset(r, 0, sizeof(*r));
	r->log = mbuf_alloc(1024);
}


void msrprun_close(struct msrprun *r)
{
	r->log = mem_deref(r->log);
}


int msrprun_feed(struct msrprun *r, const uint8_t *buf, size_t len,
		 const size_t *cuts, size_t ncuts)
{
	struct msrp_parser *p = NULL;
	struct rec rec;
	size_t off = 0;
	int err;

	if (!r->log)
		return ENOMEM;

	memset(&rec, 0, sizeof(rec));
	rec.r = r;
	rec.pending = mbuf_alloc(256);
	if (!rec.pending)
		return ENOMEM;

	err = msrp_parser_alloc(&p, start_handler, data_handler, end_handler,
				&rec);
	if (err)
		goto out;

	for (size_t k = 0; k <= ncuts; k++) {
		const size_t e = k < ncuts ? cuts[k] : len;
		struct msrp_error me;
		uint8_t *piece;
		int ferr;

		if (e < off || e > len) {
			err = EINVAL;
			goto out;
		}

		/* an exact-size copy: reading past it is caught */
		piece = malloc(e - off ? e - off : 1);
		if (!piece) {
			err = ENOMEM;
			goto out;
		}
		memcpy(piece, buf + off, e - off);

		memset(&me, 0, sizeof(me));
		ferr = msrp_parser_feed(p, piece, e - off, &me);
		free(piece);
		off = e;

		if (!ferr)
			continue;

		if (!r->err) {
			r->err = ferr;
			r->e = me;
			rec.dead = true;
		}
		else if (ferr != r->err || me.scode != r->e.scode ||
			 me.reason != r->e.reason) {
			bug(r, "error changed\n");
		}
	}

	flush(&rec);
	(void)mbuf_printf(r->log, "R %d %u %s %s\n", r->err, r->e.scode,
			  r->e.reason ? r->e.reason : "-", r->e.tid);

 out:
	mem_deref(p);
	mem_deref(rec.pending);
	return err;
}


int msrprun_whole(struct msrprun *r, const uint8_t *buf, size_t len)
{
	return msrprun_feed(r, buf, len, NULL, 0);
}


int msrprun_bytes(struct msrprun *r, const uint8_t *buf, size_t len)
{
	size_t *cuts;
	int err;

	if (len < 2)
		return msrprun_whole(r, buf, len);

	cuts = malloc((len - 1) * sizeof(*cuts));
	if (!cuts)
		return ENOMEM;

	for (size_t i = 0; i < len - 1; i++)
		cuts[i] = i + 1;

	err = msrprun_feed(r, buf, len, cuts, len - 1);
	free(cuts);

	return err;
}


bool msrprun_equal(const struct msrprun *a, const struct msrprun *b)
{
	return a->err == b->err && a->e.scode == b->e.scode &&
		a->e.reason == b->e.reason && !strcmp(a->e.tid, b->e.tid) &&
		a->log && b->log && a->log->end == b->log->end &&
		!memcmp(a->log->buf, b->log->buf, a->log->end) &&
		!a->bugs && !b->bugs;
}


void msrprun_dump(const char *what, const struct msrprun *r)
{
	fprintf(stderr, "--- %s: err=%d\n%.*s---\n", what, r->err,
		r->log ? (int)r->log->end : 0,
		r->log ? (const char *)r->log->buf : "");
}


uint32_t msrprec_rand(uint32_t *state)
{
	uint32_t x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;

	return x;
}


static int cmp_size(const void *a, const void *b)
{
	const size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}


static unsigned compare(const struct msrprun *whole, struct msrprun *other,
			const char *what, unsigned bad)
{
	if (msrprun_equal(whole, other))
		return 0;

	if (!bad) {
		msrprun_dump("whole", whole);
		msrprun_dump(what, other);
	}

	return 1;
}


unsigned msrprec_check_splits(struct msrprun *whole, const uint8_t *buf,
			      size_t len, unsigned trials, uint32_t seed)
{
	struct msrprun r;
	size_t cuts[32];
	unsigned bad = 0;

	msrprun_init(whole);
	if (msrprun_whole(whole, buf, len))
		return 1;

	/* the whole run itself must be sane */
	if (whole->bugs) {
		msrprun_dump("whole", whole);
		++bad;
	}

	msrprun_init(&r);
	if (msrprun_bytes(&r, buf, len))
		++bad;
	bad += compare(whole, &r, "byte by byte", bad);
	msrprun_close(&r);

	for (size_t c = 1; c < len; c++) {
		msrprun_init(&r);
		if (msrprun_feed(&r, buf, len, &c, 1))
			++bad;
		bad += compare(whole, &r, "one cut", bad);
		msrprun_close(&r);
	}

	for (unsigned t = 0; t < trials && len > 1; t++) {
		const size_t n = 1 + msrprec_rand(&seed) % ARRAY_SIZE(cuts);

		for (size_t k = 0; k < n; k++)
			cuts[k] = msrprec_rand(&seed) % (len + 1);
		qsort(cuts, n, sizeof(cuts[0]), cmp_size);

		msrprun_init(&r);
		if (msrprun_feed(&r, buf, len, cuts, n))
			++bad;
		bad += compare(whole, &r, "random cuts", bad);
		msrprun_close(&r);
	}

	return bad;
}
