#!/usr/bin/env python3
"""A target that answers one request per connection with "Connection: close" makes barrage
reconnect for every request: requests complete, reconnects are counted, nothing errs."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def body(t):
    target = t.target("conn_close")
    outcome = t.run(["run", target.url(), "-c", "2", "-t", "1", "-d", "1s"])
    harness.exits_with(t, outcome, 0, "a clean run")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    requests, connections = result["requests"], result["connections"]
    t.check(requests["completed"] > 0, f"requests complete ({requests})")
    t.check(result["errors"]["total"] == 0, f"no errors ({result['errors']})")
    t.check(connections["reconnects"] > 0, f"reconnects are counted ({connections})")
    t.check(connections["reconnects"] >= requests["completed"] - 2,
            f"one reconnect per completed request, give or take the first two ({connections}, "
            f"completed {requests['completed']})")
    # Each reconnect is counted when it starts; the ones under way when the run stops never
    # open, so opened lies between reconnects and first connections + reconnects.
    t.check(connections["reconnects"] <= connections["opened"] <=
            connections["target"] + connections["reconnects"],
            f"opened counts the first connections and the reconnects that got through "
            f"({connections})")
    harness.check_accounting(t, result)


harness.main(__doc__, body)
