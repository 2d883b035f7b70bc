#!/usr/bin/env python3
"""An attacker on the daemon's network: SIP requests straight to its port.

usage: spoof.py --dst HOST:PORT [--src IP] [--tp udp|tcp] [--method M]
                [--ruri URI] [--from URI] [--pai URI] [--app APP]
                [--count N] [--timeout S] [--sdp-path URI]

Sends --count requests (each its own Call-ID, one datagram or one TCP
connection for all) from --src, written from RFC 3261 without the
daemon's code, and prints one line: the first final status line that
came back ("SIP/2.0 200 OK"), or "NO ANSWER" (nothing within --timeout),
or "CLOSED" (TCP: the daemon closed the connection), or "NO CONNECT"
(TCP: the handshake did not complete). With --count > 1 it sends as fast
as it can and prints "SENT N", the answers it saw ("ANSWERS K") and how
many of each status ("STATUS 200 K"). Through a proxy (--dst the proxy)
it is a sender like any other, e.g. one that floods.
"""
import argparse
import random
import socket
import sys
import time


def request(a, lport, i):
    body = b"forged push %d" % i
    ctype = "text/plain"
    if a.method == "INVITE":
        path = a.sdp_path or "msrp://%s:2855/forged;tcp" % a.src
        body = (
            "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=message 2855 TCP/MSRP *\r\na=accept-types:text/plain\r\n"
            "a=path:%s\r\n" % (a.src, a.src, path)).encode()
        ctype = "application/sdp"
    elif a.method == "OPTIONS":
        body = b""
    tp = a.tp.upper()
    hdrs = (
        f"{a.method} {a.ruri} SIP/2.0\r\n"
        f"Via: SIP/2.0/{tp} {a.src}:{lport};rport;"
        f"branch=z9hG4bK-sp{random.getrandbits(40):x}\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <{a.frm}>;tag=sp{random.getrandbits(32):x}\r\n"
        f"To: <sip:pra@sippush.test>\r\n"
        f"Call-ID: {random.getrandbits(64):x}-{i}@spoof\r\n"
        f"CSeq: 1 {a.method}\r\n"
        f"Contact: <sip:attacker@{a.src}:{lport}>\r\n"
    )
    if a.pai:
        hdrs += f"P-Asserted-Identity: <{a.pai}>\r\n"
    if a.method != "OPTIONS":
        hdrs += ("Accept-Contact: *;+g.oma.pusheventapp=\"%s\";require;"
                 "explicit\r\n" % a.app)
        hdrs += f"Content-Type: {ctype}\r\n"
    hdrs += f"Content-Length: {len(body)}\r\n\r\n"
    return hdrs.encode() + body


def finals(data):
    out = []
    for part in data.split(b"SIP/2.0 ")[1:]:
        line = ("SIP/2.0 " + part.split(b"\r\n", 1)[0].decode(
            errors="replace"))
        if not line.startswith("SIP/2.0 1"):
            out.append(line)
    return out


def run_udp(a, host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.src, 0))
    lport = s.getsockname()[1]
    for i in range(a.count):
        s.sendto(request(a, lport, i), (host, port))
    got = []
    deadline = time.monotonic() + a.timeout
    while time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data, _ = s.recvfrom(65535)
        except socket.timeout:
            break
        got += finals(data)
        if a.count == 1 and got:
            break
    return got, None


def run_tcp(a, host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((a.src, 0))
    s.settimeout(a.timeout)
    try:
        s.connect((host, port))
    except OSError:
        return [], "NO CONNECT"
    lport = s.getsockname()[1]
    try:
        for i in range(a.count):
            s.sendall(request(a, lport, i))
    except OSError:
        return [], "CLOSED"
    got, buf = [], b""
    deadline = time.monotonic() + a.timeout
    while time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = s.recv(65535)
        except socket.timeout:
            break
        except OSError:
            return got, "CLOSED"
        if not data:
            return got, "CLOSED"
        buf += data
        got = finals(buf)
        if a.count == 1 and got:
            break
    return got, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dst", required=True)
    ap.add_argument("--src", default="127.0.0.2")
    ap.add_argument("--tp", default="udp", choices=["udp", "tcp"])
    ap.add_argument("--method", default="MESSAGE")
    ap.add_argument("--ruri", default="sip:pra@sippush.test")
    ap.add_argument("--from", dest="frm", default="sip:mmsc@operator.test")
    ap.add_argument("--pai")
    ap.add_argument("--app", default="mms.ua")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--sdp-path")
    a = ap.parse_args()
    host, port = a.dst.rsplit(":", 1)
    run = run_udp if a.tp == "udp" else run_tcp
    got, state = run(a, host, int(port))
    if a.count > 1:
        print("SENT %d" % a.count)
        print("ANSWERS %d" % len(got))
        codes = {}
        for line in got:
            code = line.split(" ")[1] if " " in line else "?"
            codes[code] = codes.get(code, 0) + 1
        for code in sorted(codes):
            print("STATUS %s %d" % (code, codes[code]))
    elif got:
        print(got[0])
    else:
        print(state or "NO ANSWER")
    return 0


if __name__ == "__main__":
    sys.exit(main())
