#!/usr/bin/env python3
"""Send one PUBLISH (RFC 3903) over UDP and print the final status line.

usage: sippublish.py HOST PORT URI EVENT CONTENT-TYPE FILE
The tests use it to make the core's presence server hold a document of
their choosing (e.g. a reginfo with our contact "deactivated"), which it
then NOTIFYs to the watchers like any other state.
"""
import random
import socket
import sys


def main():
    host, port, uri, event, ctype, path = sys.argv[1:7]
    port = int(port)
    with open(path, "rb") as f:
        body = f.read()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    lport = s.getsockname()[1]
    branch = "z9hG4bK%08x" % random.getrandbits(32)
    msg = (
        f"PUBLISH {uri} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{lport};rport;branch={branch}\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <{uri}>;tag=pub{random.getrandbits(24):x}\r\n"
        f"To: <{uri}>\r\n"
        f"Call-ID: {random.getrandbits(48):x}@sippublish\r\n"
        "CSeq: 1 PUBLISH\r\n"
        f"Event: {event}\r\n"
        "Expires: 3600\r\n"
        f"Content-Type: {ctype}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    s.settimeout(2)
    for _ in range(3):
        s.sendto(msg, (host, port))
        try:
            while True:
                data, _ = s.recvfrom(65535)
                first = data.split(b"\r\n", 1)[0].decode(errors="replace")
                if not first.startswith("SIP/2.0 1"):
                    print(first)
                    return 0 if first.startswith("SIP/2.0 2") else 1
        except socket.timeout:
            continue
    print("no answer")
    return 1


if __name__ == "__main__":
    sys.exit(main())
