#!/usr/bin/env python3
"""SIGINT, SIGTERM or SIGHUP during a 30 s run stops it within a few seconds and writes every
output for what ran: the summary (saying INTERRUPTED), the JSON (interrupted true, the signal's
name, the requests that completed, the short duration that ran), the CSV and the .hlog. An
interrupted run did not pass: it exits 128 + the signal (130, 143, 129), its thresholds are
reported but do not decide the exit code. A second SIGINT cuts the drain short and still
writes everything."""

import base64
import json
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def wait_for_progress(t, process, deadline_s):
    """Waits for the first progress line on stderr: the run is sending by then."""
    line = harness.read_line_until(process.stderr, time.monotonic() + deadline_s)
    t.require(line is not None and process.poll() is None,
              f"the run prints a progress line and keeps running (got {line!r})")


def read_hlog_lines(t, path, name):
    """The interval lines of an .hlog file; each one's histogram must decode to the V2
    compressed cookie."""
    with open(path) as f:
        text = f.read()
    t.check(text.startswith("#[Histogram log format version 1.3]"), f"{name}: .hlog header")
    lines = [line for line in text.splitlines()
             if line and not line.startswith("#") and not line.startswith('"')]
    for line in lines:
        encoded = line.split(",")[-1]
        cookie = base64.b64decode(encoded)[:4]
        if cookie != bytes.fromhex("1c849314"):
            t.check(False, f"{name}: .hlog line decodes to a compressed histogram ({line[:80]})")
            break
    return lines


def check_interrupted_run(t, server, signal_number, expected_rc):
    name = signal.Signals(signal_number).name
    json_path, csv_path, hlog_path = (t.path(f"{name}.{ext}") for ext in ("json", "csv", "hlog"))
    process = t.popen(["run", server.url(), "-c", "4", "-d", "30s", "--interval", "200ms",
                       "--json", json_path, "--csv", csv_path, "--hlog", hlog_path,
                       "--threshold", "error_rate < 50%", "--threshold", "p99 < 1us"])
    wait_for_progress(t, process, 10)
    time.sleep(1.0)  # let it run a while longer, so the result has something in it
    sent_at = time.monotonic()
    process.send_signal(signal_number)
    try:
        stdout, stderr = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        t.require(False, f"{name}: the run stops within 10 s of the signal")
    stopped_after_s = time.monotonic() - sent_at
    t.check(stopped_after_s < 5, f"{name}: the run stops within a few seconds "
                                 f"({stopped_after_s:.2f} s)")
    t.check(process.returncode == expected_rc,
            f"{name}: exit {expected_rc}, 128 + the signal (got {process.returncode})")
    summary = stdout.decode(errors="replace")
    t.check_no_sanitizer_report(f"{name}: barrage run", stderr.decode(errors="replace"))
    t.check("INTERRUPTED" in summary, f"{name}: the summary says INTERRUPTED")
    t.require(os.path.exists(json_path), f"{name}: the JSON file was written")
    with open(json_path) as f:
        result = json.load(f)
    t.check(result["interrupted"] is True, f"{name}: interrupted is true")
    t.check(result.get("signal") == name, f"{name}: the JSON names the signal "
                                          f"({result.get('signal')!r})")
    t.check(result["requests"]["completed"] > 0, f"{name}: requests completed "
                                                 f"({result['requests']})")
    t.check(result["duration_s"] < 5, f"{name}: duration_s is what ran, not the 30 s asked "
                                      f"({result['duration_s']})")
    t.check(result["config"]["duration_s"] == 30, f"{name}: config keeps the asked duration")
    t.check(len(result["intervals"]) < 30, f"{name}: intervals cover only what ran")
    passes = {threshold["expression"]: threshold["pass"] for threshold in result["thresholds"]}
    t.check(passes == {"error_rate < 50%": True, "p99 < 1us": False},
            f"{name}: the thresholds are reported, one passed, one failed ({passes})")
    harness.check_accounting(t, result)
    with open(csv_path) as f:
        rows = f.read().splitlines()[1:]
    t.check(len(rows) == len(result["intervals"]),
            f"{name}: the CSV has the JSON's {len(result['intervals'])} rows ({len(rows)})")
    t.check(rows and float(rows[-1].split(",")[0]) == round(result["duration_s"], 3),
            f"{name}: the last CSV row ends when sending stopped ({rows[-1:]})")
    hlog_lines = read_hlog_lines(t, hlog_path, name)
    t.check(len(hlog_lines) == len(rows), f"{name}: the .hlog has a line per CSV row "
                                          f"({len(hlog_lines)} vs {len(rows)})")


def check_second_sigint(t):
    """Requests that take 10 s are in flight when the first SIGINT comes; the second one
    ends the drain at once, and everything is written all the same."""
    slow = t.serve("--threads", "1", "--delay", "10s")
    json_path = t.path("twice.json")
    process = t.popen(["run", slow.url(), "-c", "4", "-d", "30s", "--timeout", "20s",
                       "--json", json_path])
    wait_for_progress(t, process, 10)
    process.send_signal(signal.SIGINT)
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    try:
        process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        t.require(False, "twice: the run stops within 10 s of the second SIGINT")
    t.check(process.returncode == 130, f"twice: exit 130 (got {process.returncode})")
    t.require(os.path.exists(json_path), "twice: the JSON file was written")
    with open(json_path) as f:
        result = json.load(f)
    t.check(result["interrupted"] is True and result.get("signal") == "SIGINT",
            f"twice: interrupted by SIGINT ({result['interrupted']}, {result.get('signal')})")
    t.check(result["requests"]["unfinished"] > 0,
            f"twice: the requests cut off are unfinished ({result['requests']})")
    harness.check_accounting(t, result)


def body(t):
    server = t.serve("--threads", "1")
    check_interrupted_run(t, server, signal.SIGINT, 130)
    check_interrupted_run(t, server, signal.SIGTERM, 143)
    check_interrupted_run(t, server, signal.SIGHUP, 129)
    check_second_sigint(t)


harness.main(__doc__, body)
