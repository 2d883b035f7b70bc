/* sess.c: one MSRP session of a push: its path, its connection (dialled or awaited), its timers. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "msrp.h"
#include "msrpsess.h"
#include "msrpsess_priv.h"
#include "token.h"

#define DEBUG_MODULE "msrpsess"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"


static bool sess_cmp(struct le *le, void *arg)
{
	const struct msrpsess *s = le->data;

	return 0 == strcmp(s->sid, arg);
}


struct msrpsess *msrpsess_lookup(const struct msrpsock *ms, const char *sid)
{
	struct le *le = hash_lookup(ms->sessions, hash_joaat_str(sid),
				    sess_cmp, (void *)sid);

	return le ? le->data : NULL;
}


/** Where a session's responses and REPORTs go */
struct mconn *msrpsess_conn(const struct msrpsess *s)
{
	return s->relay ? s->rconn : s->conn;
}


void msrpsess_touch(struct msrpsess *s)
{
	s->last = tmr_jiffies();
}


static void sess_destructor(void *arg)
{
	struct msrpsess *s = arg;

	tmr_cancel(&s->tmr);
	hash_unlink(&s->he);
	list_flush(&s->msgs);
	if (s->conn) {
		s->conn->sess = NULL;
		mem_deref(s->conn);
	}
	/* the shared connection stays; it only forgets the chunk's owner */
	if (s->rconn && s->rconn->sess == s) {
		s->rconn->sess = NULL;
		s->rconn->cur  = NULL;
	}
	mem_deref(s->sdp_path);
	mem_deref(s->path);
	mem_deref(s->remote_path);
}


static void close_handler_tmr(void *arg)
{
	struct msrpsess *s = arg;
	msrpsess_close_h *h = s->closeh;

	s->closeh = NULL;
	if (h)
		h(s->close_err, s->close_why, s->arg);
}


/** End the session from the main loop: the owner's close handler runs
 * from the session's timer, never from inside a parser callback. */
void msrpsess_close_later(struct msrpsess *s, int err, const char *why)
{
	if (!s->closeh)
		return;

	s->close_err = err;
	s->close_why = why;
	tmr_start(&s->tmr, 0, close_handler_tmr, s);
}


/* msrp_idle_timeout and msrp_connect_timeout, in ms */
static uint64_t idle_ms(const struct msrpsess *s)
{
	return (uint64_t)s->ms->cfg->msrp_idle_timeout * 1000;
}


static uint64_t connect_ms(const struct msrpsess *s)
{
	return (uint64_t)s->ms->cfg->msrp_connect_timeout * 1000;
}


static void idle_handler(void *arg)
{
	struct msrpsess *s = arg;
	uint64_t idle = idle_ms(s);
	uint64_t since = tmr_jiffies() - s->last;

	if (since < idle) {
		tmr_start(&s->tmr, idle - since, idle_handler, s);
		return;
	}

	DEBUG_NOTICE("session %s: no progress for %llu ms: closing\n",
		     s->sid, since);
	msrpsess_close_later(s, ETIMEDOUT, "MSRP Session Timed Out");
}


static void connect_timeout(void *arg)
{
	struct msrpsess *s = arg;

	DEBUG_NOTICE("session %s: MSRP connection not established in %llu "
		     "ms\n", s->sid, connect_ms(s));
	msrpsess_close_later(s, ETIMEDOUT, "MSRP Connection Timed Out");
}


/** The session has its transport: from now on the idle timer runs. */
void msrpsess_bound(struct msrpsess *s)
{
	msrpsess_touch(s);
	tmr_start(&s->tmr, idle_ms(s), idle_handler, s);
}


/**
 * The session's transport is gone: partial messages die with it (RFC
 * 4975 §5.4: a session does not survive its connection); the session
 * ends once no message waits for its app's verdict.
 */
void msrpsess_lost(struct msrpsess *s)
{
	for (struct le *le = list_head(&s->msgs); le; ) {
		struct inmsg *m = le->data;

		le = le->next;
		inmsg_conn_lost(m);
	}

	if (list_isempty(&s->msgs))
		msrpsess_close_later(s, ECONNRESET, "MSRP connection lost");
}


/** hash_apply() handler: the shared relay connection arg is gone */
bool msrpsess_relay_lost(struct le *le, void *arg)
{
	struct msrpsess *s = le->data;

	if (s->relay && s->rconn == arg) {
		s->rconn = NULL;
		msrpsess_lost(s);
	}

	return false;
}


/**
 * Make a session for an accepted INVITE. Its a=path is ready at once;
 * msrpsess_start() begins connecting (active) or waiting (passive).
 */
