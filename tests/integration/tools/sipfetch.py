#!/usr/bin/env python3
"""Fetch a presentity's state (RFC 6665 §4.4.3: SUBSCRIBE with Expires: 0)
over UDP and print the body of the NOTIFY that answers it.

usage: sipfetch.py HOST PORT URI EVENT ACCEPT
Exit 0 when a NOTIFY came (its body, possibly empty, on stdout), 1 if
not. The tests use it to read what the core's presence server holds for
a presentity, i.e. what a watcher would be told.
"""
import random
import socket
import sys
import time


def header(msg, name):
    for line in msg.split("\r\n")[1:]:
        if not line:
            break
        k, _, v = line.partition(":")
        if k.strip().lower() == name.lower():
            return v.strip()
    return ""


def answer(s, msg, addr):
    """200 OK to a NOTIFY: the request's Via, From, To, Call-ID, CSeq."""
    lines = [ln for ln in msg.split("\r\n\r\n", 1)[0].split("\r\n")[1:]
             if ln.split(":", 1)[0].strip().lower()
             in ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq")]
    s.sendto(("SIP/2.0 200 OK\r\n" + "\r\n".join(lines) +
              "\r\nContent-Length: 0\r\n\r\n").encode(), addr)


def main():
    host, port, uri, event, accept = sys.argv[1:6]
    port = int(port)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    lport = s.getsockname()[1]
    callid = f"{random.getrandbits(48):x}@sipfetch"
    branch = "z9hG4bK%08x" % random.getrandbits(32)
    msg = (
        f"SUBSCRIBE {uri} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{lport};rport;branch={branch}\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:watcher@127.0.0.1>;tag=w{random.getrandbits(24):x}\r\n"
        f"To: <{uri}>\r\n"
        f"Call-ID: {callid}\r\n"
        "CSeq: 1 SUBSCRIBE\r\n"
        f"Contact: <sip:watcher@127.0.0.1:{lport}>\r\n"
        f"Event: {event}\r\n"
        f"Accept: {accept}\r\n"
        "Expires: 0\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()
    s.settimeout(0.5)
    deadline = time.monotonic() + 5
    answered = False
    while time.monotonic() < deadline:
        if not answered:
            s.sendto(msg, (host, port))
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        text = data.decode(errors="replace")
        first = text.split("\r\n", 1)[0]
        if first.startswith("SIP/2.0 "):
            code = int(first.split()[1])
            if code >= 200:
                answered = True
                if code >= 300:
                    print(first, file=sys.stderr)
                    return 1
            continue
        if first.startswith("NOTIFY ") and header(text, "Call-ID") == callid:
            answer(s, text, addr)
            sys.stdout.write(text.split("\r\n\r\n", 1)[1]
                             if "\r\n\r\n" in text else "")
            return 0
    print("no NOTIFY", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
