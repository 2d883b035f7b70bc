/* test_config_keys.c: the key table: docs name every key and no other, features, reload classes, drop-in files. */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <sys/stat.h>
#include <re.h>
#include "autoconf.h"
#include "config.h"
#include "unit.h"

/* no line in .config when its dependency (MSRP) is off */
#ifndef CONFIG_MSRP_RELAY
#define CONFIG_MSRP_RELAY 0
#endif

/*
 * The suite runs from the top of the source tree (make unit does), where
 * it reads the three places a user learns the keys from.
 */

#define README  "README.md"
#define MANPAGE "doc/man/sippushd.conf.5"
#define SAMPLE  "doc/sippushd.conf.sample"

enum { NAMES_MAX = 128, DOC_MAX = 96 * 1024 };

struct names {
	char v[NAMES_MAX][40];
	size_t n;
};


static char *read_doc(const char *path)
{
	static char buf[DOC_MAX];

	if (unit_read_file(path, buf, sizeof(buf)) < 0) {
		char what[160];

		(void)re_snprintf(what, sizeof(what), "read %s (run from the "
				  "top of the source tree)", path);
		CU_assertImplementation(false, __LINE__, what, __FILE__, "",
					CU_FALSE);
		return NULL;
	}

	return buf;
}


static bool has(const struct names *ns, const char *key);


static void add(struct names *ns, const char *p, size_t l)
{
	if (ns->n >= NAMES_MAX || l >= sizeof(ns->v[0]))
		return;

	/* a name said twice is one name */
	for (size_t i = 0; i < ns->n; i++)
		if (strlen(ns->v[i]) == l && !memcmp(ns->v[i], p, l))
			return;

	memcpy(ns->v[ns->n], p, l);
	ns->v[ns->n][l] = '\0';
	++ns->n;
}


static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}


/* README: the first cell of each row of the table headed "| key |",
 * e.g. "| `sip_auth_user`, `sip_auth_pass` |" */
static void readme_keys(struct names *ns, char *doc)
{
	char *l = strstr(doc, "\n| key | default | meaning |");

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);

	for (l = strchr(l + 1, '\n'); l && l[1] == '|'; l = strchr(l + 1, '\n')) {
		char *end = strchr(l + 2, '|');

		if (!end || !strncmp(l + 1, "|---", 4))
			continue;

		for (char *p = l + 2; p < end; ) {
			char *q;

			p = memchr(p, '`', (size_t)(end - p));
			if (!p)
				break;
			q = memchr(p + 1, '`', (size_t)(end - p - 1));
			if (!q)
				break;
			add(ns, p + 1, (size_t)(q - p - 1));
			p = q + 1;
		}
	}
}


/* sippushd.conf(5): ".BI key " right after a .TP or .TQ of the KEYS
 * section */
static void man_keys(struct names *ns, char *doc)
{
	char *s = strstr(doc, "\n.SH KEYS\n");
	char *e = s ? strstr(s + 1, "\n.SH ") : NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);

	for (char *l = s; l && l < e; l = strchr(l + 1, '\n')) {
		size_t k = 0;

		if (strncmp(l, "\n.TP\n.BI ", 9) && strncmp(l, "\n.TQ\n.BI ", 9))
			continue;

		l += 9;
		while (is_key_char(l[k]))
			++k;
		add(ns, l, k);
	}
}


static bool is_key(const char *name);
static const char *strndup_tmp(const char *p, size_t n);


/* sippushd.conf(5) RELOADING: the keys (".B key" / ".BR key ,") of the
 * paragraph that starts with head, up to the next .TP or .SH */
