#!/usr/bin/env python3
"""Answers the first request of each connection with a keep-alive 200, then half-closes: sends
FIN and reads (dropping everything) until the client closes. The client's next request on that
connection fails with eof, often while its body is still being sent."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from target_common import RequestReader, close_gracefully, ok_response, parse_args, serve


def handle(sock, args):
    if RequestReader(sock).next_request() is None:
        return
    sock.sendall(ok_response())
    close_gracefully(sock, drain_s=5.0)


if __name__ == "__main__":
    serve(parse_args(__doc__), handle)
