#!/usr/bin/env python3
"""End-to-end checks of `barrage serve` (stdlib only).

Usage: serve_check.py BARRAGE_BINARY
Starts the server on a free port, talks HTTP/1.1 to it over raw sockets, and
stops it with SIGTERM. Exits 0 when every check passes, 1 otherwise.
"""

import json
import signal
import socket
import subprocess
import sys
import time

DEFAULT_BODY = b"hello from barrage serve\n"
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print(f"FAIL: {what}", flush=True)


class Server:
    def __init__(self, binary, *args):
        self.process = subprocess.Popen([binary, "serve", "--port", "0", *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.process.stdout.readline().decode()
        if not line.startswith("listening on http://127.0.0.1:"):
            self.process.kill()
            sys.exit(f"serve did not start: {line!r} {self.process.stderr.read()!r}")
        self.port = int(line.rsplit(":", 1)[1])

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # sends stay separate
        return Connection(sock)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return None


class Connection:
    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def response(self, head_request=False):
        """Returns (status, headers dict, body), or None at EOF."""
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                return None
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = 0 if head_request else int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            if not self._fill():
                return None
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def at_eof(self):
        try:
            return not self.buffer and not self._fill()
        except ConnectionResetError:
            return False


def request(path="/", method="GET", extra=b""):
    return method.encode() + b" " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n" + extra + b"\r\n"


def check_basics(server):
    conn = server.connect()
    conn.send(request())
    status, headers, body = conn.response()
    check(status == 200 and body == DEFAULT_BODY, "GET / answers 200 with the default body")
    check(headers.get("connection") is None, "keep-alive responses carry no Connection header")
    conn.send(request("/", "HEAD"))
    status, headers, body = conn.response(head_request=True)
    check(status == 200 and headers.get("content-length") == str(len(DEFAULT_BODY)),
          "HEAD gets the GET headers")
    conn.send(request("/status/503") + request("/status/204") + request("/status/abc"))
    statuses = [conn.response()[0] for _ in range(3)]
    check(statuses == [503, 204, 400], f"/status/NNN answers NNN in order, got {statuses}")
    conn.send(request("/close"))
    status, headers, _ = conn.response()
    check(status == 200 and headers.get("connection") == "close", "/close says Connection: close")
    check(conn.at_eof(), "/close closes the connection after answering")


def check_pipelining_and_bodies(server):
    conn = server.connect()
    conn.send(request() * 500)
    answered = [conn.response() for _ in range(500)]
    check(all(r is not None and r[0] == 200 for r in answered), "500 pipelined requests answered")
    conn.send(request("/", "POST", b"Content-Length: 100000\r\n"))
    for _ in range(10):
        conn.send(b"x" * 10_000)
    conn.send(request("/status/201"))
    statuses = [conn.response()[0], conn.response()[0]]
    check(statuses == [200, 201], f"a request body is read and dropped, got {statuses}")
    conn.send(b"GET / HTTP/1.1\r\n")
    conn.send(b"\r\n")
    check(conn.response()[0] == 200, "a request split across sends is answered")


def check_json_routes(server):
    # The example profiles log in at /login and check a number at /json.
    conn = server.connect()
    conn.send(request("/login", "POST", b"Content-Length: 17\r\n") + b'{"user": "alice"}')
    status, headers, body = conn.response()
    check(status == 200 and headers.get("content-type") == "application/json",
          "POST /login answers 200 with JSON")
    check(isinstance(json.loads(body).get("token"), str), f"/login hands out a token ({body!r})")
    conn.send(request("/json?id=7"))
    status, headers, body = conn.response()
    document = json.loads(body)
    check(status == 200 and headers.get("content-type") == "application/json",
          "GET /json answers 200 with JSON")
    check(document["prediction"]["score"] == 42.5 and document["ok"] is True,
          f"/json has a numeric field to check ({body!r})")
    conn.send(request())
    check(conn.response()[2] == DEFAULT_BODY, "the default route is unchanged after JSON routes")


def check_rejections(server):
    conn = server.connect()
    conn.send(b"\x16\x03\x01\x00\xa5not http")
    status, headers, _ = conn.response()
    check(status == 400 and headers.get("connection") == "close", "garbage gets 400 and close")
    check(conn.at_eof(), "garbage: the connection closes")
    conn = server.connect()
    conn.send(b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
    status, _, _ = conn.response()
    check(status == 431, "a head over 16 KiB gets 431")
    check(conn.at_eof(), "431: the connection closes cleanly (FIN, not RST)")


def check_delay_and_body_size(binary):
    server = Server(binary, "--delay", "50ms", "--body-size", "100000", "--threads", "2")
    conn = server.connect()
    started = time.monotonic()
    conn.send(request() * 3)
    bodies = [conn.response()[2] for _ in range(3)]
    elapsed = time.monotonic() - started
    check(all(body == b"x" * 100_000 for body in bodies), "--body-size sends that many bytes")
    check(elapsed >= 0.05, f"--delay holds responses at least 50 ms (took {elapsed:.3f} s)")
    check(server.stop() == 0, "SIGTERM stops the server with exit code 0")


def check_port_taken(binary, server):
    # A second server on a taken port must refuse, not share it through SO_REUSEPORT.
    done = subprocess.run([binary, "serve", "--port", str(server.port)], capture_output=True,
                          timeout=10)
    check(done.returncode == 3, f"serve on a taken port exits 3 (got {done.returncode})")
    check(b"Address already in use" in done.stderr, f"and says why ({done.stderr!r})")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    server = Server(binary, "--threads", "2")
    try:
        check_basics(server)
        check_pipelining_and_bodies(server)
        check_json_routes(server)
        check_rejections(server)
        check_port_taken(binary, server)
    finally:
        check(server.stop() == 0, "SIGTERM stops the server with exit code 0")
    check_delay_and_body_size(binary)
    print("serve_check:", "FAILED" if failures else "all checks passed", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
