#!/usr/bin/env python3
"""Answers with Content-Length: 1000 but sends 10 bytes of body, then closes."""

import sys
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from target_common import RequestReader, close_gracefully, parse_args, serve


def handle(sock, args):
    if RequestReader(sock).next_request() is None:
        return
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: text/plain\r\n\r\n"
                 b"0123456789")
    close_gracefully(sock)


if __name__ == "__main__":
    serve(parse_args(__doc__), handle)
