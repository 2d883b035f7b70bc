/* test_msrp_corpus.c: every MSRP seed in tests/fuzz/msrp fed whole, byte by byte and split: same result, no crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <re.h>
#include "autoconf.h"
#include "msrp.h"
#include "msrprec.h"
#include "unit.h"

enum {
	FILE_MAX  = 4 << 20,   /* a seed bigger than this is a mistake */
	TRIALS    = 50,        /* random split sets per file */
	SEEDS_MIN = 12,
};


static uint8_t *read_all(const char *path, size_t *lenp)
{
	struct stat st;
	uint8_t *buf;
	FILE *f;
	size_t n;

	if (stat(path, &st) || !S_ISREG(st.st_mode) || st.st_size > FILE_MAX)
		return NULL;

	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf)
		return NULL;

	f = fopen(path, "rb");
	if (!f) {
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	(void)fclose(f);

	if (n != (size_t)st.st_size) {
		free(buf);
		return NULL;
	}

	*lenp = n;
	return buf;
}


static int cmp_size(const void *a, const void *b)
{
	const size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}


static void check_file(const char *dir, const char *name, unsigned *nvalid,
		       unsigned *nbad)
{
	struct msrprun whole, bytes, cut;
	uint32_t seed = 0x6d737270u;
	char path[512];
	uint8_t *buf;
	size_t len = 0;

	(void)re_snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf = read_all(path, &len);
	CU_ASSERT_PTR_NOT_NULL(buf);
	if (!buf) {
		fprintf(stderr, "cannot read %s\n", path);
		return;
	}

	msrprun_init(&whole);
	msrprun_init(&bytes);
	UNIT_ASSERT_INT(msrprun_whole(&whole, buf, len), 0);
	UNIT_ASSERT_INT(msrprun_bytes(&bytes, buf, len), 0);

	if (!msrprun_equal(&whole, &bytes)) {
		fprintf(stderr, "%s: whole and byte-by-byte differ\n", name);
		msrprun_dump("whole", &whole);
		msrprun_dump("byte by byte", &bytes);
		CU_FAIL("whole != byte by byte");
	}

	for (unsigned t = 0; t < TRIALS && len > 1; t++) {
		size_t cuts[16];
		const size_t n = 1 + msrprec_rand(&seed) % ARRAY_SIZE(cuts);

		for (size_t k = 0; k < n; k++)
			cuts[k] = msrprec_rand(&seed) % (len + 1);
		qsort(cuts, n, sizeof(cuts[0]), cmp_size);

		msrprun_init(&cut);
		UNIT_ASSERT_INT(msrprun_feed(&cut, buf, len, cuts, n), 0);
		if (!msrprun_equal(&whole, &cut)) {
			fprintf(stderr, "%s: split run %u differs\n", name, t);
			msrprun_dump("whole", &whole);
			msrprun_dump("split", &cut);
			CU_FAIL("whole != split");
			t = TRIALS;
		}
		msrprun_close(&cut);
	}

	if (!strncmp(name, "valid-", 6)) {
		++*nvalid;
		if (whole.err) {
			fprintf(stderr, "%s: rejected: %s\n", name,
				whole.e.reason);
			CU_FAIL("valid seed rejected");
		}
		CU_ASSERT(whole.ends > 0);
	}
	else if (!strncmp(name, "bad-", 4)) {
		++*nbad;
		if (!whole.err) {
			fprintf(stderr, "%s: accepted\n", name);
			CU_FAIL("bad seed accepted");
		}
		else {
			/* what a peer would be told */
			CU_ASSERT(whole.err == EBADMSG ||
				  whole.err == EMSGSIZE);
			UNIT_ASSERT_INT(whole.e.scode, 400);
			CU_ASSERT_PTR_NOT_NULL(whole.e.reason);
		}
	}

	msrprun_close(&whole);
	msrprun_close(&bytes);
	free(buf);
}


static void test_corpus(void)
{
	const char *top = getenv("SIPPUSH_TOP");
	unsigned nfiles = 0, nvalid = 0, nbad = 0;
	struct dirent *de;
	int rerr;
	char dir[400];
	DIR *d;

	(void)re_snprintf(dir, sizeof(dir), "%s/tests/fuzz/msrp",
			  top && *top ? top : ".");

	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "no corpus at %s (set SIPPUSH_TOP)\n", dir);
		CU_FAIL_FATAL("corpus directory missing");
		return;
	}

	/* NULL is the end or an error (EOVERFLOW: a 64-bit inode number in
	 * a build without large-file support): errno tells which */
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (de->d_name[0] == '.')
			continue;
		check_file(dir, de->d_name, &nvalid, &nbad);
		++nfiles;
	}
	rerr = errno;
	if (rerr)
		fprintf(stderr, "reading %s: %s\n", dir, strerror(rerr));
	CU_ASSERT(rerr == 0);
	(void)closedir(d);

	printf("\n  %u seeds (%u valid, %u bad) ", nfiles, nvalid, nbad);
	CU_ASSERT(nfiles >= SEEDS_MIN);
	CU_ASSERT(nvalid > 0);
	CU_ASSERT(nbad > 0);
}


static CU_TestInfo tests[] = {
	{"every seed: whole == byte by byte == split", test_corpus},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"msrp corpus", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_msrp_corpus", suites);
}
