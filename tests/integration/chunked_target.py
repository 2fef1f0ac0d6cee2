#!/usr/bin/env python3
"""Chunked responses whose framing is split across reads complete without errors."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def body(t):
    target = t.target("chunked")
    outcome = t.run(["run", target.url(), "-c", "2", "-d", "1s"])
    harness.exits_with(t, outcome, 0, "a clean run")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    requests = result["requests"]
    t.check(requests["completed"] > 0, f"chunked responses complete ({requests})")
    t.check(result["errors"]["total"] == 0, f"no errors ({result['errors']})")
    t.check(result["status"]["codes"] == {"200": requests["completed"]},
            f"each counts as a 200 ({result['status']})")
    t.check(result["connections"]["reconnects"] == 0,
            "the chunked framing ends each response, so the connection is reused")
    harness.check_accounting(t, result)


harness.main(__doc__, body)
