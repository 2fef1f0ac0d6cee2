#!/usr/bin/env python3
"""Responses with a 100 MB body complete, count as 200 and are counted byte for byte."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

BODY_BYTES = 100_000_000


def body(t):
    target = t.target("huge", "--bytes", str(BODY_BYTES))
    outcome = t.run(["run", target.url(), "-c", "1", "-d", "2s", "--timeout", "20s"],
                    timeout_s=60)
    harness.exits_with(t, outcome, 0, "huge responses complete")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    requests = result["requests"]
    t.check(requests["completed"] >= 1, f"at least one 100 MB response completed ({requests})")
    t.check(result["status"]["codes"] == {"200": requests["completed"]},
            f"each counts as a 200 ({result['status']})")
    t.check(result["errors"]["total"] == 0, f"no errors ({result['errors']})")
    harness.check_accounting(t, result)
    received = result["bytes"]["received"]
    t.check(received >= requests["completed"] * BODY_BYTES,
            f"bytes.received ({received}) covers {requests['completed']} bodies of 100 MB")


harness.main(__doc__, body)
