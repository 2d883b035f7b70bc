/* test_store.c: the crash-safe store: round trips, order, restart, leftovers, bounds, expiry, body files, SIGKILL mid-write. */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <re.h>
#include "autoconf.h"
#include "store.h"
#include "unit.h"

static char tmp[256];      /* this test's temp dir, removed afterwards */
static char dir[320];      /* tmp/store: does not exist at first */
static struct store *st;

static const struct store_bounds roomy = { 1000, 1u << 30 };


static void setup(void)
{
	tmp[0] = '\0';
	CU_ASSERT_FATAL(unit_mkdtemp(tmp, sizeof(tmp)) == 0);
	CU_ASSERT_FATAL(re_snprintf(dir, sizeof(dir), "%s/store", tmp) > 0);
}


static void teardown(void)
{
	st = mem_deref(st);
	if (tmp[0])
		(void)unit_rmtree(tmp);
	tmp[0] = '\0';
}


static uint8_t pat(uint32_t seed, size_t i)
{
	return (uint8_t)(seed * 7 + i * 131 + (i >> 8));
}


static void fill(uint8_t *p, uint32_t seed, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pat(seed, i);
}


static int put(const char *key, const char *meta, const void *body,
	       size_t len, struct store_rec **rp)
{
	struct store_item it;

	memset(&it, 0, sizeof(it));
	it.key     = key;
	it.meta    = meta;
	it.metalen = meta ? strlen(meta) : 0;
	it.body    = body;
	it.len     = len;

	return store_put(st, &it, &roomy, rp);
}


static bool exists(const char *name)
{
	char path[512];
	struct stat sb;

	(void)re_snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &sb) == 0;
}


/* Number of files in dir whose name ends in suffix ("" = all). */
static int count_files(const char *suffix)
{
	struct dirent *de;
	size_t sl = strlen(suffix);
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;

	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' && (l == 1 || (l == 2 &&
							 de->d_name[1] == '.')))
			continue;
		if (l >= sl && !strcmp(de->d_name + l - sl, suffix))
			++n;
	}

	closedir(d);
	return n;
}


/* meta and body of r equal the given ones */
static bool rec_is(const struct store_rec *r, const char *meta,
		   const uint8_t *body, size_t len)
{
	struct mbuf *m = NULL, *b = NULL;
	int fd = -2;
	bool ok;

	if (store_read(r, &m, &b, &fd))
		return false;

	ok = m && b && fd == -1 && m->end == strlen(meta) &&
		!memcmp(m->buf, meta, m->end) && b->end == len &&
		(!len || !memcmp(b->buf, body, len)) && m->pos == 0;

	mem_deref(m);
	mem_deref(b);
	return ok;
}


static void test_roundtrip(void)
{
	static uint8_t body[20000];
	struct store_rec *r = NULL;
	struct stat sb;
	char path[512];

	setup();
	fill(body, 1, sizeof(body));

	UNIT_ASSERT_INT(store_alloc(&st, dir, "push", 0), 0);
	CU_ASSERT_FATAL(st != NULL);

	CU_ASSERT_FATAL(stat(dir, &sb) == 0);
	UNIT_ASSERT_INT(sb.st_mode & 0777, 0700);

	UNIT_ASSERT_INT(put("x-wap-application:mms.ua",
			    "Content-Type: a/b\nSender: sip:a@b\n", body,
			    sizeof(body), &r), 0);
	CU_ASSERT_FATAL(r != NULL);

	UNIT_ASSERT_STR(store_rec_key(r), "x-wap-application:mms.ua");
	UNIT_ASSERT_INT(store_rec_len(r), sizeof(body));
	CU_ASSERT(store_rec_stored(r));
	CU_ASSERT(store_rec_arrived(r) > 1600000000000ull);
	CU_ASSERT(rec_is(r, "Content-Type: a/b\nSender: sip:a@b\n", body,
			 sizeof(body)));

	/* one file, mode 0600, named by sequence number only */
	UNIT_ASSERT_INT(count_files(""), 1);
	(void)re_snprintf(path, sizeof(path), "%s/%016llx.push", dir,
			  (unsigned long long)store_rec_seq(r));
	CU_ASSERT_FATAL(stat(path, &sb) == 0);
	UNIT_ASSERT_INT(sb.st_mode & 0777, 0600);

	UNIT_ASSERT_INT(store_count(st, "x-wap-application:mms.ua"), 1);
	UNIT_ASSERT_INT(store_bytes(st, "x-wap-application:mms.ua"),
			sizeof(body) + 34);
	UNIT_ASSERT_INT(store_count(st, "other"), 0);
	UNIT_ASSERT_INT(store_total(st), 1);

	/* an empty body and no meta are fine too */
	UNIT_ASSERT_INT(put("k", NULL, NULL, 0, &r), 0);
	CU_ASSERT(rec_is(r, "", NULL, 0));
}


