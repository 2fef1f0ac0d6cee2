#!/usr/bin/env python3
"""Open loop reaps responses in batches between arrivals; their times still come from the
kernel's receive timestamps, so the wait to be reaped never shows in service time or latency.

At 100 req/s with --timer-slack 10ms the worker sleeps up to 10 ms between wake-ups while
responses from the built-in target take well under a millisecond: timed when reaped, service
times would be milliseconds; timed on arrival they stay far below the slack."""

import platform
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def kernel_at_least(major, minor):
    parts = platform.release().split(".")
    try:
        return (int(parts[0]), int(parts[1].split("-")[0])) >= (major, minor)
    except (IndexError, ValueError):
        return False


def body(t):
    server = t.serve("--threads", "1")
    outcome = t.run(["run", server.url(), "-r", "100", "-d", "2s", "-c", "4", "-t", "1",
                     "--timer-slack", "10ms"])
    harness.exits_with(t, outcome, 0, "an open-loop run with a wide timer slack")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    completed = result["requests"]["completed"]
    t.check(completed >= 190, f"the run completed its ~200 requests ({completed})")
    timed = result["generator"]["responses_timed_on_arrival"]
    if not kernel_at_least(6, 0):
        t.check(timed == 0 or timed == completed,
                f"before Linux 6.0 (no multishot recvmsg) responses are timed when reaped ({timed})")
        return
    t.check(timed == completed,
            f"every response was timed by its kernel receive timestamp ({timed} of {completed})")
    service = result["service_time"]
    t.check(service["p50"] < 3000,
            f"service time p50 {service['p50']} us is far below the 10 ms the worker sleeps: "
            "the wait to be reaped is not in it")
    lag = result["schedule_lag"]
    t.check(lag["mean"] >= 1000,
            f"the slack itself is measured: schedule lag mean {lag['mean']} us")
    t.check(result["latency"]["p50"] <= lag["p99"] + service["p99"],
            "latency is schedule lag plus service time, nothing more")

    # Closed loop keeps reaping each response at once: nothing to batch, no timestamps needed.
    closed = t.run(["run", server.url(), "-d", "1s", "-c", "2", "-t", "1"])
    harness.exits_with(t, closed, 0, "a closed-loop run")
    t.require(closed.json is not None, "the closed-loop --json file was written")
    t.check(closed.json["generator"]["responses_timed_on_arrival"] == 0,
            "closed loop times responses when it reaps them")


harness.main(__doc__, body)
