#!/usr/bin/env python3
"""Reads requests and never answers them. With --stall-every N it answers
normally (keep-alive 200, pipelining in order) but holds every Nth request
(counted across all connections) for --stall-ms first: a target that stalls
periodically."""

import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from target_common import RequestReader, ok_response, parse_args, serve, set_nodelay

counter_lock = threading.Lock()
request_count = 0


def is_stalled(every):
    global request_count
    with counter_lock:
        request_count += 1
        return request_count % every == 0


def handle(sock, args):
    set_nodelay(sock)
    reader = RequestReader(sock)
    while reader.next_request() is not None:
        if args.stall_every == 0:
            continue  # read, never answer
        if is_stalled(args.stall_every):
            time.sleep(args.stall_ms / 1000.0)
        sock.sendall(ok_response())


def add_arguments(parser):
    parser.add_argument("--stall-every", type=int, default=0,
                        help="answer, but hold every Nth request (0 = never answer)")
    parser.add_argument("--stall-ms", type=float, default=1000.0,
                        help="how long a held request waits (default 1000)")


if __name__ == "__main__":
    serve(parse_args(__doc__, add_arguments), handle)
