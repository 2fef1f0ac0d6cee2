#!/usr/bin/env python3
"""`barrage serve`'s job endpoint, for polling journeys: POST /jobs?ready=D answers 201 with
{"id": ..., "status": "pending"}; GET /jobs/ID answers "pending" until the job is ready, then
"completed", from any connection and any server thread (the id holds the ready time, nothing is
stored). Bad ids are 404, bad waits 400, other methods 405, all with a JSON error. Then a profile
with a task "submit, then repeat poll until completed" runs against serve: every transaction
completes, none fails."""

import http.client
import json
import re
import socket
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

POLL_DEADLINE_S = 10.0  # a job of 300 ms that is not completed by then is a bug

PROFILE = """
[target]
url = "{url}"

[[requests]]
name = "submit"
method = "POST"
path = "/jobs?ready=200ms"
headers = {{ "Content-Type" = "application/json" }}
body = '{{"size": {{{{int 1 10}}}}}}'
capture = {{ job = {{ json = "/id" }} }}
checks = [{{ status = 201 }}, {{ json = "/status", equals = "pending" }}]

[[requests]]
name = "poll"
path = "/jobs/{{{{job}}}}"
checks = [{{ status = 200 }}]

[[tasks]]
name = "job"
requests = ["submit", {{ repeat = "poll", until = {{ json = "/status", equals = "completed" }}, max_tries = 200, interval = "20ms" }}]

[[phases]]
name = "main"
shape = "users"
users = 2
duration = "1.5s"
"""


def request(server, method, path, body=None):
    """One request on a fresh connection: (status, headers, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        conn.request(method, path, body=body)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def submit(t, server, query=""):
    status, headers, body = request(server, "POST", "/jobs" + query, body=b'{"size": 1}')
    t.require(status == 201, f"POST /jobs{query} answers 201 Created (got {status} {body!r})")
    t.check(headers["Content-Type"] == "application/json", "a job answer is application/json")
    document = json.loads(body)
    t.require(isinstance(document.get("id"), str) and document["id"],
              f"a submitted job has a string id ({document})")
    return document


def check_pending_then_completed(t, server):
    waiting = submit(t, server, "?ready=60s")
    t.check(waiting["status"] == "pending", f"a new job is pending ({waiting})")
    status, _, body = request(server, "GET", "/jobs/" + waiting["id"])
    t.check(status == 200 and json.loads(body) == {"id": waiting["id"], "status": "pending"},
            f"a job of 60 s is pending when polled ({status} {body!r})")

    job = submit(t, server, "?ready=300ms")
    states = []
    deadline = time.monotonic() + POLL_DEADLINE_S
    while time.monotonic() < deadline and (not states or states[-1] != "completed"):
        status, _, body = request(server, "GET", "/jobs/" + job["id"])
        t.require(status == 200, f"GET /jobs/ID answers 200 ({status} {body!r})")
        document = json.loads(body)
        t.check(document["id"] == job["id"], f"a poll names its job ({document})")
        states.append(document["status"])
        time.sleep(0.02)
    t.check(states and states[-1] == "completed", f"a job of 300 ms completes ({states[-5:]})")
    first_done = states.index("completed") if "completed" in states else len(states)
    t.check(all(s == "pending" for s in states[:first_done]),
            f"a job is pending, then completed, and stays so ({len(states)} polls)")
    status, _, body = request(server, "GET", "/jobs/" + job["id"])
    t.check(json.loads(body)["status"] == "completed", "a completed job stays completed")
    ids = {submit(t, server, "?ready=0ms")["id"] for _ in range(20)}
    t.check(len(ids) == 20, f"every job gets its own id ({len(ids)} of 20)")


def check_errors(t, server):
    job = submit(t, server)
    cases = [
        ("GET", "/jobs/not-a-job", 404, None),
        ("GET", "/jobs/", 404, None),
        ("GET", "/jobs/" + job["id"] + "/x", 404, None),
        ("GET", "/jobs/999999999999999-0-0", 404, None),  # ready further ahead than 60 s
        ("POST", "/jobs?ready=2h", 400, None),
        ("POST", "/jobs?ready=100", 400, None),
        ("GET", "/jobs", 405, "POST"),
        ("DELETE", "/jobs/" + job["id"], 405, "GET, HEAD"),
    ]
    for method, path, expected, allow in cases:
        status, headers, body = request(server, method, path)
        try:
            error = json.loads(body).get("error", "")
        except ValueError:
            error = ""
        t.check(status == expected and error and headers["Content-Type"] == "application/json",
                f"{method} {path} answers {expected} with a JSON error ({status} {body!r})")
        if allow is not None:
            t.check(headers["Allow"] == allow, f"{method} {path}: Allow: {allow} "
                                               f"({headers['Allow']!r})")
    status, headers, body = request(server, "HEAD", "/jobs/" + job["id"])
    t.check(status == 200 and body == b"" and int(headers["Content-Length"]) > 0,
            f"HEAD /jobs/ID answers 200 with no body ({status} {headers['Content-Length']})")
    status, _, body = request(server, "GET", "/")
    t.check(status == 200 and body == b"hello from barrage serve\n", "/ still answers the body")


def check_pipelined(t, server):
    """Three requests in one send (a submit with a body among them) answered in order."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    try:
        sock.sendall(b"POST /jobs?ready=0ms HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"
                     b"GET /jobs/0-0-0 HTTP/1.1\r\n\r\n"
                     b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    finally:
        sock.close()
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", data)
    t.check(statuses == [b"201", b"200", b"200"] and b'"status": "completed"' in data and
            data.endswith(b"hello from barrage serve\n"),
            f"pipelined job requests are answered in order ({data!r})")


def check_profile(t, server):
    path = t.path("jobs.toml")
    with open(path, "w") as f:
        f.write(PROFILE.format(url=server.url()))
    outcome = t.run(["run", path, "-t", "1", "--threshold", "job: failure_rate < 1%"])
    harness.exits_with(t, outcome, 0, "the polling journey passes its gate against serve")
    result = outcome.json
    t.require(result is not None and "job" in result.get("transactions_by_name", {}),
              "the JSON has the job transaction")
    harness.check_accounting(t, result)
    job = result["transactions_by_name"]["job"]
    t.check(job["completed"] > 0 and job["errors"] == 0 and job["responses_failed"] == 0 and
            job["succeeded"] == job["completed"],
            f"every polling transaction completes without a failure ({job})")
    t.check(job["sent"] == job["completed"] + job["errors"] + job["unfinished"],
            f"no transaction vanishes ({job})")
    t.check(job["repeat_tries_max"] >= 2,
            f"a poll saw the job pending before it completed ({job['repeat_tries_max']} tries)")
    t.check(result["requests_by_name"]["poll"]["completed"] >= 2 * job["completed"],
            f"each transaction polled at least twice ({result['requests_by_name']['poll']})")


def body(t):
    server = t.serve("--threads", "2")
    check_pending_then_completed(t, server)
    check_errors(t, server)
    check_pipelined(t, server)
    check_profile(t, server)


if __name__ == "__main__":
    harness.main(__doc__, body)
