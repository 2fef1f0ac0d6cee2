#!/usr/bin/env python3
"""Answers every request (keep-alive) and logs, one JSON line each, when each connection opens,
when it closes, and each request's path, all on time.monotonic(): what a test needs to follow
the target's connection count over time and the gaps between one connection's requests."""

import json
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from target_common import RequestReader, ok_response, parse_args, serve, set_nodelay

lock = threading.Lock()
next_id = [0]


def add_arguments(parser):
    parser.add_argument("--log", required=True, help="file the JSON lines are appended to")


def log(args, conn, event, path=None):
    line = json.dumps({"t": time.monotonic(), "conn": conn, "event": event, "path": path})
    with lock, open(args.log, "a") as f:
        f.write(line + "\n")


def handle(sock, args):
    with lock:
        conn = next_id[0]
        next_id[0] += 1
    set_nodelay(sock)
    log(args, conn, "open")
    reader = RequestReader(sock)
    try:
        while (head := reader.next_request()) is not None:
            path = head.split(b"\r\n", 1)[0].split(b" ")[1].decode(errors="replace")
            log(args, conn, "request", path)
            sock.sendall(ok_response())
    finally:
        log(args, conn, "close")


if __name__ == "__main__":
    serve(parse_args(__doc__, add_arguments), handle)
