/* test_token.c: identifiers from the kernel's RNG: length, alphabet, no repeats, bit balance. */
#include <string.h>
#include <errno.h>
#include <re.h>
#include "autoconf.h"
#include "token.h"
#include "unit.h"


static void test_shape(void)
{
	char t[32];

	/* 80 bits in base32: 16 characters */
	UNIT_ASSERT_INT(token_make(t, sizeof(t), TOKEN_BITS_MIN), 0);
	UNIT_ASSERT_INT(strlen(t), 16);
	UNIT_ASSERT_INT(strspn(t, "abcdefghijklmnopqrstuvwxyz234567"), 16);

	UNIT_ASSERT_INT(token_make(t, sizeof(t), 96), 0);
	UNIT_ASSERT_INT(strlen(t), 20);

	UNIT_ASSERT_INT(token_make(t, 16, 80), EOVERFLOW);
	UNIT_ASSERT_INT(token_make(t, 17, 80), 0);
	UNIT_ASSERT_INT(token_make(NULL, 17, 80), EINVAL);
	UNIT_ASSERT_INT(token_make(t, sizeof(t), 0), EINVAL);
	UNIT_ASSERT_INT(token_make(t, sizeof(t), 1000), EINVAL);
}


static void test_random(void)
{
	enum { N = 4096 };
	static char seen[N][17];
	unsigned ones[5] = {0};
	unsigned dup = 0;

	for (int i = 0; i < N; i++) {
		CU_ASSERT_EQUAL_FATAL(token_make(seen[i], sizeof(seen[i]), 80),
				      0);
		for (int c = 0; c < 16; c++) {
			const char *a = "abcdefghijklmnopqrstuvwxyz234567";
			unsigned v = (unsigned)(strchr(a, seen[i][c]) - a);

			for (int b = 0; b < 5; b++)
				ones[b] += (v >> b) & 1;
		}
	}

	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			dup += !strcmp(seen[i], seen[j]);
	UNIT_ASSERT_INT(dup, 0);

	/* each of the 5 bits per character is set about half the time:
	 * 65536 draws, mean 32768, sd 128; 8 sd would be a broken source */
	for (int b = 0; b < 5; b++)
		CU_ASSERT(ones[b] > 32768 - 1024 && ones[b] < 32768 + 1024);
}


static CU_TestInfo tests[] = {
	{"shape", test_shape},
	{"randomness", test_random},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"token", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_token", suites);
}
