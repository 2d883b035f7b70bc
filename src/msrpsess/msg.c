/* msg.c: one incoming MSRP message: chunks into a spool file, complete -> deliver, verdict -> REPORT. */
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "msrp.h"
#include "ranges.h"
#include "spool.h"
#include "push.h"
#include "router.h"
#include "deliver.h"
#include "absent.h"
#include "budget.h"
#include "msrpsess.h"
#include "msrpsess_priv.h"

enum { DIGEST_MAX = 65536 };

#define DEBUG_MODULE "msrpsess"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * spool_max_size: the bytes of all MSRP messages in progress, whichever
 * session or listener they came on, so a few senders cannot fill the
 * RAM the spool lives in (16 messages per session x msrp_max_size: 3
 * sessions held 384 MiB, issue 12). A message with a known total takes
 * its total with its first chunk, before a byte is written, and gets
 * 413 at once if it cannot fit; a "*" total takes as its bytes arrive.
 * A message gives its bytes back when it is freed (delivered, failed,
 * aborted). Lowering the bound on reload refuses new takes only.
 */
static struct budget spool_budget;


static bool spool_hold(struct inmsg *m, uint64_t upto)
{
	const uint64_t max = m->sess->ms->cfg->spool_max_size;

	if (upto <= m->held)
		return true;

	if (!spool_budget.name)
		budget_init(&spool_budget, "spool_bytes", max);
	else
		budget_set_max(&spool_budget, max);

	if (!budget_take(&spool_budget, upto - m->held))
		return false;

	m->held = upto;
	return true;
}


/** Every byte of spool_max_size is taken by messages in progress. */
bool msrpsock_spool_full(const struct msrpsock *ms)
{
	return ms && ms->cfg && spool_budget.name &&
		spool_budget.used >= ms->cfg->spool_max_size;
}


/** STATUS lines of the spool budget */
int inmsg_spool_status(struct re_printf *pf)
{
	return re_hprintf(pf, "spool_bytes=%llu\nspool_refused=%llu\n",
			  spool_budget.used, spool_budget.refused);
}


static void inmsg_destructor(void *arg)
{
	struct inmsg *m = arg;

	list_unlink(&m->le);
	deliver_cancel(m->dl);
	activate_cancel(m->act);
	if (m->fd >= 0)
		(void)close(m->fd);
	mem_deref(m->spool);     /* unlinks the file */
	mem_deref(m->ranges);
	budget_give(&spool_budget, m->held);
}


/* What the app gets, or the observers of a refusal: the content only
 * once it is complete (fd >= 0). */
static void push_fill(struct inmsg *m, int fd)
{
	struct msrpsess *s = m->sess;
	struct push *p = &m->push;

	memset(p, 0, sizeof(*p));
	p->appid     = s->appid;
	p->ctype     = m->ctype[0] ? m->ctype : "application/octet-stream";
	p->sender    = s->sender[0] ? s->sender : NULL;
	p->sender_asserted = s->asserted ? "yes" : "no";
	p->transport = m->tls ? "msrps" : "msrp";
	if (fd >= 0) {
		p->len    = (size_t)m->total;
		p->has_fd = true;
		p->fd     = fd;
	}

	/* the record lines of a MESSAGE push, from the INVITE; the
	 * Push-Key by the INVITE's Content-Location, else the content */
	pushmeta_point(&s->meta, p);
	if ((m->has_digest || p->location) &&
	    !pushmeta_key(m->key, sizeof(m->key), p,
			  m->has_digest ? m->digest : NULL))
		p->push_key = m->key;
}


/* The digest of a complete content for its Push-Key, up to the size of
 * a MESSAGE body: MD5 of 64 KiB costs ~0.1 ms; of msrp_max_size (256
 * MiB by default) it would stall the event loop for ~0.5 s, so larger
 * ones are keyed only by a Content-Location (doc/ipc.md section 6). */
