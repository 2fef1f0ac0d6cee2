#!/usr/bin/env python3
"""Responses with status 503 count as completed requests in the 5xx class with code 503, not
as errors, and the run did its job (exit 0)."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def body(t):
    server = t.serve("--threads", "1")
    outcome = t.run(["run", server.url("/status/503"), "-c", "2", "-d", "1s"])
    harness.exits_with(t, outcome, 0, "responses completed, whatever their status")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    requests, status = result["requests"], result["status"]
    t.check(requests["completed"] > 0, f"requests completed ({requests})")
    t.check(status["5xx"] == requests["completed"], f"every response is a 5xx ({status})")
    t.check(status["2xx"] == 0, "no 2xx is counted")
    t.check(status["codes"] == {"503": requests["completed"]}, f"codes is {{'503': n}} "
                                                                f"({status['codes']})")
    t.check(result["errors"]["total"] == 0, f"a 503 is not an error ({result['errors']})")
    harness.check_accounting(t, result)
    t.check("503" in outcome.stdout, "the summary shows code 503")


harness.main(__doc__, body)
