#!/usr/bin/env python3
"""SIGINT or SIGTERM during a 30 s run stops it within a few seconds; it exits 0 and still
writes the summary (saying INTERRUPTED) and the JSON, with interrupted true, the requests
that completed, and the short duration that ran."""

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


def check_interrupted_run(t, server, signal_number):
    name = signal.Signals(signal_number).name
    json_path = t.path(f"{name}.json")
    process = t.popen(["run", server.url(), "-c", "4", "-d", "30s", "--interval", "200ms",
                       "--json", json_path])
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
    t.check(process.returncode == 0, f"{name}: exit 0 (got {process.returncode})")
    summary = stdout.decode(errors="replace")
    t.check_no_sanitizer_report(f"{name}: barrage run", stderr.decode(errors="replace"))
    t.check("INTERRUPTED" in summary, f"{name}: the summary says INTERRUPTED")
    t.require(os.path.exists(json_path), f"{name}: the JSON file was written")
    with open(json_path) as f:
        result = json.load(f)
    t.check(result["interrupted"] is True, f"{name}: interrupted is true")
    t.check(result["requests"]["completed"] > 0, f"{name}: requests completed "
                                                 f"({result['requests']})")
    t.check(result["duration_s"] < 5, f"{name}: duration_s is what ran, not the 30 s asked "
                                      f"({result['duration_s']})")
    t.check(result["config"]["duration_s"] == 30, f"{name}: config keeps the asked duration")
    t.check(len(result["intervals"]) < 30, f"{name}: intervals cover only what ran")
    harness.check_accounting(t, result)


def body(t):
    server = t.serve("--threads", "1")
    check_interrupted_run(t, server, signal.SIGINT)
    check_interrupted_run(t, server, signal.SIGTERM)


harness.main(__doc__, body)
