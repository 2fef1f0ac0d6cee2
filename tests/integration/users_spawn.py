#!/usr/bin/env python3
"""Virtual users arrive and leave as planned (Locust's semantics), watched from the target's
side: a users phase opens each user's connection when the user spawns, at the spawn rate, not
all at the start; a later phase with fewer users closes the others' connections while the rest
go on; a user's first task follows its login without think time, and think time follows each
task."""

import json
import os
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

PROFILE = """
[target]
url = "{url}"

[[requests]]
name = "login"
path = "/login"
weight = 0

[[requests]]
name = "task"
path = "/task"

[session]
setup = ["login"]

[[phases]]
name = "grow"
shape = "users"
users = 6
spawn_rate = 4
think = "300ms"
duration = "2s"

[[phases]]
name = "shrink"
shape = "users"
users = 2
think = "300ms"
duration = "1s"
"""


def read_log(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def open_count_at(events, t):
    opened = sum(1 for e in events if e["event"] == "open" and e["t"] <= t)
    closed = sum(1 for e in events if e["event"] == "close" and e["t"] <= t)
    return opened - closed


def body(t):
    log_path = t.path("connections.jsonl")
    target = t.target("conn_log", "--log", log_path)
    profile = t.path("users.toml")
    with open(profile, "w") as f:
        f.write(PROFILE.format(url=target.url("").rstrip("/")))
    outcome = t.run(["run", profile, "-t", "2"])
    harness.exits_with(t, outcome, 0, "the users profile runs")
    t.require(outcome.json is not None and os.path.exists(log_path), "results and a log")
    harness.check_accounting(t, outcome.json)
    t.check(outcome.json["errors"]["total"] == 0, f"no errors ({outcome.json['errors']})")
    opened_count = outcome.json["connections"]["opened"]
    t.check(opened_count == 6, f"one connection per user, 6 in all ({opened_count})")
    target = outcome.json["connections"]["target"]
    t.check(target == 6, f"connections.target is the most users of a phase ({target})")
    warnings = outcome.json.get("warnings", [])
    t.check(not any("could be established" in w for w in warnings),
            f"no warning of connections that could not be opened ({warnings})")

    events = read_log(log_path)
    opens = sorted(e["t"] for e in events if e["event"] == "open")
    t.require(opens, "the target saw connections")
    t.check(len(opens) == 6, f"the target saw 6 connections ({len(opens)})")
    first = opens[0]
    series = [open_count_at(events, first + step / 10) for step in range(32)]
    print(f"open connections every 100 ms from the first: {series}", flush=True)

    # Spawn rate 4/s: users 0..5 arrive over 1.25 s; all at once would be within milliseconds.
    t.check(opens[-1] - first >= 0.8,
            f"connections open as users spawn, over ~1.25 s ({opens[-1] - first:.3f} s)")
    t.check(open_count_at(events, first + 0.1) <= 2,
            f"0.1 s in, at most 2 users have spawned ({open_count_at(events, first + 0.1)})")
    t.check(max(series) == 6, f"all 6 users were there together ({max(series)})")

    # The second phase has 2 users: 4 connections close while the other 2 go on sending.
    last_request = max(e["t"] for e in events if e["event"] == "request")
    closed_early = sum(1 for e in events if e["event"] == "close" and e["t"] < last_request)
    t.check(closed_early >= 4,
            f"4 users leave when the phase shrinks to 2, before the run ends ({closed_early})")

    # Per connection: login, then its first task at once; think time after each task.
    by_conn = {}
    for e in events:
        if e["event"] == "request":
            by_conn.setdefault(e["conn"], []).append((e["t"], e["path"]))
    task_gaps = []
    for conn, requests in sorted(by_conn.items()):
        paths = [p for _, p in requests]
        t.check(paths[0] == "/login" and "/login" not in paths[1:],
                f"connection {conn} logs in once, first ({paths[:3]})")
        if len(requests) < 2:
            continue
        gap = requests[1][0] - requests[0][0]
        t.check(gap < 0.2, f"connection {conn}: no think time between login and the first task "
                            f"({gap * 1000:.0f} ms; think is 300 ms)")
        task_gaps += [b[0] - a[0] for a, b in zip(requests[1:], requests[2:])]
    t.require(task_gaps, "users sent several tasks")
    median = statistics.median(task_gaps)
    t.check(median >= 0.2, f"think time follows each task ({median * 1000:.0f} ms median gap)")


harness.main(__doc__, body)
