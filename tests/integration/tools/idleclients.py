#!/usr/bin/env python3
"""Open many connections to the sippushd socket and never say HELLO.

A hostile local client for the integration tests. It connects --count
times as fast as it can, then prints how many connections the daemon
refused at once (ERR 503, then closed) and "ready"; it holds the rest
for --hold seconds and prints how many of them the daemon closed by
then. Lines: "opened N", "refused N", "ready", "closed N of M".
"""
import argparse
import select
import socket
import time


def gone(s):
    """The daemon refused or closed this connection."""
    try:
        r = s.recv(512, socket.MSG_DONTWAIT)
    except BlockingIOError:
        return False
    except OSError:
        return True
    return r == b"" or r.startswith(b"ERR 503")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--hold", type=float, default=6.0)
    a = ap.parse_args()

    socks = []
    for _ in range(a.count):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            s.connect(a.socket)
        except OSError:
            s.close()
            continue
        socks.append(s)
    print("opened", len(socks), flush=True)

    time.sleep(0.5)
    refused = [s for s in socks if gone(s)]
    held = [s for s in socks if s not in refused]
    print("refused", len(refused), flush=True)
    print("ready", flush=True)

    end = time.time() + a.hold
    closed = set()
    while time.time() < end and len(closed) < len(held):
        r, _, _ = select.select([s for s in held if s not in closed], [],
                                [], 0.2)
        for s in r:
            if gone(s):
                closed.add(s)
    print("closed", len(closed), "of", len(held), flush=True)


if __name__ == "__main__":
    main()
