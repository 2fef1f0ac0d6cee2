#!/usr/bin/env python3
"""Answers 200 (keep-alive) as soon as a request's head has arrived, before reading its body.
--then never: reads nothing more, ever; the body fills the socket buffers and stays there.
--then discard: reads and drops the body, then serves the next request (nginx's `return 200`).
With --cert and --key it speaks TLS (the same, over an encrypted stream)."""

import socket
import ssl
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from target_common import content_length, ok_response, parse_args, serve, set_nodelay


def read_head(sock, buffer):
    """Returns (head, rest) once a whole head is in, or (None, b"") when the client closed."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    return head, rest


def drop_body(sock, rest, length):
    """Reads and drops `length` body bytes, `rest` of them already read; returns what follows."""
    while len(rest) < length:
        chunk = sock.recv(min(65536, length - len(rest)) or 1)
        if not chunk:
            return None
        rest += chunk
    return rest[length:]


def handle(sock, args):
    set_nodelay(sock)
    if args.then == "never":
        # What is never read stays in the kernel while the connection lives; a small buffer
        # keeps many such connections from pushing the machine's TCP memory into pressure.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        sock = context.wrap_socket(sock, server_side=True)
    buffer = b""
    while True:
        head, rest = read_head(sock, buffer)
        if head is None:
            return
        sock.sendall(ok_response())
        if args.then == "never":
            time.sleep(args.lifetime)  # holds the connection open, reads nothing
            return
        buffer = drop_body(sock, rest, content_length(head))
        if buffer is None:
            return


def add_arguments(parser):
    parser.add_argument("--then", choices=["never", "discard"], default="never",
                        help="after answering: never read again, or drop the body and go on")
    parser.add_argument("--cert", help="TLS: the server certificate (PEM)")
    parser.add_argument("--key", help="TLS: its private key (PEM)")


if __name__ == "__main__":
    serve(parse_args(__doc__, add_arguments), handle)
