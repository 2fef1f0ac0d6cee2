#!/usr/bin/env python3
"""`[target] urls` with two targets: connections are spread round robin over both (each
receives requests and connections, about half each), every request carries its own target's
Host header, the JSON lists both targets in target.all, and the counts keep their identity. A
target that refuses leaves the other serving, and the error names the one that refused."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

PROFILE = """
[target]
urls = ["{first}", "{second}"]
connections = 4
threads = 2

[[requests]]
name = "home"
path = "/"

[[phases]]
shape = "constant"
rate = 200
duration = "1s"
"""


def hosts_of(recorder):
    hosts = set()
    for raw in list(recorder.requests):
        for line in raw.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "host":
                hosts.add(value.strip())
    return hosts


def body(t):
    response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    first, second = t.recorder(response), t.recorder(response)
    try:
        profile = t.path("targets.toml")
        with open(profile, "w") as f:
            f.write(PROFILE.format(first=first.url("").rstrip("/"),
                                   second=second.url("").rstrip("/")))
        outcome = t.run(["run", profile])
    finally:
        first.close()
        second.close()
    harness.exits_with(t, outcome, 0, "the two-target profile runs")
    t.require(outcome.json is not None, "the --json file was written")
    counts = [len(first.requests), len(second.requests)]
    total = outcome.json["requests"]["completed"]
    sent = outcome.json["requests"]["sent"]
    t.check(total <= sum(counts) <= sent, f"the two targets saw every request answered, none "
                                          f"unsent ({counts}, completed {total}, sent {sent})")
    t.check(min(counts) >= total // 4, f"both targets got a fair share ({counts})")
    for recorder in (first, second):
        t.check(hosts_of(recorder) == {f"127.0.0.1:{recorder.port}"},
                f"requests to port {recorder.port} carry its Host ({hosts_of(recorder)})")
    listed = [entry["address"] for entry in outcome.json["target"].get("all", [])]
    t.check(listed == [f"127.0.0.1:{first.port}", f"127.0.0.1:{second.port}"],
            f"target.all lists both ({listed})")
    harness.check_accounting(t, outcome.json)
    check_refused_target(t)


def check_refused_target(t):
    """A target that refuses: the other one still serves, and the error names the refuser."""
    response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    alive, closed = t.recorder(response), harness.free_port()
    try:
        profile = t.path("refused.toml")
        with open(profile, "w") as f:
            f.write(PROFILE.format(first=alive.url("").rstrip("/"),
                                   second=f"http://127.0.0.1:{closed}"))
        outcome = t.run(["run", profile, "--duration", "300ms"])
    finally:
        alive.close()
    t.require(outcome.json is not None, "the --json file was written")
    t.check(len(alive.requests) > 0, f"the live target still served ({len(alive.requests)})")
    details = outcome.json.get("error_details", [])
    t.check(any(f"127.0.0.1:{closed}" in detail for detail in details) and
            not any(f"127.0.0.1:{alive.port}" in detail for detail in details),
            f"the connect error names the refusing target, not the first ({details})")


if __name__ == "__main__":
    harness.main(__doc__, body)
