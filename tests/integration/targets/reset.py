#!/usr/bin/env python3
"""Reads one request, then closes with SO_LINGER 0 so the client sees a reset (RST)."""

import socket
import struct

import sys
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from target_common import RequestReader, parse_args, serve


def handle(sock, args):
    RequestReader(sock).next_request()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


if __name__ == "__main__":
    serve(parse_args(__doc__), handle)
