#!/usr/bin/env python3
"""[[scenario]] tables: profiles/scenarios.toml runs two user classes in one run against
`barrage serve`, an open-loop one ("browse", 40 req/s for 3 s) and a users one with a login
("shop", 3 users, starting 0.5 s in, whose checkout task buys, submits a job to serve's job
endpoint and tracks it until completed). The JSON has one object per scenario whose counts keep
their identities and add up to the totals; each scenario sent its own requests (by name, and at
a recording target by path: one login per shop user, none from browse, each with the next row of
shop's own data file); gates by scenario and
by tag pass and fail as their numbers say (exit 0 / 1), an unknown scenario in a gate is refused
before any traffic (exit 2), and an open-loop scenario that falls behind its schedule is named in
a warning even beside a closed-loop one. Each scenario's phases have results of their own (from
the scenario's start, its requests only), so the profile's phase gate ("shoppers: ...") and window
gate ("p95[2s] < ...") work. Scenarios run the profile's [[tasks]] (session.tasks) against a job
queue (targets/jobs.py): a polling journey run by two scenarios adds into one transaction row, each
scenario's object has its own, and a gate by task name judges the row."""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

PROFILE = os.path.join(harness.HERE, "..", "..", "profiles", "scenarios.toml")
OK_RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n"
               b'{"token": "t-1"}\n')


def check_identities(t, name, requests):
    t.check(requests["sent"] == requests["completed"] + requests["errors"] +
            requests["unfinished"],
            f"{name}: sent {requests['sent']} == completed + errors + unfinished ({requests})")
    t.check(requests["scheduled"] == requests["sent"] + requests["unsent"],
            f"{name}: scheduled == sent + unsent ({requests})")


def check_scenarios(t, result):
    scenarios = {s["name"]: s for s in result.get("scenarios", [])}
    t.require(list(scenarios) == ["browse", "shop"], f"one object per scenario ({scenarios})")
    browse, shop = scenarios["browse"], scenarios["shop"]
    t.check(browse["mode"] == "open_loop" and shop["mode"] == "closed_loop",
            f"each scenario keeps its own mode ({browse['mode']}, {shop['mode']})")
    t.check(browse["tags"] == ["read"] and shop["tags"] == ["write"], "tags are reported")
    for name, scenario in scenarios.items():
        check_identities(t, name, scenario["requests"])
        t.check(scenario["requests"]["completed"] > 0, f"{name} completed requests")
        t.check(scenario["latency"]["count"] == scenario["requests"]["completed"],
                f"{name}: one latency per completed request ({scenario['latency']['count']})")
        t.check("p95" in scenario["latency"], f"{name}: latency has p95")
        t.check(scenario["requests"]["failure_rate"] == 0, f"{name}: nothing failed")
    for key in ("sent", "completed", "errors", "unsent", "unfinished"):
        total = sum(s["requests"][key] for s in scenarios.values())
        t.check(total == result["requests"][key],
                f"scenarios' {key} add up to the run's ({total} vs {result['requests'][key]})")
    # The schedule's arrivals: 40/s for 3 s, counted from the schedule, not timed.
    scheduled = browse["requests"]["scheduled"]
    t.check(119 <= scheduled <= 121, f"browse scheduled its 120 arrivals ({scheduled})")
    by_name = result["requests_by_name"]
    browse_sent = by_name["home"]["sent"] + by_name["item"]["sent"]
    shop_sent = sum(by_name[name]["sent"] for name in ("login", "buy", "submit", "track"))
    t.check(browse["requests"]["sent"] == browse_sent,
            f"browse sent home and item only ({browse['requests']['sent']} vs {browse_sent})")
    t.check(shop["requests"]["sent"] == shop_sent,
            f"shop sent login and its checkout's requests only ({shop['requests']['sent']} vs "
            f"{shop_sent})")
    # The polling journey: buy, submit a job to serve, track it until completed, as one
    # transaction; a checkout cut off by the run's end is unfinished, never failed.
    checkout = result["transactions_by_name"]["checkout"]
    t.check(checkout["sent"] == checkout["completed"] + checkout["errors"] +
            checkout["unfinished"], f"checkout: no transaction vanishes ({checkout})")
    t.check(checkout["completed"] > 0 and checkout["errors"] == 0 and
            checkout["responses_failed"] == 0 and checkout["tries_exhausted"] == 0,
            f"checkouts poll their job to completion ({checkout})")
    t.check(checkout["repeat_tries"] >= checkout["completed"],
            f"each checkout tracked its job at least once ({checkout})")
    t.check(checkout["latency"]["count"] == checkout["succeeded"],
            f"one transaction latency per successful checkout ({checkout})")
    t.check(by_name["submit"]["sent"] >= checkout["completed"],
            f"each checkout submitted a job ({by_name['submit']})")
    shop_checkout = shop.get("transactions_by_name", {}).get("checkout", {})
    t.check(shop_checkout.get("completed") == checkout["completed"],
            f"shop's own object has the checkout row ({shop_checkout})")
    t.check(by_name["login"]["sent"] == 3, f"one login per shop user ({by_name['login']})")
    phases = {p["name"]: p for p in result["phases"]}
    t.require(list(phases) == ["steady", "shoppers"], f"each scenario's phases ({list(phases)})")
    t.check(phases["shoppers"]["start_s"] == 0.5 and phases["shoppers"]["end_s"] == 2.5,
            f"shop's phase runs from shop's start ({phases['shoppers']})")
    for phase, scenario in (("steady", browse), ("shoppers", shop)):
        t.check(phases[phase]["completed"] == scenario["requests"]["completed"] and
                phases[phase]["sent"] == scenario["requests"]["sent"],
                f"phase {phase} counts its scenario's requests only ({phases[phase]}, "
                f"{scenario['requests']})")


