#!/usr/bin/env python3
"""barrage suite: two profiles in order against `barrage serve`, the second failing a gate:
exit 1 (the worst of the runs), the table on stdout, the suite's --json holding both runs'
results (each keeping the count identities) and a run's own json file written. A usage error
in the second profile (a mistyped key) is refused with exit 2 before the first run sends
anything; so is a mistyped key of the suite file. stop_on_fail skips the runs after a failed
one. SIGTERM in a cool-down stops the suite with exit 143, SIGINT in a run with exit 130; both still
write what ran."""

import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

PROFILE = """
thresholds = ["{gate}"]

[target]
url = "{url}"
connections = 2

[[requests]]
name = "home"
path = "/"

[[phases]]
name = "main"
shape = "constant"
rate = 40
{duration_key} = "1s"
"""

SUITE = """
name = "ci"
cool_down = "{cool_down}"
{suite_extra}

[[run]]
profile = "smoke.toml"
json = "{smoke_json}"
{first_extra}

[[run]]
name = "load"
profile = "{second}"
set = ["phases.main.rate=50"]
"""


def write(t, name, text):
    path = t.path(name)
    with open(path, "w") as f:
        f.write(text)
    return path


def write_profiles(t, url):
    write(t, "smoke.toml", PROFILE.format(url=url, duration_key="duration", gate="p99 < 10s"))
    write(t, "load.toml", PROFILE.format(url=url, duration_key="duration", gate="rps > 1000000"))
    write(t, "typo.toml", PROFILE.format(url=url, duration_key="duraton", gate="p99 < 10s"))


def suite_file(t, name, second="load.toml", cool_down="0s", suite_extra="", first_extra=""):
    return write(t, name, SUITE.format(cool_down=cool_down, suite_extra=suite_extra,
                                       first_extra=first_extra, second=second,
                                       smoke_json=t.path(name + ".smoke.json")))


def check_two_runs(t, url):
    suite = suite_file(t, "ci.toml", cool_down="200ms")
    suite_json = t.path("ci.json")
    outcome = t.run(["suite", suite, "--json", suite_json], json_out=False, timeout_s=30)
    harness.exits_with(t, outcome, 1, "a suite whose second run fails its gate")
    t.check("Suite ci" in outcome.stdout and "thresholds failed" in outcome.stdout,
            f"the suite table is on stdout ({outcome.stdout[-800:]!r})")
    document = t.load_json(suite_json)
    t.check(document.get("kind") == "suite" and document.get("exit_code") == 1,
            f"the suite's JSON says kind suite, exit 1 ({document.get('exit_code')})")
    runs = document.get("runs", [])
    t.require(len(runs) == 2, f"two runs in the suite's JSON ({len(runs)})")
    t.check([r["name"] for r in runs] == ["smoke", "load"], f"in order ({runs[0]['name']})")
    t.check([r["exit_code"] for r in runs] == [0, 1], "smoke passes, load fails its gate")
    for run in runs:
        result = run.get("result") or {}
        t.check(result.get("requests", {}).get("sent", 0) > 0, f"run {run['name']} sent requests")
        if result:
            harness.check_accounting(t, result)
    load_rate = (runs[1].get("result") or {}).get("target_rate_rps")
    t.check(load_rate == 50, f"the run's set = [...] applied: rate 50 ({load_rate})")
    smoke_json = t.path("ci.toml.smoke.json")
    t.check(os.path.exists(smoke_json), "the first run's own json file is written")


