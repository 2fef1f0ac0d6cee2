#!/usr/bin/env python3
"""Pipelining faults are counted, never lost. A target that says "Connection: close" on the
5th answer of each connection leaves the requests pipelined behind it unprocessed: barrage
sends them again on a new connection (requests.resent), and every request completes without
an error. A target that resets after 2 answers fails the head and every request behind it
with kind reset. Closed and open loop; sent = completed + failed + unfinished and
scheduled = sent + unsent hold throughout."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

PIPELINE = ["--pipeline", "8", "-t", "1", "-d", "1s", "--timeout", "2s"]


def identities(t, result, what):
    requests = result["requests"]
    t.check(requests["sent"] == requests["completed"] + requests["errors"] +
            requests["unfinished"], f"{what}: sent = completed + errors + unfinished ({requests})")
    t.check(requests["scheduled"] == requests["sent"] + requests["unsent"],
            f"{what}: scheduled = sent + unsent ({requests})")
    harness.check_accounting(t, result)


def closes(t, target, load, what):
    outcome = t.run(["run", target.url(), *load, *PIPELINE])
    harness.exits_with(t, outcome, 0, what)
    t.require(outcome.json is not None, f"{what}: the --json file was written")
    result = outcome.json
    requests = result["requests"]
    identities(t, result, what)
    t.check(requests["completed"] > 10, f"{what}: requests completed ({requests})")
    t.check(result["errors"]["total"] == 0, f"{what}: nothing failed ({result['errors']})")
    t.check(requests["resent"] > 0, f"{what}: the requests behind the close were re-sent "
                                     f"({requests})")
    t.check(result["connections"]["reconnects"] > 0,
            f"{what}: reconnects counted ({result['connections']})")
    t.check(result["status"]["codes"] == {"200": requests["completed"]},
            f"{what}: every response is a 200 ({result['status']['codes']})")


def resets(t, target, load, what, behind):
    outcome = t.run(["run", target.url(), *load, *PIPELINE])
    t.require(outcome.json is not None, f"{what}: the --json file was written")
    result = outcome.json
    requests = result["requests"]
    identities(t, result, what)
    t.check(requests["completed"] > 0, f"{what}: the answers before each reset count "
                                        f"({requests})")
    resets_counted = result["errors"]["reset"]
    t.check(resets_counted > 0, f"{what}: resets are counted ({result['errors']})")
    if behind:  # closed loop keeps 8 in flight: each reset fails more than its head
        t.check(requests["errors"] > result["connections"]["opened"],
                f"{what}: each reset fails the head and the requests behind it "
                f"({requests['errors']} failed over {result['connections']['opened']} "
                f"connections)")
    t.check(requests["resent"] == 0, f"{what}: nothing after a reset is re-sent ({requests})")


def body(t):
    close_target = t.target("pipeline_faults", "--close-after", "5")
    closes(t, close_target, ["-c", "2"], "closed loop, Connection: close after 5")
    # Open loop: the closing answer comes 10 ms late, so on the one connection the arrivals of
    # those 10 ms (1 a ms) are pipelined behind it whatever the machine's speed.
    slow_close_target = t.target("pipeline_faults", "--close-after", "5", "--close-delay-ms", "10")
    closes(t, slow_close_target, ["-r", "1000", "-c", "1"], "open loop, Connection: close after 5")
    reset_target = t.target("pipeline_faults", "--reset-after", "3")
    resets(t, reset_target, ["-c", "2"], "closed loop, a reset after 2 answers", True)
    resets(t, reset_target, ["-r", "1000", "-c", "1"], "open loop, a reset after 2 answers", False)


harness.main(__doc__, body)
