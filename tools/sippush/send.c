/* send.c: `sippush send`, a small Push Sender Agent: one MESSAGE through a proxy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "cmd.h"

#define DEBUG_MODULE "send"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * For integrators and tests: it sends what a network PSA would send,
 * Accept-Contact: *;+g.oma.pusheventapp="<id>";require;explicit, and
 * reports the final status. Exit 0 on 2xx, 1 on any other final status,
 * 2 on usage errors, 3 when no final response came.
 */

enum {
	SEND_BODY_MAX = 65000,   /* what a SIP message can carry at all */
};

struct send {
	struct sip *sip;
	struct sip_request *req;
	uint16_t scode;
	char reason[128];
	int err;
	bool done;
};


static void usage(FILE *f)
{
	fprintf(f,
		"usage: sippush send --proxy URI --to AOR --app APP-ID\n"
		"                    [--type TYPE] [--from URI] [--timeout S]\n"
		"                    [--header 'Name: value']...\n"
		"                    (--file FILE | --data TEXT)\n"
		"                    [--msrp] [--chunk-size N] "
		"[--setup actpass|active|passive|none]\n"
		"                    [--tls [--ca FILE] [--cert FILE]]\n"
		"Sends one push as a SIP MESSAGE through the proxy and prints\n"
		"the final status. Exit 0 on 2xx, 1 on another final status,\n"
		"2 on bad usage, 3 if no final response came.\n"
		"Session mode (--msrp, and always for bodies over %d bytes):\n"
		"an INVITE with an MSRP offer through the proxy, then the body\n"
		"as one MSRP message in chunks (default 65536 bytes) with\n"
		"Success-Report; \"200 OK\" and exit 0 only once the receiver's\n"
		"Success REPORT came. Exit 1 on a failure status (SIP, MSRP,\n"
		"REPORT), 3 on timeout or transport error. --timeout S counts\n"
		"inactivity (default 40). --setup is our a=setup offer.\n"
		"--tls offers MSRP over TLS (TCP/TLS/MSRP, msrps:); --ca FILE\n"
		"verifies the receiver's certificate when we dial (against\n"
		"FILE, for the host of its a=path; none without --ca);\n"
		"--cert FILE (certificate + key, PEM) is what we show when it\n"
		"dials us: needed with --tls unless --setup active.\n"
		"--force sends even if the answer's a=max-size/accept-types\n"
		"rule the body out. A progress bar when stderr is a terminal.\n"
		"For testing receivers (MSRP only):\n"
		"  --order forward|reverse|shuffle   chunk order on the wire\n"
		"  --interleave FILE2 [--interleave-type TYPE]   a second\n"
		"      message, own Message-ID, chunks alternating with the first\n"
		"  --abort-after BYTES   FIN the MSRP connection mid-message\n"
		"      after that many body bytes, exit 1\n"
		"  --total-star          Byte-Range a-b/* but on the last chunk\n",
		SEND_PAGER_MAX);
}


static void resp_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct send *s = arg;

	if (msg && msg->scode < 200)
		return;

	s->done = true;
	if (err || !msg) {
		s->err = err ? err : EPROTO;
	}
	else {
		s->scode = msg->scode;
		(void)pl_strcpy(&msg->reason, s->reason, sizeof(s->reason));
	}

	re_cancel();
}


static int read_file(const char *path, struct mbuf *mb)
{
	uint8_t buf[4096];
	FILE *f = fopen(path, "rb");
	size_t n;
	int err = 0;

	if (!f)
		return errno;

	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (mb->end + n > SEND_BODY_MAX) {
			err = EFBIG;
			break;
		}
		err = mbuf_write_mem(mb, buf, n);
		if (err)
			break;
	}

	if (!err && ferror(f))
		err = EIO;

	fclose(f);
	return err;
}


