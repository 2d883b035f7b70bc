/* budget.h: a global bound on one resource (connections, sessions, spool bytes), refused early beyond it. */
#ifndef SIPPUSH_BUDGET_H
#define SIPPUSH_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

struct re_printf;

/** One bounded resource; a value owned by the module that holds it */
struct budget {
	const char *name;     /* in STATUS and log lines */
	uint64_t max;         /* never 0: every resource is bounded */
	uint64_t used;
	uint64_t peak;
	uint64_t refused;     /* takes refused so far */
};

void budget_init(struct budget *b, const char *name, uint64_t max);
void budget_set_max(struct budget *b, uint64_t max);
bool budget_take(struct budget *b, uint64_t n);
void budget_give(struct budget *b, uint64_t n);
bool budget_full(const struct budget *b);
int  budget_print(struct re_printf *pf, const struct budget *b);

#endif
