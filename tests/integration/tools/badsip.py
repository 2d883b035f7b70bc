#!/usr/bin/env python3
"""Send one malformed (or oversize) SIP MESSAGE and print the response's status line.

usage: badsip.py HOST PORT CASE [--tcp] [--timeout S]
       badsip.py HOST PORT junk [--count N] [--rate R] [--size B] [--spaces]
       badsip.py HOST PORT junk --tcp [--count N] [--size B] [--timeout S]

CASE names one defect (see CASES); "ok" is a well-formed request, for
comparison. Prints the first final response's status line, "NONE" if
nothing came back within the timeout, or "CLOSED" if a TCP peer closed
the connection without answering. "junk" sends N datagrams of B bytes
of non-SIP text at R per second and prints nothing; with --tcp it opens N
connections, sends each B bytes of a junk start line that never ends, in
1,000-byte segments (libre parses its buffer again for every segment),
and prints "closed K of N": the connections the peer closed before the
timeout.
"""
import argparse
import random
import socket
import sys
import time


def request(case, via_host, via_port, tp, host, port):
    body = b"0123456789"
    clen = str(len(body))
    hdrs = [
        ("Via", f"SIP/2.0/{tp} {via_host}:{via_port};rport;"
                f"branch=z9hG4bK-bad{random.getrandbits(32):08x}"),
        ("Max-Forwards", "70"),
        ("From", f"<sip:bad@sippush.test>;tag=b{random.getrandbits(24):x}"),
        ("To", "<sip:pra@sippush.test>"),
        ("Call-ID", f"{random.getrandbits(48):x}@badsip"),
        ("CSeq", "1 MESSAGE"),
        ("Accept-Contact", '*;+g.oma.pusheventapp="mms.ua";require;explicit'),
        ("Content-Type", "text/plain"),
        ("Content-Length", clen),
    ]

    def drop(name):
        hdrs[:] = [h for h in hdrs if h[0] != name]

    def setv(name, val):
        hdrs[:] = [(n, val if n == name else v) for n, v in hdrs]

    extra = []
    if case == "no-via":
        drop("Via")
    elif case == "no-to":
        drop("To")
    elif case == "no-callid":
        drop("Call-ID")
    elif case == "no-cseq":
        drop("CSeq")
    elif case == "no-maxfwd":
        drop("Max-Forwards")
    elif case == "no-from":
        drop("From")
    elif case == "cseq-method":
        setv("CSeq", "1 INVITE")
    elif case == "cseq-negative":
        setv("CSeq", "-1 MESSAGE")
    elif case == "cseq-huge":
        setv("CSeq", "4294967296 MESSAGE")
    elif case == "nul-name":
        extra.append(("X-Bad\0Name", "1"))
    elif case == "two-clen":
        hdrs.append(("Content-Length", "5"))
    elif case == "clen-short":
        setv("Content-Length", "5")
    elif case == "clen-long":
        setv("Content-Length", "20")
    elif case == "clen-wrap":
        # 2^32 + 10: read into 32 bits it is 10
        setv("Content-Length", str((1 << 32) + len(body)))
    elif case == "maxfwd-bad":
        setv("Max-Forwards", "256")
    elif case != "ok":
        raise SystemExit(f"unknown case {case}")
    hdrs.extend(extra)
    head = f"MESSAGE sip:pra@{host}:{port} SIP/2.0\r\n"
    for n, v in hdrs:
        head += f"{n}: {v}\r\n"
    return head.encode() + b"\r\n" + body


def status_of(data):
    for msg in data.split(b"SIP/2.0 ")[1:]:
        line = ("SIP/2.0 " + msg.split(b"\r\n", 1)[0].decode(errors="replace"))
        if not line.startswith("SIP/2.0 1"):
            return line
    return None


def junk_tcp(a):
    conns = []
    for i in range(a.count):
        line = (f"JUNK{i} " + "x" * a.size)[:a.size].encode()
        s = socket.create_connection((a.host, a.port), timeout=a.timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            for off in range(0, len(line), 1000):
                s.sendall(line[off:off + 1000])
                time.sleep(0.002)
        except (BrokenPipeError, ConnectionResetError):
            pass
        conns.append(s)
    closed = 0
    deadline = time.monotonic() + a.timeout
    for s in conns:
        while True:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                if not s.recv(65535):
                    closed += 1
                    break
            except socket.timeout:
                break
            except (ConnectionResetError, BrokenPipeError):
                closed += 1
                break
        s.close()
    print(f"closed {closed} of {a.count}")
    return 0


def junk(a):
    if a.tcp:
        return junk_tcp(a)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    gap = 1.0 / a.rate
    t = time.monotonic()
    for i in range(a.count):
        fill = "a " if a.spaces else "x"
        line = (f"JUNK{i} " + fill * a.size)[:a.size - 2].encode() + b"\r\n"
        s.sendto(line, (a.host, a.port))
        t += gap
        time.sleep(max(0.0, t - time.monotonic()))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("case")
    ap.add_argument("--tcp", action="store_true")
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--size", type=int, default=8000)
    ap.add_argument("--spaces", action="store_true",
                    help="junk: words and spaces (libre's first-line regex backtracks)")
    a = ap.parse_args()
    if a.case == "junk":
        return junk(a)

    if a.tcp:
        s = socket.create_connection((a.host, a.port), timeout=a.timeout)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.settimeout(a.timeout)
    me = s.getsockname()
    msg = request(a.case, me[0], me[1], "TCP" if a.tcp else "UDP",
                  a.host, a.port)
    if a.tcp:
        s.sendall(msg)
    else:
        s.sendto(msg, (a.host, a.port))

    got = b""
    deadline = time.monotonic() + a.timeout
    while time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = s.recv(65535)
        except socket.timeout:
            break
        except ConnectionResetError:
            print("CLOSED")
            return 0
        if a.tcp and not data:
            print(status_of(got) or "CLOSED")
            return 0
        got += data
        st = status_of(got)
        if st:
            print(st)
            return 0
    print("NONE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
