#!/usr/bin/env python3
"""A core going down: takes each TCP connection and the request on it,
then resets the connection without an answer. One line per request
("REGISTER", "OPTIONS", ...) on stdout.

usage: resetcore.py PORT
"""
import socket
import struct
import sys


def main():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", int(sys.argv[1])))
    ls.listen(8)
    while True:
        c, _ = ls.accept()
        c.settimeout(5)
        data = b""
        try:
            while b"\r\n\r\n" not in data and len(data) < 65536:
                d = c.recv(4096)
                if not d:
                    break
                data += d
        except OSError:
            pass
        if data:
            print(data.split(b" ", 1)[0].decode(errors="replace"),
                  flush=True)
        # RST, not FIN: what a core's dying process leaves behind
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        c.close()


if __name__ == "__main__":
    main()
