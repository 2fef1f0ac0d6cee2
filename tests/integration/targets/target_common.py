"""Shared plumbing for the misbehaving test targets (stdlib only).

Each target binds 127.0.0.1 on --port (0 = any free port), prints
"listening on http://127.0.0.1:PORT" (flushed) and serves every connection on
its own thread until killed or until --lifetime seconds pass, so a forgotten
target never runs forever.
"""

import argparse
import socket
import socketserver
import sys
import threading
import time

OK_BODY = b"hello from a barrage test target\n"


def parse_args(description, add_arguments=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--lifetime", type=float, default=60.0,
                        help="exit after this many seconds (default 60)")
    if add_arguments:
        add_arguments(parser)
    return parser.parse_args()


class RequestReader:
    """Reads whole requests (head + Content-Length body) off a socket, keeping
    bytes that belong to the next pipelined request."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def next_request(self):
        """Returns the request head (bytes), or None when the client closed."""
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                return None
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        body_bytes = content_length(head)
        while len(self.buffer) < body_bytes:
            if not self._fill():
                return None
        self.buffer = self.buffer[body_bytes:]
        return head

    def _fill(self):
        try:
            chunk = self.sock.recv(65536)
        except OSError:
            return False
        self.buffer += chunk
        return bool(chunk)


def content_length(head):
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip() or 0)
    return 0


def ok_response(body=OK_BODY, close=False):
    connection = b"Connection: close\r\n" if close else b""
    return (b"HTTP/1.1 200 OK\r\nContent-Length: " + str(len(body)).encode() +
            b"\r\nContent-Type: text/plain\r\n" + connection + b"\r\n" + body)


def serve(args, handle_connection):
    """Runs handle_connection(sock, args) for each connection, one thread each."""

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            try:
                handle_connection(self.request, args)
            except OSError:
                pass  # the client went away: not this target's business

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 1024

    server = Server((args.host, args.port), Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"listening on http://{args.host}:{port}", flush=True)
    try:
        time.sleep(args.lifetime)
    except KeyboardInterrupt:
        pass
    sys.exit(0)  # daemon threads die with the process


def close_gracefully(sock, drain_s=1.0):
    """FIN, then read until the client closes (bounded): closing with unread
    input would send RST and could destroy the answer in flight."""
    sock.shutdown(socket.SHUT_WR)
    sock.settimeout(drain_s)
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass
    sock.close()


def set_nodelay(sock):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
