/* test_spool.c: spool files: names, modes, writes out of order, holes, unlink on free, cleaning, sparse sizes. */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <re.h>
#include "autoconf.h"
#include "spool.h"
#include "unit.h"

static char tmp[256];      /* this test's temp dir, removed afterwards */
static char dir[320];      /* tmp/spool: does not exist at first */
static struct spool *sp, *sp2;


static void setup(void)
{
	tmp[0] = '\0';
	CU_ASSERT_FATAL(unit_mkdtemp(tmp, sizeof(tmp)) == 0);
	CU_ASSERT_FATAL(re_snprintf(dir, sizeof(dir), "%s/spool", tmp) > 0);
}


static void teardown(void)
{
	sp  = mem_deref(sp);
	sp2 = mem_deref(sp2);
	if (tmp[0])
		(void)unit_rmtree(tmp);
	tmp[0] = '\0';
}


/* a recognisable byte for every offset */
static uint8_t pat(uint64_t off)
{
	return (uint8_t)(off * 131 + (off >> 9) + 7);
}


static void fill(uint8_t *p, uint64_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pat(off + i);
}


/* Read n bytes at off from fd (pread: the fd's position is not moved). */
static bool read_at(int fd, uint64_t off, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = pread(fd, p, n, (off_t)off);

		if (r <= 0)
			return false;
		p   += r;
		n   -= (size_t)r;
		off += (uint64_t)r;
	}

	return true;
}


/* Whole file through fd from its current position: must equal want. */
static bool read_all_eq(int fd, const uint8_t *want, size_t n)
{
	uint8_t buf[4096];
	size_t got = 0;

	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0)
			return false;
		if (r == 0)
			break;
		if (got + (size_t)r > n || memcmp(buf, want + got, (size_t)r))
			return false;
		got += (size_t)r;
	}

	return got == n;
}


static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;

	return true;
}


static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}


static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}


static int mkpath(char *path, size_t sz, const char *d, const char *name)
{
	return re_snprintf(path, sz, "%s/%s", d, name) < 0 ? ENAMETOOLONG : 0;
}


/* --- tests -------------------------------------------------------------- */

