#!/usr/bin/env python3
"""Where connections go, in curl's forms: --connect-to HOST:PORT:TO_HOST:TO_PORT and
--resolve HOST:PORT:ADDR send the URL's Host (and TLS SNI, verified against the certificate)
but connect to the address given, for every target of a profile's `urls`; --unix-socket PATH
connects to a Unix stream socket (plain HTTP and TLS), the URL still giving Host and path, and
a missing socket is a counted connect error that names the path. Bad forms exit 2 with the
expected form. Only loopback targets are used (names under .test never resolve)."""

import os
import socket
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness
import tls_pki

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
LOAD = ["-c", "2", "--requests", "6"]


class UnixRecorder(harness.RecordingServer):
    """harness.RecordingServer on a Unix stream socket at `path`."""

    def __init__(self, path, response):
        self.response = response
        self.requests = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(128)
        self.port = None
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()


def hosts_and_lines(recorder):
    hosts, lines = set(), set()
    for raw in list(recorder.requests):
        head = raw.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
        lines.add(head[0])
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "host":
                hosts.add(value.strip())
    return hosts, lines


def served(t, outcome, recorder, host, line, what):
    harness.exits_with(t, outcome, 0, what)
    t.require(outcome.json is not None, f"{what}: the --json file was written")
    harness.check_accounting(t, outcome.json)
    t.check(outcome.json["errors"]["total"] == 0, f"{what}: no errors")
    hosts, lines = hosts_and_lines(recorder)
    t.check(len(recorder.requests) >= 6, f"{what}: the target got the requests")
    t.check(hosts == {host}, f"{what}: Host is the URL's {host!r} ({hosts})")
    t.check(lines == {line}, f"{what}: request line {line!r} ({lines})")


def check_connect_to_and_resolve(t):
    recorder = t.recorder(RESPONSE)
    port = recorder.port
    try:
        outcome = t.run(["run", "http://api.example.test/v1", *LOAD, "--connect-to",
                         f"api.example.test:80:127.0.0.1:{port}"])
        served(t, outcome, recorder, "api.example.test", "GET /v1 HTTP/1.1", "--connect-to")
        t.check(outcome.json["target"]["address"] == f"127.0.0.1:{port}",
                f"target.address is where it connected ({outcome.json['target']['address']})")
        t.check(outcome.json["target"]["url"] == "http://api.example.test/v1",
                "target.url is the URL as written")
        recorder.requests.clear()
        outcome = t.run(["run", f"http://api.example.test:{port}/", *LOAD, "--connect-to",
                         "nomatch.test::127.0.0.9:1", "--connect-to", f"::[::1]:{port}",
                         "--resolve", f"api.example.test:{port}:127.0.0.1"])
        harness.exits_with(t, outcome, 2, "a --connect-to that matches no target")
        t.check("matches no target" in outcome.stderr, f"it says so ({outcome.stderr!r})")
        outcome = t.run(["run", f"http://api.example.test:{port}/", *LOAD, "--resolve",
                         f"api.example.test:{port}:127.0.0.1"])
        served(t, outcome, recorder, f"api.example.test:{port}", "GET / HTTP/1.1", "--resolve")
    finally:
        recorder.close()


PROFILE = """
[target]
urls = ["http://one.example.test:81", "http://two.example.test:82"]
connections = 4

[[requests]]
name = "home"
path = "/"

[[phases]]
shape = "constant"
rate = 100
duration = "300ms"
"""


def check_every_target_of_a_profile(t):
    first, second = t.recorder(RESPONSE), t.recorder(RESPONSE)
    profile = t.path("routes.toml")
    with open(profile, "w") as f:
        f.write(PROFILE)
    try:
        outcome = t.run(["run", profile, "--connect-to", f"one.example.test:81:127.0.0.1:"
                         f"{first.port}", "--connect-to", f":82:127.0.0.1:{second.port}"])
    finally:
        first.close()
        second.close()
    harness.exits_with(t, outcome, 0, "routes for a profile's two urls")
    for recorder, host in ((first, "one.example.test:81"), (second, "two.example.test:82")):
        hosts, _ = hosts_and_lines(recorder)
        t.check(recorder.requests and hosts == {host},
                f"the target routed to port {recorder.port} gets Host {host} ({hosts})")


def check_unix_socket(t):
    path = t.path("app.sock")
    recorder = UnixRecorder(path, RESPONSE)
    try:
        outcome = t.run(["run", "http://app.example.test/items?x=1", *LOAD, "--unix-socket",
                         path])
        served(t, outcome, recorder, "app.example.test", "GET /items?x=1 HTTP/1.1",
               "--unix-socket")
        t.check(outcome.json["target"]["address"] == f"unix:{path}",
                f"target.address names the socket ({outcome.json['target']['address']})")
    finally:
        recorder.close()
    missing = t.path("missing.sock")
    outcome = t.run(["run", "http://app.example.test/", "-c", "1", "-d", "2s",
                     "--connect-grace", "300ms", "--unix-socket", missing])
    harness.exits_with(t, outcome, 3, "a missing socket path")
    t.require(outcome.json is not None, "the --json file was written")
    t.check(outcome.json["errors"]["connect"] > 0, "connect errors are counted")
    detail = f"connect: No such file or directory (unix:{missing})"
    t.check(detail in outcome.json["error_details"],
            f"the error detail names the path ({outcome.json['error_details']})")
    harness.check_accounting(t, outcome.json)


def check_tls(t):
    pki = tls_pki.make_pki(t)
    socket_path = t.path("tls.sock")
    nginx = tls_pki.tls_nginx(t, pki, server_block=f"listen unix:{socket_path} ssl;")
    ca = ["--cacert", pki.path("ca.pem")]
    # The certificate is for localhost: verification passes only if SNI stays the URL's.
    for flags, what in ((["--connect-to", f"localhost:443:127.0.0.1:{nginx.port}"],
                         "https with --connect-to"),
                        (["--unix-socket", socket_path], "https over --unix-socket")):
        outcome = t.run(["run", "https://localhost/", *LOAD, *ca, *flags])
        harness.exits_with(t, outcome, 0, what)
        t.require(outcome.json is not None, f"{what}: the --json file was written")
        t.check(outcome.json["errors"]["total"] == 0 and
                outcome.json["requests"]["completed"] >= 6,
                f"{what}: verified handshakes, requests answered ({outcome.json['errors']})")
        t.check(outcome.json["status"]["codes"] == {"200": outcome.json["requests"]["completed"]},
                f"{what}: nginx answered 200")


def check_bad_forms(t):
    for flag, value, expected in (
            ("--connect-to", "h:80:x", "expected HOST:PORT:TO_HOST:TO_PORT"),
            ("--connect-to", "h:http:127.0.0.1:1", "bad port 'http'"),
            ("--resolve", "h:80", "expected HOST:PORT:ADDR"),
            ("--resolve", "h:80:localhost", "where an IP address goes"),
            ("--unix-socket", "/" + "x" * 120, "at most 107")):
        outcome = t.run(["run", "http://h/", flag, value], json_out=False)
        harness.exits_with(t, outcome, 2, f"{flag} {value[:20]}")
        t.check(expected in outcome.stderr, f"{flag} {value[:20]}: the message says "
                                            f"{expected!r} ({outcome.stderr.strip()!r})")


def body(t):
    check_bad_forms(t)
    check_connect_to_and_resolve(t)
    check_every_target_of_a_profile(t)
    check_unix_socket(t)
    check_tls(t)


if __name__ == "__main__":
    harness.main(__doc__, body)
