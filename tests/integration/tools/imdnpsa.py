#!/usr/bin/env python3
"""A push sender agent that asks for IMDN delivery notifications.

Registers as a user of the test core (digest auth), sends one MESSAGE
whose body is a message/cpim wrapper (RFC 3862) carrying
imdn.Message-ID and imdn.Disposition-Notification (RFC 5438) to the
device's AOR through the core, prints the final status, then waits for
the notifications the device sends back through the core, answers each
with 200, writes its CPIM body to OUT/imdn-N.cpim and its XML part to
OUT/imdn-N.xml, and prints one line per notification:

    IMDN <n> <root element of the status> <message-id> <content-type>

usage: imdnpsa.py --port KAM_UDP_PORT [--user pra2 --password secret2]
                  [--to sip:pra@sippush.test] [--app mms.ua]
                  [--msgid ID] [--dispo LIST] [--ctype TYPE] [--data TEXT]
                  [--expect N] [--timeout S] [--out DIR] [--no-cpim]
                  [--lport PORT] [--answer CODE] [--collect] [--keep]
--answer CODE answers the notifications with CODE instead of 200;
--collect sends no MESSAGE (registers and collects only); --keep leaves
the registration in place at the end; --lport binds that local port.
Exit: 0 when the final status was printed and N notifications came
(--expect, default 1), 1 otherwise.
"""
import argparse
import hashlib
import os
import random
import re
import socket
import sys
import time

REALM_RE = re.compile(r'(\w+)="([^"]*)"')


class Sip:
    def __init__(self, port, lport=0):
        self.proxy = ("127.0.0.1", port)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind(("127.0.0.1", lport))
        self.lport = self.s.getsockname()[1]
        self.cseq = 1
        self.callid = "%x@imdnpsa" % random.getrandbits(48)
        self.tag = "%x" % random.getrandbits(32)
        self.queue = []    # requests that arrived while we waited

    def send(self, data):
        self.s.sendto(data, self.proxy)

    def recv(self, deadline):
        while True:
            left = deadline - time.time()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                data, src = self.s.recvfrom(65535)
            except socket.timeout:
                return None
            return data, src


