/* router.h: the routing table and the one record of subscriptions: application ID -> owner and monitors. */
#ifndef SIPPUSH_ROUTER_H
#define SIPPUSH_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct appset;
struct router;
struct re_printf;

enum route_result {
	ROUTE_OK,             /* an owner takes it; monitors get copies */
	ROUTE_NOT_SERVED,     /* we do not advertise this application ID */
	ROUTE_NO_SUBSCRIBER,  /* served, but no owner is connected now */
	ROUTE_CTYPE,          /* the owner's content-type filter refuses it */
	ROUTE_ENCODING,       /* the owner does not take its content-coding */
};

enum {
	ROUTE_MONITORS_MAX = 8,
	ROUTE_ENCODINGS_MAX = 63,    /* a subscriber's list, bytes */
	ROUTE_ACCEPT_MAX = 1024,     /* the union of filters, else * / * */
};

/** What a subscriber asked for besides its content-type filter */
struct router_opts {
	bool unwrap;             /* message/cpim: the inner content, please */
	const char *encodings;   /* content-codings it takes besides
				  * identity ("gzip,br"), or NULL */
};

/** What a push is, for the subscribers' filters */
struct route_query {
	const char *ctype;       /* as sent, or NULL: not known yet */
	const char *inner;       /* inner type of a readable message/cpim */
	const char *encoding;    /* its content-codings (", "), NULL: none */
};

/** What router_lookup() found. Pointers are the subscribers' handles. */
struct route {
	void *owner;
	void *monitorv[ROUTE_MONITORS_MAX];
	size_t monitorc;
	const char *filter;   /* the owner's filter (for 415 Accept), or NULL */
	const char *encodings;/* the owner's codings (415 Accept-Encoding) */
	bool unwrap;          /* the owner gets a CPIM push unwrapped */
	bool monitor_unwrap[ROUTE_MONITORS_MAX];
};

int  router_alloc(struct router **rp, struct appset *apps,
		  uint32_t per_handle);
int  router_subscribe(struct router *r, void *handle, const char *appid,
		      const char *filter, bool monitor);
int  router_subscribe_ex(struct router *r, void *handle, const char *appid,
			 const char *filter, bool monitor,
			 const struct router_opts *opts);
int  router_unsubscribe(struct router *r, void *handle, const char *appid);
bool router_subscribed(const struct router *r, const void *handle,
		       const char *appid, bool *monitor);
enum route_result router_lookup(const struct router *r, const char *appid,
				const char *ctype, struct route *rt);
enum route_result router_query(const struct router *r, const char *appid,
			       const struct route_query *q, struct route *rt);
size_t router_count(const struct router *r);
int  router_print(struct re_printf *pf, const struct router *r);
typedef bool (router_keep_h)(const char *appid, void *arg);
int  router_print_if(struct re_printf *pf, const struct router *r,
		     router_keep_h *keeph, void *arg);
int  router_accept_print(struct re_printf *pf, const struct router *r);

#endif
