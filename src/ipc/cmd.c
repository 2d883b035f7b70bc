/* cmd.c: the local API's commands: HELLO, SUBSCRIBE, UNSUBSCRIBE, ACK, NACK, STATUS, PING. */
#include <string.h>
#include <ctype.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "compat.h"
#include "ipc.h"
#include "ipc_priv.h"
#include "router.h"

#define DEBUG_MODULE "ipc"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/* ---- clients: commands ------------------------------------------------ */

static void protocol_error(struct ipc_client *c, uint16_t code,
			   const char *why, size_t len)
{
	uint32_t left_out;
	(void)len;   /* only for the log line, which small builds drop */

	if (ipc_log_ok(&c->ipc->ll_bad, &left_out))
		DEBUG_NOTICE("client %u: refused command (%zu bytes): %u %s%s\n",
			     c->id, len, code, why, left_out ?
			     " (more bad commands not logged)" : "");

	ipc_reply(c, "ERR %u %s", code, why);

	if (++c->bad >= MAX_BAD)
		ipc_client_drop(c, true, "%u bad commands in a row", c->bad);
}


static int canon_appid(struct ipc_client *c, char *out,
		       const struct pl *in)
{
	int err = appid_normalise(out, APPID_SIZE, in);
	uint32_t left_out;

	if (err) {
		if (ipc_log_ok(&c->ipc->ll_bad, &left_out))
			DEBUG_NOTICE("client %u: bad app id \"%r\": %m\n",
				     c->id, in, err);
		ipc_reply(c, "ERR 400 bad app id (%s)",
		      err == ENOENT ? "unknown OMNA code" :
		      err == EOVERFLOW ? "too long" : "malformed");
	}

	return err;
}


static void cmd_subscribe(struct ipc_client *c, const struct ipc_cmd *cmd)
{
	char canon[APPID_SIZE], filter[IPC_CMD_MAX];
	char enc[ROUTE_ENCODINGS_MAX + 1] = "";
	struct router_opts opts = {false, NULL};
	struct ipc *ipc = c->ipc;
	int err;

	if (canon_appid(c, canon, &cmd->appid))
		return;

	if (pl_isset(&cmd->filter)) {
		size_t i;

		for (i = 0; i < cmd->filter.l; i++)
			filter[i] = (char)tolower((unsigned char)cmd->filter.p[i]);
		filter[i] = '\0';
	}

	opts.unwrap = cmd->unwrap;
	if (pl_isset(&cmd->encodings)) {
		(void)pl_strcpy(&cmd->encodings, enc, sizeof(enc));
		opts.encodings = enc;
	}

	/* Authorization and the record of subscriptions are the handler's:
	 * the daemon's subscribeh passes every SUBSCRIBE, owner or monitor,
	 * through its one authorization function (authz_local(), the per-app
	 * ACL) with the SO_PEERCRED credentials and groups, then to the
	 * router, which keeps the subscriptions. No second opinion and no
	 * second copy here. */
	err = ipc->h.subscribeh ?
		ipc->h.subscribeh(c, canon, pl_isset(&cmd->filter) ? filter :
				  NULL, cmd->monitor, &opts, ipc->arg) : ENOSYS;
	if (err) {
		uint32_t left_out;

		if (ipc_log_ok(&ipc->ll_bad, &left_out))
			DEBUG_INFO("client %u: subscribe %s refused: %m\n",
				   c->id, canon, err);

		switch (err) {

		case EPERM:
		case EACCES:
			ipc_reply(c, "ERR 403 not authorised for %s", canon);
			break;

		case EEXIST:
		case EBUSY:
		case EADDRINUSE:
			ipc_reply(c, "ERR 409 busy: %s has an owner", canon);
			break;

		case EALREADY:
			ipc_reply(c, "ERR 409 already subscribed to %s", canon);
			break;

		case EINVAL:
			ipc_reply(c, "ERR 400 refused: %s", canon);
			break;

		case EMLINK:
			ipc_reply(c, "ERR 429 too many subscriptions on this "
				  "connection (%u)", IPC_MAX_SUBS);
			break;

		case ENOSPC:
			ipc_reply(c, "ERR 429 full: %s has too many subscribers",
				  canon);
			break;

		case E2BIG:
			ipc_reply(c, "ERR 429 full: advertising %s would make "
				  "the registration too large", canon);
			break;

		case EDQUOT:
			ipc_reply(c, "ERR 429 quota: your user has added as "
				  "many application IDs as it may");
			break;

		default:
			ipc_reply(c, "ERR 500 internal error (%m)", err);
			break;
		}
		return;
	}

	DEBUG_INFO("client %u subscribed to %s%s%s%s%s%s%s%s\n", c->id, canon,
		   pl_isset(&cmd->filter) ? " for " : "",
		   pl_isset(&cmd->filter) ? filter : "",
		   cmd->monitor ? " as monitor" : "",
		   cmd->nostore ? " (nostore)" : "",
		   cmd->unwrap ? " (unwrap)" : "",
		   enc[0] ? " encoding=" : "", enc);

	ipc_reply(c, "OK %s", canon);

	/* after the OK: what waited for the app comes after it, in order */
	if (ipc->h.subscribedh)
		ipc->h.subscribedh(c, canon, cmd->monitor, cmd->nostore,
				   ipc->arg);
}