static void content_digest(struct inmsg *m)
{
	uint8_t *buf;
	ssize_t n;
	int fd;

	if (m->total > DIGEST_MAX)
		return;

	buf = mem_alloc(m->total ? (size_t)m->total : 1, NULL);
	if (!buf)
		return;

	fd = spool_open_read(m->spool);
	if (fd >= 0) {
		n = pread(fd, buf, (size_t)m->total, 0);
		if (n == (ssize_t)m->total) {
			pushkey_digest(m->digest, buf, (size_t)n);
			m->has_digest = true;
		}
		(void)close(fd);
	}

	mem_deref(buf);
}


static struct inmsg *inmsg_find(const struct msrpsess *s, const char *msgid)
{
	for (struct le *le = list_head(&s->msgs); le; le = le->next) {
		struct inmsg *m = le->data;

		if (!strcmp(m->msgid, msgid))
			return m;
	}

	return NULL;
}


/* MSRP has few status codes (RFC 4975 §10): what the app's verdict and
 * our own failures become in a REPORT. */
static uint16_t msrp_status(uint16_t sip)
{
	switch (sip) {
	case 200: return 200;
	case 202: return 200;    /* stored: taken, as far as MSRP can say */
	case 400: return 400;
	case 403: return 403;
	case 413: return 413;
	case 415: return 415;
	case 408: case 480: case 503: case 504: return 408;
	default:  return 403;
	}
}


/* A REPORT for a whole message (§7.1.2-7.1.4). */
static void report(struct inmsg *m, uint16_t status, const char *comment)
{
	struct msrpsess *s = m->sess;
	struct mbuf *mb;
	char tid[MSRP_TID_MAX + 1];
	uint64_t total = m->total_known ? m->total :
		(m->ranges ? ranges_covered(m->ranges) : 0);

	if (status == 200 && m->succ != MSRP_REP_YES)
		return;
	if (status != 200 && m->fail == MSRP_REP_NO)
		return;
	if (!msrpsess_conn(s))
		return;

	mb = mbuf_alloc(512);
	if (!mb)
		return;

	/* behind a relay the From-Path is the relay's and the sender's, so
	 * the REPORT retraces it */
	msrp_tid_make(tid, sizeof(tid));
	if (!msrp_report_encode(mb, tid, m->from_path, s->path, m->msgid, 1,
				total, total, status, comment))
		mconn_send(msrpsess_conn(s), mb);

	mem_deref(mb);
}


/**
 * The message cannot succeed: free its bytes, keep a small tombstone so
 * that its remaining chunks are answered the same way.
 */
void inmsg_fail(struct inmsg *m, uint16_t status, const char *why)
{
	if (m->failed)
		return;

	DEBUG_NOTICE("session %s message %s: %u %s\n", m->sess->sid,
		     m->msgid, status, why);

	m->failed = status;
	m->spool  = mem_deref(m->spool);
	++m->sess->ms->n_failed;

	push_fill(m, -1);
	deliver_report(m->sess->ms->dlv, &m->push, status, why);
	report(m, status, why);
}


/* A SEND for this Message-ID again would be a second push, or worse,
 * new bytes in the file the app holds: remembered, it changes nothing. */
static void done_add(struct msrpsess *s, const char *msgid)
{
	str_ncpy(s->done[s->done_next], msgid, sizeof(s->done[0]));
	s->done_next = (s->done_next + 1) % DONE_MAX;
}


static bool done_has(const struct msrpsess *s, const char *msgid)
{
	for (size_t i = 0; i < DONE_MAX; i++)
		if (s->done[i][0] && !strcmp(s->done[i], msgid))
			return true;

	return false;
}


static void delivered(const struct push *p, uint16_t scode,
		      const char *reason, void *arg)
{
	struct inmsg *m = arg;
	(void)p;
	struct msrpsess *s = m->sess;

	m->dl = NULL;
	done_add(s, m->msgid);

	if (scode == 200) {
		++s->ms->n_delivered;
		DEBUG_INFO("session %s message %s delivered\n", s->sid,
			   m->msgid);
		report(m, 200, "OK");
	}
	else if (scode == 202) {
		++s->ms->n_delivered;
		DEBUG_INFO("session %s message %s stored for %s\n", s->sid,
			   m->msgid, s->appid);
		report(m, 200, reason);
	}
	else {
		++s->ms->n_failed;
		DEBUG_NOTICE("session %s message %s: app said %u %s\n",
			     s->sid, m->msgid, scode, reason);
		report(m, msrp_status(scode), reason);
	}

	/* done either way: the spool file goes with it (unlinked first: a
	 * caller of deliver_push() may still hold a reference) */
	list_unlink(&m->le);
	mem_deref(m);

	if (!msrpsess_conn(s) && list_isempty(&s->msgs))
		msrpsess_close_later(s, ECONNRESET, "MSRP connection lost");
}


