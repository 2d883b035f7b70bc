/* relibre.c: footprint baseline: a bare libre SIP stack (UDP+TCP on loopback), idle. */
/*
 * usage: relibre
 *
 * libre_init(), sip_alloc() with UDP and TCP transports on 127.0.0.1
 * (port chosen by the kernel), then re_main() until SIGTERM/SIGINT. The
 * least any libre-based SIP program costs: the daemon's idle RSS,
 * RssAnon and wake-ups are quoted against it. Prints "ready".
 */
#include <stdio.h>
#include <string.h>
#include <re.h>


static void signal_handler(int sig)
{
	(void)sig;
	re_cancel();
}


int main(void)
{
	struct sip *sip = NULL;
	struct sa laddr;
	int err;

	err = libre_init();
	if (err)
		return 1;

	sa_set_str(&laddr, "127.0.0.1", 0);
	err  = sip_alloc(&sip, NULL, 32, 32, 32, "relibre", NULL, NULL);
	err |= sip_transp_add(sip, SIP_TRANSP_UDP, &laddr);
	err |= sip_transp_add(sip, SIP_TRANSP_TCP, &laddr);
	if (err) {
		fprintf(stderr, "relibre: %s\n", strerror(err));
		return 1;
	}

	printf("ready\n");
	fflush(stdout);

	(void)re_main(signal_handler);

	sip_close(sip, true);
	mem_deref(sip);
	libre_close();
	return 0;
}
