#!/usr/bin/env python3
"""Ten connections over four workers (-c 10 -t 4) open exactly ten connections to a keep-alive
server, all open at once, and never reconnect; their connect times are reported even when the
run starts with a warm-up."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def body(t):
    server = t.serve("--threads", "1")
    outcome = t.run(["run", server.url(), "-c", "10", "-t", "4", "-d", "1s"])
    harness.exits_with(t, outcome, 0, "a clean run")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    connections = result["connections"]
    t.check(connections["target"] == 10, f"connections.target is 10 ({connections})")
    t.check(connections["opened"] == 10, f"exactly 10 connections were opened ({connections})")
    t.check(connections["established_max"] == 10,
            f"all 10 were open at the same time ({connections})")
    t.check(connections["reconnects"] == 0, f"keep-alive: no reconnects ({connections})")
    t.check(result["connect_time"]["count"] == 10,
            f"connect_time has one value per connection ({result['connect_time']['count']})")
    t.check(result["workers"]["count"] == 4 and result["config"]["threads"] == 4,
            f"4 workers ran ({result['workers']})")
    t.check(len(result["workers"]["cpus"]) == 4, "one CPU entry per worker")
    t.check(result["requests"]["completed"] > 0, "requests completed")
    harness.check_accounting(t, result)
    t.check(result["errors"]["total"] == 0, f"no errors ({result['errors']})")

    # Connections opened before a warm-up serve the measured run: their connect times count.
    outcome = t.run(["run", server.url(), "-c", "6", "-t", "2", "-d", "1s", "--warmup", "1s"])
    harness.exits_with(t, outcome, 0, "a run with a warm-up")
    count = outcome.json["connect_time"]["count"]
    t.check(count == 6, f"connect_time keeps the 6 opening connects past the warm-up ({count})")
    opened = outcome.json["connections"]["opened"]
    t.check(opened == 6, f"connections.opened counts them too, as connect_time does ({opened})")


harness.main(__doc__, body)