static void deliver_msg(struct inmsg *m);


/* Its app subscribed (ready), or did not in time. */
static void held_handler(bool ready, void *arg)
{
	struct inmsg *m = arg;

	m->act = NULL;

	if (ready)
		deliver_msg(m);
	else
		inmsg_fail(m, 480, "Push Application Not Running");
}


/* No owner: the store takes the spool file (a Success REPORT, as MSRP
 * has no "stored"), or it waits for its app to start, or it fails. */
static void absent_msg(struct inmsg *m)
{
	struct msrpsess *s = m->sess;
	struct msrpsock *ms = s->ms;
	const char *reason = "Push Application Not Running";
	uint16_t scode = 480;

	switch (absent_way(ms->ab, s->appid)) {

	case ABSENT_STORE:
		push_fill(m, -1);
		m->push.len = (size_t)m->total;
		scode = absent_store(ms->ab, &m->push, 0,
				     spool_path(m->spool), &reason);
		if (scode == 202) {
			/* observers first, as for a verdict from the app */
			deliver_report(ms->dlv, &m->push, 202, reason);
			mem_ref(m);
			delivered(&m->push, 202, reason, m);
			mem_deref(m);
			return;
		}
		break;

	case ABSENT_HOLD:
		scode = absent_hold(ms->ab, s->appid, held_handler, m,
				    &m->act, &reason);
		if (!scode)
			return;
		break;

	default:
		break;
	}

	inmsg_fail(m, scode, reason);
}


/* Every byte is on disk: hand it to the app. */
static void inmsg_complete(struct inmsg *m)
{
	int err;

	m->complete = true;

	/* what the app is told (Content-Length) is what the file holds */
	if (spool_size(m->spool) != m->total) {
		inmsg_fail(m, 400, "Content Size Mismatch");
		return;
	}

	err = spool_finish(m->spool);
	if (err) {
		inmsg_fail(m, 413, "Cannot Store Content");
		return;
	}

	content_digest(m);

	deliver_msg(m);
}


/* Route the complete message and deliver it. */
static void deliver_msg(struct inmsg *m)
{
	struct msrpsess *s = m->sess;
	struct msrpsock *ms = s->ms;
	struct route rt;
	int err;

	switch (router_lookup(ms->router, s->appid, m->ctype, &rt)) {
	case ROUTE_OK:
		break;
	case ROUTE_CTYPE:
		inmsg_fail(m, 415, "Unsupported Content Type");
		return;
	case ROUTE_NO_SUBSCRIBER:
		absent_msg(m);
		return;
	default:
		inmsg_fail(m, 408, "Push Application Not Running");
		return;
	}

	if (deliver_full(ms->dlv)) {
		inmsg_fail(m, 408, "Too Many Pending Pushes");
		return;
	}

	if (!deliver_rate_ok(ms->dlv, s->sender)) {
		inmsg_fail(m, 408, "Too Many Pushes From This Sender");
		return;
	}

	/* ours until the verdict: an observer may read the content too */
	m->fd = spool_open_read(m->spool);
	if (m->fd < 0) {
		inmsg_fail(m, 413, "Cannot Read Content");
		return;
	}

	push_fill(m, m->fd);

	/* the owner may be lost inside deliver_push(): the verdict, and
	 * with it the end of m, may come before it returns */
	mem_ref(m);
	err = deliver_push(ms->dlv, &rt, &m->push, delivered, m, &m->dl);
	if (err) {
		(void)close(m->fd);
		m->fd = -1;
		inmsg_fail(m, 408, "Push Application Not Reachable");
	}
	else {
		DEBUG_INFO("push %llu: MSRP message %s from %s for %s (%s, "
			   "%llu bytes)\n", m->push.id, m->msgid, s->sender,
			   s->appid, m->push.ctype, m->total);
	}
	mem_deref(m);
}


