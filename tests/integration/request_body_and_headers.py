#!/usr/bin/env python3
"""-X POST with -b or --body-file and repeated -H sends that method, those headers and that
body with a matching Content-Length; the runs complete against barrage serve and bytes.sent
grows by the body for every request."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

BODY = "hello"
HEADERS = ["X-Test: yes", "Content-Type: text/plain"]


def header_args():
    return [arg for header in HEADERS for arg in ("-H", header)]


def bytes_per_request(t, result, what):
    sent, bytes_sent = result["requests"]["sent"], result["bytes"]["sent"]
    t.require(sent > 0, f"{what}: requests were sent")
    t.check(bytes_sent % sent == 0,
            f"{what}: identical requests, so bytes.sent ({bytes_sent}) is a multiple of "
            f"sent ({sent})")
    return bytes_sent // sent


def check_wire(t):
    """What barrage writes, as a raw server receives it."""
    recorder = t.recorder(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    try:
        outcome = t.run(["run", recorder.url("/submit?x=1"), "-X", "POST", "-b", BODY,
                         *header_args(), "-c", "1", "-d", "300ms"])
    finally:
        recorder.close()
    harness.exits_with(t, outcome, 0, "POST to a recording server")
    t.require(len(recorder.requests) > 0, "the recording server saw requests")
    first = recorder.requests[0]
    head, _, body = first.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    names = {line.partition(":")[0].strip().lower(): line.partition(":")[2].strip()
             for line in lines[1:]}
    t.check(lines[0] == "POST /submit?x=1 HTTP/1.1", f"request line ({lines[0]!r})")
    t.check(names.get("x-test") == "yes", f"-H X-Test is sent ({names})")
    t.check(names.get("content-type") == "text/plain", f"-H Content-Type is sent ({names})")
    t.check(names.get("content-length") == str(len(BODY)), f"Content-Length matches ({names})")
    t.check("host" in names, f"a Host header is sent ({names})")
    t.check(body == BODY.encode(), f"the body is sent ({body!r})")
    t.check(all(request == first for request in recorder.requests),
            f"all {len(recorder.requests)} requests are identical")


def body(t):
    check_wire(t)
    server = t.serve("--threads", "1")
    get = t.run(["run", server.url(), *header_args(), "-c", "2", "-d", "1s"])
    post = t.run(["run", server.url(), "-X", "POST", "-b", BODY, *header_args(), "-c", "2",
                  "-d", "1s"])
    for outcome, what in ((get, "GET"), (post, "POST")):
        harness.exits_with(t, outcome, 0, what)
        t.require(outcome.json is not None, f"{what}: the --json file was written")
        t.check(outcome.json["requests"]["completed"] > 0, f"{what}: requests completed")
        t.check(outcome.json["errors"]["total"] == 0, f"{what}: no errors")
        harness.check_accounting(t, outcome.json)
    config = post.json["config"]
    t.check(config["method"] == "POST" and config["body_bytes"] == len(BODY),
            f"config records method and body size ({config['method']}, {config['body_bytes']})")
    t.check(config["headers"] == [header.split(": ") for header in HEADERS],
            f"config records the headers in order ({config['headers']})")
    growth = bytes_per_request(t, post.json, "POST") - bytes_per_request(t, get.json, "GET")
    t.check(growth >= len(BODY) + len("POST") - len("GET"),
            f"each POST is longer than a GET by at least the body and method ({growth} B)")

    body_file = t.path("body.bin")
    with open(body_file, "wb") as f:
        f.write(b"z" * 3000)
    from_file = t.run(["run", server.url(), "-X", "PUT", "--body-file", body_file, "-c", "1",
                       "-d", "300ms"])
    harness.exits_with(t, from_file, 0, "PUT with --body-file")
    t.require(from_file.json is not None, "the --json file was written")
    t.check(from_file.json["config"]["body_bytes"] == 3000, "--body-file's size is the body size")
    t.check(bytes_per_request(t, from_file.json, "PUT") > 3000, "each PUT carries the file")


harness.main(__doc__, body)