def parse(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    hdrs = {}
    for ln in lines[1:]:
        if ":" in ln:
            k, v = ln.split(":", 1)
            hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    return lines[0], hdrs, body


def digest(user, password, method, uri, chal):
    p = dict(REALM_RE.findall(chal))
    ha1 = hashlib.md5(f"{user}:{p['realm']}:{password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
    if "qop" in p:
        nc, cnonce = "00000001", "%x" % random.getrandbits(32)
        resp = hashlib.md5(f"{ha1}:{p['nonce']}:{nc}:{cnonce}:auth:{ha2}"
                           .encode()).hexdigest()
        return (f'Digest username="{user}", realm="{p["realm"]}", '
                f'nonce="{p["nonce"]}", uri="{uri}", response="{resp}", '
                f'qop=auth, nc={nc}, cnonce="{cnonce}", algorithm=MD5')
    resp = hashlib.md5(f"{ha1}:{p['nonce']}:{ha2}".encode()).hexdigest()
    return (f'Digest username="{user}", realm="{p["realm"]}", '
            f'nonce="{p["nonce"]}", uri="{uri}", response="{resp}", '
            'algorithm=MD5')


def request(sip, method, ruri, to, extra, body, auth=None):
    """Send one request; return the final response (after one challenge)."""
    for _ in range(2):
        branch = "z9hG4bK%08x" % random.getrandbits(32)
        msg = (f"{method} {ruri} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{sip.lport};rport;branch={branch}\r\n"
               "Max-Forwards: 70\r\n"
               f"From: <{sip.aor}>;tag={sip.tag}\r\n"
               f"To: <{to}>\r\n"
               f"Call-ID: {sip.callid}\r\n"
               f"CSeq: {sip.cseq} {method}\r\n"
               f"Contact: <sip:{sip.user}@127.0.0.1:{sip.lport}>\r\n"
               + (f"Authorization: {auth}\r\n" if auth else "")
               + extra +
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        sip.cseq += 1
        for _attempt in range(3):
            sip.send(msg)
            deadline = time.time() + 2
            final = None
            while True:
                got = sip.recv(deadline)
                if not got:
                    break
                data, _src = got
                if data.startswith(b"SIP/2.0 "):
                    first, hdrs, _ = parse(data)
                    if hdrs.get("cseq", [""])[0].endswith(method) and \
                            not first.startswith("SIP/2.0 1"):
                        final = (first, hdrs)
                        break
                else:
                    sip.queue.append(data)
            if final:
                break
        if not final:
            return None
        code = final[0].split()[1]
        if code == "401" and not auth:
            auth = digest(sip.user, sip.password, method, ruri,
                          final[1]["www-authenticate"][0])
            continue
        return final
    return final


def answer(sip, data, code=200):
    first, hdrs, _ = parse(data)
    vias = "".join(f"Via: {v}\r\n" for v in hdrs.get("via", []))
    resp = (f"SIP/2.0 {code} OK\r\n{vias}"
            f"From: {hdrs['from'][0]}\r\nTo: {hdrs['to'][0]};tag=psa\r\n"
            f"Call-ID: {hdrs['call-id'][0]}\r\nCSeq: {hdrs['cseq'][0]}\r\n"
            "Content-Length: 0\r\n\r\n").encode()
    sip.send(resp)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", default="pra2")
    ap.add_argument("--password", default="secret2")
    ap.add_argument("--to", default="sip:pra@sippush.test")
    ap.add_argument("--app", default="mms.ua")
    ap.add_argument("--msgid", default="Hr1BCcvD")
    ap.add_argument("--dispo", default="positive-delivery, negative-delivery")
    ap.add_argument("--ctype", default="text/plain")
    ap.add_argument("--data", default="hello through CPIM")
    ap.add_argument("--expect", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--out", default=".")
    ap.add_argument("--lport", type=int, default=0)
    ap.add_argument("--answer", type=int, default=200)
    ap.add_argument("--collect", action="store_true")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    sip = Sip(args.port, args.lport)
    sip.user, sip.password = args.user, args.password
    sip.aor = f"sip:{args.user}@sippush.test"

    reg = request(sip, "REGISTER", "sip:sippush.test", sip.aor,
                  "Expires: 120\r\n", b"")
    if not reg or reg[0].split()[1] != "200":
        print("REGISTER failed: %s" % (reg[0] if reg else "no answer"))
        return 1
    sip.callid = "%x@imdnpsa" % random.getrandbits(48)

    inner = args.data.encode()
    cpim = (f"From: <{sip.aor}>\r\n"
            f"To: <{args.to}>\r\n"
            "DateTime: 2024-05-01T10:00:00Z\r\n"
            "NS: imdn <urn:ietf:params:imdn>\r\n"
            f"imdn.Message-ID: {args.msgid}\r\n"
            f"imdn.Disposition-Notification: {args.dispo}\r\n"
            "\r\n"
            f"Content-Type: {args.ctype}\r\n"
            f"Content-Length: {len(inner)}\r\n"
            "\r\n").encode() + inner
    if args.collect:
        fin = ("SIP/2.0 000 not sent", {})
    else:
        fin = request(sip, "MESSAGE", args.to, args.to,
                      f'Accept-Contact: *;+g.oma.pusheventapp="{args.app}"'
                      ';require;explicit\r\n'
                      "Content-Type: message/cpim\r\n", cpim)
    print("STATUS %s" % (" ".join(fin[0].split()[1:]) if fin else "none"))
    sys.stdout.flush()

    got = 0
    deadline = time.time() + args.timeout
    while got < args.expect:
        if sip.queue:
            data = sip.queue.pop(0)
        else:
            r = sip.recv(deadline)
            if not r:
                break
            data = r[0]
        if not data.startswith(b"MESSAGE "):
            continue
        first, hdrs, body = parse(data)
        answer(sip, data, args.answer)
        got += 1
        ctype = hdrs.get("content-type", ["?"])[0]
        with open(os.path.join(args.out, f"imdn-{got}.cpim"), "wb") as f:
            f.write(body)
        xml = body.split(b"\r\n\r\n", 2)[-1] if body.count(b"\r\n\r\n") >= 2 \
            else b""
        with open(os.path.join(args.out, f"imdn-{got}.xml"), "wb") as f:
            f.write(xml)
        st = re.search(rb"<status><([a-z-]+)/>", xml)
        mid = re.search(rb"<message-id>([^<]*)</message-id>", xml)
        print("IMDN %d %s %s %s" % (got, st.group(1).decode() if st else "?",
                                    mid.group(1).decode() if mid else "?",
                                    ctype))
        sys.stdout.flush()

    if not args.keep:
        request(sip, "REGISTER", "sip:sippush.test", sip.aor,
                "Expires: 0\r\n", b"")
    return 0 if fin and got >= args.expect else 1


if __name__ == "__main__":
    sys.exit(main())
