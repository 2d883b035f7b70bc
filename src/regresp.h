/* regresp.h: what a REGISTER 200 tells us: Service-Route, Path, GRUUs, P-Associated-URI, outbound. */
#ifndef SIPPUSH_REGRESP_H
#define SIPPUSH_REGRESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct re_printf;
struct sip_msg;
struct regresp;

/*
 * Bounds: the 200 comes from the network. Beyond them entries are
 * dropped (counted, logged), never stored.
 */
enum {
	REGRESP_MAX_ROUTES = 4,     /* Service-Route / Path entries kept */
	REGRESP_MAX_ASSOC  = 8,     /* P-Associated-URIs kept */
	REGRESP_MAX_URI    = 512,   /* longest URI kept, bytes */
};

int  regresp_decode(struct regresp **rrp, const struct sip_msg *msg,
		    const char *instance);
const char *regresp_pub_gruu(const struct regresp *rr);
const char *regresp_temp_gruu(const struct regresp *rr);
size_t regresp_service_routec(const struct regresp *rr);
const char *regresp_service_route(const struct regresp *rr, size_t i);
size_t regresp_pathc(const struct regresp *rr);
const char *regresp_path(const struct regresp *rr, size_t i);
size_t regresp_assocc(const struct regresp *rr);
const char *regresp_assoc(const struct regresp *rr, size_t i);
uint32_t regresp_flow_timer(const struct regresp *rr);
bool regresp_outbound(const struct regresp *rr);
uint32_t regresp_dropped(const struct regresp *rr);
int  regresp_route_print(struct re_printf *pf, const struct regresp *rr);
int  regresp_status(struct re_printf *pf, const struct regresp *rr);

#endif
