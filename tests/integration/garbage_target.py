#!/usr/bin/env python3
"""A target that answers with bytes that are not HTTP makes the run fail with exit 3, counts
protocol errors, names them in error_details and says "protocol" in the summary."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def body(t):
    target = t.target("garbage")
    outcome = t.run(["run", target.url(), "-c", "2", "-d", "1s"])
    harness.exits_with(t, outcome, 3, "nothing completed")
    result = outcome.json
    t.require(result is not None, "the --json file is written even when nothing completed")
    t.check(result["requests"]["completed"] == 0, f"nothing completed ({result['requests']})")
    t.check(result["errors"]["protocol"] > 0, f"protocol errors are counted ({result['errors']})")
    t.check(result["requests"]["errors"] > 0, "the failed requests are counted as errors")
    harness.check_accounting(t, result)
    t.check(any(detail.startswith("protocol") for detail in result["error_details"]),
            f"error_details names the protocol error ({result['error_details']})")
    t.check("protocol" in outcome.stdout, "the summary on stdout mentions 'protocol'")


harness.main(__doc__, body)
