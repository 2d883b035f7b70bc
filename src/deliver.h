/* deliver.h: hands a push to its subscribers, waits for the owner's verdict, reports every verdict once. */
#ifndef SIPPUSH_DELIVER_H
#define SIPPUSH_DELIVER_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct deliver;
struct delivery;
struct ipc_client;
struct push;
struct route;
struct re_printf;

/**
 * A verdict: the SIP status the sender hears for push p (200: the app
 * holds it). p and everything it points to are valid only during the
 * call.
 */
typedef void (deliver_verdict_h)(const struct push *p, uint16_t scode,
				 const char *reason, void *arg);

enum { DELIVER_OBSERVERS_MAX = 8 };

int  deliver_alloc(struct deliver **dp, const struct config *cfg);
void deliver_set_config(struct deliver *d, const struct config *cfg);
int  deliver_observe(struct deliver *d, deliver_verdict_h *h, void *arg);
void deliver_unobserve(struct deliver *d, deliver_verdict_h *h, void *arg);
bool deliver_full(const struct deliver *d);
bool deliver_rate_ok(struct deliver *d, const char *sender);
int  deliver_push(struct deliver *d, const struct route *rt,
		  struct push *p, deliver_verdict_h *doneh, void *arg,
		  struct delivery **dlp);
void deliver_report(struct deliver *d, const struct push *p, uint16_t scode,
		    const char *reason);
void deliver_cancel(struct delivery *dl);
const char *deliver_appid(const struct deliver *d, uint64_t id);
int  deliver_ack(struct deliver *d, struct ipc_client *c, uint64_t id);
int  deliver_nack(struct deliver *d, struct ipc_client *c, uint64_t id,
		  uint16_t code, const char *reason);
void deliver_client_gone(struct deliver *d, struct ipc_client *c);
uint16_t deliver_nack_map(uint16_t code);
int  deliver_status(struct re_printf *pf, const struct deliver *d);

#endif
