#!/usr/bin/env python3
"""A --json or --csv path that cannot be written is refused with exit 2 before any traffic,
even for a 60 s run, and stderr names the path. A --json that cannot be written after the run
(its directory went away meanwhile) is exit 4, a code of its own: 2 means nothing was sent."""

import os
import shutil
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def body(t):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    try:
        for flag, path in (("--json", "/nonexistent-dir/x.json"),
                           ("--csv", "/nonexistent-dir/x.csv"),
                           ("--json", t.path(""))):  # a directory, not a file
            outcome = t.run(["run", url, "-d", "60s", flag, path], timeout_s=10,
                            json_out=False)
            harness.exits_with(t, outcome, 2, f"{flag} {path}")
            t.check(path.rstrip("/") in outcome.stderr,
                    f"{flag} {path}: stderr names the path ({outcome.stderr.strip()!r})")
        listener.setblocking(False)
        try:
            listener.accept()
            t.check(False, "no run with an unwritable output connected to the target")
        except BlockingIOError:
            t.check(True, "no run with an unwritable output connected to the target")
    finally:
        listener.close()
    check_write_failure_after_run(t)


def check_write_failure_after_run(t):
    server = t.serve("--threads", "1")
    directory = t.path("vanishing")
    os.mkdir(directory)
    json_path = os.path.join(directory, "x.json")
    process = t.popen(["run", server.url(), "-c", "2", "-d", "2s", "--json", json_path])
    line = harness.read_line_until(process.stderr, time.monotonic() + 10)
    t.require(line is not None, f"the run prints progress (got {line!r})")
    shutil.rmtree(directory)
    try:
        stdout, stderr = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        t.require(False, "the run ends")
    stderr = stderr.decode(errors="replace")
    t.check(process.returncode == 4,
            f"a --json that cannot be written after the run: exit 4 (got {process.returncode})")
    t.check(json_path in stderr, f"stderr names the path ({stderr.strip()[-300:]!r})")
    t.check("Requests" in stdout.decode(errors="replace"), "the summary is printed all the same")


harness.main(__doc__, body)
