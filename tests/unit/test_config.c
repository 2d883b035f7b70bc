/* test_config.c: config_parse()/config_load() on good and bad files. */
#include <string.h>
#include <errno.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "unit.h"

#define NAME "t.conf"

/* Three lines that satisfy every whole-file check in every build. */
#define AOR   "sip_aor sip:alice@example.com\n"
#define REG   "sip_registrar sip:example.com\n"
#define TPS   "sip_transports udp,tcp\n"
#define BASE   AOR REG TPS

#define UUID  "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"


static int parse(struct config **cfgp, const char *text, char *err,
		 size_t errsz)
{
	return config_parse(cfgp, NAME, text, strlen(text), err, errsz);
}


static void expect_err_at(const char *text, size_t len, const char *msg,
			  const char *file, unsigned line)
{
	struct config *cfg = NULL;
	char err[512] = "";
	int e;

	e = config_parse(&cfg, NAME, text, len, err, sizeof(err));
	unit_assert_int(e, EINVAL, "config_parse() error", file, line);
	CU_assertImplementation(cfg == NULL, line,
				"no config is returned on error", file, "",
				CU_FALSE);
	unit_assert_str(err, msg, "error text", file, line);
	mem_deref(cfg);
}

/* text: a string literal (may hold NUL bytes) */
/* a yes/no key this build has, or NULL (tiny: no TLS, no XML) */
#define BOOL_KEY (CONFIG_TLS ? "tls_verify" : CONFIG_XML ? "reg_event" : \
		  NULL)

#define EXPECT_ERR(text, msg) \
	expect_err_at((text), sizeof(text) - 1, (msg), __FILE__, __LINE__)
/* text: a NUL-terminated string */
#define EXPECT_ERR_STR(text, msg) \
	expect_err_at((text), strlen(text), (msg), __FILE__, __LINE__)


/* Parse text that must be good; NULL (and a failed assert) if it is not. */
static struct config *good_at(const char *text, const char *file,
			      unsigned line)
{
	struct config *cfg = NULL;
	char err[512] = "";
	int e;

	e = config_parse(&cfg, NAME, text, strlen(text), err, sizeof(err));
	unit_assert_int(e, 0, "config_parse()", file, line);
	unit_assert_str(err, "", "no error text", file, line);
	if (e)
		return NULL;

	CU_assertImplementation(cfg != NULL, line, "config returned", file,
				"", CU_FALSE);
	return cfg;
}

#define GOOD(text) good_at((text), __FILE__, __LINE__)


/* --- good files --------------------------------------------------------- */

static void test_full_file(void)
{
	char text[2048];
	struct config *cfg;

	(void)re_snprintf(text, sizeof(text),
		"# sippushd test configuration\n"
		"\n"
		"sip_aor          sip:alice@example.com\n"
		"sip_registrar    %s\n"
		"sip_auth_user    alice\n"
		"sip_auth_pass    s3cr3t!\n"
		"sip_listen       192.0.2.1:5070\n"
		"sip_transports   %s\n"
		"sip_expires      3600\n"
		"sip_keepalive    30\n"
		"sip_instance     " UUID "\n"
		"state_dir        /var/lib/sippush-test\n"
		"ipc_socket       /run/sippush-test/s.sock\n"
		"app              x-wap-application:mms.ua\n"
		"app              ulp.ua\n"
		"app              0x13\n"
		"%s"
		"max_message_size 1024\n"
		"ack_timeout      250\n"
		"retry_after      120\n"
		"max_pending      16\n"
		"route_ctype      Application/VND.wap.mms-message mms.ua\n"
		"route_ctype      text/plain 0x10\n"
		"app_sender       mms.ua sip:mmsc@example.com\n"
		"app_sender       mms.ua *@example.net   asserted\n"
		"app_sender       ulp.ua *\n",
		CONFIG_TLS ? "sips:registrar.example.com:5061" :
			     "sip:registrar.example.com;transport=tcp",
		CONFIG_TLS ? "udp, tcp, tls" : "udp, tcp",
		CONFIG_TLS ? "tls_ca_file      /etc/sippush/ca.pem\n"
			     "tls_cert_file    /etc/sippush/me.pem\n"
			     "tls_verify       no\n" : "");

	cfg = GOOD(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);

	UNIT_ASSERT_STR(cfg->path, NAME);
	UNIT_ASSERT_STR(cfg->sip_aor, "sip:alice@example.com");
	UNIT_ASSERT_STR(cfg->sip_registrar, CONFIG_TLS ?
			"sips:registrar.example.com:5061" :
			"sip:registrar.example.com;transport=tcp");
	UNIT_ASSERT_STR(cfg->sip_auth_user, "alice");
	UNIT_ASSERT_STR(cfg->sip_auth_pass, "s3cr3t!");
	UNIT_ASSERT_STR(cfg->sip_listen, "192.0.2.1:5070");
	UNIT_ASSERT_INT(cfg->transports, CFG_TP_UDP | CFG_TP_TCP |
			(CONFIG_TLS ? CFG_TP_TLS : 0));
	UNIT_ASSERT_INT(cfg->sip_expires, 3600);
	UNIT_ASSERT_INT(cfg->sip_keepalive, 30);
	UNIT_ASSERT_STR(cfg->sip_instance, UUID);
	UNIT_ASSERT_STR(cfg->state_dir, "/var/lib/sippush-test");
	UNIT_ASSERT_STR(cfg->ipc_socket, "/run/sippush-test/s.sock");
	UNIT_ASSERT_INT(cfg->appc, 3);
	if (cfg->appc == 3) {
		UNIT_ASSERT_STR(cfg->apps[0], "x-wap-application:mms.ua");
		UNIT_ASSERT_STR(cfg->apps[1], "x-oma-application:ulp.ua");
		UNIT_ASSERT_STR(cfg->apps[2], "x-oma-application:bcast.ua");
	}
	if (CONFIG_TLS) {
		UNIT_ASSERT_STR(cfg->tls_ca_file, "/etc/sippush/ca.pem");
		UNIT_ASSERT_STR(cfg->tls_cert_file, "/etc/sippush/me.pem");
		CU_ASSERT_FALSE(cfg->tls_verify);
	}
	UNIT_ASSERT_INT(cfg->max_message_size, 1024);
	UNIT_ASSERT_INT(cfg->ack_timeout, 250);
	UNIT_ASSERT_INT(cfg->retry_after, 120);
	UNIT_ASSERT_INT(cfg->max_pending, 16);
	UNIT_ASSERT_INT(cfg->routec, 2);
	if (cfg->routec == 2) {
		UNIT_ASSERT_STR(cfg->routes[0].ctype,
				"application/vnd.wap.mms-message");
		UNIT_ASSERT_STR(cfg->routes[0].appid,
				"x-wap-application:mms.ua");
		UNIT_ASSERT_STR(cfg->routes[1].ctype, "text/plain");
		UNIT_ASSERT_STR(cfg->routes[1].appid,
				"x-oma-application:ulp.ua");
	}
	UNIT_ASSERT_INT(cfg->senderc, 3);
	if (cfg->senderc == 3) {
		UNIT_ASSERT_STR(cfg->senders[0].appid,
				"x-wap-application:mms.ua");
		UNIT_ASSERT_STR(cfg->senders[0].pattern,
				"sip:mmsc@example.com");
		UNIT_ASSERT_STR(cfg->senders[1].pattern, "*@example.net");
		CU_ASSERT(!cfg->senders[0].asserted);
		CU_ASSERT(cfg->senders[1].asserted);
		UNIT_ASSERT_STR(cfg->senders[2].appid,
				"x-oma-application:ulp.ua");
		UNIT_ASSERT_STR(cfg->senders[2].pattern, "*");
	}

	mem_deref(cfg);
}


