#!/usr/bin/env python3
"""Subscribe to many new application IDs on the sippushd socket.

A hostile local client for the integration tests, in two modes:
  --ids N [--per K]  N new IDs, K per connection (held open until
                     --hold seconds after "ready"), as fast as it can
  --churn N          N times: connect, HELLO, SUBSCRIBE a new ID, close
It prints one line per kind of reply ("OK 16", "ERR 429 quota 9984",
"refused 561": connections the daemon refused), "ready" in --ids mode
once everything was said, and "done".
"""
import argparse
import collections
import socket
import time


def kind(reply):
    r = reply.decode(errors="replace")
    if r.startswith("OK"):
        return "OK"
    w = r.split()
    return " ".join(w[:3]).rstrip(":") if len(w) >= 3 else r


def session(path, ids, count, keep):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(10)
    try:
        s.connect(path)
        s.send(b"HELLO 1")
        if not s.recv(4096).startswith(b"OK"):
            count["refused"] += 1
            s.close()
            return None
    except OSError:
        count["refused"] += 1
        s.close()
        return None
    for i in ids:
        s.send(("SUBSCRIBE " + i).encode())
        count[kind(s.recv(4096))] += 1
    if keep:
        return s
    s.close()
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--ids", type=int, default=0)
    ap.add_argument("--per", type=int, default=16)
    ap.add_argument("--churn", type=int, default=0)
    ap.add_argument("--prefix", default="f")
    ap.add_argument("--hold", type=float, default=5.0)
    a = ap.parse_args()

    count = collections.Counter()
    held = []
    names = ["%s%05d.ua" % (a.prefix, i) for i in range(max(a.ids, a.churn))]
    if a.ids:
        for k in range(0, a.ids, a.per):
            s = session(a.socket, names[k:k + a.per], count, True)
            if s:
                held.append(s)
    for i in range(a.churn):
        session(a.socket, [names[i]], count, False)
    for k, v in sorted(count.items()):
        print(k, v, flush=True)
    if a.ids:
        print("ready", flush=True)
        time.sleep(a.hold)
    print("done", flush=True)


if __name__ == "__main__":
    main()
