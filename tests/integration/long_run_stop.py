#!/usr/bin/env python3
"""Nothing is sized by the planned duration. A run planned for a year (and one for 100000 h)
starts, stops promptly on SIGINT/SIGTERM with its memory flat, and its results cover only what
ran. Unsent arrivals are counted from the schedule, not one by one: 100M req/s asked of two
connections ends without walking the hundreds of millions never sent, and the counts keep
their identity. The schedule ends when sending stops, not when the drain ends: arrivals due
during the drain after SIGINT are neither unsent nor behind (no false GENERATOR SATURATED)."""

import json
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

RSS_MB_MAX = 1024  # far above a sane run; the old code grew by GBs building planned rows


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def wait_watching_memory(t, process, name, deadline_s):
    """Waits for the process to exit; kills it (and fails) when it runs past `deadline_s` or
    its RSS passes RSS_MB_MAX. Returns the largest RSS seen, in MB."""
    deadline = time.monotonic() + deadline_s
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, rss_mb(process.pid))
        if peak > RSS_MB_MAX or time.monotonic() > deadline:
            process.kill()
            process.wait()
            t.require(False, f"{name}: stops within {deadline_s} s of the signal with RSS "
                             f"under {RSS_MB_MAX} MB (RSS {peak:.0f} MB)")
        time.sleep(0.05)
    return peak


def check_planned_forever(t, server, duration, signal_number):
    name = f"-d {duration}, {signal.Signals(signal_number).name}"
    json_path, csv_path = t.path(f"{duration}.json"), t.path(f"{duration}.csv")
    process = t.popen(["run", server.url(), "-r", "100", "-c", "4", "-d", duration,
                       "--interval", "100ms", "--json", json_path, "--csv", csv_path])
    line = harness.read_line_until(process.stderr, time.monotonic() + 10)
    t.require(line is not None and process.poll() is None,
              f"{name}: the run starts and prints progress (got {line!r})")
    harness.drain_in_background(process.stderr)
    harness.drain_in_background(process.stdout)
    time.sleep(0.5)
    process.send_signal(signal_number)
    peak = wait_watching_memory(t, process, name, 20)
    t.check(process.returncode == 128 + signal_number,
            f"{name}: exit {128 + signal_number} (got {process.returncode}, RSS {peak:.0f} MB)")
    t.require(os.path.exists(json_path), f"{name}: the JSON was written")
    with open(json_path) as f:
        result = json.load(f)
    t.check(result["duration_s"] < 10, f"{name}: duration_s is what ran ({result['duration_s']})")
    t.check(0 < len(result["intervals"]) < 100,
            f"{name}: a row per interval that ran ({len(result['intervals'])})")
    with open(csv_path) as f:
        rows = f.read().splitlines()[1:]
    t.check(len(rows) == len(result["intervals"]), f"{name}: the CSV has as many rows "
                                                   f"({len(rows)})")
    requests = result["requests"]
    asked = 100 * result["duration_s"]
    t.check(requests["sent"] + requests["unsent"] <= asked + 2,
            f"{name}: scheduled = sent + unsent is what was due until the stop "
            f"({requests['sent']} + {requests['unsent']}, ~{asked:.0f} due)")
    harness.check_accounting(t, result)


def check_unsent_from_integral(t, server):
    """Two connections cannot send 100M req/s: nearly every arrival is unsent, and counting
    them must not take longer than the run (the old count walked each one)."""
    outcome = t.run(["run", server.url(), "-r", "100M", "-c", "2", "-t", "1", "-d", "5s"],
                    timeout_s=60)
    harness.exits_with(t, outcome, 0, "100M req/s of two connections")
    result = outcome.json
    t.require(result is not None, "the JSON was written")
    requests = result["requests"]
    t.check(abs(requests["sent"] + requests["unsent"] - 500_000_000) <= 2,
            f"sent + unsent is the schedule's 5 s x 100M ({requests['sent']} + "
            f"{requests['unsent']})")
    t.check(result["drain_s"] < 3,
            f"the end is not spent counting the unsent one by one (drain_s {result['drain_s']})")
    harness.check_accounting(t, result)


def check_no_false_saturation(t):
    """10 req/s at a target that answers in 5 s, 100 connections: none waits, nothing is
    unsent. SIGINT at ~3 s: the drain lasts up to 2 s more, and the arrivals due in it were
    never meant to go."""
    slow = t.serve("--threads", "1", "--delay", "5s")
    json_path = t.path("slow.json")
    process = t.popen(["run", slow.url(), "-r", "10", "-c", "100", "-t", "1", "-d", "20s",
                       "--json", json_path])
    line = harness.read_line_until(process.stderr, time.monotonic() + 10)
    t.require(line is not None, f"the slow run prints progress (got {line!r})")
    time.sleep(2)
    process.send_signal(signal.SIGINT)
    try:
        stdout, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        t.require(False, "the slow run stops within 20 s of SIGINT")
    t.check(process.returncode == 130, f"exit 130 (got {process.returncode})")
    with open(json_path) as f:
        result = json.load(f)
    requests = result["requests"]
    t.check(requests["unsent"] == 0, f"no arrival is unsent: the schedule ended at the stop "
                                     f"({requests})")
    t.check(requests["sent"] + requests["unsent"] <= 10 * result["duration_s"] + 2,
            f"scheduled is what was due until the stop ({requests}, {result['duration_s']} s)")
    generator = result["generator"]
    t.check(not generator["saturated"] or generator["stalls"] > 0,
            f"the generator is not called saturated for the drain ({generator['evidence']})")
    harness.check_accounting(t, result)


def body(t):
    server = t.serve("--threads", "1")
    check_planned_forever(t, server, "8760h", signal.SIGINT)
    check_planned_forever(t, server, "100000h", signal.SIGTERM)
    check_unsent_from_integral(t, server)
    check_no_false_saturation(t)


harness.main(__doc__, body)
