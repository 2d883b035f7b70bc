/* test_msrpmsg.c: the MSRP message object: chunks in any order -> spool -> the app's descriptor -> verdict, without MSRP connections. */
#include <string.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "appset.h"
#include "router.h"
#include "deliver.h"
#include "ipc.h"
#include "push.h"
#include "pushmeta.h"
#include "msrpsess/msrpsess_priv.h"
#include "unit.h"

/*
 * The chunks are handed to the message functions the connection calls
 * (inmsg_start/write/end/ready), as the parser would: no MSRP socket is
 * involved. The app is real: a SOCK_SEQPACKET client of the daemon's
 * local API in this process, so what it gets is the record and the
 * descriptor an app gets.
 */

#define MMS    "x-wap-application:mms.ua"
#define SENDER "sip:sender@example.com"

struct verdict {
	unsigned n;
	uint16_t scode;
	char reason[64];
	char ctype[64];
	uint64_t id;
	size_t len;
	bool had_fd;
};

static struct {
	char dir[256];
	char spool[300];
	char sock[300];
	struct config *cfg;
	struct appset *apps;
	struct router *router;
	struct deliver *dlv;
	struct ipc *ipc;
	struct ipc_client *last;
	struct msrpsock *ms;
	struct msrpsess *sess;
	int app;                  /* the app's end of the local API */
	struct verdict v;         /* what the observer saw */
	unsigned closed;          /* the session's close handler */
} t;


/* --- the daemon's side of the local API, as daemon/ipchooks.c wires it */

static int t_subscribe(struct ipc_client *c, const char *appid,
		       const char *filter, bool monitor,
		       const struct router_opts *opts, void *arg)
{
	(void)opts;
	(void)arg;
	t.last = c;
	return router_subscribe(t.router, c, appid, filter, monitor);
}


static int t_unsubscribe(struct ipc_client *c, const char *appid, void *arg)
{
	(void)arg;
	return router_unsubscribe(t.router, c, appid);
}


static int t_ack(struct ipc_client *c, uint64_t id, void *arg)
{
	(void)arg;
	return deliver_ack(t.dlv, c, id);
}


static int t_nack(struct ipc_client *c, uint64_t id, uint16_t code,
		  const char *reason, void *arg)
{
	(void)arg;
	return deliver_nack(t.dlv, c, id, code, reason);
}


static void t_gone(struct ipc_client *c, void *arg)
{
	(void)arg;
	deliver_client_gone(t.dlv, c);
	(void)router_unsubscribe(t.router, c, NULL);
}


static const struct ipc_handlers handlers = {
	.subscribeh   = t_subscribe,
	.unsubscribeh = t_unsubscribe,
	.ackh         = t_ack,
	.nackh        = t_nack,
	.goneh        = t_gone,
};


static void observer(const struct push *p, uint16_t scode, const char *reason,
		     void *arg)
{
	(void)arg;

	++t.v.n;
	t.v.scode = scode;
	t.v.id    = p->id;
	t.v.len   = p->len;
	t.v.had_fd = p->has_fd && fcntl(p->fd, F_GETFD) >= 0;
	str_ncpy(t.v.reason, reason ? reason : "", sizeof(t.v.reason));
	str_ncpy(t.v.ctype, p->ctype ? p->ctype : "", sizeof(t.v.ctype));
}


static void closeh(int err, const char *why, void *arg)
{
	(void)err;
	(void)why;
	(void)arg;
	++t.closed;
}


/* --- the loop -------------------------------------------------------- */

struct pump {
	struct tmr tmr;
	uint64_t end;
	bool (*cond)(void);
};


static void pump_tick(void *arg)
{
	struct pump *p = arg;

	if ((p->cond && p->cond()) || tmr_jiffies() >= p->end) {
		re_cancel();
		return;
	}

	tmr_start(&p->tmr, 2, pump_tick, p);
}


static bool pump_until(bool (*cond)(void), uint32_t ms)
{
	struct pump p = { .cond = cond };

	tmr_init(&p.tmr);
	p.end = tmr_jiffies() + ms;
	tmr_start(&p.tmr, 0, pump_tick, &p);
	(void)re_main(NULL);
	tmr_cancel(&p.tmr);

	return !cond || cond();
}


static bool app_readable(void)
{
	char b;

	return recv(t.app, &b, 1, MSG_PEEK | MSG_DONTWAIT) >= 0;
}


static bool verdict_seen(void)
{
	return t.v.n > 0;
}


