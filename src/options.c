/* options.c: answers OPTIONS with Allow, Accept, x-wap-profile and our feature tags in a Contact. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "options.h"

#define DEBUG_MODULE "options"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

struct options {
	struct sip_lsnr *lsnr;
	struct sip *sip;
	char *cuser;
	char *allow;
	char *uaprof;            /* x-wap-profile, or NULL */
	options_print_h *paramsh;
	options_print_h *accepth;
	void *arg;
};


static void destructor(void *arg)
{
	struct options *opt = arg;

	mem_deref(opt->lsnr);
	mem_deref(opt->cuser);
	mem_deref(opt->allow);
	mem_deref(opt->uaprof);
}


static bool request_handler(const struct sip_msg *msg, void *arg)
{
	struct options *opt = arg;
	int err;

	if (pl_strcmp(&msg->met, "OPTIONS"))
		return false;

	/* stateless: an OPTIONS costs no transaction memory, and a
	 * retransmission just gets the same answer again. No
	 * Accept-Encoding: absent means identity (RFC 3261 §20.3), which
	 * every app takes; other codings only some owners take
	 * (SUBSCRIBE encoding=), and a MESSAGE says which with a 415. */
	err = sip_replyf(opt->sip, msg, 200, "OK",
			 "Allow: %s\r\n"
			 "Accept: %H\r\n"
			 "%s%s%s"
			 "Contact: <sip:%s@%J%s>%H\r\n"
			 "Content-Length: 0\r\n"
			 "\r\n",
			 opt->allow, opt->accepth, opt->arg,
			 opt->uaprof ? "x-wap-profile: \"" : "",
			 opt->uaprof ? opt->uaprof : "",
			 opt->uaprof ? "\"\r\n" : "",
			 opt->cuser, &msg->dst, sip_transp_param(msg->tp),
			 opt->paramsh, opt->arg);
	if (err) {
		DEBUG_WARNING("reply to OPTIONS from %J: %m\n", &msg->src,
			      err);
	}
	else {
		DEBUG_PRINTF("OPTIONS from %J answered\n", &msg->src);
	}

	return true;
}


/**
 * Start answering OPTIONS.
 *
 * @param optp     Pointer to allocated handler
 * @param sip      SIP stack
 * @param cuser    User part of our Contact
 * @param allow    The methods we take (Allow)
 * @param paramsh  Prints the Contact parameters (instance, feature tags)
 * @param accepth  Prints the Accept header value
 * @param uaprof   Our UAProf URL for x-wap-profile (OMA UAProf), or NULL
 * @param arg      Handler argument
 */
int options_alloc(struct options **optp, struct sip *sip, const char *cuser,
		  const char *allow, options_print_h *paramsh,
		  options_print_h *accepth, const char *uaprof, void *arg)
{
	struct options *opt;
	int err;

	if (!optp || !sip || !cuser || !allow)
		return EINVAL;

	opt = mem_zalloc(sizeof(*opt), destructor);
	if (!opt)
		return ENOMEM;

	opt->sip     = sip;
	opt->paramsh = paramsh;
	opt->accepth = accepth;
	opt->arg     = arg;

	err  = str_dup(&opt->cuser, cuser);
	err |= str_dup(&opt->allow, allow);
	if (uaprof)
		err |= str_dup(&opt->uaprof, uaprof);
	if (err)
		goto out;

	err = sip_listen(&opt->lsnr, sip, true, request_handler, opt);

 out:
	if (err)
		mem_deref(opt);
	else
		*optp = opt;

	return err;
}
