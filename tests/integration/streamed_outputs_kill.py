#!/usr/bin/env python3
"""--csv and --hlog are written as the run goes, one row and one line per interval as it ends:
a run killed with SIGKILL (nothing of it runs after) leaves every interval written so far,
readable, in order, with nothing half written but possibly the very last line. Meanwhile a
reader sees the files grow."""

import base64
import os
import signal
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

ROWS_BEFORE_KILL = 10


def complete_lines(path):
    """The lines of `path` that end with a newline (the last one may be half written)."""
    with open(path) as f:
        text = f.read()
    return text.split("\n")[:-1]


def body(t):
    server = t.serve("--threads", "1")
    csv_path, hlog_path, json_path = t.path("k.csv"), t.path("k.hlog"), t.path("k.json")
    process = t.popen(["run", server.url(), "-r", "200", "-c", "4", "-d", "60s",
                       "--interval", "100ms", "--csv", csv_path, "--hlog", hlog_path,
                       "--json", json_path])
    harness.drain_in_background(process.stdout)
    harness.drain_in_background(process.stderr)
    deadline = time.monotonic() + 20
    seen = 0
    while time.monotonic() < deadline and process.poll() is None:
        if os.path.exists(csv_path):
            seen = len(complete_lines(csv_path)) - 1
            if seen >= ROWS_BEFORE_KILL:
                break
        time.sleep(0.05)
    t.require(seen >= ROWS_BEFORE_KILL,
              f"the CSV grows while the run goes ({seen} rows seen, run "
              f"{'alive' if process.poll() is None else 'exited'})")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    t.check(process.returncode == -signal.SIGKILL, f"killed (got {process.returncode})")
    t.check(not os.path.exists(json_path), "no JSON: a killed run writes nothing at its end")

    lines = complete_lines(csv_path)
    t.require(lines and lines[0] == harness.CSV_HEADER, f"the CSV header ({lines[:1]})")
    rows = [line.split(",") for line in lines[1:]]
    t.check(len(rows) >= seen, f"every row seen before the kill is still there ({len(rows)} "
                               f">= {seen})")
    t.check(all(len(row) == 10 for row in rows), "every row has its 10 fields")
    ends = [float(row[0]) for row in rows]
    expected = [round(0.1 * (i + 1), 3) for i in range(len(rows))]
    t.check(ends == expected, f"one row per 100 ms interval, in order ({ends[:5]} ...)")
    t.check(sum(int(row[1]) for row in rows) > 0, "the rows count completed requests")

    hlog = complete_lines(hlog_path)
    t.check(hlog[:1] == ["#[Histogram log format version 1.3]"], f"the .hlog header ({hlog[:1]})")
    intervals = [line for line in hlog if line and line[0].isdigit()]
    # The CSV row of an interval is written just before its .hlog line.
    t.check(len(rows) - 1 <= len(intervals) <= len(rows),
            f"an .hlog line per CSV row ({len(intervals)} lines, {len(rows)} rows)")
    starts = [float(line.split(",")[0]) for line in intervals]
    t.check(starts == [round(0.1 * i, 3) for i in range(len(intervals))],
            f".hlog intervals in order ({starts[:5]} ...)")
    cookies = {base64.b64decode(line.split(",")[3])[:4] for line in intervals}
    t.check(cookies == {bytes.fromhex("1c849314")},
            "every .hlog line holds a compressed histogram")


harness.main(__doc__, body)
