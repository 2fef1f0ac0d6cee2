#!/usr/bin/env python3
"""Against a real nginx, closed-loop and open-loop runs account for every request and count
the status codes nginx gives: 200 for a small static file, 204 for `return 204`. Skips when
nginx is not installed."""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness

STATIC_BODY = b"static file served by nginx for barrage\n" * 4


def start_nginx(t):
    www = t.path("www")
    os.makedirs(www)
    with open(os.path.join(www, "static.txt"), "wb") as f:
        f.write(STATIC_BODY)
    return t.nginx(f"""
        location = /static.txt {{ root {www}; }}
        location = /empty {{ return 204; }}
    """)


def check_all_status(t, result, code, what):
    requests = result["requests"]
    t.check(requests["completed"] > 0, f"{what}: requests completed ({requests['completed']})")
    harness.check_accounting(t, result)
    t.check(result["status"]["codes"] == {str(code): requests["completed"]},
            f"{what}: every response is a {code} ({result['status']['codes']})")
    t.check(result["errors"]["total"] == 0, f"{what}: no errors ({result['errors']})")
    t.check(result["connections"]["reconnects"] == 0, f"{what}: nginx keeps connections alive")


def body(t):
    nginx = start_nginx(t)
    closed = t.run(["run", nginx.url("/static.txt"), "-c", "4", "-t", "2", "-d", "1s"])
    harness.exits_with(t, closed, 0, "closed loop against nginx")
    t.require(closed.json is not None, "the --json file was written")
    check_all_status(t, closed.json, 200, "closed loop, static file")
    received = closed.json["bytes"]["received"]
    completed = closed.json["requests"]["completed"]
    t.check(received >= completed * len(STATIC_BODY),
            f"bytes.received ({received}) covers {completed} bodies of {len(STATIC_BODY)} B")

    opened = t.run(["run", nginx.url("/empty"), "-r", "1000", "-c", "4", "-d", "1s"])
    harness.exits_with(t, opened, 0, "open loop against nginx")
    t.require(opened.json is not None, "the --json file was written")
    check_all_status(t, opened.json, 204, "open loop, return 204")
    requests = opened.json["requests"]
    t.check(abs(requests["sent"] + requests["unsent"] - 1000) <= 2,
            f"open loop at 1000 req/s for 1 s schedules 1000 requests ({requests})")
    t.check(requests["completed"] == requests["sent"], f"every sent request completed "
                                                       f"({requests})")


harness.main(__doc__, body)
