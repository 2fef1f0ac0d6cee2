#!/usr/bin/env python3
"""A target that resets every connection after reading the request makes the run fail with
exit 3 and counts the failures as reset or eof, without crashing."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def body(t):
    target = t.target("reset")
    outcome = t.run(["run", target.url(), "-c", "2", "-d", "1s"])
    harness.exits_with(t, outcome, 3, "nothing completed")
    result = outcome.json
    t.require(result is not None, "the --json file is written even when nothing completed")
    errors = result["errors"]
    t.check(errors["reset"] + errors["eof"] > 0, f"resets are counted as reset or eof ({errors})")
    t.check(result["requests"]["completed"] == 0, f"nothing completed ({result['requests']})")
    harness.check_accounting(t, result)
    t.check(len(result["error_details"]) > 0, "error_details says what went wrong")


harness.main(__doc__, body)
