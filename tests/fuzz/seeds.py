#!/usr/bin/env python3
"""seeds.py: writes the hand-made seed inputs of tests/fuzz/<target>/ (seed-*).

Run from the repository root after changing a seed here; the files are
committed. Inputs the fuzzer found (and the crash reproducers) are
committed next to them under libFuzzer's names and are not touched.
"""
import os

SDP = ("v=0\r\no=- 3808150405 3808150405 IN IP4 192.0.2.7\r\ns=-\r\n"
       "c=IN IP4 192.0.2.7\r\nt=0 0\r\nm=message 7394 TCP/MSRP *\r\n"
       "a=accept-types:application/vnd.wap.mms-message text/plain\r\n"
       "a=path:msrp://192.0.2.7:7394/s111aaa;tcp\r\na=setup:actpass\r\n"
       "a=max-size:1048576\r\na=sendonly\r\n")


def sip(method="MESSAGE", uri="sip:pra@example.com", hdrs=None, body=b"",
        clen=True, drop=(), extra=""):
    base = [
        ("Via", "SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK776asdhds"),
        ("Max-Forwards", "70"),
        ("From", "<sip:mmsc@operator.test>;tag=49583"),
        ("To", "<sip:pra@example.com>"),
        ("Call-ID", "a84b4c76e66710@192.0.2.1"),
        ("CSeq", "1 " + method),
    ]
    lines = [f"{method} {uri} SIP/2.0"]
    for n, v in base + list(hdrs or []):
        if n not in drop:
            lines.append(f"{n}: {v}")
    if extra:
        lines.append(extra)
    if clen is True:
        lines.append(f"Content-Length: {len(body)}")
    elif clen is not None:
        lines.append(f"Content-Length: {clen}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


MMS = [("Content-Type", "application/vnd.wap.mms-message"),
       ("Accept-Contact", '*;+g.oma.pusheventapp="mms.ua";require;explicit')]

sip_seeds = {
    "message-mms": sip(hdrs=MMS, body=b"\x8c\x82\x98abc"),
    "message-xwap": sip(hdrs=[("Content-Type", "text/plain"),
                              ("X-Wap-Application-Id", "x-wap-application:mms.ua")],
                        body=b"hello"),
    "message-supl-route": sip(hdrs=[("Content-Type",
                                     "application/vnd.omaloc-supl-init")],
                              body=b"\x00\x01\x02"),
    "message-pai": sip(hdrs=MMS + [("P-Asserted-Identity",
                                    "<sip:slp@operator.test>")], body=b"x"),
    "message-compact": b"MESSAGE sip:pra@example.com SIP/2.0\r\n"
        b"v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKc\r\nMax-Forwards: 70\r\n"
        b"f: <sip:a@b>;tag=1\r\nt: <sip:pra@example.com>\r\ni: cid\r\n"
        b"CSeq: 2 MESSAGE\r\nc: text/plain\r\n"
        b"a: *;+g.oma.pusheventapp=\"mms.ua\"\r\nl: 2\r\n\r\nhi",
    "message-expires": sip(hdrs=MMS + [("Expires", "0")], body=b"x"),
    "message-date": sip(hdrs=MMS + [("Expires", "60"),
                                    ("Date", "Sat, 13 Nov 2010 23:29:00 GMT")],
                        body=b"x"),
    "invite-sdp": sip("INVITE", hdrs=[("Content-Type", "application/sdp"),
        ("Contact", "<sip:sender@192.0.2.1>"),
        ("Accept-Contact", '*;+g.oma.pusheventapp="mms.ua"')],
        body=SDP.encode()),
    "options": sip("OPTIONS", hdrs=[("Accept", "application/sdp")]),
    "bye-in-dialog": sip("BYE", hdrs=[("To", "<sip:pra@example.com>;tag=9")]),
    "ack": sip("ACK"),
    "cancel": sip("CANCEL"),
    "response-200": b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK1\r\n"
        b"From: <sip:pra@example.com>;tag=1\r\nTo: <sip:reg@example.com>;tag=2\r\n"
        b"Call-ID: r1\r\nCSeq: 1 REGISTER\r\nContact: <sip:pra@192.0.2.2>;expires=600\r\n"
        b"Content-Length: 0\r\n\r\n",
    "stun-binding": bytes.fromhex("000100002112a442") + b"\x01" * 12,
    "keepalive": b"\r\n\r\n",
    # the findings of issue 12, one file each
    "bad-no-via": sip(hdrs=MMS, body=b"x", drop=("Via",)),
    "bad-no-to": sip(hdrs=MMS, body=b"x", drop=("To",)),
    "bad-no-callid": sip(hdrs=MMS, body=b"x", drop=("Call-ID",)),
    "bad-no-cseq": sip(hdrs=MMS, body=b"x", drop=("CSeq",)),
    "bad-no-maxfwd": sip(hdrs=MMS, body=b"x", drop=("Max-Forwards",)),
    "bad-cseq-method": sip(hdrs=MMS, body=b"x", drop=("CSeq",),
                           extra="CSeq: 1 INVITE"),
    "bad-cseq-negative": sip(hdrs=MMS, body=b"x", drop=("CSeq",),
                             extra="CSeq: -1 MESSAGE"),
    "bad-cseq-big": sip(hdrs=MMS, body=b"x", drop=("CSeq",),
                        extra="CSeq: 4294967297 MESSAGE"),
    "bad-nul-name": sip(hdrs=MMS, body=b"x", extra="X-Fo\x00o: bar"),
    "bad-clen-wrap": sip(hdrs=MMS, body=b"hello", clen="4294967301"),
    "bad-clen-short": sip(hdrs=MMS, body=b"0123456789", clen="5"),
    "bad-clen-long": sip(hdrs=MMS, body=b"01234", clen="10"),
    "bad-clen-two": sip(hdrs=MMS, body=b"hello", clen="5",
                        extra="Content-Length: 3"),
    "bad-hash-from": sip(hdrs=MMS, body=b"x", extra="YAcup: <sip:slp@operator.test>"),
    "bad-hash-pai": sip(hdrs=MMS, body=b"x", extra="YAiye: <sip:slp@operator.test>"),
    "bad-require": sip(hdrs=MMS, body=b"x", extra="Require: 100rel"),
    "bad-encoding": sip(hdrs=MMS, body=b"x", extra="Content-Encoding: gzip"),
    "junk-line": b"A" * 3000 + b"\r\n\r\n",
    "junk-method": b"MES SAGE sip:a@b SIP/2.0\r\n\r\n",
}

stream_seeds = {
    "two-messages": sip_seeds["message-mms"] + b"\r\n\r\n" + sip_seeds["message-xwap"],
    "keepalive-between": b"\r\n\r\n" + sip_seeds["options"] + b"\r\n" + sip_seeds["ack"],
    "compact-l": sip_seeds["message-compact"],
    "clen-spaces": sip(hdrs=MMS, body=b"abc", clen=None,
                       extra="Content-Length :  3  "),
    "clen-wrap": sip_seeds["bad-clen-wrap"],
    "clen-two": sip_seeds["bad-clen-two"],
    "clen-hash": sip(hdrs=MMS, body=b"abc", extra="YAcvo: 1"),
    "no-clen": sip(hdrs=MMS, body=b"", clen=None),
    "oversize": sip(hdrs=MMS, body=b"", clen="100000"),
    "folded": sip(hdrs=MMS + [("Subject", "a\r\n b")], body=b"x"),
    "junk-line": b"B" * 5000,
}

sdp_seeds = {
    "offer-tcp": SDP,
    "offer-tls": SDP.replace("TCP/MSRP", "TCP/TLS/MSRP").replace("msrp://", "msrps://"),
    "offer-active": SDP.replace("actpass", "active"),
    "offer-passive-lf": SDP.replace("actpass", "passive").replace("\r\n", "\n"),
    "offer-two-media": SDP.replace("m=message", "m=audio 4000 RTP/AVP 0\r\nm=message"),
    "offer-relay-path": SDP.replace("a=path:msrp://192.0.2.7:7394/s111aaa;tcp",
        "a=path:msrp://relay.example:2855/r1;tcp msrp://192.0.2.7:7394/s111aaa;tcp"),
    "offer-maxsize": SDP.replace("a=max-size:1048576", "a=maxsize:18446744073709551617"),
    "bad-no-path": SDP.replace("a=path:msrp://192.0.2.7:7394/s111aaa;tcp\r\n", ""),
    "bad-recvonly": SDP.replace("a=sendonly", "a=recvonly"),
    "bad-holdconn": SDP.replace("actpass", "holdconn"),
    "bad-ws": SDP.replace("TCP/MSRP", "TCP/WS/MSRP"),
    "bad-long-line": "v=0\r\nm=" + "x" * 2000 + "\r\n",
}

ipc_seeds = {
    "hello": "HELLO 1\n", "subscribe": "SUBSCRIBE mms.ua\n",
    "subscribe-filter": "SUBSCRIBE x-oma-application:ulp.ua application/vnd.omaloc-supl-init\n",
    "subscribe-monitor": "SUBSCRIBE 0x04 * monitor\n",
    "subscribe-nostore": "SUBSCRIBE mms.ua text/* monitor nostore\n",
    "unsubscribe": "UNSUBSCRIBE\n", "unsubscribe-one": "UNSUBSCRIBE mms.ua",
    "ack": "ACK 18446744073709551615\n", "nack": "NACK 12 486 Busy Here now\n",
    "status": "STATUS\n", "ping": "PING",
    "bad-nack-code": "NACK 1 200\n", "bad-ctl": "PING\x01\n",
    "bad-long": "SUBSCRIBE " + "a" * 600 + "\n",
}

config_seeds = {
    "minimal": "sip_aor sip:pra@example.com\nsip_registrar sip:127.0.0.1\n",
    "full": open("doc/sippushd.conf.sample").read(),
    "apps": "sip_aor sip:a@b\nsip_registrar sip:10.0.0.1;transport=tcp\n"
            "app mms.ua\napp 0x10\napp x-oma-application:cpm:ua\n"
            "route_ctype text/plain mms.ua\napp_sender mms.ua *@operator.test\n"
            "sip_transports udp,tcp,tls\ntls_verify no\nmax_message_size 65536\n",
    "away": "sip_aor sip:a@b\nsip_registrar sip:10.0.0.1\n"
            "app_exec mms.ua /usr/libexec/mms-agent --once\n"
            "app_exec 0x10 /bin/true\nactivation_timeout 2500\n"
            "app_store mms.ua 100 1048576\napp_store ulp.ua 1 1\n"
            "store_dir /var/spool/sippushd\nexec_dir /nonexistent/exec.d\n",
    "bad-key": "sip_aor sip:a@b\nsip_registrar sip:x\nfoo bar\n",
    "bad-nul": "sip_aor sip:a@b\x00\n",
}

appid_seeds = {
    "urn": "x-wap-application:mms.ua", "short": "mms.ua", "code": "0x04",
    "code-dec": "4", "oma": "x-oma-application:ulp.ua", "colon": "cpm:ua",
    "escaped": "cpm%3Aua", "quoted-ac": '*;+g.oma.pusheventapp="mms.ua,ulp.ua";require;explicit',
    "ac-list": '*;+g.oma.pusheventapp="foo.ua", *;+g.oma.pusheventapp="mms.ua"',
    "bad-slash": "x-wap-application:../../etc", "bad-long": "a" * 200,
}

IMDN_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<imdn xmlns="urn:ietf:params:xml:ns:imdn">\n')


def imdn(notif, status, extra=""):
    return (IMDN_HEAD + "<message-id>34jk324j</message-id>\n"
            "<datetime>2008-04-04T12:16:49-05:00</datetime>\n"
            "<recipient-uri>im:bob@example.com</recipient-uri>\n"
            f"<{notif}><status><{status}/></status></{notif}>\n"
            + extra + "</imdn>\n")


imdn_seeds = {
    "delivered": imdn("delivery-notification", "delivered"),
    "failed-reason": imdn(
        "delivery-notification", "failed",
        '<reason xmlns="urn:x-sippushd:xml:ns:imdn-reason" code="415">'
        "Unsupported Media Type</reason>\n"),
    "displayed": imdn("display-notification", "displayed"),
    "processed": imdn("processing-notification", "stored",
                      '<e:x xmlns:e="urn:example:ext">1</e:x>'),
    "bad-kind": imdn("delivery-notification", "displayed"),
    "bad-doctype": '<!DOCTYPE imdn [<!ENTITY a "aaaa">]>' + IMDN_HEAD +
                   "&a;</imdn>",
    "bad-unclosed": IMDN_HEAD + "<message-id>x",
    "cpim": ("From: <sip:psa@sender.test>\r\nTo: <sip:pra@sippush.test>\r\n"
             "DateTime: 2024-05-01T10:00:00Z\r\n"
             "NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: m1\r\n"
             "imdn.Disposition-Notification: positive-delivery, display\r\n"
             "\r\nContent-Type: message/imdn+xml\r\n"
             "Content-Disposition: notification\r\n\r\n"
             + imdn("delivery-notification", "delivered")),
}


def reginfo(rstate, cstate, event, uri="sip:pra@127.0.0.1:5071;ob",
            version=1, extra=""):
    return ('<?xml version="1.0"?>\n'
            '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" '
            f'version="{version}" state="full">\n'
            f' <registration aor="sip:pra@sippush.test" id="a7" '
            f'state="{rstate}">\n'
            f'  <contact id="76" state="{cstate}" event="{event}" '
            'expires="3600" retry-after="30">\n'
            f"   <uri>{uri}</uri>\n"
            '   <unknown-param name="+sip.instance">"&lt;urn:uuid:'
            '4fa3b7e2-1d0c-4c3e-9a1b-0123456789ab&gt;"</unknown-param>\n'
            "  </contact>\n" + extra +
            " </registration>\n</reginfo>\n")


reginfo_seeds = {
    "active": reginfo("active", "active", "registered"),
    "shortened": reginfo("active", "active", "shortened"),
    "deactivated": reginfo("terminated", "terminated", "deactivated"),
    "rejected": reginfo("terminated", "terminated", "rejected"),
    "by-instance": reginfo("active", "terminated", "unregistered",
                           uri="sip:pra@10.0.0.1:6000"),
    "two-contacts": reginfo(
        "active", "terminated", "expired", extra=(
            '  <contact id="77" state="active" event="created">'
            "<uri>sip:pra@127.0.0.1:5071</uri></contact>\n")),
    "bad-version": reginfo("active", "active", "registered",
                           version="x"),
    "bad-unclosed": '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" '
                    'version="0" state="full"><registration>',
}


def write(target, seeds):
    os.makedirs(f"tests/fuzz/{target}", exist_ok=True)
    for name, data in seeds.items():
        if isinstance(data, str):
            data = data.encode("latin-1")
        with open(f"tests/fuzz/{target}/seed-{name}", "wb") as f:
            f.write(data)


write("sip", sip_seeds)
write("sipstream", stream_seeds)
write("sdp", sdp_seeds)
write("ipc", ipc_seeds)
write("config", config_seeds)
write("appid", appid_seeds)
write("imdn", imdn_seeds)
write("reginfo", reginfo_seeds)
