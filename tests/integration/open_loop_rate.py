#!/usr/bin/env python3
"""An open-loop run at 2000 req/s for 3 s (after a 1 s warm-up) sends the 6000 requests its
schedule asks for, every one of them completes, and the JSON says it was open loop at 2000."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def body(t):
    server = t.serve("--threads", "1")
    outcome = t.run(["run", server.url(), "-r", "2000", "-d", "3s", "-c", "20", "--warmup",
                     "1s"])
    harness.exits_with(t, outcome, 0, "a clean open-loop run")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    requests = result["requests"]
    t.check(result["mode"] == "open_loop", f"mode is open_loop ({result['mode']})")
    t.check(result["target_rate_rps"] == 2000, f"target_rate_rps is 2000 "
                                               f"({result['target_rate_rps']})")
    t.check(result["config"]["rate_rps"] == 2000 and result["config"]["warmup_s"] == 1,
            "config records the rate and the warm-up")
    scheduled = requests["sent"] + requests["unsent"]
    t.check(abs(scheduled - 6000) <= 2,
            f"the schedule's integral over 3 s is 6000 requests (sent {requests['sent']} "
            f"+ unsent {requests['unsent']} = {scheduled})")
    t.check(abs(requests["sent"] - 6000) <= 30,
            f"sent is within 0.5% of 6000 ({requests['sent']})")
    t.check(requests["completed"] == requests["sent"],
            f"every sent request completed ({requests['completed']} of {requests['sent']})")
    harness.check_accounting(t, result)
    t.check(result["errors"]["total"] == 0, f"no errors ({result['errors']})")
    t.check(result["status"]["2xx"] == requests["completed"], "every response is a 2xx")
    t.check(result["schedule_lag"]["count"] == requests["sent"],
            f"schedule_lag has one value per sent request ({result['schedule_lag']['count']})")

    # --timer-slack 5ms sends in rounds: the schedule is kept, and the wait for a round is
    # measured (arrivals spread evenly over a 5 ms round wait 2.5 ms on average).
    slack = t.run(["run", server.url(), "-r", "2000", "-d", "2s", "-c", "20",
                   "--timer-slack", "5ms"])
    harness.exits_with(t, slack, 0, "an open-loop run with --timer-slack")
    result = slack.json
    t.require(result is not None, "the --json file was written")
    scheduled = result["requests"]["sent"] + result["requests"]["unsent"]
    t.check(abs(scheduled - 4000) <= 2, f"the schedule still asks for 4000 ({scheduled})")
    t.check(result["config"]["timer_slack_us"] == 5000, "config records the timer slack")
    t.check(result["schedule_lag"]["mean"] >= 1000,
            f"the wait for a round shows in schedule_lag (mean {result['schedule_lag']['mean']} us)")
    t.check(result["latency"]["mean"] >= result["schedule_lag"]["mean"],
            "latency counts from the intended time, so it includes that wait")


harness.main(__doc__, body)
