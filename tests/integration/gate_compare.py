#!/usr/bin/env python3
"""barrage compare on crafted results: exit 0 without regression, 1 with one (flagged in the
table), 2 with a clear message for input that is not a comparable barrage result or a run of
another configuration. Then real runs: a result against itself, several baselines (--current)
with their spread printed, no per-name table for a URL run. Then per request name, on a real
profile run and copies of it made slower for one name: a table per name, the regression flagged
there, name-scoped tolerances, names in one file only, and --json."""

import copy
import json
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def crafted(p99=10000, rps=1000.0, errors=0, completed=10000, rate=1000):
    return {"tool": "barrage", "version": "0.1.0", "schema_version": "1",
            "target": {"url": "http://127.0.0.1:8080/", "address": "127.0.0.1:8080"},
            "requests": {"completed": completed, "errors": errors}, "throughput_rps": rps,
            "duration_s": 10.0, "target_rate_rps": rate,
            "latency": {"min": 10, "mean": 500.0, "p50": 400, "p90": 800, "p99": p99,
                        "p999": 2000, "p9999": 3000, "max": 4000, "count": completed},
            "intervals": []}


def body(t):
    def write(name, document):
        path = t.path(name)
        with open(path, "w") as f:
            f.write(document if isinstance(document, str) else json.dumps(document))
        return path

    def compare(*args):
        return t.run(["compare", *args], json_out=False, quiet=False)

    base = write("base.json", crafted())
    same = compare(base, base)
    harness.exits_with(t, same, 0, "a result against itself")
    t.check("no regression" in same.stdout, f"it says so ({same.stdout[-200:]!r})")

    slower = write("slower.json", crafted(p99=12000))
    outcome = compare(base, slower)
    harness.exits_with(t, outcome, 1, "p99 up 20%")
    line = next((l for l in outcome.stdout.splitlines() if l.startswith("p99 ")), "")
    t.check("REGRESSION" in line and "+20.0%" in line, f"the p99 row is flagged ({line!r})")
    harness.exits_with(t, compare(base, slower, "--max-regression", "p99=25%"), 0,
                       "p99 up 20% with a 25% tolerance")

    harness.exits_with(t, compare(base, write("fewer.json", crafted(rps=850.0))), 1,
                       "throughput down 15%")
    harness.exits_with(t, compare(base, write("errors.json", crafted(errors=50, completed=9950))),
                       1, "error rate from 0 to 0.5%")
    better = compare(base, write("better.json", crafted(p99=500, rps=2000.0)))
    harness.exits_with(t, better, 0, "faster and more throughput")
    t.check("better" in better.stdout, "improvements are marked")

    wrong_schema = crafted()
    wrong_schema["schema_version"] = "2"
    not_barrage = crafted()
    not_barrage["tool"] = "wrk"
    missing = copy.deepcopy(crafted())
    del missing["latency"]["p99"]
    cases = [(write("schema.json", wrong_schema), "schema_version '2'"),
             (write("wrk.json", not_barrage), "not a barrage result"),
             (write("missing.json", missing), "missing latency/p99"),
             (write("broken.json", "{\"tool\": "), "invalid JSON"),
             (t.path("absent.json"), "cannot read")]
    for path, expected in cases:
        outcome = compare(base, path)
        harness.exits_with(t, outcome, 2, f"comparing with {path.rsplit('/', 1)[-1]}")
        t.check(expected in outcome.stderr and path in outcome.stderr,
                f"the error names the file and says {expected!r} ({outcome.stderr.strip()!r})")
    outcome = compare(base, base, "--max-regression", "p4x=10%")
    harness.exits_with(t, outcome, 2, "a metric compare does not know")
    t.check("p99" in outcome.stderr, "the error lists the metrics that can be compared")
    harness.exits_with(t, compare(base), 2, "one file only")
    small = compare(base, write("small.json", crafted(p99=10900)))
    harness.exits_with(t, small, 0, "p99 up 9%")
    floor = compare(base, write("floor.json", crafted(p99=10000 * 1.5)), "--min-delta", "10ms")
    harness.exits_with(t, floor, 0, "p99 up 5 ms, under a 10 ms floor")
    t.check("no latency histogram in" in floor.stdout,
            f"results without histograms are said to be judged by tolerance and floor only "
            f"({floor.stdout[:300]!r})")
    other_rate = compare(base, write("rate.json", crafted(rate=2000)))
    harness.exits_with(t, other_rate, 2, "runs at different rates")
    t.check("rate 1000 vs 2000" in other_rate.stderr and
            "--allow-different-config" in other_rate.stderr,
            f"the refusal names the difference and the way out ({other_rate.stderr.strip()!r})")
    harness.exits_with(t, compare(base, t.path("rate.json"), "--allow-different-config"), 0,
                       "runs at different rates with --allow-different-config")

    server = t.serve("--threads", "1")
    real = t.run(["run", server.url(), "-c", "2", "-d", "1s"])
    harness.exits_with(t, real, 0, "a real run")
    real_path = real.command[real.command.index("--json") + 1]
    same = compare(real_path, real_path)
    harness.exits_with(t, same, 0, "a real result against itself")
    t.check("request '" not in same.stdout, f"a URL run has no per-name table ({same.stdout!r})")
    t.check("99% confidence intervals" in same.stdout and "note:" not in same.stdout,
            f"real results are judged by their histograms ({same.stdout[:300]!r})")
    several = compare(real_path, real_path, real_path, "--current", real_path)
    harness.exits_with(t, several, 0, "three baselines and --current")
    t.check("run-to-run spread of the baselines (coefficient of variation): p50 0.0%" in
            several.stdout, f"the baselines' spread is printed ({several.stdout[:400]!r})")
    harness.exits_with(t, compare("--current", real_path), 2, "--current without a baseline")

    by_name_steps(t, server, write, compare)