/* One command and its answer ("OK ..." / "ERR ..."). */
static const char *app_cmd(const char *cmd)
{
	static char r[512];
	ssize_t n;

	if (send(t.app, cmd, strlen(cmd), 0) < 0 ||
	    !pump_until(app_readable, 5000))
		return "(no answer)";

	n = recv(t.app, r, sizeof(r) - 1, MSG_DONTWAIT);
	r[n > 0 ? n : 0] = '\0';
	return r;
}


/* The next push record and the descriptor beside it */
static int app_push(char *rec, size_t sz, int *fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { rec, sz - 1 };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t n;

	*fd = -1;
	if (!pump_until(app_readable, 5000))
		return ETIMEDOUT;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);

	n = recvmsg(t.app, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno;
	rec[n] = '\0';

	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));

	return 0;
}


static bool no_record(void)
{
	char b;

	(void)pump_until(NULL, 20);
	return recv(t.app, &b, 1, MSG_PEEK | MSG_DONTWAIT) < 0;
}


static unsigned spool_files(void)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(t.spool);

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, "msrp-", 5);
	closedir(d);

	return n;
}


static char *status_line(const char *key)
{
	static char buf[512];
	char *s = NULL, *p;

	if (re_sdprintf(&s, "%H", msrpsock_status, t.ms))
		return "";
	str_ncpy(buf, s, sizeof(buf));
	mem_deref(s);

	p = strstr(buf, key);
	if (!p)
		return "";
	p[strcspn(p, "\n")] = '\0';
	return p;
}


/* --- setup: everything but a connection ------------------------------- */

static int setup_max(const char *filter, unsigned max_mib)
{
	struct msrpsess_conf sc;
	struct sockaddr_un sun;
	struct sa laddr;
	char cmd[128];
	int err;

	memset(&t, 0, sizeof(t));
	t.app = -1;

	err = unit_mkdtemp(t.dir, sizeof(t.dir));
	if (err)
		return err;
	(void)re_snprintf(t.spool, sizeof(t.spool), "%s/spool", t.dir);
	(void)re_snprintf(t.sock, sizeof(t.sock), "%s/ipc.sock", t.dir);

	t.cfg = unit_config("state_dir %s\nspool_dir %s\nmsrp_max_size %u\n"
			    "spool_max_size %u\n",
			    t.dir, t.spool, max_mib, max_mib);
	if (!t.cfg)
		return EINVAL;

	err  = appset_alloc(&t.apps, NULL, NULL);
	err |= router_alloc(&t.router, t.apps, IPC_MAX_SUBS);
	err |= deliver_alloc(&t.dlv, t.cfg);
	err |= deliver_observe(t.dlv, observer, NULL);
	err |= ipc_alloc(&t.ipc, t.sock, &handlers, NULL);
	err |= sa_set_str(&laddr, "127.0.0.1", 0);
	if (err)
		return EINVAL;

	/* a listener exists, but nothing ever connects to it */
	err = msrpsock_alloc(&t.ms, &laddr, NULL, t.cfg, t.router, t.dlv);
	if (err)
		return err;

	memset(&sc, 0, sizeof(sc));
	sc.appid       = MMS;
	sc.sender      = SENDER;
	sc.remote_path = "msrp://192.0.2.9:2855/peer;tcp";
	err = msrpsess_alloc(&t.sess, t.ms, &sc, closeh, NULL);
	if (err)
		return err;

	t.app = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	str_ncpy(sun.sun_path, t.sock, sizeof(sun.sun_path));
	if (t.app < 0 || connect(t.app, (struct sockaddr *)&sun, sizeof(sun)))
		return errno;

	if (strncmp(app_cmd("HELLO 1"), "OK", 2))
		return EPROTO;
	(void)re_snprintf(cmd, sizeof(cmd), "SUBSCRIBE mms.ua%s%s",
			  filter ? " " : "", filter ? filter : "");
	if (strncmp(app_cmd(cmd), "OK", 2))
		return EPROTO;

	return 0;
}


static int setup(const char *filter)
{
	return setup_max(filter, 1);
}


static void teardown(void)
{
	if (t.app >= 0)
		(void)close(t.app);
	t.sess = mem_deref(t.sess);
	t.ms   = mem_deref(t.ms);
	t.ipc  = mem_deref(t.ipc);
	t.dlv  = mem_deref(t.dlv);
	t.router = mem_deref(t.router);
	t.apps = mem_deref(t.apps);
	t.cfg  = mem_deref(t.cfg);
	if (t.dir[0])
		(void)unit_rmtree(t.dir);
}


