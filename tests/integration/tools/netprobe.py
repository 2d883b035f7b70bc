#!/usr/bin/env python3
"""Independent network probes for the network-namespace tests.

usage: netprobe.py dns SERVER NAME TYPE   print the answers (A, AAAA, SRV, NAPTR)
       netprobe.py stun HOST PORT [LPORT] send a STUN Binding request, print
                                          the XOR-MAPPED-ADDRESS as ip:port
Exit 0 with at least one answer, 1 with an answer that has none (an
empty DNS answer), 3 when nothing answered at all. Plain sockets only: these
check the test network itself, not sippushd.
"""
import ipaddress
import os
import socket
import struct
import sys

TYPES = {"A": 1, "AAAA": 28, "SRV": 33, "NAPTR": 35}


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def qname(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.strip(".").split(".")) + b"\0"


def read_name(msg, off):
    labels, jumped, end = [], False, off
    while True:
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if not jumped:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            jumped = True
            continue
        off += 1
        if n == 0:
            break
        labels.append(msg[off:off + n].decode())
        off += n
    return ".".join(labels), (end if jumped else off)


def dns(server, name, qtype):
    t = TYPES[qtype]
    qid = struct.unpack(">H", os.urandom(2))[0]
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname(name) + struct.pack(">HH", t, 1)
    s = socket.socket(family(server), socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(q, (server, 53))
    try:
        r = s.recv(4096)
    except OSError:
        return 3
    rid, _, qd, an = struct.unpack(">HHHH", r[:8])
    if rid != qid:
        return 3
    off = 12
    for _ in range(qd):
        _, off = read_name(r, off)
        off += 4
    found = 0
    for _ in range(an):
        _, off = read_name(r, off)
        rtype, _, _, rdlen = struct.unpack(">HHIH", r[off:off + 10])
        off += 10
        rd = r[off:off + rdlen]
        if rtype == 1:
            print("A", ipaddress.IPv4Address(rd))
        elif rtype == 28:
            print("AAAA", ipaddress.IPv6Address(rd))
        elif rtype == 33:
            prio, weight, port = struct.unpack(">HHH", rd[:6])
            target, _ = read_name(r, off + 6)
            print("SRV", prio, weight, port, target)
        elif rtype == 35:
            order, pref = struct.unpack(">HH", rd[:4])
            p, fields = 4, []
            for _ in range(3):
                n = rd[p]
                fields.append(rd[p + 1:p + 1 + n].decode())
                p += 1 + n
            repl, _ = read_name(r, off + p)
            print("NAPTR", order, pref, fields[0], fields[1], repl)
        else:
            continue
        found += 1
        off += rdlen
    return 0 if found else 1


def stun(host, port, lport):
    fam = family(host)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if lport:
        s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", lport))
    tid = os.urandom(12)
    req = struct.pack(">HHI", 0x0001, 0, 0x2112A442) + tid
    s.settimeout(1)
    for _ in range(3):
        s.sendto(req, (host, port))
        try:
            r = s.recv(2048)
        except socket.timeout:
            continue
        if len(r) < 20 or r[:2] != b"\x01\x01" or r[8:20] != tid:
            continue
        off = 20
        while off + 4 <= len(r):
            at, alen = struct.unpack(">HH", r[off:off + 4])
            v = r[off + 4:off + 4 + alen]
            if at == 0x0020:
                p = struct.unpack(">H", v[2:4])[0] ^ 0x2112
                if v[1] == 1:
                    a = bytes(x ^ y for x, y in zip(v[4:8], struct.pack(">I", 0x2112A442)))
                    print("%s:%d" % (ipaddress.IPv4Address(a), p))
                else:
                    key = struct.pack(">I", 0x2112A442) + tid
                    a = bytes(x ^ y for x, y in zip(v[4:20], key))
                    print("[%s]:%d" % (ipaddress.IPv6Address(a), p))
                return 0
            off += 4 + ((alen + 3) & ~3)
    return 3


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "dns":
        return dns(sys.argv[2], sys.argv[3], sys.argv[4])
    if len(sys.argv) >= 4 and sys.argv[1] == "stun":
        return stun(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 0)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
