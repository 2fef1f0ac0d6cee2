#!/usr/bin/env python3
"""[[scenario]] tables: profiles/scenarios.toml runs two user classes in one run against
`barrage serve`, an open-loop one ("browse", 40 req/s for 3 s) and a users one with a login
("shop", 3 users, starting 0.5 s in). The JSON has one object per scenario whose counts keep
their identities and add up to the totals; each scenario sent its own requests (by name, and at
a recording target by path: one login per shop user, none from browse, each with the next row of
shop's own data file); gates by scenario and
by tag pass and fail as their numbers say (exit 0 / 1), an unknown scenario in a gate is refused
before any traffic (exit 2), and an open-loop scenario that falls behind its schedule is named in
a warning even beside a closed-loop one."""

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
    shop_sent = by_name["login"]["sent"] + by_name["buy"]["sent"]
    t.check(browse["requests"]["sent"] == browse_sent,
            f"browse sent home and item only ({browse['requests']['sent']} vs {browse_sent})")
    t.check(shop["requests"]["sent"] == shop_sent,
            f"shop sent login and buy only ({shop['requests']['sent']} vs {shop_sent})")
    t.check(by_name["login"]["sent"] == 3, f"one login per shop user ({by_name['login']})")
    t.check(result["phases"] == [], "no run-wide phase table: each scenario has its own phases")


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

    unknown = t.run(["run", PROFILE, "-t", "1", *url, "--threshold", "checkout: p99 < 1s"])
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
    browses = sum(1 for h in heads if h.startswith("GET / ") or h.startswith("GET /?item="))
    scenarios = {s["name"]: s["requests"] for s in paths.json.get("scenarios", [])}
    t.check(logins == 3, f"the target saw one login per shop user, none from browse ({logins})")
    t.check(buys + logins == scenarios.get("shop", {}).get("completed"),
            f"the target saw shop's requests at shop's paths ({buys} + {logins}, {scenarios})")
    t.check(browses == scenarios.get("browse", {}).get("completed"),
            f"the target saw browse's requests at browse's paths ({browses}, {scenarios})")
    t.check(len(heads) == logins + buys + browses, f"no other path ({set(heads)})")
    users = sorted(r.split(b'"user": "', 1)[1].split(b'"', 1)[0].decode()
                   for r in recorder.requests if r.startswith(b"POST /login "))
    t.check(users == ["user01", "user02", "user03"],
            f"each shopper logged in as the next row of shop's own data file ({users})")


harness.main(__doc__, body)