/**
 * A SEND chunk's headers arrived for session s: find or start its
 * message.
 *
 * @param mp   Set to the message, or NULL for a chunk without body
 * @param why  Set to the reason when non-zero is returned
 *
 * @return 0, or the status to answer the chunk with
 */
uint16_t inmsg_start(struct msrpsess *s, const struct msrp_msg *msg,
		     struct inmsg **mp, const char **why)
{
	struct msrpsock *ms = s->ms;
	struct inmsg *m;
	struct route rt;
	int err;

	*mp = NULL;

	if (!msg->message_id[0]) {
		*why = "Missing Message-ID";
		return 400;
	}

	if (!msg->has_body)
		return 0;    /* binding or keep-alive SEND: just a 200 */

	if (!msg->has_range || msg->range_start < 1) {
		*why = "Missing Byte-Range";
		return 400;
	}

	m = inmsg_find(s, msg->message_id);

	/* complete (with its app, or waiting for it) or delivered: the
	 * content is frozen; a resent chunk is answered, nothing written */
	if ((m && m->complete && !m->failed) ||
	    (!m && done_has(s, msg->message_id))) {
		++ms->n_repeats;
		DEBUG_INFO("session %s message %s: SEND for complete content, "
			   "ignored\n", s->sid, msg->message_id);
		return 0;
	}

	if (!m) {
		if (list_count(&s->msgs) >= MSGS_MAX) {
			*why = "Too Many Messages In Progress";
			return 413;
		}

		m = mem_zalloc(sizeof(*m), inmsg_destructor);
		if (!m)
			return 400;

		m->sess = s;
		m->fd   = -1;
		/* what the connection is, not what the SDP said (a TLS
		 * listener took plain msrp: paths too) */
		m->tls  = msrpsess_conn(s) ? msrpsess_conn(s)->sc != NULL :
			s->tls;
		str_ncpy(m->msgid, msg->message_id, sizeof(m->msgid));
		str_ncpy(m->ctype, msg->ctype, sizeof(m->ctype));
		str_ncpy(m->from_path, msg->from_path, sizeof(m->from_path));
		m->succ = msg->success_report;
		m->fail = msg->failure_report;
		list_append(&s->msgs, &m->le, m);

		if (router_lookup(ms->router, s->appid, m->ctype, &rt) ==
		    ROUTE_CTYPE) {
			*why = "Unsupported Content Type";
			inmsg_fail(m, 415, *why);
		}
		else {
			err = ranges_alloc(&m->ranges, RANGES_MAX);
			if (!err)
				err = spool_alloc(&m->spool, ms->spool_dir);
			if (err) {
				DEBUG_WARNING("spool in %s: %m\n",
					      ms->spool_dir, err);
				*why = "Cannot Store Content";
				inmsg_fail(m, 413, *why);
			}
		}
	}

	*mp = m;

	if (!msg->total_star) {
		if (m->total_known && m->total != msg->range_total) {
			*why = "Byte-Range Total Changed";
			inmsg_fail(m, 400, *why);
		}
		m->total = msg->range_total;
		m->total_known = true;
	}

	/* once known, the total bounds every byte, earlier ones too
	 * ("1-100/ *" then "1-10/10" made a 10-byte push of a 100-byte
	 * file) */
	if (!m->failed && m->total_known &&
	    ((m->ranges && ranges_end(m->ranges) > m->total) ||
	     (!msg->end_star && msg->range_end > m->total) ||
	     msg->range_start - 1 > m->total)) {
		*why = "Byte-Range Beyond Total";
		inmsg_fail(m, 400, *why);
	}

	if (!m->failed &&
	    ((m->total_known && m->total > ms->cfg->msrp_max_size) ||
	     (!msg->end_star && msg->range_end > ms->cfg->msrp_max_size))) {
		*why = "Message Too Large";
		inmsg_fail(m, 413, *why);
	}