/* --- chunks, as the parser hands them over ------------------------------ */

static struct msrp_msg chunk(const char *msgid, uint64_t start, size_t len,
			     uint64_t total /* 0: "*" */)
{
	struct msrp_msg m;

	memset(&m, 0, sizeof(m));
	m.kind   = MSRP_REQUEST;
	m.method = MSRP_M_SEND;
	str_ncpy(m.tid, "tid1", sizeof(m.tid));
	str_ncpy(m.message_id, msgid, sizeof(m.message_id));
	str_ncpy(m.ctype, "text/plain", sizeof(m.ctype));
	m.has_body    = true;
	m.has_range   = true;
	m.range_start = start;
	m.range_end   = start - 1 + len;
	m.range_total = total;
	m.total_star  = !total;
	m.success_report = MSRP_REP_YES;

	return m;
}


/* One whole chunk: start, body, end-line; the status it is answered
 * with (0: 200) */
static uint16_t feed(const char *msgid, const char *body, uint64_t start,
		     size_t len, uint64_t total, char flag)
{
	struct msrp_msg m = chunk(msgid, start, len, total);
	struct inmsg *im = NULL;
	const char *why = NULL;
	uint16_t sc;

	sc = inmsg_start(t.sess, &m, &im, &why);
	if (sc)
		return sc;
	if (!im)
		return 0;

	/* body bytes arrive in pieces of any size */
	for (size_t o = 0; o < len && !sc; o += 3)
		sc = inmsg_write(im, start - 1 + o,
				 (const uint8_t *)body + start - 1 + o,
				 len - o < 3 ? len - o : 3, &why);
	if (sc)
		return sc;

	sc = inmsg_end(im, &m, flag, start - 1 + len, &why);
	if (sc) {
		inmsg_fail(im, sc, why);
		return sc;
	}

	if (flag != '#')
		inmsg_ready(im);
	return 0;
}


/* A content in a file has the Push-Key the same content would have in
 * a MESSAGE (pushmeta.c): same sender, app, type and bytes */
static void expect_key(const char *rec, const char *content)
{
	char ctype[128] = "", key[PUSHKEY_SIZE], line[64];
	struct push p;
	const char *c = strstr(rec, "\nContent-Type: ");

	if (c)
		(void)sscanf(c, "\nContent-Type: %127[^\n]", ctype);

	memset(&p, 0, sizeof(p));
	p.appid  = MMS;
	p.ctype  = ctype;
	p.sender = SENDER;
	p.body   = (const uint8_t *)content;
	p.len    = strlen(content);
	UNIT_ASSERT_INT(pushmeta_key(key, sizeof(key), &p, NULL), 0);
	(void)re_snprintf(line, sizeof(line), "\nPush-Key: %s\n", key);
	UNIT_ASSERT_CONTAINS(rec, line);
}


/* The app takes the next record: the file behind the descriptor must be
 * want, byte for byte; returns the push id. */
static uint64_t take(const char *want)
{
	char rec[1024], body[4096], hdr[128];
	uint64_t id = 0;
	ssize_t n;
	int fd;

	if (app_push(rec, sizeof(rec), &fd)) {
		CU_FAIL("no push record");
		return 0;
	}

	UNIT_ASSERT_CONTAINS(rec, "\nApp-Id: " MMS "\n");
	UNIT_ASSERT_CONTAINS(rec, "\nSender: " SENDER "\n");
	/* the INVITE carried no P-Asserted-Identity: Sender is its From */
	UNIT_ASSERT_CONTAINS(rec, "\nTransport: msrp\nSender-Asserted: no\n");
	UNIT_ASSERT_CONTAINS(rec, "\nPush-Key: ");
	UNIT_ASSERT_CONTAINS(rec, "\nBody-Fd: 1\n\n");
	expect_key(rec, want);
	(void)re_snprintf(hdr, sizeof(hdr), "\nContent-Length: %zu\n",
			  strlen(want));
	UNIT_ASSERT_CONTAINS(rec, hdr);
	CU_ASSERT_FATAL(fd >= 0);

	n = pread(fd, body, sizeof(body) - 1, 0);
	body[n > 0 ? n : 0] = '\0';
	UNIT_ASSERT_STR(body, want);
	(void)close(fd);

	if (!strncmp(rec, "PUSH\nId: ", 9))
		id = strtoull(rec + 9, NULL, 10);
	return id;
}


