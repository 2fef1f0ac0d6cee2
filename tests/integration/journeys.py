#!/usr/bin/env python3
"""Task groups and repeat ... until against a job queue (targets/jobs.py: POST /jobs answers an
id, GET /jobs/ID answers "pending" twice, then "completed"). A task "checkout" submits a job and
polls it until completed: one transaction with its own counts and histogram, three polls each.
A task polling a job that never completes runs out of tries and fails with that reason, never
hangs; a task whose second request fails (500) fails without sending its third. Gates take a
task's name like a request's. A run that ends while transactions wait count them unfinished."""

import csv
import io
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

REQUESTS = """
[target]
url = "{url}"
connections = {connections}

[[requests]]
name = "submit"
method = "POST"
path = "/jobs"
body = "{{}}"
capture = {{ job = {{ json = "/id" }} }}
checks = [{{ status = 201 }}]

[[requests]]
name = "poll"
path = "/jobs/{{{{job}}}}"

[[requests]]
name = "poll_never"
path = "/jobs/{{{{job}}}}/never"

[[requests]]
name = "fail"
path = "/fail"

[[requests]]
name = "after_fail"
path = "/jobs/{{{{job}}}}"

[[requests]]
name = "poll_close"
path = "/jobs/{{{{job}}}}/close"

[[requests]]
name = "drop"
path = "/drop"
"""

RECONNECTS = """
[[tasks]]
name = "reconnecting"
requests = ["submit", { repeat = "poll_close", until = { json = "/status", equals = "completed" } }]

[[tasks]]
name = "dropped"
requests = ["submit", "drop", "after_fail"]
"""

JOURNEYS = """
[[tasks]]
name = "checkout"
weight = 3
requests = ["submit", {{ repeat = "poll", until = {{ json = "/status", equals = "completed" }}, max_tries = 10, interval = "{interval}" }}]

[[tasks]]
name = "stuck"
weight = 1
requests = ["submit", {{ repeat = "poll_never", until = {{ json = "/status", equals = "completed" }}, max_tries = 4, interval = "5ms" }}]

[[tasks]]
name = "broken"
weight = 1
requests = ["submit", "fail", "after_fail"]
"""

USERS = """
[[phases]]
name = "main"
shape = "users"
users = 2
think = "20ms"
duration = "{duration}"
"""

OPEN = """
[[phases]]
name = "main"
shape = "constant"
rate = 40
duration = "1s"
"""


def check_transaction_accounting(t, result):
    for name, tx in result["transactions_by_name"].items():
        t.check(tx["sent"] == tx["completed"] + tx["errors"] + tx["unfinished"],
                f"{name}: no transaction vanishes ({tx['sent']} sent, {tx['completed']} "
                f"completed, {tx['errors']} errors, {tx['unfinished']} unfinished)")
        t.check(tx["succeeded"] == tx["completed"] - tx["responses_failed"],
                f"{name}: succeeded = completed - responses_failed ({tx})")
        t.check(tx["latency"]["count"] == tx["succeeded"],
                f"{name}: only successful transactions are timed "
                f"({tx['latency']['count']} vs {tx['succeeded']})")


def closed_loop(t, url):
    path = t.path("journeys.toml")
    with open(path, "w") as f:
        f.write(REQUESTS.format(url=url, connections=2) + JOURNEYS.format(interval="10ms") +
                USERS.format(duration="1.5s"))
    csv_path, html_path = t.path("requests.csv"), t.path("report.html")
    outcome = t.run(["run", path, "-t", "1", "--csv-requests", csv_path, "--html", html_path,
                     "--threshold", "checkout: p95 < 5s",
                     "--threshold", "checkout: failure_rate < 1%",
                     "--threshold", "stuck: failure_rate < 1%"], quiet=False)
    harness.exits_with(t, outcome, 1, "the stuck task's failures fail its gate")
    result = outcome.json
    t.require(result is not None and "transactions_by_name" in result,
              "the JSON has transactions_by_name")
    harness.check_accounting(t, result)
    check_transaction_accounting(t, result)
    by_tx, by_name = result["transactions_by_name"], result["requests_by_name"]
    checkout, stuck, broken = by_tx["checkout"], by_tx["stuck"], by_tx["broken"]

    t.check(checkout["completed"] > 0 and checkout["errors"] == 0 and
            checkout["responses_failed"] == 0, f"checkouts complete ({checkout})")
    t.check(checkout["repeat_tries"] == 3 * checkout["completed"] and
            checkout["repeat_tries_max"] == 3,
            f"each checkout polls three times: pending, pending, completed ({checkout})")
    t.check(checkout["latency"]["min"] >= 20000,
            f"a checkout waits out two 10 ms intervals between its polls "
            f"(min {checkout['latency']['min']} us)")
    t.check("p95" in checkout["latency"], "the transaction's latency has p95")
    t.check(checkout["failure_rate"] == 0, f"checkout failure_rate 0 ({checkout})")

    t.check(stuck["completed"] > 0 and stuck["tries_exhausted"] == stuck["completed"] and
            stuck["responses_failed"] == stuck["completed"] and stuck["failure_rate"] == 1,
            f"a job that never completes fails its transaction after max_tries ({stuck})")
    t.check(stuck["repeat_tries"] == 4 * stuck["completed"] and stuck["repeat_tries_max"] == 4,
            f"each stuck transaction tried exactly 4 times ({stuck})")
    t.check(stuck["repeats"] == ['poll_never until /status equals "completed" (4 tries)'],
            f"the repeat is described ({stuck['repeats']})")
    t.check("until not met after its tries" in outcome.stdout and "poll_never until" in
            outcome.stdout, "the summary shows why the stuck transactions failed")
    t.check("By transaction" in outcome.stdout, "the summary has a table of transactions")

    t.check(broken["completed"] > 0 and broken["responses_failed"] == broken["completed"],
            f"a 500 fails the transaction ({broken})")
    t.check(by_name["after_fail"]["sent"] == 0,
            f"a failed step ends the transaction: its later steps are not sent "
            f"({by_name['after_fail']})")
    t.check(by_name["fail"]["completed"] == broken["completed"],
            "each broken transaction sent its failing request once")
    for name, named in by_name.items():
        t.check(0 <= named["sent"] - named["completed"] - named["errors"] <= 2,
                f"{name}: sent = completed + errors + unfinished (at most one per user) "
                f"({named})")

    verdicts = {entry["expression"]: entry["pass"] for entry in result["thresholds"]}
    t.check(verdicts == {"checkout: p95 < 5s": True, "checkout: failure_rate < 1%": True,
                         "stuck: failure_rate < 1%": False},
            f"gates by a task's name ({verdicts})")

    with open(html_path) as f:
        page = f.read()
    t.check('id="by-transaction"' in page and "<h3>checkout</h3>" in page,
            "the HTML report has a table per task group")
    with open(csv_path) as f:
        rows = {row["name"]: row for row in csv.DictReader(io.StringIO(f.read()))}
    t.check({"submit", "poll", "checkout", "stuck", "broken"} <= set(rows),
            f"--csv-requests has a row per request and per task ({sorted(rows)})")
    if "checkout" in rows:
        t.check(int(rows["checkout"]["completed"]) == checkout["completed"] and
                int(rows["checkout"]["p95_us"]) > 0, f"the checkout row ({rows['checkout']})")
    if "stuck" in rows:
        t.check(float(rows["stuck"]["failure_rate"]) == 1.0, f"the stuck row ({rows['stuck']})")