static void man_reload_keys(struct names *ns, char *doc, const char *head)
{
	char *s = strstr(doc, "\n.SH RELOADING\n");
	char *p = s ? strstr(s, head) : NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);

	for (char *l = strchr(p + 1, '\n'); l && strncmp(l, "\n.TP", 4) &&
		     strncmp(l, "\n.SH", 4); l = strchr(l + 1, '\n')) {
		size_t k = 0;
		char *w;

		if (!strncmp(l, "\n.B ", 4))
			w = l + 4;
		else if (!strncmp(l, "\n.BR ", 5))
			w = l + 5;
		else
			continue;

		while (is_key_char(w[k]))
			++k;
		if (is_key(strndup_tmp(w, k)))
			add(ns, w, k);
	}
}


/* the sample: "key value" and "#key value" lines; prose is "# ..." */
static void sample_keys(struct names *ns, char *doc)
{
	for (char *l = doc; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 :
		     NULL) {
		size_t k = 0;

		if (*l == '#')
			++l;
		while (is_key_char(l[k]))
			++k;
		if (k && (l[k] == ' ' || l[k] == '\t'))
			add(ns, l, k);
	}
}


static bool has(const struct names *ns, const char *key)
{
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], key))
			return true;

	return false;
}


static const char *strndup_tmp(const char *p, size_t n)
{
	static char buf[64];

	n = n < sizeof(buf) ? n : sizeof(buf) - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}


static bool is_key(const char *name)
{
	for (size_t i = 0; config_key_name(i); i++)
		if (!strcmp(config_key_name(i), name))
			return true;

	return false;
}


static void check_doc(const char *path, const struct names *ns)
{
	char what[160];

	CU_ASSERT(ns->n > 0);

	for (size_t i = 0; config_key_name(i); i++) {
		(void)re_snprintf(what, sizeof(what), "%s names key %s", path,
				  config_key_name(i));
		CU_assertImplementation(has(ns, config_key_name(i)), __LINE__,
					what, __FILE__, "", CU_FALSE);
	}

	for (size_t i = 0; i < ns->n; i++) {
		(void)re_snprintf(what, sizeof(what), "%s: '%s' is a key",
				  path, ns->v[i]);
		CU_assertImplementation(is_key(ns->v[i]), __LINE__, what,
					__FILE__, "", CU_FALSE);
	}
}


static void test_readme(void)
{
	struct names ns = {.n = 0};
	char *doc = read_doc(README);

	if (!doc)
		return;
	readme_keys(&ns, doc);
	check_doc(README, &ns);
}


static void test_manpage(void)
{
	struct names ns = {.n = 0};
	char *doc = read_doc(MANPAGE);

	if (!doc)
		return;
	man_keys(&ns, doc);
	check_doc(MANPAGE, &ns);
}


/* RELOADING says for each key what SIGHUP does with it, as the table */
static void test_manpage_reload(void)
{
	static const struct {
		const char *head;
		enum config_reload r;
	} paras[] = {
		{"\nAt once:\n",                  CONFIG_RELOAD_NOW},
		{"\nRebuilding the SIP stack:\n", CONFIG_RELOAD_STACK},
		{"\nAfter a restart only:\n",     CONFIG_RELOAD_RESTART},
	};
	char *doc = read_doc(MANPAGE);

	if (!doc)
		return;

	for (size_t i = 0; i < ARRAY_SIZE(paras); i++) {
		struct names ns = {.n = 0};
		size_t want = 0;
		char what[160];

		man_reload_keys(&ns, doc, paras[i].head);

		for (size_t k = 0; config_key_name(k); k++) {
			if (config_key_reload(k) != paras[i].r)
				continue;
			++want;
			(void)re_snprintf(what, sizeof(what), "RELOADING "
					  "lists %s under %s",
					  config_key_name(k), paras[i].head + 1);
			CU_assertImplementation(has(&ns, config_key_name(k)),
						__LINE__, what, __FILE__, "",
						CU_FALSE);
		}
		UNIT_ASSERT_INT(ns.n, want);
	}
}


