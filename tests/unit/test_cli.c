/* test_cli.c: the CLI's modules: listen --exec handlers (body, environment, exit codes, timeout), JSON output, durable files. */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <re.h>
#include "autoconf.h"
#include <sippush/client.h>
#include "../../tools/sippush/handler.h"
#include "../../tools/sippush/json.h"
#include "../../tools/sippush/fileout.h"
#include "unit.h"

static char tmp[256];
static struct sippush *cl;
static int peer = -1;


static void setup(void)
{
	int sv[2];
	static const char hello[] = "OK sippush 1 test";

	tmp[0] = '\0';
	CU_ASSERT_FATAL(unit_mkdtemp(tmp, sizeof(tmp)) == 0);

	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				   sv) == 0);
	CU_ASSERT(send(sv[0], hello, sizeof(hello) - 1, 0) > 0);
	cl = sippush_open_fd(sv[1]);
	CU_ASSERT_FATAL(cl != NULL);
	peer = sv[0];
}


static void teardown(void)
{
	sippush_close(cl);
	cl = NULL;
	if (peer >= 0)
		(void)close(peer);
	peer = -1;
	if (tmp[0])
		(void)unit_rmtree(tmp);
	tmp[0] = '\0';
}


/* The next push, as the daemon would send it: body or descriptor. */
static void recv_push(struct sippush_push *p, const char *extra,
		      const void *body, size_t len, int fd)
{
	char rec[2048];
	int n = re_snprintf(rec, sizeof(rec),
			    "PUSH\nId: 4711\nApp-Id: x-wap-application:mms.ua\n"
			    "Content-Type: application/vnd.wap.mms-message\n"
			    "Content-Length: %zu\nSender: sip:+1555@ims.test;"
			    "user=phone\nTransport: %s\n%s%s\n", len,
			    fd >= 0 ? "msrp" : "sip-udp", extra,
			    fd >= 0 ? "Body-Fd: 1\n" : "");

	if (fd >= 0) {
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} ctl;
		struct iovec iov = { rec, (size_t)n };
		struct msghdr mh;
		struct cmsghdr *cm;

		memset(&mh, 0, sizeof(mh));
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		CU_ASSERT_FATAL(sendmsg(peer, &mh, 0) == n);
	}
	else {
		memcpy(rec + n, body, len);
		CU_ASSERT_FATAL(send(peer, rec, (size_t)n + len, 0) ==
				(ssize_t)(n + len));
	}

	UNIT_ASSERT_INT(sippush_recv(cl, p, 2000), 0);
}


static const char *readf(const char *name)
{
	static char buf[70000];
	char path[512];

	(void)re_snprintf(path, sizeof(path), "%s/%s", tmp, name);
	if (unit_read_file(path, buf, sizeof(buf)) < 0)
		return "(missing)";
	return buf;
}


/* ---- exit codes --------------------------------------------------- */

