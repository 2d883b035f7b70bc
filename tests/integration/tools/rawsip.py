#!/usr/bin/env python3
"""Send one hand-made SIP MESSAGE over UDP and print the first response line.

usage: rawsip.py HOST PORT [TO-PARAMS]
For requests no peer would send through a proxy (an in-dialog MESSAGE
with a To tag the receiver never created).
"""
import random
import socket
import sys


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    to_params = (";" + sys.argv[3]) if len(sys.argv) > 3 else ""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    lport = s.getsockname()[1]
    body = b"hello"
    branch = "z9hG4bK%08x" % random.getrandbits(32)
    msg = (
        f"MESSAGE sip:pra@{host}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{lport};branch={branch}\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:raw@sippush.test>;tag=raw1\r\n"
        f"To: <sip:pra@sippush.test>{to_params}\r\n"
        f"Call-ID: {random.getrandbits(48):x}@raw\r\n"
        "CSeq: 2 MESSAGE\r\n"
        "Accept-Contact: *;+g.oma.pusheventapp=\"mms.ua\"\r\n"
        "Content-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    s.settimeout(5)
    s.sendto(msg, (host, port))
    while True:
        data, _ = s.recvfrom(65535)
        first = data.split(b"\r\n", 1)[0].decode(errors="replace")
        if not first.startswith("SIP/2.0 1"):
            print(first)
            return


if __name__ == "__main__":
    main()
