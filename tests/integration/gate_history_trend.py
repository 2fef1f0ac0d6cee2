#!/usr/bin/env python3
"""--history appends one JSON line per run (time, label, target, key metrics); barrage trend
prints every recorded run with the change from the previous one."""

import json
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def body(t):
    server = t.serve("--threads", "1")
    history = t.path("history.jsonl")
    for label in ["v1", "v2 with space"]:
        outcome = t.run(["run", server.url(), "-c", "2", "-d", "1s", "--history", history,
                         "--label", label, "--threshold", "p99 < 10s"])
        harness.exits_with(t, outcome, 0, f"run {label!r}")
    with open(history) as f:
        lines = f.read().splitlines()
    t.require(len(lines) == 2, f"two runs, two lines ({len(lines)})")
    entries = [json.loads(line) for line in lines]
    first = entries[0]
    t.check(first["label"] == "v1" and entries[1]["label"] == "v2 with space",
            "each line carries its --label")
    t.check(first["target"] == server.url(), f"and the target ({first['target']})")
    t.check(first["time"].endswith("Z") and len(first["time"]) == 20,
            f"and the time in UTC ({first['time']})")
    t.check(first["requests"] > 0 and first["rps"] > 0 and first["p99_us"] > 0,
            "and the key metrics")
    t.check(first["thresholds"] == "pass", "and whether the gates passed")

    outcome = t.run(["trend", history], json_out=False, quiet=False)
    harness.exits_with(t, outcome, 0, "barrage trend")
    t.check("v1" in outcome.stdout and "v2 with space" in outcome.stdout and "2 runs" in outcome.stdout,
            f"the trend lists both runs ({outcome.stdout!r})")

    bad = t.path("bad.jsonl")
    with open(bad, "w") as f:
        f.write(lines[0] + "\nnot json\n")
    outcome = t.run(["trend", bad], json_out=False, quiet=False)
    harness.exits_with(t, outcome, 2, "a broken history file")
    t.check(":2:" in outcome.stderr, f"the error names the line ({outcome.stderr.strip()!r})")


harness.main(__doc__, body)
