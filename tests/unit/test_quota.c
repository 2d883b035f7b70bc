/* test_quota.c: per-key caps, token-bucket rates and the bounded key table. */
#include <string.h>
#include <errno.h>
#include <re.h>
#include "autoconf.h"
#include "quota.h"
#include "unit.h"

enum { SESS, INV };


static void test_caps(void)
{
	struct quota_conf c = { .keys_max = 8, .cap = { 2, 3 } };
	struct quota *q = NULL;

	UNIT_ASSERT_INT(quota_alloc(&q, &c), 0);

	UNIT_ASSERT_INT(quota_take(q, "sip:a@x", SESS, 1), 0);
	UNIT_ASSERT_INT(quota_take(q, "sip:a@x", SESS, 1), 0);
	UNIT_ASSERT_INT(quota_take(q, "sip:a@x", SESS, 1), EDQUOT);
	UNIT_ASSERT_INT(quota_used(q, "sip:a@x", SESS), 2);

	/* other resources and other keys have their own counts */
	UNIT_ASSERT_INT(quota_take(q, "sip:a@x", INV, 3), 0);
	UNIT_ASSERT_INT(quota_take(q, "sip:a@x", INV, 1), EDQUOT);
	UNIT_ASSERT_INT(quota_take(q, "sip:b@x", SESS, 2), 0);
	UNIT_ASSERT_INT(quota_take(q, "sip:c@x", SESS, 3), EDQUOT);
	UNIT_ASSERT_INT(quota_keys(q), 2);   /* c held nothing: gone */

	/* giving back frees room, and a key holding nothing is forgotten */
	quota_give(q, "sip:a@x", SESS, 1);
	UNIT_ASSERT_INT(quota_take(q, "sip:a@x", SESS, 1), 0);
	quota_give(q, "sip:b@x", SESS, 5);    /* never below zero */
	UNIT_ASSERT_INT(quota_used(q, "sip:b@x", SESS), 0);
	UNIT_ASSERT_INT(quota_keys(q), 1);
	quota_give(q, "sip:nobody@x", SESS, 1);

	/* resource 2 has no cap */
	UNIT_ASSERT_INT(quota_take(q, "sip:a@x", 2, 100000), 0);

	UNIT_ASSERT_INT(quota_take(q, "sip:a@x", QUOTA_RES_MAX, 1), EINVAL);
	UNIT_ASSERT_INT(quota_take(NULL, "sip:a@x", SESS, 1), EINVAL);

	mem_deref(q);
}