static void test_exit_map(void)
{
	struct handler h;
	char r[64];

	memset(&h, 0, sizeof(h));

	UNIT_ASSERT_INT(handler_code_of(&h, 0, r, sizeof(r)), 0);
	UNIT_ASSERT_INT(handler_code_of(&h, 65, r, sizeof(r)), 400);
	UNIT_ASSERT_STR(r, "Handler Exit 65");
	UNIT_ASSERT_INT(handler_code_of(&h, 67, r, sizeof(r)), 404);
	UNIT_ASSERT_INT(handler_code_of(&h, 69, r, sizeof(r)), 503);
	UNIT_ASSERT_INT(handler_code_of(&h, 75, r, sizeof(r)), 480);
	UNIT_ASSERT_INT(handler_code_of(&h, 76, r, sizeof(r)), 415);
	UNIT_ASSERT_INT(handler_code_of(&h, 77, r, sizeof(r)), 403);
	UNIT_ASSERT_INT(handler_code_of(&h, 1, r, sizeof(r)), 500);
	UNIT_ASSERT_STR(r, "Handler Failed (exit 1)");
	UNIT_ASSERT_INT(handler_code_of(&h, 63, r, sizeof(r)), 500);
	UNIT_ASSERT_INT(handler_code_of(&h, 79, r, sizeof(r)), 500);

	/* --nack-code adds and overrides */
	UNIT_ASSERT_INT(handler_map_add(&h, "3=486"), 0);
	UNIT_ASSERT_INT(handler_map_add(&h, "65=488"), 0);
	UNIT_ASSERT_INT(handler_map_add(&h, "3=600"), 0);
	UNIT_ASSERT_INT(h.mapc, 2);
	UNIT_ASSERT_INT(handler_code_of(&h, 3, r, sizeof(r)), 600);
	UNIT_ASSERT_INT(handler_code_of(&h, 65, r, sizeof(r)), 488);
	UNIT_ASSERT_INT(handler_code_of(&h, 66, r, sizeof(r)), 400);

	UNIT_ASSERT_INT(handler_map_add(&h, "0=486"), EINVAL);
	UNIT_ASSERT_INT(handler_map_add(&h, "256=486"), EINVAL);
	UNIT_ASSERT_INT(handler_map_add(&h, "3=399"), EINVAL);
	UNIT_ASSERT_INT(handler_map_add(&h, "3=700"), EINVAL);
	UNIT_ASSERT_INT(handler_map_add(&h, "3"), EINVAL);
	UNIT_ASSERT_INT(handler_map_add(&h, "3=486x"), EINVAL);
	UNIT_ASSERT_INT(handler_map_add(&h, "x=486"), EINVAL);
	UNIT_ASSERT_INT(handler_map_add(&h, "=486"), EINVAL);

	for (int i = 10; i < 10 + HANDLER_MAP_MAX - 2; i++) {
		char spec[16];

		(void)re_snprintf(spec, sizeof(spec), "%d=499", i);
		UNIT_ASSERT_INT(handler_map_add(&h, spec), 0);
	}
	UNIT_ASSERT_INT(handler_map_add(&h, "200=499"), ENOSPC);
}


/* ---- running a command -------------------------------------------- */

static void run_sh(const char *script, struct handler_verdict *v,
		   const struct sippush_push *p, const char *dir,
		   unsigned timeout_ms)
{
	char *argv[] = {"sh", "-c", (char *)script, "handler", NULL};
	struct handler h;

	memset(&h, 0, sizeof(h));
	h.argv = argv;
	h.timeout_ms = timeout_ms;
	h.socket = "/run/test.sock";
	h.dir = dir;

	UNIT_ASSERT_INT(handler_run(&h, cl, p, v), 0);
}


static void test_env_and_stdin(void)
{
	static const uint8_t body[] = "line 1\n\0binary\xff\n";
	struct handler_verdict v;
	struct sippush_push p;
	char want[1024];

	setup();
	(void)setenv("OUT", tmp, 1);
	(void)setenv("SIPPUSH_BODY", "/stale/from/the/caller", 1);

	recv_push(&p, "Stored: yes\nArrived: 1714000000.250\n", body,
		  sizeof(body), -1);

	run_sh("env | grep '^SIPPUSH_' | sort > \"$OUT/env\";"
	       "cat > \"$OUT/stdin\"; echo \"$1\" > \"$OUT/args\"",
	       &v, &p, NULL, 5000);
	(void)unsetenv("SIPPUSH_BODY");

	UNIT_ASSERT_INT(v.code, 0);
	UNIT_ASSERT_INT(v.exit, 0);
	CU_ASSERT(!v.timed_out);

	(void)re_snprintf(want, sizeof(want),
			  "SIPPUSH_APP=x-wap-application:mms.ua\n"
			  "SIPPUSH_ARRIVED=1714000000.250\n"
			  "SIPPUSH_CONTENT_TYPE=application/vnd.wap.mms-message\n"
			  "SIPPUSH_ID=4711\n"
			  "SIPPUSH_LENGTH=%zu\n"
			  "SIPPUSH_SENDER=sip:+1555@ims.test;user=phone\n"
			  "SIPPUSH_SOCKET=/run/test.sock\n"
			  "SIPPUSH_STORED=yes\n"
			  "SIPPUSH_TRANSPORT=sip-udp\n", sizeof(body));
	UNIT_ASSERT_STR(readf("env"), want);
	UNIT_ASSERT_STR(readf("args"), "\n");

	/* the body byte-exact on stdin */
	{
		char path[512], got[64];
		int fd, n;

		(void)re_snprintf(path, sizeof(path), "%s/stdin", tmp);
		fd = open(path, O_RDONLY);
		n = (int)read(fd, got, sizeof(got));
		(void)close(fd);
		UNIT_ASSERT_INT(n, sizeof(body));
		CU_ASSERT(!memcmp(got, body, sizeof(body)));
	}
}


