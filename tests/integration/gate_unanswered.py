#!/usr/bin/env python3
"""A latency gate judges every scheduled request, an unanswered one as infinitely slow: a
target that stops answering fails `p99 < X` although the few answers it gave were fast.
Cases: the built-in target with one request in flight at a time (most requests time out or
are never sent), and nginx frozen (SIGSTOP) for the second half of a run."""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def check_unanswered_accounting(t, result):
    requests = result["requests"]
    unanswered = requests["unanswered"]
    t.check(requests["scheduled"] == requests["sent"] + requests["unsent"],
            f"scheduled {requests['scheduled']} = sent {requests['sent']} + unsent "
            f"{requests['unsent']}")
    t.check(unanswered["total"] == requests["errors"] + requests["unfinished"] +
            requests["unsent"],
            f"unanswered {unanswered} = errors + unfinished + unsent ({requests})")
    t.check(sum(unanswered["failed"].values()) == requests["errors"],
            f"unanswered.failed by kind adds up to errors ({unanswered['failed']})")
    judged = result["latency_judged"]
    t.check(judged["count"] == requests["completed"] + unanswered["total"],
            f"latency_judged.count {judged['count']} = completed + unanswered")
    t.check(judged["answered"] == result["latency"]["count"],
            f"latency_judged.answered is the answered histogram's count ({judged})")
    harness.check_accounting(t, result)


def check_gate_failed_on_unanswered(t, outcome, answered_limit_us):
    result = outcome.json
    t.require(result is not None, "the JSON result is written")
    harness.exits_with(t, outcome, 1, "the latency gate fails")
    gate = result["thresholds"][0]
    t.check(not gate["pass"] and gate["unanswered"] and gate["value"] is None,
            f"the p99 falls on an unanswered request ({gate})")
    t.check(result["latency_judged"]["p99"] is None,
            f"latency_judged.p99 is unbounded ({result['latency_judged']})")
    # What a gate on the answered requests alone would have said: pass. That is the lie.
    t.check(result["latency"]["p99"] < answered_limit_us,
            f"the answered requests alone have p99 {result['latency']['p99']} us < "
            f"{answered_limit_us} us")
    t.check(result["failure_time"]["count"] == result["requests"]["errors"],
            f"each failed request has its time to failure ({result['failure_time']['count']} "
            f"of {result['requests']['errors']})")
    check_unanswered_accounting(t, result)


def builtin_target_that_cannot_keep_up(t):
    server = t.serve("--delay", "50ms", "--max-inflight", "1", "--threads", "1")
    outcome = t.run(["run", server.url(), "-r", "100", "-c", "10", "-d", "3s",
                     "--timeout", "300ms", "--threshold", "p99 < 400ms"])
    check_gate_failed_on_unanswered(t, outcome, 400_000)
    t.check("unanswered  FAIL" in outcome.stdout,
            "the summary says the gate fell on unanswered requests")


def nginx_frozen_for_the_second_half(t):
    nginx = t.nginx('location / { return 200 "ok\\n"; }')
    json_path = t.path("frozen.json")
    run = t.popen(["run", f"http://127.0.0.1:{nginx.port}/", "-r", "200", "-c", "20", "-d",
                   "4s", "--timeout", "500ms", "--threshold", "p99 < 100ms", "--json",
                   json_path, "-q"])
    time.sleep(2.0)
    os.killpg(nginx.process.pid, signal.SIGSTOP)  # master and workers: nothing answers
    try:
        stdout, stderr = run.communicate(timeout=30)
    finally:
        os.killpg(nginx.process.pid, signal.SIGCONT)
    outcome = harness.Outcome(run.args, run.returncode, harness.decode(stdout),
                              harness.decode(stderr), 0)
    t.last = outcome
    if os.path.exists(json_path):
        outcome.json = t.load_json(json_path)
    check_gate_failed_on_unanswered(t, outcome, 100_000)
    result = outcome.json
    t.check(result["requests"]["unanswered"]["total"] > result["requests"]["scheduled"] // 4,
            f"a large share went unanswered ({result['requests']['unanswered']})")


def body(t):
    builtin_target_that_cannot_keep_up(t)
    nginx_frozen_for_the_second_half(t)


harness.main(__doc__, body)
