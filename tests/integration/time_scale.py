#!/usr/bin/env python3
"""--time-scale 0.1 runs a profile of three phases (a warm-up, a ramp, a constant phase of 10 s
each) in a tenth of its time: the JSON's planned warm-up and duration and its phases' bounds are
a tenth of the profile's, and the counts keep their identities. A factor that leaves a phase under
1 ms, a factor that is not a number and a URL run are refused with exit 2 before any traffic."""

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
name = "warm"
shape = "constant"
rate = 20
duration = "10s"
warmup = true

[[phases]]
name = "up"
shape = "ramp"
from = 0
to = 50
duration = "10s"

[[phases]]
name = "main"
shape = "constant"
rate = 50
duration = "10s"
"""


def body(t):
    server = t.serve("--threads", "1")
    profile = t.path("plan.toml")
    with open(profile, "w") as f:
        f.write(PROFILE.format(url=server.url("").rstrip("/")))

    outcome = t.run(["run", profile, "-t", "1", "--time-scale", "0.1"], timeout_s=20)
    harness.exits_with(t, outcome, 0, "the scaled profile runs")
    result = outcome.json or {}
    config = result.get("config", {})
    t.check(config.get("warmup_s") == 1, f"the warm-up lasts 1 s ({config.get('warmup_s')})")
    t.check(config.get("duration_s") == 2, f"the measured phases last 2 s ({config.get('duration_s')})")
    phases = [(p["name"], p["start_s"], p["end_s"]) for p in result.get("phases", [])]
    t.check(phases == [("up", 0, 1), ("main", 1, 2)], f"the phases are a tenth as long ({phases})")
    t.check(result.get("requests", {}).get("sent", 0) > 0, "requests were sent")
    if result:
        harness.check_accounting(t, result)

    for factor, expected in [("0.00001", "phases.warm.duration (10s) scaled is under 1ms"),
                             ("fast", "--time-scale: 'fast' is not a factor above 0"),
                             ("0", "--time-scale: '0' is not a factor above 0")]:
        outcome = t.run(["run", profile, "--time-scale", factor], json_out=False, timeout_s=10)
        harness.exits_with(t, outcome, 2, f"--time-scale {factor}")
        t.check(expected in outcome.stderr, f"stderr says why ({outcome.stderr.strip()})")

    outcome = t.run(["run", server.url(), "-d", "1s", "--time-scale", "0.1"], json_out=False,
                    timeout_s=10)
    harness.exits_with(t, outcome, 2, "--time-scale on a URL run")
    t.check("a URL run lasts -d" in outcome.stderr, f"stderr says why ({outcome.stderr.strip()})")


harness.main(__doc__, body)
