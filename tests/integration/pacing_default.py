#!/usr/bin/env python3
"""Open loop without --timer-slack paces with the slack the default picks (auto) and says so in
the JSON config and the summary, and keeps the schedule exact: scheduled = sent + unsent, and
what was sent is within 1 % of the asked rate. --timer-slack 0 is honoured as given (every
arrival wakes the worker at its own time), --timer-slack auto asks for the default explicitly,
and a value that is neither a duration nor auto is a usage error (exit 2) that names both."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

AUTO_US = 100  # plan::timer_slack_auto_ns


def check_schedule(t, result, rate, duration_s, what):
    requests = result["requests"]
    scheduled = requests["sent"] + requests["unsent"]
    asked = rate * duration_s
    t.check(abs(scheduled - asked) <= 2,
            f"{what}: scheduled = sent {requests['sent']} + unsent {requests['unsent']} = "
            f"{scheduled}, the schedule's {asked}")
    sent_rps = requests["sent"] / result["duration_s"]
    t.check(abs(sent_rps - rate) <= rate * 0.01,
            f"{what}: sent {sent_rps:.1f} req/s, within 1 % of the asked {rate}")
    harness.check_accounting(t, result)


def check_slack(t, outcome, slack_us, mode, summary_text, what):
    harness.exits_with(t, outcome, 0, what)
    result = outcome.json
    t.require(result is not None, f"{what}: the --json file was written")
    config = result["config"]
    t.check(config["timer_slack_us"] == slack_us and config["timer_slack_mode"] == mode,
            f"{what}: config says timer_slack_us {slack_us}, mode {mode} "
            f"({config.get('timer_slack_us')}, {config.get('timer_slack_mode')})")
    t.check(f"Pacing       timer slack {summary_text}" in outcome.stdout,
            f"{what}: the summary names the slack ({summary_text!r})")
    return result


def body(t):
    server = t.serve("--threads", "1")
    url = server.url()
    default = t.run(["run", url, "-r", "2000", "-d", "2s", "-c", "20"], quiet=False)
    result = check_slack(t, default, AUTO_US, "auto", f"{AUTO_US}us (auto, the default)",
                         "the default open-loop run")
    check_schedule(t, result, 2000, 2, "the default")

    zero = t.run(["run", url, "-r", "2000", "-d", "1s", "-c", "20", "--timer-slack", "0"],
                 quiet=False)
    result = check_slack(t, zero, 0, "fixed",
                         "0, every arrival wakes the worker at its time (--timer-slack)",
                         "--timer-slack 0")
    check_schedule(t, result, 2000, 1, "--timer-slack 0")

    given = t.run(["run", url, "-r", "2000", "-d", "1s", "-c", "20", "--timer-slack", "1ms",
                   "--timer-slack", "auto"], quiet=False)
    result = check_slack(t, given, AUTO_US, "auto", f"{AUTO_US}us (auto, the default)",
                         "--timer-slack auto")
    check_schedule(t, result, 2000, 1, "--timer-slack auto")

    closed = t.run(["run", url, "-d", "1s", "-c", "2"], quiet=False)
    harness.exits_with(t, closed, 0, "a closed-loop run")
    t.check("Pacing" not in closed.stdout, "closed loop has no schedule, so no Pacing line")

    bad = t.run(["run", url, "-r", "100", "--timer-slack", "fast"], json_out=False)
    harness.exits_with(t, bad, 2, "--timer-slack fast")
    t.check("--timer-slack" in bad.stderr and "auto" in bad.stderr and "500ms" in bad.stderr,
            f"the error names the flag, the duration forms and auto ({bad.stderr.strip()})")


harness.main(__doc__, body)
