/* test_msrp_relay.c: the RFC 4976 parts of the MSRP parser and framer: AUTH, its 401 and 200. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "msrp.h"
#include "msrprec.h"
#include "unit.h"

#define RELAY "msrps://relay.example.com:2855;tcp"
#define US    "msrps://192.0.2.10:9/a7e2c9f10b3d4e5f6071;tcp"
#define UPATH "msrps://relay.example.com:2855/hjdhfha;tcp"

static const char ok[] =
	"MSRP 49fi 200 OK\r\n"
	"To-Path: " US "\r\n"
	"From-Path: " RELAY "\r\n"
	"Use-Path: " UPATH "\r\n"
	"Expires: 900\r\n"
	"-------49fi$\r\n";


static void test_challenge(void)
{
	static const char resp401[] =
		"MSRP 49fh 401 Unauthorized\r\n"
		"To-Path: " US "\r\n"
		"From-Path: " RELAY "\r\n"
		"WWW-Authenticate: Digest realm=\"example.com\", "
		"nonce=\"abc\", qop=\"auth\"\r\n"
		"WWW-Authenticate: Digest realm=\"other\", nonce=\"def\"\r\n"
		"-------49fh$\r\n";
	struct msrprun r;

	msrprun_init(&r);
	UNIT_ASSERT_INT(msrprun_whole(&r, (const uint8_t *)resp401,
				      strlen(resp401)), 0);
	UNIT_ASSERT_INT(r.last.scode, 401);
	UNIT_ASSERT_STR(r.last.www_auth, "Digest realm=\"example.com\", "
			"nonce=\"abc\", qop=\"auth\"");
	CU_ASSERT_FALSE(r.last.has_expires);
	UNIT_ASSERT_STR(r.last.use_path, "");
	msrprun_close(&r);
}


static void test_ok(void)
{
	struct msrprun r;

	msrprun_init(&r);
	UNIT_ASSERT_INT(msrprun_whole(&r, (const uint8_t *)ok, strlen(ok)),
			0);
	UNIT_ASSERT_INT(r.last.scode, 200);
	UNIT_ASSERT_STR(r.last.use_path, UPATH);
	CU_ASSERT_TRUE(r.last.has_expires);
	UNIT_ASSERT_INT(r.last.expires, 900);
	msrprun_close(&r);
}


static void test_bad(void)
{
	static const char *const bad[] = {
		"MSRP 49fi 200 OK\r\nTo-Path: " US "\r\nFrom-Path: " RELAY
		"\r\nExpires: 9x\r\n-------49fi$\r\n",
		"MSRP 49fi 200 OK\r\nTo-Path: " US "\r\nFrom-Path: " RELAY
		"\r\nUse-Path: nonsense\r\n-------49fi$\r\n",
		"MSRP 49fi 200 OK\r\nTo-Path: " US "\r\nFrom-Path: " RELAY
		"\r\nExpires: 1\r\nExpires: 2\r\n-------49fi$\r\n",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct msrprun r;

		msrprun_init(&r);
		(void)msrprun_whole(&r, (const uint8_t *)bad[i],
				    strlen(bad[i]));
		UNIT_ASSERT_INT(r.err, EBADMSG);
		msrprun_close(&r);
	}
}


static void test_auth_encode(void)
{
	struct mbuf *mb = mbuf_alloc(256);
	struct msrprun r;

	UNIT_ASSERT_INT(msrp_auth_encode(mb, "tid1", RELAY, US, NULL, 0), 0);
	UNIT_ASSERT_INT(msrp_auth_encode(mb, "tid2", RELAY, US,
					 "Digest username=\"u\"", 600), 0);
	UNIT_ASSERT_INT(msrp_auth_encode(mb, "tid3", RELAY, US,
					 "a\r\nX: y", 0), EINVAL);
	UNIT_ASSERT_INT(msrp_auth_encode(mb, "t", RELAY, US, NULL, 0),
			EINVAL);

	mbuf_write_u8(mb, 0);
	UNIT_ASSERT_STR((char *)mb->buf,
		"MSRP tid1 AUTH\r\nTo-Path: " RELAY "\r\nFrom-Path: " US "\r\n"
		"-------tid1$\r\n"
		"MSRP tid2 AUTH\r\nTo-Path: " RELAY "\r\nFrom-Path: " US "\r\n"
		"Authorization: Digest username=\"u\"\r\nExpires: 600\r\n"
		"-------tid2$\r\n");

	/* our own parser reads it back as AUTH requests */
	msrprun_init(&r);
	UNIT_ASSERT_INT(msrprun_whole(&r, mb->buf, mb->end - 1), 0);
	UNIT_ASSERT_INT(r.starts, 2);
	UNIT_ASSERT_INT(r.last.method, MSRP_M_AUTH);
	CU_ASSERT_TRUE(r.last.has_expires);
	msrprun_close(&r);
	mem_deref(mb);
}


static CU_TestInfo relay_tests[] = {
	{"401 with WWW-Authenticate (twice)", test_challenge},
	{"200 with Use-Path and Expires", test_ok},
	{"bad Expires / Use-Path, duplicate Expires", test_bad},
	{"msrp_auth_encode", test_auth_encode},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"msrp relay", unit_libre_init, unit_libre_close, NULL, NULL,
	 relay_tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_msrp_relay", suites);
}
