#!/usr/bin/env python3
"""--threshold gates end to end against barrage serve: exit 0 when every threshold passes, 1 when
one fails (with a table in the summary and a "thresholds" array in the JSON), 2 before any
traffic for an expression that does not parse or names a request the run does not send."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def body(t):
    server = t.serve("--threads", "1")
    base = ["run", server.url(), "-c", "2", "-d", "1s"]

    outcome = t.run(base + ["--threshold", "p99 < 10s", "--threshold", "error_rate < 1%",
                            "--threshold", "rps >= 1", "--threshold", "schedule_lag_p99 < 5s"],
                    quiet=False)
    harness.exits_with(t, outcome, 0, "every threshold passes")
    t.check("Thresholds" in outcome.stdout and "pass" in outcome.stdout,
            "the summary shows the threshold table")
    gates = outcome.json.get("thresholds") if outcome.json else None
    t.require(isinstance(gates, list) and len(gates) == 4, f"the JSON has 4 thresholds ({gates})")
    first = gates[0]
    t.check(first["expression"] == "p99 < 10s" and first["metric"] == "p99"
            and first["operator"] == "<" and first["limit"] == 10_000_000
            and first["unit"] == "us" and first["pass"] is True,
            f"the JSON records expression, metric, operator, limit and pass ({first})")
    t.check(first["value"] == outcome.json["latency"]["p99"],
            "the threshold's value is the run's p99")
    t.check(gates[1]["unit"] == "ratio" and gates[1]["limit"] == 0.01, "1% is a 0.01 ratio")

    outcome = t.run(base + ["--threshold", "p99 < 10s", "--threshold", "rps >= 100000000"],
                    quiet=False)
    harness.exits_with(t, outcome, 1, "an impossible throughput threshold")
    t.check("FAIL" in outcome.stdout and "FAILED: 1 of 2" in outcome.stdout,
            "the summary says which threshold failed")
    if outcome.json:
        t.check([g["pass"] for g in outcome.json["thresholds"]] == [True, False],
                "the JSON marks the failing threshold")

    outcome = t.run(base + ["--threshold", "p99 < 1us"])
    harness.exits_with(t, outcome, 1, "a latency below anything possible")

    no_json = t.path("never.json")
    for expression, expected in [("p99 < 200", "needs a time unit"),
                                 ("p77.7.7 < 1s", "unknown metric"),
                                 ("error_rate < 1", "not a percentage"),
                                 ("p99 ~ 1s", "expected 'METRIC OP LIMIT'"),
                                 ("login: p95 < 300ms", "per-name results arrive with profiles")]:
        outcome = t.run(base + ["--threshold", expression, "--json", no_json])
        harness.exits_with(t, outcome, 2, f"threshold {expression!r}")
        t.check(expected in outcome.stderr and expression in outcome.stderr,
                f"the error names the expression and says {expected!r} ({outcome.stderr.strip()!r})")
        t.check(outcome.elapsed_s < 0.9, f"it fails before any traffic ({outcome.elapsed_s:.2f}s)")
    import os
    t.check(not os.path.exists(no_json), "no result file is written for a usage error")

    outcome = t.run(base + ["--hlog", "/nonexistent-dir/x.hlog"])
    harness.exits_with(t, outcome, 2, "an unwritable --hlog path")
    t.check("--hlog file" in outcome.stderr, f"the error names --hlog ({outcome.stderr.strip()!r})")
    t.check(outcome.elapsed_s < 0.9, "it fails before any traffic")

    outcome = t.run(["run", "http://127.0.0.1:1/", "-c", "1", "-d", "1s",
                     "--threshold", "p99 < 1us"])
    harness.exits_with(t, outcome, 3, "a run that completed nothing (3 wins over 1)")


harness.main(__doc__, body)
