#!/usr/bin/env python3
"""A push sender written from RFC 3428, independent of sippushd's code.

usage: pushsend.py --proxy HOST:PORT --app APP [--to USER] [--type TYPE]
                   (--file F | --data TEXT) [--expires S] [--timeout S]
                   [--out FILE] [--from URI] [--pai URI]

Sends one MESSAGE over UDP through the proxy with
Accept-Contact: *;+g.oma.pusheventapp="APP";require;explicit and the
body byte-exact (any bytes, from a file). Retransmits as a UAC must
(Timer E: 500 ms doubling to 4 s, then every 4 s while it waits; RFC 3261
17.1.2.2), prints the final response's status line, writes the whole
response to --out, and exits 0 if a final response came, 1 if not.
"""
import argparse
import random
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--app", required=True)
    ap.add_argument("--to", default="pra")
    ap.add_argument("--domain", default="sippush.test")
    ap.add_argument("--type", default="application/octet-stream")
    ap.add_argument("--file")
    ap.add_argument("--data")
    ap.add_argument("--expires", type=int)
    ap.add_argument("--timeout", type=float, default=40.0)
    ap.add_argument("--out")
    ap.add_argument("--from", dest="frm")
    ap.add_argument("--pai")
    a = ap.parse_args()

    if a.file:
        with open(a.file, "rb") as f:
            body = f.read()
    else:
        body = (a.data or "").encode()

    host, port = a.proxy.rsplit(":", 1)
    port = int(port)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    lport = s.getsockname()[1]
    branch = "z9hG4bK-ps%08x" % random.getrandbits(32)
    callid = "%x@pushsend" % random.getrandbits(64)
    extra = ""
    if a.expires is not None:
        extra += "Expires: %d\r\n" % a.expires
    if a.pai:
        extra += "P-Asserted-Identity: <%s>\r\n" % a.pai
    frm = a.frm or f"sip:pushsend@{a.domain}"
    msg = (
        f"MESSAGE sip:{a.to}@{a.domain} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{lport};rport;branch={branch}\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <{frm}>;tag=ps{random.getrandbits(32):x}\r\n"
        f"To: <sip:{a.to}@{a.domain}>\r\n"
        f"Call-ID: {callid}\r\n"
        "CSeq: 1 MESSAGE\r\n"
        f"Accept-Contact: *;+g.oma.pusheventapp=\"{a.app}\";require;explicit\r\n"
        f"Content-Type: {a.type}\r\n"
        f"{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body

    deadline = time.monotonic() + a.timeout
    interval = 0.5
    s.sendto(msg, (host, port))
    next_send = time.monotonic() + interval
    while True:
        now = time.monotonic()
        if now >= deadline:
            print("TIMEOUT")
            return 1
        s.settimeout(max(0.01, min(next_send, deadline) - now))
        try:
            data, _ = s.recvfrom(65535)
        except socket.timeout:
            s.sendto(msg, (host, port))
            interval = min(interval * 2, 4.0)
            next_send = time.monotonic() + interval
            continue
        head = data.split(b"\r\n\r\n", 1)[0].decode(errors="replace")
        if callid not in head:
            continue
        first = head.split("\r\n", 1)[0]
        if first.startswith("SIP/2.0 1"):
            interval = 4.0
            next_send = time.monotonic() + interval
            continue
        print(first)
        if a.out:
            with open(a.out, "w") as f:
                f.write(head.replace("\r\n", "\n") + "\n")
        return 0


if __name__ == "__main__":
    sys.exit(main())