static void test_order(void)
{
	struct store_rec *r;
	char meta[32];
	const char *keys[] = {"b", "a", "b", "c", "a", "b"};

	setup();
	UNIT_ASSERT_INT(store_alloc(&st, dir, "push", 0), 0);

	for (int i = 0; i < 6; i++) {
		(void)re_snprintf(meta, sizeof(meta), "n=%d", i);
		UNIT_ASSERT_INT(put(keys[i], meta, meta, strlen(meta), NULL),
				0);
	}

	/* per key, in arrival order */
	r = store_first(st, "b");
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT(rec_is(r, "n=0", (const uint8_t *)"n=0", 3));
	r = store_next(r);
	CU_ASSERT(rec_is(r, "n=2", (const uint8_t *)"n=2", 3));
	r = store_next(r);
	CU_ASSERT(rec_is(r, "n=5", (const uint8_t *)"n=5", 3));
	CU_ASSERT(store_next(r) == NULL);

	r = store_first(st, "a");
	CU_ASSERT(rec_is(r, "n=1", (const uint8_t *)"n=1", 3));
	CU_ASSERT(store_first(st, "zz") == NULL);

	/* any key: the oldest of all */
	r = store_first(st, NULL);
	CU_ASSERT(rec_is(r, "n=0", (const uint8_t *)"n=0", 3));
	store_del(r);
	r = store_first(st, NULL);
	CU_ASSERT(rec_is(r, "n=1", (const uint8_t *)"n=1", 3));

	/* sequence numbers grow */
	CU_ASSERT(store_rec_seq(store_first(st, "b")) <
		  store_rec_seq(store_next(store_first(st, "b"))));
}


static void test_restart(void)
{
	static uint8_t body[3000];
	struct store_rec *r;
	uint64_t last = 0, arrived;
	char meta[32];

	setup();
	UNIT_ASSERT_INT(store_alloc(&st, dir, "push", 0), 0);

	for (uint32_t i = 0; i < 20; i++) {
		struct store_item it;

		fill(body, i, sizeof(body));
		(void)re_snprintf(meta, sizeof(meta), "i=%u", i);
		memset(&it, 0, sizeof(it));
		it.key = i % 2 ? "odd" : "even";
		it.meta = meta;
		it.metalen = strlen(meta);
		it.body = body;
		it.len = 100 * i;
		it.arrived_ms = 1700000000000ull + i;
		it.expires = i == 3 ? 4000000000ull : 0;
		UNIT_ASSERT_INT(store_put(st, &it, &roomy, &r), 0);
		last = store_rec_seq(r);
	}

	st = mem_deref(st);
	UNIT_ASSERT_INT(store_alloc(&st, dir, "push", 0), 0);
	UNIT_ASSERT_INT(store_total(st), 20);
	UNIT_ASSERT_INT(store_count(st, "odd"), 10);

	/* everything as it was, in order, with arrival and expiry times */
	for (uint32_t k = 0; k < 2; k++) {
		uint32_t i = k;

		for (r = store_first(st, k ? "odd" : "even"); r;
		     r = store_next(r), i += 2) {
			fill(body, i, sizeof(body));
			(void)re_snprintf(meta, sizeof(meta), "i=%u", i);
			CU_ASSERT(rec_is(r, meta, body, 100 * i));
			arrived = store_rec_arrived(r);
			UNIT_ASSERT_INT(arrived, 1700000000000ull + i);
			UNIT_ASSERT_INT(store_rec_expires(r),
					i == 3 ? 4000000000ull : 0);
		}
		UNIT_ASSERT_INT(i, 20 + k);
	}

	/* new ones come after every old one */
	UNIT_ASSERT_INT(put("even", "new", NULL, 0, &r), 0);
	CU_ASSERT(store_rec_seq(r) > last);
	r = store_first(st, "even");
	CU_ASSERT(rec_is(r, "i=0", body, 0));
}


static int mkfile(const char *name, const void *p, size_t n)
{
	char path[512];

	(void)re_snprintf(path, sizeof(path), "%s/%s", dir, name);
	return unit_write_file(path, p, n);
}


