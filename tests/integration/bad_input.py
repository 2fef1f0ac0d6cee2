#!/usr/bin/env python3
"""Malformed URLs, out-of-range or malformed option values, unknown flags and contradictory
options exit 2 before any traffic, and stderr names what was wrong."""

import socket
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness


def cases(url, port, body_file):
    """(arguments after 'barrage', strings of which stderr must contain at least one)."""
    return [
        (["run"], ["URL"]),
        (["run", "notaurl"], ["notaurl"]),
        (["run", f"ftp://127.0.0.1:{port}/"], ["ftp"]),
        (["run", "http://"], ["http://"]),
        (["run", "http://127.0.0.1:99999/"], ["99999"]),
        (["run", "http://[::1/"], ["[::1"]),
        (["run", url, url], [url]),
        (["run", url, "-c", "0"], ["-c", "--connections"]),
        (["run", url, "-c", "ten"], ["-c", "--connections"]),
        (["run", url, "-c"], ["-c", "--connections"]),
        (["run", url, "-d", "10x"], ["-d", "--duration"]),
        (["run", url, "-r", "-5"], ["-r", "--rate"]),
        (["run", url, "--rate", "0"], ["-r", "--rate"]),
        (["run", url, "--frobnicate"], ["--frobnicate"]),
        (["run", url, "-t", "5", "-c", "2"], ["-t", "--threads"]),
        (["run", url, "-H", "NoColonHere"], ["-H", "--header"]),
        (["run", url, "--interval", "10ms"], ["--interval"]),
        (["run", url, "-r", "100", "--timer-slack", "20ms"], ["--timer-slack"]),
        (["run", url, "-r", "100", "--timer-slack", "-1ms"], ["--timer-slack"]),
        (["run", url, "--body-file", "/nonexistent-dir/body"], ["--body-file"]),
        (["run", url, "-b", "x", "--body-file", body_file], ["--body", "--body-file"]),
        (["run", url, "--json", "-", "--csv", "-"], ["--json", "--csv"]),
        (["frobnicate"], ["frobnicate"]),
        (["serve", "--port", "70000"], ["--port"]),
        (["serve", "--host", "8.8.8.8"], ["--host"]),
    ]


def body(t):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    body_file = t.path("body.txt")
    with open(body_file, "w") as f:
        f.write("hello")
    try:
        for args, names in cases(url, port, body_file):
            outcome = t.run(args, timeout_s=10, json_out=False, quiet=False)
            what = " ".join(args)
            harness.exits_with(t, outcome, 2, f"barrage {what}")
            t.check(any(name in outcome.stderr for name in names),
                    f"barrage {what}: stderr names one of {names} ({outcome.stderr.strip()!r})")
        listener.setblocking(False)
        try:
            listener.accept()
            t.check(False, "no invocation with bad input connected to the target")
        except BlockingIOError:
            t.check(True, "no invocation with bad input connected to the target")
    finally:
        listener.close()


harness.main(__doc__, body)
