#!/usr/bin/env python3
"""When a target holds every 200th response for 300 ms, an open-loop run counts the wait of
the requests queued behind each stall: corrected latency's p99 reaches the stall while the
median service time stays low, requests are marked late, and latency's p99 exceeds service
time's p99 (coordinated omission corrected)."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

STALL_MS = 300


def body(t):
    # Two workers with one connection each, on any machine: a stall holds one worker's
    # connection, and the requests of that worker's shard queue behind it.
    target = t.target("stall", "--stall-every", "200", "--stall-ms", str(STALL_MS))
    outcome = t.run(["run", target.url(), "-c", "2", "-t", "2", "-r", "500", "-d", "2s"])
    harness.exits_with(t, outcome, 0, "a run against a stalling target")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    requests = result["requests"]
    latency, service = result["latency"], result["service_time"]
    t.check(requests["completed"] > 0, f"requests completed ({requests})")
    harness.check_accounting(t, result)
    t.check(result["errors"]["total"] == 0, f"no errors ({result['errors']})")
    t.check(latency["p99"] >= 250_000,
            f"corrected latency p99 reaches the {STALL_MS} ms stall (p99 {latency['p99']} us)")
    t.check(latency["max"] >= STALL_MS * 1000 * 0.95,
            f"latency max covers a whole stall (max {latency['max']} us)")
    t.check(service["p50"] < 50_000,
            f"service time's median stays far below the stall (p50 {service['p50']} us)")
    t.check(latency["p99"] > service["p99"],
            f"latency p99 ({latency['p99']} us) exceeds service time p99 ({service['p99']} us)")
    t.check(requests["late"] > 0, f"requests queued behind a stall are late ({requests})")
    t.check(result["schedule_lag"]["max"] >= 100_000,
            f"schedule lag shows the queueing (max {result['schedule_lag']['max']} us)")


harness.main(__doc__, body)