static int rec_text(char *buf, size_t sz, const char *key, size_t ml,
		    size_t bl, const char *bf)
{
	return re_snprintf(buf, sz, "sippushd-store 1\nKey: %s\n"
			   "Arrived: 1\nExpires: 0\nMeta-Length: %zu\n"
			   "Body-Length: %zu\nBody-File: %s\n\n", key, ml, bl,
			   bf);
}


/* What a crash (or a damaged disk) can leave is removed at start; the
 * complete records stay; other files are not touched. */
static void test_leftovers(void)
{
	char buf[512];
	int n;

	setup();
	CU_ASSERT_FATAL(mkdir(dir, 0700) == 0);

	/* complete: inline, and one with its body file */
	n = rec_text(buf, sizeof(buf), "good", 2, 3, "no");
	memcpy(buf + n, "mmbbb", 5);
	UNIT_ASSERT_INT(mkfile("0000000000000005.push", buf, (size_t)n + 5),
			0);
	n = rec_text(buf, sizeof(buf), "good", 0, 4, "yes");
	UNIT_ASSERT_INT(mkfile("0000000000000009.push", buf, (size_t)n), 0);
	UNIT_ASSERT_INT(mkfile("0000000000000009.push.body", "BODY", 4), 0);

	/* interrupted writes */
	UNIT_ASSERT_INT(mkfile("0000000000000010.push.tmp", "sipp", 4), 0);
	UNIT_ASSERT_INT(mkfile("0000000000000011.push.body.tmp", "x", 1), 0);
	UNIT_ASSERT_INT(mkfile("0000000000000012.push.body", "orphan", 6), 0);

	/* damaged: short, long, bad magic, bad header, body file missing or
	 * of the wrong size, a key with a space */
	n = rec_text(buf, sizeof(buf), "k", 2, 3, "no");
	UNIT_ASSERT_INT(mkfile("0000000000000013.push", buf, (size_t)n + 4),
			0);
	memcpy(buf + n, "mmbbbX", 6);
	UNIT_ASSERT_INT(mkfile("0000000000000014.push", buf, (size_t)n + 6),
			0);
	UNIT_ASSERT_INT(mkfile("0000000000000015.push", "garbage\n\n", 9), 0);
	n = re_snprintf(buf, sizeof(buf), "sippushd-store 1\nKey: k\n\n");
	UNIT_ASSERT_INT(mkfile("0000000000000016.push", buf, (size_t)n), 0);
	n = rec_text(buf, sizeof(buf), "k", 0, 4, "yes");
	UNIT_ASSERT_INT(mkfile("0000000000000017.push", buf, (size_t)n), 0);
	UNIT_ASSERT_INT(mkfile("0000000000000018.push", buf, (size_t)n), 0);
	UNIT_ASSERT_INT(mkfile("0000000000000018.push.body", "LONGER", 6),
			0);
	n = rec_text(buf, sizeof(buf), "a b", 0, 0, "no");
	UNIT_ASSERT_INT(mkfile("0000000000000019.push", buf, (size_t)n), 0);
	UNIT_ASSERT_INT(mkfile("0000000000000020.push", "", 0), 0);

	/* not ours: another kind, other names */
	UNIT_ASSERT_INT(mkfile("0000000000000021.imdn.tmp", "x", 1), 0);
	UNIT_ASSERT_INT(mkfile("README", "x", 1), 0);
	UNIT_ASSERT_INT(mkfile("00000000000000zz.push.tmp", "x", 1), 0);

	unit_log_capture(true);
	UNIT_ASSERT_INT(store_alloc(&st, dir, "push", 0), 0);
	UNIT_ASSERT_CONTAINS(unit_log_text(), "incomplete or damaged");
	unit_log_capture(false);

	UNIT_ASSERT_INT(store_total(st), 2);
	CU_ASSERT(rec_is(store_first(st, "good"), "mm",
			 (const uint8_t *)"bbb", 3));
	{
		struct store_rec *r = store_next(store_first(st, "good"));
		char got[8] = "";
		int fd = -1;

		CU_ASSERT_FATAL(r != NULL);
		UNIT_ASSERT_INT(store_read(r, NULL, NULL, &fd), 0);
		CU_ASSERT(fd >= 0 && read(fd, got, sizeof(got)) == 4);
		UNIT_ASSERT_STR(got, "BODY");
		if (fd >= 0)
			(void)close(fd);
	}

	CU_ASSERT(exists("0000000000000005.push"));
	CU_ASSERT(exists("0000000000000009.push.body"));
	for (int i = 10; i <= 20; i++) {
		char name[64];

		(void)re_snprintf(name, sizeof(name), "00000000000000%02d.push",
				  i);
		CU_ASSERT(!exists(name));
	}
	UNIT_ASSERT_INT(count_files(".tmp"), 2);    /* imdn's and zz's */
	UNIT_ASSERT_INT(count_files(".body"), 1);
	CU_ASSERT(exists("README"));

	/* the next number is past every name seen, the removed ones too */
	{
		struct store_rec *r;

		UNIT_ASSERT_INT(put("good", NULL, NULL, 0, &r), 0);
		UNIT_ASSERT_INT(store_rec_seq(r), 0x21);
	}
}


