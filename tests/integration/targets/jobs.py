#!/usr/bin/env python3
"""A job queue for polling journeys (keep-alive, JSON). POST /jobs creates a
job and answers {"id": N}; GET /jobs/N answers {"status": "pending"} the first
--pending times, then {"status": "completed"}. GET /jobs/N/never stays
"pending" forever; GET /jobs/N/close answers as GET /jobs/N with Connection: close, then
closes; GET /fail answers 500; GET /drop closes the connection without an answer. An unknown job
id is a 404."""

import itertools
import json
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from target_common import RequestReader, close_gracefully, parse_args, serve, set_nodelay

LOCK = threading.Lock()
IDS = itertools.count(1)
POLLS = {}  # job id -> polls so far


def respond(status, document, close=False):
    body = json.dumps(document).encode()
    reason = {200: b"OK", 201: b"Created", 404: b"Not Found", 500: b"Internal Server Error"}
    connection = b"Connection: close\r\n" if close else b""
    return (b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
            % (status, reason[status], len(body), connection) + body)


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
        close = len(parts) == 3 and parts[2] == "close"
        done = not never and polls > args.pending
        return respond(200, {"id": job, "status": "completed" if done else "pending"}, close)
    return respond(404, {"error": "no such path"})


def handle(sock, args):
    set_nodelay(sock)
    reader = RequestReader(sock)
    while (head := reader.next_request()) is not None:
        method, path = head.split(b"\r\n", 1)[0].decode().split(" ")[:2]
        if path == "/drop":
            return  # closed without an answer
        response = answer(method, path, args)
        sock.sendall(response)
        if b"Connection: close" in response:
            close_gracefully(sock)
            return


def add_arguments(parser):
    parser.add_argument("--pending", type=int, default=2,
                        help="polls of a job that answer pending before it completes")


if __name__ == "__main__":
    serve(parse_args(__doc__, add_arguments), handle)
