#!/usr/bin/env python3
"""failure_rate counts answers that failed, as Locust and k6 do: a target answering some requests
with 500 has error_rate 0 % (every request was answered) but failure_rate > 0, so
'failure_rate < 1%' fails the run (exit 1) where 'error_rate < 1%' passes (exit 0). A 404 that a
status check expects is no failure; a 200 that fails a check is one. find-max takes it as an
SLO."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

PROFILE = """
[target]
url = "{url}"
connections = 2

[[requests]]
name = "home"
path = "/"
weight = 2

[[requests]]
name = "broken"
path = "/status/500"
weight = 1

[[requests]]
name = "gone"
path = "/status/404"
weight = 1
checks = [{{ status = 404 }}]

[[requests]]
name = "picky"
path = "/"
weight = 1
checks = [{{ status = 201 }}]

[[phases]]
name = "main"
shape = "constant"
rate = 200
duration = "1s"
"""


def body(t):
    server = t.serve("--threads", "1")
    path = t.path("failures.toml")
    with open(path, "w") as f:
        f.write(PROFILE.format(url=server.url("").rstrip("/")))
    errors_only = t.run(["run", path, "-t", "1", "--threshold", "error_rate < 1%"])
    harness.exits_with(t, errors_only, 0, "every request was answered: error_rate 0 % passes")
    outcome = t.run(["run", path, "-t", "1", "--threshold", "failure_rate < 1%",
                     "--threshold", "home: failure_rate < 1%",
                     "--threshold", "gone: failure_rate < 1%"])
    harness.exits_with(t, outcome, 1, "answers with 500 make failure_rate < 1% fail")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    harness.check_accounting(t, result)
    requests, by_name = result["requests"], result["requests_by_name"]
    t.check(requests["errors"] == 0 and requests["error_rate"] == 0,
            f"no transport errors ({requests})")
    failed = sum(by_name[name]["completed"] for name in ("broken", "picky"))
    t.check(requests["responses_failed"] == failed and failed > 0,
            f"the 500s and the failed checks are the failed responses ({requests})")
    attempts = requests["completed"] + requests["errors"]
    t.check(abs(requests["failure_rate"] - failed / attempts) < 1e-9,
            f"failure_rate = failed responses / attempts ({requests})")
    t.check(by_name["broken"]["failure_rate"] == 1 and by_name["broken"]["error_rate"] == 0,
            f"every 500 fails ({by_name['broken']})")
    t.check(by_name["picky"]["failure_rate"] == 1, f"a failed check fails ({by_name['picky']})")
    t.check(by_name["gone"]["failure_rate"] == 0 and by_name["gone"]["completed"] > 0,
            f"an expected 404 is no failure ({by_name['gone']})")
    t.check(by_name["home"]["failure_rate"] == 0, f"home's 200s pass ({by_name['home']})")
    verdicts = {entry["expression"]: entry["pass"] for entry in result["thresholds"]}
    t.check(verdicts == {"failure_rate < 1%": False, "home: failure_rate < 1%": True,
                         "gone: failure_rate < 1%": True}, f"the verdicts ({verdicts})")
    t.check("Failure rate" in outcome.stdout, "the summary shows the failure rate")
    for key in ("p50", "p90", "p95", "p99", "p999"):
        t.check(key in result["latency"] and key in result["latency_judged"] and
                key in by_name["home"]["latency"], f"{key} is in every latency object")

    # find-max takes it as an SLO: every answer is a 500, so the one step fails it.
    url = server.url("/status/500")
    search = t.run(["find-max", url, "--slo", "failure_rate < 1%", "--start", "100", "--max",
                    "100", "--step-duration", "1s", "--step-warmup", "0s", "-t", "1", "-c", "2"],
                   json_out=False, quiet=False)
    t.check("FAIL failure_rate < 1% (100.0%)" in search.stdout,
            f"find-max judges failure_rate ({search.stdout[-600:]!r})")


harness.main(__doc__, body)