def open_loop(t, url):
    path = t.path("journeys_open.toml")
    with open(path, "w") as f:
        f.write(REQUESTS.format(url=url, connections=8) + JOURNEYS.format(interval="10ms") + OPEN)
    outcome = t.run(["run", path, "-t", "1", "--threshold", "checkout: p95 < 5s"])
    harness.exits_with(t, outcome, 0, "open loop: checkout passes its gate")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    harness.check_accounting(t, result)
    check_transaction_accounting(t, result)
    checkout = result["transactions_by_name"]["checkout"]
    started = sum(tx["sent"] for tx in result["transactions_by_name"].values())
    t.check(started == 40, f"open loop: each of the 40 arrivals starts one task ({started})")
    t.check(checkout["completed"] > 0 and checkout["repeat_tries"] == 3 * checkout["completed"],
            f"open loop: checkouts poll to completion ({checkout})")


def stopped_mid_transaction(t, url):
    path = t.path("journeys_unfinished.toml")
    with open(path, "w") as f:
        checkout_only = JOURNEYS.format(interval="5s").split("[[tasks]]")[1]
        f.write(REQUESTS.format(url=url, connections=2) + "[[tasks]]" + checkout_only +
                USERS.format(duration="0.5s"))
    outcome = t.run(["run", path, "-t", "1", "--timeout", "2s"])
    harness.exits_with(t, outcome, 0, "a run that ends mid-transaction ends on time")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    check_transaction_accounting(t, result)
    checkout = result["transactions_by_name"]["checkout"]
    t.check(checkout["sent"] > 0 and checkout["unfinished"] == checkout["sent"] and
            checkout["completed"] == 0 and checkout["errors"] == 0,
            f"checkouts waiting out a 5 s interval at the end are unfinished ({checkout})")


def reconnects(t, url):
    path = t.path("journeys_reconnects.toml")
    with open(path, "w") as f:
        f.write(REQUESTS.format(url=url, connections=2) + RECONNECTS + USERS.format(duration="1s"))
    outcome = t.run(["run", path, "-t", "1"])
    harness.exits_with(t, outcome, 0, "a run with dropped connections ends normally")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    harness.check_accounting(t, result)
    check_transaction_accounting(t, result)
    by_tx, by_name = result["transactions_by_name"], result["requests_by_name"]
    reconnecting, dropped = by_tx["reconnecting"], by_tx["dropped"]
    t.check(reconnecting["completed"] > 0 and reconnecting["responses_failed"] == 0 and
            reconnecting["errors"] == 0 and
            reconnecting["repeat_tries"] == 3 * reconnecting["completed"],
            f"a transaction goes on over the reconnect a Connection: close asks for, its "
            f"captured job id still there ({reconnecting})")
    t.check(dropped["errors"] > 0 and dropped["completed"] == 0 and
            dropped["errors"] == by_name["drop"]["errors"],
            f"a request without an answer ends its transaction in errors ({dropped}, "
            f"{by_name['drop']})")
    t.check(by_name["after_fail"]["sent"] == 0, "nothing of a failed transaction follows")


def body(t):
    target = t.target("jobs")
    url = target.url("").rstrip("/")
    closed_loop(t, url)
    open_loop(t, url)
    stopped_mid_transaction(t, url)
    reconnects(t, url)


harness.main(__doc__, body)