def body(t):
    server = t.serve("--threads", "1")
    url = ["--set", f"target.url={server.url('').rstrip('/')}"]
    outcome = t.run(["run", PROFILE, "-t", "1", *url], quiet=False)
    harness.exits_with(t, outcome, 0, "the two-scenario profile runs and its gates pass")
    t.require(outcome.json is not None, "a JSON result")
    harness.check_accounting(t, outcome.json)
    check_scenarios(t, outcome.json)
    t.check("By scenario" in outcome.stdout and "browse" in outcome.stdout,
            "the summary has a table by scenario")
    t.check("tag:write: error_rate < 1%" in outcome.stdout, "the tag gate is listed")
    verdicts = {entry["expression"]: entry["pass"] for entry in outcome.json["thresholds"]}
    t.check(verdicts.get("shoppers: p95 < 1s") is True and verdicts.get("p95[2s] < 1s") is True,
            f"a scenario's phase gate and a window gate are judged ({verdicts})")
    t.check(verdicts.get("checkout: failure_rate < 1%") is True and
            verdicts.get("checkout: p50 < 2s") is True,
            f"the checkout task's gates are judged on its transactions ({verdicts})")

    fails = t.run(["run", PROFILE, "-t", "1", *url, "--threshold", "shop: p50 < 1us",
                   "--threshold", "browse: error_rate < 1%", "--threshold", "tag:read: rps > 1"])
    harness.exits_with(t, fails, 1, "a scenario gate that cannot pass fails the run")
    lines = fails.stdout.splitlines()
    t.check(any("shop: p50 < 1us" in line and "FAIL" in line for line in lines),
            "the shop gate is the one that failed")
    t.check(any("browse: error_rate < 1%" in line and "pass" in line for line in lines),
            "the browse gate passes")
    t.check(any(line.lstrip().startswith("tag:read:") and "pass" in line for line in lines),
            "the tag gate passes")

    unknown = t.run(["run", PROFILE, "-t", "1", *url, "--threshold", "basket: p99 < 1s"])
    harness.exits_with(t, unknown, 2, "a gate on an unknown scenario is refused")
    t.check("browse" in unknown.output and "tag:write" in unknown.output,
            f"the refusal lists the scenarios and tags ({unknown.output.strip()})")
    t.check(unknown.json is None, "nothing ran")

    # One connection to a 50 ms target cannot keep browse's 40 req/s: beside the closed-loop shop
    # the run asks no rate of its own, and the lagging scenario still says so.
    slow = t.serve("--threads", "1", "--delay", "50ms")
    lagging = t.run(["run", PROFILE, "-t", "1", "-c", "1", "--time-scale", "0.5", "--set",
                     f"target.url={slow.url('').rstrip('/')}"])
    t.require(lagging.json is not None, "the lagging run has results")
    warnings = lagging.json.get("warnings", [])
    t.check(any(w.startswith("scenario 'browse' sent ") and w.endswith("of the 40.0 req/s asked")
                for w in warnings), f"the lagging scenario is named in a warning ({warnings})")
    t.check(not any(w.startswith("scenario 'shop'") for w in warnings),
            "the closed-loop scenario asks no rate")
    target = lagging.json["connections"]["target"]
    t.check(target == 4, f"-c 1 sets browse's connections, shop keeps one per user ({target})")

    recorder = t.recorder(OK_RESPONSE)
    paths = t.run(["run", PROFILE, "-t", "1", "--set",
                   f"target.url={recorder.url('').rstrip('/')}", "--time-scale", "0.5",
                   "--set", "scenario.browse.phases.steady.rate=20"])
    t.require(paths.json is not None, f"the recorded run has results ({paths.output[-400:]})")
    heads = [r.split(b"\r\n", 1)[0].decode() for r in recorder.requests]
    logins = sum(1 for h in heads if h.startswith("POST /login "))
    buys = sum(1 for h in heads if h.startswith("POST /json "))
    # The recorder answers 200 to the job submit, whose check wants 201: each checkout fails
    # there, so it never tracks.
    submits = sum(1 for h in heads if h.startswith("POST /jobs?ready=100ms "))
    browses = sum(1 for h in heads if h.startswith("GET / ") or h.startswith("GET /?item="))
    scenarios = {s["name"]: s["requests"] for s in paths.json.get("scenarios", [])}
    t.check(logins == 3, f"the target saw one login per shop user, none from browse ({logins})")
    t.check(buys + submits + logins == scenarios.get("shop", {}).get("completed"),
            f"the target saw shop's requests at shop's paths ({buys} + {submits} + {logins}, "
            f"{scenarios})")
    t.check(browses == scenarios.get("browse", {}).get("completed"),
            f"the target saw browse's requests at browse's paths ({browses}, {scenarios})")
    t.check(len(heads) == logins + buys + submits + browses, f"no other path ({set(heads)})")
    users = sorted(r.split(b'"user": "', 1)[1].split(b'"', 1)[0].decode()
                   for r in recorder.requests if r.startswith(b"POST /login "))
    t.check(users == ["user01", "user02", "user03"],
            f"each shopper logged in as the next row of shop's own data file ({users})")

    scenario_tasks(t)