int msrpsess_alloc(struct msrpsess **sp, struct msrpsock *ms,
		   const struct msrpsess_conf *sc, msrpsess_close_h *closeh,
		   void *arg)
{
	struct msrpsess *s;
	int err;

	if (!sp || !ms || !sc || !sc->appid || !sc->remote_path)
		return EINVAL;

	s = mem_zalloc(sizeof(*s), sess_destructor);
	if (!s)
		return ENOMEM;

	tmr_init(&s->tmr);
	list_init(&s->msgs);
	s->ms     = ms;
	s->tls    = sc->tls;
	s->active = sc->active;
	s->closeh = closeh;
	s->arg    = arg;
	str_ncpy(s->appid, sc->appid, sizeof(s->appid));
	str_ncpy(s->sender, sc->sender ? sc->sender : "", sizeof(s->sender));
	s->asserted = sc->asserted;
	if (sc->meta)
		s->meta = *sc->meta;   /* not CPIM: nothing points into it */

	/* unguessable: the session-id is what binds a connection (RFC
	 * 4975 §14.1: 80 bits at least; 100 from the kernel, token.c) */
	err = token_make(s->sid, sizeof(s->sid), TOKEN_BITS_MIN + 20);
	if (err)
		goto out;

	err  = str_dup(&s->remote_path, sc->remote_path);
	err |= re_sdprintf(&s->path, "%s://%J/%s;tcp",
			   s->tls ? "msrps" : "msrp",
			   msrpsock_laddr_tp(ms, s->tls), s->sid);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	/* RFC 4976 §6.1: the relay's Use-Path goes in front of our URI */
	if (sc->relay) {
		if (!ms->relay || !ms->relay_path) {
			err = ENOTCONN;
			goto out;
		}
		s->relay  = true;
		s->rconn  = ms->relay;
		s->active = false;
		err = re_sdprintf(&s->sdp_path, "%s %s", ms->relay_path,
				  s->path);
		if (err)
			goto out;
	}

	hash_append(ms->sessions, hash_joaat_str(s->sid), &s->he, s);
	++ms->n_sessions;

 out:
	if (err)
		mem_deref(s);
	else
		*sp = s;

	return err;
}


/** The a=path to answer with: the relay's Use-Path and ours, or ours */
const char *msrpsess_sdp_path(const struct msrpsess *s)
{
	if (!s)
		return NULL;

	return s->sdp_path ? s->sdp_path : s->path;
}


static void active_estab(void *arg)
{
	struct mconn *c = arg;
	struct msrpsess *s = c->sess;
	char tid[MSRP_TID_MAX + 1], msgid[MSRP_MSGID_MAX + 1];
	struct mbuf *mb;

	c->up = true;
	if (!s)
		return;

	DEBUG_INFO("session %s: connected out; binding\n", s->sid);

	/* RFC 4975 §5.4: the active side binds the connection with a SEND
	 * at once, an empty one when it has nothing to say */
	mb = mbuf_alloc(512);
	if (!mb)
		return;

	msrp_tid_make(tid, sizeof(tid));
	msrp_tid_make(msgid, sizeof(msgid));
	if (!msrp_send_encode(mb, tid, s->remote_path, s->path, msgid, 1, 0,
			      0, NULL, NULL, NULL, 0, '$'))
		mconn_send(c, mb);

	mem_deref(mb);
	msrpsess_bound(s);
}


static int connect_out(struct msrpsess *s)
{
	char uri[MSRP_PATH_MAX + 1];
	struct mconn *c = NULL;
	int err;

	/* the first hop of the offerer's path is where we dial */
	err = msrp_path_first(s->remote_path, uri, sizeof(uri));
	if (err)
		return err;

	err = mconn_alloc(&c, s->ms);
	if (err)
		return err;

	if (s->tls && !s->ms->cfg->tls_verify)
		DEBUG_WARNING("session %s: tls_verify is no: the MSRP peer's "
			      "certificate is NOT checked\n", s->sid);

	err = mconn_dial(c, uri, s->tls, active_estab);
	if (err == EINVAL)
		DEBUG_WARNING("session %s: cannot dial '%s' (IP:port only)\n",
			      s->sid, uri);
	if (err) {
		mem_deref(c);
		return err;
	}

	c->sess = s;
	s->conn = c;

	return 0;
}


/**
 * Begin the transport: dial out now (we answered a=setup:active; not
 * waiting for the ACK, RFC 6135) or wait for the peer's connection.
 */
int msrpsess_start(struct msrpsess *s)
{
	int err;

	if (!s)
		return EINVAL;

	msrpsess_touch(s);
	tmr_start(&s->tmr, connect_ms(s), connect_timeout, s);

	/* through a relay: its path is the transport, nothing to dial */
	if (!s->active || s->relay)
		return 0;

	err = connect_out(s);
	if (err)
		msrpsess_close_later(s, err, "Cannot Connect MSRP");

	return err;
}


/**
 * End the session's messages at once (its local address is gone): each
 * one in progress fails with status, with a Failure REPORT where the
 * connection still takes one and the sender asked for it. The caller
 * then ends the SIP side (BYE).
 */
void msrpsess_fail_all(struct msrpsess *s, uint16_t status, const char *why)
{
	struct le *le;

	if (!s)
		return;

	for (le = list_head(&s->msgs); le; le = le->next)
		inmsg_fail(le->data, status, why);
}
