#!/usr/bin/env python3
"""Abort thresholds stop a run early once the results so far fail them (after the grace
period), and the result says why; a passing one lets the run finish. Profiles carry their own
thresholds (strings or { expr, abort } tables, abort_grace), and a bad one is a usage error that
points into the profile."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

PROFILE = """
abort_grace = "1s"
thresholds = [
  "p99 < 30s",
  {{ expr = "error_rate < 1%", abort = true }},
  {{ expr = "p99 < 1ms", abort = {abort} }},
]

[target]
url = "{url}"
connections = 2

[[requests]]
name = "home"
path = "/"

[[phases]]
name = "main"
shape = "constant"
rate = 50
duration = "{duration}"
"""


def write_profile(t, name, url, abort, duration):
    path = t.path(name)
    with open(path, "w") as f:
        f.write(PROFILE.format(url=url.rstrip("/"), abort=abort, duration=duration))
    return path


def body(t):
    slow = t.serve("--threads", "1", "--delay", "20ms")
    # A 30 s run whose p99 (about 20 ms) fails 'p99 < 5ms' stops once judged after 1 s.
    outcome = t.run(["run", slow.url(), "-c", "2", "-d", "30s", "--abort-threshold", "p99 < 5ms",
                     "--abort-grace", "1s", "--threshold", "error_rate < 1%"], timeout_s=25)
    harness.exits_with(t, outcome, 1, "a run stopped by its abort threshold")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    t.check(result["aborted_by"] is not None and "p99 < 5ms" in result["aborted_by"],
            f"aborted_by names the threshold ({result['aborted_by']})")
    t.check(result["duration_s"] < 15, f"the run stopped early ({result['duration_s']} s of 30)")
    t.check("ABORTED" in outcome.stdout, "the summary says the run was aborted")
    verdicts = {e["expression"]: (e["pass"], e["abort"]) for e in result["thresholds"]}
    t.check(verdicts == {"p99 < 5ms": (False, True), "error_rate < 1%": (True, False)},
            f"the JSON lists both thresholds with their abort flag ({verdicts})")
    harness.check_accounting(t, result)

    # A passing abort threshold never stops the run.
    outcome = t.run(["run", slow.url(), "-c", "2", "-d", "3s", "--abort-threshold", "p99 < 10s",
                     "--abort-grace", "1s"])
    harness.exits_with(t, outcome, 0, "a run whose abort threshold passes")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    t.check(result["aborted_by"] is None, f"not aborted ({result['aborted_by']})")
    t.check(result["duration_s"] >= 2.9, f"the run lasted its 3 s ({result['duration_s']})")

    # The profile's thresholds: here 'p99 < 1ms' fails at the end but does not abort.
    fast = t.serve("--threads", "1", "--delay", "5ms")
    path = write_profile(t, "gates.toml", fast.url(""), "false", "3s")
    outcome = t.run(["run", path, "-t", "1"])
    harness.exits_with(t, outcome, 1, "a profile whose non-aborting threshold fails")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    t.check(result["aborted_by"] is None and result["duration_s"] >= 2.9,
            f"a failing threshold without abort lets the run finish ({result['duration_s']} s)")
    flags = [(e["expression"], e["abort"], e["pass"]) for e in result["thresholds"]]
    t.check(flags == [("p99 < 30s", False, True), ("error_rate < 1%", True, True),
                      ("p99 < 1ms", False, False)], f"the profile's thresholds, in order ({flags})")

    # abort = true in the profile stops it early, after its abort_grace.
    path = write_profile(t, "abort.toml", fast.url(""), "true", "30s")
    outcome = t.run(["run", path, "-t", "1"], timeout_s=25)
    harness.exits_with(t, outcome, 1, "a profile stopped by its abort threshold")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    t.check(result["aborted_by"] is not None and "p99 < 1ms" in result["aborted_by"],
            f"aborted by the profile's threshold ({result['aborted_by']})")

    # Bad thresholds in a profile are usage errors that point into it.
    for name, text, expected in [
            ("bad-expr.toml", 'thresholds = ["p99 < 200"]\n', "bad-expr.toml:"),
            ("no-expr.toml", 'thresholds = [{ abort = true }]\n', "expr"),
            ("bad-type.toml", "thresholds = [42]\n", "thresholds"),
            ("bad-key.toml", 'thresholds = [{ expr = "p99 < 1s", abrot = true }]\n', "abrot")]:
        path = t.path(name)
        with open(path, "w") as f:
            f.write(text + PROFILE.split("\n", 7)[7].format(url=fast.url("").rstrip("/"),
                                                             duration="1s"))
        outcome = t.run(["run", path], json_out=False, quiet=False)
        harness.exits_with(t, outcome, 2, f"{name}: a bad threshold in a profile")
        t.check(expected in outcome.stderr, f"{name}: stderr names it ({outcome.stderr.strip()})")
    outcome = t.run(["run", fast.url(), "--abort-grace", "soon"], json_out=False, quiet=False)
    harness.exits_with(t, outcome, 2, "a malformed --abort-grace")


harness.main(__doc__, body)
