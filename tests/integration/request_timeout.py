#!/usr/bin/env python3
"""A target that never answers makes requests time out after --timeout: timeouts are
counted, named in error_details, and with nothing completed the run exits 3."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def body(t):
    target = t.target("stall")  # without --stall-every it reads and never answers
    outcome = t.run(["run", target.url(), "--timeout", "300ms", "-d", "1s", "-c", "2"])
    harness.exits_with(t, outcome, 3, "nothing completed")
    result = outcome.json
    t.require(result is not None, "the --json file is written even when nothing completed")
    t.check(result["errors"]["timeout"] > 0, f"timeouts are counted ({result['errors']})")
    t.check(result["requests"]["completed"] == 0, f"nothing completed ({result['requests']})")
    harness.check_accounting(t, result)
    t.check(any(detail.startswith("timeout") for detail in result["error_details"]),
            f"error_details names the timeout ({result['error_details']})")
    t.check(result["config"]["timeout_s"] == 0.3, f"config.timeout_s is 0.3 "
                                                  f"({result['config']['timeout_s']})")


harness.main(__doc__, body)
