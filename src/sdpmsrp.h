/* sdpmsrp.h: the SDP of a session-mode push: reads the MSRP offer, writes our answer. */
#ifndef SIPPUSH_SDPMSRP_H
#define SIPPUSH_SDPMSRP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mbuf;

enum sdp_setup {
	SETUP_NONE,      /* no a=setup: RFC 4975 default, the offerer connects */
	SETUP_ACTPASS,
	SETUP_ACTIVE,
	SETUP_PASSIVE,
	SETUP_HOLDCONN,
};

/** What we take from an offer's first usable m=message line */
struct sdp_offer {
	bool tls;                 /* TCP/TLS/MSRP */
	char path[1024];          /* a=path, space-separated URIs */
	char accept_types[256];   /* a=accept-types (may be "*") */
	enum sdp_setup setup;
	uint64_t max_size;        /* a=max-size or a=maxsize; 0 = none */
	bool sendonly_ok;         /* direction allows the offerer to send */
};

/** What we answer */
struct sdp_answer {
	const char *addr;         /* our IP for o= and c= */
	uint16_t port;            /* our MSRP port */
	bool tls;
	const char *path;         /* our a=path (one URI) */
	const char *accept_types; /* from the app's filter, or "*" */
	uint64_t max_size;
	enum sdp_setup setup;     /* SETUP_ACTIVE or SETUP_PASSIVE, or NONE */
	uint32_t sess_id;
};

int  sdpmsrp_offer_decode(struct sdp_offer *of, const uint8_t *p, size_t n,
			  bool tls_ok, const char **why);
int  sdpmsrp_answer_encode(struct mbuf *mb, const struct sdp_answer *an);
enum sdp_setup sdpmsrp_answer_setup(enum sdp_setup offered);
const char *sdpmsrp_setup_name(enum sdp_setup s);

#endif
