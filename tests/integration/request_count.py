#!/usr/bin/env python3
"""--requests N and per-phase iterations: an open-loop URL run with two workers sends exactly N
requests (scheduled = sent + unsent = N, and sent = completed + failed + unfinished), its
measured duration is N / rate from the plan; a profile with a warm-up of 30 requests and a main
phase of iterations = 70 measures exactly 70. Closed loop (-c 4 -t 2 --requests 157) sends
exactly 157 and ends on the count; so does a count smaller than the workers."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

PROFILE = """
[target]
url = "{url}"
connections = 4

[[requests]]
name = "home"
path = "/"

[[phases]]
name = "warm"
shape = "constant"
rate = 60
iterations = 30
warmup = true

[[phases]]
name = "main"
shape = "constant"
rate = 100
iterations = 70
"""


def check_count(t, outcome, n, what):
    harness.exits_with(t, outcome, 0, what)
    result = outcome.json or {}
    requests = result.get("requests", {})
    t.check(requests.get("scheduled") == n, f"{what}: scheduled {requests.get('scheduled')} == {n}")
    t.check(requests.get("sent", 0) + requests.get("unsent", 0) == n,
            f"{what}: sent {requests.get('sent')} + unsent {requests.get('unsent')} == {n}")
    if result:
        harness.check_accounting(t, result)
    return result


def body(t):
    server = t.serve("--threads", "1")
    outcome = t.run(["run", server.url(), "-r", "200", "--requests", "151", "-t", "2", "-c", "4"],
                    timeout_s=20)
    result = check_count(t, outcome, 151, "URL run -r 200 --requests 151 -t 2")
    duration = result.get("config", {}).get("duration_s")
    t.check(duration == 0.755, f"the plan lasts 151 / 200 = 0.755 s ({duration})")
    t.check(result.get("workers", {}).get("count") == 2, "two workers shared the count")

    profile = t.path("count.toml")
    with open(profile, "w") as f:
        f.write(PROFILE.format(url=server.url("").rstrip("/")))
    outcome = t.run(["run", profile, "-t", "2"], timeout_s=20)
    check_count(t, outcome, 70, "a profile of a 30-request warm-up and 70 measured")

    outcome = t.run(["run", profile, "-t", "2", "--requests", "40"], timeout_s=20)
    check_count(t, outcome, 40, "--requests 40 replaces the main phase's count")

    # Closed loop: 157 over 2 workers (79 + 78), 4 users; the run ends on the count, long
    # before its 10-minute limit, and its duration is up to the last send.
    outcome = t.run(["run", server.url(), "-c", "4", "-t", "2", "--requests", "157"],
                    timeout_s=20)
    result = check_count(t, outcome, 157, "closed loop -c 4 -t 2 --requests 157")
    requests = result.get("requests", {})
    t.check(requests.get("sent") == 157 and requests.get("unsent") == 0,
            f"closed loop: exactly 157 sent ({requests.get('sent')})")
    t.check(0 < result.get("duration_s", 0) < 600, "the duration is the run's, not the limit")
    outcome = t.run(["run", server.url(), "-c", "3", "-t", "3", "--requests", "2"], timeout_s=20)
    check_count(t, outcome, 2, "closed loop: fewer requests than workers")


harness.main(__doc__, body)
