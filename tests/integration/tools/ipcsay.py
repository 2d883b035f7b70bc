#!/usr/bin/env python3
"""Say commands on the sippushd socket and print each reply's first line.

A hostile or curious local client for the integration tests: HELLO 1,
then every command given, one per SEQPACKET message, printing
"COMMAND -> REPLY" (the reply's first line; with --full, STATUS and
every reply whole). Runs as whoever starts it (setpriv in the tests).
"""
import argparse
import socket
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--full", action="store_true")
    ap.add_argument("cmd", nargs="+")
    a = ap.parse_args()

    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(a.socket)
    s.send(b"HELLO 1")
    if not s.recv(70000).startswith(b"OK"):
        sys.exit("HELLO refused")
    for c in a.cmd:
        s.send(c.encode())
        while True:
            r = s.recv(70000).decode(errors="replace")
            if not r.startswith("PUSH\n"):
                break
        if a.full:
            print(c + " -> " + r, flush=True)
        else:
            print(c + " -> " + r.split("\n", 1)[0], flush=True)


if __name__ == "__main__":
    main()