static void test_bounds(void)
{
	static uint8_t body[1000];
	const struct store_bounds b = { 3, 2502 };
	struct store_item it;
	struct store_rec *r;

	setup();
	UNIT_ASSERT_INT(store_alloc(&st, dir, "push", 5), 0);

	memset(&it, 0, sizeof(it));
	it.key  = "a";
	it.body = body;
	it.len  = 1000;
	it.meta = "mm";
	it.metalen = 2;

	/* bytes: 2 x 1002 fit, a third would make 3006 > 2502 */
	UNIT_ASSERT_INT(store_put(st, &it, &b, NULL), 0);
	UNIT_ASSERT_INT(store_put(st, &it, &b, NULL), 0);
	UNIT_ASSERT_INT(store_put(st, &it, &b, NULL), ENOSPC);
	it.len = 496;
	UNIT_ASSERT_INT(store_put(st, &it, &b, NULL), 0);   /* 2502 */
	UNIT_ASSERT_INT(store_bytes(st, "a"), 2502);

	/* count: 3 */
	it.len = 0;
	it.metalen = 0;
	UNIT_ASSERT_INT(store_put(st, &it, &b, NULL), ENOSPC);
	UNIT_ASSERT_INT(store_count(st, "a"), 3);

	/* another key has its own bounds; the store's own bound is 5 */
	it.key = "b";
	UNIT_ASSERT_INT(store_put(st, &it, &b, NULL), 0);
	UNIT_ASSERT_INT(store_put(st, &it, &b, &r), 0);
	UNIT_ASSERT_INT(store_put(st, &it, NULL, NULL), ENOSPC);
	UNIT_ASSERT_INT(count_files(""), 5);

	/* deleting makes room again */
	store_del(r);
	UNIT_ASSERT_INT(store_put(st, &it, NULL, NULL), 0);
	store_del(store_first(st, "a"));       /* a: 2 records, 1500 bytes */
	it.key = "a";
	it.len = 1001;
	it.metalen = 2;
	UNIT_ASSERT_INT(store_put(st, &it, &b, NULL), ENOSPC);  /* 2503 */
	it.len = 1000;
	UNIT_ASSERT_INT(store_put(st, &it, &b, NULL), 0);       /* 2502 */
	store_del(store_first(st, "b"));
	it.len = 0;
	it.metalen = 0;
	UNIT_ASSERT_INT(store_put(st, &it, &b, NULL), ENOSPC);  /* count */
	it.key = "b";
	UNIT_ASSERT_INT(store_put(st, &it, &b, NULL), 0);

	UNIT_ASSERT_INT(count_files(""), store_total(st));
	{
		char s[512];

		(void)re_snprintf(s, sizeof(s), "%H", store_status, st);
		UNIT_ASSERT_CONTAINS(s, "push_store_records=5\n");
		UNIT_ASSERT_CONTAINS(s, "push_store_full=5\n");
	}
}


