#!/usr/bin/env python3
"""Every profile in profiles/ runs against `barrage serve` with its phases shortened through
--set: it exits 0, counts add up, every request name with a weight was sent and answered, no
check fails and no capture misses (serve answers what the examples expect), and each measured
phase is reported."""

import os
import sys
import tomllib

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

PROFILES = os.path.join(harness.HERE, "..", "..", "profiles")


def shortened(phase, prefix="phases"):
    """--set values that make one phase last about a second at a rate this machine affords."""
    name, shape = phase["name"], phase["shape"]
    key = f"{prefix}.{name}"
    sets = {"constant": {"duration": "1s", "rate": 200},
            "ramp": {"duration": "1s", "from": 50, "to": 250},
            "step": {"rate": 100, "step": 100, "step_duration": "500ms", "steps": 3},
            "spike": {"duration": "2s", "base": 50, "peak": 300, "at": "500ms", "rise": "200ms",
                      "hold": "500ms", "fall": "200ms"},
            "users": {"duration": "2s", "users": 8, "spawn_rate": 20}}[shape]
    if shape == "users" and "think" in phase:
        sets["think"] = '["10ms", "50ms"]'
    if phase.get("warmup"):
        sets["duration"] = "500ms"
    return [f"{key}.{field}={value}" for field, value in sets.items()
            if field in phase or field in ("duration", "spawn_rate")]


def body(t):
    server = t.serve("--threads", "1")
    files = sorted(f for f in os.listdir(PROFILES) if f.endswith(".toml"))
    t.require(len(files) >= 9, f"profiles/ holds the example profiles ({files})")
    for name in files:
        path = os.path.join(PROFILES, name)
        with open(path, "rb") as f:
            profile = tomllib.load(f)
        args = ["run", path, "-t", "1", "--set", f"target.url={server.url('').rstrip('/')}"]
        for phase in profile.get("phases", []):
            for value in shortened(phase):
                args += ["--set", value]
        for scenario in profile.get("scenario", []):
            for phase in scenario["phases"]:
                for value in shortened(phase, f"scenario.{scenario['name']}.phases"):
                    args += ["--set", value]
        outcome = t.run(args, timeout_s=60)
        harness.exits_with(t, outcome, 0, f"{name} runs")
        result = outcome.json
        if result is None:
            continue
        harness.check_accounting(t, result)
        t.check(result["errors"]["total"] == 0, f"{name}: no errors ({result['errors']})")
        by_name = result["requests_by_name"]
        weighted = [r["name"] for r in profile["requests"] if r.get("weight", 1) > 0]
        for request in weighted:
            stats = by_name.get(request, {})
            t.check(stats.get("completed", 0) > 0,
                    f"{name}: request '{request}' was answered ({stats})")
        for request, stats in by_name.items():
            t.check(stats["checks_failed"] == 0,
                    f"{name}: no check of '{request}' failed ({stats['checks']})")
            t.check(stats["captures_missed"] == 0,
                    f"{name}: every capture of '{request}' found its value")
        if "scenario" in profile:
            names = [s["name"] for s in profile["scenario"]]
            t.check([s["name"] for s in result.get("scenarios", [])] == names,
                    f"{name}: one result per scenario ({result.get('scenarios')})")
            continue
        measured = [p["name"] for p in profile["phases"] if not p.get("warmup")]
        t.check([p["name"] for p in result["phases"]] == measured,
                f"{name}: one result per measured phase ({result['phases']})")


harness.main(__doc__, body)
