#!/usr/bin/env python3
"""--json - writes the JSON document to stdout after the summary, as the last thing there, so
a script can take it from the end; --csv - does the same with the CSV."""

import json
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def json_at_end(t, stdout):
    """The JSON object that ends stdout: it starts at the last line that is exactly '{'."""
    if stdout.startswith("{\n"):
        start = 0
    else:
        start = stdout.rfind("\n{\n") + 1  # nested objects are indented; the document is not
        t.require(start > 0, "stdout has a line that opens a JSON object")
    try:
        result, end = json.JSONDecoder().raw_decode(stdout, start)
    except ValueError as error:
        t.require(False, f"the JSON on stdout parses ({error})")
    t.check(stdout[end:].strip() == "", f"nothing follows the JSON ({stdout[end:][:200]!r})")
    return result, stdout[:start]


def body(t):
    server = t.serve("--threads", "1")
    outcome = t.run(["run", server.url(), "-c", "2", "-d", "1s", "--json", "-"])
    harness.exits_with(t, outcome, 0, "a clean run")
    result, before = json_at_end(t, outcome.stdout)
    t.check(result.get("tool") == "barrage", "the JSON on stdout is barrage's result")
    t.check(result["requests"]["completed"] > 0, "it carries the run's counts")
    harness.check_accounting(t, result)
    t.check("Requests" in before, "the summary comes before the JSON on stdout")
    t.check('"tool"' not in outcome.stderr, "no JSON goes to stderr")

    outcome = t.run(["run", server.url(), "-c", "2", "-d", "1s", "--csv", "-"], json_out=False)
    harness.exits_with(t, outcome, 0, "a clean run with --csv -")
    lines = outcome.stdout.rstrip("\n").split("\n")
    t.require(harness.CSV_HEADER in lines, "the CSV header is on stdout")
    header_at = len(lines) - 1 - lines[::-1].index(harness.CSV_HEADER)
    rows = lines[header_at + 1:]
    t.check(len(rows) == 1, f"1 s at the default 1 s interval: one CSV row ends stdout ({rows})")
    t.check(all(len(row.split(",")) == 9 for row in rows), "each CSV row has 9 fields")


harness.main(__doc__, body)