static void test_sample(void)
{
	struct names ns = {.n = 0};
	char *doc = read_doc(SAMPLE);
	struct config *cfg = NULL;
	char err[256] = "";

	if (!doc)
		return;
	sample_keys(&ns, doc);
	check_doc(SAMPLE, &ns);

	/* and the sample as installed is a working configuration */
	UNIT_ASSERT_INT(config_load(&cfg, SAMPLE, err, sizeof(err)), 0);
	UNIT_ASSERT_STR(err, "");
	mem_deref(cfg);
}


/* The extractors themselves: a missing or unknown key is seen. */
static void test_extractors(void)
{
	static char readme[] =
		"x\n| key | default | meaning |\n|---|---|---|\n"
		"| `a_b`, `c` | 1 | d |\n| `e` | 2 | f |\n\nafter `g`\n";
	static char man[] =
		"x\n.SH KEYS\n.TP\n.BI a_b \" x\"\n.TQ\n.BI c \" y\"\n"
		".BI notkey\n.TP\n.BI e\n.SH OTHER\n.TP\n.BI g\n";
	static char sample[] = "# prose here\na_b 1\n#c  2\n# e is prose\n"
		"#e\t3\nnotvalue\n";
	struct names r = {.n = 0}, m = {.n = 0}, s = {.n = 0};

	readme_keys(&r, readme);
	UNIT_ASSERT_INT(r.n, 3);
	CU_ASSERT(has(&r, "a_b") && has(&r, "c") && has(&r, "e"));
	CU_ASSERT(!has(&r, "g"));

	man_keys(&m, man);
	UNIT_ASSERT_INT(m.n, 3);
	CU_ASSERT(has(&m, "a_b") && has(&m, "c") && has(&m, "e"));
	CU_ASSERT(!has(&m, "notkey") && !has(&m, "g"));

	sample_keys(&s, sample);
	UNIT_ASSERT_INT(s.n, 3);
	CU_ASSERT(has(&s, "a_b") && has(&s, "c") && has(&s, "e"));
	CU_ASSERT(!has(&s, "prose") && !has(&s, "notvalue"));

	CU_ASSERT(is_key("sip_aor"));
	CU_ASSERT(!is_key("a_b"));
}


/* A key whose feature is left out of the build is refused, naming the
 * option; with the feature, the same line is taken. */
static void test_features(void)
{
	static const struct {
		const char *line;
		const char *option;
	} lines[] = {
		{"tls_verify no\n", "CONFIG_TLS"},
		{"tls_host core.example\n", "CONFIG_TLS"},
		{"msrp_max_size 10\n", "CONFIG_MSRP"},
		{"msrp_listen 127.0.0.1:0\n", "CONFIG_MSRP"},
		{"msrp_relay msrp://192.0.2.1:2855\n",
		 CONFIG_MSRP ? "CONFIG_MSRP_RELAY" : "CONFIG_MSRP"},
		{"reg_event yes\n", "CONFIG_XML"},
	};
	const bool built[] = {
		CONFIG_TLS, CONFIG_TLS, CONFIG_MSRP, CONFIG_MSRP,
		CONFIG_MSRP && CONFIG_MSRP_RELAY, CONFIG_XML,
	};

	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		struct config *cfg = unit_config("%s", lines[i].line);
		char text[512], err[512] = "";

		if (built[i]) {
			CU_ASSERT_PTR_NOT_NULL(cfg);
			mem_deref(cfg);
			continue;
		}

		CU_ASSERT_PTR_NULL(cfg);
		mem_deref(cfg);
		(void)re_snprintf(text, sizeof(text), "sip_aor sip:a@b\n"
				  "sip_registrar sip:b\n%s", lines[i].line);
		UNIT_ASSERT_INT(config_parse(&cfg, "f.conf", text, strlen(text),
					     err, sizeof(err)), EINVAL);
		UNIT_ASSERT_CONTAINS(err, "f.conf:3: ");
		UNIT_ASSERT_CONTAINS(err, " is not built in (");
		UNIT_ASSERT_CONTAINS(err, lines[i].option);
	}

	/* the table says the same */
	for (size_t i = 0; config_key_name(i); i++) {
		const char *name = config_key_name(i);
		const char *opt = config_key_feature(i);

		bool want;

		if (!strncmp(name, "tls_", 4))
			want = !CONFIG_TLS;
		else if (!strncmp(name, "msrp_relay", 10))
			want = !(CONFIG_MSRP && CONFIG_MSRP_RELAY);
		else if (!strncmp(name, "msrp_", 5))
			want = !CONFIG_MSRP;
		else if (!strcmp(name, "reg_event"))
			want = !CONFIG_XML;
		else if (!strcmp(name, "reg_event"))
			want = !CONFIG_XML;
		else
			want = false;

		CU_ASSERT_EQUAL(opt != NULL, want);
	}
	CU_ASSERT_PTR_NULL(config_key_name(10000));
}