static void test_expire(void)
{
	struct store_item it;
	uint64_t next = 1;

	setup();
	UNIT_ASSERT_INT(store_alloc(&st, dir, "push", 0), 0);

	memset(&it, 0, sizeof(it));
	it.key = "a";
	it.expires = 1000;
	UNIT_ASSERT_INT(store_put(st, &it, &roomy, NULL), 0);
	it.expires = 0;
	UNIT_ASSERT_INT(store_put(st, &it, &roomy, NULL), 0);
	it.key = "b";
	it.expires = 2000;
	UNIT_ASSERT_INT(store_put(st, &it, &roomy, NULL), 0);
	it.expires = 1500;
	UNIT_ASSERT_INT(store_put(st, &it, &roomy, NULL), 0);

	UNIT_ASSERT_INT(store_expire(st, 999, &next), 0);
	UNIT_ASSERT_INT(next, 1000);

	unit_log_capture(true);
	UNIT_ASSERT_INT(store_expire(st, 1000, &next), 1);
	UNIT_ASSERT_CONTAINS(unit_log_text(), "for a expired at 1000");
	UNIT_ASSERT_INT(next, 1500);
	UNIT_ASSERT_INT(store_expire(st, 5000, &next), 2);
	UNIT_ASSERT_CONTAINS(unit_log_text(), "for b expired at 2000");
	unit_log_capture(false);
	UNIT_ASSERT_INT(next, 0);

	/* the one without an expiry stays; "b" is gone altogether */
	UNIT_ASSERT_INT(store_total(st), 1);
	UNIT_ASSERT_INT(store_count(st, "a"), 1);
	CU_ASSERT(store_first(st, "b") == NULL);
	UNIT_ASSERT_INT(count_files(""), 1);
}


static void test_body_file(void)
{
	static uint8_t body[200000], got[200000];
	char src[512], path[512];
	struct store_item it;
	struct store_rec *r = NULL;
	struct mbuf *m = NULL, *b = NULL;
	ssize_t n;
	int fd;

	setup();
	fill(body, 9, sizeof(body));
	UNIT_ASSERT_INT(store_alloc(&st, dir, "push", 0), 0);

	(void)re_snprintf(src, sizeof(src), "%s/spooled", tmp);
	UNIT_ASSERT_INT(unit_write_file(src, body, sizeof(body)), 0);

	memset(&it, 0, sizeof(it));
	it.key = "big";
	it.meta = "Transport: msrp\n";
	it.metalen = strlen(it.meta);
	it.body_file = src;

	/* the length must be the file's */
	it.len = sizeof(body) - 1;
	UNIT_ASSERT_INT(store_put(st, &it, &roomy, NULL), EINVAL);
	CU_ASSERT(access(src, F_OK) == 0);
	UNIT_ASSERT_INT(count_files(""), 0);

	it.len = sizeof(body);
	UNIT_ASSERT_INT(store_put(st, &it, &roomy, &r), 0);

	/* renamed, not copied */
	CU_ASSERT(access(src, F_OK) < 0 && errno == ENOENT);
	(void)re_snprintf(path, sizeof(path), "%016llx.push.body",
			  (unsigned long long)store_rec_seq(r));
	CU_ASSERT(exists(path));

	UNIT_ASSERT_INT(store_read(r, &m, &b, &fd), 0);
	CU_ASSERT(b == NULL);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(m && m->end == it.metalen);
	n = pread(fd, got, sizeof(got), 0);
	UNIT_ASSERT_INT(n, sizeof(body));
	CU_ASSERT(!memcmp(got, body, sizeof(body)));
	UNIT_ASSERT_INT(lseek(fd, 0, SEEK_CUR), 0);
	mem_deref(m);

	/* deleted: both files go, the open descriptor still reads */
	store_del(r);
	UNIT_ASSERT_INT(count_files(""), 0);
	CU_ASSERT(pread(fd, got, 10, 0) == 10);
	(void)close(fd);
}


/* A body file on another file system is copied (rename says EXDEV). */
static void test_body_file_exdev(void)
{
	static uint8_t body[70000], got[70000];
	char shm[64] = "/dev/shm/sippush-unit.XXXXXX", src[128];
	struct stat a, b;
	struct store_item it;
	struct store_rec *r = NULL;
	int fd;

	setup();
	if (!mkdtemp(shm)) {
		printf("(no /dev/shm: skipped) ");
		return;
	}
	if (stat(shm, &a) || stat(tmp, &b) || a.st_dev == b.st_dev) {
		printf("(same file system: skipped) ");
		(void)rmdir(shm);
		return;
	}

	fill(body, 3, sizeof(body));
	(void)re_snprintf(src, sizeof(src), "%s/spooled", shm);
	UNIT_ASSERT_INT(unit_write_file(src, body, sizeof(body)), 0);

	UNIT_ASSERT_INT(store_alloc(&st, dir, "push", 0), 0);
	memset(&it, 0, sizeof(it));
	it.key = "big";
	it.body_file = src;
	it.len = sizeof(body);
	UNIT_ASSERT_INT(store_put(st, &it, &roomy, &r), 0);

	UNIT_ASSERT_INT(count_files(".body"), 1);
	UNIT_ASSERT_INT(count_files(".tmp"), 0);
	UNIT_ASSERT_INT(store_read(r, NULL, NULL, &fd), 0);
	CU_ASSERT(fd >= 0 && pread(fd, got, sizeof(got), 0) ==
		  (ssize_t)sizeof(got) && !memcmp(got, body, sizeof(body)));
	if (fd >= 0)
		(void)close(fd);

	(void)unlink(src);
	(void)rmdir(shm);
}


