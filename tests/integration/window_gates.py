#!/usr/bin/env python3
"""Gates by phase and over time: a two-speed profile against `barrage serve --delay` with a
known capacity (--max-inflight), whose short 'busy' phase outruns it. A phase threshold fails for
the busy phase only; a windowed threshold ('p50[1s]') fails on the window the backlog drains in
while the same threshold over the whole run passes; a sustained one ('for') fails only when its
span is shorter than the slow stretch; a ratio shows as a factor; a windowed abort threshold stops
a long run soon after that window (results written, counts whole). Scope and window mistakes are
usage errors that name the valid choices."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

# 20 ms per response, 2 at once: 100 req/s. calm and cool ask 40 req/s; busy asks 240 req/s for
# 0.5 s, a backlog of about 70 requests that drains within about 1.2 s of the busy phase's start.
PROFILE = """
abort_grace = "1s"
thresholds = [
{thresholds}
]

[target]
url = "{url}"
connections = 128

[[requests]]
name = "home"
path = "/"

[[phases]]
name = "calm"
shape = "constant"
rate = 40
duration = "5s"

[[phases]]
name = "busy"
shape = "constant"
rate = 240
duration = "500ms"

[[phases]]
name = "cool"
shape = "constant"
rate = 40
duration = "{cool}"
"""

GATES = [
    "p50 < 150ms",
    "p50[1s] < 150ms",
    "calm: p90 < 150ms",
    "busy: p90 < 150ms",
    "phase=cool: error_rate < 5%",
    "p50 > 150ms for 400ms",
    "p50 > 150ms for 5s",
    "p99 / p50 < 1000",
]


def write_profile(t, name, url, thresholds, cool):
    path = t.path(name)
    with open(path, "w") as f:
        f.write(PROFILE.format(url=url.rstrip("/"), cool=cool,
                               thresholds=",\n".join(f"  {g}" for g in thresholds)))
    return path


def quoted(gates):
    return [f'"{g}"' for g in gates]


def body(t):
    target = t.serve("--threads", "1", "--delay", "20ms", "--max-inflight", "2")
    path = write_profile(t, "two-speed.toml", target.url(""), quoted(GATES), "3s")
    html_path = t.path("two-speed.html")
    outcome = t.run(["run", path, "-t", "1", "--interval", "200ms", "--html", html_path],
                    timeout_s=30)
    harness.exits_with(t, outcome, 1, "a run whose busy phase and window fail their gates")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    harness.check_accounting(t, result)
    gates = {g["expression"]: g for g in result["thresholds"]}
    verdicts = {e: g["pass"] for e, g in gates.items()}
    t.check(verdicts == {"p50 < 150ms": True, "p50[1s] < 150ms": False,
                         "calm: p90 < 150ms": True, "busy: p90 < 150ms": False,
                         "phase=cool: error_rate < 5%": True, "p50 > 150ms for 400ms": False,
                         "p50 > 150ms for 5s": True, "p99 / p50 < 1000": True},
            f"the busy phase, its window and the short sustained span fail ({verdicts})")
    busy = gates["busy: p90 < 150ms"]
    t.check(busy["scope"] == "phase" and busy["phase"] == "busy" and busy["request"] is None,
            f"a bare phase name resolves to the phase ({busy})")
    window = gates["p50[1s] < 150ms"]
    t.check(window["window_s"] == 1 and window["value"] > 150_000 and
            5 <= window["window_start_s"] <= 6,
            f"the windowed gate shows its worst window, where the backlog drained ({window})")
    t.check(gates["p50 < 150ms"]["value"] < 150_000 and gates["p50 < 150ms"]["window_s"] is None,
            "the same threshold over the whole run passes")
    short = gates["p50 > 150ms for 400ms"]
    t.check(short["for_s"] == 0.4 and short["held_s"] >= 0.4 and
            short["held_s"] == gates["p50 > 150ms for 5s"]["held_s"],
            f"both sustained gates measured the same slow stretch ({short})")
    ratio = gates["p99 / p50 < 1000"]
    t.check(ratio["metric"] == "p99/p50" and ratio["unit"] == "factor" and ratio["value"] > 1,
            f"a ratio is a factor ({ratio})")

    with open(html_path) as f:
        page = f.read()
    t.check("<td class=\"text\">phase busy</td>" in page and "(from 5" in page,
            "the HTML page shows the phase scope and the worst window's start")

    # The windowed gate as an abort threshold stops a 28.5 s run soon after its window.
    gates = ['{ expr = "p50[1s] < 150ms", abort = true }', '"p50 < 150ms"']
    path = write_profile(t, "abort.toml", target.url(""), gates, "23s")
    outcome = t.run(["run", path, "-t", "1", "--interval", "200ms"], timeout_s=40)
    harness.exits_with(t, outcome, 1, "a run stopped by a windowed abort threshold")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    harness.check_accounting(t, result)
    t.check(result["aborted_by"] is not None and "p50[1s] < 150ms" in result["aborted_by"] and
            "window from" in result["aborted_by"],
            f"aborted_by names the threshold and its window ({result['aborted_by']})")
    t.check(result["duration_s"] < 15, f"the run stopped early ({result['duration_s']} s of 28.5)")
    t.check(any(g["expression"] == "p50 < 150ms" and g["pass"] for g in result["thresholds"]),
            "the whole-run threshold of the aborted run still passes")

    # A sustained abort threshold stops the run once its condition has held its span.
    gates = ['{ expr = "p50 > 150ms for 400ms", abort = true }']
    path = write_profile(t, "sustained.toml", target.url(""), gates, "23s")
    outcome = t.run(["run", path, "-t", "1", "--interval", "200ms"], timeout_s=40)
    harness.exits_with(t, outcome, 1, "a run stopped by a sustained abort threshold")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    harness.check_accounting(t, result)
    t.check(result["aborted_by"] is not None and "held for" in result["aborted_by"],
            f"aborted_by says how long the condition held ({result['aborted_by']})")
    t.check(result["duration_s"] < 15, f"the run stopped early ({result['duration_s']} s of 28.5)")
    gate = result["thresholds"][0]
    t.check(gate["held_s"] >= 0.4 and not gate["pass"], f"the sustained gate failed ({gate})")

    # --time-scale scales a profile's windows and sustained spans with its phases, not the
    # command line's: a 30 s phase at 0.1 runs 3 s with 1 s windows and a 2 s span.
    scaled = t.path("scaled.toml")
    with open(scaled, "w") as f:
        f.write(f'''thresholds = ["p50[10s] < 10s", "p50 > 10s for 20s"]
[target]
url = "{target.url("").rstrip("/")}"
[[requests]]
name = "home"
path = "/"
[[phases]]
name = "only"
shape = "constant"
rate = 20
duration = "30s"
''')
    outcome = t.run(["run", scaled, "-t", "1", "--time-scale", "0.1", "--interval", "200ms",
                     "--threshold", "p50[1s] < 10s"])
    harness.exits_with(t, outcome, 0, "a time-scaled profile with windowed gates")
    result = outcome.json
    t.require(result is not None, "the --json file was written")
    spans = [(g["window_s"], g["for_s"]) for g in result["thresholds"]]
    t.check(spans == [(1, None), (None, 2), (1, None)],
            f"the profile's spans scaled, the command line's as given ({spans})")

    # Scope and window mistakes are usage errors naming the valid choices.
    for gate, expected in [("nope: p50 < 1s", "the phases are: calm, busy, cool"),
                           ("home: p50[1s] < 1s", "drop the scope"),
                           ("p50[100ms] < 1s", "shorter than the interval"),
                           ("p50 > 1s for 1h", "longer than the measured period"),
                           ("busy: failure_rate < 1%", "not kept per phase")]:
        outcome = t.run(["run", path, "--interval", "200ms", "--threshold", gate],
                        json_out=False, quiet=False)
        harness.exits_with(t, outcome, 2, f"'{gate}': a usage error")
        t.check(expected in outcome.stderr, f"'{gate}': stderr says {expected!r} "
                                            f"({outcome.stderr.strip()})")


harness.main(__doc__, body)