/* --dir: the files are named in SIPPUSH_BODY and SIPPUSH_META; a push
 * that came as a descriptor comes on stdin from its own offset. */
static void test_fd_body_and_dir(void)
{
	static uint8_t big[300000];
	struct handler_verdict v;
	struct sippush_push p;
	char path[512];
	int fd;

	setup();
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13 + (i >> 10));
	(void)re_snprintf(path, sizeof(path), "%s/spool", tmp);
	UNIT_ASSERT_INT(unit_write_file(path, big, sizeof(big)), 0);
	fd = open(path, O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	(void)lseek(fd, 1000, SEEK_SET);     /* the handler reads from 0 */

	recv_push(&p, "", NULL, sizeof(big), fd);
	(void)close(fd);
	CU_ASSERT_FATAL(p.fd >= 0);
	(void)setenv("OUT", tmp, 1);

	run_sh("cat > \"$OUT/stdin\";"
	       "echo \"$SIPPUSH_BODY $SIPPUSH_META $SIPPUSH_STORED\" > "
	       "\"$OUT/files\"; exit 0", &v, &p, "/var/spool/pushes", 5000);

	UNIT_ASSERT_INT(v.code, 0);
	UNIT_ASSERT_STR(readf("files"), "/var/spool/pushes/4711.body "
			"/var/spool/pushes/4711.meta no\n");
	(void)re_snprintf(path, sizeof(path), "%s/stdin", tmp);
	{
		static uint8_t got[300001];
		int in = open(path, O_RDONLY);
		ssize_t n = read(in, got, sizeof(got));
		size_t tot = n > 0 ? (size_t)n : 0;

		while (n > 0 && tot < sizeof(got)) {
			n = read(in, got + tot, sizeof(got) - tot);
			if (n > 0)
				tot += (size_t)n;
		}
		(void)close(in);
		UNIT_ASSERT_INT(tot, sizeof(big));
		CU_ASSERT(!memcmp(got, big, sizeof(big)));
	}

	/* and the library's descriptor was not moved */
	UNIT_ASSERT_INT(lseek(p.fd, 0, SEEK_CUR), 1000);
}


