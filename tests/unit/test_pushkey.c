/* test_pushkey.c: the Push-Key: the same for a retry, different for another push, sender or app. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "pushkey.h"
#include "unit.h"

#define S1 "sip:mmsc@operator.test"
#define S2 "sip:other@operator.test"
#define MMS "x-wap-application:mms.ua"
#define ULP "x-oma-application:ulp.ua"


static void key_of(char *key, const struct pushkey_in *in)
{
	UNIT_ASSERT_INT(pushkey_make(key, PUSHKEY_SIZE, in), 0);
	UNIT_ASSERT_INT(strlen(key), PUSHKEY_LEN);
	UNIT_ASSERT_INT(strspn(key, "0123456789abcdef"), PUSHKEY_LEN);
}


static void test_by_content(void)
{
	uint8_t d1[PUSHKEY_DIGEST], d2[PUSHKEY_DIGEST];
	struct pushkey_in in;
	char a[PUSHKEY_SIZE], b[PUSHKEY_SIZE];

	pushkey_digest(d1, (const uint8_t *)"hello", 5);
	pushkey_digest(d2, (const uint8_t *)"hellp", 5);

	memset(&in, 0, sizeof(in));
	in.sender = S1;
	in.app = MMS;
	in.ctype = "text/plain";
	in.body_digest = d1;
	key_of(a, &in);

	/* a retry: the same */
	key_of(b, &in);
	UNIT_ASSERT_STR(b, a);

	/* one byte of the body, the type, the sender, the app: another */
	in.body_digest = d2;
	key_of(b, &in);
	CU_ASSERT(strcmp(a, b) != 0);
	in.body_digest = d1;
	in.ctype = "text/html";
	key_of(b, &in);
	CU_ASSERT(strcmp(a, b) != 0);
	in.ctype = "text/plain";
	in.sender = S2;
	key_of(b, &in);
	CU_ASSERT(strcmp(a, b) != 0);
	in.sender = S1;
	in.app = ULP;
	key_of(b, &in);
	CU_ASSERT(strcmp(a, b) != 0);
}


static void test_by_identity(void)
{
	uint8_t d1[PUSHKEY_DIGEST], d2[PUSHKEY_DIGEST];
	struct pushkey_in in;
	char a[PUSHKEY_SIZE], b[PUSHKEY_SIZE];

	pushkey_digest(d1, (const uint8_t *)"v1", 2);
	pushkey_digest(d2, (const uint8_t *)"v2", 2);

	/* with an imdn.Message-ID only that counts, not the body */
	memset(&in, 0, sizeof(in));
	in.sender = S1;
	in.app = MMS;
	in.imdn_msgid = "34jk324j";
	in.content_location = "http://mmsc/1";
	in.body_digest = d1;
	key_of(a, &in);
	in.body_digest = d2;
	in.content_location = "http://mmsc/2";
	key_of(b, &in);
	UNIT_ASSERT_STR(b, a);
	in.imdn_msgid = "34jk324k";
	key_of(b, &in);
	CU_ASSERT(strcmp(a, b) != 0);

	/* else the Content-Location */
	in.imdn_msgid = NULL;
	in.content_location = "http://mmsc/1";
	key_of(a, &in);
	in.body_digest = d1;
	key_of(b, &in);
	UNIT_ASSERT_STR(b, a);

	/* field boundaries matter: ("ab","c") is not ("a","bc") */
	memset(&in, 0, sizeof(in));
	in.sender = "ab";
	in.app = "c";
	in.imdn_msgid = "x";
	key_of(a, &in);
	in.sender = "a";
	in.app = "bc";
	key_of(b, &in);
	CU_ASSERT(strcmp(a, b) != 0);
}


static void test_known_value(void)
{
	struct pushkey_in in = {S1, MMS, "34jk324j", NULL, NULL, NULL};
	char a[PUSHKEY_SIZE];

	/* pinned (computed independently: md5 over tag, 32-bit big-endian
	 * length, bytes per field, first 12 bytes in hex): apps may store
	 * keys across daemon upgrades */
	key_of(a, &in);
	UNIT_ASSERT_STR(a, "dcb59292665e9effec924d17");
}


static void test_refused(void)
{
	struct pushkey_in in = {S1, MMS, NULL, NULL, "text/plain", NULL};
	char a[PUSHKEY_SIZE];

	UNIT_ASSERT_INT(pushkey_make(a, sizeof(a), &in), EINVAL);
	in.imdn_msgid = "x";
	UNIT_ASSERT_INT(pushkey_make(a, PUSHKEY_LEN, &in), EINVAL);
	in.sender = NULL;
	UNIT_ASSERT_INT(pushkey_make(a, sizeof(a), &in), EINVAL);
}


static CU_TestInfo tests[] = {
	{"by sender, app, type and body", test_by_content},
	{"by imdn.Message-ID, else Content-Location", test_by_identity},
	{"a known value", test_known_value},
	{"missing parts refused", test_refused},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"pushkey", unit_libre_init, unit_libre_close, NULL, NULL, tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_pushkey", suites);
}