static void test_table_bound(void)
{
	struct quota_conf c = { .keys_max = 4, .cap = { 10 } };
	struct quota *q = NULL;
	char key[32];

	UNIT_ASSERT_INT(quota_alloc(&q, &c), 0);

	for (int i = 0; i < 4; i++) {
		(void)re_snprintf(key, sizeof(key), "peer%d", i);
		UNIT_ASSERT_INT(quota_take(q, key, SESS, 1), 0);
	}

	/* every key holds something: a fifth is refused */
	UNIT_ASSERT_INT(quota_take(q, "peer4", SESS, 1), ENOSPC);
	UNIT_ASSERT_INT(quota_keys(q), 4);

	/* one lets go: there is room again */
	quota_give(q, "peer2", SESS, 1);
	UNIT_ASSERT_INT(quota_take(q, "peer4", SESS, 1), 0);
	UNIT_ASSERT_INT(quota_keys(q), 4);

	/* an over-long key is refused */
	{
		char big[QUOTA_KEY_MAX + 2];

		memset(big, 'k', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		quota_give(q, "peer0", SESS, 1);
		UNIT_ASSERT_INT(quota_take(q, big, SESS, 1), EINVAL);
	}

	mem_deref(q);
}


static void test_rate(void)
{
	struct quota_conf c = { .keys_max = 8, .rate = 10, .burst = 5 };
	struct quota *q = NULL;
	uint32_t retry = 0;
	uint64_t t = 1000000;
	int ok = 0;

	UNIT_ASSERT_INT(quota_alloc(&q, &c), 0);

	/* the burst goes at once, then nothing until the bucket refills */
	for (int i = 0; i < 5; i++)
		UNIT_ASSERT_INT(quota_rate(q, "sip:flood@x", t, &retry), 0);
	UNIT_ASSERT_INT(quota_rate(q, "sip:flood@x", t, &retry), EAGAIN);
	UNIT_ASSERT_INT(retry, 1);

	/* another sender is not affected */
	UNIT_ASSERT_INT(quota_rate(q, "sip:mmsc@x", t, &retry), 0);

	/* 10/s: one more every 100 ms */
	UNIT_ASSERT_INT(quota_rate(q, "sip:flood@x", t + 99, &retry), EAGAIN);
	UNIT_ASSERT_INT(quota_rate(q, "sip:flood@x", t + 100, &retry), 0);
	UNIT_ASSERT_INT(quota_rate(q, "sip:flood@x", t + 100, &retry), EAGAIN);

	/* over 10 s at 3000/s offered, about 10/s (+ the burst) get by */
	for (int i = 0; i < 30000; i++) {
		uint64_t now = t + 200 + (uint64_t)i / 3;

		if (!quota_rate(q, "sip:flood@x", now, &retry))
			++ok;
	}
	CU_ASSERT(ok >= 99 && ok <= 106);

	mem_deref(q);

	/* slow: 1 per second, burst 1 -> Retry-After counts whole seconds */
	c.rate = 1;
	c.burst = 1;
	UNIT_ASSERT_INT(quota_alloc(&q, &c), 0);
	UNIT_ASSERT_INT(quota_rate(q, "k", t, &retry), 0);
	UNIT_ASSERT_INT(quota_rate(q, "k", t + 1, &retry), EAGAIN);
	UNIT_ASSERT_INT(retry, 1);
	UNIT_ASSERT_INT(quota_rate(q, "k", t + 1000, &retry), 0);
	mem_deref(q);

	/* no rate configured: never limited */
	c.rate = 0;
	UNIT_ASSERT_INT(quota_alloc(&q, &c), 0);
	for (int i = 0; i < 1000; i++)
		UNIT_ASSERT_INT(quota_rate(q, "k", t, &retry), 0);
	UNIT_ASSERT_INT(quota_keys(q), 0);
	mem_deref(q);
}


static void test_rate_table(void)
{
	struct quota_conf c = { .keys_max = 3, .rate = 1, .burst = 2 };
	struct quota *q = NULL;
	uint32_t retry = 0;
	uint64_t t = 5000;

	UNIT_ASSERT_INT(quota_alloc(&q, &c), 0);

	/* three senders drawing from their buckets fill the table */
	UNIT_ASSERT_INT(quota_rate(q, "a", t, &retry), 0);
	UNIT_ASSERT_INT(quota_rate(q, "b", t, &retry), 0);
	UNIT_ASSERT_INT(quota_rate(q, "c", t, &retry), 0);

	/* a fourth cannot push one of them out while they are limited:
	 * rotating identities does not reset anyone's bucket */
	UNIT_ASSERT_INT(quota_rate(q, "d", t + 10, &retry), ENOSPC);
	UNIT_ASSERT_INT(retry, 1);

	/* once a's bucket is full again, a may be forgotten */
	UNIT_ASSERT_INT(quota_rate(q, "d", t + 1000, &retry), 0);
	UNIT_ASSERT_INT(quota_keys(q), 3);

	/* a came back as new: a full bucket */
	UNIT_ASSERT_INT(quota_rate(q, "a", t + 2000, &retry), 0);
	mem_deref(q);
}


static void test_reload(void)
{
	struct quota_conf c = { .keys_max = 8, .cap = { 4 } };
	struct quota *q = NULL;

	UNIT_ASSERT_INT(quota_alloc(&q, &c), 0);
	UNIT_ASSERT_INT(quota_take(q, "a", SESS, 3), 0);

	/* a smaller cap applies to what comes next; holdings stay */
	c.cap[SESS] = 2;
	quota_set_conf(q, &c);
	UNIT_ASSERT_INT(quota_used(q, "a", SESS), 3);
	UNIT_ASSERT_INT(quota_take(q, "a", SESS, 1), EDQUOT);
	quota_give(q, "a", SESS, 2);
	UNIT_ASSERT_INT(quota_take(q, "a", SESS, 1), 0);

	mem_deref(q);
}


static CU_TestInfo tests[] = {
	{"caps per key and resource", test_caps},
	{"the table is bounded", test_table_bound},
	{"rate and burst", test_rate},
	{"rate-limited keys are not evicted", test_rate_table},
	{"reload", test_reload},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"quota", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_quota", suites);
}