TASKS = """
[target]
url = "{url}"

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
name = "fail"
path = "/fail"

[[tasks]]
name = "checkout"
requests = ["submit", {{ repeat = "poll", until = {{ json = "/status", equals = "completed" }}, max_tries = 10, interval = "10ms" }}]

[[tasks]]
name = "broken"
requests = ["submit", "fail"]

[[scenario]]
name = "buyers"
session = {{ tasks = ["checkout"] }}

[[scenario.phases]]
name = "buy"
shape = "users"
users = 2
think = "20ms"
duration = "2s"

[[scenario]]
name = "mixed"
session = {{ order = "sequence", tasks = ["checkout", "broken"] }}

[[scenario.phases]]
name = "arrive"
shape = "constant"
rate = 20
duration = "2s"
"""


def scenario_tasks(t):
    target = t.target("jobs")
    path = t.path("scenario_tasks.toml")
    with open(path, "w") as f:
        f.write(TASKS.format(url=target.url("").rstrip("/")))
    outcome = t.run(["run", path, "-t", "1", "--threshold", "checkout: failure_rate < 1%",
                     "--threshold", "broken: failure_rate < 1%", "--threshold",
                     "buy: error_rate < 1%", "--threshold", "arrive: rps > 5"], quiet=False)
    harness.exits_with(t, outcome, 1, "the broken task's gate fails, the others pass")
    result = outcome.json
    t.require(result is not None and "transactions_by_name" in result,
              f"the JSON has the run's transactions ({outcome.output[-400:]})")
    harness.check_accounting(t, result)
    by_tx = result["transactions_by_name"]
    t.check(list(by_tx) == ["checkout", "broken"], f"one row per task of the profile ({by_tx})")
    scenarios = {s["name"]: s.get("transactions_by_name", {}) for s in result["scenarios"]}
    t.check(list(scenarios["buyers"]) == ["checkout"] and
            list(scenarios["mixed"]) == ["checkout", "broken"],
            f"each scenario has the transactions it runs ({scenarios})")
    checkout = by_tx["checkout"]
    for key in ("sent", "completed", "errors", "unfinished", "responses_failed", "repeat_tries"):
        both = scenarios["buyers"]["checkout"][key] + scenarios["mixed"]["checkout"][key]
        t.check(checkout[key] == both, f"checkout {key}: the row is both scenarios' ({both}, "
                f"{checkout})")
    t.check(checkout["sent"] == checkout["completed"] + checkout["errors"] +
            checkout["unfinished"], f"no checkout vanishes ({checkout})")
    t.check(scenarios["buyers"]["checkout"]["completed"] > 0 and
            scenarios["mixed"]["checkout"]["completed"] > 0 and checkout["responses_failed"] == 0,
            f"both scenarios poll their jobs to completion ({scenarios})")
    t.check(checkout["latency"]["count"] == checkout["succeeded"] and
            checkout["repeat_tries"] == 3 * checkout["completed"],
            f"each checkout polls three times, timed as one transaction ({checkout})")
    t.check(by_tx["broken"]["completed"] > 0 and by_tx["broken"]["failure_rate"] == 1,
            f"the mixed scenario's broken task fails ({by_tx['broken']})")
    verdicts = {entry["expression"]: entry["pass"] for entry in result["thresholds"]}
    t.check(verdicts == {"checkout: failure_rate < 1%": True, "broken: failure_rate < 1%": False,
                         "buy: error_rate < 1%": True, "arrive: rps > 5": True},
            f"gates by task and by a scenario's phase ({verdicts})")
    t.check("By transaction" in outcome.stdout and "By phase" in outcome.stdout,
            "the summary has the transactions and the scenarios' phases")

    unused = t.path("unused_task.toml")
    with open(unused, "w") as f:
        f.write(TASKS.format(url=target.url("").rstrip("/")).replace(
            '"checkout", "broken"', '"checkout"'))
    refused = t.run(["run", unused])
    harness.exits_with(t, refused, 2, "a task no scenario runs is refused")
    t.check("unused_task.toml:" in refused.output and "'broken' is run by no scenario" in
            refused.output, f"the refusal says where and which ({refused.output.strip()})")


harness.main(__doc__, body)