static void ack(uint64_t id)
{
	char cmd[64];

	(void)re_snprintf(cmd, sizeof(cmd), "ACK %llu", (unsigned long long)id);
	UNIT_ASSERT_STR(app_cmd(cmd), "OK");
}


/* --- a connection from the network: bound by To-Path and From-Path ----- */

static int peer_fd = -1;
static char peer_buf[2048];
static size_t peer_len;


static bool peer_answered(void)
{
	ssize_t n = recv(peer_fd, peer_buf + peer_len,
			 sizeof(peer_buf) - 1 - peer_len, MSG_DONTWAIT);

	if (n > 0)
		peer_len += (size_t)n;
	peer_buf[peer_len] = '\0';

	return strstr(peer_buf, "\r\n-------") != NULL;
}


/* Connect to the session's listener and send one whole SEND with this
 * From-Path; the status line of the answer (e.g. "MSRP t1 200 OK") */
static const char *peer_send(const char *from_path, const char *body)
{
	struct sa laddr = *msrpsock_laddr(t.ms);
	char req[1024];
	int n;

	peer_len = 0;
	peer_buf[0] = '\0';
	if (peer_fd >= 0)
		(void)close(peer_fd);
	peer_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (peer_fd < 0 || connect(peer_fd, &laddr.u.sa, laddr.len))
		return "no connection";

	n = re_snprintf(req, sizeof(req), "MSRP t1 SEND\r\n"
			"To-Path: %s\r\nFrom-Path: %s\r\n"
			"Message-ID: hj%s\r\nByte-Range: 1-%zu/%zu\r\n"
			"Content-Type: text/plain\r\n\r\n%s\r\n"
			"-------t1$\r\n", msrpsess_sdp_path(t.sess),
			from_path, body, strlen(body), strlen(body), body);
	if (n < 0 || send(peer_fd, req, (size_t)n, 0) != n)
		return "not sent";

	if (!pump_until(peer_answered, 2000))
		return "no answer";

	*strstr(peer_buf, "\r\n") = '\0';
	return peer_buf;
}


/* RFC 4975 §7.3/§14: knowing our session-id is not enough: a SEND whose
 * From-Path is not the path of the INVITE's SDP is refused (403) and
 * binds nothing; the sender's own then binds, gets its push delivered,
 * and a second connection naming the session is refused (506). */
static void test_hijack(void)
{
	uint64_t id;
	int held;

	CU_ASSERT_FATAL(setup(NULL) == 0);
	CU_ASSERT(strlen(t.sess->sid) >= 20);   /* 100 bits, base32 */

	UNIT_ASSERT_STR(peer_send("msrp://127.0.0.2:2855/evil;tcp", "EVIL"),
			"MSRP t1 403 From-Path Is Not The Sender's");
	CU_ASSERT(no_record());
	UNIT_ASSERT_STR(peer_send("msrp://192.0.2.9:2855/Peer;tcp", "EVIL"),
			"MSRP t1 403 From-Path Is Not The Sender's");

	UNIT_ASSERT_STR(peer_send("MSRP://192.0.2.9:2855/peer;TCP", "good"),
			"MSRP t1 200 OK");
	id = take("good");
	ack(id);
	CU_ASSERT(pump_until(verdict_seen, 2000));
	UNIT_ASSERT_INT(t.v.scode, 200);

	/* the bound connection stays open; another one names the session */
	held = peer_fd;
	peer_fd = -1;
	UNIT_ASSERT_STR(peer_send("msrp://192.0.2.9:2855/peer;tcp", "late"),
			"MSRP t1 506 Session Already Bound");

	(void)close(held);
	(void)close(peer_fd);
	peer_fd = -1;
	teardown();
}


/* --- the suite ---------------------------------------------------------- */

