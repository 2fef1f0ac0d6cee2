#!/usr/bin/env python3
"""Answers every request (keep-alive) with a 100 MB body (Content-Length),
streamed from a small buffer."""

import sys
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from target_common import RequestReader, parse_args, serve

CHUNK = b"x" * 65536


def handle(sock, args):
    reader = RequestReader(sock)
    while reader.next_request() is not None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: " + str(args.bytes).encode() +
                     b"\r\nContent-Type: application/octet-stream\r\n\r\n")
        left = args.bytes
        while left > 0:
            piece = CHUNK[:min(left, len(CHUNK))]
            sock.sendall(piece)
            left -= len(piece)


def add_arguments(parser):
    parser.add_argument("--bytes", type=int, default=100_000_000, help="body size")


if __name__ == "__main__":
    serve(parse_args(__doc__, add_arguments), handle)
