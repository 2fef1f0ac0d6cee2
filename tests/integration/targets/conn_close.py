#!/usr/bin/env python3
"""Answers one request per connection with "Connection: close", then closes."""

import sys
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from target_common import RequestReader, close_gracefully, ok_response, parse_args, serve


def handle(sock, args):
    if RequestReader(sock).next_request() is None:
        return
    sock.sendall(ok_response(close=True))
    close_gracefully(sock)


if __name__ == "__main__":
    serve(parse_args(__doc__), handle)
