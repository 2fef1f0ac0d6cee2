#!/usr/bin/env python3
"""Answers every request (keep-alive) with a chunked body of several chunks,
each chunk's size line and data in separate send() calls, so a client sees
the framing split across reads."""

import sys
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from target_common import RequestReader, parse_args, serve, set_nodelay

CHUNKS = [b"hello ", b"from ", b"a chunked ", b"test target", b"\n"]
BODY = b"".join(CHUNKS)  # what a client should reassemble


def handle(sock, args):
    set_nodelay(sock)
    reader = RequestReader(sock)
    while reader.next_request() is not None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                     b"Content-Type: text/plain\r\n\r\n")
        for chunk in CHUNKS:
            sock.sendall(b"%x\r\n" % len(chunk))
            sock.sendall(chunk + b"\r\n")
        sock.sendall(b"0\r\n\r\n")


if __name__ == "__main__":
    serve(parse_args(__doc__), handle)
