/* config_priv.h: what the files of src/config/ share: the key row, the parser state, the value readers. */
#ifndef SIPPUSH_CONFIG_PRIV_H
#define SIPPUSH_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"

/* Kconfig writes no line for an option whose dependency is off (tiny has
 * no CONFIG_MSRP_RELAY line at all) */
#ifndef CONFIG_MSRP_RELAY
#define CONFIG_MSRP_RELAY 0
#endif

enum {
	CONFIG_FILE_MAX = 64 * 1024,
	VALUE_MAX       = 1024,
	KEY_MAX         = 31,
	FILES_MAX       = 256,       /* drop-in files per directory */
	APPS_MAX        = 64,        /* advertised application IDs */
};

/* How a field is kept, which drives freeing and comparing it */
enum ckind {
	CK_STR,      /* char *, mem_deref'd, compared as a string */
	CK_VAL,      /* a value of size bytes, compared byte for byte */
	CK_LIST,     /* T *field (mem array of size-byte elements), count */
};

/* Kconfig features a key may need */
enum cfeature {
	CF_TLS        = 1u << 0,
	CF_MSRP       = 1u << 1,
	CF_MSRP_RELAY = 1u << 2,
	CF_XML        = 1u << 3,
};

struct ckey;
struct parse;

/* Reads v into the key's field; a check or an element parser may come
 * with it. An error is fail()'s EINVAL (or ENOMEM). */
typedef int (ckey_set_h)(struct parse *ps, const struct ckey *k,
			 const struct pl *v);
/* A value's shape, before set_str() stores it */
typedef int (ckey_check_h)(struct parse *ps, const struct ckey *k,
			   const struct pl *v);
/* One line of a repeatable key into elem (zeroed, size bytes); arr and
 * n are the elements so far (for duplicates) */
typedef int (ckey_elem_h)(struct parse *ps, const struct ckey *k,
			  const struct pl *v, void *elem, const void *arr,
			  size_t n);

/** One configuration key: a row of the table in keys.c */
struct ckey {
	const char *name;
	enum ckind kind;
	size_t off;                /* offsetof(struct config, field) */
	size_t coff;               /* CK_LIST: offsetof the count */
	size_t size;               /* CK_VAL: field size; CK_LIST: element */
	ckey_set_h *set;           /* set_str, set_bool, set_num, set_enum,
				    * set_list or the key's own */
	ckey_check_h *check;       /* set_str: the value's shape */
	ckey_elem_h *elem;         /* set_list: one line */
	uint64_t min, max;         /* set_num: range; set_list: most lines */
	unsigned shift;            /* set_num: value << shift (MiB: 20) */
	const char *const *words;  /* set_enum: the values' names */
	const char *hint;          /* added to a "not X" message: examples */
	const char *def;           /* default, read like a value from a file */
	unsigned features;         /* CF_*: refused unless all are built in */
	enum config_reload reload;
	bool required;
};

/** Parser state across the files of one configuration */
struct parse {
	struct config *cfg;
	const char *name;          /* file being read, or the first one */
	char *first;               /* the first file's name (whole checks) */
	unsigned line;             /* 0: not about one line */
	char *err;
	size_t errsz;
	int error;                 /* the first error: sticky */
	uint8_t *seen;             /* per key: lines given */
};

struct config_parser {
	struct parse ps;
};

/* keys.c */
extern const struct ckey config_keys[];
extern const size_t config_nkeys;
int  config_check_whole(struct parse *ps);

/* keys.c */
int config_sip_uri(struct parse *ps, const char *key, const struct pl *v,
		   bool need_user);

/* lines.c: reading one line of each repeatable key (the table's .elem) */
ckey_elem_h config_elem_app, config_elem_route, config_elem_sender,
	config_elem_exec, config_elem_store, config_elem_trusted,
	config_elem_proxy, config_elem_acl;
ckey_check_h config_check_ifname;

/* parse.c: errors, and the readers keys.c builds its rows from */
int  config_fail(struct parse *ps, const char *key, const char *fmt, ...);
const char *config_missing(unsigned features, const char **what);
bool config_seen(const struct parse *ps, const char *key);
int  config_set_str(struct parse *ps, const struct ckey *k,
		    const struct pl *v);
int  config_set_bool(struct parse *ps, const struct ckey *k,
		     const struct pl *v);
int  config_set_num(struct parse *ps, const struct ckey *k,
		    const struct pl *v);
int  config_set_enum(struct parse *ps, const struct ckey *k,
		     const struct pl *v);
int  config_set_list(struct parse *ps, const struct ckey *k,
		     const struct pl *v);
int  config_u32(struct parse *ps, const char *key, uint32_t *dst,
		const struct pl *v, uint32_t min, uint32_t max);
int  config_words(struct parse *ps, const char *key, const struct pl *v,
		  struct pl *w, size_t n, bool rest, const char *what);
int  config_app(struct parse *ps, const char *key, const struct pl *v,
		char *id);
int  config_parse_line(struct parse *ps, struct pl line);

/* files.c */
int  config_dropins(struct parse *ps, const char *dir, const char *key);

/* diff.c */
void config_free_fields(struct config *cfg);

#endif
