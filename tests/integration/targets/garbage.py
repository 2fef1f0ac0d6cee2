#!/usr/bin/env python3
"""Answers every request with bytes that are not HTTP, keeping the connection."""

import sys
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from target_common import RequestReader, parse_args, serve

GARBAGE = b"\x00\x01\x02 this is not HTTP \xff\xfe\r\n\r\n"


def handle(sock, args):
    reader = RequestReader(sock)
    while reader.next_request() is not None:
        sock.sendall(GARBAGE)


if __name__ == "__main__":
    serve(parse_args(__doc__), handle)