static void test_in_order(void)
{
	static const char body[] = "Hello, large push content!";
	uint64_t id;

	CU_ASSERT_FATAL(setup(NULL) == 0);

	UNIT_ASSERT_INT(feed("m1", body, 1, 10, sizeof(body) - 1, '+'), 0);
	UNIT_ASSERT_INT(spool_files(), 1);
	CU_ASSERT(no_record());   /* not before the last byte */
	UNIT_ASSERT_INT(feed("m1", body, 11, 10, sizeof(body) - 1, '+'), 0);
	UNIT_ASSERT_INT(feed("m1", body, 21, sizeof(body) - 21,
			     sizeof(body) - 1, '$'), 0);

	id = take(body);
	UNIT_ASSERT_INT(t.v.n, 0);      /* the verdict waits for the app */
	CU_ASSERT(t.v.n == 0 && spool_files() == 1);
	ack(id);
	CU_ASSERT(pump_until(verdict_seen, 2000));

	/* the observers saw the push with its content still there */
	UNIT_ASSERT_INT(t.v.n, 1);
	UNIT_ASSERT_INT(t.v.scode, 200);
	UNIT_ASSERT_INT(t.v.id, id);
	UNIT_ASSERT_INT(t.v.len, sizeof(body) - 1);
	CU_ASSERT(t.v.had_fd);
	UNIT_ASSERT_STR(t.v.ctype, "text/plain");
	UNIT_ASSERT_INT(spool_files(), 0);
	UNIT_ASSERT_STR(status_line("msrp_delivered="), "msrp_delivered=1");
	UNIT_ASSERT_STR(status_line("msrp_bytes="), "msrp_bytes=26");

	teardown();
}


/* shuffled chunks of two interleaved messages; a "*" total learned from
 * the last chunk */
static void test_shuffled_interleaved(void)
{
	static const char a[] = "AAAAAaaaaaAAAAAaaaaa0123";
	static const char b[] = "the second message, with a star total";
	uint64_t ida, idb;

	CU_ASSERT_FATAL(setup(NULL) == 0);

	UNIT_ASSERT_INT(feed("A", a, 16, 9, 24, '+'), 0);
	UNIT_ASSERT_INT(feed("B", b, 1, 12, 0, '+'), 0);
	UNIT_ASSERT_INT(feed("A", a, 6, 10, 24, '+'), 0);
	UNIT_ASSERT_INT(spool_files(), 2);
	UNIT_ASSERT_INT(feed("B", b, 13, sizeof(b) - 13, 0, '$'), 0);
	idb = take(b);
	UNIT_ASSERT_INT(feed("A", a, 1, 5, 24, '$'), 0);
	ida = take(a);

	ack(ida);
	CU_ASSERT(pump_until(verdict_seen, 2000));
	UNIT_ASSERT_INT(t.v.scode, 200);
	UNIT_ASSERT_INT(t.v.id, ida);
	UNIT_ASSERT_INT(spool_files(), 1);

	/* the app refuses the other: its code is the verdict */
	{
		char cmd[64];

		t.v.n = 0;
		(void)re_snprintf(cmd, sizeof(cmd), "NACK %llu 486 Busy",
				  (unsigned long long)idb);
		UNIT_ASSERT_STR(app_cmd(cmd), "OK");
	}
	CU_ASSERT(pump_until(verdict_seen, 2000));
	UNIT_ASSERT_INT(t.v.scode, 486);
	UNIT_ASSERT_STR(t.v.reason, "Busy");
	UNIT_ASSERT_INT(spool_files(), 0);
	UNIT_ASSERT_STR(status_line("msrp_failed="), "msrp_failed=1");

	teardown();
}


/* what the message refuses itself: observers hear it, the app does not */
static void test_refusals(void)
{
	static char big[64];
	const char *why = NULL;
	struct inmsg *im;

	CU_ASSERT_FATAL(setup("text/plain") == 0);
	memset(big, 'x', sizeof(big));

	/* over msrp_max_size (1 MiB) by its total */
	UNIT_ASSERT_INT(feed("big", big, 1, 10, (1u << 20) + 1, '+'), 413);
	UNIT_ASSERT_INT(t.v.n, 1);
	UNIT_ASSERT_INT(t.v.scode, 413);
	UNIT_ASSERT_STR(t.v.reason, "Message Too Large");
	CU_ASSERT(!t.v.had_fd);
	/* its later chunks get the same answer */
	UNIT_ASSERT_INT(feed("big", big, 11, 10, (1u << 20) + 1, '+'), 413);
	UNIT_ASSERT_INT(t.v.n, 1);

	/* the total changes under way */
	t.v.n = 0;
	UNIT_ASSERT_INT(feed("tc", big, 1, 5, 20, '+'), 0);
	UNIT_ASSERT_INT(feed("tc", big, 6, 5, 21, '+'), 400);
	UNIT_ASSERT_STR(t.v.reason, "Byte-Range Total Changed");

	/* a type the app's filter refuses, at the first chunk */
	t.v.n = 0;
	{
		struct msrp_msg m = chunk("png", 1, 4, 4);

		str_ncpy(m.ctype, "image/png", sizeof(m.ctype));
		UNIT_ASSERT_INT(inmsg_start(t.sess, &m, &im, &why), 415);
		UNIT_ASSERT_STR(why, "Unsupported Content Type");
	}
	UNIT_ASSERT_INT(t.v.scode, 415);

	/* no Message-ID, no Byte-Range: refused before any message exists */
	{
		struct msrp_msg m = chunk("", 1, 4, 4);

		why = NULL;
		UNIT_ASSERT_INT(inmsg_start(t.sess, &m, &im, &why), 400);
		UNIT_ASSERT_STR(why, "Missing Message-ID");
		m = chunk("x", 1, 4, 4);
		m.has_range = false;
		UNIT_ASSERT_INT(inmsg_start(t.sess, &m, &im, &why), 400);
		UNIT_ASSERT_STR(why, "Missing Byte-Range");
		m.has_body = false;     /* a binding SEND: fine, no message */
		UNIT_ASSERT_INT(inmsg_start(t.sess, &m, &im, &why), 0);
		CU_ASSERT_PTR_NULL(im);
	}

	CU_ASSERT(no_record());
	UNIT_ASSERT_INT(spool_files(), 0);

	teardown();
}


