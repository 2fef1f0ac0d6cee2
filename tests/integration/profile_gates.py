#!/usr/bin/env python3
"""A profile's per-name results drive gates and files: a failing JSON check shows per check and
per name, 'check_failure_rate' and 'NAME: p99' thresholds judge them (exit 1 when one fails),
and --csv-requests writes one row per request name."""

import csv
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
weight = 1
checks = [{{ status = 200 }}]

[[requests]]
name = "predict"
path = "/json"
weight = 1
checks = [{{ status = 200 }}, {{ json = "/prediction/score", between = [0, 10] }}]

[[phases]]
name = "main"
shape = "constant"
rate = 200
duration = "1s"
"""


def body(t):
    server = t.serve("--threads", "1")
    path = t.path("gates.toml")
    with open(path, "w") as f:
        f.write(PROFILE.format(url=server.url("").rstrip("/")))
    rows_path = t.path("requests.csv")
    outcome = t.run(["run", path, "-t", "1", "--csv-requests", rows_path,
                     "--threshold", "home: p99 < 10s", "--threshold", "home: error_rate < 1%",
                     "--threshold", "check_failure_rate < 1%"])
    harness.exits_with(t, outcome, 1, "a run whose check_failure_rate threshold fails")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    harness.check_accounting(t, result)
    predict = result["requests_by_name"]["predict"]
    home = result["requests_by_name"]["home"]
    t.check(predict["completed"] > 0 and predict["checks_failed"] == predict["completed"],
            f"every predict response fails its range check ({predict})")
    t.check(predict["checks"][1]["failed"] == predict["completed"] and
            predict["checks"][0]["failed"] == 0, f"failures are counted per check ({predict})")
    t.check(home["checks_failed"] == 0, f"home's checks pass ({home})")
    verdicts = {entry["expression"]: entry["pass"] for entry in result["thresholds"]}
    t.check(verdicts.get("home: p99 < 10s") is True, f"home's p99 gate passes ({verdicts})")
    t.check(verdicts.get("home: error_rate < 1%") is True, f"home's error gate passes ({verdicts})")
    t.check(verdicts.get("check_failure_rate < 1%") is False,
            f"the check failure gate fails ({verdicts})")
    with open(rows_path) as f:
        rows = list(csv.DictReader(f))
    t.check([row["name"] for row in rows] == ["home", "predict"], f"one row per name ({rows})")
    t.check(all(int(row["completed"]) > 0 for row in rows), "each row counts its responses")
    t.check(int(rows[1]["checks_failed"]) == predict["checks_failed"],
            "the CSV agrees with the JSON")

    outcome = t.run(["run", path, "-t", "1", "--threshold", "nosuch: p99 < 1s"])
    harness.exits_with(t, outcome, 2, "a threshold naming an unknown request")


harness.main(__doc__, body)
