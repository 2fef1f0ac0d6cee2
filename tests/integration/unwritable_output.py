#!/usr/bin/env python3
"""A --json or --csv path that cannot be written is refused with exit 2 before any traffic,
even for a 60 s run, and stderr names the path."""

import socket
import sys

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


harness.main(__doc__, body)
