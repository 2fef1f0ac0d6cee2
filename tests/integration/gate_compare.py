#!/usr/bin/env python3
"""barrage compare on crafted results: exit 0 without regression, 1 with one (flagged in the
table), 2 with a clear message for input that is not a comparable barrage result."""

import copy
import json
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def crafted(p99=1000, rps=1000.0, errors=0, completed=10000):
    return {"tool": "barrage", "version": "0.1.0", "schema_version": "1",
            "target": {"url": "http://127.0.0.1:8080/", "address": "127.0.0.1:8080"},
            "requests": {"completed": completed, "errors": errors}, "throughput_rps": rps,
            "duration_s": 10.0,
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

    slower = write("slower.json", crafted(p99=1200))
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
    outcome = compare(base, base, "--max-regression", "p95=10%")
    harness.exits_with(t, outcome, 2, "a metric the JSON does not have")
    t.check("p99" in outcome.stderr, "the error lists the metrics that can be compared")
    harness.exits_with(t, compare(base), 2, "one file only")

    server = t.serve("--threads", "1")
    real = t.run(["run", server.url(), "-c", "2", "-d", "1s"])
    harness.exits_with(t, real, 0, "a real run")
    real_path = real.command[real.command.index("--json") + 1]
    harness.exits_with(t, compare(real_path, real_path), 0, "a real result against itself")


harness.main(__doc__, body)
