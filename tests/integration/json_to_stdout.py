#!/usr/bin/env python3
"""--json - makes stdout carry only the JSON document (the summary moves to stderr, -q drops it),
so it pipes straight into a JSON reader; --csv - does the same with the CSV; both at once is a
usage error."""

import json
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def body(t):
    server = t.serve("--threads", "1")
    outcome = t.run(["run", server.url(), "-c", "2", "-d", "1s", "--json", "-"], quiet=False)
    harness.exits_with(t, outcome, 0, "a clean run")
    try:
        result = json.loads(outcome.stdout)
    except ValueError as error:
        t.require(False, f"stdout is exactly one JSON document ({error}): {outcome.stdout[:300]!r}")
    t.check(result.get("tool") == "barrage", "the JSON on stdout is barrage's result")
    t.check(result["requests"]["completed"] > 0, "it carries the run's counts")
    harness.check_accounting(t, result)
    t.check("Requests" in outcome.stderr, "the summary went to stderr")

    outcome = t.run(["run", server.url(), "-c", "2", "-d", "1s", "-q", "--json", "-"])
    harness.exits_with(t, outcome, 0, "a quiet run")
    t.check(outcome.stderr.strip() == "",
            f"-q with --json - prints nothing else ({outcome.stderr[:200]!r})")
    t.check(json.loads(outcome.stdout).get("tool") == "barrage", "the JSON is still on stdout")

    outcome = t.run(["run", server.url(), "-c", "2", "-d", "1s", "--csv", "-"], json_out=False)
    harness.exits_with(t, outcome, 0, "a clean run with --csv -")
    lines = outcome.stdout.rstrip("\n").split("\n")
    t.check(lines[0] == harness.CSV_HEADER, f"stdout starts with the CSV header ({lines[:1]})")
    rows = lines[1:]
    t.check(len(rows) == 1, f"1 s at the default 1 s interval: one CSV row ({rows})")
    t.check(all(len(row.split(",")) == 10 for row in rows), "each CSV row has 10 fields")

    outcome = t.run(["run", server.url(), "-d", "1s", "--json", "-", "--csv", "-"], json_out=False)
    harness.exits_with(t, outcome, 2, "both outputs on stdout")
    t.check("stdout" in outcome.stderr, f"the error says why ({outcome.stderr.strip()!r})")


harness.main(__doc__, body)
