#!/usr/bin/env python3
"""A keep-alive target for pipelining faults. Reads requests as they come (pipelined ones too)
and answers each in order; --close-after K: the Kth answer on a connection says
"Connection: close" and the connection ends without reading what follows (as nginx after
keepalive_requests), after --close-delay-ms D (default 0) of waiting, so a client that sends on
a schedule has pipelined requests behind the close; --reset-after K: K - 1 answers, then a reset (RST) once the Kth request
is read, with the requests behind it unanswered; --batch K: answers only once K requests
wait, all K in one write, so a client that never has K in flight gets no answer."""

import socket
import struct
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from target_common import RequestReader, close_gracefully, ok_response, parse_args, serve


def add_arguments(parser):
    parser.add_argument("--close-after", type=int, default=0)
    parser.add_argument("--close-delay-ms", type=float, default=0)
    parser.add_argument("--reset-after", type=int, default=0)
    parser.add_argument("--batch", type=int, default=1)


def handle(sock, args):
    if args.batch > 1:
        answer_in_batches(sock, args.batch)
        return
    reader = RequestReader(sock)
    answered = 0
    while reader.next_request() is not None:
        answered += 1
        if args.reset_after and answered == args.reset_after:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            return
        last = args.close_after and answered == args.close_after
        if last and args.close_delay_ms:
            time.sleep(args.close_delay_ms / 1000)
        sock.sendall(ok_response(close=bool(last)))
        if last:
            close_gracefully(sock)
            return


def answer_in_batches(sock, batch):
    reader = RequestReader(sock)
    while all(reader.next_request() is not None for _ in range(batch)):
        sock.sendall(ok_response() * batch)


if __name__ == "__main__":
    serve(parse_args(__doc__, add_arguments), handle)
