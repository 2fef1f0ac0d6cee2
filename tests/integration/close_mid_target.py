#!/usr/bin/env python3
"""A target that promises 1000 body bytes, sends 10 and closes is counted as eof errors, and
with nothing completed the run exits 3."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def body(t):
    target = t.target("close_mid")
    outcome = t.run(["run", target.url(), "-c", "2", "-d", "1s"])
    harness.exits_with(t, outcome, 3, "nothing completed")
    result = outcome.json
    t.require(result is not None, "the --json file is written even when nothing completed")
    t.check(result["errors"]["eof"] > 0, f"truncated responses count as eof ({result['errors']})")
    t.check(result["requests"]["completed"] == 0, f"no truncated response counts as completed "
                                                  f"({result['requests']})")
    harness.check_accounting(t, result)
    t.check(any(detail.startswith("eof") for detail in result["error_details"]),
            f"error_details names the eof ({result['error_details']})")


harness.main(__doc__, body)
