/* appset.c: the set of application IDs advertised in +g.oma.pusheventapp. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "appid.h"
#include "appset.h"

#define DEBUG_MODULE "appset"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * An ID is advertised while it is pinned by an "app" line or referenced
 * by at least one subscriber. Entries are kept sorted so the Contact is
 * byte-stable between REGISTERs, and a refresh with an unchanged set is
 * a plain refresh at the core.
 */

struct appent {
	struct le le;
	struct le he;                /* by id: a lookup per push */
	char id[APPID_SIZE];
	char ftag[APPID_SIZE * 3];   /* as printed in the feature tag */
	bool pinned;
	bool claimed;                /* by uid: the user it was added for */
	uint32_t uid;
	unsigned refs;
};

struct appset {
	struct list l;               /* sorted by ftag */
	struct hash *ht;             /* the same entries by id */
	appset_change_h *changeh;
	void *arg;
};


enum { HASH_BUCKETS = 128 };


static void set_destructor(void *arg)
{
	struct appset *set = arg;

	list_flush(&set->l);
	mem_deref(set->ht);
}


static void ent_destructor(void *arg)
{
	struct appent *e = arg;

	list_unlink(&e->le);
	hash_unlink(&e->he);
}


static bool id_cmp(struct le *le, void *arg)
{
	const struct appent *e = le->data;

	return !strcmp(e->id, arg);
}


/* Every push looks its ID up (twice): a hash, not a walk of the list,
 * which cost ~30k instructions a push with 1000 IDs advertised. */
static struct appent *find(const struct appset *set, const char *id)
{
	struct le *le = hash_lookup(set->ht, hash_joaat_str(id), id_cmp,
				    (void *)id);

	return le ? le->data : NULL;
}


static struct appent *insert(struct appset *set, const char *id)
{
	struct appent *e;
	struct le *le;

	if (strlen(id) > APPID_MAX)
		return NULL;

	e = mem_zalloc(sizeof(*e), ent_destructor);
	if (!e)
		return NULL;

	strcpy(e->id, id);
	if (appid_ftag_value(e->ftag, sizeof(e->ftag), id)) {
		mem_deref(e);
		return NULL;
	}

	/* in order of what is printed, so the Contact reads sorted */
	for (le = list_head(&set->l); le; le = le->next) {
		const struct appent *x = le->data;

		if (strcmp(e->ftag, x->ftag) < 0)
			break;
	}
	if (le)
		list_insert_before(&set->l, le, &e->le, e);
	else
		list_append(&set->l, &e->le, e);

	hash_append(set->ht, hash_joaat_str(id), &e->he, e);

	return e;
}


static void changed(struct appset *set)
{
	if (set->changeh)
		set->changeh(set->arg);
}


static void drop_if_unused(struct appent *e)
{
	if (e->pinned || e->refs)
		return;

	mem_deref(e);
}


int appset_alloc(struct appset **setp, appset_change_h *changeh, void *arg)
{
	struct appset *set;
	int err;

	if (!setp)
		return EINVAL;

	set = mem_zalloc(sizeof(*set), set_destructor);
	if (!set)
		return ENOMEM;

	list_init(&set->l);
	set->changeh = changeh;
	set->arg     = arg;

	err = hash_alloc(&set->ht, HASH_BUCKETS);
	if (err) {
		mem_deref(set);
		return err;
	}

	*setp = set;
	return 0;
}


/**
 * Replace the pinned (static) IDs, e.g. after a configuration reload.
 * The change handler runs once if the advertised set differs.
 */
int appset_set_static(struct appset *set, const char (*ids)[APPID_SIZE],
		      size_t n)
{
	bool diff = false;
	struct le *le;

	if (!set || (n && !ids))
		return EINVAL;

	for (le = list_head(&set->l); le; le = le->next)
		((struct appent *)le->data)->pinned = false;

	for (size_t i = 0; i < n; i++) {
		struct appent *e = find(set, ids[i]);

		if (!e) {
			e = insert(set, ids[i]);
			if (!e)
				return ENOMEM;
			diff = true;
		}
		e->pinned = true;
	}

	for (le = list_head(&set->l); le; ) {
		struct appent *e = le->data;

		le = le->next;
		if (!e->pinned && !e->refs) {
			drop_if_unused(e);
			diff = true;
		}
	}

	if (diff)
		changed(set);

	return 0;
}


/** One more subscriber wants this ID advertised. */
int appset_ref(struct appset *set, const char *canon)
{
	struct appent *e;

	if (!set || !canon)
		return EINVAL;

	e = find(set, canon);
	if (e) {
		++e->refs;
		return 0;
	}

	e = insert(set, canon);
	if (!e)
		return ENOMEM;

	e->refs = 1;
	DEBUG_INFO("advertising %s (subscribed)\n", canon);
	changed(set);

	return 0;
}