/* The one spool file's size and the bytes it really takes (-1: none). */
static int64_t spool_file(uint64_t *blocks_bytes)
{
	char path[600];
	struct dirent *de;
	struct stat st;
	int64_t size = -1;
	DIR *d = opendir(t.spool);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		(void)re_snprintf(path, sizeof(path), "%s/%s", t.spool,
				  de->d_name);
		if (stat(path, &st) == 0) {
			size = (int64_t)st.st_size;
			*blocks_bytes = (uint64_t)st.st_blocks * 512;
		}
	}
	(void)closedir(d);
	return size;
}


/* A declared total past 2 and 4 GiB, with msrp_max_size at its top
 * (4095 MiB on 32-bit, where the app is told the length as a size_t):
 * under it, a chunk near the end is taken and lands at its 64-bit
 * offset in a sparse spool file; over it, 413 at the first chunk. */
static void test_large_totals(void)
{
	const uint64_t total = (3ull << 30) + 10;     /* 3 GiB + 10 */
	const uint64_t start = total - 9;              /* the last 10 */
	const char *why = NULL;
	struct msrp_msg m;
	struct inmsg *im = NULL;
	uint64_t used = 0;

	CU_ASSERT_FATAL(setup_max(NULL, 4095) == 0);

	m = chunk("huge", start, 10, total);
	UNIT_ASSERT_INT(inmsg_start(t.sess, &m, &im, &why), 0);
	CU_ASSERT_FATAL(im != NULL);
	UNIT_ASSERT_INT(inmsg_write(im, start - 1, (const uint8_t *)
				    "0123456789", 10, &why), 0);
	UNIT_ASSERT_INT(inmsg_end(im, &m, '+', start - 1 + 10, &why), 0);
	inmsg_ready(im);
	/* not complete (the first 3 GiB never came): nothing delivered */
	UNIT_ASSERT_INT(t.v.n, 0);
	CU_ASSERT(no_record());
	CU_ASSERT(spool_file(&used) == (int64_t)total);
	CU_ASSERT(used < (1u << 20));                  /* a hole, not zeros */

	/* 4 GiB + 10 is over 4095 MiB: refused by its declared total */
	UNIT_ASSERT_INT(feed("over", "x", 1, 1, (4ull << 30) + 10, '+'),
			413);
	UNIT_ASSERT_STR(t.v.reason, "Message Too Large");

	teardown();
}


/* spool_max_size: a total that does not fit is refused with its first
 * chunk, before a byte is written; an aborted message gives its bytes
 * back */
static void test_spool_budget(void)
{
	static const char body[] = "0123456789";
	char *st = NULL;

	CU_ASSERT_FATAL(setup(NULL) == 0);
	t.cfg->spool_max_size = 100;

	UNIT_ASSERT_INT(feed("a", body, 1, 10, 60, '+'), 0);
	UNIT_ASSERT_INT(feed("b", body, 1, 10, 50, '+'), 413);
	UNIT_ASSERT_STR(t.v.reason, "Spool Full");
	UNIT_ASSERT_INT(re_sdprintf(&st, "%H", inmsg_spool_status), 0);
	UNIT_ASSERT_STR(st, "spool_bytes=60\nspool_refused=1\n");
	st = mem_deref(st);
	CU_ASSERT_FALSE(msrpsock_spool_full(t.sess->ms));

	/* all of it taken: a new INVITE gets 503 (invite.c) */
	UNIT_ASSERT_INT(feed("d", body, 1, 10, 40, '+'), 0);
	CU_ASSERT(msrpsock_spool_full(t.sess->ms));
	UNIT_ASSERT_INT(feed("d", body, 11, 0, 40, '#'), 0);
	CU_ASSERT_FALSE(msrpsock_spool_full(t.sess->ms));

	/* "a" aborted by its sender: its 60 bytes are free again */
	UNIT_ASSERT_INT(feed("a", body, 11, 0, 60, '#'), 0);
	UNIT_ASSERT_INT(feed("c", body, 1, 10, 50, '+'), 0);
	UNIT_ASSERT_INT(re_sdprintf(&st, "%H", inmsg_spool_status), 0);
	UNIT_ASSERT_STR(st, "spool_bytes=50\nspool_refused=1\n");
	mem_deref(st);

	teardown();
}


