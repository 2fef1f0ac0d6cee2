#!/usr/bin/env python3
"""A job queue for polling journeys (keep-alive, JSON). POST /jobs creates a
job and answers {"id": N}; GET /jobs/N answers {"status": "pending"} the first
--pending times, then {"status": "completed"}. GET /jobs/N/never stays
"pending" forever; GET /fail answers 500. An unknown job id is a 404."""

import itertools
import json
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from target_common import RequestReader, parse_args, serve, set_nodelay

LOCK = threading.Lock()
IDS = itertools.count(1)
POLLS = {}  # job id -> polls so far


def respond(status, document):
    body = json.dumps(document).encode()
    reason = {200: b"OK", 201: b"Created", 404: b"Not Found", 500: b"Internal Server Error"}
    return (b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (status, reason[status], len(body)) + body)


def answer(method, path, args):
    if method == "POST" and path == "/jobs":
        with LOCK:
            job = next(IDS)
            POLLS[job] = 0
        return respond(201, {"id": job})
    if path == "/fail":
        return respond(500, {"error": "failing on purpose"})
    parts = path.strip("/").split("/")
    if method == "GET" and len(parts) >= 2 and parts[0] == "jobs" and parts[1].isdigit():
        job = int(parts[1])
        with LOCK:
            if job not in POLLS:
                return respond(404, {"error": "no such job"})
            POLLS[job] += 1
            polls = POLLS[job]
        never = len(parts) == 3 and parts[2] == "never"
        done = not never and polls > args.pending
        return respond(200, {"id": job, "status": "completed" if done else "pending"})
    return respond(404, {"error": "no such path"})


def handle(sock, args):
    set_nodelay(sock)
    reader = RequestReader(sock)
    while (head := reader.next_request()) is not None:
        method, path = head.split(b"\r\n", 1)[0].decode().split(" ")[:2]
        sock.sendall(answer(method, path, args))


def add_arguments(parser):
    parser.add_argument("--pending", type=int, default=2,
                        help="polls of a job that answer pending before it completes")


if __name__ == "__main__":
    serve(parse_args(__doc__, add_arguments), handle)
