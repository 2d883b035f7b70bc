#!/usr/bin/env python3
"""A deliberately bad local app for the integration tests.

It speaks just enough of the sippushd IPC protocol (doc/ipc.md) to
subscribe, then misbehaves in one of these ways, chosen by --mode:
  mute    never reads again (its queue in the daemon fills up)
  noack   reads pushes, prints their ids, never ACKs
  slowack reads pushes, prints their ids, ACKs each --delay seconds later
  reread  holds each push's Body-Fd (the daemon's spool file): prints
          "read1 ID CONTENT" at once, and "read2 ID CONTENT" from the same
          descriptor (the first push: once --wait FILE, the sender's
          output, has grown, or --delay seconds later; the others at
          once), then ACKs: what the sender did in between must not show
It prints "subscribed" once the daemon said OK, then runs until killed.
"""
import argparse
import os
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--mode", choices=["mute", "noack", "slowack", "reread"],
                    default="noack")
    ap.add_argument("--delay", type=float, default=3.0)
    ap.add_argument("--wait")
    ap.add_argument("app")
    ap.add_argument("filter", nargs="?")
    a = ap.parse_args()

    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(a.socket)
    s.send(b"HELLO 1")
    if not s.recv(70000).startswith(b"OK"):
        sys.exit("HELLO refused")
    cmd = "SUBSCRIBE " + a.app + (" " + a.filter if a.filter else "")
    s.send(cmd.encode())
    reply = s.recv(70000)
    if not reply.startswith(b"OK"):
        sys.exit("SUBSCRIBE refused: " + reply.decode(errors="replace"))
    print("subscribed", flush=True)

    if a.mode == "mute":
        while True:
            time.sleep(3600)

    while True:
        if a.mode == "reread":
            msg, fds, _, _ = socket.recv_fds(s, 70000, 1)
        else:
            msg, fds = s.recv(70000), []
        if not msg:
            return
        if msg.startswith(b"PUSH\n"):
            pid = None
            for line in msg.split(b"\n"):
                if line.startswith(b"id: ") or line.startswith(b"Id: "):
                    pid = line.split(b" ", 1)[1].decode()
                    print("push", pid, flush=True)
            if a.mode == "reread" and pid and fds:
                reread(a, pid, fds[0])
                a.wait = None
                s.send(("ACK " + pid).encode())
                print("acked", pid, flush=True)
            for fd in fds:
                os.close(fd)
            if a.mode == "slowack" and pid:
                time.sleep(a.delay)
                s.send(("ACK " + pid).encode())
                print("acked", pid, flush=True)


def reread(a, pid, fd):
    """Read the descriptor twice: at once, and after the sender's turn."""
    def size():
        try:
            return os.path.getsize(a.wait) if a.wait else 0
        except OSError:
            return 0

    was = size()
    print("read1", pid, os.pread(fd, 65536, 0).decode(errors="replace"),
          flush=True)
    deadline = time.monotonic() + (a.delay if a.wait else 0)
    while time.monotonic() < deadline and size() == was:
        time.sleep(0.05)
    print("read2", pid, os.pread(fd, 65536, 0).decode(errors="replace"),
          flush=True)


if __name__ == "__main__":
    main()