	if (!m->failed && m->total_known && !spool_hold(m, m->total)) {
		*why = "Spool Full";
		DEBUG_WARNING("session %s message %s: %llu bytes do not fit "
			      "spool_max_size\n", s->sid, m->msgid, m->total);
		inmsg_fail(m, 413, *why);
	}

	if (m->failed) {
		if (!*why)
			*why = "Message Failed";
		return m->failed;
	}

	return 0;
}


/**
 * Body bytes of the current chunk, at offset off of the message.
 *
 * @return 0, or the status to answer the chunk with (the message failed)
 */
uint16_t inmsg_write(struct inmsg *m, uint64_t off, const uint8_t *p,
		     size_t n, const char **why)
{
	struct msrpsock *ms = m->sess->ms;
	int err;

	uint64_t a, b;
	bool same;

	if (off + n > ms->cfg->msrp_max_size) {
		*why = "Message Too Large";
		inmsg_fail(m, 413, *why);
		return 413;
	}

	if (m->total_known && off + n > m->total) {
		*why = "Byte-Range Beyond Total";
		inmsg_fail(m, 400, *why);
		return 400;
	}

	/* a "*" total: the spool is taken as the bytes come */
	if (!spool_hold(m, off + n)) {
		*why = "Spool Full";
		inmsg_fail(m, 413, *why);
		return 413;
	}

	/* bytes that came before must come again unchanged: otherwise the
	 * result would depend on the order of arrival */
	for (uint64_t at = off; ranges_overlap(m->ranges, at, off + n, &a, &b);
	     at = b) {
		err = spool_same(m->spool, a, p + (a - off), (size_t)(b - a),
				 &same);
		if (err || !same) {
			*why = err ? "Cannot Read Content" :
				"Overlapping Byte-Ranges Differ";
			inmsg_fail(m, err ? 413 : 400, *why);
			return err ? 413 : 400;
		}
	}

	err = spool_write(m->spool, off, p, n);
	if (err) {
		DEBUG_WARNING("spool write: %m\n", err);
		*why = "Cannot Store Content";
		inmsg_fail(m, 413, *why);
		return 413;
	}

	ms->n_bytes += n;
	return 0;
}


/**
 * The chunk ended with flag; its bytes covered [first, off). With '#'
 * the sender aborted the message and m is freed.
 *
 * @return 0 (answer 200, then inmsg_ready()), or the status to answer
 *         with before inmsg_fail()
 */
uint16_t inmsg_end(struct inmsg *m, const struct msrp_msg *msg, char flag,
		   uint64_t off, const char **why)
{
	const uint64_t first = msg->range_start - 1;

	if (flag == '#') {
		/* the sender aborted the message: drop what we have */
		DEBUG_INFO("session %s message %s aborted by sender\n",
			   m->sess->sid, m->msgid);
		mem_deref(m);
		return 0;
	}

	if (off > first && ranges_add(m->ranges, first, off)) {
		*why = "Too Fragmented";
		return 413;
	}

	/* "a-b/ *" on the last chunk: the end of this chunk is the size */
	if (flag == '$' && !m->total_known) {
		m->total = off;
		m->total_known = true;
		if (ranges_end(m->ranges) > off) {
			*why = "Byte-Range Beyond Total";
			return 400;
		}
	}

	return 0;
}


/** The session's transport is gone: a message still arriving dies with
 * it (RFC 4975 §5.4); one waiting for its app's verdict stays. */
void inmsg_conn_lost(struct inmsg *m)
{
	if (m->dl)
		return;

	if (!m->failed && m->ranges)
		DEBUG_NOTICE("session %s message %s: connection lost, %llu "
			     "bytes discarded\n", m->sess->sid, m->msgid,
			     ranges_covered(m->ranges));
	mem_deref(m);
}


/** Hand the message to its app if every byte of it is there now. */
void inmsg_ready(struct inmsg *m)
{
	if (!m->dl && !m->failed && !m->complete && m->total_known &&
	    ranges_complete(m->ranges, m->total))
		inmsg_complete(m);
}