/* the sender aborts; the connection goes; too many at once */
static void test_aborted_lost_bounded(void)
{
	static const char body[] = "0123456789abcdefghij";
	char id[16];
	uint64_t pid;

	CU_ASSERT_FATAL(setup(NULL) == 0);

	UNIT_ASSERT_INT(feed("ab", body, 1, 10, 20, '+'), 0);
	UNIT_ASSERT_INT(spool_files(), 1);
	UNIT_ASSERT_INT(feed("ab", body, 11, 10, 20, '#'), 0);
	UNIT_ASSERT_INT(spool_files(), 0);
	CU_ASSERT(no_record());
	UNIT_ASSERT_INT(t.v.n, 0);   /* an abort is not a push */

	/* one message complete (waiting for its app), one half there: the
	 * connection goes; the first survives, the second is discarded */
	UNIT_ASSERT_INT(feed("done", body, 1, 20, 20, '$'), 0);
	UNIT_ASSERT_INT(feed("half", body, 1, 10, 20, '+'), 0);
	pid = take(body);
	UNIT_ASSERT_INT(spool_files(), 2);
	msrpsess_lost(t.sess);
	UNIT_ASSERT_INT(spool_files(), 1);
	UNIT_ASSERT_INT(list_count(&t.sess->msgs), 1);
	ack(pid);
	CU_ASSERT(pump_until(verdict_seen, 2000));
	UNIT_ASSERT_INT(t.v.scode, 200);
	UNIT_ASSERT_INT(spool_files(), 0);
	/* with nothing left, the session ends (from the main loop) */
	(void)pump_until(NULL, 20);
	UNIT_ASSERT_INT(t.closed, 1);

	/* at most MSGS_MAX messages in progress per session */
	for (unsigned i = 0; i < MSGS_MAX; i++) {
		(void)re_snprintf(id, sizeof(id), "many%u", i);
		UNIT_ASSERT_INT(feed(id, body, 1, 5, 20, '+'), 0);
	}
	UNIT_ASSERT_INT(feed("one-more", body, 1, 5, 20, '+'), 413);
	UNIT_ASSERT_INT(spool_files(), MSGS_MAX);

	teardown();
	UNIT_ASSERT_INT(spool_files(), 0);
}


/* the app is gone when the last byte comes: 408, kept nowhere */
static void test_no_app(void)
{
	static const char body[] = "nobody listens";

	CU_ASSERT_FATAL(setup(NULL) == 0);

	UNIT_ASSERT_STR(app_cmd("UNSUBSCRIBE"), "OK");
	UNIT_ASSERT_INT(feed("n", body, 1, sizeof(body) - 1, sizeof(body) - 1,
			     '$'), 0);
	UNIT_ASSERT_INT(t.v.n, 1);
	UNIT_ASSERT_INT(t.v.scode, 408);
	UNIT_ASSERT_STR(t.v.reason, "Push Application Not Running");
	UNIT_ASSERT_INT(spool_files(), 0);
	CU_ASSERT(no_record());

	teardown();
}


/* Issue 12: delivered content is frozen; overlapping chunks must agree;
 * the total bounds every byte, also those that came first. */
