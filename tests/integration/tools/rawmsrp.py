#!/usr/bin/env python3
"""A session-mode push sender with hand-made MSRP chunks (RFC 4975), for
what no well-behaved sender does: a second SEND for a delivered
Message-ID, overlapping Byte-Ranges with other bytes, a total that
changes.

usage: rawmsrp.py --sip HOST:PORT [--app APP] [--scheme msrp|msrps]
                  [--dial HOST:PORT] [--timeout S] STEP...

Sends an INVITE over TCP straight to the daemon (from 127.0.0.1, the
core's address in the tests), offering a=setup:active on an msrp: (or,
with --scheme msrps, an msrps:) path, ACKs its 200, dials the a=path of
the answer (or --dial) over plain TCP (--dial to the plain listener for
an msrps session is the downgrade the daemon must refuse) and runs the
steps in order:

  send,MSGID,RANGE,FLAG,DATA  one SEND chunk: Byte-Range RANGE ("1-16/16",
                              "1-100/*"), end-line flag FLAG ($ + #), the
                              body DATA as is (text); prints
                              "SEND MSGID RANGE -> CODE COMMENT"
  report,MSGID                wait for the REPORT on MSGID; prints
                              "REPORT MSGID STATUS" ("000 200 OK")
  waitfor,FILE,TEXT           wait until FILE holds TEXT (an app's log)
  eof                         wait for the daemon to close the connection
                              (prints "OPEN" if it does not)

Prints "INVITE -> STATUS LINE" and, when the connection closes,
"CLOSED". Exits 0 when every step ran (whatever the answers were), 1 if
one timed out.
"""
import argparse
import os
import random
import re
import socket
import sys
import time


def sip_invite(a, host, port):
    s = socket.create_connection((host, port), timeout=a.timeout,
                                 source_address=("127.0.0.1", 0))
    lport = s.getsockname()[1]
    sid = "%020x" % random.getrandbits(80)
    path = f"{a.scheme}://127.0.0.1:2855/{sid};tcp"
    sdp = (
        "v=0\r\no=raw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
        "t=0 0\r\nm=message 2855 %s *\r\na=accept-types:*\r\n"
        "a=path:%s\r\na=setup:active\r\na=sendonly\r\n" % (
            "TCP/TLS/MSRP" if a.scheme == "msrps" else "TCP/MSRP", path))
    callid = f"{random.getrandbits(64):x}@rawmsrp"
    ftag = f"rm{random.getrandbits(32):x}"
    ruri = f"sip:pra@{host}:{port};transport=tcp"
    inv = (
        f"INVITE {ruri} SIP/2.0\r\n"
        f"Via: SIP/2.0/TCP 127.0.0.1:{lport};rport;"
        f"branch=z9hG4bK-rm{random.getrandbits(40):x}\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:mmsc@operator.test>;tag={ftag}\r\n"
        "To: <sip:pra@sippush.test>\r\n"
        f"Call-ID: {callid}\r\n"
        "CSeq: 1 INVITE\r\n"
        f"Contact: <sip:raw@127.0.0.1:{lport};transport=tcp>\r\n"
        f"Accept-Contact: *;+g.oma.pusheventapp=\"{a.app}\";require;"
        "explicit\r\n"
        "Content-Type: application/sdp\r\n"
        f"Content-Length: {len(sdp)}\r\n\r\n{sdp}")
    s.sendall(inv.encode())
    buf = b""
    deadline = time.monotonic() + a.timeout
    while True:
        m = re.search(rb"SIP/2.0 ([2-6]\d\d)[^\r]*\r\n(.*?)\r\n\r\n", buf,
                      re.S)
        if m:
            hdrs = m.group(2).decode(errors="replace")
            cl = re.search(r"(?im)^(?:Content-Length|l):\s*(\d+)", hdrs)
            need = m.end() + (int(cl.group(1)) if cl else 0)
            if len(buf) >= need:
                break
        if time.monotonic() > deadline:
            print("INVITE -> NO ANSWER")
            return None
        data = s.recv(65536)
        if not data:
            print("INVITE -> CLOSED")
            return None
        buf += data
    status = buf[m.start():].split(b"\r\n", 1)[0].decode(errors="replace")
    print("INVITE ->", status, flush=True)
    if m.group(1) != b"200":
        return None
    body = buf[m.end():need].decode(errors="replace")
    to = re.search(r"(?im)^(?:To|t):\s*(.*)$", hdrs).group(1).strip()
    contact = re.search(r"(?im)^(?:Contact|m):\s*<([^>]*)>", hdrs)
    target = contact.group(1) if contact else ruri
    ack = (
        f"ACK {target} SIP/2.0\r\n"
        f"Via: SIP/2.0/TCP 127.0.0.1:{lport};rport;"
        f"branch=z9hG4bK-rm{random.getrandbits(40):x}\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:mmsc@operator.test>;tag={ftag}\r\n"
        f"To: {to}\r\n"
        f"Call-ID: {callid}\r\n"
        "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n")
    s.sendall(ack.encode())
    theirs = re.search(r"(?m)^a=path:(\S+)", body).group(1).split()[0]
    return s, path, theirs