PROFILE = """
[target]
url = "{url}"
connections = 2

[[requests]]
name = "home"
path = "/"

[[requests]]
name = "predict"
path = "/json"

[[phases]]
name = "main"
shape = "constant"
rate = 200
duration = "1s"
"""


def table_of(stdout, name):
    """The lines of the per-name table of request `name`."""
    lines = stdout.splitlines()
    if f"request '{name}'" not in lines:
        return []
    start = lines.index(f"request '{name}'") + 1
    end = next((i for i in range(start, len(lines)) if not lines[i]), len(lines))
    return lines[start:end]


def row(table, metric):
    return next((line for line in table if line.startswith(metric + " ")), "")


def by_name_steps(t, server, write, compare):
    profile = write("names.toml", PROFILE.format(url=server.url("").rstrip("/")))
    real = t.run(["run", profile, "-t", "1"])
    harness.exits_with(t, real, 0, "a real profile run")
    t.require(real.json is not None and set(real.json["requests_by_name"]) == {"home", "predict"},
              "the profile run has results for home and predict")
    base = write("profile_base.json", real.json)
    same = compare(base, base)
    harness.exits_with(t, same, 0, "a profile result against itself")
    for name in ("home", "predict"):
        t.check(row(table_of(same.stdout, name), "p99") != "",
                f"a table for '{name}' ({same.stdout!r})")

    slower = copy.deepcopy(real.json)
    latency = slower["requests_by_name"]["predict"]["latency"]
    latency["p99"] = latency["p99"] * 2 + 5000
    del latency["histogram"]  # the figure alone, as an older result has it
    slower_path = write("profile_slower.json", slower)
    outcome = compare(base, slower_path)
    harness.exits_with(t, outcome, 1, "predict's p99 doubled, the whole run unchanged")
    line = row(table_of(outcome.stdout, "predict"), "p99")
    t.check("REGRESSION" in line, f"predict's p99 row is flagged ({line!r})")
    t.check("REGRESSION" not in row(outcome.stdout.splitlines(), "p99") and
            "REGRESSION" not in row(table_of(outcome.stdout, "home"), "p99"),
            f"neither the whole run nor home is ({outcome.stdout!r})")
    t.check("'predict': 1" in outcome.stdout.splitlines()[-1],
            f"the verdict says where ({outcome.stdout.splitlines()[-1]!r})")
    harness.exits_with(t, compare(base, slower_path, "--max-regression", "predict:p99=10000%"), 0,
                       "with a loose tolerance for predict only")
    harness.exits_with(t, compare(base, slower_path, "--max-regression", "home:p99=10000%"), 1,
                       "with a loose tolerance for home only")
    harness.exits_with(t, compare(base, slower_path, "--max-regression", "p99=10000%",
                                  "--max-regression", "predict:p99=5%"), 1,
                       "a tight tolerance for predict wins over a loose one for all")

    typo = compare(base, slower_path, "--max-regression", "predikt:p99=5%")
    harness.exits_with(t, typo, 2, "a tolerance for a name neither result has")
    t.check("predikt" in typo.stderr and "home, predict" in typo.stderr,
            f"the error names the names that exist ({typo.stderr.strip()!r})")

    renamed = copy.deepcopy(real.json)
    renamed["requests_by_name"]["predict2"] = renamed["requests_by_name"].pop("predict")
    outcome = compare(base, write("profile_renamed.json", renamed))
    harness.exits_with(t, outcome, 0, "a name in one file only is not a regression")
    t.check("request 'predict': only in the baseline" in outcome.stdout and
            "request 'predict2': only in the current result" in outcome.stdout,
            f"it is listed as such ({outcome.stdout!r})")

    machine = compare(base, slower_path, "--json", "-")
    harness.exits_with(t, machine, 1, "--json - with a regression")
    try:
        document = json.loads(machine.stdout)
    except json.JSONDecodeError as error:
        document = {}
        t.check(False, f"--json - writes JSON to stdout ({error}: {machine.stdout!r})")
    flagged = [c["metric"] for c in document.get("requests_by_name", {}).get("predict", [])
               if c["regression"]]
    t.check(document.get("regressions") == 1 and flagged == ["p99"],
            f"the JSON flags predict's p99 only ({document})")
    t.check("REGRESSION" in machine.stderr, "the table goes to stderr")
    json_path = t.path("changes.json")
    harness.exits_with(t, compare(base, base, "--json", json_path), 0, "--json FILE")
    with open(json_path) as f:
        t.check(json.load(f)["regressions"] == 0, "the file says no regression")
    harness.exits_with(t, compare(base, base, "--json", t.path("no/such/dir.json")), 2,
                       "--json into a missing directory")


harness.main(__doc__, body)