static void test_create(void)
{
	const char *path, *name;
	struct stat st;
	mode_t old;
	size_t dl;

	setup();
	dl = strlen(dir);
	CU_ASSERT_FATAL(!exists(dir));

	/* no help from the umask: the modes are the code's own */
	old = umask(0);
	UNIT_ASSERT_INT(spool_alloc(&sp, dir), 0);
	UNIT_ASSERT_INT(spool_alloc(&sp2, dir), 0);
	(void)umask(old);
	CU_ASSERT_FATAL(sp != NULL && sp2 != NULL);

	/* the directory was made, for us only */
	CU_ASSERT(stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
	UNIT_ASSERT_INT(st.st_mode & 07777, 0700);

	path = spool_path(sp);
	CU_ASSERT_FATAL(path != NULL);
	CU_ASSERT(!strncmp(path, dir, dl) && path[dl] == '/');
	name = path + dl + 1;
	CU_ASSERT(!strncmp(name, "msrp-", 5));
	CU_ASSERT(strlen(name) > 5);
	UNIT_ASSERT_INT(strspn(name + 5, "0123456789abcdef-"),
			strlen(name + 5));

	CU_ASSERT(lstat(path, &st) == 0 && S_ISREG(st.st_mode));
	UNIT_ASSERT_INT(st.st_mode & 07777, 0600);
	UNIT_ASSERT_INT(st.st_size, 0);
	UNIT_ASSERT_INT(st.st_nlink, 1);
	UNIT_ASSERT_INT(spool_size(sp), 0);

	/* two at once: two files */
	CU_ASSERT(spool_path(sp2) && strcmp(spool_path(sp2), path));
	CU_ASSERT(exists(spool_path(sp2)));

	/* the directory existing is fine too */
	sp2 = mem_deref(sp2);
	UNIT_ASSERT_INT(spool_alloc(&sp2, dir), 0);
	CU_ASSERT(sp2 && exists(spool_path(sp2)));
}


/* Names are random: many at once never collide, never repeat a shape
 * that could come from outside. */
static void test_names(void)
{
	enum { N = 64 };
	struct spool *v[N] = { NULL };
	unsigned ok = 0, distinct = 0;

	setup();

	for (int i = 0; i < N; i++) {
		const char *p, *name;

		if (spool_alloc(&v[i], dir) || !v[i])
			continue;
		p = spool_path(v[i]);
		name = strrchr(p, '/');
		if (name && !strncmp(name, "/msrp-", 6) && name[6] &&
		    strspn(name + 6, "0123456789abcdef-") == strlen(name + 6))
			++ok;
	}
	UNIT_ASSERT_INT(ok, N);

	for (int i = 0; i < N; i++) {
		bool dup = false;

		for (int j = 0; j < i && v[i] && v[j]; j++)
			dup |= !strcmp(spool_path(v[i]), spool_path(v[j]));
		distinct += v[i] && !dup;
	}
	UNIT_ASSERT_INT(distinct, N);

	for (int i = 0; i < N; i++)
		v[i] = mem_deref(v[i]);
}


/* Chunks arrive in any order: 3rd, 1st, 2nd. */
static void test_out_of_order(void)
{
	enum { C1 = 1000, C2 = 3000, C3 = 777, TOTAL = C1 + C2 + C3 };
	static uint8_t want[TOTAL];
	struct stat st;
	int fd, fd2;

	setup();
	fill(want, 0, TOTAL);

	UNIT_ASSERT_INT(spool_alloc(&sp, dir), 0);
	CU_ASSERT_FATAL(sp != NULL);

	UNIT_ASSERT_INT(spool_write(sp, C1 + C2, want + C1 + C2, C3), 0);
	UNIT_ASSERT_INT(spool_size(sp), TOTAL);
	UNIT_ASSERT_INT(spool_write(sp, 0, want, C1), 0);
	UNIT_ASSERT_INT(spool_size(sp), TOTAL);
	UNIT_ASSERT_INT(spool_write(sp, C1, want + C1, C2), 0);
	UNIT_ASSERT_INT(spool_size(sp), TOTAL);

	/* a retransmitted chunk lands on itself */
	UNIT_ASSERT_INT(spool_write(sp, C1, want + C1, C2), 0);
	UNIT_ASSERT_INT(spool_size(sp), TOTAL);

	UNIT_ASSERT_INT(spool_finish(sp), 0);
	UNIT_ASSERT_INT(file_size(spool_path(sp)), TOTAL);

	fd = spool_open_read(sp);
	CU_ASSERT_FATAL(fd >= 0);

	/* read-only, at offset 0, not inherited by children */
	UNIT_ASSERT_INT(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	UNIT_ASSERT_INT(lseek(fd, 0, SEEK_CUR), 0);
	CU_ASSERT(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CU_ASSERT(write(fd, "x", 1) < 0);
	CU_ASSERT(fstat(fd, &st) == 0 && st.st_size == TOTAL);
	CU_ASSERT(read_all_eq(fd, want, TOTAL));

	/* each reader has its own position */
	fd2 = spool_open_read(sp);
	CU_ASSERT_FATAL(fd2 >= 0);
	CU_ASSERT(fd2 != fd);
	UNIT_ASSERT_INT(lseek(fd2, 0, SEEK_CUR), 0);
	CU_ASSERT(read_all_eq(fd2, want, TOTAL));

	(void)close(fd);
	(void)close(fd2);
}


static void test_holes(void)
{
	static uint8_t buf[100003];
	int fd;

	setup();

	UNIT_ASSERT_INT(spool_alloc(&sp, dir), 0);
	CU_ASSERT_FATAL(sp != NULL);

	UNIT_ASSERT_INT(spool_write(sp, 100000, (const uint8_t *)"xyz", 3), 0);
	UNIT_ASSERT_INT(spool_size(sp), 100003);
	UNIT_ASSERT_INT(spool_write(sp, 0, (const uint8_t *)"abc", 3), 0);
	UNIT_ASSERT_INT(spool_size(sp), 100003);

	fd = spool_open_read(sp);
	CU_ASSERT_FATAL(fd >= 0);
	memset(buf, 0xee, sizeof(buf));
	CU_ASSERT(read_at(fd, 0, buf, sizeof(buf)));
	CU_ASSERT(!memcmp(buf, "abc", 3));
	CU_ASSERT(all_zero(buf + 3, 100000 - 3));
	CU_ASSERT(!memcmp(buf + 100000, "xyz", 3));
	{
		uint8_t b;

		CU_ASSERT(pread(fd, &b, 1, 100003) == 0);   /* the end */
	}
	(void)close(fd);

	/* only a byte far out: everything before it reads as zeros */
	UNIT_ASSERT_INT(spool_alloc(&sp2, dir), 0);
	CU_ASSERT_FATAL(sp2 != NULL);
	UNIT_ASSERT_INT(spool_write(sp2, 4999, (const uint8_t *)"Z", 1), 0);
	UNIT_ASSERT_INT(spool_size(sp2), 5000);
	UNIT_ASSERT_INT(spool_finish(sp2), 0);
	fd = spool_open_read(sp2);
	CU_ASSERT_FATAL(fd >= 0);
	memset(buf, 0xee, 5000);
	CU_ASSERT(read_at(fd, 0, buf, 5000));
	CU_ASSERT(all_zero(buf, 4999));
	UNIT_ASSERT_INT(buf[4999], 'Z');
	(void)close(fd);
}


/* spool_size: the highest byte written + 1, so the file's own size. */
static void test_size(void)
{
	uint8_t b[64];

	setup();
	fill(b, 0, sizeof(b));

	UNIT_ASSERT_INT(spool_alloc(&sp, dir), 0);
	CU_ASSERT_FATAL(sp != NULL);

	UNIT_ASSERT_INT(spool_write(sp, 10, b, 5), 0);
	UNIT_ASSERT_INT(spool_size(sp), 15);
	UNIT_ASSERT_INT(spool_write(sp, 0, b, 1), 0);
	UNIT_ASSERT_INT(spool_size(sp), 15);
	UNIT_ASSERT_INT(spool_write(sp, 14, b, 2), 0);
	UNIT_ASSERT_INT(spool_size(sp), 16);
	UNIT_ASSERT_INT(file_size(spool_path(sp)), 16);

	/* nothing written, nothing counted: an empty chunk (an MSRP SEND
	 * may have no body) does not make the content longer */
	UNIT_ASSERT_INT(spool_write(sp, 0, NULL, 0), 0);
	UNIT_ASSERT_INT(spool_write(sp, 16, b, 0), 0);
	UNIT_ASSERT_INT(spool_size(sp), 16);
	UNIT_ASSERT_INT(spool_write(sp, 5000, b, 0), 0);
	UNIT_ASSERT_INT(spool_size(sp), 16);
	UNIT_ASSERT_INT(spool_size(sp), file_size(spool_path(sp)));

	/* arguments */
	UNIT_ASSERT_INT(spool_write(sp, 0, NULL, 1), EINVAL);
	UNIT_ASSERT_INT(spool_write(NULL, 0, b, 1), EINVAL);
	UNIT_ASSERT_INT(spool_finish(NULL), EINVAL);
	UNIT_ASSERT_INT(spool_open_read(NULL), -1);
	UNIT_ASSERT_INT(spool_size(NULL), 0);
	CU_ASSERT_PTR_NULL(spool_path(NULL));
	UNIT_ASSERT_INT(spool_alloc(NULL, dir), EINVAL);
	UNIT_ASSERT_INT(spool_alloc(&sp2, NULL), EINVAL);
	CU_ASSERT_PTR_NULL(sp2);
}


/* A write the file system refuses is an error, not a short file taken
 * for a whole one (RLIMIT_FSIZE stands in for a full flash). */
static void test_write_error(void)
{
	static uint8_t b[16384];
	struct rlimit old, lim;
	void (*oldsig)(int);
	int err;

	setup();
	fill(b, 0, sizeof(b));

	UNIT_ASSERT_INT(spool_alloc(&sp, dir), 0);
	CU_ASSERT_FATAL(sp != NULL);
	UNIT_ASSERT_INT(spool_write(sp, 0, b, 100), 0);

	CU_ASSERT_FATAL(getrlimit(RLIMIT_FSIZE, &old) == 0);
	oldsig = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 4096;
	CU_ASSERT_FATAL(setrlimit(RLIMIT_FSIZE, &lim) == 0);

	err = spool_write(sp, 0, b, sizeof(b));    /* 4096 fit, then EFBIG */
	UNIT_ASSERT_INT(err, EFBIG);
	UNIT_ASSERT_INT(spool_write(sp, 8192, b, 10), EFBIG);

	(void)setrlimit(RLIMIT_FSIZE, &old);
	(void)signal(SIGXFSZ, oldsig);

	/* what was complete before is all that counts */
	UNIT_ASSERT_INT(spool_size(sp), 100);

	/* and it goes on once there is room again */
	UNIT_ASSERT_INT(spool_write(sp, 0, b, sizeof(b)), 0);
	UNIT_ASSERT_INT(spool_size(sp), sizeof(b));
}


/* The daemon keeps no spool file: gone with its object, while the
 * app's descriptor still reads it. */
static void test_unlink_on_free(void)
{
	static const uint8_t msg[] = "large message body\0with a NUL";
	char path[512];
	uint8_t buf[sizeof(msg)];
	struct stat st;
	int fd;

	setup();

	UNIT_ASSERT_INT(spool_alloc(&sp, dir), 0);
	CU_ASSERT_FATAL(sp != NULL);
	str_ncpy(path, spool_path(sp), sizeof(path));
	UNIT_ASSERT_INT(spool_write(sp, 0, msg, sizeof(msg)), 0);
	UNIT_ASSERT_INT(spool_finish(sp), 0);

	fd = spool_open_read(sp);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(exists(path));

	sp = mem_deref(sp);
	CU_ASSERT(!exists(path));

	/* the descriptor outlives the name */
	CU_ASSERT(fstat(fd, &st) == 0 && st.st_nlink == 0);
	UNIT_ASSERT_INT(st.st_size, sizeof(msg));
	memset(buf, 0, sizeof(buf));
	CU_ASSERT(read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(msg));
	CU_ASSERT(!memcmp(buf, msg, sizeof(msg)));
	(void)close(fd);

	/* never written to: removed all the same, the directory stays */
	UNIT_ASSERT_INT(spool_alloc(&sp, dir), 0);
	CU_ASSERT_FATAL(sp != NULL);
	str_ncpy(path, spool_path(sp), sizeof(path));
	CU_ASSERT(exists(path));
	sp = mem_deref(sp);
	CU_ASSERT(!exists(path));
	CU_ASSERT(exists(dir));
}


static void test_dir_clean(void)
{
	static const char *const theirs[] = {
		"other.txt", "msrp", "xmsrp-0123", "MSRP-0123", "msrp_0123",
		".msrp-0123",
	};
	static const char *const ours[] = {
		"msrp-0123456789abcdef", "msrp-", "msrp-x", "msrp-0-1",
	};
	char path[512], target[512], sub[512], live[512];

	setup();
	CU_ASSERT_FATAL(mkdir(dir, 0700) == 0);

	for (size_t i = 0; i < ARRAY_SIZE(theirs); i++) {
		CU_ASSERT_FATAL(!mkpath(path, sizeof(path), dir, theirs[i]));
		CU_ASSERT_FATAL(unit_write_file(path, "keep", 4) == 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(ours); i++) {
		CU_ASSERT_FATAL(!mkpath(path, sizeof(path), dir, ours[i]));
		CU_ASSERT_FATAL(unit_write_file(path, "stale", 5) == 0);
	}

	/* a symbolic link goes, not what it points to */
	CU_ASSERT_FATAL(!mkpath(target, sizeof(target), tmp, "target"));
	CU_ASSERT_FATAL(unit_write_file(target, "precious", 8) == 0);
	CU_ASSERT_FATAL(!mkpath(path, sizeof(path), dir, "msrp-link"));
	CU_ASSERT_FATAL(symlink(target, path) == 0);

	/* a directory is not a spool file */
	CU_ASSERT_FATAL(!mkpath(sub, sizeof(sub), dir, "msrp-dir"));
	CU_ASSERT_FATAL(mkdir(sub, 0700) == 0);
	CU_ASSERT_FATAL(!mkpath(path, sizeof(path), sub, "msrp-inner"));
	CU_ASSERT_FATAL(unit_write_file(path, "x", 1) == 0);

	/* one a live spool holds (ours, or another daemon's on the same
	 * spool_dir): its flock keeps it */
	UNIT_ASSERT_INT(spool_alloc(&sp, dir), 0);
	CU_ASSERT_FATAL(sp != NULL);
	str_ncpy(live, spool_path(sp), sizeof(live));
	UNIT_ASSERT_INT(spool_write(sp, 0, (const uint8_t *)"abc", 3), 0);

	UNIT_ASSERT_INT(spool_dir_clean(dir), 0);

	for (size_t i = 0; i < ARRAY_SIZE(theirs); i++) {
		char got[16];

		CU_ASSERT_FATAL(!mkpath(path, sizeof(path), dir, theirs[i]));
		UNIT_ASSERT_INT(unit_read_file(path, got, sizeof(got)), 4);
		UNIT_ASSERT_STR(got, "keep");
	}
	for (size_t i = 0; i < ARRAY_SIZE(ours); i++) {
		CU_ASSERT_FATAL(!mkpath(path, sizeof(path), dir, ours[i]));
		CU_ASSERT(!exists(path));
	}
	CU_ASSERT_FATAL(!mkpath(path, sizeof(path), dir, "msrp-link"));
	CU_ASSERT(!exists(path));
	UNIT_ASSERT_INT(file_size(target), 8);
	CU_ASSERT(exists(sub));
	CU_ASSERT_FATAL(!mkpath(path, sizeof(path), sub, "msrp-inner"));
	CU_ASSERT(exists(path));
	CU_ASSERT(exists(live));
	CU_ASSERT(exists(dir));
	UNIT_ASSERT_INT(file_size(live), 3);

	/* freed, it takes its file along */
	sp = mem_deref(sp);
	CU_ASSERT(!exists(live));

	/* again: nothing to do */
	UNIT_ASSERT_INT(spool_dir_clean(dir), 0);

	/* missing: nothing to clean, not an error */
	CU_ASSERT_FATAL(!mkpath(path, sizeof(path), tmp, "nonexistent"));
	UNIT_ASSERT_INT(spool_dir_clean(path), 0);
	CU_ASSERT(!exists(path));

	/* not a directory: an error */
	CU_ASSERT(spool_dir_clean(target) != 0);
	UNIT_ASSERT_INT(file_size(target), 8);
}


static void test_bad_dir(void)
{
	char file[512], under[512];

	setup();

	CU_ASSERT_FATAL(!mkpath(file, sizeof(file), tmp, "file"));
	CU_ASSERT_FATAL(unit_write_file(file, "x", 1) == 0);
	CU_ASSERT_FATAL(!mkpath(under, sizeof(under), file, "spool"));

	/* a path under a regular file can be neither made nor used */
	sp = NULL;
	UNIT_ASSERT_INT(spool_alloc(&sp, under), ENOTDIR);
	CU_ASSERT_PTR_NULL(sp);

	/* the regular file itself as the directory */
	UNIT_ASSERT_INT(spool_alloc(&sp, file), ENOTDIR);
	CU_ASSERT_PTR_NULL(sp);
	UNIT_ASSERT_INT(file_size(file), 1);

	/* two levels missing (spool_dir in a fresh /run): both made */
	CU_ASSERT_FATAL(!mkpath(under, sizeof(under), tmp, "a/b"));
	UNIT_ASSERT_INT(spool_alloc(&sp, under), 0);
	CU_ASSERT(sp != NULL);
	CU_ASSERT(exists(under));
	sp = mem_deref(sp);

	/* and after all that, a good one still works */
	UNIT_ASSERT_INT(spool_alloc(&sp, dir), 0);
	CU_ASSERT(sp != NULL);
}


static long maxrss_kib(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}


/* A chunk far into a large message: the file is sparse and the write
 * costs no memory for the bytes before it. */
static void sparse_at(uint64_t off)
{
	enum { CHUNK = 4096 };
	static uint8_t want[CHUNK], buf[CHUNK];
	struct stat st;
	long rss0, rss1;
	int fd;

	fill(want, off, CHUNK);

	UNIT_ASSERT_INT(spool_alloc(&sp, dir), 0);
	CU_ASSERT_FATAL(sp != NULL);

	rss0 = maxrss_kib();
	UNIT_ASSERT_INT(spool_write(sp, off, want, CHUNK), 0);
	UNIT_ASSERT_INT(spool_finish(sp), 0);
	rss1 = maxrss_kib();

	CU_ASSERT(rss0 > 0 && rss1 - rss0 < 8 * 1024);
	CU_ASSERT(spool_size(sp) == off + CHUNK);

	CU_ASSERT_FATAL(stat(spool_path(sp), &st) == 0);
	CU_ASSERT((uint64_t)st.st_size == off + CHUNK);
	/* no zeros were written for the hole */
	CU_ASSERT((uint64_t)st.st_blocks * 512 < 1024 * 1024);

	fd = spool_open_read(sp);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(read_at(fd, off, buf, CHUNK) && !memcmp(buf, want, CHUNK));
	memset(buf, 0xee, CHUNK);
	CU_ASSERT(read_at(fd, 0, buf, CHUNK) && all_zero(buf, CHUNK));
	memset(buf, 0xee, CHUNK);
	CU_ASSERT(read_at(fd, off - CHUNK, buf, CHUNK) && all_zero(buf, CHUNK));
	(void)close(fd);

	sp = mem_deref(sp);
}


static void test_sparse(void)
{
	setup();

	sparse_at(64ull << 20);

	/* past 2 and 4 GiB: offsets are 64-bit all the way (msrp_max_size
	 * goes up to 4096 MiB) */
	sparse_at((3ull << 30) + 12345);
	sparse_at((5ull << 30) + 1);
}


static CU_TestInfo spool_tests[] = {
	{"file 0600 in a directory made 0700", test_create},
	{"random names, no collisions", test_names},
	{"chunks out of order", test_out_of_order},
	{"holes read as zeros", test_holes},
	{"size is the highest byte + 1", test_size},
	{"write errors reported", test_write_error},
	{"unlinked when freed, reader keeps it", test_unlink_on_free},
	{"spool_dir_clean removes msrp-* only", test_dir_clean},
	{"unusable directory", test_bad_dir},
	{"sparse writes at high offsets", test_sparse},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"spool", unit_libre_init, unit_libre_close, NULL, teardown,
	 spool_tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_spool", suites);
}