static void cmd_unsubscribe(struct ipc_client *c, const struct ipc_cmd *cmd)
{
	struct ipc *ipc = c->ipc;
	char canon[APPID_SIZE];
	int err;

	if (!pl_isset(&cmd->appid)) {
		if (ipc->h.unsubscribeh)
			(void)ipc->h.unsubscribeh(c, NULL, ipc->arg);
		DEBUG_INFO("client %u unsubscribed from all\n", c->id);
		ipc_reply(c, "OK");
		return;
	}

	if (canon_appid(c, canon, &cmd->appid))
		return;

	err = ipc->h.unsubscribeh ? ipc->h.unsubscribeh(c, canon, ipc->arg) :
		ENOENT;
	if (err) {
		ipc_reply(c, "ERR 404 not subscribed to %s", canon);
		return;
	}

	DEBUG_INFO("client %u unsubscribed from %s\n", c->id, canon);
	ipc_reply(c, "OK");
}


static void ack_reply(struct ipc_client *c, const char *what, uint64_t id,
		      int err)
{
	(void)what;   /* for the debug line, which small builds leave out */

	switch (err) {

	case 0:
		DEBUG_PRINTF("client %u: %s %llu\n", c->id, what,
			     (unsigned long long)id);
		ipc_reply(c, "OK");
		break;

	case ENOENT:
		ipc_reply(c, "ERR 404 unknown push id %llu",
		      (unsigned long long)id);
		break;

	case EPERM:
	case EACCES:
		ipc_reply(c, "ERR 403 push %llu is not yours",
		      (unsigned long long)id);
		break;

	default:
		ipc_reply(c, "ERR 500 internal error (%m)", err);
		break;
	}
}


static void disposed_reply(struct ipc_client *c, uint64_t id, int err)
{
	switch (err) {

	case EALREADY:
		ipc_reply(c, "ERR 409 push %llu: reported already",
			  (unsigned long long)id);
		break;

	case ENOTSUP:
		ipc_reply(c, "ERR 501 no IMDN in this build");
		break;

	case ENOENT:
		ipc_reply(c, "ERR 404 push %llu: no notification asked for "
			  "(or forgotten)", (unsigned long long)id);
		break;

	default:
		ack_reply(c, "DISPOSED", id, err);
		break;
	}
}


static int status_vph(const char *p, size_t size, void *arg)
{
	return mbuf_write_mem(arg, (const uint8_t *)p, size);
}


