#!/usr/bin/env python3
"""--history appends one JSON line per run (time, label, target, key metrics); barrage trend
prints every recorded run with the change from the previous one. A run watching a leaking
process records its growth and leak_suspected (null in runs that watch nothing), and the trend
then shows them."""

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

    watched_steps(t, history)


def watched_steps(t, history):
    leaky = t.serve("--threads", "1", "--leak-per-request", "64k")
    # 200 req/s x 64 KiB is 750 MB/min of leak: far above the 10 MB/min limit.
    outcome = t.run(["run", leaky.url(), "-c", "2", "-t", "1", "-r", "200", "-d", "2s",
                     "--warmup", "500ms", "--interval", "250ms", "--watch-pid",
                     str(leaky.process.pid), "--history", history, "--label", "leaky"])
    harness.exits_with(t, outcome, 0, "a watched run recorded in the history")
    with open(history) as f:
        entries = [json.loads(line) for line in f.read().splitlines()]
    t.require(len(entries) == 3, f"a third line ({len(entries)})")
    plain, watched = entries[0], entries[2]
    t.check(all(plain[key] is None for key in ("rss_mb_per_min", "fds_per_min",
                                                "threads_per_min", "leak_suspected")),
            f"a run that watched nothing has null growth ({plain})")
    growth = watched["rss_mb_per_min"]
    t.check(isinstance(growth, (int, float)) and growth > 50,
            f"the watched run records its RSS growth ({growth} MB/min)")
    t.check(isinstance(watched["fds_per_min"], (int, float))
            and isinstance(watched["threads_per_min"], (int, float)),
            f"and its fd and thread growth ({watched['fds_per_min']}, "
            f"{watched['threads_per_min']})")
    t.check(watched["leak_suspected"] is True, "and that a leak is suspected")
    json_growth = outcome.json["watch"]["targets"][0]["growth"]["rss_mb_per_min"]
    t.check(isinstance(growth, (int, float)) and abs(growth - json_growth) < 0.01,
            f"the same growth as the run's JSON ({json_growth})")

    outcome = t.run(["trend", history], json_out=False, quiet=False)
    harness.exits_with(t, outcome, 0, "barrage trend with a watched run")
    lines = outcome.stdout.splitlines()
    t.check(lines and "rss/min" in lines[0] and "leak" in lines[0],
            f"the trend has growth columns ({lines[:1]})")
    t.check(len(lines) >= 4 and " LEAK " in lines[3] and "MB" in lines[3]
            and lines[1].rstrip().endswith("-"),
            f"the watched run shows its growth and LEAK, the others '-' ({lines[1:4]})")
    # Its largest RSS and CPU share close the row (rss max, cpu); the unwatched runs have '-'.
    cells = lines[3].split()
    t.check(len(cells) >= 2 and cells[-2].endswith("MB") and cells[-1].endswith("%"),
            f"the watched run shows its largest RSS and CPU share ({lines[3]!r})")


harness.main(__doc__, body)
