#!/usr/bin/env python3
"""Open many TCP connections to a port, send nothing, and hold them.

A hostile peer for the integration tests (issue 12: 5,000 connections
held on the SIP port). It connects --count times, prints "opened N" and
"ready", then holds them for --hold seconds and prints "closed N" (how
many of them the far end closed by then: refused after accept) and
"open N". Connections the kernel never completed count as not opened.
"""
import argparse
import select
import socket
import sys
import time


def gone(s):
    """The far end closed (or reset) this connection."""
    try:
        r = s.recv(512, socket.MSG_DONTWAIT)
    except BlockingIOError:
        return False
    except OSError:
        return True
    return r == b""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--hold", type=float, default=6.0)
    a = ap.parse_args()

    # one after the other: libre 1.1.0 listens with a backlog of 5, and
    # connections past it wait in SYN-RECV for retransmitted SYN-ACKs
    # (1, 2, 4, ... s); a connect at a time lets each in as the daemon
    # takes the one before
    socks = []
    for _ in range(a.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(3)
        try:
            s.connect((a.host, a.port))
        except OSError:
            s.close()
            continue
        s.setblocking(False)
        socks.append(s)

    print("opened %d" % len(socks))
    print("ready", flush=True)

    end = time.monotonic() + a.hold
    byfd = {s.fileno(): s for s in socks}
    p = select.poll()
    for fd in byfd:
        p.register(fd, select.POLLIN)
    closed = set()
    while time.monotonic() < end and len(closed) < len(socks):
        for fd, _ in p.poll(200):
            if gone(byfd[fd]):
                closed.add(fd)
                p.unregister(fd)

    print("closed %d" % len(closed))
    print("open %d" % (len(socks) - len(closed)), flush=True)
    for s in socks:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