static void cmd_status(struct ipc_client *c)
{
	struct ipc *ipc = c->ipc;
	struct re_printf pf;
	struct mbuf *mb;
	int err;

	mb = mbuf_alloc(512);
	if (!mb) {
		ipc_reply(c, "ERR 500 out of memory");
		return;
	}

	pf.vph = status_vph;
	pf.arg = mb;

	/* the daemon's statush reports the rest, ipc_clients() and
	 * ipc_dropped() included */
	err = re_hprintf(&pf, "OK\nprotocol=%u\nversion=%s\n", IPC_PROTOCOL,
			 SIPPUSH_VERSION);
	if (!err && ipc->h.statush)
		err = ipc->h.statush(c, &pf, ipc->arg);
	if (!err && mb->end > IPC_REPLY_MAX)
		err = EOVERFLOW;

	if (err) {
		DEBUG_WARNING("status: %m\n", err);
		ipc_reply(c, "ERR 500 status failed (%m)", err);
		goto out;
	}

	/* the reply is text by contract, whatever a handler printed */
	for (size_t i = 0; i < mb->end; i++)
		if (mb->buf[i] != '\n' && (mb->buf[i] < 0x20 ||
					   mb->buf[i] > 0x7e))
			mb->buf[i] = '?';

	if (ipc_client_send(c, mb) == EMSGSIZE)
		ipc_reply(c, "ERR 500 status too long for the socket");

 out:
	mem_deref(mb);
}


void ipc_cmd_handle(struct ipc_client *c, const uint8_t *buf, size_t len)
{
	struct ipc *ipc = c->ipc;
	char reason[IPC_REASON_MAX + 1];
	struct ipc_cmd cmd;
	int err;

	err = ipc_cmd_decode(&cmd, buf, len);
	if (err) {
		protocol_error(c, err == EMSGSIZE ? 413 :
			       err == ENOSYS ? 405 : 400, cmd.why, len);
		return;
	}

	if (!c->hello && cmd.type != IPC_CMD_HELLO) {
		protocol_error(c, 428, "HELLO first", len);
		return;
	}

	c->bad = 0;

	switch (cmd.type) {

	case IPC_CMD_HELLO:
		if (cmd.version != IPC_PROTOCOL) {
			DEBUG_NOTICE("client %u wants protocol %u\n", c->id,
				     cmd.version);
			ipc_reply(c, "ERR 505 protocol version not supported "
			      "(this daemon speaks %u)", IPC_PROTOCOL);
			break;
		}
		ipc_client_hello(c);
		ipc_reply(c, "OK sippush %u %s", IPC_PROTOCOL, SIPPUSH_VERSION);
		break;

	case IPC_CMD_SUBSCRIBE:
		cmd_subscribe(c, &cmd);
		break;

	case IPC_CMD_UNSUBSCRIBE:
		cmd_unsubscribe(c, &cmd);
		break;

	case IPC_CMD_ACK:
		ack_reply(c, "ACK", cmd.push_id, ipc->h.ackh ?
			  ipc->h.ackh(c, cmd.push_id, ipc->arg) : ENOENT);
		break;

	case IPC_CMD_NACK:
		if (pl_isset(&cmd.reason))
			(void)pl_strcpy(&cmd.reason, reason, sizeof(reason));
		ack_reply(c, "NACK", cmd.push_id, ipc->h.nackh ?
			  ipc->h.nackh(c, cmd.push_id, cmd.code,
				       pl_isset(&cmd.reason) ? reason : NULL,
				       ipc->arg) : ENOENT);
		break;

	case IPC_CMD_STATUS:
		cmd_status(c);
		break;

	case IPC_CMD_PING:
		ipc_reply(c, "OK pong");
		break;

	case IPC_CMD_DISPOSED:
		disposed_reply(c, cmd.push_id, ipc->h.disposedh ?
			       ipc->h.disposedh(c, cmd.push_id, cmd.displayed,
						ipc->arg) : ENOTSUP);
		break;
	}
}


/* recv() gives 0 both for an empty message and at end of stream; only
 * the latter comes with a hang-up. */
