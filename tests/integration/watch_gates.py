#!/usr/bin/env python3
"""Target resources as gates and compared metrics, end to end: against `barrage serve
--leak-per-request 64k` watched with --watch-pid, 'rss_max < 4GB', 'rss_initial < 4GB' and
'target_cpu < 800%' pass (exit 0) with their values in the JSON, while 'rss_growth < 10%/24h' (the
growth relative to the first RSS) fails (exit 1); a resource gate without a watched target is a
usage error (exit 2), and find-max refuses one as an SLO (a step is judged on its requests).
Then compare: the leaking run against a clean one shows rss_max and
target_cpu and flags the leak's memory; a run without a watched target shows them n/a; --metrics
judges and shows only the metrics it names, and an unknown name is exit 2."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

# 200 req/s x 64 KiB is 750 MB/min of leak; samples every 500 ms after a 1 s warm-up.
LOAD = ["-r", "200", "-c", "4", "-t", "1", "-d", "3s", "--warmup", "1s", "--interval", "500ms"]


def gates_of(outcome):
    return {gate["expression"]: gate for gate in outcome.json["thresholds"]}


def check_gates(t, leaky):
    watched = ["run", leaky.url(), *LOAD, "--watch-pid", str(leaky.process.pid)]
    leaky_path = t.path("leaky.json")
    passing = t.run(watched + ["--threshold", "rss_max < 4GB", "--threshold", "rss_initial < 4GB",
                               "--threshold", "target_cpu < 800%", "--json", leaky_path],
                    quiet=False)
    passing.json = t.load_json(leaky_path)
    harness.exits_with(t, passing, 0, "generous resource gates pass")
    gates = gates_of(passing)
    rss_max, rss_initial = gates["rss_max < 4GB"], gates["rss_initial < 4GB"]
    t.check(rss_max["pass"] and rss_max["unit"] == "MB" and rss_max["limit"] == 4096,
            f"rss_max in MB ({rss_max})")
    t.check(rss_max["value"] > rss_initial["value"] + 10,
            f"the leak makes the largest RSS exceed the first ({rss_max['value']} MB vs "
            f"{rss_initial['value']} MB)")
    cpu = gates["target_cpu < 800%"]
    t.check(cpu["unit"] == "ratio" and 0 < cpu["value"] < 8, f"target_cpu is a share ({cpu})")
    t.check("rss_max < 4GB" in passing.stdout, "the summary's table shows the gates")

    failing = t.run(watched + ["--threshold", "rss_growth < 10%/24h",
                               "--threshold", "rss_max < 4GB"], quiet=False)
    harness.exits_with(t, failing, 1, "a leak fails the relative growth gate")
    gates = gates_of(failing)
    growth = gates["rss_growth < 10%/24h"]
    t.check(growth["pass"] is False and growth["unit"] == "ratio/min" and growth["value"] > 0.01,
            f"the relative growth, a fraction per minute, is far above 10%/24h ({growth})")
    t.check(gates["rss_max < 4GB"]["pass"], "the passing gate beside it still passes")
    t.check("%/24h  FAIL" in failing.stdout, f"the summary shows it per day ({failing.stdout[-900:]})")

    unwatched = t.run(["run", leaky.url(), "-d", "1s", "--threshold", "rss_max < 1GB"],
                      json_out=False, quiet=False)
    harness.exits_with(t, unwatched, 2, "a resource gate without a watched target")
    t.check("--watch-pid" in unwatched.stderr, f"the error says how ({unwatched.stderr.strip()!r})")
    for slo in ("rss_growth < 1MB/min", "target_cpu < 70%"):
        search = t.run(["find-max", leaky.url(), "--slo", slo], json_out=False, quiet=False)
        harness.exits_with(t, search, 2, f"find-max refuses the SLO '{slo}' before any traffic")
        t.check("watched target, not of a step" in search.stderr, f"and says why ({search.stderr!r})")
    return leaky_path


def check_compare(t, leaky_path, clean):
    clean_path, plain_path = t.path("clean.json"), t.path("plain.json")
    clean_run = t.run(["run", clean.url(), *LOAD, "--watch-pid", str(clean.process.pid),
                       "--json", clean_path])
    harness.exits_with(t, clean_run, 0, "a watched run of a server that does not leak")
    plain = t.run(["run", clean.url(), *LOAD, "--json", plain_path])
    harness.exits_with(t, plain, 0, "an unwatched run")

    def compare(*args):
        return t.run(["compare", *args, "--allow-different-config"], json_out=False, quiet=False)

    leak = compare(clean_path, leaky_path)
    t.check(leak.rc == 1, f"the leak's memory is a regression (exit {leak.rc})")
    rows = {line.split()[0]: line for line in leak.stdout.splitlines() if line.strip()}
    t.check("REGRESSION" in rows.get("rss_max", ""), f"rss_max flagged ({leak.stdout})")
    t.check("target_cpu" in rows, "target_cpu is compared")
    unwatched = compare(clean_path, plain_path)
    rows = {line.split()[0]: line for line in unwatched.stdout.splitlines() if line.strip()}
    t.check("n/a" in rows.get("rss_max", "") and "(not in the current run)" in rows["rss_max"],
            f"no watched target: n/a ({unwatched.stdout})")

    only = compare(clean_path, plain_path, "--metrics", "p50,p95,rps")
    table = [line.split()[0] for line in only.stdout.splitlines()
             if line.split() and line.split()[0] in ("p50", "p90", "p95", "p99", "rps", "rss_max")]
    t.check(table == ["p50", "p95", "rps"], f"--metrics shows only what it names ({only.stdout})")
    unknown = compare(clean_path, plain_path, "--metrics", "p50,rps_max")
    harness.exits_with(t, unknown, 2, "an unknown metric in --metrics")
    t.check("unknown metric 'rps_max'" in unknown.stderr, f"named ({unknown.stderr.strip()!r})")


def body(t):
    leaky = t.serve("--leak-per-request", "64k")
    clean = t.serve()
    leaky_path = check_gates(t, leaky)
    check_compare(t, leaky_path, clean)


harness.main(__doc__, body)