/* Local address towards the proxy, so Via and Contact are reachable. */
static int local_addr(struct sa *laddr, const struct uri *proxy)
{
	struct sa dst;
	socklen_t len;
	char host[128];
	int fd, err = 0;

	if (pl_strcpy(&proxy->host, host, sizeof(host)) ||
	    sa_set_str(&dst, host, proxy->port ? proxy->port : 5060))
		return net_default_source_addr_get(AF_INET, laddr);

	fd = socket(sa_af(&dst), SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;

	if (connect(fd, &dst.u.sa, dst.len) < 0) {
		err = errno;
	}
	else {
		sa_init(laddr, sa_af(&dst));
		len = sizeof(laddr->u);
		if (getsockname(fd, &laddr->u.sa, &len) < 0)
			err = errno;
		laddr->len = len;
		sa_set_port(laddr, 0);
	}

	(void)close(fd);
	return err;
}


static void timeout_handler(void *arg)
{
	struct send *s = arg;

	s->err = ETIMEDOUT;
	re_cancel();
}


int cmd_send(int argc, char **argv)
{
	static const struct option opts[] = {
		{"proxy",   required_argument, NULL, 'p'},
		{"to",      required_argument, NULL, 't'},
		{"app",     required_argument, NULL, 'a'},
		{"type",    required_argument, NULL, 'T'},
		{"from",    required_argument, NULL, 'f'},
		{"file",    required_argument, NULL, 'F'},
		{"data",    required_argument, NULL, 'd'},
		{"timeout", required_argument, NULL, 'w'},
		{"header",  required_argument, NULL, 'H'},
		{"msrp",    no_argument,       NULL, 'M'},
		{"chunk-size", required_argument, NULL, 'C'},
		{"setup",   required_argument, NULL, 'S'},
		{"order",   required_argument, NULL, 'O'},
		{"interleave", required_argument, NULL, 'I'},
		{"interleave-type", required_argument, NULL, 'Y'},
		{"abort-after", required_argument, NULL, 'A'},
		{"total-star", no_argument,    NULL, 'Z'},
		{"force",   no_argument,       NULL, 'X'},
		{"tls",     no_argument,       NULL, 'L'},
		{"ca",      required_argument, NULL, 'K'},
		{"cert",    required_argument, NULL, 'E'},
		{"help",    no_argument,       NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *proxy = NULL, *to = NULL, *app = NULL, *file = NULL;
	const char *data = NULL, *from = "sip:psa@sippush.invalid";
	const char *type = "application/octet-stream";
	char canon[APPID_SIZE], ftag[APPID_SIZE * 3];
	struct mbuf *body = NULL, *hdrs = NULL;
	struct send_msrp_opts mo;
	struct stat st;
	bool msrp = false;
	struct send s;
	struct uri route;
	struct pl pl;
	struct sa laddr;
	struct tmr tmr;
	unsigned timeout = 40;
	int c, err, ret = 3;

	memset(&s, 0, sizeof(s));
	memset(&mo, 0, sizeof(mo));
	tmr_init(&tmr);

	err = libre_init();
	if (err) {
		fprintf(stderr, "sippush send: libre_init: %s\n", strerror(err));
		return 3;
	}
	dbg_init(DBG_WARNING, DBG_NONE);

	hdrs = mbuf_alloc(256);
	body = mbuf_alloc(1024);
	if (!hdrs || !body) {
		ret = 3;
		goto out;
	}

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': proxy = optarg; break;
		case 't': to    = optarg; break;
		case 'a': app   = optarg; break;
		case 'T': type  = optarg; break;
		case 'f': from  = optarg; break;
		case 'F': file  = optarg; break;
		case 'd': data  = optarg; break;
		case 'w': timeout = (unsigned)atoi(optarg); break;
		case 'M': msrp = true; break;
		case 'C': mo.chunk_size  = optarg; break;
		case 'S': mo.setup       = optarg; break;
		case 'O': mo.order       = optarg; break;
		case 'I': mo.interleave  = optarg; break;
		case 'Y': mo.interleave_type = optarg; break;
		case 'A': mo.abort_after = optarg; break;
		case 'Z': mo.total_star  = 1; break;
		case 'X': mo.force       = 1; break;
		case 'L': mo.tls         = 1; msrp = true; break;
		case 'K': mo.ca          = optarg; break;
		case 'E': mo.cert        = optarg; break;
		case 'H':
			if (strpbrk(optarg, "\r\n") || !strchr(optarg, ':')) {
				fprintf(stderr, "sippush send: bad --header\n");
				ret = 2;
				goto out;
			}
			(void)mbuf_printf(hdrs, "%s\r\n", optarg);
			break;
		case 'h':
			usage(stdout);
			ret = 0;
			goto out;
		default:
			usage(stderr);
			ret = 2;
			goto out;
		}
	}

	if (!proxy || !to || !app || (!file == !data) || optind != argc ||
	    strpbrk(type, "\r\n") || strpbrk(from, "\r\n<>") ||
	    strpbrk(to, "\r\n<>") || !timeout ||
	    ((mo.ca || mo.cert) && !mo.tls)) {
		usage(stderr);
		ret = 2;
		goto out;
	}

	if (appid_normalise_str(canon, sizeof(canon), app) ||
	    appid_ftag_value(ftag, sizeof(ftag), canon)) {
		fprintf(stderr, "sippush send: '%s' is not an application ID\n",
			app);
		ret = 2;
		goto out;
	}

	pl_set_str(&pl, proxy);
	if (uri_decode(&route, &pl)) {
		fprintf(stderr, "sippush send: --proxy '%s' is not a SIP URI\n",
			proxy);
		ret = 2;
		goto out;
	}

	/* too big for a MESSAGE: session mode (a pipe is read as before) */
	if (file ? !stat(file, &st) && S_ISREG(st.st_mode) &&
		   st.st_size > SEND_PAGER_MAX :
	    strlen(data) > SEND_PAGER_MAX)
		msrp = true;

	err = msrp ? 0 : file ? read_file(file, body) :
		mbuf_write_str(body, data);
	if (err) {
		fprintf(stderr, "sippush send: body: %s\n", strerror(err));
		ret = 2;
		goto out;
	}

	err = local_addr(&laddr, &route);
	if (err)
		goto fail;

	if (msrp) {
		mo.proxy = proxy;  mo.to = to;      mo.from = from;
		mo.ftag  = ftag;   mo.type = type;  mo.file = file;
		mo.data  = data;   mo.timeout = timeout;
		(void)mbuf_write_u8(hdrs, 0);
		mo.hdrs  = (const char *)hdrs->buf;
		ret = send_msrp(&mo, &laddr);
		goto out;
	}

	err = sip_alloc(&s.sip, NULL, 16, 16, 16, "sippush/" SIPPUSH_VERSION,
			NULL, NULL);
	if (err)
		goto fail;

	err  = sip_transp_add(s.sip, SIP_TRANSP_UDP, &laddr);
	err |= sip_transp_add(s.sip, SIP_TRANSP_TCP, &laddr);
	if (err)
		goto fail;

	err = sip_requestf(&s.req, s.sip, true, "MESSAGE", to, &route, NULL,
			   NULL, resp_handler, &s,
			   "To: <%s>\r\n"
			   "From: <%s>;tag=%x\r\n"
			   "Call-ID: %x%x@sippush\r\n"
			   "CSeq: 1 MESSAGE\r\n"
			   "Accept-Contact: *;+g.oma.pusheventapp=\"%s\""
			   ";require;explicit\r\n"
			   "Request-Disposition: no-fork\r\n"
			   "%b"
			   "Content-Type: %s\r\n"
			   "Content-Length: %zu\r\n"
			   "\r\n"
			   "%b",
			   to, from, rand_u32(), rand_u32(), rand_u32(), ftag,
			   hdrs->buf, hdrs->end, type, body->end,
			   body->buf, body->end);
	if (err)
		goto fail;

	tmr_start(&tmr, timeout * 1000ULL, timeout_handler, &s);
	(void)re_main(NULL);
	tmr_cancel(&tmr);

	if (s.done && !s.err) {
		printf("%u %s\n", s.scode, s.reason);
		ret = (s.scode >= 200 && s.scode < 300) ? 0 : 1;
		goto out;
	}

	err = s.err;

 fail:
	fprintf(stderr, "sippush send: %s\n", strerror(err));
	ret = 3;

 out:
	mem_deref(s.req);
	if (s.sip)
		sip_close(s.sip, true);
	mem_deref(s.sip);
	mem_deref(body);
	mem_deref(hdrs);
	libre_close();

	return ret;
}
