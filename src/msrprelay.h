/* msrprelay.h: the MSRP relay client (RFC 4976): AUTH to our relay, keep its Use-Path. */
#ifndef SIPPUSH_MSRPRELAY_H
#define SIPPUSH_MSRPRELAY_H

struct msrprelay;
struct msrpsock;

struct msrprelay_conf {
	const char *uri;      /* msrp[s]://IP:port[;tcp] */
	const char *user;     /* digest credentials, NULL if none */
	const char *pass;
};

int msrprelay_alloc(struct msrprelay **rp, struct msrpsock *ms,
		    const struct msrprelay_conf *conf);

#endif