def check_usage_errors_first(t):
    suite = suite_file(t, "typo_suite.toml", second="typo.toml")
    outcome = t.run(["suite", suite, "--json", t.path("typo.json")], json_out=False,
                    timeout_s=10)
    harness.exits_with(t, outcome, 2, "a mistyped key in the second profile")
    t.check("typo.toml:" in outcome.stderr and "did you mean 'duration'?" in outcome.stderr,
            f"stderr names the profile's line and the key meant ({outcome.stderr.strip()})")
    t.check(not os.path.exists(t.path("typo_suite.toml.smoke.json")),
            "the first run never ran: its json file is not there")
    t.check(not os.path.exists(t.path("typo.json")), "no suite json for a suite that never ran")

    suite = suite_file(t, "key_suite.toml", first_extra='stop_on_fial = true')
    outcome = t.run(["suite", suite], json_out=False, timeout_s=10)
    harness.exits_with(t, outcome, 2, "a mistyped key in the suite file")
    t.check("key_suite.toml:" in outcome.stderr and "did you mean 'stop_on_fail'?"
            in outcome.stderr, f"stderr says where and what ({outcome.stderr.strip()})")


def check_stop_on_fail(t):
    write(t, "fail_first.toml", """
[[run]]
profile = "load.toml"
stop_on_fail = true
[[run]]
profile = "smoke.toml"
""")
    suite_json = t.path("fail_first.json")
    outcome = t.run(["suite", t.path("fail_first.toml"), "--json", suite_json], json_out=False,
                    timeout_s=20)
    harness.exits_with(t, outcome, 1, "stop_on_fail after a failed run")
    runs = t.load_json(suite_json).get("runs", [])
    t.check([r.get("ran") for r in runs] == [True, False], f"the second run is skipped ({runs})")
    t.check("stop_on_fail" in runs[-1].get("verdict", ""), "its verdict says why")


def check_signal_in_cool_down(t):
    suite = suite_file(t, "slow.toml", cool_down="30s")
    suite_json = t.path("slow.json")
    process = t.popen(["suite", suite, "--json", suite_json, "-q"])
    smoke_json = t.path("slow.toml.smoke.json")
    deadline = time.monotonic() + 20
    while not os.path.exists(smoke_json) and time.monotonic() < deadline:
        time.sleep(0.05)
    t.require(os.path.exists(smoke_json), "the first run ends and writes its json")
    time.sleep(0.3)  # into the cool-down
    process.send_signal(signal.SIGTERM)
    try:
        rc = process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = None
    t.check(rc == 143, f"SIGTERM in the cool-down: exit 143 (got {rc})")
    document = t.load_json(suite_json) if os.path.exists(suite_json) else {}
    t.check(document.get("interrupted") is True and document.get("signal") == "SIGTERM",
            "the suite's JSON says it was stopped by SIGTERM")
    runs = document.get("runs", [])
    t.check([r.get("ran") for r in runs] == [True, False],
            f"what ran is kept, the rest is skipped ({[r.get('ran') for r in runs]})")


def check_signal_in_run(t, url):
    write(t, "long.toml", PROFILE.format(url=url, duration_key="duration", gate="p99 < 10s")
          .replace('"1s"', '"30s"'))
    write(t, "interrupted.toml", """
[[run]]
profile = "long.toml"
[[run]]
profile = "smoke.toml"
""")
    suite_json = t.path("interrupted.json")
    process = t.popen(["suite", t.path("interrupted.toml"), "--json", suite_json, "-q"])
    time.sleep(1.5)  # into the first run
    process.send_signal(signal.SIGINT)
    try:
        rc = process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = None
    t.check(rc == 130, f"SIGINT in a run: exit 130 (got {rc})")
    document = t.load_json(suite_json) if os.path.exists(suite_json) else {}
    runs = document.get("runs", [])
    t.check([r.get("ran") for r in runs] == [True, False],
            f"the interrupted run is kept, the next skipped ({[r.get('ran') for r in runs]})")
    first = (runs[0].get("result") or {}) if runs else {}
    t.check(first.get("interrupted") is True and first.get("requests", {}).get("sent", 0) > 0,
            "the interrupted run's result says so and holds what it sent")


def body(t):
    server = t.serve("--threads", "1")
    write_profiles(t, server.url("").rstrip("/"))
    check_two_runs(t, server.url())
    check_usage_errors_first(t)
    check_stop_on_fail(t)
    check_signal_in_cool_down(t)
    check_signal_in_run(t, server.url("").rstrip("/"))


harness.main(__doc__, body)
