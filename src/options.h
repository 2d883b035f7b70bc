/* options.h: answers OPTIONS with Allow, Accept, x-wap-profile and our feature tags in a Contact. */
#ifndef SIPPUSH_OPTIONS_H
#define SIPPUSH_OPTIONS_H

struct sip;
struct options;
struct re_printf;

typedef int (options_print_h)(struct re_printf *pf, void *arg);

int options_alloc(struct options **optp, struct sip *sip, const char *cuser,
		  const char *allow,
		  options_print_h *paramsh, options_print_h *accepth,
		  const char *uaprof, void *arg);

#endif