static void test_defaults(void)
{
	struct config *cfg;

	/* only the required keys: tls is not run unless asked for */
	cfg = GOOD(AOR REG);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);

	UNIT_ASSERT_INT(cfg->transports, CFG_TP_UDP | CFG_TP_TCP);
	UNIT_ASSERT_INT(cfg->sip_expires, 600);
	UNIT_ASSERT_INT(cfg->sip_keepalive, 120);
	CU_ASSERT_TRUE(cfg->tls_verify);
	UNIT_ASSERT_INT(cfg->max_message_size, 32768);
	UNIT_ASSERT_INT(cfg->ack_timeout, 5000);
	UNIT_ASSERT_STR(cfg->state_dir, "/var/lib/sippushd");
	UNIT_ASSERT_STR(cfg->ipc_socket, "/run/sippushd/sippushd.sock");
	CU_ASSERT_PTR_NULL(cfg->sip_auth_user);
	CU_ASSERT_PTR_NULL(cfg->sip_auth_pass);
	CU_ASSERT_PTR_NULL(cfg->sip_listen);
	CU_ASSERT_PTR_NULL(cfg->sip_instance);
	CU_ASSERT_PTR_NULL(cfg->tls_cert_file);
	UNIT_ASSERT_INT(cfg->appc, 0);
	UNIT_ASSERT_INT(cfg->retry_after, 30);
	UNIT_ASSERT_INT(cfg->max_pending, 256);
	UNIT_ASSERT_INT(cfg->routec, 0);
	UNIT_ASSERT_INT(cfg->senderc, 0);
	CU_ASSERT_PTR_NULL(cfg->user);

	mem_deref(cfg);
}


/*
 * A file with only the two required keys must load: every other key has
 * a default, and TLS (which needs tls_ca_file) only runs when listed or
 * when the registrar asks for it.
 */
static void test_required_keys_only(void)
{
	struct config *cfg = NULL;
	char err[256] = "";
	int e;

	e = parse(&cfg, AOR REG, err, sizeof(err));
	UNIT_ASSERT_INT(e, 0);
	UNIT_ASSERT_STR(err, "");
	mem_deref(cfg);
}


static void test_comments_and_blanks(void)
{
	struct config *cfg;

	cfg = GOOD("# leading comment\n"
		   "\n"
		   "   \t\n"
		   "  # indented comment\n"
		   "\tsip_aor\tsip:alice@example.com   \n"
		   "sip_registrar sip:example.com # the registrar\n"
		   "sip_transports udp , tcp\t# no tls here\n"
		   "sip_expires 900 #fifteen minutes\n"
		   "sip_auth_user bob#1\n"
		   "sip_auth_pass pa#ss  # a '#' inside a value stays\n"
		   "# trailing comment, no newline at the end");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);

	UNIT_ASSERT_STR(cfg->sip_aor, "sip:alice@example.com");
	UNIT_ASSERT_STR(cfg->sip_registrar, "sip:example.com");
	UNIT_ASSERT_INT(cfg->transports, CFG_TP_UDP | CFG_TP_TCP);
	UNIT_ASSERT_INT(cfg->sip_expires, 900);
	UNIT_ASSERT_STR(cfg->sip_auth_user, "bob#1");
	UNIT_ASSERT_STR(cfg->sip_auth_pass, "pa#ss");
	mem_deref(cfg);

	/* CRLF line ends and a last line without a newline */
	cfg = GOOD("sip_aor sip:alice@example.com\r\n"
		   "sip_registrar sip:example.com\r\n"
		   "sip_transports udp\r\n"
		   "sip_keepalive 25");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	UNIT_ASSERT_STR(cfg->sip_registrar, "sip:example.com");
	UNIT_ASSERT_INT(cfg->transports, CFG_TP_UDP);
	UNIT_ASSERT_INT(cfg->sip_keepalive, 25);
	mem_deref(cfg);
}


/* "key # comment" is a key without a value, not the value "# comment". */
static void test_comment_only_value(void)
{
	EXPECT_ERR(BASE "sip_auth_user # TODO\n" "sip_auth_pass x\n",
		   NAME ":4: sip_auth_user: missing value");
	EXPECT_ERR(BASE "sip_expires\t# default\n",
		   NAME ":4: sip_expires: missing value");
}