static void test_exit_codes(void)
{
	struct handler_verdict v;
	struct sippush_push p;

	setup();
	recv_push(&p, "", "x", 1, -1);

	run_sh("exit 65", &v, &p, NULL, 5000);
	UNIT_ASSERT_INT(v.exit, 65);
	UNIT_ASSERT_INT(v.code, 400);

	run_sh("exit 3", &v, &p, NULL, 5000);
	UNIT_ASSERT_INT(v.code, 500);
	UNIT_ASSERT_STR(v.reason, "Handler Failed (exit 3)");

	run_sh("kill -SEGV $$", &v, &p, NULL, 5000);
	UNIT_ASSERT_INT(v.exit, 128 + SIGSEGV);
	UNIT_ASSERT_INT(v.code, 500);
	UNIT_ASSERT_STR(v.reason, "Handler Killed (signal 11)");

	/* a command that does not read stdin is fine */
	run_sh("exit 0", &v, &p, NULL, 5000);
	UNIT_ASSERT_INT(v.code, 0);

	/* not found: an errno, and a NACK 500 in the verdict */
	{
		char *argv[] = {"/nonexistent/handler", NULL};
		struct handler h;

		memset(&h, 0, sizeof(h));
		h.argv = argv;
		h.socket = "x";
		UNIT_ASSERT_INT(handler_run(&h, cl, &p, &v), ENOENT);
		UNIT_ASSERT_INT(v.code, 500);
		UNIT_ASSERT_INT(v.exit, -1);
	}

	/* nothing left to reap */
	CU_ASSERT(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}


/* Past the timeout the command and all it started are killed: 408. */
static void test_timeout(void)
{
	struct handler_verdict v;
	struct sippush_push p;
	char pidfile[400], buf[32];
	pid_t grandchild;

	setup();
	recv_push(&p, "", "x", 1, -1);
	(void)setenv("OUT", tmp, 1);

	run_sh("sleep 30 & echo $! > \"$OUT/pid\"; wait", &v, &p, NULL, 300);
	CU_ASSERT(v.timed_out);
	UNIT_ASSERT_INT(v.code, 408);
	UNIT_ASSERT_STR(v.reason, "Handler Timed Out");
	UNIT_ASSERT_INT(v.exit, 128 + SIGKILL);

	(void)re_snprintf(pidfile, sizeof(pidfile), "%s/pid", tmp);
	CU_ASSERT_FATAL(unit_read_file(pidfile, buf, sizeof(buf)) > 0);
	grandchild = (pid_t)atoi(buf);
	CU_ASSERT(grandchild > 0);

	/* the background sleep went with its group (it may linger as a
	 * zombie of init's for a moment, but it no longer runs) */
	for (int i = 0; i < 200; i++) {
		char st[64], path[64];

		(void)re_snprintf(path, sizeof(path), "/proc/%d/stat",
				  (int)grandchild);
		if (unit_read_file(path, st, sizeof(st)) < 0 ||
		    strstr(st, ") Z "))
			break;
		usleep(10000);
	}
	{
		char st[64], path[64];

		(void)re_snprintf(path, sizeof(path), "/proc/%d/stat",
				  (int)grandchild);
		CU_ASSERT(unit_read_file(path, st, sizeof(st)) < 0 ||
			  strstr(st, ") Z ") != NULL);
	}
}


/* ---- JSON ----------------------------------------------------------- */

static void test_json_push(void)
{
	struct json_outcome o = { NULL, NULL, NULL, 0, -1 };
	struct sippush_push p;
	char *text = NULL;
	size_t sz;
	FILE *f;

	setup();
	recv_push(&p, "Stored: yes\nArrived: 1714000000.250\n", "hi", 2, -1);

	f = open_memstream(&text, &sz);
	UNIT_ASSERT_INT(json_push(f, cl, &p, &o), 0);
	fclose(f);
	UNIT_ASSERT_STR(text, "{\"id\":4711,\"app\":\"x-wap-application:mms.ua\","
			"\"type\":\"application/vnd.wap.mms-message\","
			"\"length\":2,\"sender\":\"sip:+1555@ims.test;user=phone\","
			"\"transport\":\"sip-udp\",\"stored\":true,"
			"\"arrived\":\"1714000000.250\"}\n");
	free(text);

	o.body = "/d/4711.body";
	o.meta = "/d/4711.meta";
	o.verdict = "nack";
	o.code = 486;
	o.exit = 75;
	f = open_memstream(&text, &sz);
	UNIT_ASSERT_INT(json_push(f, cl, &p, &o), 0);
	fclose(f);
	UNIT_ASSERT_CONTAINS(text, ",\"body\":\"/d/4711.body\","
			     "\"meta\":\"/d/4711.meta\",\"verdict\":\"nack\","
			     "\"code\":486,\"exit\":75}\n");
	free(text);

	/* escaping */
	f = open_memstream(&text, &sz);
	json_str(f, "a\"b\\c\nd\te\x01\x7f\xc3\xa9");
	fclose(f);
	UNIT_ASSERT_STR(text, "\"a\\\"b\\\\c\\nd\\te\\u0001\\u007f\\u00c3"
			"\\u00a9\"");
	free(text);
}


static void test_json_status(void)
{
	char *text = NULL;
	size_t sz;
	FILE *f = open_memstream(&text, &sz);

	UNIT_ASSERT_INT(json_status(f,
		"protocol=1\nversion=0.1.0\nregistration=registered\n"
		"advertised=mms.ua,ulp.ua\nclients=2\nempty=\n"
		"route=x-wap-application:mms.ua owner=yes monitors=0\n"
		"route=x-oma-application:ulp.ua owner=no monitors=2\n"
		"exec=mms.ua running=no starts=3 failures=1 retry_in_ms=0\n"
		"text=two words\nzero=0\nlead=007\nbig=12345678901234567\n"),
			0);
	fclose(f);
	UNIT_ASSERT_STR(text, "{\"protocol\":1,\"version\":\"0.1.0\","
		"\"registration\":\"registered\","
		"\"advertised\":\"mms.ua,ulp.ua\",\"clients\":2,\"empty\":\"\","
		"\"route\":[{\"name\":\"x-wap-application:mms.ua\","
		"\"owner\":\"yes\",\"monitors\":0},"
		"{\"name\":\"x-oma-application:ulp.ua\",\"owner\":\"no\","
		"\"monitors\":2}],"
		"\"exec\":{\"name\":\"mms.ua\",\"running\":\"no\",\"starts\":3,"
		"\"failures\":1,\"retry_in_ms\":0},"
		"\"text\":\"two words\",\"zero\":0,\"lead\":\"007\","
		"\"big\":\"12345678901234567\"}\n");
	free(text);
}


/* ---- files ---------------------------------------------------------- */

static void test_fileout(void)
{
	static uint8_t big[200000];
	char path[512];
	struct stat st;
	int dfd, src;

	setup();
	dfd = open(tmp, O_RDONLY | O_DIRECTORY);
	CU_ASSERT_FATAL(dfd >= 0);

	UNIT_ASSERT_INT(fileout_write(dfd, "1.meta", "Id: 1\n", 6, -1), 0);
	UNIT_ASSERT_STR(readf("1.meta"), "Id: 1\n");
	(void)re_snprintf(path, sizeof(path), "%s/1.meta", tmp);
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);

	/* from a descriptor, at any offset of its own */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i ^ (i >> 8));
	(void)re_snprintf(path, sizeof(path), "%s/src", tmp);
	UNIT_ASSERT_INT(unit_write_file(path, big, sizeof(big)), 0);
	src = open(path, O_RDONLY);
	(void)lseek(src, 77, SEEK_SET);
	UNIT_ASSERT_INT(fileout_write(dfd, "2.body", NULL, sizeof(big), src),
			0);
	UNIT_ASSERT_INT(lseek(src, 0, SEEK_CUR), 77);

	/* shorter than announced: EIO, and nothing left */
	UNIT_ASSERT_INT(fileout_write(dfd, "3.body", NULL, sizeof(big) + 1,
				      src), EIO);
	CU_ASSERT(access(tmp, F_OK) == 0);
	(void)re_snprintf(path, sizeof(path), "%s/3.body", tmp);
	CU_ASSERT(access(path, F_OK) < 0);
	(void)re_snprintf(path, sizeof(path), "%s/.3.body.tmp", tmp);
	CU_ASSERT(access(path, F_OK) < 0);
	(void)close(src);

	{
		static uint8_t got[200001];
		int fd;
		ssize_t n, tot = 0;

		(void)re_snprintf(path, sizeof(path), "%s/2.body", tmp);
		fd = open(path, O_RDONLY);
		while ((n = read(fd, got + tot, sizeof(got) - (size_t)tot)) > 0)
			tot += n;
		(void)close(fd);
		UNIT_ASSERT_INT(tot, sizeof(big));
		CU_ASSERT(!memcmp(got, big, sizeof(big)));
	}

	(void)close(dfd);

	/* an unusable directory */
	UNIT_ASSERT_INT(fileout_write(-1, "x", "y", 1, -1), EBADF);
}


static CU_TestInfo cli_tests[] = {
	{"exit codes: sysexits, --nack-code", test_exit_map},
	{"handler: environment and body on stdin", test_env_and_stdin},
	{"handler: descriptor body, --dir names", test_fd_body_and_dir},
	{"handler: exit codes, signals, not found", test_exit_codes},
	{"handler: timeout kills the group, 408", test_timeout},
	{"json: push objects, escaping", test_json_push},
	{"json: STATUS as one object", test_json_status},
	{"fileout: whole, synced, or nothing", test_fileout},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"cli", unit_libre_init, unit_libre_close, NULL, teardown, cli_tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_cli", suites);
}