static void test_reload_classes(void)
{
	static const struct {
		const char *line;
		enum config_reload want;
		const char *keys;
	} changes[] = {
		{"", CONFIG_RELOAD_NOW, ""},
		{"app mms.ua\n", CONFIG_RELOAD_NOW, "app"},
		{"app mms.ua\nack_timeout 200\n", CONFIG_RELOAD_NOW,
		 "app ack_timeout"},
		{"route_ctype text/plain mms.ua\n", CONFIG_RELOAD_NOW,
		 "route_ctype"},
		{"sip_listen 127.0.0.1:0\napp mms.ua\n", CONFIG_RELOAD_STACK,
		 "sip_listen"},
		{"sip_transports udp\n", CONFIG_RELOAD_STACK, "sip_transports"},
		{"sip_auth_user a\nsip_auth_pass b\n", CONFIG_RELOAD_STACK,
		 "sip_auth_user sip_auth_pass"},
		{"ipc_socket /run/x.sock\nsip_expires 700\n",
		 CONFIG_RELOAD_RESTART, "ipc_socket"},
		{"user nobody\n", CONFIG_RELOAD_RESTART, "user"},
	};
	struct config *a = unit_config("");
	char keys[128];

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);

	for (size_t i = 0; i < ARRAY_SIZE(changes); i++) {
		struct config *b = unit_config("%s", changes[i].line);

		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		UNIT_ASSERT_INT(config_changes(a, b, keys, sizeof(keys)),
				changes[i].want);
		UNIT_ASSERT_STR(keys, changes[i].keys);
		UNIT_ASSERT_INT(config_changes(b, a, NULL, 0), changes[i].want);
		CU_ASSERT_EQUAL(config_sip_equal(a, b),
				changes[i].want == CONFIG_RELOAD_NOW ||
				!strcmp(changes[i].keys, "user"));
		mem_deref(b);
	}

	/* every key has a class; the ones the daemon cannot redo live */
	for (size_t i = 0; config_key_name(i); i++) {
		enum config_reload r = config_key_reload(i);

		CU_ASSERT(r == CONFIG_RELOAD_NOW || r == CONFIG_RELOAD_STACK ||
			  r == CONFIG_RELOAD_RESTART);
		if (r == CONFIG_RELOAD_RESTART)
			CU_ASSERT(!strcmp(config_key_name(i), "ipc_socket") ||
				  !strcmp(config_key_name(i), "ipc_group") ||
				  !strcmp(config_key_name(i), "user"));
	}

	UNIT_ASSERT_INT(config_changes(NULL, a, NULL, 0),
			CONFIG_RELOAD_RESTART);
	mem_deref(a);
}


