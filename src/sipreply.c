/* sipreply.c: stateless SIP replies written field by field: what libre's sip_reply() sends, at a fraction of its cost. */
#include <string.h>
#include <re.h>
#include "autoconf.h"
#include "sipreply.h"

#define DEBUG_MODULE "sipreply"
#define DEBUG_LEVEL CONFIG_LOG_LEVEL_MAX
#include "dbg.h"

/*
 * Why: every MESSAGE is answered statelessly, and libre's sip_replyf()
 * builds the answer with one mbuf_printf() per header field: 14.6k of
 * the 94.7k instructions the daemon spent per MESSAGE (callgrind, libre
 * 1.1.0), nearly all in re_vhprintf's format parser. The same bytes
 * copied with mbuf_write_*() cost a fraction (BENCHMARKS.md). The rules
 * are libre's (src/sip/reply.c, the same in 1.1.0 through 4.10.0) and
 * test_sipreply checks, over real sockets, that the two write the same
 * bytes: the status line; every Via, the top one with rport filled in
 * (RFC 3581) and received= when rport was asked for or the source is not
 * the Via address (RFC 3261 §18.2.1); From, Call-ID, CSeq as received;
 * To with our tag unless it has one (none on a 100); Server; the
 * caller's extra lines; Content-Length: 0.
 */


static int write_u32(struct mbuf *mb, uint32_t v)
{
	char buf[10];
	size_t i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);

	return mbuf_write_mem(mb, (uint8_t *)buf + i, sizeof(buf) - i);
}


static int write_hex64(struct mbuf *mb, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char buf[16];

	for (int i = 15; i >= 0; i--) {
		buf[i] = hex[v & 0xf];
		v >>= 4;
	}

	return mbuf_write_mem(mb, (uint8_t *)buf, sizeof(buf));
}


static int write_hdr(struct mbuf *mb, const struct sip_hdr *hdr)
{
	int err;

	err  = mbuf_write_pl(mb, &hdr->name);
	err |= mbuf_write_str(mb, ": ");
	err |= mbuf_write_pl(mb, &hdr->val);

	return err;
}


static int write_top_via(struct mbuf *mb, const struct sip_msg *msg,
			 const struct sip_hdr *hdr, bool *rport)
{
	char addr[64];
	struct pl rp;
	int err;

	err  = mbuf_write_pl(mb, &hdr->name);
	err |= mbuf_write_str(mb, ": ");

	if (!msg_param_exists(&msg->via.params, "rport", &rp)) {
		err |= mbuf_write_pl_skip(mb, &hdr->val, &rp);
		err |= mbuf_write_str(mb, ";rport=");
		err |= write_u32(mb, sa_port(&msg->src));
		*rport = true;
	}
	else {
		err |= mbuf_write_pl(mb, &hdr->val);
	}

	if (*rport || !sa_cmp(&msg->src, &msg->via.addr, SA_ADDR)) {
		err |= sa_ntop(&msg->src, addr, sizeof(addr));
		err |= mbuf_write_str(mb, ";received=");
		err |= mbuf_write_str(mb, addr);
	}

	return err;
}


int sipreply_encode(struct mbuf *mb, const struct sip_msg *msg,
		    uint16_t scode, const char *reason, const char *software,
		    const char *extra, bool *rport)
{
	uint32_t viac = 0;
	struct le *le;
	int err;

	if (!mb || !msg || !reason || !rport)
		return EINVAL;

	*rport = false;

	err  = mbuf_write_str(mb, "SIP/2.0 ");
	err |= write_u32(mb, scode);
	err |= mbuf_write_u8(mb, ' ');
	err |= mbuf_write_str(mb, reason);
	err |= mbuf_write_str(mb, "\r\n");

	for (le = msg->hdrl.head; le && !err; le = le->next) {
		const struct sip_hdr *hdr = le->data;

		switch (hdr->id) {

		case SIP_HDR_VIA:
			if (viac++)
				err = write_hdr(mb, hdr);
			else
				err = write_top_via(mb, msg, hdr, rport);
			break;

		case SIP_HDR_TO:
			err = write_hdr(mb, hdr);
			if (!pl_isset(&msg->to.tag) && scode > 100) {
				err |= mbuf_write_str(mb, ";tag=");
				err |= write_hex64(mb, msg->tag);
			}
			break;

		case SIP_HDR_FROM:
		case SIP_HDR_CALL_ID:
		case SIP_HDR_CSEQ:
			err = write_hdr(mb, hdr);
			break;

		default:
			continue;
		}

		err |= mbuf_write_str(mb, "\r\n");
	}

	if (software) {
		err |= mbuf_write_str(mb, "Server: ");
		err |= mbuf_write_str(mb, software);
		err |= mbuf_write_str(mb, "\r\n");
	}

	if (extra)
		err |= mbuf_write_str(mb, extra);

	err |= mbuf_write_str(mb, "Content-Length: 0\r\n\r\n");

	return err;
}


int sipreply_send(struct sip *sip, const struct sip_msg *msg,
		  uint16_t scode, const char *reason, const char *software,
		  const char *extra)
{
	struct mbuf *mb;
	struct sa dst;
	bool rport;
	int err;

	if (!sip || !msg)
		return EINVAL;

	/* an ACK is never answered (as libre) */
	if (!pl_strcmp(&msg->met, "ACK"))
		return 0;

	mb = mbuf_alloc(512);
	if (!mb)
		return ENOMEM;

	err = sipreply_encode(mb, msg, scode, reason, software, extra, &rport);
	if (err)
		goto out;

	mb->pos = 0;
	sip_reply_addr(&dst, msg, rport);
	err = sip_send(sip, msg->sock, msg->tp, &dst, mb);

 out:
	mem_deref(mb);
	return err;
}
