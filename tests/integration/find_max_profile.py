#!/usr/bin/env python3
"""find-max takes a profile by the rule `barrage run` uses (a .toml name or an existing regular
file), so a profile named smoke.prof runs its levels at the asked rates against `barrage serve`;
a profile whose main phase is not constant cannot take a step's rate (exit 2, before any
traffic). A profile that ramps up before its main phase and down after it: each step ramps up to
the step's rate as warm-up and judges the main phase alone, so steps the target holds pass (the
old binary failed every one: "sent 27 of the 38 requests asked")."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

PROFILE = """
[target]
url = "{url}"
connections = 4

[[requests]]
name = "home"
path = "/"

[[phases]]
name = "main"
shape = "{shape}"
{rates}
duration = "1s"
"""


def write_profile(t, name, url, shape, rates):
    path = t.path(name)
    with open(path, "w") as f:
        f.write(PROFILE.format(url=url, shape=shape, rates=rates))
    return path


def body(t):
    server = t.serve("--threads", "1")
    url = server.url("").rstrip("/")
    profile = write_profile(t, "smoke.prof", url, "constant", "rate = 50")

    outcome = t.run(["run", profile, "-t", "1"], timeout_s=30)
    harness.exits_with(t, outcome, 0, "run takes smoke.prof as a profile")

    json_path = t.path("levels.json")
    outcome = t.run(["find-max", profile, "--profile-levels", "0.5,1", "--rate", "200",
                     "--step-duration", "1s", "-t", "1", "--json", json_path],
                    json_out=False, timeout_s=60)
    harness.exits_with(t, outcome, 0, "find-max takes smoke.prof as a profile")
    t.check("--warmup" not in outcome.stderr, f"no --warmup refusal ({outcome.stderr.strip()})")
    result = t.load_json(json_path) if outcome.rc == 0 else {"steps": []}
    rates = [step["rate_asked_rps"] for step in result["steps"]]
    t.check(rates == [100, 200], f"the levels ran at 100 and 200 req/s ({rates})")
    t.check(all(step["completed"] > 0 for step in result["steps"]),
            "every step completed requests")

    ramp = write_profile(t, "ramp.prof", url, "ramp", "from = 1\nto = 5")
    outcome = t.run(["find-max", ramp, "--slo", "p99 < 1s", "-t", "1"], json_out=False,
                    quiet=False, timeout_s=10)
    harness.exits_with(t, outcome, 2, "a profile whose main phase is a ramp")
    t.check("--rate: the main phase 'main' is not constant" in outcome.stderr,
            f"stderr says why ({outcome.stderr.strip()})")


    ramped = t.path("ramped.prof")
    with open(ramped, "w") as f:
        f.write(RAMPED.format(url=url))
    json_path = t.path("ramped.json")
    outcome = t.run(["find-max", ramped, "--profile-levels", "1,2", "--rate", "100",
                     "--step-duration", "1s", "-t", "1", "--json", json_path],
                    json_out=False, timeout_s=60)
    harness.exits_with(t, outcome, 0, "find-max --profile-levels on a ramped profile")
    result = t.load_json(json_path) if outcome.rc == 0 else {"steps": []}
    steps = [(s["rate_asked_rps"], s["verdict"], s["failed"]) for s in result["steps"]]
    t.check([rate for rate, _, _ in steps] == [100, 200], f"the levels ran at 100, 200 ({steps})")
    t.check(all(verdict == "pass" for _, verdict, _ in steps), f"every level passed ({steps})")
    t.check(all(s["sent"] >= 0.99 * s["rate_asked_rps"] for s in result["steps"]),
            "each step's counts are its main phase's (rate x 1 s)")

    outcome = t.run(["find-max", ramped, "--slo", "p99 < 1s", "--start", "100", "--max", "200",
                     "--step-duration", "1s", "-t", "1", "--json", json_path],
                    json_out=False, timeout_s=60)
    harness.exits_with(t, outcome, 0, "find-max on a ramped profile holds up to --max")
    result = t.load_json(json_path) if outcome.rc == 0 else {}
    t.check(result.get("max_sustainable_rps") == 200,
            f"the max sustainable rate is --max ({result.get('max_sustainable_rps')})")


RAMPED = """
[target]
url = "{url}"
connections = 4

[[requests]]
name = "home"
path = "/"

[[phases]]
name = "up"
shape = "ramp"
from = 0
to = 50
duration = "1s"

[[phases]]
name = "main"
shape = "constant"
rate = 50
duration = "1m"
main = true

[[phases]]
name = "down"
shape = "ramp"
from = 50
to = 0
duration = "1s"
"""


harness.main(__doc__, body)