/* msrp_relay without its own credentials answers with the SIP ones */
static void test_relay_credentials(void)
{
	struct config *cfg;

	if (!CONFIG_MSRP || !CONFIG_MSRP_RELAY)
		return;

	cfg = unit_config("sip_auth_user u\nsip_auth_pass p\n"
			  "msrp_relay msrp://192.0.2.1:2855\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	UNIT_ASSERT_STR(cfg->msrp_relay_user, "u");
	UNIT_ASSERT_STR(cfg->msrp_relay_pass, "p");
	mem_deref(cfg);

	cfg = unit_config("sip_auth_user u\nsip_auth_pass p\n"
			  "msrp_relay msrp://192.0.2.1:2855\n"
			  "msrp_relay_user r\nmsrp_relay_pass q\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	UNIT_ASSERT_STR(cfg->msrp_relay_user, "r");
	UNIT_ASSERT_STR(cfg->msrp_relay_pass, "q");
	mem_deref(cfg);

	/* no relay, or no SIP account: nothing is made up */
	cfg = unit_config("sip_auth_user u\nsip_auth_pass p\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_PTR_NULL(cfg->msrp_relay_user);
	mem_deref(cfg);
	cfg = unit_config("msrp_relay msrp://192.0.2.1:2855\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_PTR_NULL(cfg->msrp_relay_user);
	CU_ASSERT_PTR_NULL(cfg->msrp_relay_pass);
	mem_deref(cfg);
}


/* --- lines from several files ---------------------------------------- */

static int write_in(const char *dir, const char *name, const char *text)
{
	char path[512];

	if (re_snprintf(path, sizeof(path), "%s/%s", dir, name) < 0)
		return ENAMETOOLONG;

	return unit_write_file(path, text, strlen(text));
}


static void test_dropins(void)
{
	char dir[256], d[300], mainf[300], err[512], want[600];
	struct config_parser *p = NULL;
	struct config *cfg = NULL;

	CU_ASSERT_FATAL(unit_mkdtemp(dir, sizeof(dir)) == 0);
	(void)re_snprintf(d, sizeof(d), "%s/acl.d", dir);
	(void)re_snprintf(mainf, sizeof(mainf), "%s/main.conf", dir);
	CU_ASSERT_FATAL(mkdir(d, 0700) == 0);

	CU_ASSERT_FATAL(write_in(dir, "main.conf", "sip_aor sip:a@b\n"
				 "sip_registrar sip:b\napp mms.ua\n") == 0);
	CU_ASSERT_FATAL(write_in(d, "20-more.conf", "# second\n"
				 "app ulp.ua\n") == 0);
	CU_ASSERT_FATAL(write_in(d, "10-first.conf", "app 0x13\n") == 0);
	CU_ASSERT_FATAL(write_in(d, "30-skip.conf~", "bogus\n") == 0);
	CU_ASSERT_FATAL(write_in(d, ".hidden.conf", "bogus\n") == 0);

	/* in name order after the main file; other names are not read */
	UNIT_ASSERT_INT(config_parser_alloc(&p, err, sizeof(err)), 0);
	UNIT_ASSERT_INT(config_parser_file(p, mainf), 0);
	UNIT_ASSERT_INT(config_parser_dir(p, d), 0);
	UNIT_ASSERT_INT(config_parser_done(p, &cfg), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	UNIT_ASSERT_INT(cfg->appc, 3);
	if (cfg->appc == 3) {
		UNIT_ASSERT_STR(cfg->apps[0], "x-wap-application:mms.ua");
		UNIT_ASSERT_STR(cfg->apps[1], "x-oma-application:bcast.ua");
		UNIT_ASSERT_STR(cfg->apps[2], "x-oma-application:ulp.ua");
	}
	UNIT_ASSERT_STR(cfg->path, mainf);
	cfg = mem_deref(cfg);

	/* an error names the drop-in file and its line; a key that may be
	 * given once counts across files */
	CU_ASSERT_FATAL(write_in(d, "40-bad.conf", "\napp ulp.ua\n") == 0);
	UNIT_ASSERT_INT(config_parser_alloc(&p, err, sizeof(err)), 0);
	UNIT_ASSERT_INT(config_parser_file(p, mainf), 0);
	UNIT_ASSERT_INT(config_parser_dir(p, d), EINVAL);
	(void)re_snprintf(want, sizeof(want), "%s/40-bad.conf:2: app: "
			  "application ID 'x-oma-application:ulp.ua' given "
			  "twice", d);
	UNIT_ASSERT_STR(err, want);
	/* later calls keep the first error */
	UNIT_ASSERT_INT(config_parser_text(p, "x", "app wml.ua\n", 11),
			EINVAL);
	UNIT_ASSERT_INT(config_parser_done(p, &cfg), EINVAL);
	CU_ASSERT_PTR_NULL(cfg);
	UNIT_ASSERT_STR(err, want);

	CU_ASSERT_FATAL(write_in(d, "40-bad.conf", "sip_expires 900\n") == 0);
	CU_ASSERT_FATAL(write_in(d, "50-bad.conf", "sip_expires 900\n") == 0);
	UNIT_ASSERT_INT(config_parser_alloc(&p, err, sizeof(err)), 0);
	UNIT_ASSERT_INT(config_parser_file(p, mainf), 0);
	UNIT_ASSERT_INT(config_parser_dir(p, d), EINVAL);
	(void)re_snprintf(want, sizeof(want), "%s/50-bad.conf:1: "
			  "sip_expires: given twice", d);
	UNIT_ASSERT_STR(err, want);
	UNIT_ASSERT_INT(config_parser_done(p, NULL), EINVAL);

	/* whole-file checks name the first file */
	UNIT_ASSERT_INT(config_parser_alloc(&p, err, sizeof(err)), 0);
	UNIT_ASSERT_INT(config_parser_text(p, "first.conf", "app mms.ua\n",
					   11), 0);
	UNIT_ASSERT_INT(config_parser_text(p, "second.conf",
					   "sip_aor sip:a@b\n", 16), 0);
	UNIT_ASSERT_INT(config_parser_done(p, &cfg), EINVAL);
	UNIT_ASSERT_STR(err, "first.conf: sip_registrar: required key is "
			"missing");

	/* a missing directory is no drop-in at all */
	UNIT_ASSERT_INT(config_parser_alloc(&p, err, sizeof(err)), 0);
	UNIT_ASSERT_INT(config_parser_file(p, mainf), 0);
	(void)re_snprintf(d, sizeof(d), "%s/none.d", dir);
	UNIT_ASSERT_INT(config_parser_dir(p, d), 0);
	UNIT_ASSERT_INT(config_parser_done(p, &cfg), 0);
	cfg = mem_deref(cfg);

	UNIT_ASSERT_INT(config_parser_alloc(NULL, err, sizeof(err)), EINVAL);
	UNIT_ASSERT_INT(config_parser_text(NULL, "x", "", 0), EINVAL);
	UNIT_ASSERT_INT(config_parser_file(NULL, mainf), EINVAL);
	UNIT_ASSERT_INT(config_parser_dir(NULL, d), EINVAL);
	UNIT_ASSERT_INT(config_parser_done(NULL, &cfg), EINVAL);

	CU_ASSERT(unit_rmtree(dir) == 0);
}


static CU_TestInfo doc_tests[] = {
	{"README's table: every key, no other", test_readme},
	{"sippushd.conf(5): every key, no other", test_manpage},
	{"sippushd.conf(5) RELOADING: each key's class", test_manpage_reload},
	{"the sample: every key, no other; it loads", test_sample},
	{"the extractors see what is there", test_extractors},
	CU_TEST_INFO_NULL
};

static CU_TestInfo table_tests[] = {
	{"a feature left out: the key is refused", test_features},
	{"reload classes", test_reload_classes},
	{"relay credentials default to SIP's", test_relay_credentials},
	{"drop-in files", test_dropins},
	CU_TEST_INFO_NULL
};

static CU_SuiteInfo suites[] = {
	{"keys in the docs", unit_libre_init, unit_libre_close, NULL, NULL,
	 doc_tests},
	{"key table", unit_libre_init, unit_libre_close, NULL, NULL,
	 table_tests},
	CU_SUITE_INFO_NULL
};


int main(void)
{
	return unit_run("test_config_keys", suites);
}