static void test_values_accepted(void)
{
	static const struct {
		const char *line;
		uint32_t expires, keepalive;
	} nums[] = {
		{"sip_expires 60\n",    60, 120},
		{"sip_expires 86400\n", 86400, 120},
		{"sip_expires 0600\n",  600, 120},
		{"sip_keepalive 20\n",  600, 20},
		{"sip_keepalive 840\n", 600, 840},
	};
	static const struct {
		const char *v;
		bool b;
	} bools[] = {
		{"yes", true}, {"YES", true}, {"true", true}, {"1", true},
		{"no", false}, {"No", false}, {"FALSE", false}, {"0", false},
	};
	struct config *cfg;
	char text[512];

	for (size_t i = 0; i < ARRAY_SIZE(nums); i++) {
		(void)re_snprintf(text, sizeof(text), BASE "%s", nums[i].line);
		cfg = GOOD(text);
		if (!cfg)
			continue;
		UNIT_ASSERT_INT(cfg->sip_expires, nums[i].expires);
		UNIT_ASSERT_INT(cfg->sip_keepalive, nums[i].keepalive);
		mem_deref(cfg);
	}

	/* a yes/no key of this build: tiny (no TLS, no XML) has none */
	for (size_t i = 0; BOOL_KEY && i < ARRAY_SIZE(bools); i++) {
		(void)re_snprintf(text, sizeof(text), BASE "%s %s\n",
				  BOOL_KEY, bools[i].v);
		cfg = GOOD(text);
		if (!cfg)
			continue;
		UNIT_ASSERT_INT(CONFIG_TLS ? cfg->tls_verify : cfg->reg_event,
				bools[i].b);
		mem_deref(cfg);
	}

	/* the bounds of the other numbers */
	cfg = GOOD(BASE "max_message_size 1\nack_timeout 100\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	UNIT_ASSERT_INT(cfg->max_message_size, 1);
	UNIT_ASSERT_INT(cfg->ack_timeout, 100);
	mem_deref(cfg);

	cfg = GOOD(BASE "max_message_size 61440\nack_timeout 30000\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	UNIT_ASSERT_INT(cfg->max_message_size, 61440);
	UNIT_ASSERT_INT(cfg->ack_timeout, 30000);
	mem_deref(cfg);

	/* IPv6 listen address, sips AoR, upper-case instance prefix */
	cfg = GOOD(BASE "sip_listen [::1]:0\n"
		   "sip_instance "
		   "URN:UUID:F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	UNIT_ASSERT_STR(cfg->sip_listen, "[::1]:0");
	UNIT_ASSERT_STR(cfg->sip_instance,
			"URN:UUID:F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6");
	mem_deref(cfg);

	/* transports: single, mixed case, any separator mix */
	cfg = GOOD(AOR REG "sip_transports TCP\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	UNIT_ASSERT_INT(cfg->transports, CFG_TP_TCP);
	mem_deref(cfg);

	cfg = GOOD(AOR REG "sip_transports tcp,,udp, ,tcp\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	UNIT_ASSERT_INT(cfg->transports, CFG_TP_UDP | CFG_TP_TCP);
	mem_deref(cfg);

	/* registrar transport that is in sip_transports */
	cfg = GOOD(AOR "sip_registrar sip:example.com;transport=TCP\n"
		   "sip_transports tcp\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	UNIT_ASSERT_INT(cfg->transports, CFG_TP_TCP);
	mem_deref(cfg);
}


static void test_app_lines(void)
{
	struct config *cfg;
	char text[8192];
	size_t o;

	cfg = GOOD(BASE "app X-WAP-Application:MMS.UA\n"
		   "app 16\n"
		   "app foo.ua\n"
		   "app x-oma-application:cpm:ua\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	UNIT_ASSERT_INT(cfg->appc, 4);
	if (cfg->appc == 4) {
		UNIT_ASSERT_STR(cfg->apps[0], "x-wap-application:mms.ua");
		UNIT_ASSERT_STR(cfg->apps[1], "x-oma-application:ulp.ua");
		UNIT_ASSERT_STR(cfg->apps[2], "x-oma-application:foo.ua");
		UNIT_ASSERT_STR(cfg->apps[3], "x-oma-application:cpm:ua");
	}
	mem_deref(cfg);

	/* 64 app lines are fine, the 65th is not */
	o = (size_t)re_snprintf(text, sizeof(text), BASE);
	for (unsigned i = 0; i < 64; i++)
		o += (size_t)re_snprintf(text + o, sizeof(text) - o,
					 "app app%u.ua\n", i);
	cfg = GOOD(text);
	CU_ASSERT_PTR_NOT_NULL(cfg);
	if (cfg)
		UNIT_ASSERT_INT(cfg->appc, 64);
	mem_deref(cfg);

	(void)re_snprintf(text + o, sizeof(text) - o, "app one-too-many\n");
	EXPECT_ERR_STR(text, NAME ":68: app: more than 64 app lines");
}


/* --- errors: "NAME:LINE: KEY: message" ------------------------------------ */

static void test_err_unknown_key(void)
{
	EXPECT_ERR(BASE "foo bar\n", NAME ":4: foo: unknown key");
	EXPECT_ERR("foo\n", NAME ":1: foo: unknown key");
	EXPECT_ERR("SIP_AOR sip:alice@example.com\n",
		   NAME ":1: SIP_AOR: unknown key");
	/* line numbers count blank and comment lines */
	EXPECT_ERR("# c\n\n  \n# c\n" AOR "\n" REG "bogus_key 1\n" TPS,
		   NAME ":8: bogus_key: unknown key");
	/* a key too long to be one: its first 31 characters are named */
	EXPECT_ERR(AOR "abcdefghijabcdefghijabcdefghijabcdefghij x\n",
		   NAME ":2: abcdefghijabcdefghijabcdefghija: unknown key");
}


static void test_err_missing_value(void)
{
	EXPECT_ERR("sip_aor\n" REG, NAME ":1: sip_aor: missing value");
	EXPECT_ERR(AOR REG "sip_expires   \t \n",
		   NAME ":3: sip_expires: missing value");
	EXPECT_ERR(AOR "\r\n" REG "app\r\n",
		   NAME ":4: app: missing value");
}


static void test_err_duplicate(void)
{
	EXPECT_ERR(BASE "sip_aor sip:bob@example.com\n",
		   NAME ":4: sip_aor: given twice");
	EXPECT_ERR(BASE "sip_expires 600\n# again\nsip_expires 600\n",
		   NAME ":6: sip_expires: given twice");
	if (CONFIG_TLS)
		EXPECT_ERR(BASE "tls_verify yes\ntls_verify yes\n",
			   NAME ":5: tls_verify: given twice");
	EXPECT_ERR(BASE "max_pending 1\nmax_pending 1\n",
		   NAME ":5: max_pending: given twice");
}


static void test_err_uri(void)
{
	EXPECT_ERR("sip_aor sip:example.com\n" REG,
		   NAME ":1: sip_aor: 'sip:example.com' has no user part");
	EXPECT_ERR("sip_aor tel:+15551234\n" REG,
		   NAME ":1: sip_aor: 'tel:+15551234' is not a sip: or sips: "
		   "URI");
	EXPECT_ERR("sip_aor http://alice@example.com\n" REG,
		   NAME ":1: sip_aor: 'http://alice@example.com' is not a "
		   "sip: or sips: URI");
	EXPECT_ERR("sip_aor alice\n" REG,
		   NAME ":1: sip_aor: 'alice' is not a SIP URI");
	EXPECT_ERR(AOR "sip_registrar example.com\n",
		   NAME ":2: sip_registrar: 'example.com' is not a SIP URI");
	EXPECT_ERR(AOR "sip_registrar mailto:reg@example.com\n",
		   NAME ":2: sip_registrar: 'mailto:reg@example.com' is not "
		   "a sip: or sips: URI");
}


static void test_err_listen(void)
{
	EXPECT_ERR(BASE "sip_listen localhost:5060\n",
		   NAME ":4: sip_listen: 'localhost:5060' is not address:port "
		   "(e.g. 0.0.0.0:5060, [::1]:0)");
	EXPECT_ERR(BASE "sip_listen 0.0.0.0\n",
		   NAME ":4: sip_listen: '0.0.0.0' is not address:port "
		   "(e.g. 0.0.0.0:5060, [::1]:0)");
	EXPECT_ERR(BASE "sip_listen ::1:5060\n",
		   NAME ":4: sip_listen: '::1:5060' is not address:port "
		   "(e.g. 0.0.0.0:5060, [::1]:0)");
}


/*
 * sa_decode() (libre 1.1.0) reads the port with pl_u32() and keeps the
 * low 16 bits, and ignores what follows the digits: these must not pass,
 * or the daemon listens on another port than the file says.
 */
static void test_err_listen_port(void)
{
	EXPECT_ERR(BASE "sip_listen 0.0.0.0:99999\n",
		   NAME ":4: sip_listen: '0.0.0.0:99999' is not address:port "
		   "(e.g. 0.0.0.0:5060, [::1]:0)");
	EXPECT_ERR(BASE "sip_listen 0.0.0.0:65536\n",
		   NAME ":4: sip_listen: '0.0.0.0:65536' is not address:port "
		   "(e.g. 0.0.0.0:5060, [::1]:0)");
	EXPECT_ERR(BASE "sip_listen 0.0.0.0:5060x\n",
		   NAME ":4: sip_listen: '0.0.0.0:5060x' is not address:port "
		   "(e.g. 0.0.0.0:5060, [::1]:0)");
}


static void test_err_transports(void)
{
	EXPECT_ERR(AOR REG "sip_transports udp,sctp\n",
		   NAME ":3: sip_transports: unknown transport 'sctp' "
		   "(use udp, tcp, tls)");
	EXPECT_ERR(AOR REG "sip_transports udp;tcp\n",
		   NAME ":3: sip_transports: unknown transport 'udp;tcp' "
		   "(use udp, tcp, tls)");
	EXPECT_ERR(AOR REG "sip_transports ,,\n",
		   NAME ":3: sip_transports: no transport given");
	if (!CONFIG_TLS)
		EXPECT_ERR(AOR REG "sip_transports udp,tls\n",
			   NAME ":3: sip_transports: tls is not built in "
			   "(CONFIG_TLS)");
}


static void test_err_numbers(void)
{
	static const struct {
		const char *text;
		const char *msg;
	} tv[] = {
		{BASE "sip_expires 59\n",
		 NAME ":4: sip_expires: 59 is out of range (60..86400)"},
		{BASE "sip_expires 86401\n",
		 NAME ":4: sip_expires: 86401 is out of range (60..86400)"},
		{BASE "sip_expires 0\n",
		 NAME ":4: sip_expires: 0 is out of range (60..86400)"},
		{BASE "sip_expires 4294967296\n",
		 NAME ":4: sip_expires: 4294967296 is out of range "
		 "(60..86400)"},
		{BASE "sip_expires 99999999999\n",
		 NAME ":4: sip_expires: '99999999999' is out of range "
		 "(60..86400)"},
		{BASE "sip_expires ten\n",
		 NAME ":4: sip_expires: 'ten' is not a number"},
		{BASE "sip_expires -600\n",
		 NAME ":4: sip_expires: '-600' is not a number"},
		{BASE "sip_expires +600\n",
		 NAME ":4: sip_expires: '+600' is not a number"},
		{BASE "sip_expires 600s\n",
		 NAME ":4: sip_expires: '600s' is not a number"},
		{BASE "sip_expires 6 00\n",
		 NAME ":4: sip_expires: '6 00' is not a number"},
		{BASE "sip_expires 0x258\n",
		 NAME ":4: sip_expires: '0x258' is not a number"},
		{BASE "sip_keepalive 19\n",
		 NAME ":4: sip_keepalive: 19 is out of range (20..840)"},
		{BASE "sip_keepalive 841\n",
		 NAME ":4: sip_keepalive: 841 is out of range (20..840)"},
		{BASE "sip_keepalive 1.5\n",
		 NAME ":4: sip_keepalive: '1.5' is not a number"},
		{BASE "max_message_size 0\n",
		 NAME ":4: max_message_size: 0 is out of range (1..61440)"},
		{BASE "max_message_size 61441\n",
		 NAME ":4: max_message_size: 61441 is out of range "
		 "(1..61440)"},
		{BASE "ack_timeout 99\n",
		 NAME ":4: ack_timeout: 99 is out of range (100..30000)"},
		{BASE "ack_timeout 30001\n",
		 NAME ":4: ack_timeout: 30001 is out of range (100..30000)"},
		{BASE "retry_after 0\n",
		 NAME ":4: retry_after: 0 is out of range (1..86400)"},
		{BASE "retry_after 86401\n",
		 NAME ":4: retry_after: 86401 is out of range (1..86400)"},
		{BASE "max_pending 0\n",
		 NAME ":4: max_pending: 0 is out of range (1..65536)"},
		{BASE "max_pending 65537\n",
		 NAME ":4: max_pending: 65537 is out of range (1..65536)"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(tv); i++)
		expect_err_at(tv[i].text, strlen(tv[i].text), tv[i].msg,
			      __FILE__, __LINE__);

	/* The app is told an MSRP body's length in a size_t: a 32-bit
	 * build tops out at 4095 MiB, a 64-bit one at 4096. */
	if (CONFIG_MSRP) {
		struct config *cfg = GOOD(BASE "msrp_max_size 4095\n");

		CU_ASSERT(cfg && cfg->msrp_max_size == 4095ull << 20);
		mem_deref(cfg);
		if (sizeof(size_t) > 4) {
			cfg = GOOD(BASE "msrp_max_size 4096\n");
			CU_ASSERT(cfg && cfg->msrp_max_size == 4096ull << 20);
			mem_deref(cfg);
		}
		else {
			EXPECT_ERR(BASE "msrp_max_size 4096\n",
				   NAME ":4: msrp_max_size: 4096 is out of "
				   "range (1..4095)");
		}
	}
}


static void test_err_instance(void)
{
	static const char *const bad[] = {
		"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf",    /* short */
		"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6a",  /* long */
		"urn:uuid:f81d4fae7dec-11d0-a765-00a0c91e6bf6-",   /* dash */
		"urn:uuid:g81d4fae-7dec-11d0-a765-00a0c91e6bf6",   /* hex */
		"uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6abcd",   /* prefix */
		"f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
		"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>",
	};
	char text[512], msg[512];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		(void)re_snprintf(text, sizeof(text), BASE "sip_instance %s\n",
				  bad[i]);
		(void)re_snprintf(msg, sizeof(msg), NAME ":4: sip_instance: "
				  "'%s' is not a urn:uuid:xxxxxxxx-xxxx-xxxx-"
				  "xxxx-xxxxxxxxxxxx", bad[i]);
		expect_err_at(text, strlen(text), msg, __FILE__, __LINE__);
	}
}


static void test_err_paths(void)
{
	char text[512], path[200];

	EXPECT_ERR(BASE "state_dir var/lib/sippushd\n",
		   NAME ":4: state_dir: 'var/lib/sippushd' is not an absolute "
		   "path");
	EXPECT_ERR(BASE "ipc_socket ./sippushd.sock\n",
		   NAME ":4: ipc_socket: './sippushd.sock' is not an absolute "
		   "path");
	EXPECT_ERR(BASE "ipc_socket ~/s.sock\n",
		   NAME ":4: ipc_socket: '~/s.sock' is not an absolute path");
	if (CONFIG_TLS) {
		EXPECT_ERR(BASE "tls_ca_file ca.pem\n",
			   NAME ":4: tls_ca_file: 'ca.pem' is not an absolute "
			   "path");
		EXPECT_ERR(BASE "tls_cert_file ../me.pem\n",
			   NAME ":4: tls_cert_file: '../me.pem' is not an "
			   "absolute path");
	}
	else {
		EXPECT_ERR(BASE "tls_ca_file /ca.pem\n",
			   NAME ":4: tls_ca_file: TLS is not built in "
			   "(CONFIG_TLS)");
		EXPECT_ERR(BASE "tls_cert_file /me.pem\n",
			   NAME ":4: tls_cert_file: TLS is not built in "
			   "(CONFIG_TLS)");
	}

	/* sun_path holds 107 characters and the NUL */
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[107] = '\0';
	(void)re_snprintf(text, sizeof(text), BASE "ipc_socket %s\n", path);
	{
		struct config *cfg = GOOD(text);

		if (cfg)
			UNIT_ASSERT_INT(strlen(cfg->ipc_socket), 107);
		mem_deref(cfg);
	}

	path[107] = 'a';
	path[108] = '\0';
	(void)re_snprintf(text, sizeof(text), BASE "ipc_socket %s\n", path);
	EXPECT_ERR_STR(text, NAME ":4: ipc_socket: path longer than a UNIX "
		       "socket address allows (107)");
}


static void test_err_app(void)
{
	char text[512], msg[512], id[120];

	EXPECT_ERR(BASE "app mms/ua\n",
		   NAME ":4: app: 'mms/ua' is not an application ID "
		   "(x-wap-application:NAME, NAME, or an OMNA code)");
	EXPECT_ERR(BASE "app ../etc\n",
		   NAME ":4: app: '../etc' is not an application ID "
		   "(x-wap-application:NAME, NAME, or an OMNA code)");
	EXPECT_ERR(BASE "app x-wap-application:\n",
		   NAME ":4: app: 'x-wap-application:' is not an application "
		   "ID (x-wap-application:NAME, NAME, or an OMNA code)");
	EXPECT_ERR(BASE "app \"mms.ua\"\n",
		   NAME ":4: app: '\"mms.ua\"' is not an application ID "
		   "(x-wap-application:NAME, NAME, or an OMNA code)");
	EXPECT_ERR(BASE "app 0x0b\n",
		   NAME ":4: app: numeric application ID '0x0b' is not in "
		   "the OMNA registry");
	EXPECT_ERR(BASE "app 4242\n",
		   NAME ":4: app: numeric application ID '4242' is not in "
		   "the OMNA registry");
	EXPECT_ERR(BASE "app mms.ua\napp 0x04\n",
		   NAME ":5: app: application ID 'x-wap-application:mms.ua' "
		   "given twice");
	EXPECT_ERR(BASE "app ulp.ua\n\napp X-OMA-APPLICATION:ULP.UA\n",
		   NAME ":6: app: application ID 'x-oma-application:ulp.ua' "
		   "given twice");

	/* 97 characters */
	memset(id, 'a', sizeof(id));
	memcpy(id, "x-oma-application:", 18);
	id[APPID_MAX + 1] = '\0';
	(void)re_snprintf(text, sizeof(text), BASE "app %s\n", id);
	(void)re_snprintf(msg, sizeof(msg), NAME ":4: app: application ID "
			  "'%s' is longer than 96", id);
	EXPECT_ERR_STR(text, msg);

	/* a 79-character short name: its canonical form is 97 long */
	UNIT_ASSERT_INT(strlen(id + 18), APPID_MAX - 18 + 1);
	(void)re_snprintf(text, sizeof(text), BASE "app %s\n", id + 18);
	(void)re_snprintf(msg, sizeof(msg), NAME ":4: app: application ID "
			  "'%s' is longer than 96", id + 18);
	EXPECT_ERR_STR(text, msg);
}


static void test_err_route_sender(void)
{
	EXPECT_ERR(BASE "route_ctype text/plain\n",
		   NAME ":4: route_ctype: expected CONTENT-TYPE APP-ID");
	EXPECT_ERR(BASE "route_ctype text/plain mms.ua extra\n",
		   NAME ":4: route_ctype: expected CONTENT-TYPE APP-ID");
	EXPECT_ERR(BASE "route_ctype text mms.ua\n",
		   NAME ":4: route_ctype: 'text' is not a type/subtype");
	EXPECT_ERR(BASE "route_ctype text/ mms.ua\n",
		   NAME ":4: route_ctype: 'text/' is not a type/subtype");
	EXPECT_ERR(BASE "route_ctype text/plain/x mms.ua\n",
		   NAME ":4: route_ctype: 'text/plain/x' is not a "
		   "type/subtype");
	EXPECT_ERR(BASE "route_ctype text/plain;q=1 mms.ua\n",
		   NAME ":4: route_ctype: 'text/plain;q=1' is not a "
		   "type/subtype");
	EXPECT_ERR(BASE "route_ctype text/plain mms/ua\n",
		   NAME ":4: route_ctype: 'mms/ua' is not an application ID "
		   "(x-wap-application:NAME, NAME, or an OMNA code)");
	EXPECT_ERR(BASE "route_ctype text/plain mms.ua\n"
		   "route_ctype TEXT/PLAIN ulp.ua\n",
		   NAME ":5: route_ctype: content type text/plain routed "
		   "twice");

	EXPECT_ERR(BASE "app_sender mms.ua\n",
		   NAME ":4: app_sender: expected APP-ID SENDER "
		   "(sip:user@host, *@host or *) [asserted]");
	EXPECT_ERR(BASE "app_sender mms.ua * trusted\n",
		   NAME ":4: app_sender: expected 'asserted' after the "
		   "sender, not 'trusted'");
	EXPECT_ERR(BASE "app_sender 0x0b *\n",
		   NAME ":4: app_sender: numeric application ID '0x0b' is "
		   "not in the OMNA registry");
	EXPECT_ERR(BASE "app_sender mms.ua mmsc.example.com\n",
		   NAME ":4: app_sender: 'mmsc.example.com' is not a SIP "
		   "URI");
	EXPECT_ERR(BASE "app_sender mms.ua tel:+123\n",
		   NAME ":4: app_sender: 'tel:+123' is not a sip: or sips: "
		   "URI");
}


/* app_acl lines are checked by acl.c's own parser; acl_default */
static void test_acl_keys(void)
{
	struct config *cfg = GOOD(BASE "app_acl ulp.ua own,send uid:1000 "
				  "gid:20\napp_acl * status *\n"
				  "acl_default deny\nacl_dir /etc/x/acl.d\n");

	if (cfg) {
		UNIT_ASSERT_INT(cfg->aclc, 2);
		if (cfg->aclc == 2)
			UNIT_ASSERT_STR(cfg->acls[0].rule,
					"ulp.ua own,send uid:1000 gid:20");
		UNIT_ASSERT_INT(cfg->acl_default, CONFIG_ACL_DENY);
		UNIT_ASSERT_STR(cfg->acl_dir, "/etc/x/acl.d");
	}
	mem_deref(cfg);

	cfg = GOOD(BASE);
	if (cfg) {
		UNIT_ASSERT_INT(cfg->acl_default, CONFIG_ACL_ALLOW);
		UNIT_ASSERT_STR(cfg->acl_dir, "/etc/sippushd/acl.d");
	}
	mem_deref(cfg);

	EXPECT_ERR(BASE "app_acl ulp.ua own\n",
		   NAME ":4: app_acl: want APP RIGHTS WHO...");
	EXPECT_ERR(BASE "app_acl ulp.ua rule uid:1\n",
		   NAME ":4: app_acl: bad rights 'rule' (a comma list of own, "
		   "monitor, send, status, all)");
	EXPECT_ERR(BASE "app_acl ulp.ua own uid:x\n",
		   NAME ":4: app_acl: bad principal 'uid:x' (user:NAME, "
		   "uid:N, group:NAME, gid:N or *)");
	EXPECT_ERR(BASE "acl_default maybe\n",
		   NAME ":4: acl_default: 'maybe' is not one of allow, deny");
}


static void test_uaprof(void)
{
	struct config *cfg = GOOD(BASE "uaprof_url "
				  "https://dev.example.com/p/m1.xml?v=2\n");

	if (cfg)
		UNIT_ASSERT_STR(cfg->uaprof_url,
				"https://dev.example.com/p/m1.xml?v=2");
	mem_deref(cfg);

	EXPECT_ERR(BASE "uaprof_url ftp://a/b\n",
		   NAME ":4: uaprof_url: 'ftp://a/b' is not an http:// or "
		   "https:// URL");
	EXPECT_ERR(BASE "uaprof_url http://\n",
		   NAME ":4: uaprof_url: 'http://' is not an http:// or "
		   "https:// URL");
	EXPECT_ERR(BASE "uaprof_url http://a/\"x\n",
		   NAME ":4: uaprof_url: 'http://a/\"x': no spaces, quotes, "
		   "<, > or backslashes");
	EXPECT_ERR(BASE "uaprof_url http://a/<x>\n",
		   NAME ":4: uaprof_url: 'http://a/<x>': no spaces, quotes, "
		   "<, > or backslashes");
}


static void test_err_bool(void)
{
	char text[256], want[128];
	static const char *const bad[] = {"maybe", "on", "2"};

	/* a yes/no key of this build: tiny (no TLS, no XML) has none */
	for (size_t i = 0; BOOL_KEY && i < ARRAY_SIZE(bad); i++) {
		(void)re_snprintf(text, sizeof(text), BASE "%s %s\n",
				  BOOL_KEY, bad[i]);
		(void)re_snprintf(want, sizeof(want), NAME ":4: %s: '%s' is "
				  "not yes or no", BOOL_KEY, bad[i]);
		EXPECT_ERR_STR(text, want);
	}
}


static void test_err_bytes(void)
{
	char text[2048];
	size_t o;

	EXPECT_ERR(BASE "sip_auth_pass ab\x01" "cd\n",
		   NAME ":4: sip_auth_pass: value has control characters");
	EXPECT_ERR(BASE "sip_auth_pass ab\x1b[2Jcd\n",
		   NAME ":4: sip_auth_pass: value has control characters");
	EXPECT_ERR(BASE "sip_auth_user a\tb\n",
		   NAME ":4: sip_auth_user: value has control characters");
	EXPECT_ERR(BASE "sip_auth_user a\rb\n",
		   NAME ":4: sip_auth_user: value has control characters");
	EXPECT_ERR(BASE "sip_auth_user ab\x7f\n",
		   NAME ":4: sip_auth_user: value has control characters");
	EXPECT_ERR(BASE "sip_auth_user caf\xc3\xa9\n",
		   NAME ":4: sip_auth_user: value has control characters");

	EXPECT_ERR(AOR "sip_registrar sip:exa\0mple.com\n" TPS,
		   NAME ":2: -: NUL byte in file");
	EXPECT_ERR(BASE "\n# comment\0\n",
		   NAME ":5: -: NUL byte in file");

	/* 1024 value characters are fine, 1025 are not */
	o = (size_t)re_snprintf(text, sizeof(text), BASE "sip_auth_pass ");
	memset(text + o, 'p', 1024);
	(void)re_snprintf(text + o + 1024, sizeof(text) - o - 1024,
			  "\nsip_auth_user u\n");
	{
		struct config *cfg = GOOD(text);

		if (cfg)
			UNIT_ASSERT_INT(strlen(cfg->sip_auth_pass), 1024);
		mem_deref(cfg);
	}

	memset(text + o, 'p', 1025);
	(void)re_snprintf(text + o + 1025, sizeof(text) - o - 1025,
			  "\nsip_auth_user u\n");
	EXPECT_ERR_STR(text, NAME ":4: sip_auth_pass: value longer than 1024");
}


/* A long bad value must still leave a readable message. */
static void test_err_long_value(void)
{
	char text[1200], err[512] = "";
	struct config *cfg = NULL;
	size_t o;

	o = (size_t)re_snprintf(text, sizeof(text), "sip_aor ");
	memset(text + o, 'a', 300);
	(void)re_snprintf(text + o + 300, sizeof(text) - o - 300, "\n" REG);

	UNIT_ASSERT_INT(parse(&cfg, text, err, sizeof(err)), EINVAL);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_EQUAL(strncmp(err, NAME ":1: sip_aor: ",
				strlen(NAME ":1: sip_aor: ")), 0);
	UNIT_ASSERT_CONTAINS(err, "is not a SIP URI");
}


/* whole-file checks name no line */
static void test_err_whole(void)
{
	EXPECT_ERR("", NAME ": sip_aor: required key is missing");
	EXPECT_ERR("# nothing\n\n", NAME ": sip_aor: required key is missing");
	EXPECT_ERR(REG TPS, NAME ": sip_aor: required key is missing");
	EXPECT_ERR(AOR TPS, NAME ": sip_registrar: required key is missing");

	EXPECT_ERR(BASE "sip_auth_user alice\n",
		   NAME ": sip_auth_pass: sip_auth_user and sip_auth_pass "
		   "go together");
	EXPECT_ERR(BASE "sip_auth_pass secret\n",
		   NAME ": sip_auth_user: sip_auth_user and sip_auth_pass "
		   "go together");

	EXPECT_ERR(AOR "sip_registrar sip:example.com;transport=tcp\n"
		   "sip_transports udp\n",
		   NAME ": sip_registrar: transport=tcp is not in "
		   "sip_transports");
	EXPECT_ERR(AOR "sip_registrar sip:example.com;lr;transport=udp\n"
		   "sip_transports tcp\n",
		   NAME ": sip_registrar: transport=udp is not in "
		   "sip_transports");
	EXPECT_ERR(AOR "sip_registrar sip:example.com;transport=sctp\n" TPS,
		   NAME ": sip_registrar: unknown transport 'sctp'");
	EXPECT_ERR(AOR "sip_registrar sips:example.com\n" TPS,
		   NAME ": sip_registrar: sips: needs tls in sip_transports");
	EXPECT_ERR(AOR "sip_registrar SIPS:example.com\n"
		   "sip_transports udp\n",
		   NAME ": sip_registrar: sips: needs tls in sip_transports");

	if (CONFIG_TLS) {
		EXPECT_ERR(AOR "sip_registrar sip:example.com;transport=tls\n"
			   TPS, NAME ": sip_registrar: transport=tls is not "
			   "in sip_transports");
		EXPECT_ERR(AOR REG "sip_transports tls\n",
			   NAME ": tls_ca_file: required when tls is in "
			   "sip_transports and tls_verify is yes");
		EXPECT_ERR(AOR REG "sip_transports tls\ntls_verify yes\n"
			   "tls_cert_file /me.pem\n",
			   NAME ": tls_ca_file: required when tls is in "
			   "sip_transports and tls_verify is yes");
	}
}


/* The first error wins, and it is the first in file order. */
static void test_err_first_wins(void)
{
	EXPECT_ERR("sip_expires 1\nfoo bar\n",
		   NAME ":1: sip_expires: 1 is out of range (60..86400)");
	EXPECT_ERR("foo bar\nsip_expires 1\n", NAME ":1: foo: unknown key");
}


static void test_err_args(void)
{
	struct config *cfg = NULL;
	char err[64];

	UNIT_ASSERT_INT(config_parse(NULL, NAME, BASE, 3, err, sizeof(err)),
			EINVAL);
	UNIT_ASSERT_INT(config_parse(&cfg, NULL, BASE, 3, err, sizeof(err)),
			EINVAL);
	UNIT_ASSERT_INT(config_parse(&cfg, NAME, NULL, 3, err, sizeof(err)),
			EINVAL);
	CU_ASSERT_PTR_NULL(cfg);

	/* a short error buffer is not overrun and stays a string */
	memset(err, 'X', sizeof(err));
	UNIT_ASSERT_INT(config_parse(&cfg, NAME, "foo\n", 4, err, 8), EINVAL);
	CU_ASSERT_PTR_NOT_NULL(memchr(err, '\0', 8));
	CU_ASSERT_EQUAL(err[8], 'X');
	CU_ASSERT_PTR_NULL(cfg);
}


/* --- config_load --------------------------------------------------- */

static char tmpdir[256];


static int load_init(void)
{
	if (unit_libre_init())
		return -1;
	return unit_mkdtemp(tmpdir, sizeof(tmpdir)) ? -1 : 0;
}


static int load_cleanup(void)
{
	int err = tmpdir[0] ? unit_rmtree(tmpdir) : 0;

	unit_libre_close();
	return err ? -1 : 0;
}


static void test_load_good(void)
{
	struct config *cfg = NULL;
	char path[300], err[512] = "";

	(void)re_snprintf(path, sizeof(path), "%s/good.conf", tmpdir);
	CU_ASSERT_FATAL(!unit_write_file(path, BASE "sip_expires 61\n",
					 strlen(BASE "sip_expires 61\n")));

	UNIT_ASSERT_INT(config_load(&cfg, path, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	UNIT_ASSERT_STR(cfg->path, path);
	UNIT_ASSERT_INT(cfg->sip_expires, 61);
	mem_deref(cfg);
}


static void test_load_errors_name_the_file(void)
{
	struct config *cfg = NULL;
	char path[300], err[600] = "", msg[600];
	static const char text[] = BASE "\nsip_expires 5\n";

	(void)re_snprintf(path, sizeof(path), "%s/bad.conf", tmpdir);
	CU_ASSERT_FATAL(!unit_write_file(path, text, sizeof(text) - 1));

	UNIT_ASSERT_INT(config_load(&cfg, path, err, sizeof(err)), EINVAL);
	CU_ASSERT_PTR_NULL(cfg);
	(void)re_snprintf(msg, sizeof(msg), "%s:5: sip_expires: 5 is out of "
			  "range (60..86400)", path);
	UNIT_ASSERT_STR(err, msg);
}


static void test_load_missing(void)
{
	struct config *cfg = NULL;
	char path[300], err[600] = "", msg[600];

	(void)re_snprintf(path, sizeof(path), "%s/no-such.conf", tmpdir);
	UNIT_ASSERT_INT(config_load(&cfg, path, err, sizeof(err)), ENOENT);
	CU_ASSERT_PTR_NULL(cfg);
	(void)re_snprintf(msg, sizeof(msg), "%s: cannot open: %m", path,
			  ENOENT);
	UNIT_ASSERT_STR(err, msg);

	UNIT_ASSERT_INT(config_load(NULL, path, err, sizeof(err)), EINVAL);
	UNIT_ASSERT_INT(config_load(&cfg, NULL, err, sizeof(err)), EINVAL);
}


static void test_load_size(void)
{
	enum { LIMIT = 64 * 1024 };
	struct config *cfg = NULL;
	char path[300], err[600] = "", msg[600];
	char *buf;
	size_t o;

	buf = mem_alloc(LIMIT + 2, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);

	/* exactly the limit: a good file padded with a comment line */
	o = (size_t)re_snprintf(buf, LIMIT + 1, BASE "# ");
	memset(buf + o, 'x', LIMIT - o - 1);
	buf[LIMIT - 1] = '\n';
	(void)re_snprintf(path, sizeof(path), "%s/limit.conf", tmpdir);
	CU_ASSERT_FATAL(!unit_write_file(path, buf, LIMIT));

	UNIT_ASSERT_INT(config_load(&cfg, path, err, sizeof(err)), 0);
	UNIT_ASSERT_STR(err, "");
	CU_ASSERT_PTR_NOT_NULL(cfg);
	cfg = mem_deref(cfg);

	/* one byte more */
	buf[LIMIT - 1] = 'x';
	buf[LIMIT] = '\n';
	(void)re_snprintf(path, sizeof(path), "%s/big.conf", tmpdir);
	CU_ASSERT_FATAL(!unit_write_file(path, buf, LIMIT + 1));

	UNIT_ASSERT_INT(config_load(&cfg, path, err, sizeof(err)), EFBIG);
	CU_ASSERT_PTR_NULL(cfg);
	(void)re_snprintf(msg, sizeof(msg), "%s: larger than 65536 bytes",
			  path);
	UNIT_ASSERT_STR(err, msg);

	mem_deref(buf);
}


static void test_load_directory(void)
{
	struct config *cfg = NULL;
	char err[600] = "", msg[600];
	int e;

	e = config_load(&cfg, tmpdir, err, sizeof(err));
	CU_ASSERT_NOT_EQUAL(e, 0);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_NOT_EQUAL(err[0], '\0');
	(void)re_snprintf(msg, sizeof(msg), "%s: ", tmpdir);
	CU_ASSERT_EQUAL(strncmp(err, msg, strlen(msg)), 0);
	mem_deref(cfg);
}


/* --- comparisons --------------------------------------------------- */

static struct config *cfg_with(const char *extra)
{
	char text[1024];

	(void)re_snprintf(text, sizeof(text), BASE "%s", extra);
	return good_at(text, __FILE__, __LINE__);
}


static void test_sip_equal(void)
{
	/* each line changes one thing that needs a new stack/registration */
	static const char *const sip_change[] = {
		"sip_listen 127.0.0.1:5060\n",
		"sip_expires 601\n",
		"sip_keepalive 121\n",
		"sip_instance " UUID "\n",
		"state_dir /var/lib/other\n",
		"sip_auth_user a\nsip_auth_pass b\n",
		CONFIG_TLS ? "tls_verify no\n" : "sip_expires 603\n",
		CONFIG_TLS ? "tls_host sip.example.net\n" : "sip_expires 602\n",
	};
	/* and these apply at once */
	static const char *const other_change[] = {
		"app mms.ua\n",
		"ack_timeout 1000\n",
		"max_message_size 100\n",
		"ipc_socket /run/other.sock\n",
		"# just a comment\n",
	};
	struct config *a, *b;

	a = cfg_with("");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);

	b = cfg_with("");
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_TRUE(config_sip_equal(a, b));
	CU_ASSERT_TRUE(config_sip_equal(b, a));
	CU_ASSERT_TRUE(config_sip_equal(a, a));
	mem_deref(b);

	for (size_t i = 0; i < ARRAY_SIZE(sip_change); i++) {
		b = cfg_with(sip_change[i]);
		if (!b)
			continue;
		CU_ASSERT_FALSE(config_sip_equal(a, b));
		CU_ASSERT_FALSE(config_sip_equal(b, a));
		mem_deref(b);
	}

	for (size_t i = 0; i < ARRAY_SIZE(other_change); i++) {
		b = cfg_with(other_change[i]);
		if (!b)
			continue;
		CU_ASSERT_TRUE(config_sip_equal(a, b));
		mem_deref(b);
	}

	/* fields outside BASE: aor, registrar, transports */
	b = GOOD("sip_aor sip:bob@example.com\n" REG TPS);
	if (b)
		CU_ASSERT_FALSE(config_sip_equal(a, b));
	mem_deref(b);

	b = GOOD(AOR "sip_registrar sip:other.example.com\n" TPS);
	if (b)
		CU_ASSERT_FALSE(config_sip_equal(a, b));
	mem_deref(b);

	b = GOOD(AOR REG "sip_transports udp\n");
	if (b)
		CU_ASSERT_FALSE(config_sip_equal(a, b));
	mem_deref(b);
	mem_deref(a);

	a = cfg_with("sip_auth_user a\nsip_auth_pass b\n");
	b = cfg_with("sip_auth_user a\nsip_auth_pass c\n");
	if (a && b)
		CU_ASSERT_FALSE(config_sip_equal(a, b));
	mem_deref(a);
	mem_deref(b);

	if (CONFIG_TLS) {
		a = cfg_with("tls_ca_file /a.pem\n");
		b = cfg_with("tls_ca_file /b.pem\n");
		if (a && b)
			CU_ASSERT_FALSE(config_sip_equal(a, b));
		mem_deref(b);
		b = cfg_with("tls_ca_file /a.pem\ntls_cert_file /c.pem\n");
		if (a && b)
			CU_ASSERT_FALSE(config_sip_equal(a, b));
		mem_deref(b);
		b = cfg_with("tls_ca_file /a.pem\n");
		if (a && b)
			CU_ASSERT_TRUE(config_sip_equal(a, b));
		mem_deref(b);
		mem_deref(a);
	}
}






/* user: an account name as useradd takes it, [a-z_][a-z0-9_-]{0,31} */
static void test_user(void)
{
	static const char *const good[] = {
		"sippushd", "_sippush", "a", "push-agent_2",
		"abcdefghijklmnopqrstuvwxyz012345",   /* 32 */
	};
	static const char *const bad[] = {
		"Sippushd", "0day", "-x", "a.b", "a$",
		"abcdefghijklmnopqrstuvwxyz0123456",  /* 33 */
	};
	char text[256], msg[256];

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct config *cfg;

		(void)re_snprintf(text, sizeof(text), BASE "user %s\n",
				  good[i]);
		cfg = GOOD(text);
		if (cfg)
			UNIT_ASSERT_STR(cfg->user, good[i]);
		mem_deref(cfg);
	}

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		(void)re_snprintf(text, sizeof(text), BASE "user %s\n",
				  bad[i]);
		(void)re_snprintf(msg, sizeof(msg), NAME ":4: user: '%s' is "
				  "not a user name ([a-z_][a-z0-9_-], at most "
				  "32)", bad[i]);
		EXPECT_ERR_STR(text, msg);
	}

	EXPECT_ERR(BASE "user a\nuser b\n", NAME ":5: user: given twice");
	EXPECT_ERR(BASE "user a b\n", NAME ":4: user: 'a b' is not a user "
		   "name ([a-z_][a-z0-9_-], at most 32)");
}


static CU_TestInfo parse_tests[] = {
	{"full file, every key", test_full_file},
	{"defaults", test_defaults},
	{"only the required keys", test_required_keys_only},
	{"comments, blanks, CRLF", test_comments_and_blanks},
	{"key followed by a comment only", test_comment_only_value},
	{"accepted values and bounds", test_values_accepted},
	{"app lines", test_app_lines},
	{"user", test_user},
	CU_TEST_INFO_NULL
};

static CU_TestInfo error_tests[] = {
	{"unknown key", test_err_unknown_key},
	{"missing value", test_err_missing_value},
	{"duplicate key", test_err_duplicate},
	{"bad URIs", test_err_uri},
	{"bad sip_listen", test_err_listen},
	{"sip_listen port out of range", test_err_listen_port},
	{"bad sip_transports", test_err_transports},
	{"bad numbers", test_err_numbers},
	{"bad sip_instance", test_err_instance},
	{"bad paths", test_err_paths},
	{"bad app lines", test_err_app},
	{"bad route_ctype, app_sender", test_err_route_sender},
	{"bad booleans", test_err_bool},
	{"app_acl, acl_dir, acl_default", test_acl_keys},
	{"uaprof_url: http(s) URL, no quote/<>", test_uaprof},
	{"control characters, NUL, length", test_err_bytes},
	{"long bad value", test_err_long_value},
	{"whole-file checks", test_err_whole},
	{"first error wins", test_err_first_wins},
	{"bad arguments", test_err_args},
	CU_TEST_INFO_NULL
};

static CU_TestInfo load_tests[] = {
	{"good file", test_load_good},
	{"errors name the file", test_load_errors_name_the_file},
	{"missing file", test_load_missing},
	{"size limit", test_load_size},
	{"directory", test_load_directory},
	CU_TEST_INFO_NULL
};

static CU_TestInfo equal_tests[] = {
	{"config_sip_equal", test_sip_equal},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"config_parse", unit_libre_init, unit_libre_close, NULL, NULL,
	 parse_tests},
	{"config_parse errors", unit_libre_init, unit_libre_close, NULL, NULL,
	 error_tests},
	{"config_load", load_init, load_cleanup, NULL, NULL, load_tests},
	{"config comparisons", unit_libre_init, unit_libre_close, NULL, NULL,
	 equal_tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_config", suites);
}