/* A write error leaves nothing behind, and the body file where it was. */
static void test_write_error(void)
{
	static uint8_t body[16384];
	struct rlimit old, lim;
	void (*oldsig)(int);
	char src[512];
	struct store_item it;

	setup();
	fill(body, 5, sizeof(body));
	UNIT_ASSERT_INT(store_alloc(&st, dir, "push", 0), 0);
	(void)re_snprintf(src, sizeof(src), "%s/spooled", tmp);
	UNIT_ASSERT_INT(unit_write_file(src, body, 10), 0);

	CU_ASSERT_FATAL(getrlimit(RLIMIT_FSIZE, &old) == 0);
	oldsig = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 4096;
	CU_ASSERT_FATAL(setrlimit(RLIMIT_FSIZE, &lim) == 0);

	UNIT_ASSERT_INT(put("a", "m", body, sizeof(body), NULL), EFBIG);

	/* the record is too big; the body file was moved in, and goes back */
	memset(&it, 0, sizeof(it));
	it.key = "a";
	it.meta = (const char *)body;
	it.metalen = 4096;
	it.body_file = src;
	it.len = 10;
	UNIT_ASSERT_INT(store_put(st, &it, &roomy, NULL), EFBIG);

	(void)setrlimit(RLIMIT_FSIZE, &old);
	(void)signal(SIGXFSZ, oldsig);

	UNIT_ASSERT_INT(count_files(""), 0);
	UNIT_ASSERT_INT(store_total(st), 0);
	CU_ASSERT(access(src, F_OK) == 0);

	/* and it goes on */
	UNIT_ASSERT_INT(put("a", "m", body, sizeof(body), NULL), 0);
	UNIT_ASSERT_INT(store_total(st), 1);
}


static void test_bad_input(void)
{
	char longkey[STORE_KEY_MAX + 2];
	static char meta[STORE_META_MAX + 1];
	struct store_item it;
	struct store *s2 = NULL;

	setup();

	UNIT_ASSERT_INT(store_alloc(&s2, dir, "", 0), EINVAL);
	UNIT_ASSERT_INT(store_alloc(&s2, dir, "Push", 0), EINVAL);
	UNIT_ASSERT_INT(store_alloc(&s2, dir, "a/b", 0), EINVAL);
	UNIT_ASSERT_INT(store_alloc(&s2, dir, "abcdefghijklmnop", 0), EINVAL);
	UNIT_ASSERT_INT(store_alloc(&s2, "", "push", 0), EINVAL);
	CU_ASSERT(s2 == NULL);
	(void)re_snprintf(longkey, sizeof(longkey), "%s/file", tmp);
	UNIT_ASSERT_INT(unit_write_file(longkey, "x", 1), 0);
	CU_ASSERT(store_alloc(&s2, longkey, "push", 0) != 0);

	UNIT_ASSERT_INT(store_alloc(&st, dir, "push", 0), 0);

	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	UNIT_ASSERT_INT(put(longkey, NULL, NULL, 0, NULL), EINVAL);
	longkey[STORE_KEY_MAX] = '\0';
	UNIT_ASSERT_INT(put(longkey, NULL, NULL, 0, NULL), 0);
	UNIT_ASSERT_INT(put("a b", NULL, NULL, 0, NULL), EINVAL);
	UNIT_ASSERT_INT(put("a\nKey: x", NULL, NULL, 0, NULL), EINVAL);
	UNIT_ASSERT_INT(put("", NULL, NULL, 0, NULL), EINVAL);
	UNIT_ASSERT_INT(put("a", NULL, NULL, 5, NULL), EINVAL);

	memset(meta, 'm', sizeof(meta));
	memset(&it, 0, sizeof(it));
	it.key = "a";
	it.meta = meta;
	it.metalen = sizeof(meta);
	UNIT_ASSERT_INT(store_put(st, &it, &roomy, NULL), EINVAL);
	it.metalen = STORE_META_MAX;
	UNIT_ASSERT_INT(store_put(st, &it, &roomy, NULL), 0);

	/* a key made only of odd characters still names no file */
	UNIT_ASSERT_INT(put("../../etc/passwd", NULL, NULL, 0, NULL), 0);
	UNIT_ASSERT_INT(count_files(".push"), 3);
	CU_ASSERT(store_first(st, "../../etc/passwd") != NULL);
}