/** A subscriber left; the last one of a dynamic ID withdraws it. */
void appset_unref(struct appset *set, const char *canon)
{
	struct appent *e;

	if (!set || !canon)
		return;

	e = find(set, canon);
	if (!e || !e->refs)
		return;

	if (--e->refs || e->pinned)
		return;

	DEBUG_INFO("withdrawing %s (no subscriber left)\n", canon);
	drop_if_unused(e);
	changed(set);
}


bool appset_contains(const struct appset *set, const char *canon)
{
	return set && canon && find(set, canon) != NULL;
}


bool appset_is_static(const struct appset *set, const char *canon)
{
	const struct appent *e = set && canon ? find(set, canon) : NULL;

	return e && e->pinned;
}


size_t appset_count(const struct appset *set)
{
	return set ? list_count(&set->l) : 0;
}


/**
 * Print ";+g.oma.pusheventapp=\"a,b\"" (RFC 3840 §9 string-list value),
 * or nothing when the set is empty.
 */
int appset_ftag_print(struct re_printf *pf, const struct appset *set)
{
	int err = 0;
	bool first = true;

	if (!set || list_isempty(&set->l))
		return 0;

	err = re_hprintf(pf, ";+g.oma.pusheventapp=\"");

	for (struct le *le = list_head(&set->l); le && !err; le = le->next) {
		const struct appent *e = le->data;

		err = re_hprintf(pf, "%s%s", first ? "" : ",", e->ftag);
		first = false;
	}

	return err | re_hprintf(pf, "\"");
}


/**
 * The canonical IDs in the advertised order (e.g. for a PIDF document).
 *
 * @param set  App set
 * @param v    Filled with pointers into the set, valid until it changes
 * @param max  Room in v
 *
 * @return how many (at most max)
 */
size_t appset_ids(const struct appset *set, const char **v, size_t max)
{
	size_t n = 0;

	if (!set || !v)
		return 0;

	for (struct le *le = list_head(&set->l); le && n < max; le = le->next)
		v[n++] = ((const struct appent *)le->data)->id;

	return n;
}


/**
 * May one more subscription for canon be taken without the advertised
 * set going past its bounds? An ID advertised already costs nothing.
 * Checked before the subscription, so that the REGISTER that would be
 * too large (or the set too long) never goes out: 10,000 IDs grew the
 * Contact until the REGISTER was "Message too long" on UDP and dropped
 * by the core on TCP, and the registration was lost for every app.
 *
 * @param set    App set
 * @param canon  Canonical application ID
 * @param uid    The local user asking
 * @param b      Bounds: IDs and feature-tag bytes in total, dynamic IDs
 *               per user (per_uid 0: no per-user bound, e.g. root)
 *
 * @return 0, E2BIG (the set would pass ids_max or bytes_max), EDQUOT
 *         (uid added per_uid IDs already)
 */
int appset_admit(const struct appset *set, const char *canon, uint32_t uid,
		 const struct appset_bounds *b)
{
	char ftag[APPID_SIZE * 3];
	size_t n = 0, bytes = 0, mine = 0;
	int err;

	if (!set || !canon || !b)
		return EINVAL;

	if (find(set, canon))
		return 0;

	err = appid_ftag_value(ftag, sizeof(ftag), canon);
	if (err)
		return err;

	for (struct le *le = list_head(&set->l); le; le = le->next) {
		const struct appent *e = le->data;

		++n;
		bytes += strlen(e->ftag) + 1;     /* and its comma */
		if (!e->pinned && e->claimed && e->uid == uid)
			++mine;
	}

	if (n + 1 > b->ids_max || bytes + strlen(ftag) + 1 > b->bytes_max)
		return E2BIG;

	if (b->per_uid && mine >= b->per_uid)
		return EDQUOT;

	return 0;
}


/** The ID was just added for uid: count it against that user. */
void appset_claim(struct appset *set, const char *canon, uint32_t uid)
{
	struct appent *e = set && canon ? find(set, canon) : NULL;

	if (!e || e->pinned || e->claimed)
		return;

	e->claimed = true;
	e->uid     = uid;
}


/** Print the canonical IDs, space separated (for STATUS). */
int appset_list_print(struct re_printf *pf, const struct appset *set)
{
	int err = 0;

	if (!set)
		return 0;

	for (struct le *le = list_head(&set->l); le && !err; le = le->next) {
		const struct appent *e = le->data;

		err = re_hprintf(pf, "%s%s", le == list_head(&set->l) ? "" :
				 " ", e->id);
	}

	return err;
}