static void test_integrity(void)
{
	static const char orig[] = "ORIGINAL-CONTENT";
	static const char evil[] = "EVIL-REWRITTEN!!";
	static const char ten[]  = "abcdefghij";
	static const char ten2[] = "abcdeXghij";
	static char hundred[100];
	char rec[1024], got[64];
	uint64_t id;
	ssize_t n;
	int fd;

	CU_ASSERT_FATAL(setup(NULL) == 0);

	/* complete, with its app: the same Message-ID again writes nothing
	 * into the file the app holds */
	UNIT_ASSERT_INT(feed("m1", orig, 1, 16, 16, '$'), 0);
	UNIT_ASSERT_INT(app_push(rec, sizeof(rec), &fd), 0);
	CU_ASSERT_FATAL(fd >= 0);
	UNIT_ASSERT_INT(feed("m1", evil, 1, 16, 16, '$'), 0);
	n = pread(fd, got, sizeof(got) - 1, 0);
	got[n > 0 ? n : 0] = '\0';
	UNIT_ASSERT_STR(got, orig);
	id = strtoull(rec + 9, NULL, 10);
	ack(id);
	CU_ASSERT(pump_until(verdict_seen, 2000));
	UNIT_ASSERT_INT(t.v.scode, 200);

	/* delivered: again nothing, not even a second push */
	UNIT_ASSERT_INT(feed("m1", evil, 1, 16, 16, '$'), 0);
	CU_ASSERT(no_record());
	n = pread(fd, got, sizeof(got) - 1, 0);
	got[n > 0 ? n : 0] = '\0';
	UNIT_ASSERT_STR(got, orig);
	(void)close(fd);
	UNIT_ASSERT_STR(status_line("msrp_repeats_ignored="),
			"msrp_repeats_ignored=2");

	/* overlapping chunks with the same bytes: fine, either order */
	t.v.n = 0;
	UNIT_ASSERT_INT(feed("o1", ten, 4, 7, 10, '$'), 0);
	UNIT_ASSERT_INT(feed("o1", ten, 1, 6, 10, '+'), 0);
	id = take(ten);
	ack(id);
	CU_ASSERT(pump_until(verdict_seen, 2000));

	/* ... with other bytes: the message fails (Failure REPORT) */
	t.v.n = 0;
	UNIT_ASSERT_INT(feed("o2", ten, 1, 6, 10, '+'), 0);
	UNIT_ASSERT_INT(feed("o2", ten2, 4, 7, 10, '$'), 400);
	UNIT_ASSERT_INT(t.v.scode, 400);
	UNIT_ASSERT_STR(t.v.reason, "Overlapping Byte-Ranges Differ");
	UNIT_ASSERT_INT(feed("o2", ten, 1, 10, 10, '$'), 400);
	CU_ASSERT(no_record());

	/* "1-100/ *", then "1-10/10": not a 10-byte push of 100 bytes */
	memset(hundred, 'h', sizeof(hundred));
	t.v.n = 0;
	UNIT_ASSERT_INT(feed("t1", hundred, 1, 100, 0, '+'), 0);
	UNIT_ASSERT_INT(feed("t1", hundred, 1, 10, 10, '$'), 400);
	UNIT_ASSERT_STR(t.v.reason, "Byte-Range Beyond Total");

	/* a "*" total ended by '$' below bytes already there */
	t.v.n = 0;
	UNIT_ASSERT_INT(feed("t2", ten, 6, 5, 0, '+'), 0);
	UNIT_ASSERT_INT(feed("t2", ten, 1, 3, 0, '$'), 400);
	UNIT_ASSERT_STR(t.v.reason, "Byte-Range Beyond Total");

	/* body bytes past a known total */
	t.v.n = 0;
	UNIT_ASSERT_INT(feed("t3", hundred, 1, 20, 10, '$'), 400);
	UNIT_ASSERT_STR(t.v.reason, "Byte-Range Beyond Total");

	CU_ASSERT(no_record());
	UNIT_ASSERT_INT(spool_files(), 0);

	teardown();
}


static CU_TestInfo tests[] = {
	{"chunks in order: one push, ACK -> 200", test_in_order},
	{"shuffled, interleaved, star total; NACK", test_shuffled_interleaved},
	{"refused: too large, total changed, type, no ID/range",
	 test_refusals},
	{"aborted, connection lost, at most MSGS_MAX",
	 test_aborted_lost_bounded},
	{"no app at the last byte: 408", test_no_app},
	{"totals past 2 and 4 GiB: sparse at 64-bit offsets, or 413",
	 test_large_totals},
	{"frozen when complete, overlaps agree, total bounds all",
	 test_integrity},
	{"hijack: From-Path checked, bound to its sender", test_hijack},
	{"spool_max_size: refused at the first chunk, given back",
	 test_spool_budget},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"MSRP message: reassembly -> spool -> deliver", unit_libre_init,
	 unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	(void)signal(SIGPIPE, SIG_IGN);
	return unit_run("test_msrpmsg", suites);
}