static void test_lifetime(void)
{
	struct store_rec *r, *r2;
	struct mbuf *m = NULL;

	setup();
	UNIT_ASSERT_INT(store_alloc(&st, dir, "push", 0), 0);

	UNIT_ASSERT_INT(put("a", "one", NULL, 0, &r), 0);
	UNIT_ASSERT_INT(put("a", "two", NULL, 0, &r2), 0);

	/* a holder's reference outlives deletion and the store */
	mem_ref(r);
	store_del(r);
	CU_ASSERT(!store_rec_stored(r));
	UNIT_ASSERT_INT(store_read(r, &m, NULL, NULL), ENOENT);
	CU_ASSERT(m == NULL);
	store_del(r);                  /* twice: nothing happens */
	UNIT_ASSERT_INT(store_total(st), 1);
	CU_ASSERT(store_first(st, "a") == r2);
	mem_deref(r);

	mem_ref(r2);
	st = mem_deref(st);
	CU_ASSERT(!store_rec_stored(r2));
	CU_ASSERT(store_rec_key(r2) == NULL);
	store_del(r2);
	mem_deref(r2);

	/* the file is still there for the next start */
	UNIT_ASSERT_INT(store_alloc(&st, dir, "push", 0), 0);
	UNIT_ASSERT_INT(store_total(st), 1);
	CU_ASSERT(rec_is(store_first(st, "a"), "two", NULL, 0));
}


/* Two kinds, two directories: a second user (e.g. IMDN) of the module. */
static void test_two_kinds(void)
{
	struct store *s2 = NULL;
	char dir2[400];
	struct store_item it;

	setup();
	(void)re_snprintf(dir2, sizeof(dir2), "%s/imdn", tmp);
	UNIT_ASSERT_INT(store_alloc(&st, dir, "push", 0), 0);
	UNIT_ASSERT_INT(store_alloc(&s2, dir2, "imdn", 10), 0);

	UNIT_ASSERT_INT(put("a", "p", "P", 1, NULL), 0);
	memset(&it, 0, sizeof(it));
	it.key = "sip:sender@example.com";
	it.body = (const uint8_t *)"<imdn/>";
	it.len = 7;
	UNIT_ASSERT_INT(store_put(s2, &it, NULL, NULL), 0);

	UNIT_ASSERT_INT(store_total(st), 1);
	UNIT_ASSERT_INT(store_total(s2), 1);
	UNIT_ASSERT_STR(store_dir(s2), dir2);
	mem_deref(s2);
}


/*
 * The promise: after store_put() returned 0, a SIGKILL cannot lose the
 * record, and whatever a SIGKILL interrupted is cleaned away at the next
 * start. A child stores records as fast as it can and tells us each
 * one it got 0 for; we kill it at a random moment, many times, and
 * check after each restart.
 */
static void crash_child(int wfd, const char *sdir, uint32_t round)
{
	static uint8_t body[40000];
	struct store *cs = NULL;
	char meta[64], src[512];

	if (store_alloc(&cs, sdir, "push", 0))
		_exit(2);

	for (uint32_t i = 0; ; i++) {
		struct store_item it;
		uint32_t id = round << 16 | i;
		size_t len = (i * 7919u) % sizeof(body);
		int err;

		fill(body, id, len);
		(void)re_snprintf(meta, sizeof(meta), "id=%u len=%zu", id,
				  len);
		memset(&it, 0, sizeof(it));
		it.key     = i % 3 ? "k1" : "k2";
		it.meta    = meta;
		it.metalen = strlen(meta);

		if (i % 4 == 3) {
			/* like an MSRP spool file, renamed in */
			(void)re_snprintf(src, sizeof(src), "%s/../spool-%u",
					  sdir, id);
			if (unit_write_file(src, body, len))
				_exit(3);
			it.body_file = src;
		}
		else {
			it.body = body;
		}
		it.len = len;

		err = store_put(cs, &it, NULL, NULL);
		if (err)
			_exit(4);

		if (write(wfd, &id, sizeof(id)) != sizeof(id))
			_exit(5);
	}
}


/* r holds what crash_child() wrote for its id; 1 if the id was
 * reported, 0 if not (killed between store_put() and the report) */
