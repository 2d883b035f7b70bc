/* relibre.c: baselines of a bare libre SIP stack: idle footprint, and a stateless 200 responder. */
/*
 * usage: relibre            idle: footprint baseline
 *        relibre reply      answers every request 200 with sip_reply()
 *
 * libre_init(), sip_alloc() with UDP and TCP transports on 127.0.0.1
 * (port chosen by the kernel), then re_main() until SIGTERM/SIGINT. The
 * least any libre-based SIP program costs: the daemon's idle RSS,
 * RssAnon and wake-ups are quoted against it; in "reply" mode, the
 * daemon's instructions per MESSAGE are (the part libre spends parsing
 * a message and sending a stateless reply). Prints "ready PORT".
 */
#include <stdio.h>
#include <string.h>
#include <re.h>


static struct sip *sip;


static void signal_handler(int sig)
{
	(void)sig;
	re_cancel();
}


static bool request_handler(const struct sip_msg *msg, void *arg)
{
	(void)arg;
	(void)sip_reply(sip, msg, 200, "OK");
	return true;
}


int main(int argc, char *argv[])
{
	bool reply = argc > 1 && !strcmp(argv[1], "reply");
	struct sip_lsnr *lsnr = NULL;
	struct sa laddr;
	int err;

	err = libre_init();
	if (err)
		return 1;

	sa_set_str(&laddr, "127.0.0.1", 0);
	err  = sip_alloc(&sip, NULL, 32, 32, 32, "relibre", NULL, NULL);
	err |= sip_transp_add(sip, SIP_TRANSP_UDP, &laddr);
	err |= sip_transp_add(sip, SIP_TRANSP_TCP, &laddr);
	if (!err && reply)
		err = sip_listen(&lsnr, sip, true, request_handler, NULL);
	if (!err)
		err = sip_transp_laddr(sip, &laddr, SIP_TRANSP_UDP, NULL);
	if (err) {
		fprintf(stderr, "relibre: %s\n", strerror(err));
		return 1;
	}

	printf("ready %u\n", sa_port(&laddr));
	fflush(stdout);

	(void)re_main(signal_handler);

	mem_deref(lsnr);
	sip_close(sip, true);
	mem_deref(sip);
	libre_close();
	return 0;
}
