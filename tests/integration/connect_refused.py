#!/usr/bin/env python3
"""A port nobody listens on makes connects fail: the run ends within its duration, exits 3,
counts connect errors and says "connect" in its output."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def body(t):
    port = harness.free_port()
    outcome = t.run(["run", f"http://127.0.0.1:{port}/", "-c", "2", "-d", "1s"], timeout_s=20)
    harness.exits_with(t, outcome, 3, "the target is unreachable")
    t.check("connect" in outcome.output.lower(), "stdout or stderr mentions 'connect'")
    result = outcome.json
    t.require(result is not None, "the --json file is written even when nothing connected")
    t.check(result["errors"]["connect"] > 0, f"connect errors are counted ({result['errors']})")
    t.check(result["requests"]["completed"] == 0, f"nothing completed ({result['requests']})")
    harness.check_accounting(t, result)
    t.check(any(detail.startswith("connect") and str(port) in detail
                for detail in result["error_details"]),
            f"error_details names the failed connect and the port ({result['error_details']})")


harness.main(__doc__, body)
