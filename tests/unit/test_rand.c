/* test_rand.c: libre's rand_*() answered by src/rand.c, from the kernel's CSPRNG in blocks. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "rand.h"
#include "unit.h"


/* libre's own calls land here: decoding a message draws its 8-byte tag */
static void test_libre_uses_ours(void)
{
	struct sip_msg *msg;
	size_t before;

	(void)rand_u16();              /* a block is loaded */
	before = rand_avail();
	CU_ASSERT(before > 0);

	msg = unit_sip_msg("MESSAGE sip:pra@example.com SIP/2.0\r\n"
			   "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\r\n"
			   "From: <sip:a@example.com>;tag=1\r\n"
			   "To: <sip:pra@example.com>\r\n"
			   "Call-ID: c1\r\n"
			   "CSeq: 1 MESSAGE\r\n"
			   "Content-Length: 0\r\n\r\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);

	/* 8 bytes used, or a new block loaded when fewer than 8 were left */
	if (before >= 8)
		UNIT_ASSERT_INT(rand_avail(), before - 8);
	else
		CU_ASSERT(rand_avail() > before);
	CU_ASSERT(msg->tag != 0);
	mem_deref(msg);
}


/* across many blocks no value comes twice (64 bits: a repeat is a bug) */
static void test_no_repeats(void)
{
	enum { N = 4000 };
	static uint64_t v[N];

	for (size_t i = 0; i < N; i++)
		v[i] = rand_u64();

	for (size_t i = 0; i < N; i++)
		for (size_t j = i + 1; j < N; j++)
			if (v[i] == v[j])
				CU_FAIL_FATAL("rand_u64 repeated a value");

	/* every bit position takes both values */
	uint64_t or = 0, and = ~0ull;
	for (size_t i = 0; i < N; i++) {
		or  |= v[i];
		and &= v[i];
	}
	UNIT_ASSERT_INT(or == ~0ull, 1);
	UNIT_ASSERT_INT(and, 0);
}


/* draws of every size: larger than a block, across its end, rand_str */
static void test_wiped_and_sizes(void)
{
	uint8_t big[3000], zero[3000];
	char s[33];
	size_t n0;

	memset(zero, 0, sizeof(zero));
	memset(big, 0, sizeof(big));

	/* larger than a block: straight from the kernel, all of it */
	n0 = rand_avail();
	rand_bytes(big, sizeof(big));
	UNIT_ASSERT_INT(rand_avail(), n0);
	CU_ASSERT(memcmp(big, zero, 64) != 0);
	CU_ASSERT(memcmp(big + sizeof(big) - 64, zero, 64) != 0);

	/* odd sizes across the block's end */
	for (int i = 0; i < 300; i++) {
		uint8_t b[7];
		rand_bytes(b, sizeof(b));
	}

	rand_bytes(NULL, 5);            /* no crash, nothing used */

	rand_str(s, sizeof(s));
	UNIT_ASSERT_INT(strlen(s), 32);
	for (size_t i = 0; i < 32; i++)
		CU_ASSERT((s[i] >= 'A' && s[i] <= 'Z') ||
			  (s[i] >= 'a' && s[i] <= 'z') ||
			  (s[i] >= '0' && s[i] <= '9'));
	rand_str(s, 1);
	UNIT_ASSERT_STR(s, "");
	rand_str(NULL, 4);
}


static CU_TestInfo tests[] = {
	{"libre's rand calls use ours", test_libre_uses_ours},
	{"no repeats, every bit varies", test_no_repeats},
	{"sizes, big draws, rand_str", test_wiped_and_sizes},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"rand", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_rand", suites);
}