static uint32_t check_rec(const struct store_rec *r, uint8_t *body,
			  const uint32_t *ids, size_t idc)
{
	static uint8_t got[40000];
	struct mbuf *m = NULL, *b = NULL;
	unsigned id = 0;
	size_t len = 0;
	int fd = -1;
	bool ok;

	CU_ASSERT_FATAL(store_read(r, &m, &b, &fd) == 0);
	CU_ASSERT_FATAL(m != NULL);
	m->pos = m->end;
	(void)mbuf_write_u8(m, 0);
	CU_ASSERT_FATAL(sscanf((char *)m->buf, "id=%u len=%zu", &id,
			       &len) == 2);
	fill(body, id, len);
	if (b)
		ok = b->end == len && !memcmp(b->buf, body, len);
	else
		ok = fd >= 0 && pread(fd, got, sizeof(got), 0) ==
			(ssize_t)len && !memcmp(got, body, len);
	CU_ASSERT(ok);
	if (fd >= 0)
		(void)close(fd);
	mem_deref(m);
	mem_deref(b);

	for (size_t i = 0; i < idc; i++)
		if (ids[i] == id)
			return 1;

	return 0;
}


static void test_sigkill(void)
{
	static uint8_t body[40000];
	uint32_t reported = 0, seen_total = 0, interrupted = 0;
	int rounds = 25;

	setup();
	srand((unsigned)time(NULL));

	for (int round = 0; round < rounds; round++) {
		struct timespec ts;
		struct store_rec *r;
		uint32_t ids[4096];
		size_t idc = 0;
		int pfd[2], status;
		pid_t pid;
		ssize_t n;
		uint32_t matched = 0;

		CU_ASSERT_FATAL(pipe(pfd) == 0);

		pid = fork();
		CU_ASSERT_FATAL(pid >= 0);
		if (pid == 0) {
			(void)close(pfd[0]);
			crash_child(pfd[1], dir, (uint32_t)round);
		}
		(void)close(pfd[1]);

		/* 1..200 ms of writing (each record waits for two syncs),
		 * then the plug */
		ts.tv_sec = 0;
		ts.tv_nsec = (1 + rand() % 200) * 1000000L;
		(void)nanosleep(&ts, NULL);
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, &status, 0);
		CU_ASSERT(WIFSIGNALED(status));

		while (idc < 4096 && (n = read(pfd[0], &ids[idc],
						sizeof(ids[0]))) ==
		       sizeof(ids[0]))
			++idc;
		(void)close(pfd[0]);
		reported += (uint32_t)idc;

		unit_log_capture(true);
		UNIT_ASSERT_INT(store_alloc(&st, dir, "push", 0), 0);
		if (strstr(unit_log_text(), "partial files"))
			++interrupted;
		unit_log_capture(false);
		UNIT_ASSERT_INT(count_files(".tmp"), 0);

		/* every record is complete and byte-exact */
		for (int k = 0; k < 2; k++) {
			for (r = store_first(st, k ? "k2" : "k1"); r; ) {
				struct store_rec *next = store_next(r);

				matched += check_rec(r, body, ids, idc);

				/* this round's are done with: each round
				 * starts empty (the numbers go on) */
				store_del(r);
				r = next;
			}
		}

		/* all that was reported is there (one more may be: killed
		 * between store_put() and its report) */
		UNIT_ASSERT_INT(matched, idc);
		seen_total += matched;

		st = mem_deref(st);
	}

	UNIT_ASSERT_INT(seen_total, reported);
	CU_ASSERT(reported > 0);
	printf("(%u records over %d kills, %u of them mid-write) ", reported,
	       rounds, interrupted);
}


static CU_TestInfo store_tests[] = {
	{"put and read back, file 0600 in a dir 0700", test_roundtrip},
	{"arrival order per key and overall", test_order},
	{"restart: same records, same order, next numbers", test_restart},
	{"partial and damaged files removed at start", test_leftovers},
	{"count, byte and store bounds: ENOSPC", test_bounds},
	{"expiry drops with a log line", test_expire},
	{"body file renamed in, read as a descriptor", test_body_file},
	{"body file on another file system copied", test_body_file_exdev},
	{"write error leaves nothing", test_write_error},
	{"bad kinds, keys and meta refused", test_bad_input},
	{"records held by callers outlive deletion", test_lifetime},
	{"two kinds in two directories", test_two_kinds},
	{"SIGKILL while writing loses nothing acknowledged", test_sigkill},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"store", unit_libre_init, unit_libre_close, NULL, teardown,
	 store_tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_store", suites);
}
