#!/usr/bin/env python3
"""Regex, any-of and length checks judged on barrage serve's answers: each passing check has 0
failures, each failing one fails on every response, per check in requests_by_name; a request
whose checks all pass keeps failure_rate 0, one with a failing check counts every answer in
failure_rate and check_failure_rate, so 'checked: failure_rate < 1%' fails the run (exit 1)."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

PROFILE = r"""
[target]
url = "{url}"
connections = 2

[[requests]]
name = "good"
path = "/json"
checks = [
  {{ body_matches = '"score":\s*[0-9.]+' }},
  {{ json = "/prediction/label", one_of = ["dog", "cat"] }},
  {{ json = "/prediction/label", matches = "^c.t$" }},
  {{ json = "/items", length = [1, 3] }},
  {{ body_length = [10, 1000] }},
  {{ header = "Content-Type", matches = "^application/json" }},
  {{ status = [200, 201] }},
]

[[requests]]
name = "checked"
path = "/json"
checks = [
  {{ body_matches = "^nope" }},
  {{ json = "/prediction/label", one_of = ["dog", 3] }},
  {{ json = "/items", length = 4 }},
  {{ body_length = 0 }},
  {{ header = "X-Missing", exists = true }},
  {{ header = "Content-Type", matches = "^text/" }},
]

[[phases]]
shape = "constant"
rate = 100
duration = "1s"
"""


def body(t):
    server = t.serve("--threads", "1")
    path = t.path("checks.toml")
    with open(path, "w") as f:
        f.write(PROFILE.format(url=server.url("").rstrip("/")))
    outcome = t.run(["run", path, "-t", "1", "--threshold", "good: failure_rate < 1%",
                     "--threshold", "checked: failure_rate < 1%"])
    harness.exits_with(t, outcome, 1, "the failing checks fail 'checked: failure_rate < 1%'")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    by_name = result["requests_by_name"]
    good, checked = by_name["good"], by_name["checked"]
    t.require(good["completed"] > 0 and checked["completed"] > 0,
              f"both were answered ({good['completed']}, {checked['completed']})")
    t.check(all(check["failed"] == 0 for check in good["checks"]),
            f"every passing check passes ({good['checks']})")
    t.check(good["failure_rate"] == 0, f"good: failure_rate 0 ({good['failure_rate']})")
    t.check(all(check["failed"] == checked["completed"] for check in checked["checks"]),
            f"every failing check fails on each answer ({checked['checks']})")
    t.check(checked["checks_failed"] == checked["completed"] and checked["failure_rate"] == 1,
            f"checked: every answer is a failure ({checked['checks_failed']}, "
            f"{checked['failure_rate']})")
    names = [check["name"] for check in good["checks"] + checked["checks"]]
    t.check("/prediction/label one of {\"dog\", \"cat\"}" in names and
            "header X-Missing exists" in names and "/items length 4" in names,
            f"checks are named in the report ({names})")
    harness.check_accounting(t, result)


if __name__ == "__main__":
    harness.main(__doc__, body)
