/* deliver.h: hands a push to its subscribers and waits for the owner's verdict. */
#ifndef SIPPUSH_DELIVER_H
#define SIPPUSH_DELIVER_H

#include <stdbool.h>
#include <stdint.h>

struct deliver;
struct delivery;
struct ipc_client;
struct ipc_push;
struct route;
struct re_printf;

/** The verdict, exactly once per push: a SIP status for the sender */
typedef void (deliver_done_h)(uint16_t scode, const char *reason, void *arg);

int  deliver_alloc(struct deliver **dp, uint32_t ack_timeout_ms,
		   uint32_t max_pending);
void deliver_set_limits(struct deliver *d, uint32_t ack_timeout_ms,
			uint32_t max_pending);
bool deliver_full(const struct deliver *d);
int  deliver_push(struct deliver *d, const struct route *rt,
		  struct ipc_push *p, deliver_done_h *doneh, void *arg,
		  struct delivery **dlp);
void deliver_cancel(struct delivery *dl);
int  deliver_ack(struct deliver *d, struct ipc_client *c, uint64_t id);
int  deliver_nack(struct deliver *d, struct ipc_client *c, uint64_t id,
		  uint16_t code, const char *reason);
void deliver_client_gone(struct deliver *d, struct ipc_client *c);
uint16_t deliver_nack_map(uint16_t code);
int  deliver_status(struct re_printf *pf, const struct deliver *d);

#endif