class Msrp:
    def __init__(self, a, ours, theirs):
        m = re.match(r"msrps?://([^:/]+):(\d+)/", theirs)
        host, port = a.dial.rsplit(":", 1) if a.dial else m.groups()
        self.sock = socket.create_connection((host, int(port)),
                                             timeout=a.timeout)
        self.ours, self.theirs, self.timeout = ours, theirs, a.timeout
        self.buf = b""
        self.reports = {}
        self.responses = {}
        self.closed = False

    def read_frames(self, until):
        deadline = time.monotonic() + self.timeout
        while not until():
            if self.closed or time.monotonic() > deadline:
                return False
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                data = b""
            if not data:
                self.closed = True
                print("CLOSED", flush=True)
                continue
            self.buf += data
            self.parse()
        return True

    def parse(self):
        while True:
            m = re.match(rb"MSRP (\S+) ([^\r]*)\r\n", self.buf)
            if not m:
                return
            tid = m.group(1)
            end = re.search(rb"\r\n-------" + re.escape(tid) + rb"[$+#]\r\n",
                            self.buf)
            if not end:
                return
            frame = self.buf[:end.end()].decode(errors="replace")
            self.buf = self.buf[end.end():]
            first = m.group(2).decode(errors="replace")
            msgid = re.search(r"(?m)^Message-ID: (\S+)", frame)
            if first.startswith("REPORT"):
                st = re.search(r"(?m)^Status: ([^\r]*)", frame)
                if msgid and st:
                    self.reports[msgid.group(1)] = st.group(1)
            elif re.match(r"\d\d\d", first):
                self.responses[tid.decode()] = first

    def send(self, msgid, rng, flag, data):
        tid = "%012x" % random.getrandbits(48)
        body = data.encode()
        chunk = (
            f"MSRP {tid} SEND\r\nTo-Path: {self.theirs}\r\n"
            f"From-Path: {self.ours}\r\nMessage-ID: {msgid}\r\n"
            "Success-Report: yes\r\nFailure-Report: yes\r\n"
            f"Byte-Range: {rng}\r\nContent-Type: text/plain\r\n\r\n"
        ).encode() + body + f"\r\n-------{tid}{flag}\r\n".encode()
        try:
            self.sock.sendall(chunk)
        except OSError:
            self.closed = True
        ok = self.read_frames(lambda: tid in self.responses)
        print("SEND %s %s -> %s" % (msgid, rng, self.responses.get(
            tid, "CLOSED" if self.closed else "NO ANSWER")), flush=True)
        return ok

    def report(self, msgid):
        ok = self.read_frames(lambda: msgid in self.reports)
        print("REPORT %s %s" % (msgid, self.reports.get(msgid, "NONE")),
              flush=True)
        return ok


def waitfor(path, text, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                if text in f.read():
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    print("WAITFOR %s %s: timed out" % (os.path.basename(path), text))
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sip", required=True)
    ap.add_argument("--app", default="mms.ua")
    ap.add_argument("--scheme", default="msrp", choices=["msrp", "msrps"])
    ap.add_argument("--dial")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("steps", nargs="+")
    a = ap.parse_args()
    host, port = a.sip.rsplit(":", 1)
    got = sip_invite(a, host, int(port))
    if not got:
        return 1
    sip, ours, theirs = got
    m = Msrp(a, ours, theirs)
    ok = True
    for step in a.steps:
        f = step.split(",", 4)
        if f[0] == "send" and len(f) == 5:
            ok &= m.send(f[1], f[2], f[3], f[4])
        elif f[0] == "report" and len(f) == 2:
            ok &= m.report(f[1])
        elif f[0] == "eof" and len(f) == 1:
            if not m.read_frames(lambda: m.closed):
                print("OPEN", flush=True)
                ok = False
        elif f[0] == "waitfor" and len(f) >= 3:
            ok &= waitfor(f[1], ",".join(f[2:]), a.timeout)
        else:
            raise SystemExit("bad step " + step)
    m.sock.close()
    sip.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
